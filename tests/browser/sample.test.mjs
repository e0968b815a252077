// "Try with sample data": the built-in set from `gen-data --preset sample`,
// served from public/sample/, gives a complete report equal to the CLI's.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { FILES, SAMPLE_DIR, cliReport } from "./helpers.mjs";
import { StoreUptimePage, useChromium } from "./store-uptime-page.mjs";

const chromium = useChromium();

test("sample data gives a complete report equal to the CLI's", async () => {
  const app = await StoreUptimePage.open(chromium.browser);
  assert.equal(await app.loadSample(), "Complete");
  assert.equal((await app.summaryStores.innerText()).trim(), "300");
  assert.match(await app.summaryNow.innerText(), /UTC/);
  assert.match(await app.summaryUptime.innerText(), /^\d+\.\d\d %$/);
  const file = await app.downloadCsv();
  assert.ok(file.bytes.equals(cliReport(FILES.map((f) => join(SAMPLE_DIR, f)))));
  // The sample has all three kinds, so no file-level default applies.
  assert.deepEqual(await app.fileKinds.allTextContents(), ["Status polls", "Business hours", "Timezones"]);
  assert.deepEqual(app.errors, []);
  await app.close();
});
