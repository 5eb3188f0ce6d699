#!/usr/bin/env bash
# Fuzzes the notice importer for FUZZ_SECONDS (default 60), starting from the
# user's documents, the Word fixture and every file of the notice corpus
# (Markdown, text, Word, PDF, pdftotext text), and -layout text behind a PDF
# header. Built for fuzzing, the importer starts no pdftotext: an input
# beginning with %PDF stands in for pdftotext's output (see
# crates/core/src/kallelse/pdf.rs). Exits non-zero if an input crashes it;
# the input is then in fuzz/artifacts/import/.
# Stable Rust only: RUSTC_BOOTSTRAP lets cargo-fuzz pass its -Z flags.
set -euo pipefail
cd "$(dirname "$0")"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
mkdir -p corpus/import
cp ../tests/fixtures/seeds/* ../tests/fixtures/*.docx corpus/import/
# The notice corpus of issue 21, every format of it: tables, columns,
# numbers apart, the lines a page break leaves.
for f in ../tests/fixtures/corpus/*/kallelse.*; do
  cp "$f" "corpus/import/$(basename "$(dirname "$f")")-$(basename "$f")"
done
{ printf '%%PDF-1.7\n'; cat ../tests/fixtures/corpus/08-kommunfullmaktige/kallelse.layout.txt; } >corpus/import/corpus-08.pdf-text
RUSTC_BOOTSTRAP=1 cargo fuzz run import --sanitizer none corpus/import \
  -- -max_total_time="${FUZZ_SECONDS:-60}" -timeout=5 -rss_limit_mb=2048
