//! The seeds (the user's own documents, `tests/fixtures/seeds/`) as PDFs
//! exported from Word (`tests/fixtures/notices/seed-NNN.pdf`, made by
//! `tests/fixtures/corpus/make-formats`): a PDF is to read as the same
//! meeting as the seed itself, all but the line numbers.
//!
//! Everything reads the same but the items' documents, which the seeds
//! give as links and a PDF's text cannot tell from other bullets: those
//! lines are named unread instead (see the test).

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

/// Typographic quotes as straight ones: Word's "smart quotes" turn the
/// seed's straight quotes curly on the way to PDF; the text is the same.
fn straight_quotes(value: Value) -> Value {
    match value {
        Value::String(s) => {
            Value::String(s.replace(['“', '”', '„'], "\"").replace(['‘', '’'], "'"))
        }
        Value::Array(items) => Value::Array(items.into_iter().map(straight_quotes).collect()),
        Value::Object(fields) => Value::Object(
            fields
                .into_iter()
                .map(|(k, v)| (k, straight_quotes(v)))
                .collect(),
        ),
        other => other,
    }
}

/// The meeting without its items' documents.
fn without_documents(mut meeting: Value) -> Value {
    for item in meeting["items"].as_array_mut().into_iter().flatten() {
        if let Some(fields) = item.as_object_mut() {
            fields.remove("documents");
        }
    }
    meeting
}

/// Every seed's PDF reads as the seed: head, roster with every mark, the
/// agenda's titles wrapped over lines, times, presenters, proposals with
/// their lists, sub-items. Only documents differ: the seeds give them as
/// links, and a PDF's text has no links (pdftotext does not give them), so
/// a PDF's document lines cannot be told from an item's other bullets.
/// They are named among the lines not read, each one, for the secretary
/// to add in the preview: nothing is dropped.
#[test]
fn each_seed_as_pdf_reads_as_the_seed_but_for_its_documents() {
    if !pdftotext_installed("each_seed_as_pdf_reads_as_the_seed_but_for_its_documents") {
        return;
    }
    let mut wrong = Vec::new();
    for (seed, pdf) in SEEDS {
        let expected = straight_quotes(meeting(seed).unwrap());
        let read = match meeting(pdf) {
            Ok(read) => straight_quotes(read),
            Err(problems) => {
                wrong.push(format!("{pdf} is refused: {problems:?}"));
                continue;
            }
        };
        let (expected_rest, read_rest) =
            (without_documents(expected.clone()), without_documents(read));
        if expected_rest != read_rest {
            wrong.push(format!(
                "{pdf} reads otherwise than {seed}:\n{}",
                differences(&expected_rest, &read_rest, "").join("\n")
            ));
        }
        // Each document's words among the lines named unread, in order.
        let unread = motesskylt_core::kallelse::read_file(&fixture(pdf))
            .unwrap()
            .unread;
        let unread: Vec<&str> = unread
            .iter()
            .flat_map(|u| u.text.split_whitespace())
            .collect();
        // A line ending in a hyphen ("SRO 2026-06-" "04") goes on without
        // a space.
        let unread = format!(" {} ", unread.join(" ").replace("- ", "-"));
        for item in expected["items"].as_array().unwrap() {
            for document in item["documents"].as_array().unwrap() {
                let title: Vec<&str> = document.as_str().unwrap().split_whitespace().collect();
                let title = format!(" {} ", title.join(" ").replace("- ", "-"));
                if !straight_quotes(Value::String(unread.clone()))
                    .as_str()
                    .unwrap()
                    .contains(&title)
                {
                    wrong.push(format!(
                        "{pdf}: the document{title}is neither read nor named unread"
                    ));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
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
