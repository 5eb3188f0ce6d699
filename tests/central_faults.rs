//! The central server under faults and attacks (issue 16), over real HTTP
//! on loopback with a SQLite store: 2,000 slow connections held while
//! `/healthz` and the sign-in page still answer (the real binary, started
//! with the 1,024 open files a service gets by default); slow headers and
//! idle keep-alives closed; enrolment codes guessed at speed refused and
//! kept only as a keyed hash; `/healthz` on a store that cannot be
//! written; `/metrics` and who may read it; the live stream unbuffered
//! for a proxy.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{PASSWORD, sqlite};
use motesskylt_central::config::ServerConfig;
use motesskylt_central::db::{AnyDb, Role, SqliteDb};
use motesskylt_central::server;
use reqwest::StatusCode;
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_motesskylt");

/// The real binary as a service: its own soft limit of open files set
/// to 1,024 (systemd's default), killed when dropped.
struct Central {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Central {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn central(dir: &Path, extra: &str) -> Central {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = dir.join("central.toml");
    std::fs::write(
        &config,
        format!(
            "[server]\nlisten = \"127.0.0.1:{port}\"\ndatabase = \"{}\"\n{extra}",
            dir.join("central.sqlite").display()
        ),
    )
    .unwrap();
    let child = Command::new("sh")
        .arg("-c")
        .arg("ulimit -Sn 1024 && exec \"$0\" \"$@\"")
        .arg(BIN)
        .args(["central", "--config"])
        .arg(&config)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let central = Central { child, addr };
    let deadline = Instant::now() + Duration::from_secs(20);
    while get(addr, "/healthz", Duration::from_secs(1)).is_err() {
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    central
}

/// A plain HTTP/1.1 GET with `Connection: close`: the status line's code.
fn get(addr: SocketAddr, path: &str, within: Duration) -> std::io::Result<u16> {
    let mut stream = TcpStream::connect_timeout(&addr, within)?;
    stream.set_read_timeout(Some(within))?;
    stream.set_write_timeout(Some(within))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"
    )?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer)?;
    let text = String::from_utf8_lossy(&answer);
    text.split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("no status line: {text:.80}")))
}

/// Raises this process's own soft limit of open files (the slow clients
/// are ours).
fn raise_own_file_limit(at_least: u64) {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE).unwrap();
    assert!(
        hard >= at_least,
        "this test needs {at_least} open files, the hard limit is {hard}"
    );
    if soft < at_least {
        setrlimit(Resource::RLIMIT_NOFILE, hard, hard).unwrap();
    }
}

#[test]
fn two_thousand_slow_connections_leave_healthz_and_the_sign_in_page_answering() {
    raise_own_file_limit(4096);
    let dir = tempfile::tempdir().unwrap();
    let central = central(dir.path(), "header_timeout_seconds = 4\n");
    // 2,000 clients that begin a request and never finish its headers.
    let started = Instant::now();
    let mut slow = Vec::new();
    for i in 0..2000 {
        let mut stream = TcpStream::connect_timeout(&central.addr, Duration::from_secs(5))
            .unwrap_or_else(|e| panic!("slow connection {i}: {e}"));
        stream
            .write_all(b"GET /meetings HTTP/1.1\r\nHost: te")
            .unwrap();
        slow.push(stream);
    }
    let held = started.elapsed();
    assert!(held < Duration::from_secs(3), "opening them took {held:?}");
    // While they are held, the server answers everyone else at once.
    for path in ["/healthz", "/login", "/healthz"] {
        let asked = Instant::now();
        let status = get(central.addr, path, Duration::from_secs(2))
            .unwrap_or_else(|e| panic!("{path} with 2,000 slow connections held: {e}"));
        assert_eq!(status, 200, "{path}");
        assert!(asked.elapsed() < Duration::from_secs(2), "{path}");
    }
    // The slow ones are closed once their headers are late (4 s).
    let mut closed = 0;
    for stream in slow.iter_mut().step_by(100) {
        stream
            .set_read_timeout(Some(Duration::from_secs(8)))
            .unwrap();
        let mut buf = [0u8; 512];
        // EOF, a 408, or a reset: the server let go of it.
        match stream.read(&mut buf) {
            Ok(_) => closed += 1,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => closed += 1,
            Err(e) => panic!("a slow connection was kept open: {e}"),
        }
    }
    assert_eq!(closed, 20);
    assert!(started.elapsed() < Duration::from_secs(12));
    drop(slow);

    // An idle kept-alive connection is closed after as long.
    let mut idle = TcpStream::connect(central.addr).unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n")
        .unwrap();
    idle.set_read_timeout(Some(Duration::from_secs(8))).unwrap();
    let mut answer = Vec::new();
    let since = Instant::now();
    let _ = idle.read_to_end(&mut answer);
    assert!(
        String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
    assert!(
        since.elapsed() < Duration::from_secs(7),
        "an idle keep-alive was not closed: {:?}",
        since.elapsed()
    );
}

#[test]
fn the_service_unit_raises_its_open_file_limit() {
    let unit = include_str!("../cross/debian/motesskylt-central.service");
    let limit: u64 = unit
        .lines()
        .find_map(|l| l.strip_prefix("LimitNOFILE="))
        .expect("LimitNOFILE in motesskylt-central.service")
        .trim()
        .parse()
        .unwrap();
    assert!(limit >= 16384, "{limit}");
}

/// A server in this process on a SQLite file in `dir`, its key for
/// enrolment codes beside it.
async fn start(dir: &Path, db: AnyDb, config: ServerConfig) -> common::Server {
    let config = ServerConfig {
        secret_file: Some(dir.join("central.key")),
        ..config
    };
    common::Server::start(config, db, common::server_time).await
}

#[tokio::test]
async fn healthz_says_so_when_the_store_cannot_be_written() {
    let dir = tempfile::tempdir().unwrap();
    drop(sqlite(dir.path()));
    let common::Server {
        running,
        http,
        base,
        ..
    } = start(dir.path(), sqlite(dir.path()), ServerConfig::default()).await;
    let answer = http.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    running.stop().await.unwrap();

    // The same file, read-only (as when its file or directory lost write
    // permission, or the disk was remounted read-only).
    let read_only = format!(
        "file:{}?mode=ro",
        dir.path().join("central.sqlite").display()
    );
    let db = AnyDb::Sqlite(SqliteDb::open(Path::new(&read_only)).unwrap());
    let common::Server {
        running: _running,
        base,
        ..
    } = start(dir.path(), db, ServerConfig::default()).await;
    let answer = http.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(answer.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = answer.json().await.unwrap();
    assert_eq!(body["status"], "storage read-only", "{body}");
    assert!(
        body["reason"]
            .as_str()
            .unwrap()
            .contains("går inte att skriva"),
        "{body}"
    );
}

#[tokio::test]
async fn enrolment_codes_cannot_be_guessed_at_speed_and_are_kept_keyed() {
    let dir = tempfile::tempdir().unwrap();
    let config = ServerConfig {
        secret_file: Some(dir.path().join("central.key")),
        ..ServerConfig::default()
    };
    let common::Server {
        running,
        http,
        base,
        ..
    } = start(dir.path(), sqlite(dir.path()), config.clone()).await;
    let enrol = |ip: &str, code: &str, device: &str| {
        http.post(format!("{base}/api/v1/enrol"))
            .header("x-forwarded-for", ip)
            .json(&json!({"code": code, "device": device}))
            .send()
    };
    let code = server::new_code(&running.db, &config, "rum-1")
        .await
        .unwrap();

    // Kept only as its HMAC under the server's key.
    let stored: String = rusqlite::Connection::open(dir.path().join("central.sqlite"))
        .unwrap()
        .query_row("SELECT hash FROM codes", [], |r| r.get(0))
        .unwrap();
    assert!(stored.starts_with("hmac:"), "{stored}");
    assert_eq!(stored, running.code_key.hash(&code));
    assert_ne!(stored, motesskylt_central::secret::hash(&code));

    // One guesser behind the proxy: ten wrong codes, then 429.
    let guesser = "203.0.113.66";
    for i in 0..10 {
        let answer = enrol(guesser, &format!("AAAA-{i:04}"), "gissare")
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::FORBIDDEN, "guess {i}");
    }
    let refused = enrol(guesser, &code, "gissare").await.unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.headers().contains_key("retry-after"));
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"], "too_many_attempts");
    // The kiosk enrols from its own address.
    let kiosk = enrol("198.51.100.20", &code, "dorr-1").await.unwrap();
    assert_eq!(kiosk.status(), StatusCode::CREATED);

    // Many guessers together meet the cap on all failures.
    let mut limited = false;
    for i in 0..120 {
        let ip = format!("198.18.{}.{}", i / 200, i % 200 + 1);
        let answer = enrol(&ip, "BBBB-CCCC", "gissare").await.unwrap();
        if answer.status() == StatusCode::TOO_MANY_REQUESTS {
            limited = true;
            break;
        }
        assert_eq!(answer.status(), StatusCode::FORBIDDEN);
    }
    assert!(limited, "no cap on failures from many addresses");
}

#[tokio::test]
async fn metrics_are_prometheus_text_for_the_token_or_an_administrator() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite(dir.path());
    common::add_users(
        &db,
        &[
            ("admin", Role::Admin, vec!["SRO"]),
            ("anna", Role::Secretary, vec!["SRO"]),
        ],
    )
    .await;
    let token = "0123456789abcdef0123456789abcdef";
    let config = ServerConfig {
        metrics_token: Some(token.into()),
        ..ServerConfig::default()
    };
    let common::Server {
        running,
        http,
        base,
        ..
    } = start(dir.path(), db, config).await;
    let url = format!("{base}/metrics");
    assert_eq!(
        http.get(&url).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        http.get(&url)
            .bearer_auth("0123456789abcdef0123456789abcdeX")
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let sign_in = |name: &str| {
        http.post(format!("{base}/login"))
            .form(&[("name", name), ("password", PASSWORD)])
            .send()
    };
    let cookie = |answer: &reqwest::Response| {
        answer.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string()
    };
    let anna = cookie(&sign_in("anna").await.unwrap());
    assert_eq!(
        http.get(&url)
            .header("cookie", &anna)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED,
        "a secretary is not an administrator"
    );
    let admin = cookie(&sign_in("admin").await.unwrap());
    let by_admin = http
        .get(&url)
        .header("cookie", &admin)
        .send()
        .await
        .unwrap();
    assert_eq!(by_admin.status(), StatusCode::OK);

    let answer = http.get(&url).bearer_auth(token).send().await.unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    assert!(
        answer.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = answer.text().await.unwrap();
    // Every line a comment or `name{labels} value`.
    let sample = regex::Regex::new(
        r#"^[a-z_:][a-z0-9_:]*(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? -?[0-9.e+-]+$"#,
    )
    .unwrap();
    for line in text.lines() {
        assert!(
            line.starts_with("# HELP ") || line.starts_with("# TYPE ") || sample.is_match(line),
            "not the text format: {line}"
        );
    }
    for name in [
        "motesskylt_events_ingested_total",
        "motesskylt_pushes_total",
        "motesskylt_device_backlog_events",
        "motesskylt_http_request_duration_seconds",
    ] {
        assert!(text.contains(&format!("# TYPE {name} ")), "{name}: {text}");
    }
    let count: u64 = text
        .lines()
        .find_map(|l| l.strip_prefix("motesskylt_http_request_duration_seconds_count "))
        .unwrap()
        .parse()
        .unwrap();
    assert!(count >= 4, "{count}");
    assert!(text.contains(&format!(
        "motesskylt_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}"
    )));
    drop(running);

    // Without a token, only administrators, and nobody else learns it exists.
    let dir = tempfile::tempdir().unwrap();
    let common::Server {
        running: _running,
        base,
        ..
    } = start(dir.path(), sqlite(dir.path()), ServerConfig::default()).await;
    let answer = http
        .get(format!("{base}/metrics"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_live_stream_tells_a_proxy_not_to_buffer() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), sqlite(dir.path()), ServerConfig::default()).await;
    let token = server.enrol("rum-1", "dorr-1").await;
    let live = server
        .http
        .get(server.url("/api/v1/live?events=0&meetings=0"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), StatusCode::OK);
    assert_eq!(live.headers()["x-accel-buffering"], "no");
    assert_eq!(live.headers()["content-type"], "text/event-stream");
}
