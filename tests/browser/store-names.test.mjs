// Store names on the page (docs/app.md): a store names file's names are shown beside the ids
// in the table, the answers' lists and the detail heading, as text (markup stays inert); the table's filter
// finds a store by its name; the region filter shows exactly the stores the CLI's
// `report --extended` gives that region, in the table and in the charts (the histogram's
// bins and the heatmap's minutes are the CLI's figures for those stores; a heatmap cell
// lists the region's stores); sorting by region groups the table; the downloaded CSV stays
// the CLI's plain report.
import assert from "node:assert/strict";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { DATA_DIR, FILES, cliReport, smallSet } from "./helpers.mjs";
import { StoreUptimePage, useChromium } from "./store-uptime-page.mjs";

const chromium = useChromium();

/** A CSV's rows as objects (the CLI's report has no quoted commas in these columns). */
const parse = (text) => {
  const [header, ...lines] = text.trim().split("\n");
  const cols = header.split(",");
  return lines.map((l) => {
    // An id never holds a comma here; a name may be quoted, the region is last.
    const cells = l.match(/("([^"]|"")*"|[^,]*)(,|$)/g).map((c) => c.replace(/,$/, ""));
    return Object.fromEntries(cols.map((c, i) => [c, (cells[i] ?? "").replace(/^"|"$/g, "").replace(/""/g, '"')]));
  });
};

/** The histogram the CLI's extended rows give: each store in its uptime bin by its week's
 * uptime / (uptime + downtime), the stores without observed time apart. */
const EDGES = [50, 80, 90, 95, 99];
function expectedHistogram(rows) {
  const bins = new Array(EDGES.length + 1).fill(0);
  let noData = 0;
  for (const r of rows) {
    const [up, down] = [Number(r.uptime_last_week), Number(r.downtime_last_week)];
    if (r.uptime_pct_last_week === "" || up + down === 0) {
      noData++;
      continue;
    }
    bins[EDGES.filter((e) => up * 100 >= e * (up + down)).length]++;
  }
  return { bins, noData };
}

test("names are shown beside ids, found by the filter, and the region filter gives the CLI's stores", async () => {
  const dir = smallSet();
  const paths = FILES.map((f) => join(dir, f));
  const ids = parse(cliReport(paths).toString()).map((r) => r.store_id);
  const named = join(DATA_DIR, "store-names");
  rmSync(named, { recursive: true, force: true });
  mkdirSync(named, { recursive: true });
  const names = join(named, "store_names.csv");
  const regions = ["North", "South", ""];
  const nameOf = (i) => (i === 1 ? "<b>markup</b> Diner" : `Restaurant ${i}`);
  const lines = ids.slice(0, 30).map((id, i) => `${id},${nameOf(i)},${regions[i % 3]}`);
  writeFileSync(names, `store_id,name,region\n${lines.join("\n")}\n`);

  // An owner adds the three exports and the names file, and makes a report.
  const app = await StoreUptimePage.open(chromium.browser);
  assert.equal(await app.generate([...paths, names]), "Complete");
  const csv = await app.downloadCsv();
  assert.ok(csv.bytes.equals(cliReport([...paths, names])), "the CLI's plain report");
  assert.ok(csv.bytes.equals(cliReport(paths)), "names change nothing in it");

  // The table shows each store's name beside its id.
  await app.waitForTable();
  // The table is virtualised: the rows drawn are checked, the count is the table's.
  const shown = await app.storesIn(app.tableRows);
  assert.ok(shown.length > 20, `${shown.length} rows drawn`);
  assert.equal(await app.tableCount(), ids.length);
  for (const row of shown) {
    const i = ids.indexOf(row.id);
    assert.equal(row.name, i < 30 ? nameOf(i) : null, row.id);
  }
  // Markup in a name is text: no element was made of it.
  assert.equal(await app.storeTable.locator('[data-testid="store-name"] b').count(), 0);

  // The filter finds a store by a part of its name, in any case.
  await app.tableFilter.fill("MARKUP");
  assert.deepEqual((await app.storesIn(app.tableRows)).map((r) => r.id), [ids[1]]);
  await app.tableFilter.fill("");

  // The region filter: a labelled select, usable by keyboard; its stores are the CLI's.
  const extended = parse(cliReport([...paths, names], ["--extended"]).toString());
  assert.deepEqual(await app.regionChoices(), ["All", "North", "South"]);
  assert.match(await app.regionFilter.evaluate((s) => s.closest("label")?.textContent ?? ""), /Region/);
  const fleetHistogram = await app.histogramCounts();
  const fleetHeat = await app.heatmapCells();
  assert.equal(fleetHistogram.bins.reduce((a, b) => a + b, 0) + fleetHistogram.noData, ids.length);
  assert.match(await app.chartScope.innerText(), new RegExp(`^All regions: ${ids.length} stores`));
  let cellsListed = 0;
  for (const region of ["North", "South"]) {
    await app.showRegion(region);
    const rows = extended.filter((r) => r.region === region);
    const want = rows.map((r) => r.store_id).sort();
    assert.ok(want.length > 0);
    assert.equal(await app.tableCount(), want.length, region);
    assert.deepEqual((await app.storesIn(app.tableRows)).map((r) => r.id).sort(), want, region);
    // The charts show the region's stores, and say so.
    assert.match(await app.chartScope.innerText(), new RegExp(`^Region ${region}: ${want.length} stores`));
    const histogram = await app.histogramCounts();
    assert.deepEqual(histogram, expectedHistogram(rows), `${region} histogram`);
    assert.equal(histogram.bins.reduce((a, b) => a + b, 0) + histogram.noData, want.length);
    // The heatmap's minutes are the region's week: down and observed time add up to the
    // CLI's downtime and uptime + downtime last week of its stores (each cell's minutes
    // are rounded down, each store's hours to 0.01 h: at most a minute a cell, 0.3 min a store).
    const heat = await app.heatmapCells();
    assert.equal(heat.length, 168);
    const slack = 168 + 0.3 * rows.length;
    const minutes = (key) => rows.reduce((a, r) => a + Number(r[key]) * 60, 0);
    const sum = (key) => heat.reduce((a, c) => a + c[key], 0);
    assert.ok(Math.abs(sum("down") - minutes("downtime_last_week")) <= slack, `${region} down ${sum("down")} vs ${minutes("downtime_last_week")}`);
    const observed = minutes("uptime_last_week") + minutes("downtime_last_week");
    assert.ok(Math.abs(sum("observed") - observed) <= slack, `${region} observed ${sum("observed")} vs ${observed}`);
    const downStores = rows.filter((r) => Number(r.downtime_last_week) > 0).map((r) => r.store_id);
    assert.ok(heat.every((c) => c.stores <= downStores.length), `${region}: no cell has more stores down than the region`);
    assert.notDeepEqual(heat, fleetHeat, `${region} is not the fleet`);
    // The hottest cell's stores are the region's stores with downtime, named.
    const hottest = heat.reduce((best, c, i) => (c.down > heat[best].down ? i : best), 0);
    if (heat[hottest].stores > 0) {
      await app.heatCell(hottest).click();
      await app.cellStoresBox.locator("h3", { hasText: `in region ${region}` }).waitFor();
      await app.cellStoreRows.first().waitFor();
      const listed = await app.storesIn(app.cellStoreRows);
      assert.equal(listed.length, heat[hottest].stores, `${region} cell ${hottest}`);
      cellsListed++;
      for (const store of listed) {
        assert.ok(downStores.includes(store.id), `${store.id} is a ${region} store with downtime`);
        assert.equal(store.name, nameOf(ids.indexOf(store.id)));
      }
    }
  }
  assert.ok(cellsListed > 0, "a region had downtime to list");
  // Axe finds nothing serious with a region shown and a cell's stores listed.
  const serious = (await app.axeFindings()).filter((v) => v.impact === "serious" || v.impact === "critical");
  assert.deepEqual(serious, []);
  await app.showRegion("All");
  assert.equal(await app.tableCount(), ids.length);
  assert.deepEqual(await app.histogramCounts(), fleetHistogram, "All: the fleet's histogram");
  assert.deepEqual(await app.heatmapCells(), fleetHeat, "All: the fleet's heatmap");
  assert.match(await app.chartScope.innerText(), /^All regions/);
  // The cell list follows: the fleet's stores of that cell again.
  await app.cellStoresBox.locator("h3:not(:has-text('in region'))").waitFor();

  // Sorting by region groups the table: regions in order (the stores without one last),
  // each region's stores in the order sorted before (worst uptime first), by keyboard too.
  const pctOf = new Map(extended.map((r) => [r.store_id, r]));
  const noData = (r) => r.uptime_pct_last_week === "" || (r.uptime_last_week === "0.00" && r.downtime_last_week === "0.00");
  const byRegion = (desc) => [...extended].sort((a, b) => {
    const [ra, rb] = [a.region, b.region];
    if ((ra === "") !== (rb === "")) return ra === "" ? 1 : -1;
    if (ra !== rb) return (ra < rb ? -1 : 1) * (desc ? -1 : 1);
    if (noData(a) !== noData(b)) return noData(a) ? 1 : -1;
    const d = Number(a.uptime_pct_last_week) - Number(b.uptime_pct_last_week);
    return d !== 0 ? d : a.store_id < b.store_id ? -1 : 1;
  }).map((r) => r.store_id);
  await app.sortButton("region").focus();
  await app.page.keyboard.press("Enter");
  assert.equal(await app.page.locator('th[aria-sort="ascending"] [data-sort="region"]').count(), 1);
  let drawn = (await app.storesIn(app.tableRows)).map((r) => r.id);
  assert.ok(drawn.length > 20);
  assert.deepEqual(drawn, byRegion(false).slice(0, drawn.length));
  const regionCells = await app.tableRows.locator('[data-col="region"]').allInnerTexts();
  assert.deepEqual(regionCells, drawn.map((id) => pctOf.get(id).region));
  await app.page.keyboard.press("Enter");
  assert.equal(await app.page.locator('th[aria-sort="descending"] [data-sort="region"]').count(), 1);
  drawn = (await app.storesIn(app.tableRows)).map((r) => r.id);
  assert.deepEqual(drawn, byRegion(true).slice(0, drawn.length));
  await app.sortButton("pct").click();

  // The answers' lists name their stores too (down now, outages, the stores to call).
  for (const [list, locator] of [["down-now-row", app.downNowRows], ["call-row", app.callRows]]) {
    const rows = await app.storesIn(locator);
    if (list === "call-row") assert.ok(rows.length > 0, "no stores to call");
    for (const row of rows) {
      const i = ids.indexOf(row.id);
      assert.equal(row.name, i >= 0 && i < 30 ? nameOf(i) : null, `${list} ${row.id}`);
    }
  }

  // Opening a store: the detail's heading names it.
  await app.tableRow(ids[1]).click();
  await app.detailName.waitFor();
  assert.equal(await app.detailName.innerText(), nameOf(1));
  assert.equal(await app.detailName.locator("b").count(), 0);
  assert.deepEqual(app.errors, []);
  await app.close();
});
