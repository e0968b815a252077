// Failure and recovery in the page: a worker that crashes, runs out of memory or
// silently dies fails the running report with its reason and offers Retry (same files,
// same options); a closed tab leaves the history intact with the job interrupted; a storage
// quota error is reported and the report still downloads; two tabs share one history.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import {
  BASE_URL,
  FILES,
  chooseFiles,
  cliReport,
  dataSet,
  download,
  launch,
  openPage,
  smallSet,
  statusWord,
  waitForEnd,
  waitForFileKinds,
  waitForWorker,
  watchPage,
} from "./helpers.mjs";
import { removeAllFiles } from "./helpers.mjs";

let browser;
before(async () => {
  browser = await launch();
});
after(() => browser?.close());


/** The page's report worker (Trunk's loader), as playwright sees it. */
async function reportWorker(page) {
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

async function startRunning(page, paths) {
  await chooseFiles(page, paths);
  await waitForFileKinds(page, paths.length);
  await page.getByTestId("generate").click();
  await page.getByTestId("progress-text").filter({ hasText: /Reading/ }).waitFor({ timeout: 20_000 });
  return (await page.getByTestId("report-id").innerText()).trim();
}

/** Retry, then the new report must be the CLI's for the same files and `flags`. */
async function retryGivesCliReport(page, failedId, paths, flags) {
  await page.getByTestId("retry").click();
  assert.equal(await waitForEnd(page, 90_000), "Complete");
  const id = (await page.getByTestId("report-id").innerText()).trim();
  assert.notEqual(id, failedId, "a retry is a new report");
  const file = await download(page, page.getByTestId("download-csv"));
  assert.ok(file.bytes.equals(cliReport(paths, flags)), "Retry ran the same files with the same options");
  // The failed report stays in the history, failed.
  const failed = page.locator(`[data-testid="history-item"][data-report-id="${failedId}"]`);
  assert.equal(statusWord(await failed.getByTestId("history-status").innerText()), "Failed");
}

test("an uncaught error in the worker fails the report with the reason; Retry re-runs it", async () => {
  const { page, context } = await openPage(browser);
  await page.getByTestId("opt-extended").check();
  const paths = bigJob();
  const id = await startRunning(page, paths);
  // A real uncaught error, thrown from the worker's own event loop.
  const worker = await reportWorker(page);
  await worker.evaluate(() => setTimeout(() => {
    throw new Error("test: the worker broke");
  }, 0));
  assert.equal(await waitForEnd(page, 20_000), "Failed");
  assert.match(await page.getByTestId("report-reason").innerText(), /the report worker stopped: .*test: the worker broke/);
  // Options changed since: Retry must use the failed report's own.
  await page.getByTestId("opt-extended").uncheck();
  await waitForWorker(page);
  await retryGivesCliReport(page, id, paths, ["--extended"]);
  await context.close();
});

test("a worker out of wasm memory fails the report, says so, and Retry works", async () => {
  const { page, context } = await openPage(browser);
  const paths = bigJob();
  await chooseFiles(page, paths);
  await waitForFileKinds(page, paths.length);
  // Grow the worker's wasm memory to the limit: the engine's next allocation fails, which
  // Rust turns into an abort (a wasm trap), exactly as with files too big for the tab.
  const worker = await reportWorker(page);
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
  await page.getByTestId("generate").click();
  const id = (await page.getByTestId("report-id").innerText()).trim();
  assert.equal(await waitForEnd(page, 30_000), "Failed");
  assert.match(await page.getByTestId("report-reason").innerText(), /RuntimeError.*ran out of memory/);
  assert.ok(await page.locator("main").isVisible(), "never a blank page");
  await waitForWorker(page);
  await retryGivesCliReport(page, id, paths, []);
  await context.close();
});

test("a worker that silently closes is caught by the watchdog; Retry works", { timeout: 90_000 }, async () => {
  const { page, context } = await openPage(browser);
  const paths = FILES.map((f) => join(smallSet(), f));
  await chooseFiles(page, paths);
  await waitForFileKinds(page, 3);
  // close() fires no event at all on the page's side.
  const worker = await reportWorker(page);
  await worker.evaluate(() => self.close());
  await page.getByTestId("generate").click();
  const id = (await page.getByTestId("report-id").innerText()).trim();
  const started = Date.now();
  assert.equal(await waitForEnd(page, 40_000), "Failed");
  assert.ok(Date.now() - started >= 15_000, "not before the watchdog's time");
  assert.match(await page.getByTestId("report-reason").innerText(), /stopped answering/);
  await waitForWorker(page);
  await retryGivesCliReport(page, id, paths, []);
  await context.close();
});

test("closing the tab mid-job keeps the history and marks the job interrupted", async () => {
  const context = await browser.newContext({ acceptDownloads: true });
  const first = await context.newPage();
  await first.goto(BASE_URL);
  await waitForWorker(first);
  const small = FILES.map((f) => join(smallSet(), f));
  await chooseFiles(first, small);
  await waitForFileKinds(first, 3);
  await first.getByTestId("generate").click();
  assert.equal(await waitForEnd(first), "Complete");
  const doneId = (await first.getByTestId("report-id").innerText()).trim();
  await removeAllFiles(first);
  const runningId = await startRunning(first, bigJob());
  await first.close();

  const { page } = await openPageIn(context);
  const item = (id) => page.locator(`[data-testid="history-item"][data-report-id="${id}"]`);
  await item(runningId).waitFor();
  assert.equal(statusWord(await item(runningId).getByTestId("history-status").innerText()), "Interrupted");
  assert.equal(statusWord(await item(doneId).getByTestId("history-status").innerText()), "Complete");
  const again = await download(page, item(doneId).getByTestId("history-download"));
  assert.ok(again.bytes.equals(cliReport(small)));
  await context.close();
});

test("a storage quota error is reported, and the report still downloads", async () => {
  const context = await browser.newContext({ acceptDownloads: true });
  // Every IndexedDB write fails as a full disk would make it.
  await context.addInitScript(() => {
    IDBObjectStore.prototype.put = function () {
      throw new DOMException("test: the quota is used up", "QuotaExceededError");
    };
  });
  const { page, errors } = await openPageIn(context);
  const paths = FILES.map((f) => join(smallSet(), f));
  await chooseFiles(page, paths);
  await waitForFileKinds(page, 3);
  await page.getByTestId("generate").click();
  assert.equal(await waitForEnd(page), "Complete");
  await page.getByTestId("notice").filter({ hasText: /could not be saved/ }).waitFor();
  assert.match(await page.getByTestId("notice").innerText(), /QuotaExceededError.*you can still download it/);
  const file = await download(page, page.getByTestId("download-csv"));
  assert.ok(file.bytes.equals(cliReport(paths)));
  const history = await download(page, page.getByTestId("history-download").first());
  assert.ok(history.bytes.equals(cliReport(paths)));
  assert.deepEqual(errors, []);
  await context.close();
});

test("two tabs at once share one history without corrupting it", async () => {
  const context = await browser.newContext({ acceptDownloads: true });
  const { page: a, errors: errorsA } = await openPageIn(context);
  const { page: b, errors: errorsB } = await openPageIn(context);
  const small = FILES.map((f) => join(smallSet(), f));
  const ids = (page) => page.getByTestId("history-item").evaluateAll((rows) => rows.map((r) => r.dataset.reportId));

  // A job running in tab A is not "interrupted" for a tab opened meanwhile. Tab A's main
  // thread is held in the debugger while tab C opens, so A cannot record an end however
  // fast its worker is (the record stays Running and A keeps its Web Lock): no race with
  // the machine's load. The pause is short beside A's 20 s watchdog.
  const runningId = await startRunning(a, bigJob(3));
  const debug = await context.newCDPSession(a);
  await debug.send("Debugger.enable");
  await debug.send("Debugger.pause");
  let c, seen;
  try {
    ({ page: c } = await openPageIn(context));
    seen = c.locator(`[data-testid="history-item"][data-report-id="${runningId}"]`);
    await seen.waitFor();
    assert.equal(statusWord(await seen.getByTestId("history-status").innerText()), "Running");
  } finally {
    // Disabling the debugger resumes a paused thread and drops a pause not yet taken.
    await debug.send("Debugger.disable");
    await debug.detach();
  }
  // Cancel if it still runs; however it ends there, the other tab hears of it.
  const cancel = a.getByTestId("cancel");
  if (await cancel.isVisible()) await cancel.click().catch(() => {});
  const end = await waitForEnd(a, 60_000);
  assert.ok(["Cancelled", "Complete"].includes(end), end);
  await seen.getByTestId("history-status").filter({ hasText: end }).waitFor();
  await c.close();

  // One report in each tab; each tab lists both without a reload.
  await removeAllFiles(a);
  await chooseFiles(a, small);
  await waitForFileKinds(a, 3);
  await a.getByTestId("generate").click();
  assert.equal(await waitForEnd(a), "Complete");
  const fromA = (await a.getByTestId("report-id").innerText()).trim();
  await chooseFiles(b, small);
  await waitForFileKinds(b, 3);
  await b.getByTestId("opt-extended").check();
  await b.getByTestId("generate").click();
  assert.equal(await waitForEnd(b), "Complete");
  const fromB = (await b.getByTestId("report-id").innerText()).trim();
  await a.waitForFunction((id) => !!document.querySelector(`[data-report-id="${id}"]`), fromB);
  assert.deepEqual(await ids(a), [fromB, fromA, runningId]);
  assert.deepEqual(await ids(b), [fromB, fromA, runningId]);

  // Tab B downloads A's report; deleting it in B removes it from A too.
  const fileA = await download(b, b.locator(`[data-report-id="${fromA}"]`).getByTestId("history-download"));
  assert.ok(fileA.bytes.equals(cliReport(small)));
  await b.locator(`[data-report-id="${fromA}"]`).getByTestId("history-delete").click();
  await a.waitForFunction((id) => !document.querySelector(`[data-report-id="${id}"]`), fromA);
  assert.deepEqual(await ids(a), [fromB, runningId]);
  const fileB = await download(a, a.locator(`[data-report-id="${fromB}"]`).getByTestId("history-download"));
  assert.ok(fileB.bytes.equals(cliReport(small, ["--extended"])));

  await a.reload();
  await waitForWorker(a);
  await a.getByTestId("history-item").nth(1).waitFor();
  assert.deepEqual(await ids(a), [fromB, runningId]);
  assert.deepEqual([...errorsA, ...errorsB], []);
  await context.close();
});

/** A new page in `context`, loaded and with its worker ready. */
async function openPageIn(context) {
  const page = await context.newPage();
  const errors = [];
  watchPage(page, errors);
  await page.goto(BASE_URL);
  await waitForWorker(page);
  return { page, errors };
}
