// Shared by the browser tests: Debian's chromium through playwright-core (never a
// downloaded browser), the served release build, generated data and the CLI's output.
//
// Environment (set by scripts/browser-tests.sh):
//   BASE_URL   the release dist/ served on 127.0.0.1
//   DIST_DIR   that dist/ (tests that need their own server serve it again)
//   DATA_DIR   generated data sets (gen-data), one folder each
//   CLI        the store-uptime binary
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";

const ROOT = resolve(import.meta.dirname, "..", "..");
export const BASE_URL = process.env.BASE_URL ?? "http://127.0.0.1:8080/";
export const DIST_DIR = process.env.DIST_DIR ?? join(ROOT, "dist");
export const DATA_DIR = process.env.DATA_DIR ?? join(ROOT, "target", "browser-data");
export const CLI = process.env.CLI ?? join(ROOT, "target", "release", "store-uptime");
const GEN_DATA = process.env.GEN_DATA ?? join(ROOT, "target", "release", "gen-data");
export const SAMPLE_DIR = join(ROOT, "public", "sample");

/**
 * A path of one of the app's own files: the page, hashed assets, the worker and its file
 * reader, the manifest and its icons, the sample.
 * Trunk writes the 64-bit hash without leading zeros, so it can be shorter than 16 digits.
 */
export const APP_FILE =
  /^\/(|index\.html|sw\.js|reader\.js|manifest\.webmanifest|icons\/icon(-maskable)?(-\d+\.png|\.svg)|worker(_loader\.js|\.js|_bg\.wasm)|[\w-]+-[0-9a-f]{1,16}(_bg\.wasm|\.js|\.css|\.svg)|sample\/\w+\.csv)$/;

/** The three input files in the order gen-data writes them. */
export const FILES = ["store_status.csv", "menu_hours.csv", "timezones.csv"];

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
  // For experiments only, e.g. CHROMIUM_EXTRA_ARGS="--js-flags=--no-liftoff".
  ...(process.env.CHROMIUM_EXTRA_ARGS ? process.env.CHROMIUM_EXTRA_ARGS.split(" ") : []),
];

export function launch() {
  return chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
}

/**
 * A fresh context (own storage) and page. Console errors and page errors are collected in
 * `errors`; every request the browser makes (page, worker, service worker) in `requests`.
 */
export async function openPage(browser, url = BASE_URL, contextOptions = {}) {
  const context = await browser.newContext({ acceptDownloads: true, ...contextOptions });
  const requests = [];
  const errors = [];
  context.on("request", (r) => requests.push(r.url()));
  const page = await context.newPage();
  watchPage(page, errors);
  await page.goto(url);
  await waitForWorker(page);
  return { context, page, requests, errors };
}

export function watchPage(page, errors) {
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`console: ${m.text()}`);
  });
}

/** Waits until the page has started and its web worker has said "ready". */
export async function waitForWorker(page) {
  await page.locator('main[data-worker-ready="true"]').waitFor({ timeout: 30_000 });
}

/** A generated data set (cached in DATA_DIR): gen-data with `args`, in folder `name`. */
export function dataSet(name, args) {
  const dir = join(DATA_DIR, name);
  if (!FILES.every((f) => existsSync(join(dir, f)))) {
    mkdirSync(dir, { recursive: true });
    execFileSync(GEN_DATA, [...args, "--out", dir], { stdio: "pipe" });
  }
  return dir;
}

/** The small set most tests use: 40 stores, 8 days, with invalid rows on purpose. */
export function smallSet() {
  return dataSet("small-s7", ["--stores", "40", "--days", "8", "--seed", "7"]);
}

/** The CLI's report for `paths` (and CLI `flags`), as bytes. */
export function cliReport(paths, flags = []) {
  return execFileSync(CLI, ["report", ...flags, ...paths], { stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 30 });
}

/** The CLI's extended report for `paths` as objects keyed by column. Split on commas, so only
 * for data whose ids hold no comma or quote (the generated sets). */
export function cliExtendedRows(paths) {
  const [header, ...lines] = cliReport(paths, ["--extended"]).toString().trim().split("\n");
  const cols = header.split(",");
  return lines.map((l) => Object.fromEntries(l.split(",").map((v, i) => [cols[i], v])));
}

/** Puts files into the page's file input, as a user choosing them would. */
export async function chooseFiles(page, paths) {
  await page.getByTestId("file-input").setInputFiles(paths);
}

/** Drops files on the page as a drag from the desktop would (a synthetic DataTransfer). */
export async function dropFiles(page, paths) {
  const files = paths.map((p) => ({ name: p.split("/").pop(), base64: readFileSync(p).toString("base64") }));
  const dataTransfer = await page.evaluateHandle((files) => {
    const dt = new DataTransfer();
    for (const f of files) {
      const bytes = Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0));
      dt.items.add(new File([bytes], f.name, { type: "text/csv" }));
    }
    return dt;
  }, files);
  await page.dispatchEvent('[data-testid="drop-zone"]', "dragover", { dataTransfer });
  await page.dispatchEvent('[data-testid="drop-zone"]', "drop", { dataTransfer });
}

/** Waits until every listed file has been recognised or rejected by the worker. */
export async function waitForFileKinds(page, count) {
  await page.waitForFunction(
    (count) => {
      const kinds = [...document.querySelectorAll('[data-testid="file-kind"]')].map((e) => e.textContent);
      return kinds.length === count && kinds.every((k) => !k.includes("Checking"));
    },
    count,
    { timeout: 20_000 },
  );
}

/** The status word of the shown report (Running, Complete, Failed, Cancelled). */
/** A status text without its icon and spacing: `✓ Complete` → `Complete`. */
export const statusWord = (text) => text.replace(/[^A-Za-z]/g, "");

export async function reportStatus(page) {
  return (await page.getByTestId("report-status").textContent()).replace(/[^A-Za-z]/g, "");
}

/** Waits for the shown report to end; returns its status word. */
export async function waitForEnd(page, timeout = 60_000) {
  await page.waitForFunction(
    () => {
      const status = document.querySelector('[data-testid="report-status"]')?.textContent ?? "";
      return /Complete|Failed|Cancelled|Interrupted/.test(status);
    },
    null,
    { timeout },
  );
  return reportStatus(page);
}

/** Clicks a download button and returns the saved file's name and bytes. */
export async function download(page, locator) {
  const [file] = await Promise.all([page.waitForEvent("download"), locator.click()]);
  const path = await file.path();
  return { name: file.suggestedFilename(), bytes: readFileSync(path) };
}

/** Every permutation of `items`. */
export function permutations(items) {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

/** Lists a directory's CSV files, full paths, in name order. */
export function csvFiles(dir) {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".csv"))
    .sort()
    .map((f) => join(dir, f));
}

/** Unfolds the files and options (they fold into one line after a finished report). */
export async function unfoldInputs(page) {
  const change = page.getByTestId("change-inputs");
  if (await change.isVisible()) await change.click();
}

/** Removes every added file, unfolding the file list first as an owner would. */
export async function removeAllFiles(page) {
  await unfoldInputs(page);
  const removeAll = page.getByRole("button", { name: "Remove all files" });
  if (await removeAll.count()) await removeAll.click();
}
