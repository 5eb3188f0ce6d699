//! `motesskylt export` of a kiosk's store holding the SRO meeting of the
//! fixtures and its recorded events: the attendance list and the agenda
//! as CSV and as Excel workbooks, the attendance list as a printable PDF,
//! and the meeting as iCalendar; the workbooks, the PDF and the calendar
//! read back by independent readers (Python's openpyxl and icalendar,
//! poppler's pdftotext) when they are installed (.ci/run installs them).

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::Utc;
use motesskylt_core::model::event::parse_log;
use motesskylt_store::{FILE_NAME, Stamp, Store};

const BIN: &str = env!("CARGO_BIN_EXE_motesskylt");

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A kiosk store with the meeting and the fixtures' event log.
fn store(dir: &Path) -> PathBuf {
    let path = dir.join(FILE_NAME);
    let mut store = Store::open(&path, "dorr-a").unwrap();
    let meeting =
        motesskylt_core::kallelse::import_file(&fixture("seeds/000-kallelse-sro-2026-06-04.md"))
            .unwrap();
    let key = store.save_meeting(&meeting, Utc::now()).unwrap();
    let log = std::fs::read_to_string(fixture("events-sro-2026-06-04.jsonl")).unwrap();
    let events: Vec<_> = parse_log(&log)
        .unwrap()
        .into_iter()
        .map(|(_, e)| e)
        .collect();
    store
        .append(&key, &events, &Stamp::read(Utc::now()))
        .unwrap();
    path
}

fn export(store: &Path, format: &str) -> Vec<u8> {
    let out = Command::new(BIN)
        .arg("export")
        .arg(store)
        .args(["--format", format])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// The CSV's rows by their first field (BOM, `;`, CRLF checked).
fn rows(bytes: &[u8]) -> Vec<Vec<String>> {
    let text = std::str::from_utf8(bytes).unwrap();
    let text = text
        .strip_prefix('\u{feff}')
        .expect("a byte order mark for Excel");
    assert!(text.ends_with("\r\n") && !text.replace("\r\n", "").contains('\n'));
    text.split("\r\n")
        .filter(|l| !l.is_empty())
        .map(|l| {
            l.split(';')
                .map(|f| f.trim_matches('"').to_string())
                .collect()
        })
        .collect()
}

fn row<'a>(table: &'a [Vec<String>], first: &str) -> &'a [String] {
    table
        .iter()
        .find(|r| r[0] == first)
        .unwrap_or_else(|| panic!("no row {first}"))
}

#[test]
fn the_attendance_list_has_every_stay_and_the_items_present_for() {
    let dir = tempfile::tempdir().unwrap();
    let table = rows(&export(&store(dir.path()), "attendance-csv"));
    assert_eq!(
        table[0],
        [
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
            // Issue 20, after the older columns: seat, whom a deputy
            // served for, recusals, remote.
            "Uppdrag",
            "Tjänstgör för",
            "Jäv",
            "Distans"
        ]
    );
    // Everyone called or invited has a row, in the notice's order.
    assert_eq!(table.len(), 1 + 31);
    // Left before the break, after item 6 had started.
    assert_eq!(
        row(&table, "Olof Lundberg"),
        [
            "Olof Lundberg",
            "S",
            "Göteborgsregionen",
            "Politiker",
            "ja",
            "12.50",
            "14.15",
            "12.50–14.15",
            "punkt 1–6",
            "knapp, kort",
            "",
            "Ledamot",
            "",
            "",
            ""
        ]
    );
    // Checked out by the secretary: corrected.
    let holmin = row(&table, "Lars Holmin");
    assert_eq!(
        (holmin[7].as_str(), holmin[9].as_str(), holmin[10].as_str()),
        ("12.55–15.20", "kort, sekreterare", "ja")
    );
    // Arrived during item 4; there to the end.
    let eriksson = row(&table, "Peter Eriksson");
    assert_eq!(
        (
            eriksson[4].as_str(),
            eriksson[5].as_str(),
            eriksson[6].as_str(),
            eriksson[8].as_str()
        ),
        ("ja", "13.20", "", "punkt 4–11")
    );
    // Never came: not present, no times, no items.
    let absent = row(&table, "Tobias Hellström");
    assert_eq!(absent[4], "nej");
    assert!(absent[5..10].iter().all(String::is_empty), "{absent:?}");
}

#[test]
fn the_agenda_shows_planned_and_actual_times() {
    let dir = tempfile::tempdir().unwrap();
    let table = rows(&export(&store(dir.path()), "agenda-csv"));
    assert_eq!(table[0][..2], ["Punkt", "Rubrik"]);
    let item4 = row(&table, "4");
    assert_eq!(
        &item4[2..],
        [
            "13.05",
            "13.25",
            "13.09",
            "13.31",
            "kl. 13.09 – 13.31 (planerat 13.05 – 13.25)"
        ]
    );
    let pause = table.iter().find(|r| r[1] == "Paus").unwrap();
    assert_eq!(&pause[4..6], ["14.22", "14.38"]);
    let last = row(&table, "11");
    assert_eq!(&last[4..6], ["15.29", "15.34"]);
}

#[test]
fn the_minutes_paragraph_and_the_event_log_come_out_as_before() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    let minutes = String::from_utf8(export(&store, "minutes")).unwrap();
    assert!(
        minutes.contains("Lämnar mötet klockan 14.15: Olof Lundberg och Ulf Olsson."),
        "{minutes}"
    );
    let log = String::from_utf8(export(&store, "jsonl")).unwrap();
    assert_eq!(log.lines().count(), 39);
}

#[test]
fn the_calendar_file_reads_in_an_independent_reader() {
    let dir = tempfile::tempdir().unwrap();
    let ics = export(&store(dir.path()), "ics");
    let path = dir.path().join("mote.ics");
    std::fs::write(&path, &ics).unwrap();
    let check = "cal = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())
[event] = [c for c in cal.walk() if c.name == 'VEVENT']
print(event.decoded('dtstart').isoformat())
print(event.decoded('dtend').isoformat())
print(str(event.get('location')))
print(str(event.get('uid')))
print(str(event.get('description')).splitlines()[4])
";
    let Some(text) = python("icalendar", check, &path) else {
        return;
    };
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "2026-06-04T11:00:00+00:00");
    assert_eq!(lines[1], "2026-06-04T13:30:00+00:00");
    assert_eq!(
        lines[2],
        "Centralhuset Konferens, Nils Ericsonsplatsen 4, Göteborg"
    );
    assert_eq!(lines[3], "SRO-2026-06-04@motesskylt");
    assert_eq!(
        lines[4],
        "13.05 – 13.25 4. Hälsa- och sjukvårdsavtalet med tillhörande överenskommelser"
    );
}

/// Runs Python code with Debian's Python (where .ci/run installs the
/// readers); `None` (with a notice) when the module is missing.
fn python(module: &str, code: &str, arg: &Path) -> Option<String> {
    let python = if Path::new("/usr/bin/python3").exists() {
        "/usr/bin/python3"
    } else {
        "python3"
    };
    let script = format!(
        "import sys\ntry:\n    import {module}\nexcept ImportError:\n    sys.exit(77)\n{code}"
    );
    let out = Command::new(python)
        .arg("-c")
        .arg(script)
        .arg(arg)
        .output()
        .ok()?;
    if out.status.code() == Some(77) {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr().lock(),
            "NOTICE: a check skipped: Python's {module} is not installed (apt-get install python3-{module}; .ci/run does)"
        );
        return None;
    }
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8(out.stdout).unwrap())
}

#[test]
fn the_excel_workbooks_read_back_in_openpyxl() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    let people = dir.path().join("narvaro.xlsx");
    std::fs::write(&people, export(&store, "attendance-xlsx")).unwrap();
    let read = "wb = openpyxl.load_workbook(sys.argv[1])\nws = wb.active\nprint(ws.title)\nfor row in ws.iter_rows(values_only=True):\n    print(';'.join('' if v is None else str(v) for v in row))\n";
    let Some(text) = python("openpyxl", read, &people) else {
        return;
    };
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "Närvaro");
    assert!(lines[1].starts_with("Namn;Parti;Organisation;Kategori;Närvarande;Första in"));
    assert!(
        lines.contains(&"Olof Lundberg;S;Göteborgsregionen;Politiker;ja;12.50;14.15;12.50–14.15;punkt 1–6;knapp, kort;;Ledamot;;;"),
        "{text}"
    );
    assert_eq!(lines.len(), 2 + 31);

    let agenda = dir.path().join("dagordning.xlsx");
    std::fs::write(&agenda, export(&store, "agenda-xlsx")).unwrap();
    let text = python("openpyxl", read, &agenda).unwrap();
    assert!(text.starts_with("Dagordning\n"));
    assert!(
        text.contains("4;Hälsa- och sjukvårdsavtalet med tillhörande överenskommelser;13.05;13.25;13.09;13.31;kl. 13.09 – 13.31 (planerat 13.05 – 13.25)"),
        "{text}"
    );
}

/// The text of a PDF by poppler's pdftotext (columns kept in place);
/// `None` (with a notice) when it is not installed.
fn pdftotext(pdf: &Path) -> Option<String> {
    let out = match Command::new("pdftotext")
        .arg("-layout")
        .arg(pdf)
        .arg("-")
        .output()
    {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr().lock(),
                "NOTICE: a check skipped: pdftotext is not installed (apt-get install poppler-utils; .ci/run does)"
            );
            return None;
        }
        Err(e) => panic!("pdftotext: {e}"),
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8(out.stdout).unwrap())
}

#[test]
fn the_printable_attendance_list_reads_back_from_the_pdf() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    let pdf = dir.path().join("narvaro.pdf");
    let out = Command::new(BIN)
        .arg("export")
        .arg(&store)
        .args(["--format", "attendance-pdf", "--out"])
        .arg(&pdf)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-") && bytes.ends_with(b"%%EOF"));
    // The project's fonts are embedded, not a viewer's.
    let raw = String::from_utf8_lossy(&bytes);
    assert!(raw.contains("/FontFile2") && raw.contains("/Identity-H"));
    assert!(raw.contains("+NotoSans-Regular") && raw.contains("+NotoSans-Bold"));
    let Some(text) = pdftotext(&pdf) else {
        return;
    };
    let lines: Vec<&str> = text.lines().collect();
    let line = |name: &str| -> Vec<&str> {
        let line = lines
            .iter()
            .find(|l| l.contains(name))
            .unwrap_or_else(|| panic!("no line with {name}:\n{text}"));
        line.split("  ")
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .collect()
    };
    // The header: what, which body, when, where.
    assert!(text.contains("Närvarolista"), "{text}");
    assert_eq!(line("Närvarolista"), ["Närvarolista"]);
    assert_eq!(line("SRO"), ["SRO"]);
    assert!(text.contains("4 juni 2026"), "{text}");
    assert!(text.contains("kl. 13.00–15.30"), "{text}");
    assert!(
        text.contains("Centralhuset Konferens, Nils Ericsonsplatsen 4, Göteborg"),
        "{text}"
    );
    assert!(text.contains("Namn") && text.contains("Närvarande vid"));
    // Left before the break, after item 6 had started.
    assert_eq!(
        line("Olof Lundberg"),
        [
            "Olof Lundberg",
            "S",
            "Göteborgsregionen",
            "12.50–14.15",
            "punkt 1–6"
        ]
    );
    // Checked out by the secretary: marked as corrected.
    assert_eq!(
        line("Lars Holmin"),
        [
            "Lars Holmin",
            "M",
            "Regionstyrelsen",
            "12.55–15.20",
            "punkt 1–9",
            "korr."
        ]
    );
    // Arrived during item 4; there to the end.
    assert_eq!(line("Peter Eriksson")[3..], ["13.20–", "punkt 4–11"]);
    // Never came.
    assert_eq!(
        line("Tobias Hellström"),
        ["Tobias Hellström", "VästKom", "Frånvarande"]
    );
    // Swedish letters as written, in names and headings.
    for name in [
        "Carina Örgård",
        "Dan Åberg",
        "Anna Lärk Ståhlberg",
        "Åsa Jackson",
    ] {
        line(name);
    }
    // A body with seats (the SRO's politicians are its members) grouped
    // as Swedish minutes group it (issue 20): the members present, the
    // others present, the absent; no deputy served.
    assert!(!text.contains("VGK · Politiker"), "{text}");
    assert!(!text.contains("Tjänstgörande ersättare"), "{text}");
    // Every participant once, in the notice's order within their group.
    let order: Vec<usize> = [
        "Beslutande",
        "Olof Lundberg",
        "Helen Eliasson",
        "Övriga närvarande",
        "Kristina Lännergren",
        "Rebecca Bretvold",
        "Ida Wickström",
        "Frånvarande\n",
        "Tobias Hellström",
        "Carina Örgård",
    ]
    .iter()
    .map(|name| {
        text.find(name)
            .unwrap_or_else(|| panic!("no {name}:\n{text}"))
    })
    .collect();
    assert!(order.is_sorted(), "{text}");
    for name in ["Olof Lundberg", "Kristina Lännergren", "Ida Wickström"] {
        assert_eq!(text.matches(name).count(), 1, "{name}: {text}");
    }
    // Pages numbered in the footer with when it was printed.
    assert!(text.contains("Sida 1 av "), "{text}");
    let pages = text.matches("Sida ").count();
    assert!(
        pages >= 1 && text.contains(&format!("Sida {pages} av {pages}")),
        "{text}"
    );
    assert!(text.contains("Utskriven 20"), "{text}");
}
