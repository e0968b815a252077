// Accessibility basics: every control has a name, the file picker and the main
// buttons are reached with the keyboard, the job status is announced (aria-live), and
// status is never shown by colour alone; axe-core finds nothing serious after a report.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DESKTOP, PHONE, StoreUptimePage, useChromium } from "./store-uptime-page.mjs";

const chromium = useChromium();

test("controls are labelled and reachable with the keyboard", async () => {
  const app = await StoreUptimePage.open(chromium.browser);
  const { page } = app;
  const unlabelled = await page.evaluate(() =>
    [...document.querySelectorAll("input, select, button")]
      .filter((e) => !(e.labels?.length || e.getAttribute("aria-label") || e.textContent.trim()))
      .map((e) => e.outerHTML),
  );
  assert.deepEqual(unlabelled, []);
  const reached = [];
  for (let i = 0; i < 10; i++) {
    await page.keyboard.press("Tab");
    reached.push(await page.evaluate(() => document.activeElement?.dataset.testid ?? document.activeElement?.id));
  }
  // "Skip to results" first, then the files, the folder, the sample.
  assert.deepEqual(reached.slice(0, 4), ["skip-link", "file-input", "folder-input", "sample-data"]);
  assert.ok(reached.includes("opt-now") && reached.includes("opt-extended"), reached.join(", "));
  // Enter on the sample button starts a report; its status is in a live region, with a
  // symbol beside the word.
  await app.sampleButton.focus();
  await page.keyboard.press("Enter");
  assert.equal(await app.waitForEnd(), "Complete");
  const live = page.locator('[aria-live="polite"]').filter({ has: app.statusBadge });
  assert.equal(await live.count(), 1);
  assert.match(await app.statusBadge.innerText(), /✓\s*Complete/);
  await app.close();
});

// axe-core (node_modules) over the whole page after a report: light and dark at desktop
// width, and a phone's 390 px. Serious and critical findings fail; the rest are printed.
async function axeScan(app, label) {
  const violations = await app.axeFindings();
  const bad = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  for (const v of violations.filter((v) => !bad.includes(v))) console.log(`axe ${label}: ${v.impact} ${v.id}: ${v.help} (${v.nodes.join(", ")})`);
  assert.deepEqual(bad, [], `${label}: ${JSON.stringify(bad, null, 1)}`);
}

test("axe finds no serious or critical problem after a report, light and dark, wide and 390 px", async () => {
  const app = await StoreUptimePage.open(chromium.browser, { viewport: DESKTOP });
  assert.equal(await app.loadSample(), "Complete");
  await app.waitForTable();
  for (const size of [DESKTOP, PHONE]) {
    await app.viewport(size);
    for (const scheme of ["light", "dark"]) {
      await app.colourScheme(scheme);
      await axeScan(app, `${size.width} px ${scheme}`);
    }
  }
  assert.deepEqual(app.errors, []);
  await app.close();
});
