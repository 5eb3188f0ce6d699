//! The attendance exports' formal columns (issue 20, point 7): seat,
//! whom a deputy served for and from when, recusals and remote
//! attendance, for a committee meeting (Kulturnämnden, in
//! `tests/fixtures/notices/`) and the SRO seed; the columns agree with
//! the minutes' paragraph, and the SRO's older columns are as before.

use std::io::Read;

use chrono::{DateTime, Utc};
use motesskylt_core::model::event::parse_log;
use motesskylt_core::model::time::DEFAULT_TIME_ZONE;
use motesskylt_core::model::{Event, Meeting};
use motesskylt_export::{Format, render};
use motesskylt_testkit::fixture;

/// The attendance list's columns before issue 20, in order.
const OLD_COLUMNS: [&str; 11] = [
    "Namn",
    "Parti",
    "Organisation",
    "Kategori",
    "Närvarande",
    "Första in",
    "Sista ut",
    "Närvaro",
    "Närvarande vid",
    "Källa",
    "Korrigerad",
];

/// The columns issue 20 adds after them.
const NEW_COLUMNS: [&str; 4] = ["Uppdrag", "Tjänstgör för", "Jäv", "Distans"];

/// What happens in the committee's meeting after the fixture's log
/// (which has Lisa Ahl serving for Bo Ek from 08.57, before the start,
/// David Falk recused from item 4, Cecilia Dahl leaving at 09.25 during
/// item 3 and item 4 started at 09.40):
///
/// - Nora Sund (deputy) takes part remotely from 09.20, never serves;
/// - Mats Lind comes at 09.30 and is asked to serve for Cecilia Dahl at
///   09.31, during item 3: that takes effect when item 4 starts, 09.40
///   (asked again at 09.45, he still serves her from 09.40);
/// - David Falk is also recused from item 5;
/// - Bo Ek comes at 10.05, during item 5, and Lisa Ahl is asked to serve
///   for Eva Grön (förhinder) instead at 10.06: from when item 6 starts,
///   10.25;
/// - the meeting ends at 10.30.
const MORE: &str = r#"
{"at":"2026-11-12T09:20:00+01:00","type":"checked_in","person":"Nora Sund","source":"secretary","correction":{"by":"petra","reason":"deltar på distans"},"remote":true}
{"at":"2026-11-12T09:30:00+01:00","type":"checked_in","person":"Mats Lind","source":"nfc"}
{"at":"2026-11-12T09:31:00+01:00","type":"substitute_started","person":"Mats Lind","for":"Cecilia Dahl"}
{"at":"2026-11-12T09:45:00+01:00","type":"substitute_started","person":"Mats Lind","for":"Cecilia Dahl"}
{"at":"2026-11-12T09:50:00+01:00","type":"recused","person":"David Falk","item":"5"}
{"at":"2026-11-12T10:00:00+01:00","type":"item_started","item":"5"}
{"at":"2026-11-12T10:05:00+01:00","type":"checked_in","person":"Bo Ek","source":"nfc"}
{"at":"2026-11-12T10:06:00+01:00","type":"substitute_started","person":"Lisa Ahl","for":"Eva Grön"}
{"at":"2026-11-12T10:25:00+01:00","type":"item_started","item":"6"}
{"at":"2026-11-12T10:30:00+01:00","type":"meeting_ended"}
"#;

fn events(log: &str) -> Vec<Event> {
    parse_log(log)
        .expect("a valid log")
        .into_iter()
        .map(|(_, e)| e)
        .collect()
}

/// Kulturnämnden's meeting (members, deputies, officials) and its log.
fn committee() -> (Meeting, Vec<Event>) {
    let notice = std::fs::read(fixture("notices/namnd-kallelse.md")).unwrap();
    let meeting = motesskylt_core::kallelse::import_bytes(&notice).unwrap();
    let log = std::fs::read_to_string(fixture("notices/namnd-events.jsonl")).unwrap();
    (meeting, events(&format!("{log}\n{MORE}")))
}

/// The SRO seed and its recorded log.
fn sro() -> (Meeting, Vec<Event>) {
    let meeting =
        motesskylt_core::kallelse::import_bytes(motesskylt_testkit::SRO_NOTICE.as_bytes()).unwrap();
    let log = std::fs::read_to_string(fixture("events-sro-2026-06-04.jsonl")).unwrap();
    (meeting, events(&log))
}

fn now() -> DateTime<Utc> {
    "2026-11-12T10:45:00Z".parse().unwrap()
}

fn export(format: Format, (meeting, events): &(Meeting, Vec<Event>)) -> Vec<u8> {
    render(format, "KN", meeting, events, DEFAULT_TIME_ZONE, now()).unwrap()
}

/// One CSV field as written (quotes as [`motesskylt_export::csv`] writes
/// them, `""` for a quote).
fn unquote(field: &str) -> String {
    match field.strip_prefix('"').and_then(|f| f.strip_suffix('"')) {
        Some(inner) => inner.replace("\"\"", "\""),
        None => field.to_string(),
    }
}

/// The CSV as rows of fields: BOM, `;` and CRLF as Excel wants them; no
/// field of these lists holds a `;` or a line break.
fn parse_csv(bytes: &[u8]) -> Vec<Vec<String>> {
    let text = std::str::from_utf8(bytes).unwrap();
    let text = text.strip_prefix('\u{feff}').expect("a byte order mark");
    assert!(text.ends_with("\r\n"), "CRLF");
    text.split_terminator("\r\n")
        .map(|line| line.split(';').map(unquote).collect())
        .collect()
}

/// The row of `name`, as a map from header to cell.
fn row<'t>(table: &'t [Vec<String>], name: &str) -> impl Fn(&str) -> &'t str {
    let header = &table[0];
    let row = table
        .iter()
        .find(|r| r[0] == name)
        .unwrap_or_else(|| panic!("no row {name}"));
    move |column: &str| {
        let at = header
            .iter()
            .position(|h| h == column)
            .unwrap_or_else(|| panic!("no column {column}"));
        row[at].as_str()
    }
}

#[test]
fn the_attendance_csv_adds_seat_serving_recusals_and_remote_after_the_old_columns() {
    let table = parse_csv(&export(Format::AttendanceCsv, &committee()));
    let header: Vec<&str> = table[0].iter().map(String::as_str).collect();
    let expected: Vec<&str> = OLD_COLUMNS.iter().chain(&NEW_COLUMNS).copied().collect();
    assert_eq!(header, expected);
    assert!(table.iter().all(|r| r.len() == expected.len()), "{table:?}");
    // Everyone in the notice's order.
    let names: Vec<&str> = table[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(
        names,
        [
            "Anna Berg",
            "Bo Ek",
            "Cecilia Dahl",
            "David Falk",
            "Eva Grön",
            "Lisa Ahl",
            "Mats Lind",
            "Nora Sund",
            "Olle Vik",
            "Petra Ås"
        ]
    );
    let formal = |name: &str| {
        let cell = row(&table, name);
        NEW_COLUMNS.map(|column| cell(column).to_string())
    };
    // Members: their seat; David Falk out of items 4 and 5.
    assert_eq!(formal("Anna Berg"), ["Ledamot", "", "", ""]);
    assert_eq!(formal("Bo Ek"), ["Ledamot", "", "", ""]);
    assert_eq!(formal("David Falk"), ["Ledamot", "", "4, 5", ""]);
    assert_eq!(formal("Eva Grön"), ["Ledamot", "", "", ""]);
    // Serving deputies: each member with when it took effect, local
    // time; a change asked for during an item from when the next began.
    assert_eq!(
        formal("Lisa Ahl"),
        ["Ersättare", "Bo Ek från 08.57, Eva Grön från 10.25", "", ""]
    );
    assert_eq!(
        formal("Mats Lind"),
        ["Ersättare", "Cecilia Dahl från 09.40", "", ""]
    );
    // A deputy present from afar who never served.
    assert_eq!(formal("Nora Sund"), ["Ersättare", "", "", "ja"]);
    // Officials: no seat, nothing to say.
    assert_eq!(formal("Olle Vik"), ["", "", "", ""]);
    assert_eq!(formal("Petra Ås"), ["", "", "", ""]);
    // The older columns as they were.
    let nora = row(&table, "Nora Sund");
    assert_eq!(
        OLD_COLUMNS.map(nora),
        [
            "Nora Sund",
            "C",
            "",
            "Politiker",
            "ja",
            "09.20",
            "",
            "09.20–",
            "punkt 3–6",
            "sekreterare",
            "ja"
        ]
    );
}

/// The columns say what the minutes' paragraph says: the same serving
/// deputies with the same (first) member, the same recusals, the same
/// remote participants.
#[test]
fn the_formal_columns_agree_with_the_minutes() {
    let committee = committee();
    let minutes = String::from_utf8(export(Format::Minutes, &committee)).unwrap();
    let line = |label: &str| {
        minutes
            .lines()
            .find(|l| l.starts_with(label))
            .unwrap_or_else(|| panic!("no line {label}:\n{minutes}"))
    };
    assert_eq!(
        line("Tjänstgörande ersättare:"),
        "Tjänstgörande ersättare: Lisa Ahl (ersätter Bo Ek) och Mats Lind (ersätter Cecilia Dahl)."
    );
    assert_eq!(line("Jäv punkt 4:"), "Jäv punkt 4: David Falk.");
    assert_eq!(line("Jäv punkt 5:"), "Jäv punkt 5: David Falk.");
    assert_eq!(line("Deltar på distans:"), "Deltar på distans: Nora Sund.");

    let table = parse_csv(&export(Format::AttendanceCsv, &committee));
    let serving: Vec<String> = table[1..]
        .iter()
        .filter_map(|r| {
            let cell = row(&table, &r[0]);
            let first = cell("Tjänstgör för").split(" från ").next()?;
            (!first.is_empty()).then(|| format!("{} (ersätter {first})", r[0]))
        })
        .collect();
    assert_eq!(
        serving,
        [
            "Lisa Ahl (ersätter Bo Ek)",
            "Mats Lind (ersätter Cecilia Dahl)"
        ]
    );
    let remote: Vec<&str> = table[1..]
        .iter()
        .filter(|r| row(&table, &r[0])("Distans") == "ja")
        .map(|r| r[0].as_str())
        .collect();
    assert_eq!(remote, ["Nora Sund"]);
    for item in ["4", "5"] {
        let out: Vec<&str> = table[1..]
            .iter()
            .filter(|r| row(&table, &r[0])("Jäv").split(", ").any(|i| i == item))
            .map(|r| r[0].as_str())
            .collect();
        assert_eq!(out, ["David Falk"], "item {item}");
    }
}

/// A swap asked for during the last item, which ends with the meeting,
/// never took effect; one in force only before the meeting started
/// served nobody at it: the minutes name no serving deputy, nor does the
/// export.
#[test]
fn swaps_that_served_nobody_at_the_meeting_are_in_neither_the_minutes_nor_the_export() {
    let (meeting, mut events) = committee();
    events.retain(|e| {
        !matches!(
            &e.kind,
            motesskylt_core::model::EventKind::SubstituteStarted { .. }
        )
    });
    let late = r#"
{"at":"2026-11-12T08:50:00+01:00","type":"substitute_started","person":"Mats Lind","for":"Eva Grön"}
{"at":"2026-11-12T08:58:00+01:00","type":"substitute_ended","person":"Mats Lind"}
{"at":"2026-11-12T10:27:00+01:00","type":"substitute_started","person":"Nora Sund","for":"Eva Grön"}
"#;
    events.extend(self::events(late));
    let committee = (meeting, events);
    let minutes = String::from_utf8(export(Format::Minutes, &committee)).unwrap();
    assert!(!minutes.contains("Tjänstgörande"), "{minutes}");
    let table = parse_csv(&export(Format::AttendanceCsv, &committee));
    assert!(
        table[1..]
            .iter()
            .all(|r| row(&table, &r[0])("Tjänstgör för").is_empty()),
        "{table:?}"
    );
}

/// The workbook has the same columns and cells as the CSV.
#[test]
fn the_attendance_workbook_has_the_new_columns_too() {
    let bytes = export(Format::AttendanceXlsx, &committee());
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut strings = String::new();
    zip.by_name("xl/sharedStrings.xml")
        .unwrap()
        .read_to_string(&mut strings)
        .unwrap();
    for text in NEW_COLUMNS.iter().chain(&[
        "Ersättare",
        "Bo Ek från 08.57, Eva Grön från 10.25",
        "Cecilia Dahl från 09.40",
        "4, 5",
    ]) {
        assert!(strings.contains(&format!(">{text}<")), "{text}: {strings}");
    }
    let mut sheet = String::new();
    zip.by_name("xl/worksheets/sheet1.xml")
        .unwrap()
        .read_to_string(&mut sheet)
        .unwrap();
    // Fifteen columns, A to O, filtered.
    assert!(sheet.contains("<autoFilter ref=\"A1:O11\""), "{sheet}");
}

/// The SRO seed (no deputy serves, nobody is recused, nobody is remote):
/// every older column exactly as exported before issue 20 (kept in
/// `tests/fixtures/`), the new ones after them, empty but the seat.
#[test]
fn the_sro_seed_exports_its_old_columns_unchanged() {
    let table = parse_csv(&export(Format::AttendanceCsv, &sro()));
    let before = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/sro-narvaro-fore-issue-20.csv"),
    )
    .unwrap();
    let before: Vec<&str> = before.lines().collect();
    assert_eq!(table.len(), before.len());
    assert_eq!(before[0], OLD_COLUMNS.join(";"));
    for (now, then) in table.iter().zip(&before) {
        assert_eq!(now[..OLD_COLUMNS.len()].join(";"), *then);
    }
    assert_eq!(table[0][OLD_COLUMNS.len()..], NEW_COLUMNS);
    for r in &table[1..] {
        let cell = row(&table, &r[0]);
        assert!(["Ledamot", ""].contains(&cell("Uppdrag")), "{r:?}");
        assert_eq!(
            [cell("Tjänstgör för"), cell("Jäv"), cell("Distans")],
            ["", "", ""],
            "{r:?}"
        );
    }
    // The politicians are the body's members (the import's rule), the
    // officials are not.
    assert_eq!(row(&table, "Olof Lundberg")("Uppdrag"), "Ledamot");
    assert_eq!(row(&table, "Kristina Lännergren")("Uppdrag"), "");
}
