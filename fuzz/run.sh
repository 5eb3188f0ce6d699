#!/usr/bin/env bash
# Fuzzes the notice importer for FUZZ_SECONDS (default 60), starting from the
# user's documents and the Word fixture. Exits non-zero if an input crashes
# it; the input is then in fuzz/artifacts/import/.
# Stable Rust only: RUSTC_BOOTSTRAP lets cargo-fuzz pass its -Z flags.
set -euo pipefail
cd "$(dirname "$0")"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
mkdir -p corpus/import
cp ../tests/fixtures/seeds/* ../tests/fixtures/*.docx corpus/import/
RUSTC_BOOTSTRAP=1 cargo fuzz run import --sanitizer none corpus/import \
  -- -max_total_time="${FUZZ_SECONDS:-60}" -timeout=5 -rss_limit_mb=2048
