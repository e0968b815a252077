// The answer-first report: after Generate the headline takes focus and the inputs fold;
// down now, the week by day, the fleet timeline, the outage totals, the error budget and
// the stores to call are held to `store-uptime summary --json --target` on the same files,
// and both downloads to `store-uptime outages` / `calls` byte for byte. Screenshots of the
// first screen at 1440 and 390 px, light and dark, go to SCREENSHOT_DIR.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { CLI, FILES, dataSet } from "./helpers.mjs";
import { DESKTOP, PHONE, StoreUptimePage, useChromium } from "./store-uptime-page.mjs";

const SHOTS = process.env.SCREENSHOT_DIR ?? resolve(import.meta.dirname, "..", "..", "target", "screenshots");
mkdirSync(SHOTS, { recursive: true });

const chromium = useChromium();

/** 120 stores over 8 days, with random outages, some of them still going at the end. */
function answerSet() {
  return dataSet("answers-s5", ["--stores", "120", "--days", "8", "--seed", "5"]);
}

const cli = (args) => execFileSync(CLI, args, { stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 30 });
const summaryJson = (paths, target) => JSON.parse(cli(["summary", "--json", "--target", target, ...paths]).toString());
const digits = (text) => text.replace(/\D/g, "");
/** The page's h:mm for the summary's two-decimal minutes. */
const hm = (minutes) => {
  const m = Math.floor((Math.round(Number(minutes) * 100) + 50) / 100);
  return `${Math.floor(m / 60)}:${String(m % 60).padStart(2, "0")}`;
};

/** Makes a report of `paths`; it must complete and show its answers. */
async function generate(app, paths) {
  assert.equal(await app.generate(paths), "Complete");
  await app.waitForAnswers();
}

test("the first screen: focus, down now, the week by day, the timeline, target and call list, from the engine", async () => {
  const app = await StoreUptimePage.open(chromium.browser, { viewport: DESKTOP });
  const { page } = app;
  const paths = FILES.map((f) => join(answerSet(), f));
  const json = summaryJson(paths, "99");
  await generate(app, paths);
  const id = (await page.getByTestId("headline-id").innerText()).trim();

  // Results first: the headline has focus and is on screen; files and options are one line.
  await page.waitForFunction(() => document.activeElement?.id === "answers-title");
  const top = await app.headline.evaluate((e) => e.getBoundingClientRect().top);
  assert.ok(top >= 0 && top < 900, `headline at ${top}`);
  assert.ok(await app.foldedInputs.isVisible());
  assert.match(await app.headline.innerText(), /^Week to \w{3} \d{1,2} \w{3} \d{4} \d\d:\d\d/);

  // Down now: the summary's stores, in its order (longest down first).
  assert.ok(json.down_now.length > 0, "the set has stores down now");
  const downIds = await page.$$eval('[data-testid="down-now-row"]', (rows) => rows.map((r) => r.dataset.store));
  assert.deepEqual(downIds, json.down_now.map((d) => d.store_id));
  assert.equal(digits(await page.getByTestId("tile-down-now").locator(".tile-value").innerText()), String(json.status_now.down));

  // The week by day, oldest first.
  const trend = await page.$$eval('[data-testid="trend-pct"]', (cells) => cells.map((c) => c.textContent.trim()));
  assert.deepEqual(trend, json.days.map((d) => (d.uptime_pct === null ? "—" : `${d.uptime_pct} %`)));

  // Outages and the error budget.
  assert.equal(digits(await page.getByTestId("tile-outages").locator(".tile-value").innerText()), String(json.outages.count));
  const budget = await app.errorBudget.innerText();
  assert.ok(budget.includes(`${hm(json.target.error_budget.used_minutes)} used of ${hm(json.target.error_budget.allowed_minutes)}`), budget);
  assert.ok(budget.includes(`${json.target.stores_below_count} below`), budget);

  // The timeline: one tab stop; the keyboard walks the slots and Enter lists a slot's stores.
  const shares = json.timeline.map((s) => (s.down_share === null ? -1 : Number(s.down_share)));
  const worst = shares.indexOf(Math.max(...shares));
  const strip = page.getByTestId("timeline-strip");
  await strip.focus();
  await page.keyboard.press("End");
  await page.keyboard.press("Home");
  for (let i = 0; i < Math.floor(worst / 96); i++) await page.keyboard.press("PageDown");
  for (let i = 0; i < worst % 96; i++) await page.keyboard.press("ArrowRight");
  assert.equal(await strip.getAttribute("aria-valuenow"), String(worst));
  const readout = await page.getByTestId("timeline-readout").innerText();
  assert.ok(readout.includes(`${json.timeline[worst].down_share} % of open time down`), readout);
  assert.ok(readout.includes(`${json.timeline[worst].open} store`), readout);
  await page.keyboard.press("Enter");
  await page.getByTestId("slot-store").first().waitFor();
  // Every store listed had an outage overlapping that quarter hour (the CLI's outage file).
  const outages = cli(["outages", ...paths]).toString().trim().split("\n").slice(1).map((l) => l.split(","));
  const slotStart = new Date(json.timeline[worst].start_utc.replace(" ", "T") + "Z").getTime();
  const listed = await page.$$eval('[data-testid="slot-store"] code', (c) => c.map((e) => e.textContent));
  for (const store of listed) {
    const overlaps = outages.some(([s, from, to]) => {
      const a = new Date(from.replace(" ", "T") + "Z").getTime();
      const b = new Date(to.replace(" ", "T") + "Z").getTime() + 1000;
      return s.replace(/^'/, "") === store && a < slotStart + 15 * 60_000 && b > slotStart;
    });
    assert.ok(overlaps, `${store} has no outage in slot ${worst}`);
  }

  // The outage list: every outage of the CLI's file (all shown), longest first; a header sorts.
  const outageLines = cli(["outages", ...paths]).toString().trim().split("\n").slice(1);
  assert.equal(digits(await page.getByTestId("outages-totals").innerText()).startsWith(String(outageLines.length)), true);
  const showAllOutages = page.getByTestId("outages-show-all");
  if (await showAllOutages.count()) await showAllOutages.click();
  const shownOutages = await page.$$eval('[data-testid="outage-row"]', (rows) => rows.map((r) => r.dataset.store));
  assert.equal(shownOutages.length, Math.min(outageLines.length, 2000));
  const longestDown = Math.max(...outageLines.map((l) => Number(l.split(",")[5])));
  assert.equal(await page.getByTestId("outage-duration").first().innerText(), hm(longestDown));
  await page.getByTestId("sort-store").click();
  const byStore = outageLines.map((l) => l.split(",")[0].replace(/^'/, "")).sort();
  assert.equal(await page.getByTestId("outage-row").first().getAttribute("data-store"), byStore[0]);

  // The history row says what the report covers.
  const covers = await app.historyItem(id).getByTestId("history-week").innerText();
  const uptime = (await app.summaryUptime.innerText()).trim();
  const headline = (await app.headline.innerText()).split("\n")[0].trim();
  assert.ok(covers.startsWith(headline.replace(/\s+/g, " ")), `${covers} / ${headline}`);
  assert.ok(covers.includes(`${json.stores} stores · ${uptime} up`), `${covers} / ${uptime}`);

  // Downloads: the command line's bytes.
  const outFile = await app.download(app.downloadOutagesButton);
  assert.equal(outFile.name, `store-outages-${id}.csv`);
  assert.ok(outFile.bytes.equals(cli(["outages", ...paths])));
  const calls99 = await app.download(app.downloadCallListButton);
  assert.equal(calls99.name, `stores-to-call-${id}.csv`);
  assert.ok(calls99.bytes.equals(cli(["calls", "--target", "99", ...paths])));

  // Another target: the list, the budget and the download follow; the page remembers it.
  await app.uptimeTarget.fill("95");
  await app.uptimeTarget.press("Enter");
  await app.uptimeTarget.blur();
  const json95 = summaryJson(paths, "95");
  await page.waitForFunction(
    (below) => document.querySelector('[data-testid="error-budget"]')?.textContent.includes(`${below} below`),
    json95.target.stores_below_count,
  );
  const csv95 = cli(["calls", "--target", "95", ...paths]);
  const calls95 = await app.download(app.downloadCallListButton);
  assert.ok(calls95.bytes.equals(csv95));
  await app.showAllCalls();
  const reasons = await page.$$eval('[data-testid="call-row"]', (rows) => rows.map((r) => `${r.dataset.store},${r.dataset.reason}`));
  const expected = csv95.toString().trim().split("\n").slice(1).map((l) => l.split(",").slice(0, 2).join(",").replace(/^'/, ""));
  assert.deepEqual(reasons, expected);

  await app.reload();
  await app.waitForAnswers();
  assert.equal(await app.uptimeTarget.inputValue(), "95");
  await app.close();
});

test("the first screen on a phone and a desktop, light and dark, with no sideways scrolling", async () => {
  const paths = FILES.map((f) => join(answerSet(), f));
  for (const [name, viewport] of [["desktop", DESKTOP], ["phone", PHONE]]) {
    const app = await StoreUptimePage.open(chromium.browser, { viewport });
    await generate(app, paths);
    await app.page.waitForFunction(() => document.activeElement?.id === "answers-title");
    const overflow = await app.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `${name}: the page scrolls sideways by ${overflow} px`);
    await app.screenshotLightAndDark(join(SHOTS, `answers-${name}`));
    await app.close();
  }
});

test("Show in the history brings that report's headline into view", async () => {
  const app = await StoreUptimePage.open(chromium.browser, { viewport: DESKTOP });
  const { page } = app;
  const paths = FILES.map((f) => join(answerSet(), f));
  await generate(app, paths);
  const first = (await page.getByTestId("headline-id").innerText()).trim();
  await app.changeInputsButton.click();
  assert.equal(await app.generate(), "Complete");
  await page.waitForFunction((first) => {
    const id = document.querySelector('[data-testid="headline-id"]')?.textContent;
    return id && id !== first;
  }, first);
  await app.showFromHistory(first);
  await page.waitForFunction((first) => document.querySelector('[data-testid="headline-id"]')?.textContent === first, first);
  await page.waitForFunction(() => document.activeElement?.id === "answers-title");
  await app.close();
});

test("a later week with a fleet outage compares as worse, store by store, as the CLI's reports say", async () => {
  const app = await StoreUptimePage.open(chromium.browser, { viewport: DESKTOP });
  const { page } = app;
  const before = FILES.map((f) => join(answerSet(), f));
  const laterDir = dataSet("answers-s5-later-outage", [
    "--stores", "120", "--days", "8", "--seed", "5",
    "--end", "2024-10-15 23:55:18", "--fleet-outage", "2024-10-15 12:00,2024-10-15 18:00",
  ]);
  const later = FILES.map((f) => join(laterDir, f));
  await generate(app, before);
  await app.changeInputsButton.click();
  await app.clearFilesButton.click();
  await generate(app, later);
  const pct = (paths) => {
    const [header, ...lines] = cli(["report", "--extended", ...paths]).toString().trim().split("\n");
    const cols = header.split(",");
    const at = cols.indexOf("uptime_pct_last_week");
    return new Map(lines.map((l) => l.split(",")).map((c) => [c[0].replace(/^'/, ""), c[at]]));
  };
  const fleetBefore = summaryJson(before, "99").fleet.last_week.uptime_pct;
  const fleetAfter = summaryJson(later, "99").fleet.last_week.uptime_pct;
  const change = Math.round(Number(fleetAfter) * 100) - Math.round(Number(fleetBefore) * 100);
  assert.ok(change < 0, `the outage week is worse: ${fleetBefore} → ${fleetAfter}`);
  const text = await page.getByTestId("compare-fleet").innerText();
  assert.ok(text.includes(`−${(Math.abs(change) / 100).toFixed(2)} points`), text);
  const [pb, pa] = [pct(before), pct(later)];
  const rows = await page.$$eval('[data-testid="compare-row"]', (r) => r.map((e) => [e.dataset.store, Number(e.dataset.change)]));
  assert.ok(rows.length > 0);
  assert.ok(rows[0][1] < 0, "the most worsened first");
  for (const [store, delta] of rows) {
    const expected = Math.round(Number(pa.get(store)) * 100) - Math.round(Number(pb.get(store)) * 100);
    assert.equal(delta, expected, store);
  }
  assert.match(await page.getByTestId("tile-trend").innerText(), /▼ \d+\.\d\d points worse/);
  await app.close();
});
