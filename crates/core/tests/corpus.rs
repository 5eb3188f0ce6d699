//! The notice corpus (`tests/fixtures/corpus/`, issue 21): every notice
//! imported and compared with its expected meeting field by field. The
//! precision per notice and format is the README's table ("Notices of any
//! body"); this test keeps the table true: it fails when a notice reads
//! worse or better than the table says. After an importer change, run
//! `UPDATE_CORPUS=1 cargo test -p motesskylt-core --test corpus` and commit the new table;
//! `CORPUS_SHOW=03` prints what notice 03 reads wrong.

use std::path::{Path, PathBuf};

use motesskylt_core::kallelse::ImportError;
use serde_json::Value;

const START: &str = "<!-- corpus-precision -->";
const END: &str = "<!-- /corpus-precision -->";

/// How one notice read: fields right of fields expected, and what was
/// wrong (the first few, for the failure message).
struct Score {
    right: usize,
    expected: usize,
    wrong: Vec<String>,
    /// Refused as a table copied out of a PDF with its columns one after
    /// another (`ImportError::ColumnsApart`), at this line: a text that no
    /// longer holds which cell belongs to which row, rightly not read.
    columns_apart: Option<usize>,
}

impl Score {
    fn new() -> Self {
        Score {
            right: 0,
            expected: 0,
            wrong: Vec::new(),
            columns_apart: None,
        }
    }

    fn field(&mut self, path: &str, expected: &Value, actual: Option<&Value>) {
        self.expected += 1;
        if actual == Some(expected) {
            self.right += 1;
        } else {
            self.wrong.push(format!(
                "{path}: {} expected, {} read",
                expected,
                actual.map_or("nothing".to_string(), Value::to_string)
            ));
        }
    }

    /// Every field of the `expected` object against `actual`'s (absent
    /// counts as wrong; fields only `actual` has, like `line`, do not count).
    fn object(&mut self, path: &str, expected: &Value, actual: Option<&Value>) {
        let Some(fields) = expected.as_object() else {
            return self.field(path, expected, actual);
        };
        for (key, value) in fields {
            self.field(
                &format!("{path}.{key}"),
                value,
                actual.and_then(|a| a.get(key)),
            );
        }
    }
}

/// Compares a meeting read with the expected one: the meeting's own
/// fields; each expected participant, found by name, every field; each
/// expected agenda entry, in order, every field. A participant or entry
/// not read costs all its fields; one read but not expected costs one.
fn score(expected: &Value, actual: &Value) -> Score {
    let mut score = Score::new();
    for (key, value) in expected.as_object().into_iter().flatten() {
        if !["participants", "items", "unread", "unread_in_pdf"].contains(&key.as_str()) {
            score.field(key, value, actual.get(key));
        }
    }
    let empty = Vec::new();
    let list = |meeting: &Value, key: &str| -> Vec<Value> {
        meeting
            .get(key)
            .and_then(Value::as_array)
            .unwrap_or(&empty)
            .clone()
    };
    let read_people = list(actual, "participants");
    let expected_people = list(expected, "participants");
    for person in &expected_people {
        let name = &person["name"];
        let found = read_people.iter().find(|p| p["name"] == *name);
        score.object(&format!("participants[{name}]"), person, found);
    }
    for extra in read_people
        .iter()
        .filter(|p| !expected_people.iter().any(|e| e["name"] == p["name"]))
    {
        score.field(
            "participants",
            &Value::Null,
            Some(&Value::String(format!(
                "{} (not in the notice)",
                extra["name"]
            ))),
        );
    }
    // The lines not used: each expected one (by its text) a field, each
    // one more a field wrong. A PDF's text wraps a paragraph where the
    // source did not: texts are compared within all of them run together.
    let words = |texts: &[Value]| -> String {
        let joined: Vec<&str> = texts.iter().filter_map(Value::as_str).collect();
        format!(
            " {} ",
            joined
                .join(" ")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        )
    };
    let (read_unread, expected_unread) = (list(actual, "unread"), list(expected, "unread"));
    let (read_all, expected_all) = (words(&read_unread), words(&expected_unread));
    for text in &expected_unread {
        let found = read_all.contains(&words(std::slice::from_ref(text)));
        score.field("unread", text, Some(text).filter(|_| found));
    }
    for extra in &read_unread {
        if !expected_all.contains(&words(std::slice::from_ref(extra))) {
            score.field("unread", &Value::Null, Some(extra));
        }
    }
    let read_items = list(actual, "items");
    let expected_items = list(expected, "items");
    for (i, item) in expected_items.iter().enumerate() {
        score.object(&format!("items[{i}]"), item, read_items.get(i));
    }
    for extra in read_items.iter().skip(expected_items.len()) {
        score.field(
            "items",
            &Value::Null,
            Some(&Value::String(format!(
                "{} (not in the notice)",
                extra["title"]
            ))),
        );
    }
    score
}

/// The corpus's notices: (folder name, format, source file).
fn notices(root: &Path) -> Vec<(String, &'static str, PathBuf)> {
    let mut folders: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    folders.sort();
    let formats = [
        ("kallelse.md", "Markdown"),
        ("kallelse.txt", "text"),
        ("kallelse.docx", "Word"),
        ("kallelse.pdf", "PDF"),
        ("kallelse.pdf.txt", "PDF text"),
        ("kallelse.layout.txt", "PDF text, -layout"),
    ];
    let mut out = Vec::new();
    for folder in folders {
        let name = folder.file_name().unwrap().to_string_lossy().into_owned();
        for (file, format) in formats {
            let path = folder.join(file);
            if path.exists() {
                out.push((name.clone(), format, path));
            }
        }
    }
    out
}

/// The table as the README has it between its markers.
fn table(rows: &[(String, &str, Score)]) -> String {
    let mut out = String::from(
        "| Notice | Format | Fields right | Expected | Precision |\n|---|---|---:|---:|---:|\n",
    );
    let (mut right, mut expected, mut apart) = (0, 0, 0);
    for (name, format, s) in rows {
        if let Some(line) = s.columns_apart {
            apart += 1;
            out.push_str(&format!(
                "| {name} | {format} | refused at line {line}: columns one after another | | |\n"
            ));
            continue;
        }
        right += s.right;
        expected += s.expected;
        out.push_str(&format!(
            "| {name} | {format} | {} | {} | {:.1} % |\n",
            s.right,
            s.expected,
            100.0 * s.right as f64 / s.expected.max(1) as f64
        ));
    }
    out.push_str(&format!(
        "| **all** | | **{right}** | **{expected}** | **{:.1} %** |\n",
        100.0 * right as f64 / expected.max(1) as f64
    ));
    out.push_str(&format!(
        "| **refused: columns one after another** | | | **{apart}** | |\n"
    ));
    out
}

#[test]
fn every_notice_of_the_corpus_reads_as_the_readme_says() {
    // The repository root: this crate is crates/core.
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let root = repo.join("tests/fixtures/corpus");
    let mut rows = Vec::new();
    // Without poppler's pdftotext the PDFs are not read: their rows (and
    // the total) are left out of the comparison, visibly.
    let mut pdfs_unread = false;
    for (name, format, path) in notices(&root) {
        let mut expected: Value = serde_json::from_str(
            &std::fs::read_to_string(path.with_file_name("expected.json")).unwrap(),
        )
        .unwrap();
        // Lines only the PDF has (LibreOffice repeats a table's first row
        // at the top of a page), which the importer rightly names unread.
        if format.starts_with("PDF")
            && let Some(Value::Array(more)) = expected.get("unread_in_pdf").cloned()
            && let Some(Value::Array(unread)) = expected.get_mut("unread")
        {
            unread.extend(more);
        }
        // A notice the importer refuses reads as nothing: every field wrong.
        let read = match motesskylt_core::kallelse::read_file(&path) {
            Ok(read) => Ok(read),
            Err(problems)
                if problems
                    .iter()
                    .any(|p| matches!(p, ImportError::PdfReaderMissing)) =>
            {
                pdfs_unread = true;
                continue;
            }
            Err(problems) => Err(problems),
        };
        let actual = match &read {
            Ok(read) => {
                let mut meeting = serde_json::to_value(&read.meeting).unwrap();
                meeting["unread"] = read.unread.iter().map(|u| u.text.clone()).collect();
                meeting
            }
            Err(_) => Value::Null,
        };
        let mut score = score(&expected, &actual);
        // Only a PDF's text without its layout may be refused so: any
        // other format read so is a fault, scored as nothing read.
        if format == "PDF text" {
            score.columns_apart = read.as_ref().err().and_then(|problems| {
                problems.iter().find_map(|p| match p {
                    ImportError::ColumnsApart { line, .. } => Some(*line),
                    _ => None,
                })
            });
        }
        // CORPUS_SHOW=03 prints every difference of the notices whose
        // folder starts so (and the importer's refusal), to work on one.
        if let Some(show) = std::env::var_os("CORPUS_SHOW")
            && name.starts_with(&*show.to_string_lossy())
        {
            for p in read.as_ref().err().into_iter().flatten() {
                eprintln!("{name} ({format}): refused: line {:?}: {p}", p.line());
            }
            for w in &score.wrong {
                eprintln!("{name} ({format}): {w}");
            }
        }
        rows.push((name, format, score));
    }
    if pdfs_unread {
        eprintln!(
            "NOTICE: the corpus's PDFs skipped: pdftotext is not installed (apt-get install poppler-utils; .ci/run does); the other formats are compared"
        );
    }
    assert!(rows.len() >= 12, "the corpus has {} notices", rows.len());
    let measured = table(&rows);
    let readme_path = repo.join("README.md");
    let readme = std::fs::read_to_string(&readme_path).unwrap();
    let (before, rest) = readme
        .split_once(START)
        .expect("the README has the corpus table's start marker");
    let (shown, after) = rest
        .split_once(END)
        .expect("the README has the corpus table's end marker");
    if std::env::var_os("UPDATE_CORPUS").is_some() {
        assert!(
            !pdfs_unread,
            "the table is rewritten only with every format read: install poppler-utils"
        );
        std::fs::write(
            &readme_path,
            format!("{before}{START}\n{measured}{END}{after}"),
        )
        .unwrap();
        return;
    }
    // Without the PDFs, the README's other rows are compared.
    let comparable = |table: &str| -> String {
        table
            .trim()
            .lines()
            .filter(|row| !pdfs_unread || !(row.contains("| PDF |") || row.contains("**all**")))
            .collect::<Vec<_>>()
            .join("\n")
    };
    if comparable(shown) != comparable(&measured) {
        let wrong: Vec<String> = rows
            .iter()
            .flat_map(|(name, format, s)| {
                s.wrong
                    .iter()
                    .take(3)
                    .map(move |w| format!("{name} ({format}): {w}"))
            })
            .collect();
        panic!(
            "the corpus reads otherwise than the README's table says; if the importer got better, run UPDATE_CORPUS=1 cargo test -p motesskylt-core --test corpus\n\nmeasured:\n{measured}\nfirst differences per notice:\n{}",
            wrong.join("\n")
        );
    }
}

#[test]
fn the_score_counts_every_expected_field_and_every_extra_entry() {
    let expected = serde_json::json!({
        "body": "Valnämnden",
        "participants": [{"name": "A", "party": "S"}, {"name": "B", "party": null}],
        "items": [{"title": "Öppnande", "start": "15:00"}],
    });
    let actual = serde_json::json!({
        "body": "Valnämnden",
        "participants": [{"name": "A", "party": "M"}, {"name": "C", "party": null}],
        "items": [{"title": "Öppnande", "start": "15:00", "line": 9}, {"title": "Extra"}],
    });
    let s = score(&expected, &actual);
    // body 1/1; A: name right, party wrong; B missing (2 fields); C extra;
    // item right (2 fields; `line` not counted); the extra item.
    assert_eq!((s.right, s.expected), (4, 9), "{:?}", s.wrong);
    assert_eq!(score(&expected, &expected).wrong, Vec::<String>::new());
    assert_eq!(score(&expected, &Value::Null).right, 0);
}
