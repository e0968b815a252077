#!/usr/bin/env bash
# The browser tests: builds the release dist/ offline, serves it on 127.0.0.1
# with tests/browser/static-server.mjs, runs tests/browser/*.test.mjs with node's test runner
# in Debian's chromium (playwright-core), then the worker's wasm-bindgen tests in headless
# chromium (chromedriver). Needs what scripts/setup.sh installs.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH" TRUNK_SKIP_VERSION_CHECK=true
step() { printf '\n==> %s\n' "$*" >&2; }

step "CLI and data generator (the tests compare the page's CSV with the CLI's)"
cargo build --locked --release --bin store-uptime --bin gen-data

step "public/sample/ is what gen-data --preset sample writes"
sample_check=$(mktemp -d)
target/release/gen-data --preset sample --out "$sample_check" >/dev/null
for f in store_status.csv menu_hours.csv timezones.csv; do
  if ! cmp -s "$sample_check/$f" "public/sample/$f"; then
    echo "public/sample/$f is stale: run target/release/gen-data --preset sample --out public/sample" >&2
    rm -rf "$sample_check"
    exit 1
  fi
done
rm -rf "$sample_check"

step "release build of the page (trunk, offline)"
cargo fetch --locked
trunk build --release --offline

step "the page's and the worker's builds share every compiled dependency"
node scripts/check-shared-deps.mjs

work=$(mktemp -d)
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

step "serving dist/ on 127.0.0.1"
node tests/browser/static-server.mjs dist 0 >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do
  grep -q '^serving' "$work/server.log" 2>/dev/null && break
  sleep 0.1
done
BASE_URL=$(sed -n 's/^serving .* on \(http:[^ ]*\)$/\1/p' "$work/server.log")
if [ -z "$BASE_URL" ]; then
  cat "$work/server.log" >&2
  echo "browser-tests.sh: the static server did not start" >&2
  exit 1
fi
echo "$BASE_URL"

step "browser tests (node --test tests/browser/)"
BASE_URL="$BASE_URL" DIST_DIR="$PWD/dist" DATA_DIR="$work/data" \
  CLI="$PWD/target/release/store-uptime" GEN_DATA="$PWD/target/release/gen-data" \
  node --test --test-concurrency=1 tests/browser/

step "wasm-bindgen tests of the worker's file reading (headless chromium)"
cargo test --locked --target wasm32-unknown-unknown --test worker_slices
