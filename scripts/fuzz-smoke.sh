#!/usr/bin/env bash
# A short fuzz run of every target, starting from the committed corpus; new inputs
# go to a temporary folder, so the repository is left as it was. A crash fails the run and
# leaves its input in fuzz/artifacts/<target>/ (make it a regression test: fuzz/README.md).
# Needs the nightly toolchain and cargo-fuzz (scripts/setup.sh installs cargo-fuzz when
# nightly is there). FUZZ_SECONDS sets the time per target (default 20: a smoke run that keeps
# CI under its time budget; long campaigns are in fuzz/README.md).
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
export PATH="$HOME/.cargo/bin:$PATH"
seconds=${FUZZ_SECONDS:-20}

if ! rustup run nightly rustc --version >/dev/null 2>&1 || ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzz-smoke.sh: needs the nightly toolchain and cargo-fuzz (see fuzz/README.md)" >&2
  exit 1
fi

cargo +nightly fuzz build -O -a -s none
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for target in rows classify engine; do
  printf '\n==> fuzzing %s for %s s\n' "$target" "$seconds" >&2
  mkdir -p "$work/$target" "artifacts/$target"
  cargo +nightly fuzz run -O -a -s none "$target" "$work/$target" "corpus/$target" -- \
    -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="artifacts/$target/" 2>"$work/$target.log" || {
    tail -n 40 "$work/$target.log" >&2
    echo "fuzz-smoke.sh: $target found a failure (input in fuzz/artifacts/$target/)" >&2
    exit 1
  }
  grep -E 'stat::number_of_executed_units|stat::average_exec_per_sec' "$work/$target.log" >&2
done
