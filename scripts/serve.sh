#!/usr/bin/env bash
# Sets up what serving needs (skipping what is installed), builds the page once and serves
# dist/ on http://127.0.0.1:8080 (PORT changes it) — offline: no tool or asset is downloaded.
#
# A plain build followed by a static server that does not watch files: `trunk serve`'s
# watcher can panic during a cold first build and leave nothing listening (seen on a fresh
# machine), and an owner only needs the page. For a rebuilding dev loop: scripts/dev.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh serve
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH" TRUNK_SKIP_VERSION_CHECK=true
port="${PORT:-8080}"
printf '\n==> building the page (trunk build --release --offline)\n' >&2
cargo fetch --locked
trunk build --release --offline
printf '\n==> serving dist/ (Ctrl-C stops)\n' >&2
exec node tests/browser/static-server.mjs dist "$port"
