// Checks that Trunk's two release builds (the page, app/Cargo.toml; the worker, the root
// package) use the same compiled dependencies: every library the worker's build links must
// be one the page's build links too, file for file. If a dependency differs (its features,
// its profile, or cargo's LTO setting for it), cargo compiles it twice: slower CI, and a
// sign that Cargo.toml's workspace notes no longer hold. Run after `trunk build --release`
// (both builds are then fresh and this takes seconds): node scripts/check-shared-deps.mjs
import { execFileSync } from "node:child_process";
import { basename } from "node:path";

/** The .rlib files one of Trunk's cargo builds links, from cargo's JSON messages. */
function rlibs(manifest, bin) {
  const out = execFileSync(
    "cargo",
    ["build", "--target=wasm32-unknown-unknown", "--manifest-path", manifest, "--release", "--offline", "--bin", bin, "--message-format=json"],
    { encoding: "utf8", maxBuffer: 64 << 20, stdio: ["ignore", "pipe", "inherit"] },
  );
  const files = new Set();
  for (const line of out.split("\n")) {
    if (!line.startsWith("{")) continue;
    const message = JSON.parse(line);
    if (message.reason !== "compiler-artifact") continue;
    for (const file of message.filenames) if (file.endsWith(".rlib")) files.add(basename(file));
  }
  return files;
}

const worker = rlibs("Cargo.toml", "worker");
const page = rlibs("app/Cargo.toml", "app");
const twice = [...worker].filter((file) => !page.has(file)).sort();
if (twice.length > 0) {
  console.error(`check-shared-deps: the worker's build compiles ${twice.length} libraries the page's build compiles differently:`);
  for (const file of twice) console.error(`  ${file}`);
  process.exit(1);
}
console.log(`check-shared-deps: the worker's ${worker.size} libraries are all the page's build's (${page.size})`);
