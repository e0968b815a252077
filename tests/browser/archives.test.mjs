// Files as they come, on the page: `.csv.gz` files, zip archives and a picked folder give
// the CLI's report byte for byte; a store names file is recognised; what a zip holds that
// cannot be read (an encrypted entry, a nested archive, a bomb, a PDF) and a corrupt zip are
// named in the CLI's words (docs/archives.md). Archives are made here with node's zlib.
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { basename, dirname, join } from "node:path";
import { crc32, deflateRawSync, gzipSync } from "node:zlib";
import { before, test } from "node:test";
import { CLI, DATA_DIR, FILES, cliReport, smallSet } from "./helpers.mjs";
import { StoreUptimePage, useChromium } from "./store-uptime-page.mjs";

const chromium = useChromium();
let paths;
before(() => {
  const dir = smallSet();
  paths = FILES.map((f) => join(dir, f));
});

/** Generates a report from the listed files; it must complete; returns its CSV's bytes. */
async function generateAndDownload(app) {
  const status = await app.generate();
  assert.equal(status, "Complete", await app.report.innerText());
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

/**
 * A zip archive of `entries` ({ name, data, store?, encrypted?, declare? }), written here with
 * node's zlib so the page's reader is held to a writer that is not ours: deflated unless
 * `store`; `encrypted` sets the flag a password-protected entry has; `declare` overrides the
 * uncompressed size the headers give (a bomb lies about it).
 */
function zipOf(entries) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const data = Buffer.from(e.data ?? "");
    const packed = e.store || e.name.endsWith("/") ? data : deflateRawSync(data);
    const method = e.store || e.name.endsWith("/") ? 0 : 8;
    const crc = crc32(data);
    const size = e.declare ?? data.length;
    const flags = e.encrypted ? 1 : 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, packed);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += 30 + name.length + packed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** What the CLI says it left out of `paths` (its standard error's "…; left out" lines). */
function cliLeftOut(paths) {
  const run = spawnSync(CLI, ["report", ...paths.map((p) => basename(p))], { cwd: dirname(paths[0]) });
  assert.equal(run.status, 0, run.stderr.toString());
  return run.stderr
    .toString()
    .split("\n")
    .filter((l) => l.endsWith("; left out"))
    .map((l) => l.replace(/^store-uptime: (warning: )?/, "").replace(/; left out$/, ""));
}

test("a zip of the three files in a folder gives the CLI's report, and what it leaves out is named in the CLI's words", async () => {
  const dir = join(DATA_DIR, "archives-zip");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const [status, hours, zones] = paths.map((p) => readFileSync(p));
  const zip = join(dir, "data.zip");
  writeFileSync(
    zip,
    zipOf([
      { name: "exports/" },
      { name: "exports/store_status.csv", data: status },
      { name: "__MACOSX/exports/._store_status.csv", data: "\0\u0005\u0016\u0007 fork" },
      { name: "exports/.DS_Store", data: "\0\0\0\u0001" },
      { name: "exports/menu_hours.csv", data: hours, store: true },
      { name: "exports/readme.pdf", data: "%PDF-1.4 not an export" },
      { name: "exports/older.zip", data: zipOf([{ name: "timezones.csv", data: zones }]) },
      { name: "exports/locked.csv", data: zones, encrypted: true },
      // A bomb: declares 100 bytes and expands to megabytes (its ratio passes the first check).
      { name: "exports/bomb.csv", data: Buffer.alloc(8 << 20, "\n"), declare: 100 },
      { name: "timezones.csv", data: zones },
    ]),
  );
  const app = await StoreUptimePage.open(chromium.browser);
  await app.addFiles([zip], { total: 8 });
  assert.match((await app.fileKindsByName())["data.zip"], /Zip archive/);
  const listed = await app.archiveEntryRows();
  assert.deepEqual(
    listed.map((e) => e.name),
    ["store_status.csv", "menu_hours.csv", "readme.pdf", "older.zip", "locked.csv", "bomb.csv"]
      .map((f) => `data.zip › exports/${f}`)
      .concat(["data.zip › timezones.csv"]),
    "folders, __MACOSX/ and dot-files are not listed",
  );
  const byName = Object.fromEntries(listed.map((e) => [e.name.split(/[/›] ?/).pop(), e]));
  assert.equal(byName["store_status.csv"].kind, "Status polls");
  assert.equal(byName["menu_hours.csv"].kind, "Business hours");
  assert.equal(byName["timezones.csv"].kind, "Timezones");
  const leftOut = cliLeftOut([zip]);
  assert.equal(leftOut.length, 4, leftOut.join("\n"));
  const shownErrors = listed.filter((e) => e.error).map((e) => e.error);
  assert.deepEqual(shownErrors, leftOut, "the same words as the CLI, before the report");

  const bytes = await generateAndDownload(app);
  assert.ok(bytes.equals(cliReport([zip])), "the CLI's report of the zip, byte for byte");
  assert.ok(bytes.equals(cliReport(paths)), "and of the plain files");
  assert.deepEqual((await app.archiveEntryRows()).filter((e) => e.error).map((e) => e.error), leftOut, "after it too");
  assert.match(byName["store_status.csv"].kind, /Status/);
  assert.deepEqual(app.errors, []);
  await app.close();
});

test("a corrupt zip is named with the CLI's words and the files beside it are reported", async () => {
  const dir = join(DATA_DIR, "archives-corrupt");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const whole = zipOf(FILES.map((f, i) => ({ name: f, data: readFileSync(paths[i]) })));
  // A cut download: the directory at its end is missing.
  const cut = join(dir, "cut.zip");
  writeFileSync(cut, whole.subarray(0, whole.length - 30));
  // Side by side, so the CLI run in that folder names the files as the page does.
  const beside = FILES.map((f, i) => {
    writeFileSync(join(dir, f), readFileSync(paths[i]));
    return join(dir, f);
  });
  const app = await StoreUptimePage.open(chromium.browser);
  await app.addFiles([...beside, cut]);
  const error = app.fileErrorOf("cut.zip");
  assert.deepEqual([await error.innerText()], cliLeftOut([...beside, cut]));
  assert.match(await error.innerText(), /^cut\.zip: not a readable zip archive/);
  const bytes = await generateAndDownload(app);
  assert.ok(bytes.equals(cliReport(paths)));
  assert.deepEqual(app.errors, []);
  await app.close();
});

test("a dropped folder is walked like the folder picker's (a stand-in for the entries API)", async () => {
  // A script cannot make a real directory entry, so the drop's `items` are replaced by
  // objects that answer as the File and Directory Entries API does (callbacks, batches).
  const b64 = (bytes) => Buffer.from(bytes).toString("base64");
  const tree = {
    "store_status.csv": b64(readFileSync(paths[0])),
    daily: { "menu_hours.csv.gz": b64(gzipSync(readFileSync(paths[1]))), "notes.txt": b64("not an export\n") },
    "timezones.csv": b64(readFileSync(paths[2])),
    ".DS_Store": b64([0, 0, 0, 1]),
    __MACOSX: { "._store_status.csv": b64("fork") },
  };
  const app = await StoreUptimePage.open(chromium.browser);
  const dataTransfer = await app.page.evaluateHandle((tree) => {
    const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const entry = (path, node) => {
      const name = path.split("/").pop();
      if (typeof node === "string") {
        return { isFile: true, isDirectory: false, name, fullPath: path, file: (ok) => setTimeout(() => ok(new File([bytes(node)], name))) };
      }
      const children = Object.entries(node).map(([n, c]) => entry(`${path}/${n}`, c));
      const createReader = () => {
        // Two batches, then an empty one, as Chrome answers a large folder.
        const batches = [children.slice(0, 2), children.slice(2), []];
        return { readEntries: (ok) => setTimeout(() => ok(batches.shift() ?? [])) };
      };
      return { isFile: false, isDirectory: true, name, fullPath: path, createReader };
    };
    const dt = new DataTransfer();
    dt.items.add(new File([""], "exports"));
    const root = entry("/exports", tree);
    Object.defineProperty(dt, "items", { value: [{ kind: "file", webkitGetAsEntry: () => root }] });
    return dt;
  }, tree);
  await app.dropDataTransfer(dataTransfer, 3);
  const shown = await app.fileKindsByName();
  assert.deepEqual(Object.keys(shown).sort(), ["menu_hours.csv.gz", "store_status.csv", "timezones.csv"]);
  const bytes = await generateAndDownload(app);
  assert.ok(bytes.equals(cliReport(paths)));
  assert.deepEqual(app.errors, []);
  await app.close();
});
