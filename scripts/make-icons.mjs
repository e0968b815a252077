// Renders the installable app's icons (public/icons/) from public/favicon.svg, with
// Debian's chromium through playwright-core: nothing is downloaded, and running it again
// gives the same files. Run `node scripts/make-icons.mjs` after changing the favicon and
// check the PNGs in; the build only copies them.
//   icon.svg                the favicon itself, for browsers that take SVG icons
//   icon-192.png, -512.png  "any": the rounded square on a transparent background
//   icon-maskable-*.png     "maskable": full bleed, the mark inside the central 80 % circle
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";

const ROOT = resolve(import.meta.dirname, "..");
const OUT = join(ROOT, "public", "icons");
const favicon = readFileSync(join(ROOT, "public", "favicon.svg"), "utf8");

// The favicon's mark (its path), on a full square, scaled into the maskable safe zone.
const mark = favicon.match(/<path[^>]*\/>/)?.[0];
if (!mark) throw new Error("public/favicon.svg has no <path/>: update make-icons.mjs");
const background = favicon.match(/<rect[^>]*fill="([^"]+)"/)?.[1] ?? "#1f6f5c";
const maskable =
  `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" fill="${background}"/>` +
  `<g transform="translate(16 16) scale(0.72) translate(-16 -17.5)">${mark}</g></svg>`;

const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu"] });
try {
  const page = await browser.newPage({ deviceScaleFactor: 1 });
  for (const [name, svg] of [["icon", favicon], ["icon-maskable", maskable]]) {
    for (const size of [192, 512]) {
      await page.setViewportSize({ width: size, height: size });
      const src = `data:image/svg+xml;base64,${Buffer.from(svg).toString("base64")}`;
      await page.setContent(`<body style="margin:0;background:transparent"><img src="${src}" width="${size}" height="${size}" style="display:block"></body>`);
      await page.locator("img").evaluate((img) => img.decode());
      const png = await page.screenshot({ omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } });
      writeFileSync(join(OUT, `${name}-${size}.png`), png);
    }
  }
} finally {
  await browser.close();
}
writeFileSync(join(OUT, "icon.svg"), favicon);
console.log(`make-icons.mjs: wrote icon.svg and 4 PNGs to ${OUT}`);
