// Accessibility basics (issue 3): every control has a name, the file picker and the main
// buttons are reached with the keyboard, the job status is announced (aria-live), and
// status is never shown by colour alone.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { launch, openPage, waitForEnd } from "./helpers.mjs";

let browser;
before(async () => {
  browser = await launch();
});
after(() => browser?.close());

test("controls are labelled and reachable with the keyboard", async () => {
  const { page, context } = await openPage(browser);
  const unlabelled = await page.evaluate(() =>
    [...document.querySelectorAll("input, select, button")]
      .filter((e) => !(e.labels?.length || e.getAttribute("aria-label") || e.textContent.trim()))
      .map((e) => e.outerHTML),
  );
  assert.deepEqual(unlabelled, []);
  const reached = [];
  for (let i = 0; i < 8; i++) {
    await page.keyboard.press("Tab");
    reached.push(await page.evaluate(() => document.activeElement?.dataset.testid ?? document.activeElement?.id));
  }
  assert.deepEqual(reached.slice(0, 2), ["file-input", "sample-data"]);
  assert.ok(reached.includes("opt-now") && reached.includes("opt-extended"), reached.join(", "));
  // Enter on the sample button starts a report; its status is in a live region, with a
  // symbol beside the word.
  await page.getByTestId("sample-data").focus();
  await page.keyboard.press("Enter");
  assert.equal(await waitForEnd(page), "Complete");
  const live = page.locator('[aria-live="polite"]').filter({ has: page.getByTestId("report-status") });
  assert.equal(await live.count(), 1);
  assert.match(await page.getByTestId("report-status").innerText(), /✓\s*Complete/);
  await context.close();
});
