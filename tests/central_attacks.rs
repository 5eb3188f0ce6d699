//! The central server under attack and faults (issue 16, points 1, 5, 6
//! and 12), over real HTTP on loopback, on SQLite and on PostgreSQL
//! (`TEST_DATABASE_URL`; skipped with a notice without it). Each attack is
//! repeated against a running server, which must answer it with its 4xx
//! and a code, store nothing of it, lose nothing, and go on answering:
//! the room's pull, the meeting page, the board, every export and the
//! card registry.
//!
//! - A poisoned event (a year outside 0000–9999, `seq` 0, a stranger, an
//!   item not on the agenda, …) is refused at the door with the field
//!   named; a row that cannot be read back, stored before, is skipped, not
//!   fatal to the room.
//! - A kiosk cannot forge what only the secretary may do (a correction,
//!   `source: secretary`, `card_expected`, `card_revoked`,
//!   `correction_withdrawn`, a card "by the secretary" never asked for).
//! - A kiosk cannot squat another body's meeting key: the secretary's
//!   import takes it, with none of the squatter's events.
//! - `/cards` reads the card events only: it stays fast beside a log of
//!   100,000 check-ins.

mod common;

use std::time::Instant;

use chrono::NaiveDate;
use common::{Session, checked_in, meeting, preview_fields, server_time, wire_event};
use motesskylt_central::config::ServerConfig;
use motesskylt_central::db::{AnyDb, AuditEntry, CentralDb, Cursor, PostgresDb, Role, SqliteDb};
use motesskylt_core::model::event::{Authority, Corrected, Correction};
use motesskylt_core::model::meeting_key;
use motesskylt_core::model::{EventKind, Meeting, Source};
use motesskylt_export::Format;
use reqwest::StatusCode;
use reqwest::header::COOKIE;
use serde_json::{Value, json};
use uuid::Uuid;

const ROOM: &str = "rum-1";
const OTHER_ROOM: &str = "rum-2";

/// The same notice, a year later (another key: `SRO-2027-05-05`).
fn next_year() -> Meeting {
    let mut m = meeting();
    m.date = NaiveDate::from_ymd_opt(2027, 5, 5).unwrap();
    m
}

/// How the test reaches the database behind the server's back.
enum Raw {
    Sqlite(std::path::PathBuf),
    Postgres { url: String, schema: String },
}

impl Raw {
    /// Stores rows with SQL, as a bug or an older version could have.
    async fn insert(&self, rows: &[(String, String)], meeting: &str) {
        match self {
            Raw::Sqlite(path) => {
                let mut conn = rusqlite::Connection::open(path).unwrap();
                conn.busy_timeout(std::time::Duration::from_secs(10))
                    .unwrap();
                let tx = conn.transaction().unwrap();
                {
                    let mut insert = tx
                        .prepare(
                            "INSERT INTO events (id, device, seq, meeting, wall, mono_ms, boot, clock_synced, received, body)
                             VALUES (?1, 'massa', (SELECT COALESCE(MAX(seq), 0) + 1 FROM events WHERE device = 'massa'),
                                     ?2, ?3, 0, 'b', 1, ?3, ?4)",
                        )
                        .unwrap();
                    for (wall, body) in rows {
                        insert
                            .execute(rusqlite::params![
                                Uuid::now_v7().to_string(),
                                meeting,
                                wall,
                                body
                            ])
                            .unwrap();
                    }
                }
                tx.commit().unwrap();
            }
            Raw::Postgres { url, schema } => {
                let client = common::admin(url).await;
                client
                    .batch_execute(&format!("SET search_path TO \"{schema}\""))
                    .await
                    .unwrap();
                let walls: Vec<&str> = rows.iter().map(|(w, _)| w.as_str()).collect();
                let bodies: Vec<&str> = rows.iter().map(|(_, b)| b.as_str()).collect();
                client
                    .execute(
                        "INSERT INTO events (id, device, seq, meeting, wall, mono_ms, boot, clock_synced, received, body)
                         SELECT gen_random_uuid(), 'massa',
                                (SELECT COALESCE(MAX(seq), 0) FROM events WHERE device = 'massa') + n,
                                $1, w::timestamptz, 0, 'b', true, now(), b::jsonb
                         FROM UNNEST($2::text[], $3::text[]) WITH ORDINALITY AS r(w, b, n)",
                        &[&meeting, &walls, &bodies],
                    )
                    .await
                    .unwrap();
            }
        }
    }
}

/// The server and the test's own way into its database.
struct Central {
    server: common::Server,
    raw: Raw,
    _dir: tempfile::TempDir,
}

impl std::ops::Deref for Central {
    type Target = common::Server;

    fn deref(&self) -> &common::Server {
        &self.server
    }
}

impl Central {
    async fn start(db: AnyDb, raw: Raw) -> Central {
        common::add_users(
            &db,
            &[
                ("anna", Role::Secretary, vec!["SRO"]),
                ("admin", Role::Admin, vec![]),
            ],
        )
        .await;
        for room in [ROOM, OTHER_ROOM] {
            db.add_room(room, server_time()).await.unwrap();
        }
        // The enrolment codes' key in a folder of the test's own (by
        // default it sits beside the store: /var/lib/motesskylt for
        // PostgreSQL).
        let dir = tempfile::tempdir().unwrap();
        let config = ServerConfig {
            secret_file: Some(dir.path().join("central.key")),
            ..ServerConfig::default()
        };
        let server = common::Server::start(config, db, server_time).await;
        Central {
            server,
            raw,
            _dir: dir,
        }
    }

    async fn put_meeting(&self, token: &str, meeting: &Meeting) -> (StatusCode, Value) {
        let key = meeting_key(meeting);
        self.send(
            self.http
                .put(self.url(&format!("/api/v1/meetings/{key}")))
                .bearer_auth(token)
                .json(meeting),
        )
        .await
    }

    async fn push(&self, token: &str, events: Vec<Value>) -> (StatusCode, Value) {
        self.send(
            self.http
                .post(self.url("/api/v1/events"))
                .bearer_auth(token)
                .json(&json!({"sent": server_time(), "events": events})),
        )
        .await
    }

    async fn pull(&self, token: &str) -> (StatusCode, Value) {
        self.send(
            self.http
                .get(self.url("/api/v1/pull?events=0&meetings=0"))
                .bearer_auth(token),
        )
        .await
    }

    async fn page(&self, session: &Session, path: &str) -> (StatusCode, String) {
        let response = self
            .http
            .get(self.url(path))
            .header(COOKIE, &session.cookie)
            .send()
            .await
            .unwrap();
        (response.status(), response.text().await.unwrap_or_default())
    }

    async fn post(&self, session: &Session, path: &str, form: &[(&str, String)]) -> StatusCode {
        self.http
            .post(self.url(path))
            .header(COOKIE, &session.cookie)
            .form(form)
            .send()
            .await
            .unwrap()
            .status()
    }

    /// Everything an attack could change: the meetings' events, each
    /// room's pull (meetings and events), the audit log.
    async fn snapshot(&self, keys: &[&str]) -> String {
        let db = self.db();
        let mut text = String::new();
        for key in keys {
            text += &format!("{key}: {:?}\n", db.events(key).await.unwrap());
        }
        for room in [ROOM, OTHER_ROOM] {
            text += &format!(
                "{room}: {:?}\n",
                db.pull(room, "-", Cursor::default()).await.unwrap()
            );
        }
        text += &format!("{:?}", db.audit_log(1000).await.unwrap());
        text
    }

    /// The room still answers: the kiosk's pull, the meeting's page and
    /// board, every export, the card registry.
    async fn still_answers(&self, token: &str, session: &Session, key: &str) {
        let (status, body) = self.pull(token).await;
        assert_eq!(status, StatusCode::OK, "pull: {body}");
        let mut paths = vec![
            "/meetings".to_string(),
            format!("/meetings/{key}"),
            format!("/meetings/{key}/board"),
            "/cards".to_string(),
        ];
        for format in Format::ALL {
            paths.push(format!("/meetings/{key}/export/{}", format.slug()));
        }
        for path in paths {
            let (status, body) = self.page(session, &path).await;
            assert_eq!(status, StatusCode::OK, "{path}: {body}");
        }
    }
}

/// The expected refusal of an attack: status, code, and the field its
/// message names.
type Refused = (StatusCode, &'static str, &'static str);

fn assert_refused(what: &str, (status, body): &(StatusCode, Value), expected: Refused) {
    assert_eq!(
        (*status, body["error"].as_str()),
        (expected.0, Some(expected.1)),
        "{what}: {body}"
    );
    let message = body["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(expected.2),
        "{what}: the message names {}: {message}",
        expected.2
    );
}

async fn attacks(db: AnyDb, raw: Raw) {
    let central = Central::start(db, raw).await;
    let door = central.enrol(ROOM, "dorr-a").await;
    let squatter = central.enrol(OTHER_ROOM, "dorr-b").await;
    let m = meeting();
    let key = meeting_key(&m);
    let person = m.participants[0].name.clone();
    let other = m.participants[1].name.clone();
    let item = m.items.iter().find_map(|e| e.number.clone()).unwrap();
    assert_eq!(central.put_meeting(&door, &m).await.0, StatusCode::OK);
    let good = |seq: i64, kind: EventKind| {
        serde_json::to_value(wire_event("dorr-a", seq, &key, kind)).unwrap()
    };
    let (status, body) = central
        .push(
            &door,
            vec![
                good(1, EventKind::MeetingStarted),
                good(2, checked_in(&person, Source::Nfc)),
                good(3, EventKind::ItemStarted { item: item.clone() }),
            ],
        )
        .await;
    assert_eq!(
        (status, body["added"].as_i64()),
        (StatusCode::OK, Some(3)),
        "{body}"
    );
    let anna = central.sign_in("anna").await;
    central.still_answers(&door, &anna, &key).await;
    let before = central.snapshot(&[&key]).await;

    // Point 1: poisoned events are refused at the door, with the field
    // named, each in a batch with a good event that is not stored either.
    let with = |change: &dyn Fn(&mut Value)| {
        let mut bad = good(5, checked_in(&other, Source::Touch));
        change(&mut bad);
        vec![good(4, EventKind::BreakStarted { minutes: None }), bad]
    };
    let invalid = StatusCode::UNPROCESSABLE_ENTITY;
    let poisons: Vec<(&str, Vec<Value>, Refused)> = vec![
        (
            "wall in year -1",
            with(&|e| e["wall"] = json!("-0001-06-04T11:00:00Z")),
            (invalid, "invalid_event", "events[1].wall"),
        ),
        (
            "wall in year 10000",
            with(&|e| e["wall"] = json!("+10000-01-01T00:00:00Z")),
            (invalid, "invalid_event", "events[1].wall"),
        ),
        (
            "at in year -1",
            with(&|e| e["event"]["at"] = json!("-0001-06-04T11:00:00+02:00")),
            (invalid, "invalid_event", "events[1].event.at"),
        ),
        (
            "at in year 10000",
            with(&|e| e["event"]["at"] = json!("+10000-01-01T00:00:00+01:00")),
            (invalid, "invalid_event", "events[1].event.at"),
        ),
        (
            "seq 0",
            with(&|e| e["seq"] = json!(0)),
            (invalid, "invalid_event", "events[1].seq"),
        ),
        (
            "a negative seq",
            with(&|e| e["seq"] = json!(-7)),
            (invalid, "invalid_event", "events[1].seq"),
        ),
        (
            "a negative time since boot",
            with(&|e| e["mono_ms"] = json!(-1)),
            (invalid, "invalid_event", "events[1].mono_ms"),
        ),
        (
            "a person not called",
            with(&|e| e["event"]["person"] = json!("Robert'); DROP TABLE events;--")),
            (invalid, "invalid_event", "events[1].event.person"),
        ),
        (
            "a substitute for a stranger",
            with(&|e| e["event"]["substitute_for"] = json!("Ingen Alls")),
            (invalid, "invalid_event", "events[1].event.substitute_for"),
        ),
        (
            "an item not on the agenda",
            vec![
                good(4, EventKind::BreakStarted { minutes: None }),
                good(5, EventKind::ItemStarted { item: "999".into() }),
            ],
            (invalid, "invalid_event", "events[1].event.item"),
        ),
        (
            "a break of a hundred days",
            vec![
                good(4, EventKind::MeetingStarted),
                good(
                    5,
                    EventKind::BreakStarted {
                        minutes: Some(144_000),
                    },
                ),
            ],
            (invalid, "invalid_event", "events[1].event.minutes"),
        ),
        (
            "a card that is not a hash",
            vec![
                good(4, EventKind::MeetingStarted),
                good(
                    5,
                    EventKind::CardEnrolled {
                        person: person.clone(),
                        card: "04:A1:B2:C3".into(),
                        by: Authority::Pin,
                    },
                ),
            ],
            (invalid, "invalid_event", "events[1].event.card"),
        ),
        (
            "an unknown type",
            with(&|e| e["event"]["type"] = json!("fire_alarm")),
            (invalid, "invalid", "events[1]"),
        ),
    ];
    for (what, events, expected) in poisons {
        let answer = central.push(&door, events).await;
        assert_refused(what, &answer, expected);
    }
    assert_eq!(central.snapshot(&[&key]).await, before, "nothing stored");
    central.still_answers(&door, &anna, &key).await;

    // Point 1: rows that cannot be read back (stored before this check,
    // or by hand) are skipped, never fatal to the room.
    let at = |wall: &str| {
        json!({"at": wall, "type": "checked_in", "person": person, "source": "nfc"}).to_string()
    };
    let mut rows = vec![
        (
            server_time().to_rfc3339(),
            "{\"type\":\"fire_alarm\"}".to_string(),
        ),
        (server_time().to_rfc3339(), "[1, 2, 3]".to_string()),
        (
            server_time().to_rfc3339(),
            at("+10000-01-01T00:00:00+01:00"),
        ),
    ];
    if matches!(central.raw, Raw::Sqlite(_)) {
        // SQLite keeps what it is given; PostgreSQL's timestamptz takes
        // these years too, but chrono writes them as it reads them.
        rows.push((
            "-0001-06-04T11:00:00+00:00".into(),
            at("2026-06-04T13:00:00+02:00"),
        ));
        rows.push((
            "+10000-01-01T00:00:00+00:00".into(),
            at("2026-06-04T13:00:00+02:00"),
        ));
        rows.push(("inte en tid".into(), at("2026-06-04T13:00:00+02:00")));
    }
    central.raw.insert(&rows, &key).await;
    let events = central.db().events(&key).await.unwrap();
    let door_events: Vec<i64> = events
        .iter()
        .filter(|e| e.device == "dorr-a")
        .map(|e| e.seq)
        .collect();
    assert_eq!(door_events, [1, 2, 3], "the bad rows skipped: {events:?}");
    central.still_answers(&door, &anna, &key).await;
    let (_, pulled) = central.pull(&squatter).await;
    assert!(pulled["events"].as_array().unwrap().is_empty(), "{pulled}");
    let before = central.snapshot(&[&key]).await;

    // Point 5: a kiosk's token cannot forge what only people may do.
    let forbidden = StatusCode::FORBIDDEN;
    let correction = Some(Correction {
        by: "anna".into(),
        reason: "kom tidigare".into(),
    });
    let forgeries: Vec<(&str, EventKind, Refused)> = vec![
        (
            "a check-in as the secretary's",
            checked_in(&other, Source::Secretary),
            (forbidden, "not_door_event", "events[1].event.source"),
        ),
        (
            "a check-in as imported",
            checked_in(&other, Source::Import),
            (forbidden, "not_door_event", "events[1].event.source"),
        ),
        (
            "a correction",
            EventKind::CheckedIn {
                person: other.clone(),
                source: Source::Touch,
                substitute_for: None,
                correction: correction.clone(),
                remote: false,
            },
            (forbidden, "not_door_event", "events[1].event.correction"),
        ),
        (
            "a check-out corrected",
            EventKind::CheckedOut {
                person: person.clone(),
                source: Source::Nfc,
                correction,
            },
            (forbidden, "not_door_event", "events[1].event.correction"),
        ),
        (
            "a new card expected",
            EventKind::CardExpected {
                person: other.clone(),
                by: "anna".into(),
            },
            (forbidden, "not_door_event", "events[1].event.type"),
        ),
        (
            "a card revoked",
            EventKind::CardRevoked {
                person: person.clone(),
                card: "abcdef".into(),
                by: "anna".into(),
            },
            (forbidden, "not_door_event", "events[1].event.type"),
        ),
        (
            "a correction withdrawn",
            EventKind::CorrectionWithdrawn {
                person: person.clone(),
                withdrawn: Corrected::CheckedIn,
                item: None,
                withdrawn_at: server_time().fixed_offset(),
                by: "anna".into(),
                reason: "fel".into(),
            },
            (forbidden, "not_door_event", "events[1].event.type"),
        ),
        (
            "a card registered 'by the secretary' she never asked for",
            EventKind::CardEnrolled {
                person: other.clone(),
                card: "0123456789abcdef".into(),
                by: Authority::Secretary,
            },
            (forbidden, "not_door_event", "events[1].event.by"),
        ),
    ];
    for (what, kind, expected) in forgeries {
        let answer = central
            .push(
                &door,
                vec![
                    good(4, EventKind::BreakStarted { minutes: None }),
                    good(5, kind),
                ],
            )
            .await;
        assert_refused(what, &answer, expected);
    }
    assert_eq!(
        central.snapshot(&[&key]).await,
        before,
        "nothing forged stored"
    );
    central.still_answers(&door, &anna, &key).await;
    // What the secretary asks for on the pages, the door may then do.
    let status = central
        .post(
            &anna,
            "/cards/expect",
            &[
                ("csrf", anna.csrf.clone()),
                ("target", format!("{key}|{other}")),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, body) = central
        .push(
            &door,
            vec![
                good(
                    4,
                    EventKind::CardEnrolled {
                        person: other.clone(),
                        card: "0123456789abcdef".into(),
                        by: Authority::Secretary,
                    },
                ),
                good(
                    5,
                    EventKind::CardEnrolled {
                        person: person.clone(),
                        card: "fedcba9876543210".into(),
                        by: Authority::Pin,
                    },
                ),
            ],
        )
        .await;
    assert_eq!(
        (status, body["acked_seq"].as_i64()),
        (StatusCode::OK, Some(5)),
        "{body}"
    );
    let (_, cards) = central.page(&anna, "/cards").await;
    assert!(cards.contains(&other) && cards.contains(&person), "{cards}");

    // Point 6: a kiosk of another room cannot squat a meeting. A meeting
    // another room holds is refused; a label a kiosk uploads elsewhere is
    // that kiosk's own meeting there: the secretary's import of the same
    // body and day is a meeting with an id of its own in her room, and
    // none of the squatter's events or text reach it.
    let mut squatted = m.clone();
    squatted.body = "SRO".into();
    assert_refused(
        "another room's meeting",
        &central.put_meeting(&squatter, &squatted).await,
        (forbidden, "other_room", "hör till ett annat rum"),
    );
    let mut planted = next_year();
    planted.items[0].title = "Kioskens egen text".into();
    let label = meeting_key(&planted);
    assert_eq!(
        central.put_meeting(&squatter, &planted).await.0,
        StatusCode::OK
    );
    let planted_event = wire_event("dorr-b", 1, &label, checked_in(&person, Source::Nfc));
    let (status, body) = central
        .push(
            &squatter,
            vec![serde_json::to_value(&planted_event).unwrap()],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let real = next_year();
    let mut form = vec![
        ("csrf", anna.csrf.clone()),
        ("meeting", serde_json::to_string(&real).unwrap()),
        ("room", ROOM.to_string()),
    ];
    form.extend(preview_fields(&real));
    let status = central.post(&anna, "/import/save", &form).await;
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "the secretary's import is saved"
    );
    let theirs = motesskylt_central::schedule::schedule(central.db(), Some(ROOM), Some(real.date))
        .await
        .unwrap();
    assert_eq!(theirs.len(), 1, "{theirs:?}");
    let next = theirs[0].key.clone();
    assert_ne!(next, label, "a meeting of its own, not the squatted label");
    let entry = central.db().meeting(&next).await.unwrap().unwrap();
    assert_eq!(
        (entry.room.as_str(), entry.from_pages),
        (ROOM, true),
        "the meeting is the secretary's, in her room"
    );
    assert_eq!(entry.meeting.items[0].title, real.items[0].title);
    assert!(
        central.db().events(&next).await.unwrap().is_empty(),
        "none of the squatter's events"
    );
    let (_, page) = central.page(&anna, &format!("/meetings/{next}")).await;
    assert!(!page.contains("Kioskens egen text"), "{page}");
    let again = wire_event("dorr-b", 2, &next, checked_in(&person, Source::Nfc));
    assert_refused(
        "pushing to the secretary's meeting",
        &central
            .push(&squatter, vec![serde_json::to_value(&again).unwrap()])
            .await,
        (forbidden, "other_room", "hör till ett annat rum"),
    );
    let (_, pulled) = central.pull(&door).await;
    let mine: Vec<&str> = pulled["meetings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["key"].as_str().unwrap())
        .collect();
    assert!(mine.contains(&next.as_str()), "{pulled}");
    assert!(!mine.contains(&label.as_str()), "{pulled}");
    assert!(
        pulled["events"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["device"] != "dorr-b"),
        "{pulled}"
    );
    central.still_answers(&door, &anna, &next).await;
    central.still_answers(&door, &anna, &key).await;
    // Nothing was lost: the door's events are all there.
    let seqs: Vec<i64> = central
        .db()
        .events(&key)
        .await
        .unwrap()
        .iter()
        .filter(|e| e.device == "dorr-a")
        .map(|e| e.seq)
        .collect();
    assert_eq!(seqs, [1, 2, 3, 4, 5]);
    central
        .db()
        .audit(&AuditEntry {
            at: server_time(),
            who: "test".into(),
            action: "check".into(),
            meeting: None,
            detail: "the audit log is still written".into(),
        })
        .await
        .unwrap();

    // Point 12: the card registry reads the card events only, so it
    // stays fast however long the meetings' logs grow.
    let body = at("2026-06-04T13:00:00+02:00");
    let rows: Vec<(String, String)> = (0..100_000)
        .map(|_| (server_time().to_rfc3339(), body.clone()))
        .collect();
    central.raw.insert(&rows, &key).await;
    let started = Instant::now();
    let (status, cards) = central.page(&anna, "/cards").await;
    let took = started.elapsed();
    assert_eq!(status, StatusCode::OK);
    assert!(cards.contains(&other) && cards.contains(&person), "{cards}");
    assert!(
        took < std::time::Duration::from_millis(500),
        "/cards beside 100,000 check-ins took {took:?}"
    );
    central.server.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("central.sqlite");
    attacks(
        AnyDb::Sqlite(SqliteDb::open(&path).unwrap()),
        Raw::Sqlite(path),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgresql() {
    let Some(url) = common::database_url("central_attacks on_postgresql") else {
        return;
    };
    let schema = format!("motesskylt_attacks_{}", Uuid::now_v7().simple());
    let db = AnyDb::Postgres(
        PostgresDb::connect_in_schema(&url, Some(&schema))
            .await
            .unwrap(),
    );
    attacks(
        db,
        Raw::Postgres {
            url: url.clone(),
            schema: schema.clone(),
        },
    )
    .await;
    common::drop_schema(&url, &schema).await;
}
