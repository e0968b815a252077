// Store uptime's file reader: a tiny worker the engine worker starts for each input file.
// Chromium copies a `Blob.arrayBuffer()` read in on the reading thread itself, so reads
// made by the engine's own thread wait while it parses; read here, on a thread of its own,
// they overlap the parsing (1× set: ~0.2 s less, BENCHMARKS.md). Never parses, never sends
// anything anywhere but back to the engine worker. See src/worker/slices/reader.rs.
//
// Protocol: {blob, start, slice, ahead} starts reading at byte `start`; each slice comes back
// as {bytes, length, end, readMs} with the buffer `bytes` transferred (not copied; its first
// `length` bytes are the slice; `readMs`: how long this worker waited on the browser's file
// reads for it, which the engine worker's User Timing shows for a file's first slice);
// {more: buffer} lets one more slice be sent (at most `ahead` unanswered, so memory stays
// bounded) and gives a slice's buffer back to be filled again; {done: true} at the end;
// {error: "Name: message"} if a read fails.
//
// The file is read as a byte stream into buffers the engine worker hands back, where the
// browser supports it (`getReader({mode: "byob"})`): `Blob.arrayBuffer()` makes a new
// buffer per slice, which the browser must allocate, zero and later collect; read into the
// same few buffers, the 10× file cost the browser about a second less CPU time
// (docs/perf-log.md, "2026-12-01, day"), time the engine has on a two-core machine.
"use strict";

/** Reads in flight at once when reading slices: two keep the browser's file thread busy. */
const PARALLEL = 2;

let credits = 0;
let wake = null;
/** Buffers given back by the engine worker, to be filled again. */
const spare = [];

onmessage = ({ data }) => {
  if (data && data.more instanceof ArrayBuffer) {
    credits += 1;
    spare.push(data.more);
    if (wake) {
      wake();
      wake = null;
    }
    return;
  }
  read(data).catch((e) => postMessage({ error: e && e.name ? `${e.name}: ${e.message}` : String(e) }));
};

async function read(request) {
  credits = request.ahead;
  let stream = null;
  try {
    const part = request.start > 0 ? request.blob.slice(request.start) : request.blob;
    stream = part.stream().getReader({ mode: "byob" });
  } catch {
    return readSlices(request); // no byte streams here
  }
  await readStream(request, stream);
}

/** Waits for the engine worker to take a slice. */
async function credit() {
  while (credits <= 0) await new Promise((resolve) => (wake = resolve));
  credits -= 1;
}

async function readStream({ start, slice }, stream) {
  let end = start;
  for (;;) {
    await credit();
    let buffer = spare.pop();
    if (!buffer || buffer.byteLength !== slice) buffer = new ArrayBuffer(slice);
    // A read fills some of the view it is given and hands the buffer back (transferred).
    let length = 0;
    let done = false;
    const reading = performance.now();
    while (length < slice) {
      const got = await stream.read(new Uint8Array(buffer, length, slice - length));
      if (got.value) buffer = got.value.buffer;
      if (got.done) {
        done = true;
        break;
      }
      length += got.value.byteLength;
    }
    if (length > 0) {
      end += length;
      postMessage({ bytes: buffer, length, end, readMs: performance.now() - reading }, [buffer]);
    } else {
      credits += 1;
    }
    if (done) break;
  }
  postMessage({ done: true });
}

async function readSlices({ blob, start, slice }) {
  const reads = [];
  let next = start;
  while (next < blob.size || reads.length > 0) {
    while (reads.length < PARALLEL && next < blob.size) {
      const end = Math.min(next + slice, blob.size);
      const reading = performance.now();
      reads.push(blob.slice(next, end).arrayBuffer().then((bytes) => ({ bytes, end, readMs: performance.now() - reading })));
      next = end;
    }
    const { bytes, end, readMs } = await reads.shift();
    await credit();
    postMessage({ bytes, length: bytes.byteLength, end, readMs }, [bytes]);
  }
  postMessage({ done: true });
}
