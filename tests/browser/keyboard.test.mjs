// The page by keyboard alone, on the built-in sample: from the report's headline to the
// store table's filter in at most 15 Tab presses (each chart and each list of stores is one
// tab stop); inside a list the arrow keys, Home and End move between its stores, Enter opens
// the store with focus in it and Escape gives focus back to the store it came from — in the
// answers' lists and in a heatmap cell's list alike.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DESKTOP, StoreUptimePage, useChromium } from "./store-uptime-page.mjs";

const chromium = useChromium();

/** The page at desktop width with the sample's report, its table and call list drawn. */
async function openWithSample() {
  const app = await StoreUptimePage.open(chromium.browser, { viewport: DESKTOP });
  assert.equal(await app.loadSample(), "Complete");
  await app.waitForTable();
  await app.callRows.first().waitFor();
  return app;
}

/** What has focus: its test id, else its id, else its tag, with the store it names. */
const focused = (page) =>
  page.evaluate(() => {
    const e = document.activeElement;
    const store = e?.closest("[data-store]")?.dataset.store;
    const name = e?.dataset?.testid || e?.id || e?.tagName.toLowerCase();
    return { name, store, list: e?.closest("section[data-testid], figure[data-testid]")?.dataset.testid, link: e?.classList.contains("store-link") ?? false };
  });

test("from the headline to the table filter in at most 15 Tab presses", async () => {
  const app = await openWithSample();
  const { page } = app;
  await app.headlineTitle.focus();
  const stops = [];
  while (stops.length < 100) {
    await page.keyboard.press("Tab");
    const f = await focused(page);
    stops.push(f.link ? `${f.list}: store ${f.store}` : f.name);
    if (f.name === "table-filter") break;
  }
  console.log(`Tab stops from the headline to the table filter (${stops.length}):\n  ${stops.join("\n  ")}`);
  assert.equal(stops.at(-1), "table-filter");
  assert.ok(stops.length <= 15, `${stops.length} Tab presses`);
  // Each list of stores and each chart is one stop.
  assert.equal(new Set(stops).size, stops.length, "no list or chart takes two stops");
  assert.deepEqual(app.errors, []);
  await app.close();
});

test("arrow keys walk a list of stores, Enter opens one with focus inside, Escape returns to it", async () => {
  const app = await openWithSample();
  const { page } = app;
  const links = '[data-testid="call-list"] .store-link';
  const ids = await page.$$eval(links, (bs) => bs.map((b) => b.closest("[data-store]").dataset.store));
  assert.ok(ids.length >= 3, `${ids.length} stores to call`);
  // One tab stop: only the first store of the list is in the tab order (its "Show all" is not).
  assert.deepEqual(await page.$$eval(links, (bs) => bs.map((b) => b.tabIndex).filter((t) => t === 0)), [0]);
  assert.equal(await page.$$eval('[data-testid="call-list"] button:not(.store-link)[tabindex="0"], [data-testid="calls-show-all"]:not([tabindex="-1"])', (bs) => bs.length), 0);
  assert.equal(await page.locator(links).first().getAttribute("tabindex"), "0");

  await page.locator(links).first().focus();
  await page.keyboard.press("ArrowDown");
  assert.equal((await focused(page)).store, ids[1]);
  // End: the list's last stop, its "Show all" button when the list is long, else its last store.
  await page.keyboard.press("End");
  const showAll = await app.callsShowAll.count();
  if (showAll) {
    assert.equal((await focused(page)).name, "calls-show-all");
    // Enter shows them all and focus stays on the button (drawn anew); again shows fewer.
    await page.keyboard.press("Enter");
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="call-row"]').length > n, ids.length);
    await page.waitForFunction(() => document.activeElement?.dataset?.testid === "calls-show-all");
    await page.keyboard.press("Enter");
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="call-row"]').length === n, ids.length);
    await page.waitForFunction(() => document.activeElement?.dataset?.testid === "calls-show-all");
    await page.keyboard.press("ArrowUp");
  }
  assert.equal((await focused(page)).store, ids.at(-1));
  await page.keyboard.press("Home");
  assert.equal((await focused(page)).store, ids[0]);
  await page.keyboard.press("ArrowUp");
  assert.equal((await focused(page)).store, ids[0], "Up at the first store stays there");
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("ArrowDown");
  assert.equal((await focused(page)).store, ids[2]);
  // The store moved to is now the list's tab stop: Tab leaves the list, Shift+Tab comes back to it.
  assert.deepEqual(await page.$$eval(links, (bs) => bs.map((b, i) => [i, b.tabIndex]).filter(([, t]) => t === 0).map(([i]) => i)), [2]);
  await page.keyboard.press("Tab");
  assert.notEqual((await focused(page)).list, "call-list");
  await page.keyboard.press("Shift+Tab");
  assert.equal((await focused(page)).store, ids[2]);

  // Enter opens that store, focus in its heading; Escape closes it and focus is back on it.
  await page.keyboard.press("Enter");
  const opened = await app.waitForStoreDetail();
  await app.waitForFocusInDetail();
  assert.equal(opened, ids[2]);
  await page.keyboard.press("Escape");
  await app.storeTable.waitFor();
  await page.waitForFunction(() => document.activeElement?.classList.contains("store-link"));
  assert.deepEqual(await focused(page), { name: "BUTTON".toLowerCase(), store: ids[2], list: "call-list", link: true });
  assert.equal(await app.storeDetail.count(), 0);
  assert.deepEqual(app.errors, []);
  await app.close();
});

test("a store opened from a heatmap cell's list gives focus back there on Escape and on Back", async () => {
  const app = await openWithSample();
  const { page } = app;
  const hottest = await page.$$eval('[data-testid="heat-cell"]', (cells) =>
    cells.map((c) => [Number(c.dataset.share || -1), c.dataset.cell]).sort((a, b) => b[0] - a[0])[0][1],
  );
  // By keyboard: the heatmap cell, Enter lists its stores.
  await app.heatCell(hottest).focus();
  await page.keyboard.press("Enter");
  await app.cellStores.first().waitFor();
  const second = app.cellStores.nth(1);
  const id = (await second.textContent()).trim();
  for (const close of ["Escape", "Back"]) {
    await second.focus();
    await page.keyboard.press("Enter");
    const opened = await app.waitForStoreDetail();
    await app.waitForFocusInDetail();
    assert.equal(opened, id);
    if (close === "Escape") await page.keyboard.press("Escape");
    else {
      await app.detailClose.focus();
      await page.keyboard.press("Enter");
    }
    await app.storeTable.waitFor();
    await page.waitForFunction(() => document.activeElement?.dataset?.testid === "cell-store");
    assert.equal((await page.evaluate(() => document.activeElement.textContent)).trim(), id, close);
  }
  assert.deepEqual(app.errors, []);
  await app.close();
});
