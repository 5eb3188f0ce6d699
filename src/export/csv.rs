//! CSV that opens right in Excel with Swedish settings: UTF-8 with a byte
//! order mark (else Excel reads å, ä, ö as Windows-1252), semicolons
//! (Excel's list separator where the decimal mark is a comma), CRLF.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::agenda::AgendaRow;
use super::attendance::{AttendanceRow, category_sv, source_sv};
use crate::model::time::{clock_sv, local_time};

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

fn clock(at: Option<DateTime<Utc>>, tz: Tz) -> String {
    at.map(|t| clock_sv(local_time(t, tz).time()))
        .unwrap_or_default()
}

/// The attendance list: name, party, organisation, category, first in,
/// last out, every stay, the items present for, how, corrected.
pub fn attendance(rows: &[AttendanceRow], agenda: &[AgendaRow], tz: Tz) -> Vec<u8> {
    let mut table = vec![
        [
            "Namn",
            "Parti",
            "Organisation",
            "Kategori",
            "Första in",
            "Sista ut",
            "Närvaro",
            "Närvarande vid",
            "Källa",
            "Korrigerad",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for row in rows {
        let p = row.participant;
        table.push(vec![
            p.name.clone(),
            p.party.clone().unwrap_or_default(),
            p.organisation.clone().unwrap_or_default(),
            category_sv(p.category).to_string(),
            clock(row.first_in(), tz),
            clock(row.last_out(), tz),
            row.intervals_sv(tz),
            row.items_sv(agenda),
            row.sources
                .iter()
                .map(|s| source_sv(*s))
                .collect::<Vec<_>>()
                .join(", "),
            if row.corrected { "ja" } else { "" }.to_string(),
        ]);
    }
    write(&table)
}

/// The agenda with planned and actual times.
pub fn agenda(rows: &[AgendaRow], tz: Tz) -> Vec<u8> {
    let mut table = vec![
        [
            "Punkt",
            "Rubrik",
            "Planerad start",
            "Planerat slut",
            "Faktisk start",
            "Faktiskt slut",
            "Tid",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for row in rows {
        table.push(vec![
            row.number.clone().unwrap_or_default(),
            row.title.clone(),
            clock(Some(row.planned.0), tz),
            clock(Some(row.planned.1), tz),
            clock(row.actual.map(|a| a.0), tz),
            clock(row.actual.map(|a| a.1), tz),
            row.times_sv(tz),
        ]);
    }
    write(&table)
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
