#!/usr/bin/env bash
# Sets everything up (skipping what is installed), builds the page and serves it on
# http://127.0.0.1:8080 — offline: no tool or asset is downloaded.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
export PATH="$PWD/node_modules/.bin:$PATH" TRUNK_SKIP_VERSION_CHECK=true
exec trunk serve --release --offline --address 127.0.0.1 --port 8080
