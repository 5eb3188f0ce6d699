use motesskylt_core::model::event::parse_log;
use motesskylt_export::{Format, render};

#[test]
fn dump() {
    let meeting =
        motesskylt_core::kallelse::import_bytes(motesskylt_testkit::SRO_NOTICE.as_bytes()).unwrap();
    let log = std::fs::read_to_string(motesskylt_testkit::fixture("events-sro-2026-06-04.jsonl"))
        .unwrap();
    let events: Vec<_> = parse_log(&log)
        .unwrap()
        .into_iter()
        .map(|(_, e)| e)
        .collect();
    let tz = motesskylt_core::model::time::DEFAULT_TIME_ZONE;
    let now = "2026-06-04T14:05:00Z".parse().unwrap();
    let dir = std::env::var("DUMP").unwrap();
    for f in Format::ALL {
        let bytes = render(f, "SRO-2026-06-04", &meeting, &events, tz, now).unwrap();
        std::fs::write(format!("{dir}/{}", f.file_name("sro")), bytes).unwrap();
    }
    // The committee too, seated, with its log.
    let committee = motesskylt_core::kallelse::import_bytes(
        &std::fs::read(motesskylt_testkit::fixture("notices/namnd-kallelse.md")).unwrap(),
    )
    .unwrap();
    let log =
        std::fs::read_to_string(motesskylt_testkit::fixture("notices/namnd-events.jsonl")).unwrap();
    let events: Vec<_> = parse_log(&log)
        .unwrap()
        .into_iter()
        .map(|(_, e)| e)
        .collect();
    for f in Format::ALL {
        let bytes = render(f, "KN", &committee, &events, tz, now).unwrap();
        std::fs::write(format!("{dir}/{}", f.file_name("kn")), bytes).unwrap();
    }
}
