// Store names on the page (docs/app.md): a store names file's names are shown beside the ids
// in the table, the answers' lists and the detail heading, as text (markup stays inert); the table's filter
// finds a store by its name; the region filter shows exactly the stores the CLI's
// `report --extended` gives that region; the downloaded CSV stays the CLI's plain report.
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
  for (const region of ["North", "South"]) {
    await app.filterByRegion(region);
    const want = extended.filter((r) => r.region === region).map((r) => r.store_id).sort();
    assert.ok(want.length > 0);
    assert.equal(await app.tableCount(), want.length, region);
    assert.deepEqual((await app.storesIn(app.tableRows)).map((r) => r.id).sort(), want, region);
  }
  await app.filterByRegion("All");
  assert.equal(await app.tableCount(), ids.length);

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
