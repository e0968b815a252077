//! Replays the committed fuzz corpus (fuzz/corpus/<target>/, minimised) and every crash the
//! fuzzer ever found (fuzz/regressions/<target>/) through the fuzz targets' own checks, on
//! stable Rust: what the fuzzer learnt stays tested without nightly. Fuzzing itself:
//! fuzz/README.md.
#![cfg(not(target_arch = "wasm32"))]

#[path = "../fuzz/checks.rs"]
mod checks;

use std::path::Path;

/// Runs `check` on every file under fuzz/<dir>/<target>; returns how many there were.
fn replay(dir: &str, target: &str, check: fn(&[u8])) -> usize {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz")
        .join(dir)
        .join(target);
    let Ok(entries) = std::fs::read_dir(&folder) else {
        return 0;
    };
    let mut count = 0;
    for entry in entries {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let outcome = std::panic::catch_unwind(|| check(&bytes));
        assert!(outcome.is_ok(), "{} fails its fuzz check", path.display());
        count += 1;
    }
    count
}

#[test]
fn rows_corpus_passes() {
    assert!(
        replay("corpus", "rows", checks::rows) > 100,
        "the rows corpus is committed"
    );
    replay("regressions", "rows", checks::rows);
}

#[test]
fn classify_corpus_passes() {
    assert!(
        replay("corpus", "classify", checks::classify) > 100,
        "the classify corpus is committed"
    );
    replay("regressions", "classify", checks::classify);
}

#[test]
fn engine_corpus_passes() {
    assert!(
        replay("corpus", "engine", checks::engine) > 100,
        "the engine corpus is committed"
    );
    replay("regressions", "engine", checks::engine);
}
