// The engine's phases in WebAssembly under Node (examples/wasm_phases.rs): ingest in 8 MiB
// slices as the page reads them, grouping, analysis + report CSV. Each run is a process of
// its own (fresh wasm memory, as in a fresh page); prints each run and the per-phase
// minimum. For comparing engine builds in wasm without the browser's file reading.
//
//   cargo build --release --target wasm32-unknown-unknown --example wasm_phases
//   wasm-bindgen --target nodejs --out-dir /tmp/wasm-phases \
//     target/wasm32-unknown-unknown/release/examples/wasm_phases.wasm
//   node scripts/wasm-phases.mjs [--runs 5] [--module /tmp/wasm-phases/wasm_phases.js] FILES
import { execFileSync } from "node:child_process";
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { basename } from "node:path";
import { performance } from "node:perf_hooks";

const SLICE = 8 << 20;
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at < 0 ? fallback : args.splice(at, 2)[1];
};
const runs = Number(option("--runs", "5"));
const module = option("--module", "/tmp/wasm-phases/wasm_phases.js");
const once = args[0] === "--once" && args.shift();
const files = args;

if (once) {
  const engine = createRequire(import.meta.url)(module);
  const buf = Buffer.allocUnsafe(SLICE);
  engine.warm_up();
  // As the page's worker, which is ready a while before the owner's files arrive: time
  // for V8 to finish optimising in the background.
  await new Promise((resolve) => setTimeout(resolve, 500));
  engine.start();
  let t = performance.now();
  for (const path of files) {
    const file = engine.open(basename(path), statSync(path).size);
    const fd = openSync(path, "r");
    let n;
    let read = 0;
    // Reading is timed apart and left out, as the page's read wait is.
    while (true) {
      const r0 = performance.now();
      n = readSync(fd, buf, 0, SLICE, null);
      read += performance.now() - r0;
      if (n === 0) break;
      engine.push(file, buf.subarray(0, n));
    }
    closeSync(fd);
    engine.close(file);
    t += read;
  }
  const ingest = performance.now() - t;
  t = performance.now();
  const counts = engine.finish();
  const finish = performance.now() - t;
  t = performance.now();
  const bytes = engine.report();
  const report = performance.now() - t;
  console.log(JSON.stringify({ ingest, finish, report, counts, bytes }));
} else {
  const results = [];
  for (let i = 0; i < runs; i++) {
    const out = execFileSync(process.execPath, [new URL(import.meta.url).pathname, "--module", module, "--once", ...files], { encoding: "utf8" });
    const r = JSON.parse(out);
    results.push(r);
    console.log(`run ${i + 1}: ingest ${r.ingest.toFixed(0)} ms, finish ${r.finish.toFixed(0)} ms, analysis+CSV ${r.report.toFixed(0)} ms (${r.counts}, ${r.bytes} bytes of CSV)`);
  }
  const min = (k) => Math.min(...results.map((r) => r[k]));
  const total = min("ingest") + min("finish") + min("report");
  console.log(`min of ${runs}: ingest ${min("ingest").toFixed(0)} ms, finish ${min("finish").toFixed(0)} ms, analysis+CSV ${min("report").toFixed(0)} ms, total ${total.toFixed(0)} ms`);
}
