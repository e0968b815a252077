// Reports are jobs (SPEC §8): a job on a large generated file runs with progress, stops
// on Cancel, and the worker still makes the next report.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { FILES, cliReport, dataSet, smallSet } from "./helpers.mjs";
import { StoreUptimePage, useChromium } from "./store-uptime-page.mjs";

const chromium = useChromium();

test("a running job on a large file shows progress and can be cancelled", async () => {
  const big = dataSet("large-public", ["--preset", "public"]);
  const app = await StoreUptimePage.open(chromium.browser);
  // The status file three times (the engine merges repeated polls): ~400 MB to read, so
  // the job is surely still running when Cancel is clicked.
  const status = join(big, FILES[0]);
  const id = await app.startReport([status, status, status, ...FILES.slice(1).map((f) => join(big, f))], {
    phase: /Reading|Computing/,
  });
  assert.match(await app.statusBadge.innerText(), /Running/);
  // The page stays responsive while the worker reads.
  const t0 = Date.now();
  await app.page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r())));
  assert.ok(Date.now() - t0 < 1000, "the page's thread is free");
  await app.cancelButton.click();
  assert.equal(await app.waitForEnd(20_000), "Cancelled");
  assert.equal(await app.historyStatus(id), "Cancelled");

  // The next report still works.
  await app.removeAllFiles();
  const small = FILES.map((f) => join(smallSet(), f));
  assert.equal(await app.generate(small), "Complete");
  const file = await app.downloadCsv();
  assert.ok(file.bytes.equals(cliReport(small)));
  assert.deepEqual(app.errors, []);
  await app.close();
});
