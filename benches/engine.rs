//! Speed of the pure core: importing the SRO notice and computing a screen
//! state. Run with `cargo bench --bench engine`.

use std::hint::black_box;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use motesskylt_core::kallelse::import_bytes;
use motesskylt_core::model::Event;
use motesskylt_core::model::event::parse_log;
use motesskylt_core::model::time::DEFAULT_TIME_ZONE;
use motesskylt_core::progress::{Schedule, screen_state};

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read(path).expect("fixture present")
}

fn import(c: &mut Criterion) {
    let markdown = fixture("seeds/000-kallelse-sro-2026-06-04.md");
    let word = fixture("000-kallelse-sro-2026-06-04.docx");
    c.bench_function("import/seed-000", |b| {
        b.iter(|| import_bytes(black_box(&markdown)))
    });
    c.bench_function("import/seed-000-docx", |b| {
        b.iter(|| import_bytes(black_box(&word)))
    });
}

fn state(c: &mut Criterion) {
    let meeting =
        import_bytes(&fixture("seeds/000-kallelse-sro-2026-06-04.md")).expect("seed imports");
    let schedule = Schedule::new(&meeting, DEFAULT_TIME_ZONE);
    let log = String::from_utf8(fixture("events-sro-2026-06-04.jsonl")).expect("UTF-8 log");
    let events: Vec<Event> = parse_log(&log)
        .expect("valid log")
        .into_iter()
        .map(|(_, e)| e)
        .collect();
    let now: DateTime<Utc> = DateTime::parse_from_rfc3339("2026-06-04T13:16:56+02:00")
        .expect("valid time")
        .with_timezone(&Utc);
    c.bench_function("screen_state/plan", |b| {
        b.iter(|| screen_state(&meeting, &schedule, None, black_box(now)))
    });
    c.bench_function("screen_state/events", |b| {
        b.iter(|| screen_state(&meeting, &schedule, Some(&events), black_box(now)))
    });
}

criterion_group!(benches, import, state);
criterion_main!(benches);
