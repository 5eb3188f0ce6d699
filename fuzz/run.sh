#!/usr/bin/env bash
# Fuzzes the notice importer for FUZZ_SECONDS (default 60), starting from the
# user's documents, the Word fixture and a few of the corpus's formats (a
# Word file made from text, a PDF, pdftotext -layout text, and that text
# behind a PDF header). Built for fuzzing, the importer starts no pdftotext:
# an input beginning with %PDF stands in for pdftotext's output (see
# crates/core/src/kallelse/pdf.rs). Exits non-zero if an input crashes it;
# the input is then in fuzz/artifacts/import/.
# Stable Rust only: RUSTC_BOOTSTRAP lets cargo-fuzz pass its -Z flags.
set -euo pipefail
cd "$(dirname "$0")"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
mkdir -p corpus/import
cp ../tests/fixtures/seeds/* ../tests/fixtures/*.docx corpus/import/
corpus=../tests/fixtures/corpus
cp "$corpus/11-valnamnd/kallelse.docx" corpus/import/corpus-11.docx
cp "$corpus/04-byggnadsnamnd/kallelse.pdf" corpus/import/corpus-04.pdf
cp "$corpus/10-utbildningsnamnd/kallelse.layout.txt" corpus/import/corpus-10.layout.txt
{ printf '%%PDF-1.7\n'; cat "$corpus/08-kommunfullmaktige/kallelse.layout.txt"; } >corpus/import/corpus-08.pdf-text
RUSTC_BOOTSTRAP=1 cargo fuzz run import --sanitizer none corpus/import \
  -- -max_total_time="${FUZZ_SECONDS:-60}" -timeout=5 -rss_limit_mb=2048
