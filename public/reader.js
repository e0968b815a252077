// Store uptime's file reader: a tiny worker the engine worker starts for each input file.
// Chromium copies a `Blob.arrayBuffer()` read in on the reading thread itself, so reads
// made by the engine's own thread wait while it parses; read here, on a thread of its own,
// they overlap the parsing (1× set: ~0.2 s less, BENCHMARKS.md). Never parses, never sends
// anything anywhere but back to the engine worker. See src/worker/slices.rs (ReaderSlices).
//
// Protocol: {blob, start, slice, ahead} starts reading at byte `start`; each slice comes back
// as {bytes, end} with `bytes` transferred (not copied); "more" lets one more slice be sent
// (at most `ahead` unanswered, so memory stays bounded); {done: true} at the end;
// {error: "Name: message"} if a read fails.
"use strict";

/** Reads in flight at once: two keep the browser's file thread busy between answers. */
const PARALLEL = 2;

let credits = 0;
let wake = null;

onmessage = ({ data }) => {
  if (data === "more") {
    credits += 1;
    if (wake) {
      wake();
      wake = null;
    }
    return;
  }
  read(data).catch((e) => postMessage({ error: e && e.name ? `${e.name}: ${e.message}` : String(e) }));
};

async function read({ blob, start, slice, ahead }) {
  credits = ahead;
  const reads = [];
  let next = start;
  while (next < blob.size || reads.length > 0) {
    while (reads.length < PARALLEL && next < blob.size) {
      const end = Math.min(next + slice, blob.size);
      reads.push(blob.slice(next, end).arrayBuffer().then((bytes) => ({ bytes, end })));
      next = end;
    }
    const { bytes, end } = await reads.shift();
    while (credits <= 0) await new Promise((resolve) => (wake = resolve));
    credits -= 1;
    postMessage({ bytes, end }, [bytes]);
  }
  postMessage({ done: true });
}
