// "Try with sample data": the built-in set from `gen-data --preset sample`,
// served from public/sample/, gives a complete report equal to the CLI's.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { FILES, SAMPLE_DIR, cliReport, download, launch, openPage, waitForEnd } from "./helpers.mjs";

let browser;
before(async () => {
  browser = await launch();
});
after(() => browser?.close());

test("sample data gives a complete report equal to the CLI's", async () => {
  const { page, context, errors } = await openPage(browser);
  await page.getByTestId("sample-data").click();
  assert.equal(await waitForEnd(page), "Complete");
  assert.equal((await page.getByTestId("summary-stores").innerText()).trim(), "300");
  assert.match(await page.getByTestId("summary-now").innerText(), /UTC/);
  assert.match(await page.getByTestId("summary-uptime").innerText(), /^\d+\.\d\d %$/);
  const file = await download(page, page.getByTestId("download-csv"));
  assert.ok(file.bytes.equals(cliReport(FILES.map((f) => join(SAMPLE_DIR, f)))));
  // The sample has all three kinds, so no file-level default applies.
  assert.deepEqual(await page.getByTestId("file-kind").allTextContents(), ["Status polls", "Business hours", "Timezones"]);
  assert.deepEqual(errors, []);
  await context.close();
});
