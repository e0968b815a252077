// Report history (SPEC §8): kept in IndexedDB, so after a reload the list is
// still there and a finished report downloads again; a report running when the page
// closed shows as interrupted; reports can be deleted one by one or all at once.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import {
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
} from "./helpers.mjs";
import { unfoldInputs } from "./helpers.mjs";

let browser;
before(async () => {
  browser = await launch();
});
after(() => browser?.close());


test("after a reload the history is still there and each report downloads again", async () => {
  const { page, context, errors } = await openPage(browser);
  const paths = FILES.map((f) => join(smallSet(), f));
  await chooseFiles(page, paths);
  await waitForFileKinds(page, 3);
  await page.getByTestId("generate").click();
  assert.equal(await waitForEnd(page), "Complete");
  const firstId = (await page.getByTestId("report-id").innerText()).trim();
  await unfoldInputs(page);
  await page.getByTestId("opt-extended").check();
  await page.getByTestId("generate").click();
  assert.equal(await waitForEnd(page), "Complete");
  const secondId = (await page.getByTestId("report-id").innerText()).trim();
  assert.notEqual(firstId, secondId);

  await page.reload();
  await waitForWorker(page);
  const items = page.getByTestId("history-item");
  await items.nth(1).waitFor();
  assert.deepEqual(await items.evaluateAll((rows) => rows.map((r) => r.dataset.reportId)), [secondId, firstId]);
  // The newest report is shown again, complete, with its download.
  assert.equal((await page.getByTestId("report-id").innerText()).trim(), secondId);
  const again = await download(page, page.getByTestId("download-csv"));
  assert.equal(again.name, `store-uptime-${secondId}.csv`);
  assert.ok(again.bytes.equals(cliReport(paths, ["--extended"])));
  const older = await download(page, items.nth(1).getByTestId("history-download"));
  assert.equal(older.name, `store-uptime-${firstId}.csv`);
  assert.ok(older.bytes.equals(cliReport(paths)));

  // Delete one, then clear all; both survive a reload.
  await items.nth(1).getByTestId("history-delete").click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="history-item"]').length === 1);
  await page.reload();
  await waitForWorker(page);
  await items.first().waitFor();
  assert.equal(await items.count(), 1);
  await page.getByTestId("clear-history").click();
  await page.reload();
  await waitForWorker(page);
  await page.getByText("No reports yet.").waitFor();
  assert.deepEqual(errors, []);
  await context.close();
});

test("a report running when the page is reloaded shows as interrupted, not lost", async () => {
  const big = dataSet("large-public", ["--preset", "public"]);
  const { page, context } = await openPage(browser);
  const status = join(big, FILES[0]);
  await chooseFiles(page, [status, status, status]);
  await waitForFileKinds(page, 3);
  await page.getByTestId("generate").click();
  await page.getByTestId("progress-text").filter({ hasText: /Reading/ }).waitFor({ timeout: 20_000 });
  const id = (await page.getByTestId("report-id").innerText()).trim();
  await page.reload();
  await waitForWorker(page);
  const item = page.locator(`[data-testid="history-item"][data-report-id="${id}"]`);
  await item.waitFor();
  assert.equal(statusWord(await item.getByTestId("history-status").innerText()), "Interrupted");
  assert.match(await page.getByTestId("report-reason").innerText(), /closed while this report was running/);
  await context.close();
});

// The page's one database grew an `inputs` store (version 3); before, the input files were
// kept in a database of their own. A browser holding the earlier layout (version 2 with
// reports, csv and weeks; the files in `store-uptime-inputs`) still lists the report and
// still rebuilds its fleet view after the update; clearing the history drops the old database.
test("a browser with the earlier storage layout keeps its reports and their fleet views", async () => {
  const { page, context, errors } = await openPage(browser);
  await page.getByTestId("sample-data").click();
  assert.equal(await waitForEnd(page), "Complete");
  const id = (await page.getByTestId("report-id").innerText()).trim();
  await page.locator('[data-testid="store-table"] tbody tr[data-row]').first().waitFor({ timeout: 30_000 });
  // Rewrite this browser's storage as the earlier version left it.
  const layout = await page.evaluate(async (id) => {
    const req = (r) => new Promise((ok, ko) => { r.onsuccess = () => ok(r.result); r.onerror = () => ko(r.error); });
    const db = await req(indexedDB.open("store-uptime"));
    const version = db.version;
    const read = (store) => req(db.transaction(store).objectStore(store).get(store === "reports" ? id : id));
    const kept = { reports: await read("reports"), csv: await read("csv"), weeks: await read("weeks"), inputs: await read("inputs") };
    db.close();
    await req(indexedDB.deleteDatabase("store-uptime"));
    const open = (name, v, stores) => {
      const r = indexedDB.open(name, v);
      r.onupgradeneeded = () => stores.forEach(([s, keyPath]) => r.result.createObjectStore(s, keyPath ? { keyPath } : undefined));
      return req(r);
    };
    const old = await open("store-uptime", 2, [["reports", "id"], ["csv"], ["weeks"]]);
    const tx = old.transaction(["reports", "csv", "weeks"], "readwrite");
    tx.objectStore("reports").put(kept.reports);
    tx.objectStore("csv").put(kept.csv, id);
    tx.objectStore("weeks").put(kept.weeks, id);
    await new Promise((ok) => (tx.oncomplete = ok));
    old.close();
    const legacy = await open("store-uptime-inputs", 1, [["inputs"]]);
    const tx2 = legacy.transaction("inputs", "readwrite");
    tx2.objectStore("inputs").put(kept.inputs, id);
    await new Promise((ok) => (tx2.oncomplete = ok));
    legacy.close();
    return { version, files: kept.inputs?.blobs?.length ?? 0 };
  }, id);
  assert.equal(layout.version, 3);
  assert.equal(layout.files, 3);

  // After the update (a reload), the report is listed and its fleet view is rebuilt from
  // the files in the old database.
  await page.reload();
  await waitForWorker(page);
  await page.locator(`[data-testid="history-item"][data-report-id="${id}"]`).waitFor({ timeout: 30_000 });
  await page.locator(`[data-testid="history-item"][data-report-id="${id}"]`).getByRole("button", { name: "Show" }).click();
  await page.locator('[data-testid="store-table"] tbody tr[data-row]').first().waitFor({ timeout: 60_000 });
  assert.equal(await page.evaluate(() => new Promise((ok) => { const r = indexedDB.open("store-uptime"); r.onsuccess = () => { ok(r.result.version); r.result.close(); }; })), 3);
  const names = async () => (await page.evaluate(() => indexedDB.databases())).map((d) => d.name).sort();
  assert.deepEqual(await names(), ["store-uptime", "store-uptime-inputs"]);
  // Clearing the history drops the old database too.
  page.once("dialog", (d) => d.accept());
  await page.getByTestId("clear-history").click();
  await page.waitForFunction(async () => !(await indexedDB.databases()).some((d) => d.name === "store-uptime-inputs"));
  assert.deepEqual(await names(), ["store-uptime"]);
  assert.deepEqual(errors, []);
  await context.close();
});
