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
