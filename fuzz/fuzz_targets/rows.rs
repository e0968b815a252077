//! Row parsers: a valid header of one of the three layouts, then arbitrary bytes, pushed in
//! arbitrary chunks. Every data row must end up either valid or skipped, never lost.
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::rows(data));
