// The page object of the browser tests: the one module that knows how the page is built
// (its data-testid and role locators) and how an owner works it (open the page, add files,
// generate, download, open a store, unfold the inputs, …). Specs say what a user does and
// what they must see:
//
//   const chromium = useChromium();
//   test("…", async () => {
//     const app = await StoreUptimePage.open(chromium.browser);
//     assert.equal(await app.generate(paths), "Complete");
//     assert.ok((await app.downloadCsv()).bytes.equals(cliReport(paths)));
//     await app.close();
//   });
//
// Actions wait for what the page promises (the worker ready, every file recognised, a
// report ended) but never assert: what a spec checks stays in the spec. `app.page` is the
// playwright Page, for the rare check that belongs to one spec alone.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before } from "node:test";
import { chromium } from "playwright-core";
import {
  BASE_URL,
  CHROMIUM_ARGS,
  chooseFiles,
  download,
  dropFiles,
  launch,
  reportStatus,
  statusWord,
  unfoldInputs,
  removeAllFiles,
  waitForEnd,
  waitForFileKinds,
  waitForWorker,
  watchPage,
} from "./helpers.mjs";

export const DESKTOP = { width: 1440, height: 900 };
export const PHONE = { width: 390, height: 844 };

/**
 * One chromium for the test file: launched before its tests, closed after them. Call at the
 * top level of a spec; `.browser` is the playwright Browser once the tests run. A spec's own
 * `before` hook awaits `.ready` instead: node may run a file's top-level hooks side by side.
 */
export function useChromium() {
  let launched;
  const ready = new Promise((resolve, reject) => (launched = { resolve, reject }));
  // A failed launch fails the hook below; this copy must not be an unhandled rejection.
  ready.catch(() => {});
  const handle = { browser: undefined, ready };
  before(async () => {
    try {
      handle.browser = await launch();
      launched.resolve(handle.browser);
    } catch (e) {
      launched.reject(e);
      throw e;
    }
  });
  after(() => handle.browser?.close());
  return handle;
}

export class StoreUptimePage {
  /**
   * @param page     a playwright Page showing the app
   * @param context  its BrowserContext (closed by `close()` when the page object made it)
   * @param errors   console errors and page errors seen on the page
   * @param requests every URL the context requested (when the page object made it)
   */
  constructor(page, { context = page.context(), errors = [], requests = [], ownsContext = false } = {}) {
    this.page = page;
    this.context = context;
    this.errors = errors;
    this.requests = requests;
    this.ownsContext = ownsContext;
  }

  /**
   * The page in a fresh context (own storage, downloads accepted), loaded with its worker
   * ready. `viewport` and any other `contextOptions` go to the context; `url` defaults to
   * the served build.
   */
  static async open(browser, { url = BASE_URL, viewport, ...contextOptions } = {}) {
    const context = await browser.newContext({ acceptDownloads: true, ...(viewport ? { viewport } : {}), ...contextOptions });
    const requests = [];
    context.on("request", (r) => requests.push(r.url()));
    const app = await StoreUptimePage.openIn(context, { url });
    app.requests = requests;
    app.ownsContext = true;
    return app;
  }

  /** Another tab in `context` (shared storage), loaded with its worker ready. */
  static async openIn(context, { url = BASE_URL } = {}) {
    const page = await context.newPage();
    const errors = [];
    watchPage(page, errors);
    await page.goto(url);
    await waitForWorker(page);
    return new StoreUptimePage(page, { context, errors });
  }

  /**
   * The page in a persistent context with its profile in `profileDir` (as an installed
   * browser has it: service worker, install prompts), loaded with its worker ready.
   */
  static async openPersistent(profileDir, { url = BASE_URL } = {}) {
    const context = await chromium.launchPersistentContext(profileDir, { executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
    const page = context.pages()[0] ?? (await context.newPage());
    const errors = [];
    watchPage(page, errors);
    await page.goto(url);
    await waitForWorker(page);
    return new StoreUptimePage(page, { context, errors, ownsContext: true });
  }

  /** Closes the context this page object made (or just the tab, in a shared context). */
  async close() {
    if (this.ownsContext) await this.context.close();
    else await this.page.close();
  }

  /** Reloads the page and waits for its worker. */
  async reload() {
    await this.page.reload();
    await this.waitForWorker();
  }

  waitForWorker() {
    return waitForWorker(this.page);
  }

  // ---- locators -------------------------------------------------------------------------

  byTestId(id) {
    return this.page.getByTestId(id);
  }

  get fileInput() { return this.byTestId("file-input"); }
  get folderInput() { return this.byTestId("folder-input"); }
  get sampleButton() { return this.byTestId("sample-data"); }
  get generateButton() { return this.byTestId("generate"); }
  get generateWhy() { return this.byTestId("generate-why"); }
  get noStatusFile() { return this.byTestId("no-status-file"); }
  get cancelButton() { return this.byTestId("cancel"); }
  get retryButton() { return this.byTestId("retry"); }
  get changeInputsButton() { return this.byTestId("change-inputs"); }
  get clearFilesButton() { return this.byTestId("clear-files"); }
  get foldedInputs() { return this.byTestId("inputs-folded"); }
  get fileList() { return this.byTestId("file-list"); }
  get fileKinds() { return this.byTestId("file-kind"); }
  get fileError() { return this.byTestId("file-error"); }
  get privacyNote() { return this.byTestId("privacy"); }
  get dropZone() { return this.byTestId("drop-zone"); }
  /** The rows of the entries a listed zip archive holds. */
  get archiveEntries() { return this.byTestId("archive-entry"); }
  get skipLink() { return this.byTestId("skip-link"); }

  /** The row of the file list for the file named `name`. */
  fileRow(name) {
    return this.page.locator(`[data-testid="file-row"][data-file-name="${name}"]`).first();
  }

  /** The error shown under the file list's row for `name`. */
  fileErrorOf(name) {
    return this.page.locator(`[data-testid="file-row"][data-file-name="${name}"] + tr [data-testid="file-error"]`);
  }

  // Options.
  get extendedOption() { return this.byTestId("opt-extended"); }
  get fillOption() { return this.byTestId("opt-fill"); }
  get missingDayOption() { return this.byTestId("opt-missing-day"); }
  get nowOption() { return this.byTestId("opt-now"); }

  // The report.
  get report() { return this.byTestId("report"); }
  get statusBadge() { return this.byTestId("report-status"); }
  get progressText() { return this.byTestId("progress-text"); }
  get reasonText() { return this.byTestId("report-reason"); }
  get notice() { return this.byTestId("notice"); }
  get quality() { return this.byTestId("quality"); }
  get skippedRows() { return this.byTestId("skipped"); }
  get summary() { return this.byTestId("summary"); }
  get summaryStores() { return this.byTestId("summary-stores"); }
  get summaryNow() { return this.byTestId("summary-now"); }
  get summaryUptime() { return this.byTestId("summary-uptime"); }
  get downloadCsvButton() { return this.byTestId("download-csv"); }

  // The answers (the first screen).
  get headline() { return this.byTestId("headline"); }
  get headlineId() { return this.byTestId("headline-id"); }
  get downNowRows() { return this.byTestId("down-now-row"); }
  get trendPercents() { return this.byTestId("trend-pct"); }
  get headlineTitle() { return this.page.locator("#answers-title"); }
  get callRows() { return this.byTestId("call-row"); }
  get callsShowAll() { return this.byTestId("calls-show-all"); }
  get uptimeTarget() { return this.byTestId("uptime-target"); }
  get errorBudget() { return this.byTestId("error-budget"); }
  get downloadOutagesButton() { return this.byTestId("download-outages"); }
  get downloadCallListButton() { return this.byTestId("download-call-list"); }

  /** An answer tile: `down-now`, `outages`, `fleet-uptime`, `call`, `trend`, … */
  tile(name) {
    return this.byTestId(`tile-${name}`);
  }

  /** The value shown on answer tile `name`. */
  tileValue(name) {
    return this.tile(name).locator(".tile-value");
  }

  // The printout (shown only for print media).
  get printCalls() { return this.byTestId("print-calls"); }
  get printMore() { return this.byTestId("print-more"); }

  // "Share or save": the disclosure above the headline, its report file and chart images.
  get shareMenu() { return this.byTestId("share-menu"); }
  get shareMenuSummary() { return this.byTestId("share-menu-summary"); }
  get saveReportFileButton() { return this.shareMenu.getByTestId("save-report-file"); }

  /** The share menu's image entry of `chart` (`fleet-timeline`, `heatmap`, …). */
  imageMenu(chart) {
    return this.shareMenu.getByTestId(`image-${chart}`);
  }

  /** The button saving `chart` as `format` (`svg` or `png`). */
  imageButton(chart, format) {
    return this.imageMenu(chart).getByTestId(`image-${format}`);
  }

  // The fleet view.
  get fleet() { return this.byTestId("fleet"); }
  get storeTable() { return this.byTestId("store-table"); }
  get tableRows() { return this.page.locator('[data-testid="store-table"] tbody tr[data-row]'); }
  get tableFilter() { return this.byTestId("table-filter"); }
  get zoneFilter() { return this.byTestId("zone-filter"); }
  get regionFilter() { return this.byTestId("region-filter"); }
  get downOnlyFilter() { return this.byTestId("down-only"); }
  get heatCells() { return this.byTestId("heat-cell"); }
  get cellStores() { return this.byTestId("cell-store"); }
  /** The cell list's rows (`data-store` the id; the name beside it). */
  get cellStoreRows() { return this.byTestId("cell-store-row"); }
  get cellStoresBox() { return this.byTestId("cell-stores"); }
  get histogram() { return this.byTestId("histogram"); }
  get heatmap() { return this.byTestId("heatmap"); }
  /** The words above the charts saying which stores they show (with regions only). */
  get chartScope() { return this.byTestId("chart-scope"); }
  get themeToggle() { return this.byTestId("theme-toggle"); }

  /** The table's row of store `id`. */
  tableRow(id) {
    return this.page.locator(`[data-testid="store-table"] tbody tr[data-row][data-store="${id}"]`);
  }

  /** The heatmap's cell number `cell` (0 = Monday 00:00, hours then days). */
  heatCell(cell) {
    return this.page.locator(`[data-testid="heat-cell"][data-cell="${cell}"]`);
  }

  /** The table header's sort button of `column`. */
  sortButton(column) {
    return this.page.locator(`[data-sort="${column}"]`);
  }

  // A store's detail.
  get storeDetail() { return this.byTestId("store-detail"); }
  get detailId() { return this.byTestId("detail-id"); }
  get detailClose() { return this.byTestId("detail-close"); }
  get detailNext() { return this.byTestId("detail-next"); }
  get detailPrevious() { return this.byTestId("detail-previous"); }
  get detailName() { return this.byTestId("detail-name"); }

  /** A figure of the detail: `up_week`, `down_hour`, `pct`, … */
  detailFigure(key) {
    return this.byTestId(`detail-${key}`);
  }

  // The history.
  get historyItems() { return this.byTestId("history-item"); }
  get historyDownloads() { return this.byTestId("history-download"); }
  get clearHistoryButton() { return this.byTestId("clear-history"); }

  /** The history's row of report `id`. */
  historyItem(id) {
    return this.page.locator(`[data-testid="history-item"][data-report-id="${id}"]`);
  }

  // ---- actions: getting files in ---------------------------------------------------------

  /**
   * Chooses `paths` in the file input and waits until the worker has recognised or refused
   * every listed file; `total` is how many the list then holds (the files just added, by
   * default).
   */
  async addFiles(paths, { total = paths.length } = {}) {
    await chooseFiles(this.page, paths);
    await this.waitForFileKinds(total);
  }

  /** Drops `paths` on the page as a drag from the desktop would, and waits for their kinds. */
  async dropFiles(paths, { total = paths.length } = {}) {
    await dropFiles(this.page, paths);
    await this.waitForFileKinds(total);
  }

  /** Picks the folder `dir` in the folder input and waits for `total` listed files. */
  async addFolder(dir, total) {
    await this.folderInput.setInputFiles(dir);
    await this.waitForFileKinds(total);
  }

  waitForFileKinds(count) {
    return waitForFileKinds(this.page, count);
  }

  /** The file list's kind words, trimmed, in list order. */
  async fileKindWords() {
    return (await this.fileKinds.allTextContents()).map((k) => k.trim());
  }

  /** The kind word shown for each listed file, by file name. */
  async fileKindsByName() {
    return Object.fromEntries(
      await this.page.locator('[data-testid="file-row"]').evaluateAll((rows) =>
        rows.map((r) => [r.dataset.fileName, r.querySelector('[data-testid="file-kind"]').textContent.trim()]),
      ),
    );
  }

  /**
   * The entries of the listed zip archives, in list order: `name` (as listed, `data.zip ›
   * path`), its `kind` word and the `error` shown under it (null when read).
   */
  archiveEntryRows() {
    return this.archiveEntries.evaluateAll((rows) =>
      rows.map((r) => ({
        name: r.dataset.fileName,
        kind: r.querySelector('[data-testid="file-kind"]').textContent.trim(),
        error: r.nextElementSibling?.classList.contains("rejected-reason") ? r.nextElementSibling.innerText.trim() : null,
      })),
    );
  }

  /**
   * Drops `dataTransfer` (a JSHandle of a DataTransfer made in the page) on the drop zone
   * and waits for `total` listed files: for drops `dropFiles` cannot make (a folder).
   */
  async dropDataTransfer(dataTransfer, total) {
    await this.page.dispatchEvent('[data-testid="drop-zone"]', "drop", { dataTransfer });
    await this.waitForFileKinds(total);
  }

  /** Unfolds the files and options (they fold into one line after a finished report). */
  unfoldInputs() {
    return unfoldInputs(this.page);
  }

  /** Removes every added file, unfolding the file list first as an owner would. */
  removeAllFiles() {
    return removeAllFiles(this.page);
  }

  /** Sets the options given: `extended` (bool), `fill`, `missingDay`, `now`. */
  async setOptions({ extended, fill, missingDay, now } = {}) {
    await this.unfoldInputs();
    if (extended !== undefined) await this.extendedOption.setChecked(extended);
    if (fill !== undefined) await this.fillOption.selectOption(fill);
    if (missingDay !== undefined) await this.missingDayOption.selectOption(missingDay);
    if (now !== undefined) await this.nowOption.fill(now);
  }

  // ---- actions: reports ------------------------------------------------------------------

  /**
   * Makes a report: adds `paths` when given (else uses the files already listed), presses
   * Generate and waits for the report to end. Returns its status word (Complete, Failed,
   * Cancelled, Interrupted).
   */
  async generate(paths, { timeout = 60_000 } = {}) {
    if (paths) await this.addFiles(paths);
    await this.generateButton.click();
    return this.waitForEnd(timeout);
  }

  /** "Try with sample data", then waits for the report to end; returns its status word. */
  async loadSample({ timeout = 60_000 } = {}) {
    await this.sampleButton.click();
    return this.waitForEnd(timeout);
  }

  /**
   * Starts a report (adding `paths` when given) and waits until it is reading, or `phase`;
   * returns the report's id.
   */
  async startReport(paths, { phase = /Reading/ } = {}) {
    if (paths) await this.addFiles(paths);
    await this.generateButton.click();
    await this.progressText.filter({ hasText: phase }).waitFor({ timeout: 20_000 });
    return this.reportId();
  }

  /** Waits for the shown report to end; returns its status word. */
  waitForEnd(timeout = 60_000) {
    return waitForEnd(this.page, timeout);
  }

  /** The status word of the shown report. */
  status() {
    return reportStatus(this.page);
  }

  /** The shown report's id. */
  async reportId() {
    return (await this.byTestId("report-id").innerText()).trim();
  }

  /** Why the shown report failed or was interrupted. */
  async reason() {
    return (await this.reasonText.innerText()).trim();
  }

  /** Waits until the answers' headline is drawn. */
  async waitForAnswers() {
    await this.headline.waitFor({ timeout: 30_000 });
  }

  /** Waits until the fleet table has its first row. */
  async waitForTable(timeout = 30_000) {
    await this.tableRows.first().waitFor({ timeout });
  }

  /** Clicks `button` (a Locator) and returns the saved file's `{ name, bytes }`. */
  download(button) {
    return download(this.page, button);
  }

  /** Waits until the answers' stores to call are listed (they need the target's answers). */
  async waitForCalls() {
    await this.callRows.first().waitFor({ timeout: 30_000 });
  }

  /** The shown report's id, as the headline gives it. */
  async headlineReportId() {
    return (await this.headlineId.innerText()).trim();
  }

  /** The headline's text (the report's name: its week and timezone). */
  async headlineText() {
    return (await this.headline.innerText()).trim();
  }

  /** The value on answer tile `name`, trimmed. */
  async tileText(name) {
    return (await this.tileValue(name).innerText()).trim();
  }

  /** Opens the "Share or save" disclosure by its summary. */
  async openShareMenu() {
    await this.shareMenuSummary.click();
  }

  /** Saves the self-contained report file (opening the share menu first); returns `{ name, bytes }`. */
  async saveReportFile() {
    if (!(await this.saveReportFileButton.isVisible())) await this.openShareMenu();
    return this.download(this.saveReportFileButton);
  }

  /** Saves `chart` as an image, `svg` or `png`, from the open share menu; returns `{ name, bytes }`. */
  downloadImage(chart, format) {
    return this.download(this.imageButton(chart, format));
  }

  /** Downloads the shown report's CSV. */
  downloadCsv() {
    return this.download(this.downloadCsvButton);
  }

  /** Downloads a report's CSV from its history row: by report id, or by position (0 = newest). */
  downloadFromHistory(which) {
    const item = typeof which === "number" ? this.historyItems.nth(which) : this.historyItem(which);
    return this.download(item.getByTestId("history-download"));
  }

  /** The status word of report `id` in the history. */
  async historyStatus(id) {
    return statusWord(await this.historyItem(id).getByTestId("history-status").innerText());
  }

  /** The report ids of the history, newest first. */
  historyIds() {
    return this.historyItems.evaluateAll((rows) => rows.map((r) => r.dataset.reportId));
  }

  /** Deletes report `id` from the history. */
  async deleteFromHistory(id) {
    await this.historyItem(id).getByTestId("history-delete").click();
  }

  /** Shows report `id` again from its history row. */
  async showFromHistory(id) {
    await this.historyItem(id).getByRole("button", { name: "Show" }).click();
  }

  // ---- actions: the fleet view -----------------------------------------------------------

  /** Waits until the store detail shows its figures; returns the store's id. */
  async waitForStoreDetail(timeout = 30_000) {
    await this.detailFigure("up_week").waitFor({ timeout });
    return (await this.detailId.textContent()).trim();
  }

  /** Waits until focus is in the store detail's heading. */
  async waitForFocusInDetail() {
    await this.page.waitForFunction(() => document.activeElement?.id === "detail-title");
  }

  /** The number of stores the table counts after its filters. */
  async tableCount() {
    return Number((await this.byTestId("table-count").innerText()).split(" ")[0].replace(/\D/g, ""));
  }

  /** Picks `region` (its label, "All" for every region) in the table's region filter. */
  async filterByRegion(region) {
    await this.regionFilter.selectOption({ label: region });
  }

  /** Picks `region` and waits until the heatmap shows that region's cells (the worker's). */
  async showRegion(region) {
    await this.filterByRegion(region);
    const shown = region === "All" ? "" : region;
    await this.page.waitForFunction(
      (r) => {
        const fig = document.querySelector('[data-testid="heatmap"]');
        return fig?.dataset.region === r && fig.getAttribute("aria-busy") === "false" && fig.querySelector('[data-testid="heat-cell"]');
      },
      shown,
      { timeout: 30_000 },
    );
  }

  /** The histogram's bars: `{ bins: [count per bin], noData }`. */
  async histogramCounts() {
    const bins = await this.byTestId("hist-bin").evaluateAll((gs) => gs.map((g) => Number(g.dataset.count)));
    const noData = Number(await this.byTestId("hist-nodata").getAttribute("data-count"));
    return { bins, noData };
  }

  /** The heatmap's 168 cells as drawn: `{ share, level, down, observed, stores }` (minutes). */
  heatmapCells() {
    return this.heatCells.evaluateAll((rects) =>
      rects.map((r) => ({
        share: r.dataset.share === "" ? null : Number(r.dataset.share),
        level: Number(r.dataset.level),
        down: Number(r.dataset.down),
        observed: Number(r.dataset.observed),
        stores: Number(r.dataset.stores),
      })),
    );
  }

  /** Every finding of axe-core (node_modules) over the page: `{ id, impact, help, nodes }`. */
  async axeFindings() {
    // Evaluated, not a script tag: the page's content security policy allows no inline script.
    await this.page.evaluate(readFileSync(join(import.meta.dirname, "..", "..", "node_modules", "axe-core", "axe.min.js"), "utf8"));
    return this.page.evaluate(async () => {
      const result = await window.axe.run(document, { resultTypes: ["violations"] });
      return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) }));
    });
  }

  /** The region filter's choices, as shown. */
  regionChoices() {
    return this.regionFilter.locator("option").allInnerTexts();
  }

  /**
   * The stores of the rows matching `rows` (a Locator: the table's rows, the call list's, …)
   * as `{ id, name }`, `name` the store name shown beside the id (null when none).
   */
  storesIn(rows) {
    return rows.evaluateAll((trs) =>
      trs.map((tr) => ({ id: tr.dataset.store, name: tr.querySelector('[data-testid="store-name"]')?.textContent ?? null })),
    );
  }

  /** Clicks "Show all" of the call list when it is shortened. */
  async showAllCalls() {
    if (await this.callsShowAll.count()) await this.callsShowAll.click();
  }

  // ---- the browser around the page -------------------------------------------------------

  /** Light or dark, as the system would ask. */
  colourScheme(scheme) {
    return this.page.emulateMedia({ colorScheme: scheme });
  }

  /** Resizes the viewport. */
  viewport(size) {
    return this.page.setViewportSize(size);
  }

  /** Screenshots `locator` (or the whole page) once light and once dark: `${path}-light.png`, … */
  async screenshotLightAndDark(path, locator) {
    for (const scheme of ["light", "dark"]) {
      await this.colourScheme(scheme);
      await (locator ?? this.page).screenshot({ path: `${path}-${scheme}.png` });
    }
    await this.colourScheme("light");
  }

  /** What has keyboard focus: its test id, else its id. */
  focusedTestId() {
    return this.page.evaluate(() => document.activeElement?.dataset?.testid ?? document.activeElement?.id ?? "");
  }
}
