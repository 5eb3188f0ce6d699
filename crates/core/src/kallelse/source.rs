//! Turns a file's bytes into numbered lines of text, whatever the format,
//! detected from the content: Word documents (.docx) paragraph by paragraph
//! with their markup written as Markdown; PDF as `pdftotext -layout` lays
//! out its text (`pdf`), line by line; Markdown and plain text as they are
//! (UTF-8, or Windows-1252 from older Windows tools). Markdown and text
//! need no telling apart: the readers after this accept both.

use super::ImportError;
use super::docx;
use super::pdf;

/// One line of the document with its 1-based number (paragraph for .docx,
/// line of the laid-out text for PDF).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// Line (or paragraph) number in the source.
    pub number: usize,
    /// The text, right-trimmed; Markdown markup is still in place.
    pub text: String,
}

/// Whether the bytes are plain text (Markdown or text), not a Word file
/// or a PDF: text pasted from anywhere, a PDF viewer's copy among them.
pub fn is_plain_text(bytes: &[u8]) -> bool {
    !(is_docx(bytes) || bytes.starts_with(b"%PDF") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]))
}

fn is_docx(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06")
}

/// Reads the lines of a document.
pub fn read_lines(bytes: &[u8]) -> Result<Vec<Line>, ImportError> {
    if is_docx(bytes) {
        let paragraphs = docx::paragraphs(bytes)?;
        return Ok(number(paragraphs.iter().map(String::as_str)));
    }
    if bytes.starts_with(b"%PDF") {
        let text = pdf::text(bytes)?;
        return Ok(number(text.lines()));
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(ImportError::OldWord);
    }
    let text = decode(bytes)?;
    Ok(number(text.lines()))
}

fn number<'a>(lines: impl Iterator<Item = &'a str>) -> Vec<Line> {
    lines
        .enumerate()
        .map(|(i, text)| Line {
            number: i + 1,
            text: text
                .trim_start_matches('\u{feff}')
                .replace('\u{a0}', " ")
                .trim_end()
                .to_string(),
        })
        .collect()
}

/// UTF-8 if it is valid; otherwise Windows-1252, unless the bytes are
/// plainly binary (NUL bytes or many control characters).
fn decode(bytes: &[u8]) -> Result<String, ImportError> {
    let controls = bytes
        .iter()
        .filter(|b| **b < 0x20 && !matches!(**b, b'\n' | b'\r' | b'\t' | 0x0c))
        .count();
    if bytes.contains(&0) || controls * 100 > bytes.len().max(1) {
        return Err(ImportError::Binary);
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.to_string()),
        Err(_) => Ok(bytes.iter().map(|b| windows_1252(*b)).collect()),
    }
}

/// Windows-1252, the encoding of text saved by older Swedish Windows tools.
fn windows_1252(byte: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    match byte {
        0x80..=0x9f => HIGH[usize::from(byte - 0x80)],
        _ => char::from(byte),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_1252_text_is_read() {
        let bytes = b"Datum: 4 juni 2026\nTid: 13.00 \x96 15.30\nM\xf6tesform: G\xf6teborg\n";
        let lines = read_lines(bytes).unwrap();
        assert_eq!(lines[1].text, "Tid: 13.00 – 15.30");
        assert_eq!(lines[2].text, "Mötesform: Göteborg");
    }

    #[test]
    fn binary_is_refused() {
        assert!(matches!(
            read_lines(&[0x7f, 0x45, 0x4c, 0x46, 0, 1, 2]),
            Err(ImportError::Binary)
        ));
    }

    use super::pdf::{fixture, pdftotext_installed};

    #[test]
    fn a_pdf_from_libreoffice_is_read_line_by_line() {
        if !pdftotext_installed("a_pdf_from_libreoffice_is_read_line_by_line") {
            return;
        }
        let lines = read_lines(&fixture("corpus/02-ks-arbetsutskott/kallelse.pdf")).unwrap();
        let layout =
            String::from_utf8(fixture("corpus/02-ks-arbetsutskott/kallelse.layout.txt")).unwrap();
        assert_eq!(lines, number(layout.lines()));
        assert_eq!(lines[0].text, "KALLELSE");
        assert!(
            lines.iter().any(|l| l.text.starts_with("Tid ")
                && l.text
                    .ends_with("  Tisdag 10 november 2026 kl. 13.15–16.00")),
            "{lines:?}"
        );
    }

    #[test]
    fn a_scanned_or_broken_pdf_is_a_clear_error() {
        if !pdftotext_installed("a_scanned_or_broken_pdf_is_a_clear_error") {
            return;
        }
        assert!(matches!(
            read_lines(&fixture("notices/scanned.pdf")),
            Err(ImportError::ScannedPdf)
        ));
        assert!(matches!(
            read_lines(b"%PDF-1.7\n..."),
            Err(ImportError::BrokenPdf(_))
        ));
    }
}
