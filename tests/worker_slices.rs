//! The worker's file reading (`worker::slices`) in a real dedicated worker of headless
//! chromium: `FileReaderSync` exists only there. Slices of any size must hand the engine
//! exactly the file's bytes, so the report equals one made from the whole file.
//!
//! Run: `cargo test --target wasm32-unknown-unknown --test worker_slices` (see
//! scripts/browser-tests.sh); natively this file is empty.
#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Uint8Array};
use store_uptime::engine::Ingest;
use store_uptime::messages::{inspect_header, run_in_memory, InputKind, JobOptions, Outcome};
use store_uptime::worker::job::ReadAhead;
use store_uptime::worker::slices::{
    read_head, BlobSlices, PrefetchSlices, ReaderPool, ReaderSlices, FIRST_READ_MEASURE,
};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;
use web_sys::Blob;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

fn blob(bytes: &[u8]) -> Blob {
    let parts: Array = std::iter::once(Uint8Array::from(bytes)).collect();
    Blob::new_with_u8_array_sequence(&parts).unwrap()
}

/// A status file with a BOM, CRLF, a quoted id with a comma, multi-byte characters and no
/// final newline: every boundary a slice can split.
const STATUS: &str = "\u{feff}store_id,status,timestamp_utc\r\n\
    \"a,1\",active,2024-10-14 10:00:00 UTC\r\n\
    ünï,inactive,2024-10-14 11:00:00\r\n\
    ünï,active,2024-10-14 11:30:00.5 UTC\r\n\
    b,bogus,2024-10-14 12:00:00";

const HOURS: &str = "store_id,day,start_time_local,end_time_local\nünï,0,09:00,17:00\n";

fn read_all(blob: &Blob, slice: u32) -> Vec<u8> {
    let mut slices = BlobSlices::new(blob, slice).unwrap();
    let (mut all, mut buf) = (Vec::new(), Vec::new());
    while slices.next_into(&mut buf).unwrap() {
        assert!(buf.len() as u32 <= slice);
        all.extend_from_slice(&buf);
    }
    assert_eq!(slices.offset(), slices.size());
    all
}

#[wasm_bindgen_test]
fn slices_of_any_size_give_back_exactly_the_bytes() {
    let bytes = STATUS.as_bytes();
    let b = blob(bytes);
    for slice in [1, 2, 3, 5, 7, 64, 1 << 20] {
        assert_eq!(read_all(&b, slice), bytes, "slice size {slice}");
    }
}

/// The worker's reader (`PrefetchSlices`, one read ahead) hands out the same bytes.
#[wasm_bindgen_test]
async fn prefetched_slices_of_any_size_give_back_exactly_the_bytes() {
    let bytes = STATUS.as_bytes();
    let b = blob(bytes);
    for slice in [1, 2, 3, 5, 7, 64, 1 << 20] {
        let mut slices = PrefetchSlices::new(&b, slice).unwrap();
        let (mut all, mut buf) = (Vec::new(), Vec::new());
        while slices.next_into(&mut buf).await.unwrap() {
            assert!(buf.len() as u32 <= slice);
            all.extend_from_slice(&buf);
            assert_eq!(slices.offset(), all.len() as u64);
        }
        assert_eq!(all, bytes, "slice size {slice}");
        assert_eq!(slices.offset(), slices.size());
    }
    let mut empty = PrefetchSlices::new(&blob(b""), 8).unwrap();
    let mut buf = vec![1, 2, 3];
    assert!(!empty.next_into(&mut buf).await.unwrap());
    assert!(buf.is_empty());
}

/// A script as a `blob:` URL, so a worker can be started from it in the test runner.
fn script_url(source: &str) -> String {
    let parts: Array = std::iter::once(JsValue::from_str(source)).collect();
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/javascript");
    let script = Blob::new_with_str_sequence_and_options(&parts, &options).unwrap();
    web_sys::Url::create_object_url_with_blob(&script).unwrap()
}

async fn read_all_from(slices: &mut ReaderSlices, slice: u32) -> Vec<u8> {
    let (mut all, mut buf) = (Vec::new(), Vec::new());
    while slices.next_into(&mut buf).await.unwrap() {
        assert!(buf.len() as u32 <= slice);
        all.extend_from_slice(&buf);
        assert_eq!(slices.offset(), all.len() as u64);
    }
    assert_eq!(slices.offset(), slices.size());
    all
}

/// The worker's reader: `public/reader.js` on a thread of its own, slices transferred back.
#[wasm_bindgen_test]
async fn the_reader_worker_gives_back_exactly_the_bytes() {
    let url = script_url(include_str!("../public/reader.js"));
    let bytes = STATUS.as_bytes();
    let b = blob(bytes);
    let mut pool = ReaderPool::default();
    for slice in [1, 3, 7, 64, 1 << 20] {
        let mut slices = ReaderSlices::new(&b, slice, &url, &mut pool);
        assert_eq!(
            read_all_from(&mut slices, slice).await,
            bytes,
            "slice {slice}"
        );
        assert!(slices.uses_reader(), "slice {slice}: fell back");
    }
    let mut empty = ReaderSlices::new(&blob(b""), 8, &url, &mut pool);
    let mut buf = vec![1, 2, 3];
    assert!(!empty.next_into(&mut buf).await.unwrap());
    assert!(buf.is_empty());
}

/// From a byte in the middle (the part worker's half of a file), the reader gives the rest
/// exactly, each slice full but the last: it reads the file as a stream into buffers given
/// back and filled again, and a read from the stream may return fewer bytes than asked.
#[wasm_bindgen_test]
async fn the_reader_worker_reads_from_any_byte_in_full_slices() {
    let url = script_url(include_str!("../public/reader.js"));
    let bytes = STATUS.as_bytes();
    let b = blob(bytes);
    let mut pool = ReaderPool::default();
    for (start, slice) in [(0, 5), (1, 7), (bytes.len() / 2, 64), (bytes.len() - 1, 3)] {
        let mut slices = ReaderSlices::starting_at(&b, start as u64, slice, &url, &mut pool);
        let mut buf = Vec::new();
        let mut sizes = Vec::new();
        let mut all = Vec::new();
        while slices.next_into(&mut buf).await.unwrap() {
            sizes.push(buf.len());
            all.extend_from_slice(&buf);
        }
        assert_eq!(all, &bytes[start..], "from {start}");
        let (last, full) = sizes.split_last().unwrap();
        assert!(full.iter().all(|&n| n == slice as usize), "{sizes:?}");
        assert!((1..=slice as usize).contains(last), "{sizes:?}");
        assert!(slices.uses_reader());
    }
}

/// Each file's first slice, and only it, leaves a User Timing measure of how long the reader
/// waited on the browser's read (the benchmark's "reader first read").
#[wasm_bindgen_test]
async fn a_files_first_slice_records_how_long_the_reader_waited_for_it() {
    let url = script_url(include_str!("../public/reader.js"));
    let performance: web_sys::Performance =
        js_sys::Reflect::get(&js_sys::global(), &"performance".into())
            .unwrap()
            .into();
    performance.clear_measures_with_measure_name(FIRST_READ_MEASURE);
    let bytes = STATUS.as_bytes();
    let mut pool = ReaderPool::default();
    for slice in [5, 64] {
        let mut slices = ReaderSlices::new(&blob(bytes), slice, &url, &mut pool);
        assert_eq!(read_all_from(&mut slices, slice).await, bytes);
    }
    let measures = performance.get_entries_by_name(FIRST_READ_MEASURE);
    assert_eq!(measures.length(), 2, "one per file, not per slice");
    for measure in measures.iter() {
        let duration = js_sys::Reflect::get(&measure, &"duration".into())
            .unwrap()
            .as_f64()
            .unwrap();
        assert!(duration.is_finite() && duration >= 0.0, "{duration}");
    }
}

/// A file read ahead (while the owner has not pressed Generate yet) is handed only to the
/// job of that very file (its token), from its first byte, once; a later file replaces it.
#[wasm_bindgen_test]
async fn a_file_read_ahead_goes_only_to_its_own_job() {
    let url = script_url(include_str!("../public/reader.js"));
    let (first, second) = (STATUS.as_bytes(), HOURS.as_bytes());
    let mut pool = ReaderPool::default();
    let mut ahead = ReadAhead::default();
    let mut read_ahead = |ahead: &mut ReadAhead<ReaderSlices>, token, bytes| {
        ahead.start(token, ReaderSlices::new(&blob(bytes), 7, &url, &mut pool));
    };
    read_ahead(&mut ahead, 1, first);
    assert!(ahead.take(2).is_none(), "another file's token");
    let mut slices = ahead.take(1).expect("its own token");
    assert_eq!(read_all_from(&mut slices, 7).await, first);
    assert!(ahead.take(1).is_none(), "handed out once");

    read_ahead(&mut ahead, 1, first);
    read_ahead(&mut ahead, 2, second);
    assert!(ahead.take(1).is_none(), "replaced by the later file");
    let mut slices = ahead.take(2).expect("the later file");
    assert_eq!(read_all_from(&mut slices, 7).await, second);

    read_ahead(&mut ahead, 3, first);
    ahead.stop();
    assert!(ahead.take(3).is_none(), "stopped");
}

/// A reader that cannot start, or fails after one slice, costs nothing but speed: reading
/// goes on in this worker from where the reader stopped.
#[wasm_bindgen_test]
async fn without_a_working_reader_the_bytes_are_the_same() {
    let bytes = STATUS.as_bytes();
    let b = blob(bytes);
    let mut pool = ReaderPool::default();
    let mut missing = ReaderSlices::new(&b, 7, "no-such-reader.js", &mut pool);
    assert_eq!(read_all_from(&mut missing, 7).await, bytes);
    assert!(!missing.uses_reader());

    let one_then_fail = script_url(
        "onmessage = async ({ data }) => {
           if (data.more) return;
           const end = Math.min(data.slice, data.blob.size);
           const bytes = await data.blob.slice(0, end).arrayBuffer();
           postMessage({ bytes, length: end, end }, [bytes]);
           postMessage({ error: 'NotReadableError: gone' });
         };",
    );
    let mut failing = ReaderSlices::new(&b, 7, &one_then_fail, &mut pool);
    assert_eq!(read_all_from(&mut failing, 7).await, bytes);
    assert!(!failing.uses_reader());

    let throws = script_url("throw new Error('broken reader');");
    let mut broken = ReaderSlices::new(&b, 5, &throws, &mut pool);
    assert_eq!(read_all_from(&mut broken, 5).await, bytes);

    // The spare left behind is for the broken script: a good reader must still be used.
    let good = script_url(include_str!("../public/reader.js"));
    let mut after = ReaderSlices::new(&b, 5, &good, &mut pool);
    assert_eq!(read_all_from(&mut after, 5).await, bytes);
    assert!(
        after.uses_reader(),
        "a broken spare for another script is not reused"
    );
}

#[wasm_bindgen_test]
fn an_empty_blob_has_no_slice() {
    let mut slices = BlobSlices::new(&blob(b""), 8).unwrap();
    let mut buf = vec![1, 2, 3];
    assert!(!slices.next_into(&mut buf).unwrap());
    assert!(buf.is_empty());
}

#[wasm_bindgen_test]
async fn the_head_says_whether_it_is_the_whole_file_and_the_engine_names_its_kind() {
    let (head, complete) = read_head(&blob(HOURS.as_bytes()), 1 << 20).await.unwrap();
    assert!(complete);
    assert_eq!(
        inspect_header("h.csv", &head, complete),
        Ok(Some(InputKind::Hours))
    );
    let (head, complete) = read_head(&blob(STATUS.as_bytes()), 20).await.unwrap();
    assert!(!complete);
    assert_eq!(head.len(), 20);
    assert_eq!(inspect_header("s.csv", &head, complete), Ok(None));
}

#[wasm_bindgen_test]
fn slice_by_slice_ingest_gives_the_same_report_as_whole_files() {
    let files = [("status.csv", STATUS), ("hours.csv", HOURS)];
    let options = JobOptions {
        extended: true,
        ..JobOptions::default()
    };
    let whole: Vec<(&str, &[u8])> = files.iter().map(|(n, t)| (*n, t.as_bytes())).collect();
    let expected = run_in_memory(&whole, &options).unwrap();
    for slice in [1, 3, 16, 1 << 20] {
        let mut ingest = Ingest::new();
        for (name, text) in files {
            let file = ingest.open_file(name);
            let mut slices = BlobSlices::new(&blob(text.as_bytes()), slice).unwrap();
            let mut buf = Vec::new();
            while slices.next_into(&mut buf).unwrap() {
                ingest.push(file, &buf).unwrap();
            }
            ingest.close_file(file).unwrap();
        }
        let data = ingest.finish();
        let report =
            store_uptime::engine::analyse(&data, options.to_engine().unwrap(), &mut |_| {
                std::ops::ControlFlow::Continue(())
            })
            .unwrap();
        let outcome = Outcome::new(&report, &data, true);
        assert_eq!(outcome, expected, "slice size {slice}");
        assert_eq!(outcome.summary.rows_skipped, 1);
    }
}

/// A storage or read error names its kind: a DOMException is also an `Error`, and its name
/// (`QuotaExceededError`) was lost when the `Error` branch came first.
#[wasm_bindgen_test]
fn error_text_keeps_a_dom_exceptions_name() {
    use store_uptime::web::js_error_text;
    let quota =
        web_sys::DomException::new_with_message_and_name("the disk is full", "QuotaExceededError")
            .unwrap();
    assert_eq!(
        js_error_text(&quota.into()),
        "QuotaExceededError: the disk is full"
    );
    let plain = js_sys::Error::new("plain");
    assert_eq!(js_error_text(&plain.into()), "plain");
}
