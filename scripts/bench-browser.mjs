// The browser benchmark (BENCHMARKS.md): the release page in Debian's chromium, files through the
// file input, timed from the files' `change` event to the report showing `Complete`.
// Not a test (no timed assertions): it prints figures. Run by scripts/bench-browser.sh.
//
//   node scripts/bench-browser.mjs [--runs N] [--playwright-click] [--parts on|off] NAME=DIR...
//
// DIR holds gen-data's three files. --playwright-click: Generate is pressed by Playwright
// after the files are recognised, instead of by the page probe the moment it is enabled.
//
// Environment: DIST_DIR (the release dist/), CLI (store-uptime, for the reference CSV).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { brotliCompressSync, constants as zlib, gzipSync } from "node:zlib";
import { CLI, DIST_DIR, FILES, chooseFiles, download, launch, waitForEnd, waitForFileKinds, watchPage } from "../tests/browser/helpers.mjs";
import { startServer } from "../tests/browser/static-server.mjs";

const args = process.argv.slice(2);
let runs = 5;
let playwrightClick = false;
// `--parts on|off`: the page's `?parts=` (the part worker regardless of the cores); default:
// the page decides by the machine's cores (docs/app.md, "Two engine workers").
let parts = "";
const sets = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--runs") runs = Number(args[++i]);
  else if (args[i] === "--playwright-click") playwrightClick = true;
  else if (args[i] === "--parts") parts = `?parts=${args[++i]}`;
  else if (args[i].includes("=")) {
    const [name, dir] = args[i].split("=");
    sets.push({ name, dir });
  } else throw new Error(`bench-browser.mjs: unknown argument ${args[i]}`);
}
if (!(runs >= 1)) throw new Error("bench-browser.mjs: --runs wants a number ≥ 1");

// Installed before any page script: long tasks of the page's thread, every worker message
// as the page receives it (before the app's own handler runs), and the moments the files
// were handed over, the page was ready for Generate (every file recognised, the button
// enabled), Generate was pressed and `Complete` appeared. With `instant`, the probe presses
// Generate itself the moment it is ready, as the quickest owner would: Playwright's click
// (actionability checks, CDP round trips) took 0.09–0.23 s, which is the harness's time,
// not the page's (BENCHMARKS.md).
const PROBE = ({ instant }) => {
  const bench = (window.__bench = { longtasks: [], messages: [], t: {} });
  const now = () => performance.now();
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) bench.longtasks.push([e.startTime, e.duration]);
  }).observe({ type: "longtask", buffered: true });
  document.addEventListener(
    "change",
    (e) => {
      if (e.target?.type === "file") bench.t.files = now();
    },
    true,
  );
  document.addEventListener(
    "click",
    (e) => {
      if (e.target?.closest?.('[data-testid="generate"]')) bench.t.generate = now();
    },
    true,
  );
  const Original = window.Worker;
  window.Worker = class extends Original {
    constructor(...a) {
      super(...a);
      this.addEventListener("message", (event) => {
        const at = now();
        // JSON text; `Complete` is {json, csv} with the CSV's bytes beside the JSON.
        const text = typeof event.data === "string" ? event.data : event.data?.json;
        if (typeof text !== "string") return;
        const type = /^\{"type":"(\w+)"/.exec(text.slice(0, 40))?.[1] ?? "?";
        // Only progress is parsed (small); the size of anything else is its JSON plus CSV.
        const detail = type === "Progress" ? JSON.parse(text).progress : text.length + (event.data?.csv?.byteLength ?? 0);
        bench.messages.push([at, type, detail]);
        if (type === "Complete") setTimeout(() => (bench.t.handled = now()), 0);
      });
    }
  };
  new MutationObserver(() => {
    if (bench.t.files !== undefined && bench.t.ready === undefined) {
      const kinds = [...document.querySelectorAll('[data-testid="file-kind"]')].map((e) => e.textContent);
      const button = document.querySelector('[data-testid="generate"]');
      if (kinds.length === 3 && kinds.every((k) => !k.includes("Checking")) && button && !button.disabled) {
        bench.t.ready = now();
        if (instant) button.click();
      }
    }
    if (bench.t.complete === undefined && /Complete/.test(document.querySelector('[data-testid="report-status"]')?.textContent ?? "")) {
      bench.t.complete = now();
    }
  }).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
};

/** The engine worker, or with `part` its part worker (a copy of it, told apart by its name). */
async function engineWorker(page, { part = false } = {}) {
  for (const w of page.workers()) {
    if (!w.url().includes("worker_loader")) continue;
    if (((await w.evaluate(() => self.name)) === "store-uptime part") === part) return w;
  }
  return undefined;
}

/** The CLI's report for `paths`, through a file (the 10× report is 10 MB). */
function cliReport(paths) {
  const dir = mkdtempSync(join(tmpdir(), "bench-cli-"));
  try {
    execFileSync(CLI, ["report", "-o", join(dir, "report.csv"), ...paths], { stdio: ["ignore", "ignore", "pipe"] });
    return readFileSync(join(dir, "report.csv"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const ms = (x) => `${Math.round(x)} ms`;
const mib = (x) => `${(x / 2 ** 20).toFixed(0)} MiB`;
const kb = (x) => `${(x / 1000).toFixed(1)} kB`;

async function oneRun(browser, url, paths, expected) {
  const context = await browser.newContext({ acceptDownloads: true });
  await context.addInitScript(PROBE, { instant: !playwrightClick });
  const page = await context.newPage();
  const errors = [];
  watchPage(page, errors);
  if (process.env.BENCH_TRACE) page.on("console", (m) => console.log(`    console: ${m.text()}`));
  await page.goto(url);
  await page.locator('main[data-worker-ready="true"]').waitFor({ timeout: 60_000 });
  // The part worker (when there is one) loads after the engine worker's warm-up, while an
  // owner would be choosing files (a second or two); the run starts once it is there, as an
  // owner's would (at most 10 s: without a part worker there is nothing to wait for).
  await (await engineWorker(page))
    ?.evaluate(
      () =>
        new Promise((resolve) => {
          const until = performance.now() + 10_000;
          const check = () =>
            performance.getEntriesByName("store-uptime part ready").length || performance.now() > until ? resolve() : setTimeout(check, 20);
          check();
        }),
    );
  if (process.env.BENCH_TRACE) {
    const sw = await page.evaluate(async () => {
      const r = await navigator.serviceWorker?.getRegistration();
      return `controlled ${Boolean(navigator.serviceWorker?.controller)}, installing ${Boolean(r?.installing)}, waiting ${Boolean(r?.waiting)}, active ${r?.active?.state}`;
    });
    console.log(`    service worker at files: ${sw}`);
  }
  await chooseFiles(page, paths);
  await waitForFileKinds(page, 3);
  if (playwrightClick) await page.getByTestId("generate").click();
  const status = await waitForEnd(page, 900_000);
  if (status !== "Complete") throw new Error(`report ended ${status}: ${await page.getByTestId("report").innerText()}`);
  await page.waitForFunction(() => window.__bench.t.handled !== undefined && window.__bench.t.complete !== undefined);
  const b = await page.evaluate(() => window.__bench);
  // Wasm memory only grows, so its size now is the run's peak.
  const worker = await engineWorker(page);
  const wasmBytes = await worker.evaluate(async () => (await wasm_bindgen()).memory.buffer.byteLength);
  const partWorker = await engineWorker(page, { part: true });
  const partWasmBytes = partWorker ? await partWorker.evaluate(async () => (await wasm_bindgen()).memory.buffer.byteLength) : 0;
  // The worker's own User Timing measures of its phases (src/worker/mod.rs), summed by name.
  const phases = await worker.evaluate(() => {
    const sums = {};
    for (const m of performance.getEntriesByType("measure")) sums[m.name.replace("store-uptime ", "")] = (sums[m.name.replace("store-uptime ", "")] ?? 0) + m.duration;
    return sums;
  });
  const csv = (await download(page, page.getByTestId("download-csv"))).bytes;
  await context.close();

  const { files, generate, complete } = b.t;
  const job = b.messages.filter(([at]) => at >= generate);
  const inspected = b.messages.filter(([at, type]) => type === "Inspected" && at >= files);
  const completeAt = job.find(([, type]) => type === "Complete")[0];
  // The longest wait for news while the job runs: Generate, each progress, Complete.
  let gap = 0;
  let gapAfter = "start";
  const slow = [];
  let previous = [generate, "start"];
  const firstComputing = job.find(([, type, p]) => type === "Progress" && p.phase === "Computing")?.[0];
  for (const [at, type, detail] of job) {
    if (type !== "Progress" && type !== "Complete") continue;
    if (at - previous[0] > 250) slow.push(`${ms(at - previous[0])} after ${previous[1]} at +${ms(previous[0] - generate)}`);
    if (at - previous[0] > gap) {
      gap = at - previous[0];
      gapAfter = previous[1];
    }
    previous = [at, type === "Progress" ? detail.phase : type];
  }
  if (process.env.BENCH_TRACE) {
    for (const [at, type, detail] of b.messages) console.log(`    +${ms(at - files)} ${type} ${JSON.stringify(detail)}`);
    for (const [start, d] of b.longtasks) console.log(`    long task at +${ms(start - files)}: ${ms(d)}`);
  }
  const during = b.longtasks.filter(([start, d]) => start + d >= files && start <= b.t.handled);
  const longest = during.reduce((m, t) => (t[1] > m[1] ? t : m), [0, 0]);
  return {
    total: complete - files,
    inspect: Math.max(...inspected.map(([at]) => at)) - files,
    clickAfterReady: generate - b.t.ready,
    job: complete - generate,
    reading: (firstComputing ?? completeAt) - generate,
    computing: firstComputing ? completeAt - firstComputing : 0,
    afterMessage: complete - completeAt,
    progressCount: job.filter(([, t]) => t === "Progress").length,
    gap,
    gapAfter,
    slow,
    longestTask: longest[1],
    longestTaskAt: longest[0] - generate,
    completeMessageBytes: job.find(([, type]) => type === "Complete")[2],
    wasmBytes,
    partWasmBytes,
    phases,
    csvSame: csv.equals(expected),
    errors,
  };
}

async function firstLoad(browser) {
  const server = await startServer(DIST_DIR, 0, { compress: true });
  const context = await browser.newContext();
  const page = await context.newPage();
  const done = [];
  context.on("requestfinished", (r) => done.push(r));
  await page.goto(server.url);
  await page.locator('main[data-worker-ready="true"]').waitFor({ timeout: 60_000 });
  // Let the service worker finish caching the app shell, then count everything.
  await page.evaluate(() => navigator.serviceWorker?.ready);
  await page.waitForTimeout(1000);
  const rows = [];
  for (const r of done) {
    const sizes = await r.sizes();
    const response = await r.response();
    rows.push({
      path: new URL(r.url()).pathname,
      bySw: Boolean(r.serviceWorker()),
      encoding: (await response?.headerValue("content-encoding")) ?? "identity",
      body: sizes.responseBodySize,
      headers: sizes.responseHeadersSize,
    });
  }
  await context.close();
  await server.close();
  return rows;
}

/** Each shipped file's size raw, gzip -9 and brotli 11, as a host could serve it. */
function distSizes() {
  const walk = (dir) => readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));
  return walk(DIST_DIR).map((path) => {
    const body = readFileSync(path);
    return {
      path: path.slice(DIST_DIR.length),
      raw: body.length,
      gzip: gzipSync(body, { level: 9 }).length,
      br: brotliCompressSync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } }).length,
    };
  });
}

const browser = await launch();
try {
  console.log(`chromium ${browser.version()}, ${runs} run(s) per set, CLI ${CLI}`);
  const rows = await firstLoad(browser);
  const app = (r) => !r.bySw && /\.(js|wasm|css)$|\/$|\.html$/.test(r.path);
  const sum = (rs) => rs.reduce((s, r) => s + r.body + r.headers, 0);
  console.log("\nfirst load (compressed server, fresh profile): transferred bytes, body + headers");
  for (const r of rows) console.log(`  ${r.bySw ? "sw " : "   "}${r.path.padEnd(36)} ${r.encoding.padEnd(8)} ${kb(r.body + r.headers)}`);
  console.log(`  page + app + worker + css (what the first view needs): ${kb(sum(rows.filter(app)))}  (target ≤ 1000 kB)`);
  console.log(`  everything incl. the service worker's offline copy (sample data too): ${kb(sum(rows))}`);
  const dist = distSizes();
  console.log("  dist/ files, raw / gzip -9 / brotli 11:");
  for (const f of dist.filter((f) => /\.(js|wasm|css|html)$/.test(f.path)))
    console.log(`    ${f.path.padEnd(34)} ${kb(f.raw).padStart(10)} ${kb(f.gzip).padStart(10)} ${kb(f.br).padStart(10)}`);

  const server = await startServer(DIST_DIR, 0, { compress: true });
  for (const { name, dir } of sets) {
    const paths = FILES.map((f) => join(dir, f));
    const bytes = paths.reduce((s, p) => s + statSync(p).size, 0);
    const started = Date.now();
    const expected = cliReport(paths);
    console.log(`\n${name}: ${dir}, ${(bytes / 1e6).toFixed(1)} MB (CLI reference report in ${Date.now() - started} ms)`);
    const results = [];
    for (let i = 0; i < runs; i++) {
      const r = await oneRun(browser, server.url + parts, paths, expected);
      results.push(r);
      console.log(
        `  run ${i + 1}: files→Complete ${ms(r.total)} (inspect ${ms(r.inspect)}, Generate pressed ${ms(r.clickAfterReady)} after it was enabled, Generate→Complete ${ms(r.job)}: reading ${ms(r.reading)}, analysis+report ${ms(r.computing)}, shown ${ms(r.afterMessage)} after the message), ` +
          `wasm ${mib(r.wasmBytes)}${r.partWasmBytes ? ` (+ part worker ${mib(r.partWasmBytes)})` : ""}, longest task ${ms(r.longestTask)} at +${ms(r.longestTaskAt)}, max progress gap ${ms(r.gap)} after ${r.gapAfter} (${r.progressCount} updates; gaps over 250 ms: ${r.slow.join(", ") || "none"}), ` +
          `Complete message ${(r.completeMessageBytes / 1e6).toFixed(1)} MB, worker phases: ${Object.entries(r.phases).map(([k, v]) => `${k} ${ms(v)}`).join(", ") || "not marked"}, CSV ${r.csvSame ? "= CLI" : "DIFFERS from CLI"}${r.errors.length ? `, errors: ${r.errors.join("; ")}` : ""}`,
      );
    }
    const med = (k) => median(results.map((r) => r[k]));
    const phaseNames = [...new Set(results.flatMap((r) => Object.keys(r.phases)))];
    const phaseLine = phaseNames.map((k) => `${k} ${ms(median(results.map((r) => r.phases[k] ?? 0)))}`).join(", ");
    const max = (k) => Math.max(...results.map((r) => r[k]));
    console.log(
      `  ${name} worker phases (medians): ${phaseLine || "not marked"}\n` +
      `  ${name} median of ${runs}: files→Complete ${ms(med("total"))}, Generate→Complete ${ms(med("job"))} (reading ${ms(med("reading"))}, analysis+report ${ms(med("computing"))}; fastest ${ms(Math.min(...results.map((r) => r.total)))}), ` +
        `peak wasm memory ${mib(max("wasmBytes"))}${max("partWasmBytes") ? ` (+ part worker ${mib(max("partWasmBytes"))})` : ""}, longest main-thread task ${ms(med("longestTask"))} (max ${ms(max("longestTask"))}), ` +
        `max progress gap ${ms(med("gap"))} (max ${ms(max("gap"))}); report CSV ${results.every((r) => r.csvSame) ? "byte-identical to the CLI's in every run" : "DIFFERS from the CLI's"}`,
    );
    if (!results.every((r) => r.csvSame)) process.exitCode = 1;
  }
  await server.close();
} finally {
  await browser.close();
}
