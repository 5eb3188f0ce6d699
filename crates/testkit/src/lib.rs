//! Test fixtures shared by motesskylt's crates: the SRO's documents under
//! `tests/fixtures/`. A dev-dependency only; nothing in production uses it.

use std::path::PathBuf;

/// The SRO's notice of 4 June 2026 (seed 000), as Markdown.
pub const SRO_NOTICE: &str =
    include_str!("../../../tests/fixtures/seeds/000-kallelse-sro-2026-06-04.md");

/// A file under the top-level `tests/fixtures/`.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(name)
}
