//! The whole engine on structured three-file inputs near DST changes, so the fuzzer reaches
//! business time and interpolation, not just the CSV layer. Checks SPEC §6's invariant.
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::engine(data));
