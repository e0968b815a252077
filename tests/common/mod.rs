//! Helpers shared by the integration tests that run the binary on files.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// A fresh scratch directory unique to one test of this process.
pub fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("store-uptime-test-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes `bytes` to `dir/name` and returns the path as a string argument.
pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.to_string_lossy().into_owned()
}
