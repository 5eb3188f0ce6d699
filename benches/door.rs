//! Tap-to-stored latency: how long from a card's UID reaching the kiosk's
//! input thread until its event is on disk (keyed hash, door rules, SQLite
//! commit with fsync in WAL mode, `synchronous=FULL`). Run with
//! `cargo bench --bench door`; the store lives under `target/`, on the
//! same disk as the project.

use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use motesskylt_core::model::time::{DEFAULT_TIME_ZONE, parse_moment};
use motesskylt_core::model::{Event, EventKind, Source};
use motesskylt_hw::Uid;
use motesskylt_kiosk::station::Message;
use motesskylt_store::{FILE_NAME, Stamp, Store};

fn scratch() -> tempfile::TempDir {
    let target = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
    std::fs::create_dir_all(&target).expect("target/ is writable");
    tempfile::tempdir_in(target).expect("a scratch directory under target/")
}

fn append(c: &mut Criterion) {
    let dir = scratch();
    let mut store = Store::open(&dir.path().join(FILE_NAME), "bench").expect("store opens");
    let at = DateTime::parse_from_rfc3339("2026-06-04T12:50:00+02:00")
        .expect("valid time")
        .with_timezone(&Utc);
    let event = Event::new(
        at,
        DEFAULT_TIME_ZONE,
        EventKind::CheckedIn {
            person: "Olof Lundberg".into(),
            source: Source::Nfc,
            substitute_for: None,
            correction: None,
            remote: false,
        },
    );
    let stamp = Stamp::read(at);
    c.bench_function("store/append-one-event-fsync", |b| {
        b.iter(|| store.append("M", black_box(std::slice::from_ref(&event)), &stamp))
    });
}

/// Full taps through the station: every measured tap stores an event (a
/// check-in, or the confirming tap of a check-out); the asking tap between
/// them is made but not counted.
fn tap_to_stored(c: &mut Criterion) {
    let meeting =
        motesskylt_core::kallelse::import_bytes(motesskylt_testkit::SRO_NOTICE.as_bytes())
            .expect("the demo notice imports");
    let opens = parse_moment("12:40", meeting.date, DEFAULT_TIME_ZONE).expect("valid time");
    let late = parse_moment("23:00", meeting.date, DEFAULT_TIME_ZONE).expect("valid time");
    // A fresh station (not measured) for every meeting's worth of taps.
    let fresh = || {
        let dir = scratch();
        let station = motesskylt::demo::station(
            &meeting,
            DEFAULT_TIME_ZONE,
            &dir.path().join(FILE_NAME),
            opens,
        )
        .expect("station");
        (dir, station)
    };
    let (mut dir, mut station) = fresh();
    let mut now = opens;
    let cards = motesskylt::demo::REGISTERED_CARDS;
    let mut person = 0;
    c.bench_function("door/tap-to-stored", |b| {
        b.iter_custom(|iters| {
            let mut measured = Duration::ZERO;
            let mut stored = 0;
            while stored < iters {
                // A meeting's worth of taps per store, so the log stays the
                // size a real meeting has (a few hundred events).
                if now > late || station.recorded().len() > 300 {
                    (dir, station) = fresh();
                    now = opens;
                }
                let uid: Uid = motesskylt::demo::card(person % cards);
                person += 1;
                // Nine people in turn, a second apart: never a double tap.
                now += chrono::Duration::seconds(1);
                let started = Instant::now();
                let update = station.handle(Message::Card(uid.clone()), now);
                let took = started.elapsed();
                if update.stored.is_empty() {
                    // An ask: confirm it 3 s later, and count that tap.
                    now += chrono::Duration::seconds(3);
                    let started = Instant::now();
                    let update = station.handle(Message::Card(uid), now);
                    measured += started.elapsed();
                    stored += black_box(update.stored.len()) as u64;
                } else {
                    measured += took;
                    stored += black_box(update.stored.len()) as u64;
                }
            }
            let _ = &dir;
            measured
        })
    });
}

criterion_group! {
    name = door;
    config = Criterion::default().sample_size(30).measurement_time(Duration::from_secs(10));
    targets = append, tap_to_stored
}
criterion_main!(door);
