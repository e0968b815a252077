// The page for people: a phone shows no sideways scrolling (with a store open too); the
// table has five columns by default and more behind "Columns"; durations read h:mm and
// equal the CLI's decimal hours; a store closed now says "closed"; the keyboard opens a
// store (focus inside), steps to the next and back, and Escape returns to the row; the
// skip link reaches the results; the options say what they do. Screenshots of the table
// and a store, desktop and phone, light and dark, go to SCREENSHOT_DIR.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { FILES, chooseFiles, cliReport, launch, openPage, smallSet, unfoldInputs, waitForEnd, waitForFileKinds } from "./helpers.mjs";

const SHOTS = process.env.SCREENSHOT_DIR ?? resolve(import.meta.dirname, "..", "..", "target", "screenshots");
mkdirSync(SHOTS, { recursive: true });

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1440, height: 900 };
const ROW = '[data-testid="store-table"] tbody tr[data-row]';

let browser;
before(async () => {
  browser = await launch();
});
after(() => browser?.close());

/** The CLI's extended report as objects keyed by column. */
function csvRows(paths) {
  const [header, ...lines] = cliReport(paths, ["--extended"]).toString().trim().split("\n");
  const cols = header.split(",");
  return lines.map((l) => Object.fromEntries(l.split(",").map((v, i) => [cols[i], v])));
}

/** Decimal hours (or minutes, for the last hour) as the page's h:mm, rounded to the minute. */
function hoursMinutes(decimal, unitMinutes = false) {
  const minutes = Math.round(Number(decimal) * (unitMinutes ? 1 : 60));
  return `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, "0")}`;
}

async function generate(page) {
  const paths = FILES.map((f) => join(smallSet(), f));
  await chooseFiles(page, paths);
  await waitForFileKinds(page, 3);
  await page.getByTestId("generate").click();
  assert.equal(await waitForEnd(page), "Complete");
  await page.locator(ROW).first().waitFor({ timeout: 30_000 });
  return paths;
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

const activeTestId = (page) => page.evaluate(() => document.activeElement?.dataset?.testid ?? document.activeElement?.id ?? "");

async function shoot(page, name, target) {
  for (const scheme of ["light", "dark"]) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.locator(target).screenshot({ path: join(SHOTS, `${name}-${scheme}.png`) });
  }
  await page.emulateMedia({ colorScheme: "light" });
}

test("desktop: five columns, more behind Columns, h:mm equals the CLI, closed says closed", async () => {
  const { page, context, errors } = await openPage(browser, undefined, { viewport: DESKTOP });
  const paths = await generate(page);
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
    await page.getByTestId("table-filter").fill(c.store_id);
    await page.locator(`${ROW}[data-store="${c.store_id}"]`).waitFor();
    assert.equal(await page.locator(`${ROW} [data-col="up_hour"]`).innerText(), "closed");
    assert.equal(await page.locator(`${ROW} [data-col="down_hour"]`).innerText(), "closed");
  }
  await page.getByTestId("table-filter").fill("");
  // No microseconds anywhere on the page.
  assert.doesNotMatch(await page.locator("body").innerText(), /\d\d:\d\d:\d\d\.\d/);
  await page.locator('[data-testid="columns"] summary').click();
  await shoot(page, "people-table-desktop", '[data-testid="fleet"]');

  // A store closed now says so in its detail too.
  const closed = { id: closedNow[0].store_id };
  await page.getByTestId("table-filter").fill(closed.id);
  await page.locator(`${ROW}[data-store="${closed.id}"]`).click();
  await page.getByTestId("detail-up_hour").waitFor();
  assert.equal((await page.getByTestId("detail-up_hour").innerText()).trim(), "closed");
  assert.equal((await page.getByTestId("detail-id").textContent()).trim(), closed.id);
  await shoot(page, "people-detail-desktop", '[data-testid="store-detail"]');
  assert.deepEqual(errors, []);
  await context.close();
});

test("keyboard: skip link, Enter opens a store with focus inside, next and previous, Escape returns", async () => {
  const { page, context, errors } = await openPage(browser, undefined, { viewport: DESKTOP });
  await generate(page);

  // The skip link is the first tab stop and moves focus to the results' headline.
  await page.evaluate(() => {
    document.body.tabIndex = -1;
    document.body.focus();
    document.body.removeAttribute("tabindex");
  });
  await page.keyboard.press("Tab");
  assert.equal(await activeTestId(page), "skip-link");
  assert.equal((await page.getByTestId("skip-link").innerText()).trim(), "Skip to results");
  await page.keyboard.press("Enter");
  assert.equal(await page.evaluate(() => document.activeElement.id), "answers-title");
  // From the headline to the table filter: every Tab press counts (each chart and each list
  // of stores is one tab stop; keyboard.test.mjs names the stops).
  let presses = 0;
  while (presses < 600 && (await activeTestId(page)) !== "table-filter") {
    await page.keyboard.press("Tab");
    presses += 1;
  }
  console.log(`Tab presses from the headline to the table filter: ${presses}`);
  assert.equal(await activeTestId(page), "table-filter");
  assert.ok(presses <= 15, `${presses} Tab presses`);

  const ids = await page.$$eval(ROW, (trs) => trs.map((tr) => tr.dataset.store));
  await page.locator(`${ROW}[data-row="2"]`).focus();
  await page.keyboard.press("Enter");
  await page.getByTestId("detail-up_week").waitFor();
  await page.waitForFunction(() => document.activeElement?.id === "detail-title");
  assert.equal((await page.getByTestId("detail-id").textContent()).trim(), ids[2]);
  // The table and the charts give way to the store.
  assert.equal(await page.getByTestId("store-table").isVisible(), false);

  await page.getByTestId("detail-next").click();
  await page.waitForFunction((id) => document.querySelector('[data-testid="detail-id"]')?.textContent === id, ids[3]);
  await page.waitForFunction(() => document.activeElement?.id === "detail-title");
  await page.getByTestId("detail-previous").click();
  await page.waitForFunction((id) => document.querySelector('[data-testid="detail-id"]')?.textContent === id, ids[2]);
  await page.getByTestId("detail-up_week").waitFor();

  await page.keyboard.press("Escape");
  await page.getByTestId("store-table").waitFor();
  await page.waitForFunction(() => document.activeElement?.dataset?.store !== undefined);
  assert.equal(await page.evaluate(() => document.activeElement.dataset.store), ids[2]);
  assert.equal(await page.getByTestId("store-detail").count(), 0);
  assert.deepEqual(errors, []);
  await context.close();
});

test("phone: no sideways scrolling, store uptime and status in the table, a store as its own view", async () => {
  const { page, context, errors } = await openPage(browser, undefined, { viewport: PHONE, hasTouch: true, isMobile: true });
  await generate(page);
  let width = await noSidewaysScroll(page);
  assert.ok(width.scroll <= width.client, JSON.stringify(width));
  assert.deepEqual(await shownColumns(page), ["id", "pct", "status"]);
  await shoot(page, "people-table-phone", '[data-testid="fleet"]');

  await page.locator(ROW).first().click();
  await page.getByTestId("detail-up_week").waitFor();
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
  await shoot(page, "people-detail-phone", '[data-testid="store-detail"]');
  await page.getByTestId("detail-close").click();
  await page.getByTestId("store-table").waitFor();
  assert.deepEqual(errors, []);
  await context.close();
});

test("options say what they do", async () => {
  const { page, context, errors } = await openPage(browser);
  await unfoldInputs(page);
  assert.equal((await page.locator('label[for="opt-fill"]').innerText()).trim(), "Fill gaps between polls");
  assert.deepEqual((await page.locator("#opt-fill option").allInnerTexts()).map((t) => t.trim()), ["nearest poll (default)", "last known status"]);
  assert.equal((await page.locator('label[for="opt-missing"]').innerText()).trim(), "Days without hours");
  assert.deepEqual((await page.locator("#opt-missing option").allInnerTexts()).map((t) => t.trim()), ["closed (default)", "open all day"]);
  const extended = await page.locator('label[for="opt-extended"]').innerText();
  assert.doesNotMatch(extended, /extended|observations/i);
  assert.match(extended, /More columns in the CSV/);
  assert.deepEqual(errors, []);
  await context.close();
});
