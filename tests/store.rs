//! The local store on a real SQLite file: durability settings, the
//! append-only log, sequence numbers and ids, the outbox cursor, meeting
//! versions, migrations and recovery from a damaged file.

use chrono::{DateTime, Duration, Utc};
use motesskylt_core::model::event::Authority;
use motesskylt_core::model::meeting_key;
use motesskylt_core::model::time::DEFAULT_TIME_ZONE;
use motesskylt_core::model::{Event, EventKind, Source};
use motesskylt_store::{FILE_NAME, Stamp, Store, StoreError, recover};

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-06-04T12:50:00+02:00")
        .unwrap()
        .with_timezone(&Utc)
}

fn checked_in(who: &str, s: i64) -> Event {
    Event::new(
        t0() + Duration::seconds(s),
        DEFAULT_TIME_ZONE,
        EventKind::CheckedIn {
            person: who.into(),
            source: Source::Nfc,
            substitute_for: None,
            correction: None,
            remote: false,
        },
    )
}

fn meeting() -> motesskylt_core::model::Meeting {
    motesskylt_core::kallelse::import_bytes(motesskylt_testkit::SRO_NOTICE.as_bytes()).unwrap()
}

#[test]
fn a_store_is_wal_with_full_sync_and_numbers_its_events() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data").join(FILE_NAME);
    let mut store = Store::open(&path, "dorr-1").unwrap();
    assert_eq!(store.durability().unwrap(), ("wal".to_string(), 2));
    let stamp = Stamp::read(t0());
    let first = store
        .append("M", &[checked_in("A", 0), checked_in("B", 1)], &stamp)
        .unwrap();
    let second = store.append("M", &[checked_in("C", 2)], &stamp).unwrap();
    let seqs: Vec<i64> = first.iter().chain(&second).map(|r| r.seq).collect();
    assert_eq!(seqs, vec![1, 2, 3]);
    assert!(
        first
            .iter()
            .chain(&second)
            .all(|r| r.id.get_version_num() == 7)
    );
    // v7 ids carry the event's time: they sort like the events.
    assert!(first[0].id < first[1].id && first[1].id < second[0].id);
    drop(store);

    // Reopened: the same device, the log read back in order, numbering goes on.
    let mut store = Store::open(&path, "another-name").unwrap();
    assert_eq!(store.device(), "dorr-1");
    let events = store.events("M").unwrap();
    assert_eq!(events.len(), 3);
    assert_eq!(events[2].event, checked_in("C", 2));
    let next = store.append("M", &[checked_in("D", 3)], &stamp).unwrap();
    assert_eq!(next[0].seq, 4);
    assert!(store.events("other").unwrap().is_empty());

    // The stamp's columns are stored.
    let conn = rusqlite::Connection::open(&path).unwrap();
    let (boot, mono, synced): (String, i64, bool) = conn
        .query_row(
            "SELECT boot, mono_ms, clock_synced FROM events WHERE seq = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(
        (boot, mono, synced),
        (stamp.boot, stamp.mono_ms, stamp.clock_synced)
    );
}

#[test]
fn nothing_is_updated_or_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(FILE_NAME);
    let mut store = Store::open(&path, "d").unwrap();
    store
        .append("M", &[checked_in("A", 0)], &Stamp::read(t0()))
        .unwrap();
    store.save_meeting(&meeting(), t0()).unwrap();
    store.acknowledge(1, t0()).unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    for statement in [
        "UPDATE events SET body = '{}'",
        "DELETE FROM events",
        "UPDATE meetings SET body = '{}'",
        "DELETE FROM meetings",
        "UPDATE sync_acks SET up_to = 0",
        "DELETE FROM sync_acks",
        "UPDATE device SET id = 'x'",
        "DELETE FROM device",
    ] {
        let error = conn.execute(statement, []).unwrap_err().to_string();
        assert!(error.contains("append-only"), "{statement}: {error}");
    }
    assert_eq!(store.events("M").unwrap().len(), 1);
}

#[test]
fn the_outbox_holds_what_the_central_store_has_not_confirmed() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join(FILE_NAME), "d").unwrap();
    let stamp = Stamp::read(t0());
    let stored = store
        .append(
            "M",
            &[checked_in("A", 0), checked_in("B", 1), checked_in("C", 2)],
            &stamp,
        )
        .unwrap();
    assert_eq!(store.outbox(10).unwrap().len(), 3);
    assert_eq!(store.outbox(2).unwrap().len(), 2);
    store.acknowledge(stored[1].rowid, t0()).unwrap();
    let pending = store.outbox(10).unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].event, checked_in("C", 2));
    // An older acknowledgement never moves the cursor back.
    store.acknowledge(stored[0].rowid, t0()).unwrap();
    assert_eq!(store.sync_cursor().unwrap(), stored[1].rowid);
}

#[test]
fn meetings_are_kept_in_versions_and_cards_fold_from_enrolments() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join(FILE_NAME), "d").unwrap();
    let mut m = meeting();
    let key = store.save_meeting(&m, t0()).unwrap();
    assert_eq!(key, meeting_key(&m));
    assert_eq!(key, "SRO-2026-06-04");
    store.save_meeting(&m, t0()).unwrap();
    // The notice sent again, starting later: a new version, the same key.
    m.location = Some("Sal B".into());
    m.start = chrono::NaiveTime::from_hms_opt(13, 30, 0).unwrap();
    assert_eq!(store.save_meeting(&m, t0()).unwrap(), key);
    store.save_meeting(&m, t0()).unwrap();
    let meetings = store.meetings().unwrap();
    assert_eq!(meetings.len(), 1);
    assert_eq!(meetings[0].1.location.as_deref(), Some("Sal B"));
    let conn = rusqlite::Connection::open(store.path()).unwrap();
    let versions: i64 = conn
        .query_row("SELECT COUNT(*) FROM meetings", [], |r| r.get(0))
        .unwrap();
    assert_eq!(versions, 2, "an unchanged meeting is not stored again");

    let enrol = Event::new(
        t0(),
        DEFAULT_TIME_ZONE,
        EventKind::CardEnrolled {
            person: "Olof Lundberg".into(),
            card: "ab".repeat(16),
            by: Authority::Pin,
        },
    );
    store.append(&key, &[enrol], &Stamp::read(t0())).unwrap();
    let cards = store.cards().unwrap();
    assert_eq!(
        cards.owner(&motesskylt_core::cards::CardHash("ab".repeat(16))),
        Some("Olof Lundberg")
    );

    // The secretary's revocation, learned from the central store, is
    // folded with the kiosk's own events in time order: the card is gone.
    let revoked = motesskylt_core::wire::WireEvent {
        id: uuid::Uuid::now_v7(),
        device: "central:sidor".into(),
        seq: 1,
        meeting: key.clone(),
        wall: t0(),
        mono_ms: 0,
        boot: "central:sidor".into(),
        clock_synced: true,
        event: Event::new(
            t0() + chrono::Duration::minutes(5),
            DEFAULT_TIME_ZONE,
            EventKind::CardRevoked {
                person: "Olof Lundberg".into(),
                card: "ab".repeat(16),
                by: "anna".into(),
            },
        ),
    };
    store.learn(&[revoked], (1, 0), t0()).unwrap();
    assert!(store.cards().unwrap().is_empty());
}

#[test]
fn a_newer_schema_is_refused_with_advice() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(FILE_NAME);
    drop(Store::open(&path, "d").unwrap());
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("PRAGMA user_version = 99")
        .unwrap();
    let error = Store::open(&path, "d").unwrap_err();
    assert!(matches!(error, StoreError::TooNew { found: 99, .. }));
    assert!(error.to_string().contains("uppdatera programmet"));
}

const PAGE: usize = 4096;

/// A store with `count` long events, each in its own transaction, all moved
/// into the main file; returns its number of pages.
fn filled_store(path: &std::path::Path, device: &str, count: i64) -> usize {
    let mut store = Store::open(path, device).unwrap();
    let stamp = Stamp::read(t0());
    let long = "x".repeat(300);
    for i in 0..count {
        store
            .append("M", &[checked_in(&format!("{long}{i}"), i)], &stamp)
            .unwrap();
    }
    drop(store);
    rusqlite::Connection::open(path)
        .unwrap()
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
        .unwrap();
    std::fs::metadata(path).unwrap().len() as usize / PAGE
}

/// Overwrites `bytes` of the file with garbage.
fn damage(path: &std::path::Path, bytes: std::ops::Range<usize>) {
    let mut content = std::fs::read(path).unwrap();
    for b in &mut content[bytes] {
        *b = 0xA5;
    }
    std::fs::write(path, &content).unwrap();
}

#[test]
fn a_damaged_store_is_reported_set_aside_and_its_readable_events_saved() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(FILE_NAME);
    let stamp = Stamp::read(t0());
    let pages = filled_store(&path, "dorr-1", 200);
    assert!(pages > 10, "{pages} pages");
    damage(&path, (pages / 2) * PAGE + 8..(pages / 2) * PAGE + 400);

    let error = Store::open(&path, "dorr-1").unwrap_err();
    assert!(matches!(error, StoreError::Corrupt { .. }), "{error}");
    assert!(error.to_string().contains("motesskylt store recover"));

    let report = recover(&path, "dorr-1", t0()).unwrap();
    assert!(report.set_aside.exists());
    assert!(report.events > 150 && report.events < 200, "{report:?}");
    assert_eq!(report.events + report.lost, 200, "{report:?}");
    let mut store = Store::open(&path, "ignored").unwrap();
    // A new device id: the lost events' sequence numbers are never reused.
    assert!(store.device().starts_with("dorr-1~"), "{}", store.device());
    assert_eq!(store.device(), report.device);
    let saved = store.events("M").unwrap();
    assert_eq!(saved.len(), report.events);
    assert!(saved.iter().all(|r| r.device == "dorr-1"));
    let next = store
        .append("M", &[checked_in("new", 999)], &stamp)
        .unwrap();
    assert_eq!(
        (next[0].device.as_str(), next[0].seq),
        (report.device.as_str(), 1)
    );
    // Recovering again keeps the earlier copy of the damaged file.
    drop(store);
    let again = recover(&path, "dorr-1", t0()).unwrap();
    assert_ne!(again.set_aside, report.set_aside);
    assert!(report.set_aside.exists() && again.set_aside.exists());
}

#[test]
fn a_store_damaged_at_its_end_is_recovered_without_hanging() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(FILE_NAME);
    filled_store(&path, "dorr-2", 120);
    let mut store = Store::open(&path, "dorr-2").unwrap();
    store.acknowledge(50, t0()).unwrap();
    drop(store);
    // The last page, all but its first bytes.
    let len = std::fs::metadata(&path).unwrap().len() as usize;
    damage(&path, len - PAGE + 16..len);
    let report = recover(&path, "dorr-2", t0()).unwrap();
    assert!(report.events > 0 && report.events <= 120, "{report:?}");
    let store = Store::open(&path, "x").unwrap();
    assert_eq!(store.events("M").unwrap().len(), report.events);
    // The sync cursor came along: acknowledged events are not sent again.
    assert_eq!(store.sync_cursor().unwrap(), 50);
}

/// Issue 18: a kiosk store written by the previous version (schema 3, the
/// migrations 0001–0003 that are never edited once released) opens with
/// its meeting under its key, its events, and the secretary's version
/// still marked; the meetings are the room's schedule, none cancelled.
#[test]
fn a_store_of_the_previous_version_keeps_its_meetings_and_events() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(FILE_NAME);
    let m = meeting();
    let key = meeting_key(&m);
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        motesskylt_store::schema::migrate(&conn, &motesskylt_store::schema::MIGRATIONS[..3])
            .unwrap();
        let body = serde_json::to_string(&m).unwrap();
        let event = checked_in("Olof Lundberg", 0);
        conn.execute_batch(&format!(
            "INSERT INTO device (id, created) VALUES ('dorr-1', '{t0}');
             INSERT INTO meetings (key, received, body) VALUES ('{key}', '{t0}', '{body}');
             INSERT INTO meetings (key, received, body, from_pages) VALUES ('{key}', '{t0}', '{body}', 1);
             INSERT INTO events (id, device, seq, meeting, at, wall, mono_ms, boot, clock_synced, type, body)
                 VALUES ('0197a000-0000-7000-8000-000000000001', 'dorr-1', 1, '{key}', '{at}', '{t0}', 5, 'b0a7', 1,
                         'checked_in', '{line}');",
            t0 = t0().to_rfc3339(),
            body = body.replace('\'', "''"),
            at = event.at.to_rfc3339(),
            line = serde_json::to_string(&event).unwrap().replace('\'', "''"),
        ))
        .unwrap();
    }
    let store = Store::open(&path, "dorr-1").unwrap();
    let room = store.room_meetings().unwrap();
    assert_eq!(room.len(), 1);
    assert_eq!(
        (room[0].key.as_str(), room[0].from_pages, room[0].cancelled),
        (key.as_str(), true, false)
    );
    assert_eq!(room[0].meeting, m);
    let events = store.events(&key).unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].event, checked_in("Olof Lundberg", 0));
    assert_eq!(store.secretarys_meeting(&key).unwrap(), Some(m));
}
