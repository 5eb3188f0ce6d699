//! Fail-over behind HAProxy, as the README's "Several servers behind
//! HAProxy" sets it up: the README's `haproxy.cfg` (TLS off, loopback
//! ports), two real `motesskylt central` processes on a PostgreSQL
//! database of their own (`TEST_DATABASE_URL` names the server; skipped
//! with a notice without it; `.ci/run` runs it, installing Debian's
//! haproxy) and two headless kiosks of one room tapping through the
//! balancer.
//!
//! 1. One server's database login is taken away and its connections
//!    ended: its `/healthz` says 503, HAProxy takes it out, and the
//!    kiosks' taps all go through the other and reach each other.
//! 2. The login is given back: HAProxy takes the server in again.
//! 3. The other server is killed with SIGKILL in the middle of the
//!    meeting, with taps on the way.
//!
//! At the end every event of both kiosks is in the store exactly once and
//! each kiosk has heard every one of the other's events exactly once.

mod common;
mod haproxy;
mod processes;

use std::collections::HashSet;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use processes::{BIN, Kiosk, lines_of};
use uuid::Uuid;

/// A free port on loopback (free when asked; the caller binds it next).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `GET path` on `127.0.0.1:port`: the status and the body, or `None`
/// when nothing answers.
fn get(port: u16, path: &str) -> Option<(u16, String)> {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    let status = answer.split(' ').nth(1)?.parse().ok()?;
    let body = answer.split_once("\r\n\r\n")?.1.to_string();
    Some((status, body))
}

/// A process killed when the test ends, however it ends.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A `motesskylt central` on `database_url`, listening on a port of its
/// own; its configuration is `dir/{name}.toml`.
struct Central {
    process: Process,
    port: u16,
    config: std::path::PathBuf,
}

impl Central {
    fn start(dir: &Path, name: &str, database_url: &str) -> Central {
        let config = dir.join(format!("{name}.toml"));
        std::fs::write(
            &config,
            format!(
                "[server]\nlisten = \"127.0.0.1:0\"\ndatabase_url = \"{database_url}\"\nsecret_file = \"{}\"\n",
                dir.join("central.key").display()
            ),
        )
        .unwrap();
        let mut child = Command::new(BIN)
            .args(["central", "--config"])
            .arg(&config)
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(dir.join(format!("{name}.log"))).unwrap())
            .spawn()
            .unwrap();
        let line = lines_of(child.stdout.take().unwrap())
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("{name} did not say where it listens"));
        let port = line.rsplit(':').next().unwrap().parse().unwrap();
        Central {
            process: Process(child),
            port,
            config,
        }
    }

    /// A one-time code enrolling a kiosk in `room`.
    fn code(&self, room: &str) -> String {
        let out = Command::new(BIN)
            .args(["central", "--config"])
            .arg(&self.config)
            .args(["code", "--room", room])
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let text = String::from_utf8(out.stdout).unwrap();
        text.lines().next().unwrap().to_string()
    }

    /// The status `/healthz` answers with.
    fn health(&self) -> Option<u16> {
        get(self.port, "/healthz").map(|(status, _)| status)
    }
}

/// HAProxy running the README's example on loopback ports.
struct Balancer {
    _process: Process,
    port: u16,
    /// Its administration socket.
    socket: std::path::PathBuf,
}

impl Balancer {
    fn start(dir: &Path, servers: [u16; 2]) -> Balancer {
        let port = free_port();
        let servers = servers.map(|port| std::net::SocketAddr::from(([127, 0, 0, 1], port)));
        let config = haproxy::config(port, &servers, &dir.join("admin.sock")).unwrap();
        let path = dir.join("haproxy.cfg");
        std::fs::write(&path, config).unwrap();
        let haproxy = ["/usr/sbin/haproxy", "haproxy"]
            .into_iter()
            .find(|h| Command::new(h).arg("-v").output().is_ok())
            .expect("haproxy is installed (apt-get install haproxy; .ci/run does)");
        let check = Command::new(haproxy)
            .args(["-c", "-f"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(check.status.success(), "haproxy -c: {check:?}");
        let child = Command::new(haproxy)
            .args(["-db", "-f"])
            .arg(&path)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("haproxy.log")).unwrap())
            .spawn()
            .unwrap();
        let balancer = Balancer {
            _process: Process(child),
            port,
            socket: dir.join("admin.sock"),
        };
        balancer.wait_for("both servers up", |b| b.up() == ["UP", "UP"]);
        balancer
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The state HAProxy's checks gave each server (`UP`, `DOWN`, …).
    fn up(&self) -> Vec<String> {
        self.servers()
            .into_iter()
            .map(|(state, ..)| state)
            .collect()
    }

    /// Each server's state, the connections HAProxy holds open to it and
    /// the requests it has sent it in all, as `show stat` on its socket
    /// tells (CSV).
    fn servers(&self) -> Vec<(String, u64, u64)> {
        let Ok(mut socket) = std::os::unix::net::UnixStream::connect(&self.socket) else {
            return Vec::new();
        };
        let mut csv = String::new();
        if socket.write_all(b"show stat\n").is_err() || socket.read_to_string(&mut csv).is_err() {
            return Vec::new();
        }
        let mut lines = csv.lines();
        let header: Vec<&str> = lines
            .next()
            .unwrap_or_default()
            .trim_start_matches("# ")
            .split(',')
            .collect();
        let column = |name: &str| header.iter().position(|h| *h == name);
        let (Some(proxy), Some(server), Some(status), Some(open), Some(total)) = (
            column("pxname"),
            column("svname"),
            column("status"),
            column("scur"),
            column("stot"),
        ) else {
            return Vec::new();
        };
        lines
            .map(|l| l.split(',').collect::<Vec<_>>())
            .filter(|f| f.len() > status.max(open).max(total))
            .filter(|f| f[proxy] == "central" && f[server].starts_with("central-"))
            .map(|f| {
                let number = |i: usize| f[i].parse().unwrap_or(0);
                (f[status].to_string(), number(open), number(total))
            })
            .collect()
    }

    fn wait_for(&self, what: &str, done: impl Fn(&Balancer) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !done(self) {
            assert!(
                Instant::now() < deadline,
                "waited 20 s for {what}: HAProxy says {:?}",
                self.up()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// The test's database and role, dropped when the test ends, however it
/// ends (a failed run leaves no login role behind).
struct Scratch {
    url: String,
    database: String,
    role: String,
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let statements = [
            format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.database),
            format!("DROP ROLE IF EXISTS {}", self.role),
        ];
        let url = self.url.clone();
        // Its own thread and runtime: a drop cannot wait inside the test's.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                let admin = common::admin(&url).await;
                for statement in statements {
                    admin.batch_execute(&statement).await.unwrap();
                }
            });
        })
        .join();
        if dropped.is_err() && !std::thread::panicking() {
            panic!("the test's database or role could not be dropped");
        }
    }
}

/// Both kiosks' taps: each kiosk stores events of its own, returned by id.
fn taps(a: &mut Kiosk, b: &mut Kiosk, names: &[&str]) -> (Vec<String>, Vec<String>) {
    let (mut at_a, mut at_b) = (Vec::new(), Vec::new());
    for name in names {
        a.stored("open-picker");
        at_a.extend(a.stored(&format!("pick {name}")));
        at_b.extend(b.stored("next"));
    }
    assert_eq!(at_a.len(), names.len(), "one check-in a tap");
    (at_a, at_b)
}

/// Waits until both kiosks' outboxes are empty and each has heard all of
/// `from_a` (at B) and `from_b` (at A).
fn settled(a: &mut Kiosk, b: &mut Kiosk, from_a: &[String], from_b: &[String], when: &str) {
    a.until(&format!("A's outbox empty ({when})"), |a| {
        a.online() && a.unsent() == 0
    });
    b.until(&format!("B's outbox empty ({when})"), |b| {
        b.online() && b.unsent() == 0
    });
    a.until(&format!("B's taps heard at A ({when})"), |a| {
        from_b.iter().all(|id| a.learned.contains(id))
    });
    b.until(&format!("A's taps heard at B ({when})"), |b| {
        from_a.iter().all(|id| b.learned.contains(id))
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_lost_behind_haproxy_loses_and_doubles_nothing() {
    let Some(url) = common::database_url("a_server_lost_behind_haproxy_loses_and_doubles_nothing")
    else {
        return;
    };
    let suffix = Uuid::now_v7().simple().to_string();
    let (database, role) = (
        format!("t_failover_{suffix}"),
        format!("t_central_2_{suffix}"),
    );
    let admin = common::admin(&url).await;
    // One statement each: CREATE DATABASE runs outside a transaction.
    let _scratch = Scratch {
        url: url.clone(),
        database: database.clone(),
        role: role.clone(),
    };
    for statement in [
        format!("CREATE DATABASE {database}"),
        format!("CREATE ROLE {role} SUPERUSER LOGIN"),
    ] {
        admin.batch_execute(&statement).await.unwrap();
    }
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path();

    let one = Central::start(
        dir,
        "central-1",
        &common::url_of_database(&url, None, &database),
    );
    let two = Central::start(
        dir,
        "central-2",
        &common::url_of_database(&url, Some(&role), &database),
    );
    let balancer = Balancer::start(dir, [one.port, two.port]);
    let mut a = Kiosk::start_at(dir, "dorr-a", &balancer.url(), &one.code("rum-1"));
    let mut b = Kiosk::start_at(dir, "dorr-b", &balancer.url(), &two.code("rum-1"));
    a.until("A online", Kiosk::online);
    b.until("B online", Kiosk::online);
    let (mut from_a, mut from_b) = taps(&mut a, &mut b, &["Olof Lundberg", "Ulf Olsson"]);
    settled(&mut a, &mut b, &from_a, &from_b, "both servers up");

    // A third kiosk's live stream besides A's and B's: with the fewest
    // connections chosen, server 2 now holds at least one stream.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::new();
    let enrolled: serde_json::Value = http
        .post(format!("{}/api/v1/enrol", balancer.url()))
        .json(&serde_json::json!({"code": one.code("rum-1"), "device": "dorr-c"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let _third = http
        .get(format!(
            "{}/api/v1/live?events=0&meetings=0",
            balancer.url()
        ))
        .bearer_auth(enrolled["token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    balancer.wait_for("a live stream on server 2", |b| {
        b.servers().get(1).is_some_and(|(_, open, _)| *open >= 1)
    });

    // Server 2 loses its database: taken out, everything through server 1.
    admin
        .batch_execute(&format!(
            "ALTER ROLE {role} NOLOGIN; \
             SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{role}'"
        ))
        .await
        .unwrap();
    balancer.wait_for("server 2 taken out", |b| b.up() == ["UP", "DOWN"]);
    // Its live streams closed, so that their kiosks reconnect to server 1.
    balancer.wait_for("server 2's streams closed", |b| {
        b.servers().get(1).is_some_and(|(_, open, _)| *open == 0)
    });
    assert_eq!(two.health(), Some(503), "/healthz without a database");
    let sent_to_two = balancer.servers()[1].2;
    let (at_a, at_b) = taps(&mut a, &mut b, &["Linn Brandström", "Peter Eriksson"]);
    from_a.extend(at_a);
    from_b.extend(at_b);
    settled(&mut a, &mut b, &from_a, &from_b, "server 2 out");
    assert_eq!(
        balancer.servers()[1].2,
        sent_to_two,
        "no request went to server 2 while it was out"
    );

    // Its database back: taken in again.
    admin
        .batch_execute(&format!("ALTER ROLE {role} LOGIN"))
        .await
        .unwrap();
    balancer.wait_for("server 2 taken in", |b| b.up() == ["UP", "UP"]);
    assert_eq!(two.health(), Some(200));

    // Server 1 killed in the middle of the meeting, taps on the way.
    let (at_a, at_b) = taps(&mut a, &mut b, &["Adam Johansson"]);
    from_a.extend(at_a);
    from_b.extend(at_b);
    drop(one.process);
    let (at_a, at_b) = taps(&mut a, &mut b, &["Bengt Hilmersson", "Dan Nyberg"]);
    from_a.extend(at_a);
    from_b.extend(at_b);
    balancer.wait_for("server 1 taken out", |b| b.up() == ["DOWN", "UP"]);
    settled(&mut a, &mut b, &from_a, &from_b, "server 1 killed");

    // Every event once in the store, and heard once by the other kiosk.
    let store = common::admin(&common::url_of_database(&url, None, &database)).await;
    for (device, sent) in [("dorr-a", &from_a), ("dorr-b", &from_b)] {
        let rows = store
            .query(
                "SELECT id::text, seq FROM events WHERE device = $1 ORDER BY seq",
                &[&device],
            )
            .await
            .unwrap();
        let ids: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
        let seqs: Vec<i64> = rows.iter().map(|r| r.get(1)).collect();
        let stored: HashSet<&String> = ids.iter().collect();
        assert_eq!(stored.len(), ids.len(), "{device}: an event stored twice");
        assert_eq!(
            stored,
            sent.iter().collect::<HashSet<_>>(),
            "{device}: the store holds exactly what the kiosk recorded"
        );
        assert_eq!(
            seqs,
            (1..=sent.len() as i64).collect::<Vec<_>>(),
            "{device}: no gap"
        );
    }
    for (kiosk, other) in [(&a, &from_b), (&b, &from_a)] {
        let heard: Vec<&String> = kiosk
            .learned
            .iter()
            .filter(|id| other.contains(id))
            .collect();
        assert_eq!(
            heard.len(),
            other.len(),
            "each of the other's events heard once"
        );
    }
    // The processes go first; then the scratch database and role.
    drop((a, b, two, balancer, store));
}
