#!/usr/bin/env bash
# Installs everything this project needs on a fresh machine of our kind (Debian, Rust 1.95,
# Node 20, reaching only the package registries), skipping whatever is already there.
# Safe to run again. Versions are pinned below and in Cargo.lock, package-lock.json and
# Trunk.toml (docs/app.md says why).
#
#   ./scripts/setup.sh          everything: what serving needs, and what only the tests use
#   ./scripts/setup.sh serve    only what building and serving the page needs (no nightly,
#                               cargo-fuzz or chromium), so the first serve is not kept waiting
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-all}" in
  serve) for_tests=0 ;;
  all | test) for_tests=1 ;;
  *) echo "usage: $0 [serve|all]" >&2; exit 2 ;;
esac

TRUNK_VERSION=0.21.14
step() { printf '\n==> %s\n' "$*" >&2; }
have() { command -v "$1" >/dev/null 2>&1; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

step "fetching crates (Cargo.lock as committed)"
cargo fetch --locked

# Trunk builds the page. 0.22 needs a newer rustc than this machine has.
if ! { have trunk && trunk --version | grep -q " $TRUNK_VERSION\$"; }; then
  step "installing trunk $TRUNK_VERSION (about 7.5 minutes on 2 cores)"
  cargo install trunk --version "$TRUNK_VERSION" --locked
fi

# wasm-bindgen-cli must equal Cargo.lock's wasm-bindgen exactly, or Trunk downloads one.
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3 }' Cargo.lock)
if [ -n "$WASM_BINDGEN_VERSION" ] && ! { have wasm-bindgen && wasm-bindgen --version | grep -q " $WASM_BINDGEN_VERSION\$"; }; then
  step "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 2.5 minutes)"
  # Its own lockfile pins a crate the registry no longer has: --locked fails, so fall back.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --locked ||
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

# npm: binaryen (wasm-opt 132 for the page's build; Debian's is broken) and playwright-core
# (drives chromium in the tests).
if [ -f package-lock.json ]; then
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    step "installing npm packages (package-lock.json)"
    npm ci --no-audit --no-fund
  fi
fi

if [ "$for_tests" = 0 ]; then
  step "setup for serving complete"
  exit 0
fi

# Fuzzing (scripts/fuzz-smoke.sh): cargo-fuzz and the nightly toolchain it needs, which
# machines of this kind come with (installed here only where missing).
CARGO_FUZZ_VERSION=0.13.2
if ! rustup run nightly rustc --version >/dev/null 2>&1; then
  step "installing the nightly toolchain (for cargo fuzz)"
  rustup toolchain install nightly --profile minimal
fi
if ! { cargo fuzz --version 2>/dev/null | grep -q " $CARGO_FUZZ_VERSION\$"; }; then
  step "installing cargo-fuzz $CARGO_FUZZ_VERSION"
  cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
fi

# Debian packages: chromium for the browser tests (never a downloaded browser), and
# GNU time, which the benchmarks use to read peak memory.
missing=()
have chromium || missing+=(chromium)
have chromedriver || missing+=(chromium-driver)
[ -x /usr/bin/time ] || missing+=(time)
if [ ${#missing[@]} -gt 0 ]; then
  step "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi
step "setup complete"
