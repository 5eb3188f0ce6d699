//! CSV that opens right in Excel with Swedish settings: UTF-8 with a byte
//! order mark (else Excel reads å, ä, ö as Windows-1252), semicolons
//! (Excel's list separator where the decimal mark is a comma), CRLF.

use chrono_tz::Tz;

use super::agenda::AgendaRow;
use super::attendance::AttendanceRow;
use super::table;

/// One field, quoted when it must be. A field Excel would take for a
/// formula (`=`, `+`, `@`) is prefixed with an apostrophe, so a title in a
/// notice cannot run as one.
fn field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '@']) {
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
}
