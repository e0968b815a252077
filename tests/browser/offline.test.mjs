// Offline: after the first visit the service worker has the app shell, so
// with the server gone and the network off the page still loads and makes reports.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import {
  APP_FILE,
  DIST_DIR,
  FILES,
  SAMPLE_DIR,
  chooseFiles,
  cliReport,
  download,
  launch,
  smallSet,
  waitForEnd,
  waitForFileKinds,
  waitForWorker,
  watchPage,
} from "./helpers.mjs";
import { unfoldInputs } from "./helpers.mjs";
import { startServer } from "./static-server.mjs";

let browser;
before(async () => {
  browser = await launch();
});
after(() => browser?.close());

test("after the first load the page works with the network off and the server stopped", async () => {
  // Its own server, so stopping it does not disturb the other tests.
  const server = await startServer(DIST_DIR, 0);
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  const errors = [];
  watchPage(page, errors);
  try {
    await page.goto(server.url);
    await waitForWorker(page);
    // Installed and active: the shell is in the cache.
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
    const cached = await page.evaluate(async () => (await caches.keys()).length);
    assert.ok(cached >= 1, "the service worker cached the app shell");
  } finally {
    await server.close();
  }
  // Everything the server was asked for (the page, the worker and the service worker's
  // precache together) is one of the app's own files, with no query string.
  for (const { method, path } of server.log) {
    assert.equal(method, "GET");
    assert.match(path, APP_FILE, path);
  }
  await context.setOffline(true);
  await page.reload();
  await waitForWorker(page);
  assert.ok(await page.evaluate(() => navigator.serviceWorker.controller !== null), "served by the service worker");

  const paths = FILES.map((f) => join(smallSet(), f));
  await chooseFiles(page, paths);
  await waitForFileKinds(page, 3);
  await page.getByTestId("generate").click();
  assert.equal(await waitForEnd(page), "Complete");
  const file = await download(page, page.getByTestId("download-csv"));
  assert.ok(file.bytes.equals(cliReport(paths)));

  // The built-in sample is cached too.
  await unfoldInputs(page);
  await page.getByTestId("sample-data").click();
  await page.getByTestId("report-status").filter({ hasText: "Running" }).waitFor().catch(() => {});
  assert.equal(await waitForEnd(page), "Complete");
  const sample = await download(page, page.getByTestId("download-csv"));
  assert.ok(sample.bytes.equals(cliReport(FILES.map((f) => join(SAMPLE_DIR, f)))));
  assert.deepEqual(errors.filter((e) => !/Failed to load resource|ERR_INTERNET_DISCONNECTED/.test(e)), []);
  await context.close();
});
