//! PDF notices: the text of a PDF in reading order, by poppler's
//! `pdftotext -layout` (Debian's `poppler-utils`, which the packages depend
//! on). Layout mode keeps a table's row on one line with its cells apart
//! (runs of spaces) and columns side by side, as in the corpus's
//! `kallelse.layout.txt`; the README's importer section has the comparison
//! with pdftotext's reading-order mode and a pure-Rust reader.
//!
//! The PDF goes to pdftotext on its standard input and the text comes back
//! on its standard output: no temporary file. The run is bounded in time
//! ([`TIMEOUT`]) and in output ([`MAX_OUTPUT_BYTES`]); a PDF without text
//! (a scanned page) is its own error.
//!
//! Built for fuzzing (`cfg(fuzzing)`, as cargo-fuzz builds), no process is
//! started: the input stands in for pdftotext's output, so that an input
//! starting with `%PDF` is read in microseconds like any other, and what
//! is fuzzed is this module's handling of the text and the importer after
//! it (pdftotext itself is poppler's to fuzz).

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::{ImportError, MAX_TEXT_BYTES};

/// The program that reads a PDF's text.
pub const PDFTOTEXT: &str = "pdftotext";

/// The program that lists a PDF's pictures (poppler's, as pdftotext).
pub const PDFIMAGES: &str = "pdfimages";

/// The longest a PDF's text may take to read; a notice takes well under a
/// second.
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// The largest PDF read: a notice with its pictures is a few megabytes.
pub const MAX_PDF_BYTES: usize = 64 * 1024 * 1024;

/// The most text pdftotext may give: layout mode pads columns with spaces,
/// so more than the import's own limit on text ([`MAX_TEXT_BYTES`]), which
/// applies after.
pub const MAX_OUTPUT_BYTES: usize = 4 * MAX_TEXT_BYTES;

/// Fewer letters than this per page and the PDF is a scanned image (at
/// most a page number or a stamp in text).
const MIN_LETTERS_PER_PAGE: usize = 16;

/// The text of a PDF, lines as pdftotext lays them out, pages separated by
/// form feeds.
pub fn text(pdf: &[u8]) -> Result<String, ImportError> {
    if pdf.len() > MAX_PDF_BYTES {
        return Err(ImportError::BrokenPdf(format!(
            "filen är större än {} MB",
            MAX_PDF_BYTES / (1024 * 1024)
        )));
    }
    if cfg!(fuzzing) {
        return from_output(pdf);
    }
    let output = run(
        PDFTOTEXT,
        &["-enc", "UTF-8", "-layout", "-", "-"],
        pdf,
        TIMEOUT,
    )?;
    let text = from_output(&output)?;
    // Pages without text among pages with text: a blank page, or a page
    // scanned and put in, which shows as a picture.
    let textless = textless_pages(&text);
    if textless.is_empty() {
        return Ok(text);
    }
    let scanned: Vec<usize> = match run(PDFIMAGES, &["-list", "-"], pdf, TIMEOUT) {
        Ok(listing) => {
            let pictured = pages_with_images(&String::from_utf8_lossy(&listing));
            textless
                .into_iter()
                .filter(|p| pictured.contains(p))
                .collect()
        }
        // Not knowing, every page without text is named.
        Err(_) => textless,
    };
    Ok(if scanned.is_empty() {
        text
    } else {
        mark_scanned(&text, &scanned)
    })
}

/// pdftotext's output as text; a PDF with (almost) no text is a scan.
fn from_output(output: &[u8]) -> Result<String, ImportError> {
    let text = String::from_utf8_lossy(output).into_owned();
    let pages = text.matches('\u{c}').count().max(1);
    if letters(&text) < MIN_LETTERS_PER_PAGE * pages {
        return Err(ImportError::ScannedPdf);
    }
    Ok(text)
}

fn letters(text: &str) -> usize {
    text.chars().filter(|c| c.is_alphabetic()).count()
}

/// The text's pages (every page ends with a form feed: what follows the
/// last is no page).
fn pages(text: &str) -> Vec<&str> {
    let mut pages: Vec<&str> = text.split('\u{c}').collect();
    if pages.len() > 1 && pages.last().is_some_and(|t| t.trim().is_empty()) {
        pages.pop();
    }
    pages
}

/// The pages (from 1) with (almost) no text.
fn textless_pages(text: &str) -> Vec<usize> {
    pages(text)
        .iter()
        .enumerate()
        .filter(|(_, page)| letters(page) < MIN_LETTERS_PER_PAGE)
        .map(|(i, _)| i + 1)
        .collect()
}

/// The pages (from 1) that `pdfimages -list` lists an image on.
fn pages_with_images(listing: &str) -> Vec<usize> {
    listing
        .lines()
        .filter_map(|line| line.split_whitespace().next()?.parse().ok())
        .collect()
}

/// The text with a line at the head of each of `scanned` pages saying it
/// has no text: no reader takes it, so it is named among the lines not
/// read, and what the page held is not lost without a word.
fn mark_scanned(text: &str, scanned: &[usize]) -> String {
    let marked: Vec<String> = pages(text)
        .iter()
        .enumerate()
        .map(|(i, page)| {
            if scanned.contains(&(i + 1)) {
                format!(
                    "[Sidan {} har ingen text (en inskannad bild?) och lästes inte in]\n{page}",
                    i + 1
                )
            } else {
                page.to_string()
            }
        })
        .collect();
    marked.join("\u{c}") + "\u{c}"
}

/// Runs `program` with `input` on its standard input and returns its
/// standard output, killing it past `timeout`; more output than
/// [`MAX_OUTPUT_BYTES`] is too much text.
fn run(
    program: &str,
    args: &[&str],
    input: &[u8],
    timeout: Duration,
) -> Result<Vec<u8>, ImportError> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => ImportError::PdfReaderMissing,
            _ => ImportError::PdfReaderFailed(format!("{program} går inte att starta ({e})")),
        })?;
    let (Some(mut stdin), Some(stdout), Some(stderr)) =
        (child.stdin.take(), child.stdout.take(), child.stderr.take())
    else {
        stop(&mut child);
        return Err(ImportError::PdfReaderFailed(format!(
            "{program} går inte att starta"
        )));
    };
    let (waited, (read, text), messages) = std::thread::scope(|scope| {
        // The PDF in, the text and the messages out, each on a thread of
        // its own so that no full pipe holds up the others. A reader that
        // stops reading early (a broken PDF) makes the write fail: fine.
        // Past the limit the text is no longer read: the pipe closes and
        // the reader ends.
        scope.spawn(move || {
            let _ = stdin.write_all(input);
        });
        let text = scope.spawn(move || {
            let mut text = Vec::new();
            let read = stdout
                .take(MAX_OUTPUT_BYTES as u64 + 1)
                .read_to_end(&mut text);
            (read, text)
        });
        let messages = scope.spawn(move || {
            let mut messages = Vec::new();
            let _ = stderr.take(64 * 1024).read_to_end(&mut messages);
            messages
        });
        let waited = wait(&mut child, timeout);
        if !matches!(waited, Ok(Some(_))) {
            stop(&mut child);
        }
        (
            waited,
            text.join().unwrap_or_else(|_| (Ok(0), Vec::new())),
            messages.join().unwrap_or_default(),
        )
    });
    if text.len() > MAX_OUTPUT_BYTES {
        return Err(ImportError::TooMuchText {
            max_kib: MAX_TEXT_BYTES / 1024,
        });
    }
    let status = match waited {
        Ok(Some(status)) => status,
        Ok(None) => {
            return Err(ImportError::BrokenPdf(format!(
                "det tog för lång tid att läsa texten (mer än {} s)",
                timeout.as_secs().max(1)
            )));
        }
        Err(e) => {
            return Err(ImportError::PdfReaderFailed(format!(
                "{program} gick inte att följa ({e})"
            )));
        }
    };
    if !status.success() {
        return Err(failure(status.code(), &messages));
    }
    read.map_err(|e| ImportError::PdfReaderFailed(format!("texten gick inte att läsa ({e})")))?;
    Ok(text)
}

/// The child's exit status, or `None` once `timeout` has passed.
fn wait(
    child: &mut std::process::Child,
    timeout: Duration,
) -> std::io::Result<Option<std::process::ExitStatus>> {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        if started.elapsed() >= timeout {
            return Ok(None);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Ends a child that is still running, and reaps it.
fn stop(child: &mut std::process::Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// Why pdftotext failed, from its exit code (1: the PDF could not be
/// opened, 3: its permissions forbid copying text: the file's fault) and
/// its messages; any other end is the reader's.
fn failure(code: Option<i32>, messages: &[u8]) -> ImportError {
    let messages = String::from_utf8_lossy(messages);
    match code {
        Some(1) if messages.contains("password") => {
            ImportError::BrokenPdf("filen är lösenordsskyddad".into())
        }
        Some(1) => ImportError::BrokenPdf("filen är skadad, avkortad eller inte en PDF".into()),
        Some(3) => ImportError::BrokenPdf("filen tillåter inte att texten kopieras".into()),
        Some(code) => {
            ImportError::PdfReaderFailed(format!("{PDFTOTEXT} avslutades med felkod {code}"))
        }
        None => ImportError::PdfReaderFailed(format!("{PDFTOTEXT} avbröts")),
    }
}

/// A file of the repository's test fixtures (this crate is crates/core),
/// for the tests of this module and of `source`.
#[cfg(test)]
pub(crate) fn fixture(path: &str) -> Vec<u8> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures");
    std::fs::read(root.join(path)).unwrap()
}

/// Whether pdftotext is here (for the tests of this module and of
/// `source`); if not, says so on stderr: the test that asks is skipped,
/// visibly.
#[cfg(test)]
pub(crate) fn pdftotext_installed(test: &str) -> bool {
    use std::io::Write;
    let here = Command::new(PDFTOTEXT)
        .arg("-v")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !here {
        let _ = writeln!(
            std::io::stderr().lock(),
            "NOTICE: {test} skipped: pdftotext is not installed (apt-get install poppler-utils; .ci/run does)"
        );
    }
    here
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pdf_from_word_reads_as_its_layout_text() {
        if !pdftotext_installed("a_pdf_from_word_reads_as_its_layout_text") {
            return;
        }
        let text = text(&fixture("corpus/08-kommunfullmaktige/kallelse.pdf")).unwrap();
        let layout =
            String::from_utf8(fixture("corpus/08-kommunfullmaktige/kallelse.layout.txt")).unwrap();
        assert_eq!(text, layout);
        assert!(text.contains("Sammanträdeslokal:    Fullmäktigesalen, Stadshuset"));
        // The two columns of the roster side by side, cells apart.
        assert!(
            text.contains("Annika Söderberg (S), ordförande                Johan Berglind (S)")
        );
    }

    #[test]
    fn a_scanned_pdf_is_its_own_error() {
        if !pdftotext_installed("a_scanned_pdf_is_its_own_error") {
            return;
        }
        let err = text(&fixture("notices/scanned.pdf")).unwrap_err();
        assert!(matches!(err, ImportError::ScannedPdf), "{err:?}");
        let message = err.to_string();
        assert!(message.contains("inskannad"), "{message}");
        assert!(message.contains(".docx"), "{message}");
    }

    #[test]
    fn garbage_after_the_pdf_header_is_a_clear_error() {
        if !pdftotext_installed("garbage_after_the_pdf_header_is_a_clear_error") {
            return;
        }
        for bytes in [
            &b"%PDF-1.7\n\x00\x01garbage trailer"[..],
            b"%PDF",
            // A real PDF cut in the middle.
            &fixture("corpus/11-valnamnd/kallelse.pdf")[..6000],
        ] {
            let err = text(bytes).unwrap_err();
            assert!(
                matches!(&err, ImportError::BrokenPdf(reason) if reason.contains("skadad")),
                "{err:?}"
            );
            assert!(
                err.to_string().starts_with("PDF-filen går inte att läsa"),
                "{err}"
            );
        }
    }

    #[test]
    fn a_missing_reader_tells_what_to_install() {
        let err = run("motesskylt-no-such-pdftotext", &[], b"%PDF", TIMEOUT).unwrap_err();
        assert!(matches!(err, ImportError::PdfReaderMissing), "{err:?}");
        assert!(err.to_string().contains("poppler-utils"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn a_reader_that_hangs_is_stopped() {
        // A reader that reads nothing and answers nothing: the input must
        // not block (it is more than a pipe's buffer), and the timeout must
        // hold.
        let started = Instant::now();
        let input = vec![b'x'; 1024 * 1024];
        let err = run(
            "/bin/sh",
            &["-c", "while :; do :; done"],
            &input,
            Duration::from_millis(200),
        )
        .unwrap_err();
        assert!(
            matches!(&err, ImportError::BrokenPdf(reason) if reason.contains("för lång tid")),
            "{err:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[cfg(unix)]
    #[test]
    fn a_reader_that_fails_says_why() {
        let err = run("/bin/sh", &["-c", "exit 1"], b"", TIMEOUT).unwrap_err();
        assert!(
            matches!(&err, ImportError::BrokenPdf(reason) if reason.contains("skadad")),
            "{err:?}"
        );
        assert!(matches!(
            failure(Some(3), b""),
            ImportError::BrokenPdf(reason) if reason == "filen tillåter inte att texten kopieras"
        ));
        // Other ends are the reader's, not the file's: the secretary is
        // not sent to save the PDF again.
        let err = run("/bin/sh", &["-c", "exit 99"], b"", TIMEOUT).unwrap_err();
        assert!(
            matches!(&err, ImportError::PdfReaderFailed(reason) if reason.contains("99")),
            "{err:?}"
        );
        let err = run("/bin/sh", &["-c", "kill -9 $$"], b"", TIMEOUT).unwrap_err();
        assert!(matches!(err, ImportError::PdfReaderFailed(_)), "{err:?}");
        assert!(err.to_string().contains("IT"), "{err}");
    }

    #[test]
    fn a_password_protected_pdf_says_so() {
        if !pdftotext_installed("a_password_protected_pdf_says_so") {
            return;
        }
        let err = text(&fixture("notices/password.pdf")).unwrap_err();
        assert!(
            matches!(&err, ImportError::BrokenPdf(reason) if reason == "filen är lösenordsskyddad"),
            "{err:?}"
        );
    }

    #[test]
    fn a_page_without_text_among_pages_with_text_is_found_and_marked() {
        let text = "Kallelse till sammanträde\n\u{c}\u{c}Kallade ledamöter och ersättare\n\u{c}";
        assert_eq!(textless_pages(text), [2]);
        let marked = mark_scanned(text, &[2]);
        assert!(
            marked.contains("\u{c}[Sidan 2 har ingen text"),
            "{marked:?}"
        );
        assert_eq!(marked.matches("har ingen text").count(), 1);
        assert_eq!(marked.matches('\u{c}').count(), 3);
        let listing = "page   num  type\n-----------\n   2     0 image     497\n";
        assert_eq!(pages_with_images(listing), [2]);
    }

    #[test]
    fn a_blank_page_is_no_scanned_page() {
        if !pdftotext_installed("a_blank_page_is_no_scanned_page") {
            return;
        }
        // The corpus's 04 ends with a blank page: nothing to name.
        let text = text(&fixture("corpus/04-byggnadsnamnd/kallelse.pdf")).unwrap();
        assert!(!textless_pages(&text).is_empty());
        assert!(!text.contains("har ingen text"));
    }

    #[test]
    fn a_scanned_page_put_into_a_notice_is_named_not_lost() {
        if !pdftotext_installed("a_scanned_page_put_into_a_notice_is_named_not_lost") {
            return;
        }
        let read = crate::kallelse::read_bytes(&fixture("notices/with-scanned-page.pdf")).unwrap();
        assert!(
            read.unread
                .iter()
                .any(|u| u.text.contains("Sidan 2 har ingen text")),
            "{:?}",
            read.unread
        );
    }

    #[test]
    fn almost_no_letters_is_a_scan() {
        assert!(matches!(
            from_output(b"\x0c\x0c"),
            Err(ImportError::ScannedPdf)
        ));
        assert!(matches!(
            from_output(b"Sida 1 av 2\n\x0cSida 2 av 2\n\x0c"),
            Err(ImportError::ScannedPdf)
        ));
        assert_eq!(
            from_output("Kallelse\nDatum: 4 juni 2026\n\x0c".as_bytes()).unwrap(),
            "Kallelse\nDatum: 4 juni 2026\n\x0c"
        );
    }
}
