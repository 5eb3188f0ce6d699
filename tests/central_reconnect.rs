//! The central server on PostgreSQL when the database goes away
//! (`TEST_DATABASE_URL`, e.g. postgres://postgres@127.0.0.1/test; skipped
//! with a notice without it; `.ci/run` runs it): its connections killed
//! with `pg_terminate_backend`, and the database unreachable for a while
//! (`/healthz` says so) — the same server answers again without a
//! restart. And TLS to the database as the URL's `sslmode` asks.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{admin, database_url, drop_schema, meeting, server_time, wire};
use motesskylt_central::config::ServerConfig;
use motesskylt_central::db::{AnyDb, CentralDb, PostgresDb};
use motesskylt_core::model::meeting_key;
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

/// `url` as key=value settings, through `host:port` and under the
/// application name `app` (to find the server's backends), with `extra`.
fn settings(url: &str, host_port: Option<(&str, u16)>, app: &str, extra: &str) -> String {
    let config: tokio_postgres::Config = url.parse().unwrap();
    let (host, port) = match host_port {
        Some((host, port)) => (host.to_string(), port),
        None => (
            match &config.get_hosts()[0] {
                tokio_postgres::config::Host::Tcp(host) => host.clone(),
                tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
            },
            config.get_ports().first().copied().unwrap_or(5432),
        ),
    };
    let mut text = format!(
        "host={host} port={port} dbname={} application_name={app} {extra}",
        config.get_dbname().unwrap_or("postgres")
    );
    if let Some(user) = config.get_user() {
        text.push_str(&format!(" user={user}"));
    }
    if let Some(password) = config.get_password() {
        text.push_str(&format!(" password={}", String::from_utf8_lossy(password)));
    }
    text
}

/// The server with the kiosk `dorr-1` of rum-1 enrolled and the SRO
/// meeting stored, pushing its check-ins.
struct Site {
    server: common::Server,
    token: String,
    key: String,
    seq: i64,
    _dir: tempfile::TempDir,
}

impl Site {
    async fn start(db: AnyDb) -> Site {
        let dir = tempfile::tempdir().unwrap();
        let config = ServerConfig {
            secret_file: Some(dir.path().join("central.key")),
            ..ServerConfig::default()
        };
        let server = common::Server::start(config, db, server_time).await;
        let token = server.enrol("rum-1", "dorr-1").await;
        let meeting = meeting();
        let key = meeting_key(&meeting);
        let put = server
            .http
            .put(server.url(&format!("/api/v1/meetings/{key}")))
            .bearer_auth(&token)
            .json(&meeting)
            .send()
            .await
            .unwrap();
        assert_eq!(put.status(), StatusCode::OK);
        Site {
            server,
            token,
            key,
            seq: 0,
            _dir: dir,
        }
    }

    /// Pushes the next event; its status.
    async fn push(&mut self) -> StatusCode {
        let event = wire("dorr-1", self.seq + 1, &self.key);
        let answer = self
            .server
            .http
            .post(self.server.url("/api/v1/events"))
            .bearer_auth(&self.token)
            .json(&json!({"sent": server_time(), "events": [event]}))
            .send()
            .await
            .unwrap();
        if answer.status() == StatusCode::OK {
            self.seq += 1;
        }
        answer.status()
    }

    async fn healthz(&self) -> (StatusCode, Value) {
        let server = &self.server;
        server.send(server.http.get(server.url("/healthz"))).await
    }

    /// Pushes until one is answered 200 (within `within`); how many were not.
    async fn push_until_ok(&mut self, within: Duration) -> usize {
        let deadline = Instant::now() + within;
        let mut failed = 0;
        loop {
            let status = self.push().await;
            if status == StatusCode::OK {
                return failed;
            }
            assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
            failed += 1;
            assert!(
                Instant::now() < deadline,
                "still {status} after {within:?}: the server did not reconnect"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_recovers_when_its_database_connections_are_killed() {
    let Some(url) = database_url("central_reconnect connections_killed") else {
        return;
    };
    let app = format!("motesskylt_kill_{}", Uuid::now_v7().simple());
    let schema = app.clone();
    let db = PostgresDb::connect_pool(&settings(&url, None, &app, ""), Some(&schema), 4)
        .await
        .unwrap();
    let mut site = Site::start(AnyDb::Postgres(db)).await;
    assert_eq!(site.push().await, StatusCode::OK);
    let admin = admin(&url).await;
    for round in 0..3 {
        let killed: i64 = admin
            .query_one(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1",
                &[&app],
            )
            .await
            .unwrap()
            .get(0);
        assert!(
            killed >= 1,
            "round {round}: no backend of the server to kill"
        );
        // Every connection it had is gone; the next requests get new ones.
        site.push_until_ok(Duration::from_secs(10)).await;
        assert_eq!(site.healthz().await.0, StatusCode::OK);
    }
    let stored = site.server.db().events(&site.key).await.unwrap();
    assert_eq!(stored.len() as i64, site.seq);
    assert_eq!(site.seq, 4);
    drop(site);
    drop_schema(&url, &schema).await;
}

/// A TCP relay to the database that can be cut and restored, standing for
/// the database server going down and coming back.
struct Relay {
    port: u16,
    to: std::net::SocketAddr,
    tasks: Arc<Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl Relay {
    async fn new(to: std::net::SocketAddr) -> Relay {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let relay = Relay {
            port,
            to,
            tasks: Arc::default(),
        };
        relay.up().await;
        relay
    }

    async fn up(&self) {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_reuseaddr(true).unwrap();
        socket
            .bind(format!("127.0.0.1:{}", self.port).parse().unwrap())
            .unwrap();
        let listener = socket.listen(64).unwrap();
        let (to, tasks) = (self.to, self.tasks.clone());
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let relayed = tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(to).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                tasks.lock().unwrap().push(relayed);
            }
        });
        self.tasks.lock().unwrap().push(accept);
    }

    /// Closes the port and every connection through it.
    fn down(&self) {
        for task in self.tasks.lock().unwrap().drain(..) {
            task.abort();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_tells_while_the_database_is_unreachable_and_the_server_comes_back() {
    let Some(url) = database_url("central_reconnect database_unreachable") else {
        return;
    };
    let config: tokio_postgres::Config = url.parse().unwrap();
    let host = match &config.get_hosts()[0] {
        tokio_postgres::config::Host::Tcp(host) if host != "localhost" => host.clone(),
        _ => "127.0.0.1".to_string(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let relay = Relay::new(format!("{host}:{port}").parse().unwrap()).await;
    let app = format!("motesskylt_down_{}", Uuid::now_v7().simple());
    let schema = app.clone();
    let through = settings(&url, Some(("127.0.0.1", relay.port)), &app, "");
    let db = PostgresDb::connect_pool(&through, Some(&schema), 4)
        .await
        .unwrap();
    let mut site = Site::start(AnyDb::Postgres(db)).await;
    assert_eq!(site.push().await, StatusCode::OK);

    relay.down();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (status, body) = site.healthz().await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["status"], "storage unavailable");
    assert!(
        body["reason"]
            .as_str()
            .is_some_and(|r| r.contains("PostgreSQL")),
        "{body}"
    );
    assert_eq!(site.push().await, StatusCode::SERVICE_UNAVAILABLE);

    relay.up().await;
    site.push_until_ok(Duration::from_secs(10)).await;
    assert_eq!(site.healthz().await.0, StatusCode::OK);
    assert_eq!(
        site.server.db().events(&site.key).await.unwrap().len(),
        2,
        "nothing lost, nothing doubled"
    );
    drop(site);
    relay.down();
    drop_schema(&url, &schema).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_database_connection_is_encrypted_as_sslmode_asks() {
    let Some(url) = database_url("central_reconnect sslmode") else {
        return;
    };
    let admin = admin(&url).await;
    let server_ssl: String = admin.query_one("SHOW ssl", &[]).await.unwrap().get(0);
    if server_ssl != "on" {
        eprintln!(
            "NOTICE: central_reconnect sslmode: the test database has ssl off; TLS not checked"
        );
        return;
    }
    for (mode, encrypted) in [("require", true), ("prefer", true), ("disable", false)] {
        let app = format!("motesskylt_tls_{}", Uuid::now_v7().simple());
        let db = PostgresDb::connect_pool(
            &settings(&url, None, &app, &format!("sslmode={mode}")),
            Some(&app),
            1,
        )
        .await
        .unwrap_or_else(|e| panic!("sslmode={mode}: {e}"));
        db.healthy().await.unwrap();
        let ssl: Vec<bool> = admin
            .query(
                "SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
                 WHERE a.application_name = $1",
                &[&app],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        assert_eq!(ssl, vec![encrypted], "sslmode={mode}");
        drop(db);
        drop_schema(&url, &app).await;
    }
    // verify-full checks the certificate: the test server's own
    // (self-signed, Debian's snakeoil) is refused.
    let app = format!("motesskylt_tls_{}", Uuid::now_v7().simple());
    let refused =
        PostgresDb::connect_pool(&settings(&url, None, &app, "sslmode=verify-full"), None, 1).await;
    let error = refused
        .expect_err("an unverifiable certificate was accepted")
        .to_string();
    assert!(error.contains("PostgreSQL"), "{error}");
}
