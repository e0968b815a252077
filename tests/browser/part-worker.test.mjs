// Two engine workers (docs/app.md, "Two engine workers"): a status file over 16 MiB is read
// half by the engine worker and half by its part worker, whose rows are merged. The report is
// the CLI's byte for byte, the part was merged (the engine worker's "store-uptime merge"
// measure), and a cancel while both read ends both: the next report is complete and equal.
import assert from "node:assert/strict";
import { statSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { BASE_URL, FILES, cliReport, dataSet } from "./helpers.mjs";
import { StoreUptimePage, useChromium } from "./store-uptime-page.mjs";

const chromium = useChromium();

/** The engine worker: the part worker is a copy of it, told apart by its name. */
async function engineWorker(page) {
  for (const w of page.workers()) {
    if (w.url().includes("worker_loader") && (await w.evaluate(() => self.name)) !== "store-uptime part") return w;
  }
  throw new Error("no engine worker");
}

/**
 * Waits until the newest part worker the engine worker started has said it is ready (a
 * cancel while it reads ends it and starts another); returns how many were started.
 */
async function partWorkerReady(page) {
  return (await engineWorker(page)).evaluate(
    () =>
      new Promise((resolve, reject) => {
        const until = performance.now() + 30_000;
        const count = (name) => performance.getEntriesByName(name).length;
        const check = () => {
          const started = count("store-uptime part started");
          if (started > 0 && count("store-uptime part ready") === started) resolve(started);
          else if (performance.now() > until) reject(new Error(`part workers started ${started}, ready ${count("store-uptime part ready")}`));
          else setTimeout(check, 50);
        };
        check();
      }),
  );
}

/** The names of the engine worker's User Timing measures of the last job. */
const measures = async (page) => (await engineWorker(page)).evaluate(() => performance.getEntriesByType("measure").map((m) => m.name));

test("a big status file is read by two workers and gives the CLI's report, also after a cancel", { timeout: 180_000 }, async () => {
  // The public set's shape with 2 500 stores: a status file of ≈ 24 MB, invalid rows included.
  const dir = dataSet("part-2500", ["--preset", "public", "--stores", "2500"]);
  const paths = FILES.map((f) => join(dir, f));
  assert.ok(statSync(paths[0]).size > 16 << 20, "the status file is over the part worker's 16 MiB");
  const expected = cliReport(paths);

  // `?parts=on`: a part worker whatever this machine's cores (without it, only with four).
  const app = await StoreUptimePage.open(chromium.browser, { url: `${BASE_URL}?parts=on` });
  assert.equal(await partWorkerReady(app.page), 1);
  assert.equal(await app.generate(paths), "Complete");
  assert.ok((await measures(app.page)).includes("store-uptime merge"), "the part worker's rows were merged");
  assert.ok((await app.downloadCsv()).bytes.equals(expected), "the CLI's report, byte for byte");

  // Cancelled while reading: the part worker is ended and a fresh one started; the next
  // report reads with it.
  await app.unfoldInputs();
  // Pressed by the page itself at the first "Reading" progress: a click through Playwright
  // can come after a 24 MB file is read.
  const cancelled = app.page.evaluate(
    () =>
      new Promise((resolve) => {
        const watch = new MutationObserver(() => {
          if (/Reading/.test(document.querySelector('[data-testid="progress-text"]')?.textContent ?? "")) {
            watch.disconnect();
            document.querySelector('[data-testid="cancel"]').click();
            resolve();
          }
        });
        watch.observe(document, { subtree: true, childList: true, characterData: true });
      }),
  );
  await app.generateButton.click();
  await cancelled;
  assert.equal(await app.waitForEnd(), "Cancelled");
  await partWorkerReady(app.page);
  await app.unfoldInputs();
  assert.equal(await app.generate(), "Complete");
  assert.ok((await measures(app.page)).includes("store-uptime merge"), "the new part worker's rows were merged");
  assert.ok((await app.downloadCsv()).bytes.equals(expected), "the CLI's report again");
  assert.deepEqual(app.errors, []);
  await app.close();
});

test("with ?parts=off there is no part worker, and the report is the same", { timeout: 120_000 }, async () => {
  const dir = dataSet("part-2500", ["--preset", "public", "--stores", "2500"]);
  const paths = FILES.map((f) => join(dir, f));
  const app = await StoreUptimePage.open(chromium.browser, { url: `${BASE_URL}?parts=off` });
  assert.equal(await app.generate(paths), "Complete");
  const names = await measures(app.page);
  assert.ok(names.includes("store-uptime ingest") && !names.includes("store-uptime merge"), names.join(", "));
  assert.ok((await app.downloadCsv()).bytes.equals(cliReport(paths)));
  await app.close();
});
