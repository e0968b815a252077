//! File classification and the whole ingest on arbitrary bytes: never a panic; a rejected
//! file says why in words.
#![no_main]

use libfuzzer_sys::fuzz_target;
use store_uptime::engine::Ingest;

fuzz_target!(|data: &[u8]| {
    let mut ingest = Ingest::new();
    let file = ingest.open_file("fuzz.bin");
    let pushed = ingest.push(file, data);
    let closed = ingest.close_file(file).map(|s| s.kind);
    match (pushed, closed) {
        (Ok(()), Ok(kind)) => assert!(kind.is_some(), "an accepted file has a kind"),
        (Err(problem), _) | (_, Err(problem)) => assert!(problem.to_string().starts_with("fuzz.bin: ")),
    }
    let _ = ingest.finish();
});
