#!/usr/bin/env bash
# Sets everything up (skipping what is installed) and runs every test: formatting, lints,
# native unit/integration/property/differential tests (with a replay of the fuzz corpus),
# the wasm build of the engine, the real-browser tests, and a short fuzz run per target
# (FUZZ_SECONDS, default 60).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
# Each step prints the minutes:seconds since the start, so a slow CI run shows where it went.
step() { printf '\n==> [%d:%02d] %s\n' $((SECONDS / 60)) $((SECONDS % 60)) "$*" >&2; }

step "cargo fmt --check"
cargo fmt --all --check
# --workspace: the library (engine, worker, CLI) and the page's crate (app/).
step "cargo clippy (native, all targets)"
cargo clippy --locked --workspace --all-targets -- -D warnings
step "cargo clippy (wasm32: engine, page, worker, wasm tests, the wasm bench harness)"
cargo clippy --locked --target wasm32-unknown-unknown --workspace --lib --bins --example wasm_phases --test worker_slices -- -D warnings
step "native tests (the page's words and formats too)"
cargo test --locked --workspace
if [ -x scripts/browser-tests.sh ]; then
  step "browser tests"
  ./scripts/browser-tests.sh
fi
step "fuzz smoke run"
./scripts/fuzz-smoke.sh
step "all tests passed"
