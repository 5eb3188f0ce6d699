//! CSV that opens right in Excel with Swedish settings: UTF-8 with a byte
//! order mark (else Excel reads å, ä, ö as Windows-1252), semicolons
//! (Excel's list separator where the decimal mark is a comma), CRLF.
//!
//! No cell can run as a formula: one that begins with `=`, `+`, `-`, `@`,
//! a tab, a carriage return or a line feed (also after leading spaces)
//! gets an apostrophe in front. Every cell of the exports is text (names,
//! titles, times written "13.05", "ja"/"nej"); none holds a number, so a
//! negative number is never changed by this. A numeric column added one
//! day would have to be written outside `field`'s guard, on purpose.

use chrono_tz::Tz;

use super::agenda::AgendaRow;
use super::attendance::AttendanceRow;
use super::table;

/// The characters that make a spreadsheet read a cell as a formula (or,
/// for the controls, hide one behind them): OWASP's list, and line feed.
const FORMULA_STARTS: [char; 7] = ['=', '+', '-', '@', '\t', '\r', '\n'];

/// One field, quoted when it must be. A field a spreadsheet would take
/// for a formula (see [`FORMULA_STARTS`], also after leading spaces) is
/// prefixed with an apostrophe, so a name or title in a notice cannot run
/// as one.
fn field(text: &str) -> String {
    let text = if text.trim_start_matches(' ').starts_with(FORMULA_STARTS) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if text.contains([';', '"', '\n', '\r']) || text.trim() != text {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// The rows as CSV bytes: BOM, `;`, CRLF.
pub fn write(rows: &[Vec<String>]) -> Vec<u8> {
    let mut out = String::from("\u{feff}");
    for row in rows {
        let fields: Vec<String> = row.iter().map(|f| field(f)).collect();
        out.push_str(&fields.join(";"));
        out.push_str("\r\n");
    }
    out.into_bytes()
}

/// The attendance list as CSV.
pub fn attendance(rows: &[AttendanceRow], agenda: &[AgendaRow], tz: Tz) -> Vec<u8> {
    write(&table::attendance(rows, agenda, tz))
}

/// The agenda with planned and actual times as CSV.
pub fn agenda(rows: &[AgendaRow], tz: Tz) -> Vec<u8> {
    write(&table::agenda(rows, tz))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excel_swedish_csv_has_a_bom_semicolons_crlf_and_no_formulas() {
        let bytes = write(&[
            vec!["Namn".into(), "Åsa; Öberg".into()],
            vec!["=SUM(A1)".into(), "sa \"hej\"".into()],
        ]);
        let text = String::from_utf8(bytes).unwrap();
        assert_eq!(
            text,
            "\u{feff}Namn;\"Åsa; Öberg\"\r\n'=SUM(A1);\"sa \"\"hej\"\"\"\r\n"
        );
    }

    /// Issue 16, point 11: `-`, TAB and CR (and `=`, `+`, `@`, also after
    /// spaces) start a formula; every such cell is neutralised.
    #[test]
    fn every_cell_that_could_start_a_formula_gets_an_apostrophe() {
        for (cell, written) in [
            ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
            ("-5", "'-5"),
            ("+46 31 123", "'+46 31 123"),
            ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
            ("=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\""),
            ("\t=1+1", "'\t=1+1"),
            ("\r=1+1", "\"'\r=1+1\""),
            ("\n=1+1", "\"'\n=1+1\""),
            (" =1+1", "' =1+1"),
        ] {
            assert_eq!(field(cell), written, "{cell:?}");
        }
        // What the exports write stays as it is.
        for cell in [
            "Olof Lundberg",
            "13.05",
            "12.50–14.15",
            "kl. 13.09 – 13.31",
            "ja",
            "",
        ] {
            assert_eq!(field(cell), cell);
        }
    }
}
