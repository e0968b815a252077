// Private (issue 3 §4): the CSP allows no other origin, the page says so, and during a
// whole session (sample, upload, report, download, reload) every request the browser
// makes goes to the page's own server on 127.0.0.1 and asks only for the app's files.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import {
  APP_FILE,
  BASE_URL,
  FILES,
  chooseFiles,
  download,
  launch,
  openPage,
  smallSet,
  waitForEnd,
  waitForFileKinds,
  waitForWorker,
} from "./helpers.mjs";

let browser;
before(async () => {
  browser = await launch();
});
after(() => browser?.close());

test("no request leaves 127.0.0.1, and none carries user data", async () => {
  const { page, context, requests, errors } = await openPage(browser);
  assert.match(await page.getByTestId("privacy").innerText(), /never leave this device/);
  await page.getByTestId("sample-data").click();
  assert.equal(await waitForEnd(page), "Complete");
  await download(page, page.getByTestId("download-csv"));
  await page.getByRole("button", { name: "Remove all files" }).click();
  await chooseFiles(page, FILES.map((f) => join(smallSet(), f)));
  await waitForFileKinds(page, 3);
  await page.getByTestId("generate").click();
  assert.equal(await waitForEnd(page), "Complete");
  await download(page, page.getByTestId("download-csv"));
  await page.reload();
  await waitForWorker(page);

  const origin = new URL(BASE_URL).origin;
  const outside = requests.filter((u) => !u.startsWith(origin + "/") && !u.startsWith("blob:") && !u.startsWith("data:"));
  assert.deepEqual(outside, [], "requests to other origins");
  for (const url of requests.filter((u) => u.startsWith(origin))) {
    const path = new URL(url).pathname;
    // Only the app's own files: the page, hashed assets, the worker, the sample.
    assert.match(path, APP_FILE, path);
    assert.equal(new URL(url).search, "", `no query string: ${url}`);
  }
  assert.deepEqual(errors, []);
  await context.close();
});

test("the Content-Security-Policy blocks requests to any other origin", async () => {
  const { page, context } = await openPage(browser);
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
  await context.close();
});
