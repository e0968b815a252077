// Getting data in and a report out: the file input and a drop, files in
// every order, a bad file, and the downloaded CSV equal to the CLI's byte for byte.
import assert from "node:assert/strict";
import { writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { before, test } from "node:test";
import { DATA_DIR, FILES, cliReport, permutations, smallSet } from "./helpers.mjs";
import { StoreUptimePage, useChromium } from "./store-uptime-page.mjs";

const chromium = useChromium();
let paths;
before(() => {
  paths = FILES.map((f) => join(smallSet(), f));
});

/** Presses Generate on the listed files; the report must complete, named by its id. */
async function generateAndDownload(app) {
  await app.generateButton.click();
  const id = await app.reportId();
  assert.match(id, /^[0-9a-f]{16}$/, "a random report id is shown at once");
  const status = await app.waitForEnd();
  assert.equal(status, "Complete", await app.report.innerText());
  const file = await app.downloadCsv();
  assert.equal(file.name, `store-uptime-${id}.csv`);
  return file.bytes;
}

/** The worker's User Timing measures, by name (src/worker/mod.rs). */
async function workerMeasures(app) {
  const worker = app.page.workers().find((w) => w.url().includes("worker"));
  return worker.evaluate(() => performance.getEntriesByType("measure").map((m) => [m.name, m.duration]));
}

test("three files through the file input give the CLI's report, byte for byte", async () => {
  const app = await StoreUptimePage.open(chromium.browser);
  // The worker warmed its engine up before saying it was ready (src/warm_up.rs); a failed
  // warm-up would be a console error, which `errors` catches.
  const warmUp = (await workerMeasures(app)).filter(([name]) => name === "store-uptime warm-up");
  assert.equal(warmUp.length, 1, "one warm-up, before Ready");
  assert.ok(warmUp[0][1] > 0);
  await app.addFiles(paths);
  assert.deepEqual(await app.fileKindWords(), ["Status polls", "Business hours", "Timezones"]);
  const csv = await generateAndDownload(app);
  assert.ok(csv.equals(cliReport(paths)), "downloaded CSV differs from the CLI's");
  // The data-quality panel names skipped rows by file and line, in the engine's words.
  assert.match(await app.quality.innerText(), /rows skipped/);
  await app.skippedRows.locator("summary").first().click();
  assert.match(await app.skippedRows.innerText(), /store_status\.csv, line \d+|menu_hours\.csv, line \d+/);
  // Once read, each file shows its rows and stores.
  assert.match(await app.fileList.innerText(), /rows, \d+ stores/);
  // The job's own phases were measured, and the warm-up's measure was kept beside them.
  const names = (await workerMeasures(app)).map(([name]) => name);
  assert.ok(names.includes("store-uptime ingest") && names.includes("store-uptime analyse"), names.join(", "));
  assert.equal(names.filter((n) => n === "store-uptime warm-up").length, 1);
  assert.deepEqual(app.errors, []);
  await app.close();
});

test("three files dropped on the page give the CLI's report", async () => {
  const app = await StoreUptimePage.open(chromium.browser);
  await app.dropFiles(paths);
  const csv = await generateAndDownload(app);
  assert.ok(csv.equals(cliReport(paths)));
  assert.deepEqual(app.errors, []);
  await app.close();
});

test("files in every order give the same report", async () => {
  const app = await StoreUptimePage.open(chromium.browser);
  const expected = cliReport(paths);
  for (const order of permutations(paths)) {
    await app.removeAllFiles();
    await app.addFiles(order);
    const csv = await generateAndDownload(app);
    assert.ok(csv.equals(expected), `order ${order.map((p) => p.split("/").pop()).join(", ")}`);
  }
  assert.deepEqual(app.errors, []);
  await app.close();
});

test("options reach the engine: extended columns and previous interpolation equal the CLI's", async () => {
  const app = await StoreUptimePage.open(chromium.browser);
  await app.addFiles(paths);
  await app.setOptions({ extended: true, fill: "previous", missingDay: "open", now: "2024-10-14 12:00:00" });
  const csv = await generateAndDownload(app);
  const expected = cliReport(paths, [
    "--extended",
    "--interpolation",
    "previous",
    "--missing-day",
    "open",
    "--now",
    "2024-10-14 12:00:00",
  ]);
  assert.ok(csv.equals(expected));
  await app.close();
});

test("a file of no known kind is rejected with the expected columns, and the rest still works", async () => {
  const bad = join(DATA_DIR, "bad");
  mkdirSync(bad, { recursive: true });
  const badFile = join(bad, "orders.csv");
  writeFileSync(badFile, "order_id,amount\n1,9.50\n");
  const app = await StoreUptimePage.open(chromium.browser);
  await app.addFiles([badFile, ...paths]);
  const error = await app.fileError.innerText();
  assert.match(error, /orders\.csv/);
  assert.match(error, /store_id, status, timestamp_utc/);
  const csv = await generateAndDownload(app);
  assert.ok(csv.equals(cliReport(paths)));
  await app.close();
});

test("without a status file Generate stays disabled and says why", async () => {
  const app = await StoreUptimePage.open(chromium.browser);
  await app.addFiles([paths[1], paths[2]]);
  assert.match(await app.noStatusFile.innerText(), /status polls/);
  assert.equal(await app.generateButton.isDisabled(), true);
  assert.match(await app.generateWhy.innerText(), /status polls file/);
  // Adding the status file enables it, and the report runs.
  await app.addFiles([paths[0]], { total: 3 });
  assert.equal(await app.generateButton.isDisabled(), false);
  await app.close();
});

test("ids with markup are shown as text, never run", async () => {
  const dir = join(DATA_DIR, "markup");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "polls.csv");
  writeFileSync(
    file,
    'store_id,status,timestamp_utc\n"<img src=x onerror=""window.__ran=1"">",active,2024-10-14 10:00:00\n=1+1,inactive,2024-10-14 11:00:00\n',
  );
  const app = await StoreUptimePage.open(chromium.browser);
  app.page.on("dialog", (d) => app.errors.push(`dialog: ${d.message()}`));
  await app.addFiles([file]);
  const csv = await generateAndDownload(app);
  assert.ok(csv.equals(cliReport([file])));
  await app.quality.locator("summary").first().click();
  assert.match(await app.quality.innerText(), /<img src=x onerror="window.__ran=1">/);
  assert.equal(await app.page.locator("img").count(), 0);
  assert.equal(await app.page.evaluate(() => window.__ran), undefined);
  assert.deepEqual(app.errors, []);
  await app.close();
});
