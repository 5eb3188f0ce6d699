//! The seeds (the user's own documents, `tests/fixtures/seeds/`) as PDFs
//! exported from Word (`tests/fixtures/notices/seed-NNN.pdf`, made by
//! `tests/fixtures/corpus/make-formats`): a PDF is to read as the same
//! meeting as the seed itself, all but the line numbers.
//!
//! Today the PDF's text is read right (reading order, columns, Swedish
//! letters) and the head, roster and agenda times read as the seed's, but
//! the PDF's plain "➤ Handling …" lines are not yet taken for documents
//! (the seed's are Markdown links), Word's curly quotes stay curly in a
//! proposal, and one long title wrapped in a PDF line ends early.
//! The full comparison is therefore ignored until then (`cargo test -p
//! motesskylt-core --test formats -- --ignored` shows where it stands); what
//! already reads the same is checked always.

use std::path::{Path, PathBuf};

use serde_json::Value;

fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(path)
}

/// Whether pdftotext is here; if not, the test is skipped, visibly.
fn pdftotext_installed(test: &str) -> bool {
    let here = std::process::Command::new("pdftotext")
        .arg("-v")
        .output()
        .is_ok();
    if !here {
        eprintln!(
            "NOTICE: {test} skipped: pdftotext is not installed (apt-get install poppler-utils; .ci/run does)"
        );
    }
    here
}

/// The meeting as JSON without its `line` fields (they count lines of a
/// different text in each format).
fn without_lines(mut value: Value) -> Value {
    fn strip(value: &mut Value) {
        match value {
            Value::Object(fields) => {
                fields.remove("line");
                fields.values_mut().for_each(strip);
            }
            Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut value);
    value
}

/// A notice read, as JSON without lines; the problems' text if refused.
fn meeting(path: &str) -> Result<Value, Vec<String>> {
    motesskylt_core::kallelse::import_file(&fixture(path))
        .map(|m| without_lines(serde_json::to_value(m).unwrap()))
        .map_err(|problems| problems.iter().map(ToString::to_string).collect())
}

/// The seeds with a PDF: (seed, its PDF).
const SEEDS: [(&str, &str); 2] = [
    (
        "seeds/000-kallelse-sro-2026-06-04.md",
        "notices/seed-000.pdf",
    ),
    (
        "seeds/004-anteckning-styrgrupp-2026-05-13.txt",
        "notices/seed-004.pdf",
    ),
];

#[test]
#[ignore = "until the importer reads a PDF's plain document lines (\"➤ …\") and straight quotes (issue 21)"]
fn each_seed_as_pdf_reads_as_the_seed() {
    if !pdftotext_installed("each_seed_as_pdf_reads_as_the_seed") {
        return;
    }
    let mut wrong = Vec::new();
    for (seed, pdf) in SEEDS {
        let expected = meeting(seed).unwrap();
        match meeting(pdf) {
            Ok(read) if read == expected => {}
            Ok(read) => wrong.push(format!(
                "{pdf} reads otherwise than {seed}:\n{}",
                differences(&expected, &read, "").join("\n")
            )),
            Err(problems) => wrong.push(format!("{pdf} is refused: {problems:?}")),
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
}

#[test]
fn seed_000_as_pdf_reads_its_head_roster_and_agenda_times() {
    if !pdftotext_installed("seed_000_as_pdf_reads_its_head_roster_and_agenda_times") {
        return;
    }
    let (seed, pdf) = SEEDS[0];
    let (expected, read) = (meeting(seed).unwrap(), meeting(pdf).unwrap());
    for field in [
        "body",
        "body_description",
        "date",
        "start",
        "end",
        "location",
        "participants",
    ] {
        assert_eq!(read[field], expected[field], "{field}");
    }
    let items = |meeting: &Value| -> Vec<Value> {
        meeting["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| {
                let mut kept = item.clone();
                let fields = kept.as_object_mut().unwrap();
                // Read otherwise today (see the file's head).
                for wrapped in ["title", "proposal", "documents", "sub_items"] {
                    fields.remove(wrapped);
                }
                kept
            })
            .collect()
    };
    assert_eq!(items(&read), items(&expected));
}

/// Where two JSON values differ, as paths ("items[6].title").
fn differences(expected: &Value, read: &Value, path: &str) -> Vec<String> {
    match (expected, read) {
        (Value::Object(e), Value::Object(r)) => e
            .iter()
            .flat_map(|(key, value)| match r.get(key) {
                Some(other) => differences(value, other, &format!("{path}.{key}")),
                None => vec![format!("{path}.{key}: missing")],
            })
            .collect(),
        (Value::Array(e), Value::Array(r)) if e.len() == r.len() => e
            .iter()
            .zip(r)
            .enumerate()
            .flat_map(|(i, (a, b))| differences(a, b, &format!("{path}[{i}]")))
            .collect(),
        (Value::Array(e), Value::Array(r)) => {
            vec![format!("{path}: {} read for {}", r.len(), e.len())]
        }
        _ if expected == read => Vec::new(),
        _ => vec![format!("{path}: {expected} expected, {read} read")],
    }
}
