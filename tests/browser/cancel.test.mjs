// Reports are jobs (SPEC §8): a job on a large generated file runs with progress, stops
// on Cancel, and the worker still makes the next report.
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
  waitForEnd,
  waitForFileKinds,
} from "./helpers.mjs";
import { removeAllFiles } from "./helpers.mjs";

let browser;
before(async () => {
  browser = await launch();
});
after(() => browser?.close());

test("a running job on a large file shows progress and can be cancelled", async () => {
  const big = dataSet("large-public", ["--preset", "public"]);
  const { page, context, errors } = await openPage(browser);
  // The status file three times (the engine merges repeated polls): ~400 MB to read, so
  // the job is surely still running when Cancel is clicked.
  const status = join(big, FILES[0]);
  await chooseFiles(page, [status, status, status, ...FILES.slice(1).map((f) => join(big, f))]);
  await waitForFileKinds(page, 5);
  await page.getByTestId("generate").click();
  await page.getByTestId("progress-text").filter({ hasText: /Reading|Computing/ }).waitFor({ timeout: 20_000 });
  assert.match(await page.getByTestId("report-status").innerText(), /Running/);
  // The page stays responsive while the worker reads.
  const t0 = Date.now();
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r())));
  assert.ok(Date.now() - t0 < 1000, "the page's thread is free");
  await page.getByTestId("cancel").click();
  assert.equal(await waitForEnd(page, 20_000), "Cancelled");
  assert.equal(await page.getByTestId("history-status").first().innerText().then((t) => t.replace(/[^A-Za-z]/g, "")), "Cancelled");

  // The next report still works.
  await removeAllFiles(page);
  const small = FILES.map((f) => join(smallSet(), f));
  await chooseFiles(page, small);
  await waitForFileKinds(page, 3);
  await page.getByTestId("generate").click();
  assert.equal(await waitForEnd(page), "Complete");
  const file = await download(page, page.getByTestId("download-csv"));
  assert.ok(file.bytes.equals(cliReport(small)));
  assert.deepEqual(errors, []);
  await context.close();
});
