// What happens if … in the page: the bad-input matrix of tests/bad_inputs.rs, run
// through the file input. One table of cases; each says which files go in and what the
// page must show. For every case the page is held to the CLI on the same files: a refused
// file shows the CLI's own error for it, every skipped-row example the CLI prints is in the
// data-quality panel, and the downloaded CSV equals the CLI's report on the usable files.
// Big inputs are generated into DATA_DIR on first use, never committed.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, statSync, writeFileSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { before, test } from "node:test";
import { CLI, DATA_DIR, cliReport } from "./helpers.mjs";
import { StoreUptimePage, useChromium } from "./store-uptime-page.mjs";

const GOOD = "store_id,status,timestamp_utc\ngood-1,active,2024-11-04 10:00:00 UTC\ngood-2,inactive,2024-11-04 11:00:00 UTC\n";
const POLLS_HEADER = "store_id,status,timestamp_utc\n";

/** The good polls with one bad row as line 4, then one more good row. */
const withBadRow = (row) =>
  Buffer.concat([Buffer.from(GOOD), Buffer.from(row), Buffer.from("good-3,active,2024-11-04 11:30:00\n")]);

/** Writes `count` lines made by `line(i)` without holding the whole file in memory. */
function writeLines(path, header, count, line) {
  const fd = openSync(path, "w");
  writeSync(fd, header);
  const batch = [];
  for (let i = 0; i < count; i++) {
    batch.push(line(i));
    if (batch.length === 50_000) {
      writeSync(fd, batch.join(""));
      batch.length = 0;
    }
  }
  writeSync(fd, batch.join(""));
  closeSync(fd);
}

/** `YYYY-MM-DD HH:MM:SS` of a Unix time in seconds. */
const timestamp = (seconds) => new Date(seconds * 1000).toISOString().slice(0, 19).replace("T", " ");

// Each case: `files` maps a name to its bytes (or to a function that writes the file);
// `good: true` adds polls.csv (GOOD) before them. What the page must show:
//   kinds     the file list's kind word for some files
//   refused   files the page refuses; the text must be the CLI's error for that file
//   pageWordsOnly  refused files the CLI reads (a zip): only the page's words are checked
//   skipped   text in the data-quality panel (beyond the CLI's examples, always checked)
//   status    "Complete" (default) or "Failed" (then the reason is the CLI's error)
//   reason    with "Failed", text the reason must also hold
//   check     anything else, given the page object and the downloaded CSV
const CASES = [
  { name: "an empty file", good: true, files: { "empty.csv": "" }, refused: { "empty.csv": /the file is empty/ } },
  {
    name: "a header only, next to a good file",
    good: true,
    files: { "header-only.csv": POLLS_HEADER },
    kinds: { "header-only.csv": "Status polls" },
  },
  { name: "a header only, alone", files: { "header-only.csv": POLLS_HEADER }, status: "Failed" },
  {
    // Spreadsheets' "CSV (Macintosh)": lone CRs end lines; a stray quote costs one row.
    name: "CR-only line ends with a stray quote",
    files: {
      "mac.csv":
        "store_id,status,timestamp_utc\rcr-1,active,2024-11-04 10:00:00\rcr-2,\"inactive,2024-11-04 10:30:00\r" +
        "cr-3,inactive,2024-11-04 11:00:00\r\r\ncr-4,active,2024-11-04 11:30:00",
    },
    kinds: { "mac.csv": "Status polls" },
    skipped: [/mac\.csv, line 3/],
    check: async (_app, csv) => {
      assert.deepEqual(csv.trim().split("\n").slice(1).map((l) => l.split(",")[0]), ["cr-1", "cr-3", "cr-4"]);
    },
  },
  {
    name: "a quoted id broken over two lines",
    good: true,
    files: { "broken.csv": POLLS_HEADER + '"Store\nA",active,2024-11-04 10:00:00\nstore-b,active,2024-11-04 10:00:00\n' },
    skipped: [/broken\.csv, line 2/, /broken\.csv, line 3/],
    check: async (_app, csv) => {
      assert.ok(!csv.includes('A"'), "no phantom store from the rest of the broken row");
      assert.match(csv, /^store-b,/m);
    },
  },
  {
    name: "every row with spreadsheet dates",
    files: {
      "resaved.csv": POLLS_HEADER + Array.from({ length: 40 }, (_, i) => `s-${i},active,1/${(i % 28) + 1}/2024 10:00\n`).join(""),
    },
    status: "Failed",
    reason: /spreadsheet/,
  },
  {
    name: "a PNG",
    good: true,
    files: { "logo.png": Buffer.from("89504e470d0a1a0a0000000d4948445200000010", "hex") },
    refused: { "logo.png": /not a CSV text file/ },
  },
  {
    // A zip cut after its first header: the CLI leaves it out and reads the rest (no error
    // line to compare with; tests/browser/archives.test.mjs compares its stderr's words).
    name: "a ZIP cut short",
    good: true,
    files: { "archive.zip": Buffer.concat([Buffer.from("504b0304140000000800", "hex"), Buffer.from("store_status.csv")]) },
    refused: { "archive.zip": /archive\.zip: not a readable zip archive \(no central directory at its end/ },
    pageWordsOnly: ["archive.zip"],
  },
  {
    name: "UTF-16 without and with a byte-order mark",
    good: true,
    files: {
      "utf16.csv": Buffer.from(GOOD, "utf16le"),
      "utf16-bom.csv": Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(GOOD, "utf16le")]),
    },
    refused: { "utf16.csv": /not a CSV text file/, "utf16-bom.csv": /UTF-16/ },
  },
  {
    name: "Latin-1 bytes in an id and in a status",
    files: {
      "latin1.csv": Buffer.concat([
        withBadRow(Buffer.from("caf\xe9,active,2024-11-04 10:00:00\n", "latin1")),
        Buffer.from("x,activ\xe9,2024-11-04 10:00:00\n", "latin1"),
      ]),
    },
    skipped: [/latin1\.csv, line 4.*is not UTF-8 text/, /latin1\.csv, line 6.*is not a status/],
  },
  {
    name: "a 50 MB single line",
    files: {
      "long-line.csv": (path) => {
        const line = Buffer.alloc(50 << 20, "9");
        line.write("x,active,");
        line[line.length - 1] = 0x0a;
        writeFileSync(path, Buffer.concat([Buffer.from(GOOD), line, Buffer.from("good-3,active,2024-11-04 11:30:00\n")]));
      },
    },
    skipped: [/long-line\.csv, line 4.*the row is longer than 1 MiB/],
  },
  {
    name: "an unbalanced quote",
    files: { "quote.csv": withBadRow('x,"active,2024-11-04 10:00:00\n') },
    skipped: [/quote\.csv, line 4.*is not closed on its line/],
  },
  {
    name: "a header of a million columns",
    good: true,
    files: { "wide.csv": POLLS_HEADER.trim() + ",x".repeat(1_000_000) + "\n" },
    refused: { "wide.csv": /too long to be a header/ },
  },
  {
    name: "a row of 100 000 columns",
    files: { "wide-row.csv": withBadRow("x,active,2024-11-04 10:00:00" + ",".repeat(100_000) + "\n") },
    skipped: [/wide-row\.csv, line 4.*the row is longer than/],
  },
  {
    name: "ids with markup",
    files: {
      "markup.csv":
        POLLS_HEADER +
        '"<img src=x onerror=""window.__ran=1"">",active,2024-11-04 10:00:00\n' +
        "<script>window.__ran=2</script>,active,2024-11-04 10:00:00\n" +
        "<b id=injected>bold</b>,inactive,2024-11-04 10:00:00\n",
    },
    check: async (app, csv) => {
      assert.match(csv, /^"<img src=x onerror=""window.__ran=1"">",/m);
      await app.quality.locator("details").evaluateAll((ds) => ds.forEach((d) => (d.open = true)));
      assert.match(await app.quality.innerText(), /<img src=x onerror="window.__ran=1">/);
      assert.equal(await app.page.locator("main img, main script, #injected").count(), 0, "no element from the data");
      assert.equal(await app.page.evaluate(() => window.__ran), undefined);
    },
  },
  {
    name: "ids that look like formulas",
    files: {
      "formulas.csv":
        POLLS_HEADER +
        '"=HYPERLINK(""http://x"")",active,2024-11-04 10:00:00\n+1,active,2024-11-04 10:00:00\n-1,active,2024-11-04 10:00:00\n@A1,active,2024-11-04 10:00:00\n' +
        // Look-alikes: a full-width ＝, and = after a zero-width space.
        "\uFF1D1+1,active,2024-11-04 10:00:00\n\u200B=1+1,active,2024-11-04 10:00:00\n",
    },
    check: async (_app, csv) => {
      const ids = csv.trim().split("\n").slice(1).map((l) => l.split(/,(?=[\d.]+,[\d.]+,[\d.]+,[\d.]+,[\d.]+,[\d.]+$)/)[0]);
      assert.deepEqual(ids, ["'+1", "'-1", '"\'=HYPERLINK(""http://x"")"', "'@A1", "'\u200B=1+1", "'\uFF1D1+1"]);
    },
  },
  {
    name: "timestamps in year 1 and 9999",
    files: {
      "years.csv": POLLS_HEADER + "ancient,active,0001-01-01 00:00:00\nfuture,inactive,9999-12-31 23:59:59.999999\n",
    },
    check: async (app, csv) => {
      // Shown to the second; the whole instant is in the title.
      assert.match(await app.summaryNow.innerText(), /9999-12-31 23:59:59 UTC/);
      assert.match(await app.summaryNow.getAttribute("title"), /9999-12-31 23:59:59\.999999/);
      assert.match(csv, /^ancient,60\.00,24\.00,168\.00,0\.00,0\.00,0\.00$/m);
    },
  },
  {
    name: "weekdays 7, -1 and Mon, times 25:00 and 12:60",
    good: true,
    files: {
      "hours.csv":
        "store_id,dayOfWeek,start_time_local,end_time_local\n" +
        "good-1,7,09:00,17:00\ngood-1,-1,09:00,17:00\ngood-1,Mon,09:00,17:00\n" +
        "good-1,0,25:00,17:00\ngood-1,0,12:60,17:00\ngood-2,0,09:00,17:00\n",
    },
    kinds: { "hours.csv": "Business hours" },
    skipped: [
      /hours\.csv, line 2, dayOfWeek: `7` is not a weekday/,
      /hours\.csv, line 3, dayOfWeek: `-1` is not a weekday/,
      /hours\.csv, line 4, dayOfWeek: `Mon` is not a weekday/,
      /hours\.csv, line 5, start_time_local: `25:00` is not a real time of day/,
      /hours\.csv, line 6, start_time_local: `12:60` is not a real time of day/,
    ],
  },
  {
    name: "an unknown timezone name",
    good: true,
    files: { "zones.csv": "store_id,timezone_str\ngood-1,Mars/Olympus\ngood-2,Asia/Tokyo\n" },
    skipped: [/zones\.csv, line 2, timezone_str: `Mars\/Olympus` is not an IANA timezone name/],
  },
  {
    name: "100 000 stores with one poll each",
    files: {
      "many-stores.csv": (path) =>
        writeLines(path, POLLS_HEADER, 100_000, (i) => `store-${i},active,${timestamp(1_730_700_000 + i)}\n`),
    },
    check: async (app, csv) => {
      assert.equal((await app.summaryStores.innerText()).replace(/\s/g, " "), "100 000");
      assert.equal(csv.trim().split("\n").length, 100_001);
    },
  },
  {
    name: "one store with 5 million polls",
    timeout: 180_000,
    files: {
      "one-busy-store.csv": (path) =>
        writeLines(path, POLLS_HEADER, 5_000_000, (i) =>
          `busy,${i >= 5_000_000 - 3_600 ? "inactive" : "active"},${timestamp(1_700_000_000 + i)}\n`,
        ),
    },
    check: async (app, csv) => {
      assert.match(await app.summary.innerText(), /Polls\s+5\s000\s000/);
      assert.equal(csv.trim().split("\n").length, 2);
    },
  },
  {
    name: "the same file twice",
    good: true,
    files: { "polls.csv": GOOD },
    // Each poll counts once: the same report as the file alone.
    check: async (_app, csv, dir) => assert.equal(csv, cliReport([join(dir, "polls.csv")]).toString()),
  },
  {
    name: "two status files that overlap",
    files: {
      "day1.csv": POLLS_HEADER + "1,active,2024-11-03 10:00:00\n1,inactive,2024-11-04 08:00:00\n",
      "day2.csv": POLLS_HEADER + "1,inactive,2024-11-04 08:00:00\n1,active,2024-11-04 12:00:00\n",
    },
    check: async (_app, csv, dir) => {
      const union = join(dir, "union.txt");
      writeFileSync(union, POLLS_HEADER + "1,active,2024-11-03 10:00:00\n1,inactive,2024-11-04 08:00:00\n1,active,2024-11-04 12:00:00\n");
      assert.equal(csv, cliReport([union]).toString());
    },
  },
  {
    name: "a status file named as hours",
    files: { "menu_hours.csv": GOOD },
    kinds: { "menu_hours.csv": "Status polls" },
  },
];

// The CLI runs in the case's folder with bare file names, so it names files as the page does.
const inFolder = (paths) => ({ cwd: dirname(paths[0]), args: paths.map((p) => basename(p)) });

/** The CLI's error line for `paths` (it must fail), without its `store-uptime: error: ` prefix. */
function cliError(paths) {
  const { cwd, args } = inFolder(paths);
  try {
    execFileSync(CLI, ["report", ...args], { cwd, stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    return e.stderr.toString().trim().replace(/^store-uptime: error: /, "");
  }
  assert.fail(`the CLI accepted ${paths.join(" ")}`);
}

/** The skipped-row examples the CLI prints for `paths` (indented `file, line n, …` lines). */
function cliSkippedExamples(paths) {
  const { cwd, args } = inFolder(paths);
  const run = spawnSync(CLI, ["report", ...args], { cwd, stdio: ["ignore", "ignore", "pipe"] });
  assert.equal(run.status, 0, run.stderr.toString());
  return run.stderr
    .toString()
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => /^\S+\.\w+, line \d+, /.test(l));
}

/** Writes a case's files into its own folder; big generated files are kept between runs. */
function prepare(c, index) {
  const dir = join(DATA_DIR, "bad-inputs", String(index).padStart(2, "0"));
  mkdirSync(dir, { recursive: true });
  const paths = [];
  if (c.good) {
    writeFileSync(join(dir, "polls.csv"), GOOD);
    paths.push(join(dir, "polls.csv"));
  }
  for (const [name, content] of Object.entries(c.files)) {
    const path = join(dir, name);
    if (typeof content === "function") {
      if (!existsSync(path) || statSync(path).size === 0) content(path);
    } else {
      writeFileSync(path, content);
    }
    paths.push(path);
  }
  return { dir, paths };
}

// One page for every case (closed with the browser after the last).
const chromium = useChromium();
let app;
before(async () => {
  app = await StoreUptimePage.open(await chromium.ready);
  app.page.on("dialog", (d) => app.errors.push(`dialog: ${d.message()}`));
});

CASES.forEach((c, index) => {
  test(`what happens with ${c.name}`, { timeout: c.timeout ?? 60_000 }, async () => {
    const { errors } = app;
    const { dir, paths } = prepare(c, index);
    await app.removeAllFiles();
    await app.addFiles(paths);

    const name = (p) => p.split("/").pop();
    for (const [file, kind] of Object.entries(c.kinds ?? {})) {
      assert.equal((await app.fileRow(file).getByTestId("file-kind").innerText()).trim(), kind, file);
    }
    const refused = Object.keys(c.refused ?? {});
    for (const file of refused) {
      const shown = (await app.fileErrorOf(file).innerText()).trim();
      assert.match(shown, c.refused[file], file);
      if (!(c.pageWordsOnly ?? []).includes(file)) {
        assert.equal(shown, cliError([join(dir, file)]), `${file}: the page and the CLI say the same`);
      }
    }
    const usable = paths.filter((p) => !refused.includes(name(p)));

    const status = await app.generate(undefined, { timeout: c.timeout ?? 60_000 });
    if (c.status === "Failed") {
      assert.equal(status, "Failed");
      const reason = await app.reason();
      assert.equal(reason, cliError(usable));
      if (c.reason) assert.match(reason, c.reason);
      assert.deepEqual(errors, []);
      return;
    }
    assert.equal(status, "Complete", await app.report.innerText());
    const file = await app.downloadCsv();
    assert.ok(file.bytes.equals(cliReport(usable)), "the downloaded CSV equals the CLI's on the usable files");

    const quality = (await app.quality.textContent()).replace(/\s+/g, " ");
    for (const example of cliSkippedExamples(usable)) {
      assert.ok(quality.includes(example.replace(/\s+/g, " ")), `the page shows the CLI's ${example}`);
    }
    for (const expected of c.skipped ?? []) assert.match(quality, expected);
    await c.check?.(app, file.bytes.toString(), dir);
    assert.equal(await app.status(), "Complete");
    assert.deepEqual(errors, []);
  });
});
