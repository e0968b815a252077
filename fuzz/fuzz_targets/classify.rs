//! File classification and the whole ingest on arbitrary bytes: never a panic; a rejected
//! file says why in words.
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::classify(data));
