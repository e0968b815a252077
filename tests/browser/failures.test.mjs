// Failure and recovery in the page: a worker that crashes, runs out of memory or
// silently dies fails the running report with its reason and offers Retry (same files,
// same options); a closed tab leaves the history intact with the job interrupted; a storage
// quota error is reported and the report still downloads; two tabs share one history.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { FILES, cliReport, dataSet, smallSet } from "./helpers.mjs";
import { StoreUptimePage, useChromium } from "./store-uptime-page.mjs";

const chromium = useChromium();

/** The page's report worker (Trunk's loader), as playwright sees it. */
async function reportWorker({ page }) {
  for (let i = 0; i < 100; i++) {
    const worker = page.workers().find((w) => w.url().endsWith("/worker_loader.js"));
    if (worker) return worker;
    await page.waitForTimeout(100);
  }
  throw new Error("no report worker");
}

/** The big status file `copies` times (135 MB each), so a job surely runs for a while. */
function bigJob(copies = 3) {
  const status = join(dataSet("large-public", ["--preset", "public"]), FILES[0]);
  return Array(copies).fill(status);
}

/** Retry, then the new report must be the CLI's for the same files and `flags`. */
async function retryGivesCliReport(app, failedId, paths, flags) {
  await app.retryButton.click();
  assert.equal(await app.waitForEnd(90_000), "Complete");
  const id = await app.reportId();
  assert.notEqual(id, failedId, "a retry is a new report");
  const file = await app.downloadCsv();
  assert.ok(file.bytes.equals(cliReport(paths, flags)), "Retry ran the same files with the same options");
  // The failed report stays in the history, failed.
  assert.equal(await app.historyStatus(failedId), "Failed");
}

test("an uncaught error in the worker fails the report with the reason; Retry re-runs it", async () => {
  const app = await StoreUptimePage.open(chromium.browser);
  await app.setOptions({ extended: true });
  const paths = bigJob();
  const id = await app.startReport(paths);
  // A real uncaught error, thrown from the worker's own event loop.
  const worker = await reportWorker(app);
  await worker.evaluate(() => setTimeout(() => {
    throw new Error("test: the worker broke");
  }, 0));
  assert.equal(await app.waitForEnd(20_000), "Failed");
  assert.match(await app.reason(), /the report worker stopped: .*test: the worker broke/);
  // Options changed since: Retry must use the failed report's own.
  await app.setOptions({ extended: false });
  await app.waitForWorker();
  await retryGivesCliReport(app, id, paths, ["--extended"]);
  await app.close();
});

test("a worker out of wasm memory fails the report, says so, and Retry works", async () => {
  const app = await StoreUptimePage.open(chromium.browser);
  const paths = bigJob();
  await app.addFiles(paths);
  // Grow the worker's wasm memory to the limit: the engine's next allocation fails, which
  // Rust turns into an abort (a wasm trap), exactly as with files too big for the tab.
  const worker = await reportWorker(app);
  const pages = await worker.evaluate(async () => {
    // `wasm_bindgen` is the loader script's global; once loaded it returns the exports.
    const { memory } = await wasm_bindgen();
    try {
      for (;;) memory.grow(1024);
    } catch {
      return memory.buffer.byteLength / 65536;
    }
  });
  assert.ok(pages > 16_384, `the worker's memory is full (${pages} pages)`);
  await app.generateButton.click();
  const id = await app.reportId();
  assert.equal(await app.waitForEnd(30_000), "Failed");
  assert.match(await app.reason(), /RuntimeError.*ran out of memory/);
  assert.ok(await app.page.locator("main").isVisible(), "never a blank page");
  await app.waitForWorker();
  await retryGivesCliReport(app, id, paths, []);
  await app.close();
});

test("a worker that silently closes is caught by the watchdog; Retry works", { timeout: 90_000 }, async () => {
  const app = await StoreUptimePage.open(chromium.browser);
  const paths = FILES.map((f) => join(smallSet(), f));
  await app.addFiles(paths);
  // close() fires no event at all on the page's side.
  const worker = await reportWorker(app);
  await worker.evaluate(() => self.close());
  await app.generateButton.click();
  const id = await app.reportId();
  const started = Date.now();
  assert.equal(await app.waitForEnd(40_000), "Failed");
  assert.ok(Date.now() - started >= 15_000, "not before the watchdog's time");
  assert.match(await app.reason(), /stopped answering/);
  await app.waitForWorker();
  await retryGivesCliReport(app, id, paths, []);
  await app.close();
});

test("closing the tab mid-job keeps the history and marks the job interrupted", async () => {
  const context = await chromium.browser.newContext({ acceptDownloads: true });
  const first = await StoreUptimePage.openIn(context);
  const small = FILES.map((f) => join(smallSet(), f));
  assert.equal(await first.generate(small), "Complete");
  const doneId = await first.reportId();
  await first.removeAllFiles();
  const runningId = await first.startReport(bigJob());
  await first.close();

  const second = await StoreUptimePage.openIn(context);
  await second.historyItem(runningId).waitFor();
  assert.equal(await second.historyStatus(runningId), "Interrupted");
  assert.equal(await second.historyStatus(doneId), "Complete");
  const again = await second.downloadFromHistory(doneId);
  assert.ok(again.bytes.equals(cliReport(small)));
  await context.close();
});

test("a storage quota error is reported, and the report still downloads", async () => {
  const context = await chromium.browser.newContext({ acceptDownloads: true });
  // Every IndexedDB write fails as a full disk would make it.
  await context.addInitScript(() => {
    IDBObjectStore.prototype.put = function () {
      throw new DOMException("test: the quota is used up", "QuotaExceededError");
    };
  });
  const app = await StoreUptimePage.openIn(context);
  const paths = FILES.map((f) => join(smallSet(), f));
  assert.equal(await app.generate(paths), "Complete");
  await app.notice.filter({ hasText: /could not be saved/ }).waitFor();
  assert.match(await app.notice.innerText(), /QuotaExceededError.*you can still download it/);
  const file = await app.downloadCsv();
  assert.ok(file.bytes.equals(cliReport(paths)));
  const history = await app.downloadFromHistory(0);
  assert.ok(history.bytes.equals(cliReport(paths)));
  assert.deepEqual(app.errors, []);
  await context.close();
});

test("two tabs at once share one history without corrupting it", async () => {
  const context = await chromium.browser.newContext({ acceptDownloads: true });
  const a = await StoreUptimePage.openIn(context);
  const b = await StoreUptimePage.openIn(context);
  const small = FILES.map((f) => join(smallSet(), f));

  // A job running in tab A is not "interrupted" for a tab opened meanwhile. Tab A's main
  // thread is held in the debugger while tab C opens, so A cannot record an end however
  // fast its worker is (the record stays Running and A keeps its Web Lock): no race with
  // the machine's load. The pause is short beside A's 20 s watchdog.
  const runningId = await a.startReport(bigJob(3));
  const debug = await context.newCDPSession(a.page);
  await debug.send("Debugger.enable");
  await debug.send("Debugger.pause");
  let c, seen;
  try {
    c = await StoreUptimePage.openIn(context);
    seen = c.historyItem(runningId);
    await seen.waitFor();
    assert.equal(await c.historyStatus(runningId), "Running");
  } finally {
    // Disabling the debugger resumes a paused thread and drops a pause not yet taken.
    await debug.send("Debugger.disable");
    await debug.detach();
  }
  // Cancel if it still runs; however it ends there, the other tab hears of it.
  if (await a.cancelButton.isVisible()) await a.cancelButton.click().catch(() => {});
  const end = await a.waitForEnd(60_000);
  assert.ok(["Cancelled", "Complete"].includes(end), end);
  await seen.getByTestId("history-status").filter({ hasText: end }).waitFor();
  await c.close();

  // One report in each tab; each tab lists both without a reload.
  await a.removeAllFiles();
  assert.equal(await a.generate(small), "Complete");
  const fromA = await a.reportId();
  await b.addFiles(small);
  await b.setOptions({ extended: true });
  assert.equal(await b.generate(), "Complete");
  const fromB = await b.reportId();
  await a.page.waitForFunction((id) => !!document.querySelector(`[data-report-id="${id}"]`), fromB);
  assert.deepEqual(await a.historyIds(), [fromB, fromA, runningId]);
  assert.deepEqual(await b.historyIds(), [fromB, fromA, runningId]);

  // Tab B downloads A's report; deleting it in B removes it from A too.
  const fileA = await b.downloadFromHistory(fromA);
  assert.ok(fileA.bytes.equals(cliReport(small)));
  await b.deleteFromHistory(fromA);
  await a.page.waitForFunction((id) => !document.querySelector(`[data-report-id="${id}"]`), fromA);
  assert.deepEqual(await a.historyIds(), [fromB, runningId]);
  const fileB = await a.downloadFromHistory(fromB);
  assert.ok(fileB.bytes.equals(cliReport(small, ["--extended"])));

  await a.reload();
  await a.historyItems.nth(1).waitFor();
  assert.deepEqual(await a.historyIds(), [fromB, runningId]);
  assert.deepEqual([...a.errors, ...b.errors], []);
  await context.close();
});
