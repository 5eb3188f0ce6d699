//! What the central server's integration tests share: a server in this
//! process on a loopback port with a client for it, the SRO meeting, the
//! test clock, a door's check-in on the wire, the people of the pages,
//! their sign-in and the import form, and the PostgreSQL database of
//! `TEST_DATABASE_URL`.
//!
//! Each test file takes it with `mod common;` and builds what is its own
//! (extra configuration, a raw SQL handle, its requests) on it.

// Every test binary compiles this module and uses only part of it.
#![allow(dead_code)]

use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use motesskylt_central::config::ServerConfig;
use motesskylt_central::db::{AnyDb, CentralDb, Role, SqliteDb, UserRecord};
use motesskylt_central::server::{self, Running};
use motesskylt_central::web::auth::hash_password;
use motesskylt_core::model::time::DEFAULT_TIME_ZONE;
use motesskylt_core::model::{Event, EventKind, Meeting, Source};
use motesskylt_core::wire::WireEvent;
use reqwest::StatusCode;
use reqwest::header::{COOKIE, SET_COOKIE};
use serde_json::{Value, json};
use uuid::Uuid;

/// The password of every person [`add_users`] adds.
pub const PASSWORD: &str = "ett långt lösenord";

/// The SRO's meeting of 4 June 2026, imported from its notice (seed 000).
pub fn meeting() -> Meeting {
    motesskylt_core::kallelse::import_bytes(motesskylt_testkit::SRO_NOTICE.as_bytes()).unwrap()
}

/// The instant an RFC 3339 text names.
pub fn utc(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .unwrap()
        .with_timezone(&Utc)
}

/// The server's clock: 12:50 on the SRO meeting's day, Stockholm time.
pub fn server_time() -> DateTime<Utc> {
    utc("2026-06-04T12:50:00+02:00")
}

/// A check-in of `person` by `source`, as a door records it.
pub fn checked_in(person: &str, source: Source) -> EventKind {
    EventKind::CheckedIn {
        person: person.into(),
        source,
        substitute_for: None,
        correction: None,
        remote: false,
    }
}

/// The door `device`'s event number `seq` for `meeting`: `kind`, recorded
/// `seq` seconds after [`server_time`] on a synchronised clock, `seq`
/// seconds after the boot `boot`.
pub fn wire_event(device: &str, seq: i64, meeting: &str, kind: EventKind) -> WireEvent {
    let at = server_time() + Duration::seconds(seq);
    WireEvent {
        id: Uuid::now_v7(),
        device: device.into(),
        seq,
        meeting: meeting.into(),
        wall: at,
        mono_ms: seq * 1000,
        boot: "boot".into(),
        clock_synced: true,
        event: Event::new(at, DEFAULT_TIME_ZONE, kind),
    }
}

/// [`wire_event`] of Marina Johansson's check-in with her card.
pub fn wire(device: &str, seq: i64, meeting: &str) -> WireEvent {
    wire_event(
        device,
        seq,
        meeting,
        checked_in("Marina Johansson", Source::Nfc),
    )
}

/// A SQLite store in `dir` (`central.sqlite`).
pub fn sqlite(dir: &Path) -> AnyDb {
    AnyDb::Sqlite(SqliteDb::open(&dir.join("central.sqlite")).unwrap())
}

/// Adds the people of the pages, each with [`PASSWORD`]: name, role and
/// the bodies whose meetings they see.
pub async fn add_users(db: &AnyDb, users: &[(&str, Role, Vec<&str>)]) {
    let hash = hash_password(PASSWORD).unwrap();
    for (name, role, bodies) in users {
        db.put_user(&UserRecord {
            name: (*name).into(),
            password_hash: hash.clone(),
            role: *role,
            bodies: bodies.iter().map(|b| b.to_string()).collect(),
        })
        .await
        .unwrap();
    }
}

/// A signed-in browser: its cookie and the CSRF token of its forms.
#[derive(Clone)]
pub struct Session {
    /// `motesskylt_session=…`, for the `Cookie` header.
    pub cookie: String,
    /// The token the session's forms carry.
    pub csrf: String,
}

/// The CSRF token of the first form in `html`.
pub fn csrf_of(html: &str) -> String {
    let at = html
        .find("name=\"csrf\" value=\"")
        .expect("a form with a CSRF token")
        + 19;
    html[at..at + 64].to_string()
}

/// The import preview's fields for `m` as its form sends them back
/// unchanged (to `/import/save`).
pub fn preview_fields(m: &Meeting) -> Vec<(&'static str, String)> {
    let hhmm = |t: chrono::NaiveTime| t.format("%H:%M").to_string();
    let mut fields = vec![
        ("body", m.body.clone()),
        ("date", m.date.to_string()),
        ("start", hhmm(m.start)),
        ("end", hhmm(m.end)),
        ("location", m.location.clone().unwrap_or_default()),
    ];
    for (i, item) in m.items.iter().enumerate() {
        let name =
            |f: &str| -> &'static str { Box::leak(format!("item.{i}.{f}").into_boxed_str()) };
        fields.push((name("title"), item.title.clone()));
        fields.push((name("start"), hhmm(item.start)));
        fields.push((name("end"), hhmm(item.end)));
        fields.push((
            name("presenters"),
            item.presenters
                .iter()
                .map(|p| p.name.clone())
                .collect::<Vec<_>>()
                .join(", "),
        ));
    }
    for (i, p) in m.participants.iter().enumerate() {
        let name =
            |f: &str| -> &'static str { Box::leak(format!("person.{i}.{f}").into_boxed_str()) };
        fields.push((name("name"), p.name.clone()));
        fields.push((name("party"), p.party.clone().unwrap_or_default()));
        fields.push((
            name("organisation"),
            p.organisation.clone().unwrap_or_default(),
        ));
    }
    fields
}

/// The central server running in this test's process on a free loopback
/// port, and a client for it that does not follow redirects (a test sees
/// each 303 itself).
pub struct Server {
    /// The running server (its address, store and code key).
    pub running: Running,
    /// The client every request of the test goes through.
    pub http: reqwest::Client,
    /// `http://127.0.0.1:port`.
    pub base: String,
    /// The configuration it was started with; enrolment codes are made
    /// with it.
    pub config: ServerConfig,
}

impl Server {
    /// Starts the server with `config` (its `listen` replaced by port 0 on
    /// the loopback), the store `db` and the clock `now`.
    pub async fn start(
        config: ServerConfig,
        db: AnyDb,
        now: impl Fn() -> DateTime<Utc> + Send + Sync + 'static,
    ) -> Server {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let config = ServerConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            ..config
        };
        let running = server::start(&config, db, Arc::new(now), std::future::pending())
            .await
            .unwrap();
        let base = format!("http://{}", running.addr);
        Server {
            running,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base,
            config,
        }
    }

    /// Its store.
    pub fn db(&self) -> &AnyDb {
        &self.running.db
    }

    /// The address of `path` on it.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends `request`: its status and its JSON body (`null` when it has
    /// none).
    pub async fn send(&self, request: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let response = request.send().await.unwrap();
        let status = response.status();
        let body = response.json().await.unwrap_or(Value::Null);
        (status, body)
    }

    /// Enrols the kiosk `device` in `room` through `/api/v1/enrol` with a
    /// new code for the room: its token.
    pub async fn enrol(&self, room: &str, device: &str) -> String {
        let code = server::new_code(self.db(), &self.config, room)
            .await
            .unwrap();
        let (status, body) = self
            .send(
                self.http
                    .post(self.url("/api/v1/enrol"))
                    .json(&json!({"code": code, "device": device})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["token"].as_str().unwrap().to_string()
    }

    /// Signs `name` in with [`PASSWORD`]; the session's CSRF token is the
    /// import page's.
    pub async fn sign_in(&self, name: &str) -> Session {
        let response = self
            .http
            .post(self.url("/login"))
            .form(&[("name", name), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{name} signs in");
        let cookie = response.headers()[SET_COOKIE]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string();
        let page = self
            .http
            .get(self.url("/import"))
            .header(COOKIE, &cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap_or_default();
        Session {
            csrf: csrf_of(&page),
            cookie,
        }
    }
}

/// `TEST_DATABASE_URL`, or `None` after a notice that `test` is skipped
/// without it (written past libtest's capture, so the skip shows in any
/// run).
pub fn database_url(test: &str) -> Option<String> {
    let url = std::env::var("TEST_DATABASE_URL").ok();
    if url.is_none() {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr().lock(),
            "NOTICE: {test} skipped: set TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1/test) to run it; .ci/run does"
        );
    }
    url
}

/// A plain connection to the database at `url`, beside the server's.
pub async fn admin(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
}

/// Drops a test's schema and everything in it.
pub async fn drop_schema(url: &str, schema: &str) {
    admin(url)
        .await
        .batch_execute(&format!("DROP SCHEMA \"{schema}\" CASCADE"))
        .await
        .unwrap();
}

/// `url` naming the database `database` (and the user `user`, when
/// given), host, port and password as they were.
pub fn url_of_database(url: &str, user: Option<&str>, database: &str) -> String {
    let config: tokio_postgres::Config = url.parse().unwrap();
    let host = match &config.get_hosts()[0] {
        tokio_postgres::config::Host::Tcp(host) => host.clone(),
        #[cfg(unix)]
        tokio_postgres::config::Host::Unix(_) => "127.0.0.1".to_string(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let user = user.or(config.get_user()).unwrap_or("postgres");
    let password = config
        .get_password()
        .map(|p| format!(":{}", String::from_utf8_lossy(p)))
        .unwrap_or_default();
    format!("postgres://{user}{password}@{host}:{port}/{database}")
}
