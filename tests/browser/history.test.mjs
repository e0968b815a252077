// Report history (SPEC §8): kept in IndexedDB, so after a reload the list is
// still there and a finished report downloads again; a report running when the page
// closed shows as interrupted; reports can be deleted one by one or all at once.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { FILES, cliReport, dataSet, smallSet } from "./helpers.mjs";
import { StoreUptimePage, useChromium } from "./store-uptime-page.mjs";

const chromium = useChromium();

test("after a reload the history is still there and each report downloads again", async () => {
  const app = await StoreUptimePage.open(chromium.browser);
  const paths = FILES.map((f) => join(smallSet(), f));
  assert.equal(await app.generate(paths), "Complete");
  const firstId = await app.reportId();
  await app.setOptions({ extended: true });
  assert.equal(await app.generate(), "Complete");
  const secondId = await app.reportId();
  assert.notEqual(firstId, secondId);

  await app.reload();
  await app.historyItems.nth(1).waitFor();
  assert.deepEqual(await app.historyIds(), [secondId, firstId]);
  // The newest report is shown again, complete, with its download.
  assert.equal(await app.reportId(), secondId);
  const again = await app.downloadCsv();
  assert.equal(again.name, `store-uptime-${secondId}.csv`);
  assert.ok(again.bytes.equals(cliReport(paths, ["--extended"])));
  const older = await app.downloadFromHistory(1);
  assert.equal(older.name, `store-uptime-${firstId}.csv`);
  assert.ok(older.bytes.equals(cliReport(paths)));

  // Delete one, then clear all; both survive a reload.
  await app.deleteFromHistory(firstId);
  await app.page.waitForFunction(() => document.querySelectorAll('[data-testid="history-item"]').length === 1);
  await app.reload();
  await app.historyItems.first().waitFor();
  assert.equal(await app.historyItems.count(), 1);
  await app.clearHistoryButton.click();
  await app.page.getByText("No reports yet.").waitFor();
  await app.reload();
  await app.page.getByText("No reports yet.").waitFor();
  assert.deepEqual(app.errors, []);
  await app.close();
});

test("a report running when the page is reloaded shows as interrupted, not lost", async () => {
  const big = dataSet("large-public", ["--preset", "public"]);
  const app = await StoreUptimePage.open(chromium.browser);
  const status = join(big, FILES[0]);
  const id = await app.startReport([status, status, status]);
  await app.reload();
  await app.historyItem(id).waitFor();
  assert.equal(await app.historyStatus(id), "Interrupted");
  assert.match(await app.reasonText.innerText(), /closed while this report was running/);
  await app.close();
});

// The page's one database grew an `inputs` store (version 3); before, the input files were
// kept in a database of their own. A browser holding the earlier layout (version 2 with
// reports, csv and weeks; the files in `store-uptime-inputs`) still lists the report and
// still rebuilds its fleet view after the update; clearing the history drops the old database.
test("a browser with the earlier storage layout keeps its reports and their fleet views", async () => {
  const app = await StoreUptimePage.open(chromium.browser);
  const { page } = app;
  assert.equal(await app.loadSample(), "Complete");
  const id = await app.reportId();
  await app.waitForTable();
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
  await app.reload();
  await app.historyItem(id).waitFor({ timeout: 30_000 });
  await app.showFromHistory(id);
  await app.waitForTable(60_000);
  assert.equal(await page.evaluate(() => new Promise((ok) => { const r = indexedDB.open("store-uptime"); r.onsuccess = () => { ok(r.result.version); r.result.close(); }; })), 3);
  const names = async () => (await page.evaluate(() => indexedDB.databases())).map((d) => d.name).sort();
  assert.deepEqual(await names(), ["store-uptime", "store-uptime-inputs"]);
  // Clearing the history drops the old database too.
  page.once("dialog", (d) => d.accept());
  await app.clearHistoryButton.click();
  await page.waitForFunction(async () => !(await indexedDB.databases()).some((d) => d.name === "store-uptime-inputs"));
  assert.deepEqual(await names(), ["store-uptime"]);
  assert.deepEqual(app.errors, []);
  await app.close();
});
