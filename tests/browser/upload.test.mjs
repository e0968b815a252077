// Getting data in and a report out: the file input and a drop, files in
// every order, a bad file, and the downloaded CSV equal to the CLI's byte for byte.
import assert from "node:assert/strict";
import { writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import {
  DATA_DIR,
  FILES,
  chooseFiles,
  cliReport,
  download,
  dropFiles,
  launch,
  openPage,
  permutations,
  reportStatus,
  smallSet,
  waitForEnd,
  waitForFileKinds,
} from "./helpers.mjs";
import { removeAllFiles } from "./helpers.mjs";

let browser;
let dir;
let paths;
before(async () => {
  browser = await launch();
  dir = smallSet();
  paths = FILES.map((f) => join(dir, f));
});
after(() => browser?.close());

async function generateAndDownload(page) {
  const generate = page.getByTestId("generate");
  await generate.click();
  const id = (await page.getByTestId("report-id").textContent()).trim();
  assert.match(id, /^[0-9a-f]{16}$/, "a random report id is shown at once");
  const status = await waitForEnd(page);
  assert.equal(status, "Complete", await page.getByTestId("report").innerText());
  const file = await download(page, page.getByTestId("download-csv"));
  assert.equal(file.name, `store-uptime-${id}.csv`);
  return file.bytes;
}

/** The worker's User Timing measures, by name (src/worker/mod.rs). */
async function workerMeasures(page) {
  const worker = page.workers().find((w) => w.url().includes("worker"));
  return worker.evaluate(() => performance.getEntriesByType("measure").map((m) => [m.name, m.duration]));
}

test("three files through the file input give the CLI's report, byte for byte", async () => {
  const { page, context, errors } = await openPage(browser);
  // The worker warmed its engine up before saying it was ready (src/warm_up.rs); a failed
  // warm-up would be a console error, which `errors` catches.
  const warmUp = (await workerMeasures(page)).filter(([name]) => name === "store-uptime warm-up");
  assert.equal(warmUp.length, 1, "one warm-up, before Ready");
  assert.ok(warmUp[0][1] > 0);
  await chooseFiles(page, paths);
  await waitForFileKinds(page, 3);
  const kinds = await page.getByTestId("file-kind").allTextContents();
  assert.deepEqual(kinds.map((k) => k.trim()), ["Status polls", "Business hours", "Timezones"]);
  const csv = await generateAndDownload(page);
  assert.ok(csv.equals(cliReport(paths)), "downloaded CSV differs from the CLI's");
  // The data-quality panel names skipped rows by file and line, in the engine's words.
  const quality = await page.getByTestId("quality").innerText();
  assert.match(quality, /rows skipped/);
  await page.getByTestId("skipped").locator("summary").first().click();
  assert.match(await page.getByTestId("skipped").innerText(), /store_status\.csv, line \d+|menu_hours\.csv, line \d+/);
  // Once read, each file shows its rows and stores.
  assert.match(await page.getByTestId("file-list").innerText(), /rows, \d+ stores/);
  // The job's own phases were measured, and the warm-up's measure was kept beside them.
  const names = (await workerMeasures(page)).map(([name]) => name);
  assert.ok(names.includes("store-uptime ingest") && names.includes("store-uptime analyse"), names.join(", "));
  assert.equal(names.filter((n) => n === "store-uptime warm-up").length, 1);
  assert.deepEqual(errors, []);
  await context.close();
});

test("three files dropped on the page give the CLI's report", async () => {
  const { page, context, errors } = await openPage(browser);
  await dropFiles(page, paths);
  await waitForFileKinds(page, 3);
  const csv = await generateAndDownload(page);
  assert.ok(csv.equals(cliReport(paths)));
  assert.deepEqual(errors, []);
  await context.close();
});

test("files in every order give the same report", async () => {
  const { page, context, errors } = await openPage(browser);
  const expected = cliReport(paths);
  for (const order of permutations(paths)) {
    await removeAllFiles(page);
    await chooseFiles(page, order);
    await waitForFileKinds(page, 3);
    const csv = await generateAndDownload(page);
    assert.ok(csv.equals(expected), `order ${order.map((p) => p.split("/").pop()).join(", ")}`);
  }
  assert.deepEqual(errors, []);
  await context.close();
});

test("options reach the engine: extended columns and previous interpolation equal the CLI's", async () => {
  const { page, context } = await openPage(browser);
  await chooseFiles(page, paths);
  await waitForFileKinds(page, 3);
  await page.getByTestId("opt-extended").check();
  await page.getByTestId("opt-fill").selectOption("previous");
  await page.getByTestId("opt-missing-day").selectOption("open");
  await page.getByTestId("opt-now").fill("2024-10-14 12:00:00");
  const csv = await generateAndDownload(page);
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
  await context.close();
});

test("a file of no known kind is rejected with the expected columns, and the rest still works", async () => {
  const bad = join(DATA_DIR, "bad");
  mkdirSync(bad, { recursive: true });
  const badFile = join(bad, "orders.csv");
  writeFileSync(badFile, "order_id,amount\n1,9.50\n");
  const { page, context } = await openPage(browser);
  await chooseFiles(page, [badFile, ...paths]);
  await waitForFileKinds(page, 4);
  const error = await page.getByTestId("file-error").innerText();
  assert.match(error, /orders\.csv/);
  assert.match(error, /store_id, status, timestamp_utc/);
  const csv = await generateAndDownload(page);
  assert.ok(csv.equals(cliReport(paths)));
  await context.close();
});

test("without a status file Generate stays disabled and says why", async () => {
  const { page, context } = await openPage(browser);
  await chooseFiles(page, [paths[1], paths[2]]);
  await waitForFileKinds(page, 2);
  assert.match(await page.getByTestId("no-status-file").innerText(), /status polls/);
  assert.equal(await page.getByTestId("generate").isDisabled(), true);
  assert.match(await page.getByTestId("generate-why").innerText(), /status polls file/);
  // Adding the status file enables it, and the report runs.
  await chooseFiles(page, [paths[0]]);
  await waitForFileKinds(page, 3);
  assert.equal(await page.getByTestId("generate").isDisabled(), false);
  await context.close();
});

test("ids with markup are shown as text, never run", async () => {
  const dir = join(DATA_DIR, "markup");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "polls.csv");
  writeFileSync(
    file,
    'store_id,status,timestamp_utc\n"<img src=x onerror=""window.__ran=1"">",active,2024-10-14 10:00:00\n=1+1,inactive,2024-10-14 11:00:00\n',
  );
  const { page, context, errors } = await openPage(browser);
  page.on("dialog", (d) => errors.push(`dialog: ${d.message()}`));
  await chooseFiles(page, [file]);
  await waitForFileKinds(page, 1);
  const csv = await generateAndDownload(page);
  assert.ok(csv.equals(cliReport([file])));
  await page.getByTestId("quality").locator("summary").first().click();
  assert.match(await page.getByTestId("quality").innerText(), /<img src=x onerror="window.__ran=1">/);
  assert.equal(await page.locator("img").count(), 0);
  assert.equal(await page.evaluate(() => window.__ran), undefined);
  assert.deepEqual(errors, []);
  await context.close();
});
