// Store names on the page (docs/app.md): a store names file's names are shown beside the ids
// in the table, the answers' lists and the detail heading, as text (markup stays inert); the table's filter
// finds a store by its name; the region filter shows exactly the stores the CLI's
// `report --extended` gives that region; the downloaded CSV stays the CLI's plain report.
import assert from "node:assert/strict";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { DATA_DIR, FILES, chooseFiles, cliReport, download, launch, openPage, smallSet, waitForEnd, waitForFileKinds } from "./helpers.mjs";

let browser;
before(async () => {
  browser = await launch();
});
after(() => browser?.close());

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

const shownRows = (page) =>
  page.$$eval('[data-testid="store-table"] tbody tr[data-row]', (trs) =>
    trs.map((tr) => ({ id: tr.dataset.store, name: tr.querySelector('[data-testid="store-name"]')?.textContent ?? null })),
  );

const tableCount = async (page) => Number((await page.getByTestId("table-count").innerText()).split(" ")[0].replace(/\D/g, ""));

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

  const { page, context, errors } = await openPage(browser);
  await chooseFiles(page, [...paths, names]);
  await waitForFileKinds(page, 4);
  await page.getByTestId("generate").click();
  assert.equal(await waitForEnd(page), "Complete");
  const csv = await download(page, page.getByTestId("download-csv"));
  assert.ok(csv.bytes.equals(cliReport([...paths, names])), "the CLI's plain report");
  assert.ok(csv.bytes.equals(cliReport(paths)), "names change nothing in it");

  await page.locator('[data-testid="store-table"] tbody tr[data-row]').first().waitFor({ timeout: 30_000 });
  // The table is virtualised: the rows drawn are checked, the count is the table's.
  const shown = await shownRows(page);
  assert.ok(shown.length > 20, `${shown.length} rows drawn`);
  assert.equal(await tableCount(page), ids.length);
  for (const row of shown) {
    const i = ids.indexOf(row.id);
    assert.equal(row.name, i < 30 ? nameOf(i) : null, row.id);
  }
  // Markup in a name is text: no element was made of it.
  assert.equal(await page.locator('[data-testid="store-table"] [data-testid="store-name"] b').count(), 0);

  // The filter finds a store by a part of its name, in any case.
  await page.getByTestId("table-filter").fill("MARKUP");
  assert.deepEqual((await shownRows(page)).map((r) => r.id), [ids[1]]);
  await page.getByTestId("table-filter").fill("");

  // The region filter: a labelled select, usable by keyboard; its stores are the CLI's.
  const extended = parse(cliReport([...paths, names], ["--extended"]).toString());
  const select = page.getByTestId("region-filter");
  assert.deepEqual(await select.locator("option").allInnerTexts(), ["All", "North", "South"]);
  assert.match(await select.evaluate((s) => s.closest("label")?.textContent ?? ""), /Region/);
  for (const region of ["North", "South"]) {
    await select.selectOption({ label: region });
    const want = extended.filter((r) => r.region === region).map((r) => r.store_id).sort();
    assert.ok(want.length > 0);
    assert.equal(await tableCount(page), want.length, region);
    assert.deepEqual((await shownRows(page)).map((r) => r.id).sort(), want, region);
  }
  await select.selectOption({ label: "All" });
  assert.equal(await tableCount(page), ids.length);

  // The answers' lists name their stores too (down now, outages, the stores to call).
  for (const list of ["down-now-row", "call-row"]) {
    const rows = await page.$$eval(`[data-testid="${list}"]`, (trs) =>
      trs.map((tr) => ({ id: tr.dataset.store, name: tr.querySelector('[data-testid="store-name"]')?.textContent ?? null })),
    );
    if (list === "call-row") assert.ok(rows.length > 0, "no stores to call");
    for (const row of rows) {
      const i = ids.indexOf(row.id);
      assert.equal(row.name, i >= 0 && i < 30 ? nameOf(i) : null, `${list} ${row.id}`);
    }
  }

  // The detail's heading names the store.
  await page.locator(`[data-testid="store-table"] tr[data-store="${ids[1]}"]`).click();
  await page.getByTestId("detail-name").waitFor();
  assert.equal(await page.getByTestId("detail-name").innerText(), nameOf(1));
  assert.equal(await page.locator('[data-testid="detail-name"] b').count(), 0);
  assert.deepEqual(errors, []);
  await context.close();
});
