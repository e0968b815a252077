// Trunk post_build hook (Trunk.toml): finishes the staged dist/ before Trunk moves it.
// 1. index.html: puts the SHA-256 of each inline <script> into the CSP, so exactly Trunk's
//    start-up script may run and nothing else inline.
// 2. sw.js: writes the list of app-shell files and a version (a hash of all of them), so
//    the service worker caches this build and replaces the previous one.
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync, readdirSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";

const staging = process.env.TRUNK_STAGING_DIR;
if (!staging) {
  console.error("post-build.mjs: TRUNK_STAGING_DIR is not set (run by trunk build)");
  process.exit(1);
}

const indexPath = join(staging, "index.html");
let html = readFileSync(indexPath, "utf8");
const hashes = [];
for (const match of html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)) {
  hashes.push(`'sha256-${createHash("sha256").update(match[1], "utf8").digest("base64")}'`);
}
if (!html.includes("INLINE_SCRIPT_HASHES")) {
  console.error("post-build.mjs: index.html has no INLINE_SCRIPT_HASHES placeholder in its CSP");
  process.exit(1);
}
html = html.replace("INLINE_SCRIPT_HASHES", hashes.join(" "));
writeFileSync(indexPath, html);

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}
const files = walk(staging)
  .map((path) => relative(staging, path).split(sep).join("/"))
  .filter((path) => path !== "sw.js")
  .sort();
const version = createHash("sha256");
for (const file of files) {
  version.update(file).update(readFileSync(join(staging, file)));
}
const shell = ["./", ...files.map((f) => "./" + f)];
const swPath = join(staging, "sw.js");
const sw = readFileSync(swPath, "utf8")
  .replace('"BUILD_VERSION"', JSON.stringify(version.digest("hex").slice(0, 16)))
  .replace('["BUILD_SHELL_FILES"]', JSON.stringify(shell));
writeFileSync(swPath, sw);
console.log(`post-build.mjs: ${hashes.length} inline script hash(es), ${shell.length} files in the service worker's cache`);
