#!/usr/bin/env bash
# The browser benchmark (BENCHMARKS.md): builds the release page offline, generates the 1× and 10×
# data sets once (bench-data/, git-ignored), serves dist/ compressed on 127.0.0.1 and drives
# Debian's chromium (scripts/bench-browser.mjs): files → Complete time, peak wasm memory, longest
# main-thread task, longest wait between progress updates, first-load bytes, and whether the
# page's CSV equals the CLI's byte for byte. Needs what scripts/setup.sh installs.
#
#   ./scripts/bench-browser.sh [--runs N] [--sets "public public10"] [--native] [--playwright-click]
#     --runs N    runs per data set (default 5); figures are medians
#     --playwright-click   Playwright presses Generate once it sees the files recognised
#                 (adds the harness's own latency); by default the page probe presses it the moment
#                 it is enabled
#     --sets      which sets: public (1×, 1.8 M polls, 142 MB), public10 (10×, 18 M polls, 1.4 GB)
#     --native    also run `cargo bench --bench pipeline` (the CLI's figures) first
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH" TRUNK_SKIP_VERSION_CHECK=true
step() { printf '\n==> %s\n' "$*" >&2; }

runs=5
sets="public public10"
native=0
click=()
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --sets) sets="$2"; shift 2 ;;
    --native) native=1; shift ;;
    --playwright-click) click=(--playwright-click); shift ;;
    *) echo "usage: $0 [--runs N] [--sets \"public public10\"] [--native] [--playwright-click]" >&2; exit 2 ;;
  esac
done

step "CLI and data generator"
cargo build --locked --release --bin store-uptime --bin gen-data

if [ "$native" = 1 ]; then
  step "native benchmark (cargo bench --bench pipeline)"
  cargo bench --locked --bench pipeline
fi

step "release build of the page (trunk, offline)"
cargo fetch --locked
trunk build --release --offline

args=()
for set in $sets; do
  case "$set" in
    public) gen=(--preset public) ;;
    # The public set's shape with ten times the stores: ≈ 18 M polls, 1.4 GB.
    public10) gen=(--preset public --stores 140000) ;;
    *) echo "unknown set $set (public or public10)" >&2; exit 2 ;;
  esac
  dir="bench-data/$set"
  if [ ! -s "$dir/timezones.csv" ]; then
    step "generating $dir (gen-data ${gen[*]})"
    mkdir -p "$dir"
    target/release/gen-data "${gen[@]}" --out "$dir"
  fi
  args+=("$set=$PWD/$dir")
done

step "browser benchmark: $runs run(s) per set (load now: $(cut -d' ' -f1-3 /proc/loadavg))"
DIST_DIR="$PWD/dist" CLI="$PWD/target/release/store-uptime" \
  node scripts/bench-browser.mjs --runs "$runs" "${click[@]}" "${args[@]}"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
