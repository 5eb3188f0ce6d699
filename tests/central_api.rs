//! The device API over real HTTP on loopback, on SQLite and on PostgreSQL
//! (`TEST_DATABASE_URL`; skipped with a notice without it): every bad
//! request gets its 4xx and changes nothing; a device's clock offset is
//! estimated from its exchanges.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::{meeting, server_time, wire};
use motesskylt_central::config::ServerConfig;
use motesskylt_central::db::{AnyDb, CentralDb, Cursor, PostgresDb, SqliteDb};
use motesskylt_central::server;
use motesskylt_core::model::Event;
use motesskylt_core::model::meeting_key;
use motesskylt_core::model::time::DEFAULT_TIME_ZONE;
use motesskylt_core::wire::WireEvent;
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

/// The server, with its key for enrolment codes in a directory of its own.
struct Api {
    server: common::Server,
    _dir: tempfile::TempDir,
}

impl std::ops::Deref for Api {
    type Target = common::Server;

    fn deref(&self) -> &common::Server {
        &self.server
    }
}

impl Api {
    async fn start(db: AnyDb) -> Api {
        // The server's key for enrolment codes, here and not in /var/lib.
        let dir = tempfile::tempdir().unwrap();
        let config = ServerConfig {
            body_limit_kb: 64,
            secret_file: Some(dir.path().join("central.key")),
            ..ServerConfig::default()
        };
        // The server's clock stands at 12:50 on the meeting day.
        let server = common::Server::start(config, db, server_time).await;
        Api { server, _dir: dir }
    }

    async fn push(&self, token: &str, body: Value) -> (StatusCode, Value) {
        self.send(
            self.http
                .post(self.url("/api/v1/events"))
                .bearer_auth(token)
                .json(&body),
        )
        .await
    }

    /// Everything the store holds, to compare before and after.
    async fn snapshot(&self) -> (Vec<WireEvent>, Vec<WireEvent>, String) {
        let db = &self.running.db;
        let devices = db.devices().await.unwrap();
        // Each room's meetings (every version) and events, as a pull sees them.
        let rooms = (
            db.pull("rum-1", "-", Cursor::default()).await.unwrap(),
            db.pull("rum-2", "-", Cursor::default()).await.unwrap(),
        );
        (
            db.events(&meeting_key(&meeting())).await.unwrap(),
            db.events("OTHER-2026-06-04").await.unwrap(),
            format!("{devices:?} {rooms:?}"),
        )
    }
}

async fn bad_requests_change_nothing(db: AnyDb) {
    let api = Api::start(db).await;
    let (status, body) = api.send(api.http.get(api.url("/healthz"))).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::OK, Some("ok"))
    );

    let a = api.enrol("rum-1", "dorr-a").await;
    let b = api.enrol("rum-2", "dorr-b").await;
    let key = meeting_key(&meeting());
    let (status, _) = api
        .send(
            api.http
                .put(api.url(&format!("/api/v1/meetings/{key}")))
                .bearer_auth(&a)
                .json(&meeting()),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let mut other = meeting();
    other.body = "OTHER".into();
    let (status, _) = api
        .send(
            api.http
                .put(api.url("/api/v1/meetings/OTHER-2026-06-04"))
                .bearer_auth(&b)
                .json(&other),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let good = json!({"sent": server_time(), "events": [wire("dorr-a", 1, &key)]});
    let (status, body) = api.push(&a, good.clone()).await;
    assert_eq!(
        (status, body["added"].as_i64(), body["acked_seq"].as_i64()),
        (StatusCode::OK, Some(1), Some(1))
    );

    // Each bad request: its status, its stable code.
    let code_used = {
        let code = server::new_code(&api.running.db, &api.config, "rum-1")
            .await
            .unwrap();
        let enrol = json!({"code": code, "device": "dorr-c"});
        let (status, _) = api
            .send(api.http.post(api.url("/api/v1/enrol")).json(&enrol))
            .await;
        assert_eq!(status, StatusCode::CREATED);
        // The same code again (a replayed enrolment).
        let again = json!({"code": code, "device": "dorr-d"});
        api.send(api.http.post(api.url("/api/v1/enrol")).json(&again))
            .await
    };
    // dorr-c's enrolment above was meant to change things; from here on
    // nothing may.
    let before = api.snapshot().await;
    let cases: Vec<(&str, (StatusCode, Value), StatusCode, &str)> = vec![
        ("replayed enrolment code", code_used, StatusCode::CONFLICT, "code_used"),
        (
            "unknown enrolment code",
            api.send(api.http.post(api.url("/api/v1/enrol")).json(&json!({"code": "AAAA-BBBB", "device": "x"}))).await,
            StatusCode::FORBIDDEN,
            "code_unknown",
        ),
        (
            "malformed JSON",
            api.send(api.http.post(api.url("/api/v1/events")).bearer_auth(&a).header("content-type", "application/json").body("{\"sent\": ")).await,
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            "JSON of the wrong shape",
            api.push(&a, json!({"sent": server_time(), "events": [{"id": 1}]})).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
        ),
        ("no token", api.send(api.http.post(api.url("/api/v1/events")).json(&good)).await, StatusCode::UNAUTHORIZED, "unauthorized"),
        ("wrong token", api.push("0123abcd", good.clone()).await, StatusCode::UNAUTHORIZED, "unauthorized"),
        (
            "another room's meeting",
            api.push(&a, json!({"sent": server_time(), "events": [wire("dorr-a", 2, "OTHER-2026-06-04")]})).await,
            StatusCode::FORBIDDEN,
            "other_room",
        ),
        (
            "reading another room's meeting",
            api.send(api.http.get(api.url("/api/v1/meetings/OTHER-2026-06-04/events")).bearer_auth(&a)).await,
            StatusCode::FORBIDDEN,
            "other_room",
        ),
        (
            "storing over another room's meeting",
            api.send(api.http.put(api.url("/api/v1/meetings/OTHER-2026-06-04")).bearer_auth(&a).json(&other)).await,
            StatusCode::FORBIDDEN,
            "other_room",
        ),
        (
            "another device's events",
            api.push(&a, json!({"sent": server_time(), "events": [wire("dorr-b", 1, &key)]})).await,
            StatusCode::FORBIDDEN,
            "other_device",
        ),
        (
            "an unknown meeting",
            api.push(&a, json!({"sent": server_time(), "events": [wire("dorr-a", 2, "NY-2027-01-01")]})).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_meeting",
        ),
        (
            "oversized body",
            api.push(&a, json!({"sent": server_time(), "events": (2..400).map(|s| wire("dorr-a", s, &key)).collect::<Vec<_>>()})).await,
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
        ),
        (
            "a meeting under the wrong key",
            api.send(api.http.put(api.url("/api/v1/meetings/SRO-2026-01-01")).bearer_auth(&a).json(&meeting())).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "key_mismatch",
        ),
        (
            "a door that says it shows no meeting's id",
            api.push(&a, json!({"sent": server_time(), "events": [wire("dorr-a", 2, &key)], "showing": "../möte"})).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_showing",
        ),
        ("an unknown path", api.send(api.http.get(api.url("/api/v2/pull")).bearer_auth(&a)).await, StatusCode::NOT_FOUND, "not_found"),
        (
            "another event under a stored sequence number",
            api.push(&a, json!({"sent": server_time(), "events": [wire("dorr-a", 1, &key)]})).await,
            StatusCode::CONFLICT,
            "seq_conflict",
        ),
    ];
    for (what, (status, body), expected, code) in cases {
        assert_eq!(status, expected, "{what}: {body}");
        assert_eq!(body["error"].as_str(), Some(code), "{what}: {body}");
        assert!(
            !body["message"].as_str().unwrap_or_default().is_empty(),
            "{what}: {body}"
        );
    }
    let after = api.snapshot().await;
    assert_eq!(
        (&after.0, &after.1),
        (&before.0, &before.1),
        "no event stored or lost"
    );
    assert_eq!(after.2, before.2, "no device, meeting or room changed");

    // A device sees its own room only: dorr-b's pull has its meeting and
    // nothing of rum-1.
    let (status, pulled) = api
        .send(
            api.http
                .get(api.url("/api/v1/pull?events=0&meetings=0"))
                .bearer_auth(&b),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let keys: Vec<&str> = pulled["meetings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["OTHER-2026-06-04"]);
    assert!(pulled["events"].as_array().unwrap().is_empty());

    // A revoked token is refused from then on.
    api.running
        .db
        .revoke("dorr-a", server_time())
        .await
        .unwrap();
    let (status, body) = api.push(&a, good).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("revoked"))
    );

    // A live stream tells at once of what changed since its cursor, and
    // a stopping server ends it rather than waiting for it.
    let mut live = api
        .http
        .get(api.url("/api/v1/live?events=0&meetings=0"))
        .bearer_auth(&b)
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), StatusCode::OK);
    let first = live.chunk().await.unwrap().unwrap();
    assert!(
        String::from_utf8_lossy(&first).contains("event: sync"),
        "{first:?}"
    );
    let stopped = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        api.server.running.stop(),
    )
    .await;
    assert!(
        matches!(stopped, Ok(Ok(()))),
        "the server stops with a live stream open"
    );
    assert!(
        matches!(live.chunk().await, Ok(None) | Err(_)),
        "the stream has ended"
    );
}

/// A device whose clock is three days behind, not yet synchronised: its
/// pushes carry the timed exchanges, the server keeps the measurement with
/// the shortest round trip for that boot, and the meeting's event log
/// places the events it recorded unsynchronised by their time since boot,
/// flagged.
async fn the_clock_offset_is_estimated(db: AnyDb) {
    let api = Api::start(db).await;
    let token = api.enrol("rum-1", "dorr-a").await;
    let key = meeting_key(&meeting());
    let (status, _) = api
        .send(
            api.http
                .put(api.url(&format!("/api/v1/meetings/{key}")))
                .bearer_auth(&token)
                .json(&meeting()),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let behind = Duration::days(3);
    let device_now = server_time() - behind;
    // The device booted an hour before the server's 12:50.
    let up_ms = 3_600_000;
    let exchange = |round_trip_ms: i64| {
        json!({
            "device_sent": device_now,
            "server_received": server_time() + Duration::milliseconds(round_trip_ms / 2),
            "server_sent": server_time() + Duration::milliseconds(round_trip_ms / 2),
            "device_received": device_now + Duration::milliseconds(round_trip_ms),
            "device_sent_mono_ms": up_ms,
            "device_received_mono_ms": up_ms + round_trip_ms,
        })
    };
    // Checked in while the clock was three days behind; the second event
    // came after NTP had set the clock right.
    let mut early = wire("dorr-a", 1, &key);
    early.boot = "b1".into();
    early.clock_synced = false;
    // Ten minutes before the exchanges, when the wall clock was even two
    // days further off: its time since boot places it, not its wall time.
    early.mono_ms = up_ms - 600_000;
    let recorded = device_now - Duration::days(2);
    early.event = Event::new(recorded, DEFAULT_TIME_ZONE, early.event.kind.clone());
    early.wall = recorded;
    let mut later = wire("dorr-a", 2, &key);
    later.boot = "b1".into();
    let (status, body) = api
        .push(
            &token,
            json!({"sent": device_now, "boot": "b1",
                   "clock": [exchange(800), exchange(20)], "events": [early, later]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let device = api.running.db.devices().await.unwrap().remove(0);
    assert_eq!(device.offset_ms, Some((behind.num_milliseconds(), 10)));
    assert_eq!(device.last_seen, Some(server_time()));

    let log = motesskylt_central::export::event_log(&*api.running.db, &key, DEFAULT_TIME_ZONE)
        .await
        .unwrap();
    let at = |line: &Value| {
        DateTime::parse_from_rfc3339(line["at"].as_str().unwrap())
            .unwrap()
            .with_timezone(&Utc)
    };
    assert_eq!(
        at(&log[0]),
        server_time() - Duration::minutes(10),
        "placed by its time since boot: {}",
        log[0]
    );
    assert_eq!(log[0]["clock_corrected"], true);
    assert_eq!(
        DateTime::parse_from_rfc3339(log[0]["recorded_at"].as_str().unwrap()).unwrap(),
        recorded
    );
    assert_eq!(log[1]["seq"], 2);
    assert!(
        log[1].get("clock_corrected").is_none(),
        "a synchronised clock is left alone"
    );

    // The plan's progress that the door recorded with its first control
    // (item 4 at its planned time, 20 minutes before the press) keeps its
    // distance from the press; an undo of it on the pages follows it.
    use motesskylt_core::model::EventKind;
    let mut plan = wire("dorr-a", 3, &key);
    plan.boot = "b1".into();
    plan.clock_synced = false;
    plan.mono_ms = early.mono_ms;
    plan.wall = recorded;
    plan.event = Event::new(
        recorded - Duration::minutes(20),
        DEFAULT_TIME_ZONE,
        EventKind::ItemStarted { item: "4".into() },
    );
    let (status, body) = api
        .push(
            &token,
            json!({"sent": device_now, "boot": "b1", "events": [plan.clone()]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mut undo = wire(motesskylt_central::drive::PAGES_DEVICE, 1, &key);
    undo.event = Event::new(
        server_time(),
        DEFAULT_TIME_ZONE,
        EventKind::ControlUndone {
            undone_at: plan.event.at,
        },
    );
    api.running
        .db
        .push(
            motesskylt_central::drive::PAGES_DEVICE,
            &[undo],
            server_time(),
        )
        .await
        .unwrap();
    let log = motesskylt_central::export::event_log(&*api.running.db, &key, DEFAULT_TIME_ZONE)
        .await
        .unwrap();
    let item = log.iter().find(|l| l["type"] == "item_started").unwrap();
    assert_eq!(
        at(item),
        server_time() - Duration::minutes(30),
        "ten minutes before the exchanges, and twenty before that: {item}"
    );
    let undone = log.iter().find(|l| l["type"] == "control_undone").unwrap();
    assert_eq!(undone["undone_at"], item["at"], "{undone}");
    api.server.running.stop().await.unwrap();
}

#[tokio::test]
async fn on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    bad_requests_change_nothing(AnyDb::Sqlite(
        SqliteDb::open(&dir.path().join("a.sqlite")).unwrap(),
    ))
    .await;
    the_clock_offset_is_estimated(AnyDb::Sqlite(
        SqliteDb::open(&dir.path().join("b.sqlite")).unwrap(),
    ))
    .await;
}

#[tokio::test]
async fn on_postgresql() {
    let Some(url) = common::database_url("central_api on_postgresql") else {
        return;
    };
    let mut schemas = Vec::new();
    for run in 0..2 {
        let schema = format!("motesskylt_api_{}", Uuid::now_v7().simple());
        let db = AnyDb::Postgres(
            PostgresDb::connect_in_schema(&url, Some(&schema))
                .await
                .unwrap(),
        );
        if run == 0 {
            bad_requests_change_nothing(db).await;
        } else {
            the_clock_offset_is_estimated(db).await;
        }
        schemas.push(schema);
    }
    for schema in schemas {
        common::drop_schema(&url, &schema).await;
    }
}
