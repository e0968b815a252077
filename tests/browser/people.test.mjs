// The page for people: a phone shows no sideways scrolling (with a store open too); the
// table has five columns by default and more behind "Columns"; durations read h:mm and
// equal the CLI's decimal hours; a store closed now says "closed"; the keyboard opens a
// store (focus inside), steps to the next and back, and Escape returns to the row; the
// skip link reaches the results; the options say what they do. Screenshots of the table
// and a store, desktop and phone, light and dark, go to SCREENSHOT_DIR.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { FILES, cliExtendedRows as csvRows, smallSet } from "./helpers.mjs";
import { DESKTOP, PHONE, StoreUptimePage, useChromium } from "./store-uptime-page.mjs";

const SHOTS = process.env.SCREENSHOT_DIR ?? resolve(import.meta.dirname, "..", "..", "target", "screenshots");
mkdirSync(SHOTS, { recursive: true });

const ROW = '[data-testid="store-table"] tbody tr[data-row]';

const chromium = useChromium();

/** Decimal hours (or minutes, for the last hour) as the page's h:mm, rounded to the minute. */
function hoursMinutes(decimal, unitMinutes = false) {
  const minutes = Math.round(Number(decimal) * (unitMinutes ? 1 : 60));
  return `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, "0")}`;
}

/** The page with the small set's report and its table drawn; `paths` are the files. */
async function openWithReport(options) {
  const app = await StoreUptimePage.open(chromium.browser, options);
  const paths = FILES.map((f) => join(smallSet(), f));
  assert.equal(await app.generate(paths), "Complete");
  await app.waitForTable();
  return { app, page: app.page, paths };
}

const shownColumns = (page) =>
  page.$$eval('[data-testid="store-table"] thead th', (ths) => ths.filter((th) => getComputedStyle(th).display !== "none").map((th) => th.dataset.col));

const noSidewaysScroll = (page) =>
  page.evaluate(() => {
    const doc = document.documentElement;
    const wide = [...document.querySelectorAll("body *")]
      .filter((e) => e.getBoundingClientRect().right > doc.clientWidth + 1 && getComputedStyle(e).position !== "absolute")
      .filter((e) => !e.closest(".visually-hidden, [hidden]"))
      .slice(0, 5)
      .map((e) => `${e.tagName.toLowerCase()}.${e.className?.baseVal ?? e.className} ${Math.round(e.getBoundingClientRect().right)}`);
    return { scroll: doc.scrollWidth, client: doc.clientWidth, wide };
  });

const shoot = (app, name, target) => app.screenshotLightAndDark(join(SHOTS, name), target);

test("desktop: five columns, more behind Columns, h:mm equals the CLI, closed says closed", async () => {
  const { app, page, paths } = await openWithReport({ viewport: DESKTOP });
  const csv = csvRows(paths);

  const columns = await shownColumns(page);
  assert.ok(columns.length <= 5, `default columns: ${columns}`);
  assert.deepEqual(columns, ["id", "pct", "down_week", "status", "zone"]);
  // The Columns disclosure works from the keyboard: focus, open, tick one more.
  await page.locator('[data-testid="columns"] summary').focus();
  await page.keyboard.press("Enter");
  await page.getByTestId("column-up_week").focus();
  await page.keyboard.press("Space");
  assert.deepEqual(await shownColumns(page), [...columns, "up_week"]);

  // Durations are h:mm and equal the CLI's decimal hours; ids are shortened with the whole id in the title.
  const rows = await page.$$eval(ROW, (trs) =>
    trs.map((tr) => ({
      id: tr.dataset.store,
      title: tr.querySelector('[data-col="id"]').title,
      shownId: tr.querySelector('[data-col="id"] code').textContent,
      down_week: tr.querySelector('[data-col="down_week"]').textContent.trim(),
      up_week: tr.querySelector('[data-col="up_week"]').textContent.trim(),
      up_hour: tr.querySelector('[data-col="up_hour"]').textContent.trim(),
      status: tr.querySelector('[data-col="status"]').textContent.trim(),
    })),
  );
  // The table draws only the rows in view (and a few more).
  assert.ok(rows.length >= 20, `${rows.length} rows drawn`);
  for (const r of rows) {
    const c = csv.find((x) => x.store_id === r.id);
    assert.equal(r.title, r.id);
    assert.ok(r.shownId.length <= 13 && r.id.startsWith(r.shownId.replace("…", "")), r.shownId);
    assert.equal(r.down_week, hoursMinutes(c.downtime_last_week), r.id);
    assert.equal(r.up_week, hoursMinutes(c.uptime_last_week), r.id);
    assert.equal(r.status, c.status_now, r.id);
    // Closed now with nothing in the last hour: "closed", not 0:00 and 0:00.
    if (c.status_now === "closed" && Number(c.uptime_last_hour) === 0 && Number(c.downtime_last_hour) === 0) {
      assert.equal(r.up_hour, "closed", r.id);
    } else {
      assert.equal(r.up_hour, hoursMinutes(c.uptime_last_hour, true), r.id);
    }
  }
  // Each store closed now (the small set has some), found by the filter.
  const closedNow = csv.filter((c) => c.status_now === "closed" && Number(c.uptime_last_hour) === 0 && Number(c.downtime_last_hour) === 0);
  assert.ok(closedNow.length > 0);
  for (const c of closedNow) {
    await app.tableFilter.fill(c.store_id);
    await app.tableRow(c.store_id).waitFor();
    assert.equal(await page.locator(`${ROW} [data-col="up_hour"]`).innerText(), "closed");
    assert.equal(await page.locator(`${ROW} [data-col="down_hour"]`).innerText(), "closed");
  }
  await app.tableFilter.fill("");
  // No microseconds anywhere on the page.
  assert.doesNotMatch(await page.locator("body").innerText(), /\d\d:\d\d:\d\d\.\d/);
  await page.locator('[data-testid="columns"] summary').click();
  await shoot(app, "people-table-desktop", app.fleet);

  // A store closed now says so in its detail too.
  const closed = { id: closedNow[0].store_id };
  await app.tableFilter.fill(closed.id);
  await app.tableRow(closed.id).click();
  await app.detailFigure("up_hour").waitFor();
  assert.equal((await app.detailFigure("up_hour").innerText()).trim(), "closed");
  assert.equal((await app.detailId.textContent()).trim(), closed.id);
  await shoot(app, "people-detail-desktop", app.storeDetail);
  assert.deepEqual(app.errors, []);
  await app.close();
});

test("keyboard: skip link, Enter opens a store with focus inside, next and previous, Escape returns", async () => {
  const { app, page } = await openWithReport({ viewport: DESKTOP });

  // The skip link is the first tab stop and moves focus to the results' headline.
  await page.evaluate(() => {
    document.body.tabIndex = -1;
    document.body.focus();
    document.body.removeAttribute("tabindex");
  });
  await page.keyboard.press("Tab");
  assert.equal(await app.focusedTestId(), "skip-link");
  assert.equal((await app.skipLink.innerText()).trim(), "Skip to results");
  await page.keyboard.press("Enter");
  assert.equal(await page.evaluate(() => document.activeElement.id), "answers-title");
  // From the headline to the table filter: every Tab press counts (each chart and each list
  // of stores is one tab stop; keyboard.test.mjs names the stops).
  let presses = 0;
  while (presses < 600 && (await app.focusedTestId()) !== "table-filter") {
    await page.keyboard.press("Tab");
    presses += 1;
  }
  console.log(`Tab presses from the headline to the table filter: ${presses}`);
  assert.equal(await app.focusedTestId(), "table-filter");
  assert.ok(presses <= 15, `${presses} Tab presses`);

  const ids = await page.$$eval(ROW, (trs) => trs.map((tr) => tr.dataset.store));
  await page.locator(`${ROW}[data-row="2"]`).focus();
  await page.keyboard.press("Enter");
  const opened = await app.waitForStoreDetail();
  await app.waitForFocusInDetail();
  assert.equal(opened, ids[2]);
  // The table and the charts give way to the store.
  assert.equal(await app.storeTable.isVisible(), false);

  await app.detailNext.click();
  await page.waitForFunction((id) => document.querySelector('[data-testid="detail-id"]')?.textContent === id, ids[3]);
  await app.waitForFocusInDetail();
  await app.detailPrevious.click();
  await page.waitForFunction((id) => document.querySelector('[data-testid="detail-id"]')?.textContent === id, ids[2]);
  await app.waitForStoreDetail();

  await page.keyboard.press("Escape");
  await app.storeTable.waitFor();
  await page.waitForFunction(() => document.activeElement?.dataset?.store !== undefined);
  assert.equal(await page.evaluate(() => document.activeElement.dataset.store), ids[2]);
  assert.equal(await app.storeDetail.count(), 0);
  assert.deepEqual(app.errors, []);
  await app.close();
});

test("phone: no sideways scrolling, store uptime and status in the table, a store as its own view", async () => {
  const { app, page } = await openWithReport({ viewport: PHONE, hasTouch: true, isMobile: true });
  let width = await noSidewaysScroll(page);
  assert.ok(width.scroll <= width.client, JSON.stringify(width));
  assert.deepEqual(await shownColumns(page), ["id", "pct", "status"]);
  await shoot(app, "people-table-phone", app.fleet);

  await app.tableRows.first().click();
  await app.waitForStoreDetail();
  width = await noSidewaysScroll(page);
  assert.ok(width.scroll <= width.client, JSON.stringify(width));
  // Text is at least 11 px: the page's own and the charts' as drawn.
  const small = await page.evaluate(() =>
    [...document.querySelectorAll('[data-testid="store-detail"] *, [data-testid="fleet"] td, [data-testid="fleet"] th')]
      .filter((e) => e.childNodes.length && [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim()))
      .filter((e) => e.getClientRects().length)
      .map((e) => {
        const svg = e.closest("svg");
        const scale = svg ? svg.getBoundingClientRect().width / svg.viewBox.baseVal.width : 1;
        return [e.textContent.trim().slice(0, 20), parseFloat(getComputedStyle(e).fontSize) * scale];
      })
      .filter(([, px]) => px < 10.95),
  );
  assert.deepEqual(small, []);
  // Buttons in the store are at least 24 px tall and wide.
  const tiny = await page.$$eval('[data-testid="store-detail"] button', (bs) =>
    bs.map((b) => b.getBoundingClientRect()).filter((r) => r.height < 24 || r.width < 24),
  );
  assert.deepEqual(tiny, []);
  await shoot(app, "people-detail-phone", app.storeDetail);
  await app.detailClose.click();
  await app.storeTable.waitFor();
  assert.deepEqual(app.errors, []);
  await app.close();
});

test("options say what they do", async () => {
  const app = await StoreUptimePage.open(chromium.browser);
  const { page } = app;
  await app.unfoldInputs();
  assert.equal((await page.locator('label[for="opt-fill"]').innerText()).trim(), "Fill gaps between polls");
  assert.deepEqual((await page.locator("#opt-fill option").allInnerTexts()).map((t) => t.trim()), ["nearest poll (default)", "last known status"]);
  assert.equal((await page.locator('label[for="opt-missing"]').innerText()).trim(), "Days without hours");
  assert.deepEqual((await page.locator("#opt-missing option").allInnerTexts()).map((t) => t.trim()), ["closed (default)", "open all day"]);
  const extended = await page.locator('label[for="opt-extended"]').innerText();
  assert.doesNotMatch(extended, /extended|observations/i);
  assert.match(extended, /More columns in the CSV/);
  assert.deepEqual(app.errors, []);
  await app.close();
});
