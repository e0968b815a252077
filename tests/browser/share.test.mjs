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
import { test } from "node:test";
import { FILES, dataSet } from "./helpers.mjs";
import { PHONE, StoreUptimePage, useChromium } from "./store-uptime-page.mjs";

const SHOTS = process.env.SCREENSHOT_DIR ?? resolve(import.meta.dirname, "..", "..", "target", "screenshots");
mkdirSync(SHOTS, { recursive: true });

const chromium = useChromium();
const WIDE = { width: 1280, height: 900 };

/** 400 stores over 8 days: more stores to call than a printout lists. */
function shareSet() {
  return dataSet("share-s7", ["--stores", "400", "--days", "8", "--seed", "7"]);
}

/** An owner's report of the share set, its answers and stores to call drawn. */
async function generate(app) {
  assert.equal(await app.generate(FILES.map((f) => join(shareSet(), f))), "Complete");
  await app.waitForAnswers();
  // The call list needs the target's answers.
  await app.waitForCalls();
}

/** PNG width and height from its IHDR chunk. */
const pngSize = (bytes) => ({ width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) });

test("installable: Chromium reads the manifest without errors and finds the page installable", async () => {
  // A profile on disk: Chromium never offers to install from an incognito-like context.
  const profile = mkdtempSync(join(tmpdir(), "store-uptime-install-"));
  const app = await StoreUptimePage.openPersistent(profile);
  const page = app.page;
  // Installability wants the service worker in control, as a returning visitor has it.
  await page.waitForFunction(() => navigator.serviceWorker?.controller != null || navigator.serviceWorker?.ready, null, { timeout: 30_000 });
  const cdp = await app.context.newCDPSession(page);
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
  await app.close();
  rmSync(profile, { recursive: true, force: true });
});

test("print: headline, tiles, timeline, week by day and the first 40 stores to call, without controls, in at most three pages", async () => {
  const app = await StoreUptimePage.open(chromium.browser, { viewport: WIDE, colorScheme: "dark" });
  await generate(app);
  const total = Number((await app.tileText("call")).replace(/\D/g, ""));
  assert.ok(total > 40, `only ${total} stores to call`);
  // On screen the printout's list is hidden.
  assert.equal(await app.printCalls.isVisible(), false);
  await app.page.emulateMedia({ media: "print" });
  assert.equal(await app.printCalls.isVisible(), true);
  assert.equal(await app.printCalls.locator("tbody tr").count(), 40);
  assert.equal(await app.printMore.innerText(), `and ${total - 40} more in the CSV (stores-to-call-${await app.headlineReportId()}.csv)`);
  for (const visible of ["headline", "answer-tiles", "fleet-timeline", "trend"]) {
    assert.equal(await app.byTestId(visible).isVisible(), true, visible);
  }
  const controls = await app.page.evaluate(() =>
    [...document.querySelectorAll("button, input, select, summary")].filter((e) => e.checkVisibility()).map((e) => e.outerHTML.slice(0, 80)),
  );
  assert.deepEqual(controls, []);
  for (const hidden of ["call-list", "outages-table", "fleet"]) {
    assert.equal(await app.byTestId(hidden).isVisible(), false, hidden);
  }
  // Light on paper, whatever the screen's theme.
  const background = await app.page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(background, "rgb(255, 255, 255)");
  await app.page.screenshot({ path: join(SHOTS, "share-print-media.png"), fullPage: true });
  for (const format of ["A4", "Letter"]) {
    const pdf = await app.page.pdf({ format, printBackground: true });
    writeFileSync(join(SHOTS, `share-print-${format}.pdf`), pdf);
    const pages = (pdf.toString("latin1").match(/\/Type\s*\/Page(?!s)/g) ?? []).length;
    assert.ok(pages >= 1 && pages <= 3, `${format}: ${pages} pages`);
  }
  assert.deepEqual(app.errors, []);
  await app.close();
});

test("chart images: SVG and PNG of each chart, light, with the report's name and week", async () => {
  const app = await StoreUptimePage.open(chromium.browser, { viewport: WIDE, colorScheme: "dark" });
  await generate(app);
  const name = await app.headlineText();
  assert.match(name, /^Week to /);
  // One tab stop before the headline: the "Share or save" disclosure; its buttons show
  // only when it is open.
  assert.equal(await app.saveReportFileButton.isVisible(), false);
  await app.headline.focus();
  await app.page.keyboard.press("Shift+Tab");
  assert.equal(await app.page.evaluate(() => document.activeElement?.dataset.testid), "share-menu-summary");
  await app.page.keyboard.press("Enter");
  assert.equal(await app.saveReportFileButton.isVisible(), true);
  for (const chart of ["fleet-timeline", "week-by-day", "heatmap", "uptime-histogram"]) {
    assert.equal(await app.imageButton(chart, "svg").isVisible(), true, chart);
    const svg = await app.downloadImage(chart, "svg");
    assert.match(svg.name, new RegExp(`^store-uptime-${chart}-[0-9a-f]+\\.svg$`));
    const text = svg.bytes.toString("utf8");
    assert.ok(text.includes(name), `${chart}: the SVG does not name ${name}`);
    assert.ok(!/<script|href=|url\(/.test(text), `${chart}: the SVG refers to something`);
    // The SVG opens as an image on its own (no page stylesheet) and is light.
    const opened = await app.page.evaluate(async (svgText) => {
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
    const png = await app.downloadImage(chart, "png");
    assert.match(png.name, new RegExp(`^store-uptime-${chart}-[0-9a-f]+\\.png$`));
    assert.deepEqual([...png.bytes.subarray(1, 4)].map((b) => String.fromCharCode(b)).join(""), "PNG");
    assert.deepEqual(pngSize(png.bytes), { width: opened.width * 2, height: opened.height * 2 });
    writeFileSync(join(SHOTS, `share-${chart}.png`), png.bytes);
    writeFileSync(join(SHOTS, `share-${chart}.svg`), svg.bytes);
  }
  assert.deepEqual(app.errors, []);
  await app.close();
});

test("the report file: the page's numbers, opened with the network refused, asks for nothing", async () => {
  const app = await StoreUptimePage.open(chromium.browser, { viewport: WIDE, timezoneId: "America/New_York" });
  await generate(app);
  const id = await app.headlineReportId();
  // "Share or save" → "Save report file".
  const file = await app.saveReportFile();
  assert.equal(file.name, `store-uptime-report-${id}.html`);
  assert.ok(file.bytes.length < 10_000_000);
  const shown = {
    headline: await app.headlineText(),
    downNow: await app.tileText("down-now"),
    outages: await app.tileText("outages"),
    uptime: await app.tileText("fleet-uptime"),
    calls: await app.tileText("call"),
    callIds: await app.callRows.evaluateAll((rows) => rows.slice(0, 10).map((r) => r.dataset.store)),
    week: await app.trendPercents.allInnerTexts(),
  };
  assert.match(shown.headline, /America\/New_York$/);
  // A store row of the page's table: its uptime and week downtime.
  const tableRow = app.page.locator(".store-table tbody tr[data-store]").first();
  const row = {
    id: await tableRow.getAttribute("data-store"),
    pct: (await tableRow.locator('[data-col="pct"]').innerText()).trim(),
    down: (await tableRow.locator('[data-col="down_week"]').innerText()).trim(),
  };
  const errors = app.errors;
  await app.close();

  // A fresh browser context: no storage, JavaScript on (so a script would run if the file
  // had one), every request logged and refused except the file itself.
  const fresh = await chromium.browser.newContext({ viewport: PHONE });
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
  await saved.setViewportSize(WIDE);
  await saved.screenshot({ path: join(SHOTS, "share-report-file-1280.png"), fullPage: false });
  assert.deepEqual(requests, []);
  assert.deepEqual(savedErrors, []);
  assert.deepEqual(errors, []);
  await fresh.close();
});
