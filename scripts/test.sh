#!/usr/bin/env bash
# Sets everything up (skipping what is installed) and runs every test: formatting, lints,
# native unit/integration/property/differential tests, the wasm build of the engine, and —
# once the page exists — the real-browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
step() { printf '\n==> %s\n' "$*" >&2; }

step "cargo fmt --check"
cargo fmt --all --check
step "cargo clippy (native, all targets)"
cargo clippy --locked --all-targets -- -D warnings
step "engine builds for wasm32"
cargo build --locked --target wasm32-unknown-unknown --lib
step "native tests"
cargo test --locked
if [ -x scripts/browser-tests.sh ]; then
  step "browser tests"
  ./scripts/browser-tests.sh
fi
step "all tests passed"
