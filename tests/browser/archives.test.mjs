// Files as they come, on the page: `.csv.gz` files and a picked folder give the CLI's
// report byte for byte; a store names file is recognised; a zip is named with the reason
// the page cannot open it yet (docs/archives.md). Archives are made here with node's zlib.
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { before, test } from "node:test";
import { DATA_DIR, FILES, cliReport, smallSet } from "./helpers.mjs";
import { StoreUptimePage, useChromium } from "./store-uptime-page.mjs";

const chromium = useChromium();
let paths;
before(() => {
  paths = FILES.map((f) => join(smallSet(), f));
});

/** Presses Generate on the listed files; the report must complete. Returns its CSV. */
async function generateAndDownload(app) {
  assert.equal(await app.generate(), "Complete", await app.report.innerText());
  return (await app.downloadCsv()).bytes;
}

test(".csv.gz files give the plain files' report, byte for byte", async () => {
  const dir = join(DATA_DIR, "archives-gz");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const gz = paths.map((p, i) => {
    const target = join(dir, `${FILES[i]}.gz`);
    writeFileSync(target, gzipSync(readFileSync(p)));
    return target;
  });
  const app = await StoreUptimePage.open(chromium.browser);
  await app.addFiles(gz);
  const shown = await app.fileKindsByName();
  assert.match(shown["store_status.csv.gz"], /Status polls/);
  assert.match(shown["menu_hours.csv.gz"], /Business hours/);
  const bytes = await generateAndDownload(app);
  assert.ok(bytes.equals(cliReport(paths)), "the same CSV as the CLI's from the plain files");
  assert.ok(bytes.equals(cliReport(gz)), "and as the CLI's from the gzip files");
  assert.deepEqual(app.errors, []);
  await app.close();
});

test("a picked folder takes its CSV and gzip files, and a names file is recognised", async () => {
  const dir = join(DATA_DIR, "archives-folder");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, "daily"), { recursive: true });
  writeFileSync(join(dir, FILES[0]), readFileSync(paths[0]));
  writeFileSync(join(dir, "daily", `${FILES[1]}.gz`), gzipSync(readFileSync(paths[1])));
  writeFileSync(join(dir, FILES[2]), readFileSync(paths[2]));
  writeFileSync(join(dir, "names.csv"), "store_id,name,region\nx-1,<b>Main</b>,North\n");
  writeFileSync(join(dir, "notes.txt"), "not an export\n");
  writeFileSync(join(dir, ".DS_Store"), Buffer.from([0, 0, 0, 1]));
  const app = await StoreUptimePage.open(chromium.browser);
  // The folder picker is a labelled input in the tab order, as the file picker is.
  assert.equal(await app.folderInput.evaluate((e) => e.webkitdirectory), true);
  await app.addFolder(dir, 4);
  const shown = await app.fileKindsByName();
  assert.deepEqual(Object.keys(shown).sort(), ["menu_hours.csv.gz", "names.csv", "store_status.csv", "timezones.csv"]);
  assert.match(shown["names.csv"], /Store names/);
  const bytes = await generateAndDownload(app);
  assert.ok(bytes.equals(cliReport(paths)), "names change nothing in the plain report");
  assert.deepEqual(app.errors, []);
  await app.close();
});

test("a zip is named with why the page cannot open it yet, and the rest is reported", async () => {
  const dir = join(DATA_DIR, "archives-zip");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  // An empty archive: just its end record.
  const zip = join(dir, "exports.zip");
  writeFileSync(zip, Buffer.concat([Buffer.from("504b0506", "hex"), Buffer.alloc(18)]));
  const app = await StoreUptimePage.open(chromium.browser);
  await app.addFiles([...paths, zip]);
  assert.match(await app.fileErrorOf("exports.zip").innerText(), /exports\.zip: a zip archive, which the page cannot open yet/);
  const bytes = await generateAndDownload(app);
  assert.ok(bytes.equals(cliReport(paths)));
  assert.deepEqual(app.errors, []);
  await app.close();
});
