// Private: the CSP allows no other origin, the page says so, and during
// a whole session (sample, upload, report, download, history, reload) every request the
// browser makes goes to the page's own server on 127.0.0.1, is a GET of one of the app's
// files in dist/, and carries no store id from the data.
import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { APP_FILE, BASE_URL, DIST_DIR, FILES, smallSet } from "./helpers.mjs";
import { StoreUptimePage, useChromium } from "./store-uptime-page.mjs";

const chromium = useChromium();

test("no request leaves 127.0.0.1, and none carries user data", async () => {
  const app = await StoreUptimePage.open(chromium.browser);
  const { requests } = app;
  const sent = [];
  app.context.on("request", (r) => sent.push({ method: r.method(), url: r.url(), body: r.postData() ?? "" }));
  assert.match(await app.privacyNote.innerText(), /never leave this device/);
  assert.equal(await app.loadSample(), "Complete");
  await app.downloadCsv();
  await app.removeAllFiles();
  assert.equal(await app.generate(FILES.map((f) => join(smallSet(), f))), "Complete");
  await app.downloadCsv();
  await app.downloadFromHistory(1);
  await app.reload();
  await app.downloadFromHistory(0);

  const origin = new URL(BASE_URL).origin;
  const outside = requests.filter((u) => !u.startsWith(origin + "/") && !u.startsWith("blob:") && !u.startsWith("data:"));
  assert.deepEqual(outside, [], "requests to other origins");
  for (const url of requests.filter((u) => u.startsWith(origin))) {
    const path = new URL(url).pathname;
    // Only the app's own files: the page, hashed assets, the worker, the sample.
    assert.match(path, APP_FILE, path);
    assert.equal(new URL(url).search, "", `no query string: ${url}`);
  }
  // Every request after the first load too: a GET of a file that is in dist/, and no URL
  // or body holds a store id of the uploaded data.
  const ids = new Set(
    readFileSync(join(smallSet(), FILES[0]), "utf8")
      .split("\n")
      .slice(1)
      .map((line) => line.split(",")[0].trim())
      .filter((id) => id.length >= 6),
  );
  assert.ok(ids.size >= 10, "the data has store ids to look for");
  assert.ok(sent.length > 0);
  for (const { method, url, body } of sent) {
    if (url.startsWith("blob:") || url.startsWith("data:")) continue;
    assert.equal(method, "GET", url);
    assert.equal(body, "", url);
    let path = decodeURIComponent(new URL(url).pathname);
    if (path.endsWith("/")) path += "index.html";
    const file = join(DIST_DIR, path);
    assert.ok(existsSync(file) && statSync(file).isFile(), `${url} is a file of dist/`);
    for (const id of ids) assert.ok(!url.includes(id), `${url} carries store id ${id}`);
  }
  assert.deepEqual(app.errors, []);
  await app.close();
});

test("the Content-Security-Policy blocks requests to any other origin", async () => {
  const app = await StoreUptimePage.open(chromium.browser);
  const { page } = app;
  const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute("content");
  assert.match(csp, /connect-src 'self'/);
  assert.match(csp, /default-src 'none'/);
  assert.doesNotMatch(csp, /https?:|\*/);
  // 127.0.0.2 is still loopback, so even a broken policy would send nothing off the machine.
  const outcome = await page.evaluate(async () => {
    const violations = [];
    document.addEventListener("securitypolicyviolation", (e) => violations.push(e.violatedDirective));
    let fetched = "sent";
    try {
      await fetch("http://127.0.0.2:9/upload", { method: "POST", body: "x" });
    } catch {
      fetched = "blocked";
    }
    await new Promise((r) => setTimeout(r, 100));
    return { fetched, violations };
  });
  assert.equal(outcome.fetched, "blocked");
  assert.ok(outcome.violations.some((v) => v.startsWith("connect-src")), JSON.stringify(outcome.violations));

  // Injected markup (what a hostile id would try) cannot load anything from elsewhere either.
  const image = await page.evaluate(
    () =>
      new Promise((resolve) => {
        const violations = [];
        document.addEventListener("securitypolicyviolation", (e) =>
          violations.push({ directive: e.effectiveDirective, uri: e.blockedURI }),
        );
        const img = document.createElement("img");
        img.onload = () => resolve({ loaded: true, violations });
        img.onerror = () => setTimeout(() => resolve({ loaded: false, violations }), 100);
        img.src = "http://127.0.0.2:9/pixel.png";
        document.body.append(img);
      }),
  );
  assert.equal(image.loaded, false);
  assert.ok(
    image.violations.some((v) => v.directive === "img-src" && v.uri.startsWith("http://127.0.0.2")),
    JSON.stringify(image.violations),
  );
  await app.close();
});
