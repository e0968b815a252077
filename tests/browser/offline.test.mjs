// Offline: after the first visit the service worker has the app shell, so
// with the server gone and the network off the page still loads and makes reports.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { APP_FILE, DIST_DIR, FILES, SAMPLE_DIR, cliReport, smallSet } from "./helpers.mjs";
import { startServer } from "./static-server.mjs";
import { StoreUptimePage, useChromium } from "./store-uptime-page.mjs";

const chromium = useChromium();

test("after the first load the page works with the network off and the server stopped", async () => {
  // Its own server, so stopping it does not disturb the other tests.
  const server = await startServer(DIST_DIR, 0);
  const context = await chromium.browser.newContext({ acceptDownloads: true });
  let app;
  try {
    app = await StoreUptimePage.openIn(context, { url: server.url });
    // Installed and active: the shell is in the cache.
    await app.page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
    const cached = await app.page.evaluate(async () => (await caches.keys()).length);
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
  await app.reload();
  assert.ok(await app.page.evaluate(() => navigator.serviceWorker.controller !== null), "served by the service worker");

  const paths = FILES.map((f) => join(smallSet(), f));
  assert.equal(await app.generate(paths), "Complete");
  const file = await app.downloadCsv();
  assert.ok(file.bytes.equals(cliReport(paths)));

  // The built-in sample is cached too.
  await app.unfoldInputs();
  await app.sampleButton.click();
  await app.statusBadge.filter({ hasText: "Running" }).waitFor().catch(() => {});
  assert.equal(await app.waitForEnd(), "Complete");
  const sample = await app.downloadCsv();
  assert.ok(sample.bytes.equals(cliReport(FILES.map((f) => join(SAMPLE_DIR, f)))));
  assert.deepEqual(app.errors.filter((e) => !/Failed to load resource|ERR_INTERNET_DISCONNECTED/.test(e)), []);
  await context.close();
});
