// The answers in the forms people share: the installable app (Chromium's own manifest and
// installability checks over CDP), the printout (print-media screenshots, and the page
// count of the browser's PDF on A4 and Letter), the chart images (SVG and PNG open, are
// light, and name the report) and the self-contained report file (opened in a fresh
// context where every request is logged and refused: it shows the page's numbers and asks
// for nothing). Screenshots go to SCREENSHOT_DIR.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { chromium } from "playwright-core";
import {
  BASE_URL,
  CHROMIUM_ARGS,
  FILES,
  chooseFiles,
  dataSet,
  download,
  launch,
  openPage,
  waitForEnd,
  waitForFileKinds,
  waitForWorker,
} from "./helpers.mjs";

const SHOTS = process.env.SCREENSHOT_DIR ?? resolve(import.meta.dirname, "..", "..", "target", "screenshots");
mkdirSync(SHOTS, { recursive: true });

let browser;
before(async () => {
  browser = await launch();
});
after(() => browser?.close());

/** 400 stores over 8 days: more stores to call than a printout lists. */
function shareSet() {
  return dataSet("share-s7", ["--stores", "400", "--days", "8", "--seed", "7"]);
}

async function generate(page) {
  await chooseFiles(page, FILES.map((f) => join(shareSet(), f)));
  await waitForFileKinds(page, 3);
  await page.getByTestId("generate").click();
  assert.equal(await waitForEnd(page), "Complete");
  await page.getByTestId("headline").waitFor({ timeout: 30_000 });
  // The call list needs the target's answers.
  await page.getByTestId("call-row").first().waitFor({ timeout: 30_000 });
}

/** PNG width and height from its IHDR chunk. */
const pngSize = (bytes) => ({ width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) });

test("installable: Chromium reads the manifest without errors and finds the page installable", async () => {
  // A profile on disk: Chromium never offers to install from an incognito-like context.
  const profile = mkdtempSync(join(tmpdir(), "store-uptime-install-"));
  const context = await chromium.launchPersistentContext(profile, { executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(BASE_URL);
  await waitForWorker(page);
  // Installability wants the service worker in control, as a returning visitor has it.
  await page.waitForFunction(() => navigator.serviceWorker?.controller != null || navigator.serviceWorker?.ready, null, { timeout: 30_000 });
  const cdp = await context.newCDPSession(page);
  const manifest = await cdp.send("Page.getAppManifest");
  assert.deepEqual(manifest.errors, [], JSON.stringify(manifest.errors));
  assert.match(manifest.url, /manifest\.webmanifest$/);
  const data = JSON.parse(manifest.data);
  assert.equal(data.name, "Store uptime");
  assert.equal(data.display, "standalone");
  assert.equal(data.start_url, "./");
  const sizes = (purpose) => data.icons.filter((i) => i.purpose === purpose).map((i) => i.sizes);
  assert.deepEqual(sizes("any").slice(0, 2), ["192x192", "512x512"]);
  assert.deepEqual(sizes("maskable"), ["192x192", "512x512"]);
  // Each icon is served and decodes at its declared size.
  for (const icon of data.icons.filter((i) => i.type === "image/png")) {
    const [w, h] = icon.sizes.split("x").map(Number);
    const size = await page.evaluate(async (src) => {
      const img = new Image();
      img.src = src;
      await img.decode();
      return [img.naturalWidth, img.naturalHeight];
    }, new URL(icon.src, new URL(manifest.url)).href);
    assert.deepEqual(size, [w, h], icon.src);
  }
  let installability = [];
  for (let i = 0; i < 20; i++) {
    installability = (await cdp.send("Page.getInstallabilityErrors")).installabilityErrors;
    if (installability.length === 0) break;
    await page.waitForTimeout(500);
  }
  assert.deepEqual(installability, [], JSON.stringify(installability));
  await context.close();
  rmSync(profile, { recursive: true, force: true });
});

test("print: headline, tiles, timeline, week by day and the first 40 stores to call, without controls, in at most three pages", async () => {
  const { page, context, errors } = await openPage(browser, BASE_URL, { viewport: { width: 1280, height: 900 }, colorScheme: "dark" });
  await generate(page);
  const total = Number((await page.getByTestId("tile-call").locator(".tile-value").innerText()).replace(/\D/g, ""));
  assert.ok(total > 40, `only ${total} stores to call`);
  // On screen the printout's list is hidden.
  assert.equal(await page.getByTestId("print-calls").isVisible(), false);
  await page.emulateMedia({ media: "print" });
  assert.equal(await page.getByTestId("print-calls").isVisible(), true);
  assert.equal(await page.getByTestId("print-calls").locator("tbody tr").count(), 40);
  assert.equal(await page.getByTestId("print-more").innerText(), `and ${total - 40} more in the CSV (stores-to-call-${(await page.getByTestId("headline-id").innerText()).trim()}.csv)`);
  for (const visible of ["headline", "answer-tiles", "fleet-timeline", "trend"]) {
    assert.equal(await page.getByTestId(visible).isVisible(), true, visible);
  }
  const controls = await page.evaluate(() =>
    [...document.querySelectorAll("button, input, select, summary")].filter((e) => e.checkVisibility()).map((e) => e.outerHTML.slice(0, 80)),
  );
  assert.deepEqual(controls, []);
  for (const hidden of ["call-list", "outages-table", "fleet"]) {
    assert.equal(await page.getByTestId(hidden).isVisible(), false, hidden);
  }
  // Light on paper, whatever the screen's theme.
  const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(background, "rgb(255, 255, 255)");
  await page.screenshot({ path: join(SHOTS, "share-print-media.png"), fullPage: true });
  for (const format of ["A4", "Letter"]) {
    const pdf = await page.pdf({ format, printBackground: true });
    writeFileSync(join(SHOTS, `share-print-${format}.pdf`), pdf);
    const pages = (pdf.toString("latin1").match(/\/Type\s*\/Page(?!s)/g) ?? []).length;
    assert.ok(pages >= 1 && pages <= 3, `${format}: ${pages} pages`);
  }
  assert.deepEqual(errors, []);
  await context.close();
});

test("chart images: SVG and PNG of each chart, light, with the report's name and week", async () => {
  const { page, context, errors } = await openPage(browser, BASE_URL, { viewport: { width: 1280, height: 900 }, colorScheme: "dark" });
  await generate(page);
  const name = (await page.getByTestId("headline").innerText()).trim();
  assert.match(name, /^Week to /);
  // One tab stop before the headline: the "Share or save" disclosure; its buttons show
  // only when it is open.
  const share = page.getByTestId("share-menu");
  assert.equal(await share.getByTestId("save-report-file").isVisible(), false);
  await page.getByTestId("headline").focus();
  await page.keyboard.press("Shift+Tab");
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), "share-menu-summary");
  await page.keyboard.press("Enter");
  assert.equal(await share.getByTestId("save-report-file").isVisible(), true);
  for (const chart of ["fleet-timeline", "week-by-day", "heatmap", "uptime-histogram"]) {
    const menu = share.getByTestId(`image-${chart}`);
    assert.equal(await menu.getByTestId("image-svg").isVisible(), true, chart);
    const svg = await download(page, menu.getByTestId("image-svg"));
    assert.match(svg.name, new RegExp(`^store-uptime-${chart}-[0-9a-f]+\\.svg$`));
    const text = svg.bytes.toString("utf8");
    assert.ok(text.includes(name), `${chart}: the SVG does not name ${name}`);
    assert.ok(!/<script|href=|url\(/.test(text), `${chart}: the SVG refers to something`);
    // The SVG opens as an image on its own (no page stylesheet) and is light.
    const opened = await page.evaluate(async (svgText) => {
      const img = new Image();
      img.src = URL.createObjectURL(new Blob([svgText], { type: "image/svg+xml" }));
      await img.decode();
      const c = document.createElement("canvas");
      c.width = img.naturalWidth;
      c.height = img.naturalHeight;
      const g = c.getContext("2d");
      g.drawImage(img, 0, 0);
      return { width: img.naturalWidth, height: img.naturalHeight, corner: [...g.getImageData(1, 1, 1, 1).data] };
    }, text);
    assert.ok(opened.width > 300 && opened.height > 80, JSON.stringify(opened));
    assert.deepEqual(opened.corner, [255, 255, 255, 255], `${chart}: not on a light background`);
    const png = await download(page, menu.getByTestId("image-png"));
    assert.match(png.name, new RegExp(`^store-uptime-${chart}-[0-9a-f]+\\.png$`));
    assert.deepEqual([...png.bytes.subarray(1, 4)].map((b) => String.fromCharCode(b)).join(""), "PNG");
    assert.deepEqual(pngSize(png.bytes), { width: opened.width * 2, height: opened.height * 2 });
    writeFileSync(join(SHOTS, `share-${chart}.png`), png.bytes);
    writeFileSync(join(SHOTS, `share-${chart}.svg`), svg.bytes);
  }
  assert.deepEqual(errors, []);
  await context.close();
});

test("the report file: the page's numbers, opened with the network refused, asks for nothing", async () => {
  const { page, context, errors } = await openPage(browser, BASE_URL, { viewport: { width: 1280, height: 900 }, timezoneId: "America/New_York" });
  await generate(page);
  const id = (await page.getByTestId("headline-id").innerText()).trim();
  await page.getByTestId("share-menu-summary").click();
  const file = await download(page, page.getByTestId("save-report-file"));
  assert.equal(file.name, `store-uptime-report-${id}.html`);
  assert.ok(file.bytes.length < 10_000_000);
  const tile = async (name) => (await page.getByTestId(`tile-${name}`).locator(".tile-value").innerText()).trim();
  const shown = {
    headline: (await page.getByTestId("headline").innerText()).trim(),
    downNow: await tile("down-now"),
    outages: await tile("outages"),
    uptime: await tile("fleet-uptime"),
    calls: await tile("call"),
    callIds: await page.getByTestId("call-row").evaluateAll((rows) => rows.slice(0, 10).map((r) => r.dataset.store)),
    week: await page.getByTestId("trend-pct").allInnerTexts(),
  };
  assert.match(shown.headline, /America\/New_York$/);
  // A store row of the page's table: its uptime and week downtime.
  const tableRow = page.locator(".store-table tbody tr[data-store]").first();
  const row = {
    id: await tableRow.getAttribute("data-store"),
    pct: (await tableRow.locator('[data-col="pct"]').innerText()).trim(),
    down: (await tableRow.locator('[data-col="down_week"]').innerText()).trim(),
  };
  await context.close();

  // A fresh browser context: no storage, JavaScript on (so a script would run if the file
  // had one), every request logged and refused except the file itself.
  const fresh = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const requests = [];
  const fileUrl = "http://report.invalid/report.html";
  await fresh.route("**/*", (route) => {
    if (route.request().url() === fileUrl) return route.fulfill({ status: 200, contentType: "text/html; charset=utf-8", body: file.bytes });
    requests.push(route.request().url());
    return route.abort();
  });
  const saved = await fresh.newPage();
  const savedErrors = [];
  saved.on("pageerror", (e) => savedErrors.push(e.message));
  saved.on("console", (m) => savedErrors.push(m.text()));
  await saved.goto(fileUrl);
  await saved.waitForLoadState("load");
  const text = async (selector) => (await saved.locator(selector).innerText()).trim();
  assert.equal(await text("#headline"), shown.headline);
  assert.equal(await text("#tile-down-now .value"), shown.downNow);
  assert.equal(await text("#tile-outages .value"), shown.outages);
  assert.equal(await text("#tile-fleet-uptime .value"), shown.uptime);
  assert.equal(await text("#tile-call .value"), shown.calls);
  const fileCalls = await saved.locator("#call-list tbody tr:not(.group) td:first-child").evaluateAll((cells) => cells.slice(0, 10).map((c) => c.textContent));
  assert.deepEqual(fileCalls, shown.callIds);
  assert.deepEqual(await saved.locator("#trend tbody tr td:nth-child(2)").allInnerTexts(), shown.week);
  const fileRow = saved.locator("#store-table tbody tr").filter({ has: saved.locator("th", { hasText: row.id }) }).first();
  assert.equal((await fileRow.locator("td").nth(0).innerText()).trim(), row.pct);
  assert.equal((await fileRow.locator("td").nth(1).innerText()).trim(), row.down);
  // Readable on a phone: nothing wider than the screen but the tables' own scrollers.
  const overflow = await saved.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the file scrolls sideways by ${overflow} px at 390 px`);
  await saved.screenshot({ path: join(SHOTS, "share-report-file-390.png") });
  await saved.setViewportSize({ width: 1280, height: 900 });
  await saved.screenshot({ path: join(SHOTS, "share-report-file-1280.png"), fullPage: false });
  assert.deepEqual(requests, []);
  assert.deepEqual(savedErrors, []);
  assert.deepEqual(errors, []);
  await fresh.close();
});
