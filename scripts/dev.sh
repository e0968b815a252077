#!/usr/bin/env bash
# The developers' loop: trunk serve rebuilds and reloads the page when a file changes.
# Owners and first runs use scripts/serve.sh (a build, then a server that does not watch).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh serve
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH" TRUNK_SKIP_VERSION_CHECK=true
cargo fetch --locked
exec trunk serve --release --offline --address 127.0.0.1 --port "${PORT:-8080}"
