//! Load on the central server over real HTTP on loopback: many kiosks
//! pushing at once, and one kiosk draining a long offline backlog.
//!
//! The real server (`central::server::start`, the axum router with its
//! timeout and body limits) runs in this process on 127.0.0.1 with a
//! port of its own; every request goes through the TCP stack. The
//! devices are enrolled over HTTP with one-time codes, and the meeting
//! is put with the first device's token, as a kiosk does.
//!
//! 1. **Many devices** (`MOTESSKYLT_LOAD_DEVICES`, default 200), each its
//!    own task pushing batches of `MOTESSKYLT_LOAD_BATCH` (default 10)
//!    check-ins through one shared `reqwest::Client`. Like a kiosk, a
//!    push carries the device's recent clock exchanges (so the server
//!    also updates the device's clock offset), and the sequence numbers
//!    run from 1 without gaps: at the end every device's acknowledgement
//!    is checked against what it sent. One push per device first opens
//!    the connections (not measured); then
//!    - *paced*: together the devices offer `MOTESSKYLT_LOAD_RATE`
//!      events/s (default 5,000, i.e. 500 pushes/s), each device on its
//!      own fixed schedule with a random phase, for
//!      `MOTESSKYLT_LOAD_SECONDS` (default 10). Reports the events/s
//!      ingested and the p50/p99 latency of a push (request sent to
//!      answer read); `late p99` is how far behind its schedule a push
//!      started (only more than a millisecond or so when the server
//!      cannot keep up).
//!    - *flat out*: every device pushes again as soon as it has its
//!      answer, for the same time: the most the server ingests, and the
//!      latency when it is saturated (with 200 pushes always in flight,
//!      latency is about 200 / pushes per second).
//!
//!    Targets: 5,000 events/s sustained, p99 under 20 ms at 200 devices.
//! 2. **Backlog**: a real kiosk store (`store::Store`) holding
//!    `MOTESSKYLT_LOAD_BACKLOG` (default 10,000) unsent events is drained
//!    with `sync::client::push_outbox` through `sync::http::Central`, in
//!    batches of 200 (the kiosk's default), on an otherwise idle server.
//!    Target: under 5 s. (The backlog is written in transactions of 100
//!    events to keep the setup short; the store's contents are the same
//!    as after 10,000 single taps.)
//!
//! Both run on SQLite (a file in a scratch directory under `target/`,
//! WAL with `synchronous=FULL`, on the project's disk), and again on
//! PostgreSQL when `TEST_DATABASE_URL` is set (in a schema of its own,
//! dropped at the end). With `MOTESSKYLT_LOAD_HAPROXY` naming HAProxy as
//! well, twice more on PostgreSQL with HAProxy in front (as the README's
//! example sets it: least connections, `/healthz` checked): of one server
//! and of two servers on one database (each with its own connections).
//!
//! The load generator and the server share the machine's cores (one
//! process, one tokio runtime each); the figures are for that setup.
//!
//! Run:
//!
//! ```text
//! cargo bench --bench central_load
//! TEST_DATABASE_URL=postgres://postgres@127.0.0.1/test cargo bench --bench central_load
//! MOTESSKYLT_LOAD_DEVICES=20 MOTESSKYLT_LOAD_SECONDS=2 MOTESSKYLT_LOAD_BACKLOG=1000 \
//!     cargo bench --bench central_load        # a quick run
//! MOTESSKYLT_LOAD_DEVICES=1000 MOTESSKYLT_LOAD_HAPROXY=/usr/sbin/haproxy \
//!     TEST_DATABASE_URL=postgres://postgres@127.0.0.1/test cargo bench --bench central_load
//! ```
//!
//! Prints a table and writes the same figures as JSON to
//! `target/central_load.json`.

use std::path::{Path, PathBuf};

#[path = "../tests/haproxy/mod.rs"]
mod haproxy_example;

use motesskylt_store::stamp::since_boot_ms;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, ensure};
use chrono::{DateTime, Utc};
use motesskylt_central::config::ServerConfig;
use motesskylt_central::db::{AnyDb, CentralDb, PostgresDb, SqliteDb};
use motesskylt_central::server::{self, Running};
use motesskylt_core::clock::Exchange;
use motesskylt_core::model::meeting_key;
use motesskylt_core::model::time::DEFAULT_TIME_ZONE;
use motesskylt_core::model::{Event, EventKind, Meeting, Source};
use motesskylt_core::wire::{PushRequest, PushResponse, WireEvent};
use motesskylt_store::{FILE_NAME, Stamp, Store};
use motesskylt_sync::client::push_outbox;
use motesskylt_sync::http::{Central, enrol};
use serde_json::{Value, json};
use tokio::runtime::Runtime;
use uuid::Uuid;

/// The room every device is enrolled in.
const ROOM: &str = "rum-1";
/// The kiosk's default push batch (`[sync] batch` in kiosk.toml).
const KIOSK_BATCH: usize = 200;
/// Events per transaction when writing the backlog (setup only).
const BACKLOG_APPEND: usize = 100;
/// The simulated devices' boot id.
const BOOT: &str = "central-load-bench";
/// Clock exchanges a push carries (as `sync::http::Central` sends).
const EXCHANGES: usize = 8;

const TARGET_EVENTS_PER_S: f64 = 5000.0;
const TARGET_P99_MS: f64 = 20.0;
const TARGET_DRAIN_S: f64 = 5.0;

struct Options {
    devices: usize,
    seconds: f64,
    batch: usize,
    rate: f64,
    backlog: usize,
    /// HAProxy to put in front of one and of two servers on PostgreSQL
    /// (`MOTESSKYLT_LOAD_HAPROXY`, e.g. /usr/sbin/haproxy).
    haproxy: Option<PathBuf>,
}

fn env_or<T: FromStr>(name: &str, default: T) -> Result<T>
where
    T::Err: std::fmt::Display,
{
    match std::env::var(name) {
        Ok(text) if !text.trim().is_empty() => text
            .trim()
            .parse()
            .map_err(|e| anyhow!("{name}={text}: {e}")),
        _ => Ok(default),
    }
}

impl Options {
    fn from_env() -> Result<Options> {
        let options = Options {
            devices: env_or("MOTESSKYLT_LOAD_DEVICES", 200)?,
            seconds: env_or("MOTESSKYLT_LOAD_SECONDS", 10.0)?,
            batch: env_or("MOTESSKYLT_LOAD_BATCH", 10)?,
            rate: env_or("MOTESSKYLT_LOAD_RATE", TARGET_EVENTS_PER_S)?,
            backlog: env_or("MOTESSKYLT_LOAD_BACKLOG", 10_000)?,
            haproxy: std::env::var_os("MOTESSKYLT_LOAD_HAPROXY")
                .filter(|h| !h.is_empty())
                .map(PathBuf::from),
        };
        ensure!(options.devices >= 1, "MOTESSKYLT_LOAD_DEVICES: at least 1");
        ensure!(options.seconds > 0.0, "MOTESSKYLT_LOAD_SECONDS: above 0");
        ensure!(options.batch >= 1, "MOTESSKYLT_LOAD_BATCH: at least 1");
        ensure!(options.rate > 0.0, "MOTESSKYLT_LOAD_RATE: above 0");
        ensure!(options.backlog >= 1, "MOTESSKYLT_LOAD_BACKLOG: at least 1");
        Ok(options)
    }
}

fn scratch() -> Result<tempfile::TempDir> {
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
    std::fs::create_dir_all(&target).context("target/ is writable")?;
    tempfile::tempdir_in(target).context("a scratch directory under target/")
}

fn runtime(name: &str) -> Result<Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .thread_name(name)
        .enable_all()
        .build()
        .with_context(|| format!("tokio runtime {name}"))
}

/// An enrolled device.
struct Device {
    name: String,
    auth: String,
}

/// How a device's pushes are timed.
#[derive(Clone, Copy)]
enum Schedule {
    /// One push, straight away (warm-up: opens the connections).
    Once,
    /// A push at `first`, then every `interval`, while before `until`.
    Paced {
        first: tokio::time::Instant,
        interval: Duration,
        until: tokio::time::Instant,
    },
    /// Back to back until `until`.
    FlatOut { until: tokio::time::Instant },
}

/// What one device's task saw.
#[derive(Default)]
struct Tally {
    latencies: Vec<Duration>,
    late: Vec<Duration>,
    pushes: u64,
    events: u64,
    added: u64,
    errors: u64,
    first_error: Option<String>,
    seq: i64,
}

impl Tally {
    fn merge(&mut self, other: Tally) {
        self.latencies.extend(other.latencies);
        self.late.extend(other.late);
        self.pushes += other.pushes;
        self.events += other.events;
        self.added += other.added;
        self.errors += other.errors;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
    }
}

/// The demo meeting's participants: the server takes check-ins of those
/// called only (issue 16, point 1).
static PARTICIPANTS: std::sync::LazyLock<Vec<String>> = std::sync::LazyLock::new(|| {
    motesskylt_core::kallelse::import_bytes(motesskylt_testkit::SRO_NOTICE.as_bytes())
        .map(|m| m.participants.into_iter().map(|p| p.name).collect())
        .unwrap_or_default()
});

/// The participant the `n`th check-in names.
fn participant(n: i64) -> String {
    let names = &*PARTICIPANTS;
    names
        .get(n.unsigned_abs() as usize % names.len().max(1))
        .cloned()
        .unwrap_or_default()
}

fn wire(device: &str, seq: i64, meeting: &str, now: DateTime<Utc>) -> WireEvent {
    WireEvent {
        id: Uuid::now_v7(),
        device: device.to_string(),
        seq,
        meeting: meeting.to_string(),
        wall: now,
        mono_ms: seq * 1000,
        boot: BOOT.into(),
        clock_synced: true,
        event: Event::new(
            now,
            DEFAULT_TIME_ZONE,
            EventKind::CheckedIn {
                person: participant(seq),
                source: Source::Nfc,
                substitute_for: None,
                correction: None,
                remote: false,
            },
        ),
    }
}

/// One device pushing batches on `schedule`, from sequence number
/// `seq + 1`.
async fn device_task(
    client: reqwest::Client,
    url: Arc<str>,
    device: Arc<Device>,
    meeting: Arc<str>,
    batch: usize,
    seq: i64,
    schedule: Schedule,
) -> Tally {
    let mut tally = Tally {
        seq,
        ..Tally::default()
    };
    // Like a kiosk (`sync::http::Central`), every push carries the
    // recent clock exchanges, so the server also updates the device's
    // clock offset.
    let mut exchanges: Vec<Exchange> = Vec::with_capacity(EXCHANGES + 1);
    let mut k: u32 = 0;
    loop {
        let intended = match schedule {
            Schedule::Once if k > 0 => break,
            Schedule::Once => None,
            Schedule::Paced {
                first,
                interval,
                until,
            } => {
                let at = first + interval * k;
                if at >= until {
                    break;
                }
                tokio::time::sleep_until(at).await;
                Some(at)
            }
            Schedule::FlatOut { until } => {
                if tokio::time::Instant::now() >= until {
                    break;
                }
                None
            }
        };
        k += 1;
        let now = Utc::now();
        let now_mono = since_boot_ms();
        let events: Vec<WireEvent> = (0..batch)
            .map(|_| {
                tally.seq += 1;
                wire(&device.name, tally.seq, &meeting, now)
            })
            .collect();
        let body = serde_json::to_vec(&PushRequest {
            sent: now,
            clock: exchanges.clone(),
            boot: BOOT.into(),
            events,
            pending: None,
            showing: None,
        })
        .expect("a push request serialises");
        let sent = tokio::time::Instant::now();
        if let Some(intended) = intended {
            tally.late.push(sent.saturating_duration_since(intended));
        }
        let answer = async {
            let response = client
                .post(&*url)
                .header(reqwest::header::AUTHORIZATION, &device.auth)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body)
                .send()
                .await
                .map_err(|e| e.to_string())?;
            let status = response.status();
            let bytes = response.bytes().await.map_err(|e| e.to_string())?;
            if !status.is_success() {
                return Err(format!("{status}: {}", String::from_utf8_lossy(&bytes)));
            }
            serde_json::from_slice::<PushResponse>(&bytes).map_err(|e| e.to_string())
        }
        .await;
        let latency = sent.elapsed();
        tally.pushes += 1;
        tally.events += batch as u64;
        match answer {
            Ok(answer) => {
                tally.latencies.push(latency);
                exchanges.push(Exchange {
                    device_sent: now,
                    server_received: answer.received,
                    server_sent: answer.sent,
                    device_received: Utc::now(),
                    device_sent_mono_ms: Some(now_mono),
                    device_received_mono_ms: Some(since_boot_ms()),
                });
                let excess = exchanges.len().saturating_sub(EXCHANGES);
                exchanges.drain(..excess);
                tally.added += answer.added as u64;
            }
            Err(error) => {
                tally.errors += 1;
                tally.first_error.get_or_insert(error);
            }
        }
    }
    tally
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let index = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[index.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

/// The figures of one load phase.
struct Phase {
    mode: &'static str,
    offered: Option<f64>,
    devices: usize,
    batch: usize,
    window_s: f64,
    elapsed_s: f64,
    pushes: u64,
    events_added: u64,
    errors: u64,
    first_error: Option<String>,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    late_p99_ms: Option<f64>,
}

impl Phase {
    fn events_per_s(&self) -> f64 {
        self.events_added as f64 / self.elapsed_s
    }
    fn pushes_per_s(&self) -> f64 {
        self.pushes as f64 / self.elapsed_s
    }
    fn to_json(&self) -> Value {
        json!({
            "mode": self.mode,
            "offered_events_per_s": self.offered,
            "devices": self.devices,
            "events_per_push": self.batch,
            "window_s": self.window_s,
            "elapsed_s": self.elapsed_s,
            "pushes": self.pushes,
            "events_ingested": self.events_added,
            "errors": self.errors,
            "first_error": self.first_error,
            "events_per_s": self.events_per_s(),
            "pushes_per_s": self.pushes_per_s(),
            "latency_ms": {"p50": self.p50_ms, "p99": self.p99_ms, "max": self.max_ms},
            "late_p99_ms": self.late_p99_ms,
        })
    }
}

/// The simulated devices and what they push to.
struct Fleet {
    /// The one client all devices share.
    client: reqwest::Client,
    /// `…/api/v1/events`.
    url: Arc<str>,
    devices: Vec<Arc<Device>>,
    /// Each device's last sequence number, carried from phase to phase.
    seqs: Vec<i64>,
    /// The meeting's key.
    meeting: Arc<str>,
    /// Events per push.
    batch: usize,
}

/// Runs every device of the fleet on its schedule for `window`.
fn load_phase(
    client_rt: &Runtime,
    fleet: &mut Fleet,
    mode: &'static str,
    offered: Option<f64>,
    window: Duration,
) -> Result<Phase> {
    let Fleet {
        client,
        url,
        devices,
        seqs,
        meeting,
        batch,
    } = fleet;
    let batch = *batch;
    let (tallies, elapsed) = client_rt.block_on(async {
        let start = tokio::time::Instant::now() + Duration::from_millis(50);
        let until = start + window;
        let interval =
            offered.map(|rate| Duration::from_secs_f64(devices.len() as f64 * batch as f64 / rate));
        let tasks: Vec<_> = devices
            .iter()
            .zip(seqs.iter())
            .map(|(device, &seq)| {
                let schedule = match (mode, interval) {
                    ("warm-up", _) => Schedule::Once,
                    (_, Some(interval)) => Schedule::Paced {
                        first: start + interval.mul_f64(fastrand::f64()),
                        interval,
                        until,
                    },
                    (_, None) => Schedule::FlatOut { until },
                };
                tokio::spawn(device_task(
                    client.clone(),
                    url.clone(),
                    device.clone(),
                    meeting.clone(),
                    batch,
                    seq,
                    schedule,
                ))
            })
            .collect();
        tokio::time::sleep_until(start).await;
        let mut tallies = Vec::with_capacity(tasks.len());
        for task in tasks {
            tallies.push(task.await.context("a device task")?);
        }
        let elapsed = start.elapsed().max(if mode == "warm-up" {
            Duration::ZERO
        } else {
            window
        });
        anyhow::Ok((tallies, elapsed))
    })?;
    let mut total = Tally::default();
    for (seq, tally) in seqs.iter_mut().zip(tallies) {
        *seq = tally.seq;
        total.merge(tally);
    }
    total.latencies.sort_unstable();
    total.late.sort_unstable();
    Ok(Phase {
        mode,
        offered,
        devices: devices.len(),
        batch,
        window_s: window.as_secs_f64(),
        elapsed_s: elapsed.as_secs_f64(),
        pushes: total.pushes,
        events_added: total.added,
        errors: total.errors,
        first_error: total.first_error,
        p50_ms: percentile(&total.latencies, 50.0),
        p99_ms: percentile(&total.latencies, 99.0),
        max_ms: percentile(&total.latencies, 100.0),
        late_p99_ms: (!total.late.is_empty()).then(|| percentile(&total.late, 99.0)),
    })
}

/// The backlog drain.
struct Backlog {
    events: usize,
    batch: usize,
    setup_s: f64,
    drain_s: f64,
    pushes: usize,
}

impl Backlog {
    fn to_json(&self) -> Value {
        json!({
            "events": self.events,
            "batch": self.batch,
            "pushes": self.pushes,
            "drain_s": self.drain_s,
            "events_per_s": self.events as f64 / self.drain_s,
            "setup_s": self.setup_s,
        })
    }
}

/// Everything measured on one backend.
struct BackendRun {
    backend: &'static str,
    phases: Vec<Phase>,
    backlog: Backlog,
}

fn meeting() -> Result<(Meeting, String)> {
    let meeting =
        motesskylt_core::kallelse::import_bytes(motesskylt_testkit::SRO_NOTICE.as_bytes())
            .map_err(|errors| anyhow!("the demo notice does not import: {errors:?}"))?;
    let key = meeting_key(&meeting);
    Ok((meeting, key))
}

/// Enrols `names` over HTTP with fresh one-time codes; returns their tokens.
fn enrol_all(
    server_rt: &Runtime,
    client_rt: &Runtime,
    running: &Running,
    config: &ServerConfig,
    base: &str,
    names: &[String],
) -> Result<Vec<String>> {
    let codes = server_rt.block_on(async {
        let mut codes = Vec::with_capacity(names.len());
        for _ in names {
            codes.push(server::new_code(&running.db, config, ROOM).await?);
        }
        anyhow::Ok(codes)
    })?;
    client_rt.block_on(async {
        let mut tokens = Vec::with_capacity(names.len());
        for (name, code) in names.iter().zip(&codes) {
            let answer = enrol(base, code, name)
                .await
                .with_context(|| format!("enrolling {name}"))?;
            ensure!(answer.room == ROOM, "{name} enrolled in {}", answer.room);
            tokens.push(answer.token);
        }
        Ok(tokens)
    })
}

/// HAProxy in front of `servers`, set as the README's example sets it
/// (least connections, `/healthz` checked every second), on a loopback
/// port; killed when dropped.
struct Balancer {
    process: std::process::Child,
    base: String,
}

impl Balancer {
    fn start(haproxy: &Path, dir: &Path, servers: &[std::net::SocketAddr]) -> Result<Balancer> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let socket = dir.join(format!("haproxy-{}.sock", servers.len()));
        let config = haproxy_example::config(port, servers, &socket).map_err(|e| anyhow!(e))?;
        let path = dir.join(format!("haproxy-{}.cfg", servers.len()));
        std::fs::write(&path, config)?;
        let process = std::process::Command::new(haproxy)
            .arg("-db")
            .arg("-f")
            .arg(&path)
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(path.with_extension("log"))?)
            .spawn()
            .with_context(|| format!("starting {}", haproxy.display()))?;
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            ensure!(
                Instant::now() < deadline,
                "HAProxy did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(Balancer { process, base })
    }
}

impl Drop for Balancer {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// One measured setup: its name, the stores of its servers (several on
/// one database) and whether HAProxy is in front.
fn run_backend(
    backend: &'static str,
    dbs: Vec<AnyDb>,
    balanced: bool,
    server_rt: &Runtime,
    client_rt: &Runtime,
    options: &Options,
    dir: &Path,
) -> Result<BackendRun> {
    let config = ServerConfig {
        listen: ([127, 0, 0, 1], 0).into(),
        secret_file: Some(dir.join("central.key")),
        ..ServerConfig::default()
    };
    let mut servers = Vec::new();
    for db in dbs {
        servers.push(server_rt.block_on(server::start(
            &config,
            db,
            Arc::new(Utc::now),
            std::future::pending(),
        ))?);
    }
    let running = &servers[0];
    let balancer = match balanced {
        false => None,
        true => {
            let haproxy = options
                .haproxy
                .as_deref()
                .context("MOTESSKYLT_LOAD_HAPROXY names no HAProxy")?;
            let addrs: Vec<_> = servers.iter().map(|s| s.addr).collect();
            Some(Balancer::start(haproxy, dir, &addrs)?)
        }
    };
    let base = match &balancer {
        Some(balancer) => balancer.base.clone(),
        None => format!("http://{}", running.addr),
    };
    println!(
        "  [{backend}] {} server(s), requests to {base}",
        servers.len()
    );

    // Enrolment (the load devices and the backlog kiosk) and the meeting.
    let started = Instant::now();
    let mut names: Vec<String> = (1..=options.devices)
        .map(|i| format!("dorr-{i:04}"))
        .collect();
    names.push("dorr-backlog".into());
    let mut tokens = enrol_all(server_rt, client_rt, running, &config, &base, &names)?;
    let backlog_token = tokens.pop().expect("the backlog device's token");
    names.pop();
    let (meeting, key) = meeting()?;
    client_rt.block_on(async {
        Central::new(&base, &tokens[0], Default::default())?
            .put_meeting(&key, &meeting)
            .await
    })?;
    println!(
        "  [{backend}] {} devices enrolled over HTTP, meeting {key} put ({:.1} s)",
        names.len() + 1,
        started.elapsed().as_secs_f64()
    );

    // Many devices.
    let client = client_rt.block_on(async {
        reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .context("the load client")
    })?;
    let devices: Vec<Arc<Device>> = names
        .iter()
        .zip(&tokens)
        .map(|(name, token)| {
            Arc::new(Device {
                name: name.clone(),
                auth: format!("Bearer {token}"),
            })
        })
        .collect();
    let mut fleet = Fleet {
        client,
        url: format!("{base}/api/v1/events").into(),
        seqs: vec![0; devices.len()],
        devices,
        meeting: key.as_str().into(),
        batch: options.batch,
    };
    let window = Duration::from_secs_f64(options.seconds);
    let mut phases = Vec::new();
    for (mode, offered) in [
        ("warm-up", None),
        ("paced", Some(options.rate)),
        ("flat out", None),
    ] {
        let phase = load_phase(client_rt, &mut fleet, mode, offered, window)?;
        if mode == "warm-up" {
            ensure!(
                phase.errors == 0,
                "warm-up push failed: {}",
                phase.first_error.unwrap_or_default()
            );
            continue;
        }
        println!(
            "  [{backend}] {mode}: {:.0} events/s, p50 {:.1} ms, p99 {:.1} ms, {} errors",
            phase.events_per_s(),
            phase.p50_ms,
            phase.p99_ms,
            phase.errors
        );
        phases.push(phase);
    }
    let Fleet { devices, seqs, .. } = fleet;

    // Every event pushed is stored, with no gap.
    let errors: u64 = phases.iter().map(|p| p.errors).sum();
    let short = server_rt.block_on(async {
        let mut short = Vec::new();
        for (device, &seq) in devices.iter().zip(&seqs) {
            let acked = running.db.acked(&device.name).await?;
            if acked != seq {
                short.push(format!("{} acked {acked} of {seq}", device.name));
            }
        }
        anyhow::Ok(short)
    })?;
    if errors == 0 {
        ensure!(
            short.is_empty(),
            "events missing centrally: {}",
            short.join(", ")
        );
    } else if !short.is_empty() {
        println!(
            "  [{backend}] {} devices have gaps after failed pushes (e.g. {})",
            short.len(),
            short[0]
        );
    }

    // The offline backlog of one kiosk.
    let store_path = dir.join(format!("kiosk-{backend}")).join(FILE_NAME);
    let started = Instant::now();
    let mut store = Store::open(&store_path, "dorr-backlog")?;
    ensure!(store.device() == "dorr-backlog", "a fresh kiosk store");
    let mut written = 0;
    while written < options.backlog {
        let now = Utc::now();
        let events: Vec<Event> = (written..options.backlog.min(written + BACKLOG_APPEND))
            .map(|i| {
                Event::new(
                    now,
                    DEFAULT_TIME_ZONE,
                    EventKind::CheckedIn {
                        person: participant(i as i64),
                        source: Source::Nfc,
                        substitute_for: None,
                        correction: None,
                        remote: false,
                    },
                )
            })
            .collect();
        written += store.append(&key, &events, &Stamp::read(now))?.len();
    }
    ensure!(store.unsent()? == options.backlog, "the backlog is unsent");
    let setup_s = started.elapsed().as_secs_f64();
    let central =
        client_rt.block_on(async { Central::new(&base, &backlog_token, Default::default()) })?;
    let started = Instant::now();
    let report = client_rt.block_on(push_outbox(&mut store, &central, KIOSK_BATCH, Utc::now()))?;
    let drain_s = started.elapsed().as_secs_f64();
    ensure!(
        report.sent == options.backlog && report.added == options.backlog,
        "backlog: sent {}, added {} of {}",
        report.sent,
        report.added,
        options.backlog
    );
    ensure!(store.unsent()? == 0, "the outbox is empty after the drain");
    let acked = server_rt.block_on(running.db.acked("dorr-backlog"))?;
    ensure!(
        acked == options.backlog as i64,
        "backlog acked {acked} of {}",
        options.backlog
    );
    let backlog = Backlog {
        events: options.backlog,
        batch: KIOSK_BATCH,
        setup_s,
        drain_s,
        pushes: options.backlog.div_ceil(KIOSK_BATCH),
    };
    println!(
        "  [{backend}] backlog of {} events drained in {drain_s:.2} s (written in {setup_s:.1} s, not timed)",
        options.backlog
    );
    drop(central);
    drop(store);

    drop(balancer);
    for server in servers {
        server_rt.block_on(server.stop())?;
    }
    Ok(BackendRun {
        backend,
        phases,
        backlog,
    })
}

fn yes(ok: bool) -> &'static str {
    if ok { "yes" } else { "NO" }
}

fn print_table(runs: &[BackendRun], options: &Options, cores: usize) {
    println!();
    println!(
        "Central server under load: real HTTP on 127.0.0.1, {} events per push, {:.0} s per load phase",
        options.batch, options.seconds
    );
    println!(
        "NOTE: {cores} CPU cores, shared by the load generator ({} device tasks) and the server.",
        options.devices
    );
    println!();
    println!(
        "{:<18} {:<13} {:>7} {:>9} {:>8} {:>8} {:>8} {:>8} {:>9} {:>6}",
        "backend",
        "load",
        "devices",
        "events/s",
        "pushes/s",
        "p50 ms",
        "p99 ms",
        "max ms",
        "late p99",
        "errors"
    );
    for run in runs {
        for phase in &run.phases {
            let load = match phase.offered {
                Some(rate) => format!("paced {rate:.0}/s"),
                None => phase.mode.to_string(),
            };
            println!(
                "{:<18} {:<13} {:>7} {:>9.0} {:>8.0} {:>8.1} {:>8.1} {:>8.1} {:>9} {:>6}",
                run.backend,
                load,
                phase.devices,
                phase.events_per_s(),
                phase.pushes_per_s(),
                phase.p50_ms,
                phase.p99_ms,
                phase.max_ms,
                phase
                    .late_p99_ms
                    .map_or("-".to_string(), |ms| format!("{ms:.1} ms")),
                phase.errors
            );
        }
    }
    println!();
    println!(
        "{:<18} {:>14} {:>6} {:>7} {:>9} {:>10}",
        "backend", "backlog events", "batch", "pushes", "drain s", "events/s"
    );
    for run in runs {
        let b = &run.backlog;
        println!(
            "{:<18} {:>14} {:>6} {:>7} {:>9.2} {:>10.0}",
            run.backend,
            b.events,
            b.batch,
            b.pushes,
            b.drain_s,
            b.events as f64 / b.drain_s
        );
    }
    println!();
    println!(
        "Targets: {TARGET_EVENTS_PER_S:.0} events/s sustained, p99 < {TARGET_P99_MS:.0} ms at 200 devices, backlog of 10,000 drained in < {TARGET_DRAIN_S:.0} s"
    );
    for run in runs {
        let paced = run.phases.iter().find(|p| p.offered.is_some());
        let flat = run.phases.iter().find(|p| p.offered.is_none());
        let sustained = flat
            .is_some_and(|p| p.events_per_s() >= TARGET_EVENTS_PER_S && p.errors == 0)
            || paced.is_some_and(|p| {
                p.offered.unwrap_or(0.0) >= TARGET_EVENTS_PER_S
                    && p.events_per_s() >= 0.98 * TARGET_EVENTS_PER_S
                    && p.errors == 0
                    && p.late_p99_ms.unwrap_or(0.0) < TARGET_P99_MS
            });
        let p99 = paced.is_some_and(|p| p.p99_ms < TARGET_P99_MS);
        println!(
            "  {:<18} {:.0} events/s sustained: {}   p99 < {TARGET_P99_MS:.0} ms at the offered rate: {}   backlog < {TARGET_DRAIN_S:.0} s: {}",
            run.backend,
            TARGET_EVENTS_PER_S,
            yes(sustained),
            yes(p99),
            yes(run.backlog.drain_s < TARGET_DRAIN_S)
        );
    }
    if options.devices != 200 || options.backlog != 10_000 || options.rate != TARGET_EVENTS_PER_S {
        println!("  (not the target's load: devices, rate or backlog set by the environment)");
    }
}

fn main() -> Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let options = Options::from_env()?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "central_load: {} devices, {} events per push, {:.0} events/s offered (paced), {:.0} s per phase, backlog {} events",
        options.devices, options.batch, options.rate, options.seconds, options.backlog
    );
    println!(
        "  {cores} CPU cores shared by the load generator and the server (one process, a tokio runtime each)"
    );
    let database_url = std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.trim().is_empty());
    if database_url.is_none() {
        println!(
            "  NOTICE: TEST_DATABASE_URL is not set: PostgreSQL is skipped (e.g. TEST_DATABASE_URL=postgres://postgres@127.0.0.1/test)"
        );
    }
    let server_rt = runtime("central")?;
    let client_rt = runtime("load")?;
    let dir = scratch()?;
    let mut runs = Vec::new();

    let db = SqliteDb::open(&dir.path().join("central.sqlite"))?;
    runs.push(run_backend(
        "sqlite",
        vec![AnyDb::Sqlite(db)],
        false,
        &server_rt,
        &client_rt,
        &options,
        dir.path(),
    )?);

    let postgres_note = match &database_url {
        None => Value::from("not run: TEST_DATABASE_URL not set"),
        Some(url) => {
            let mut setups = vec![("postgres", 1, false)];
            if options.haproxy.is_some() {
                setups.extend([
                    ("postgres haproxy×1", 1, true),
                    ("postgres haproxy×2", 2, true),
                ]);
            }
            for (backend, servers, balanced) in setups {
                // Each setup on a schema of its own, dropped after it.
                let schema = format!(
                    "central_load_{}_{}",
                    std::process::id(),
                    Utc::now().timestamp_millis()
                );
                let dbs = server_rt
                    .block_on(async {
                        let mut dbs = Vec::new();
                        for _ in 0..servers {
                            dbs.push(AnyDb::Postgres(
                                PostgresDb::connect_in_schema(url, Some(&schema)).await?,
                            ));
                        }
                        anyhow::Ok(dbs)
                    })
                    .with_context(|| format!("PostgreSQL at {url}"))?;
                let run = run_backend(
                    backend,
                    dbs,
                    balanced,
                    &server_rt,
                    &client_rt,
                    &options,
                    dir.path(),
                );
                let dropped = server_rt.block_on(async {
                    let (client, connection) =
                        tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
                    tokio::spawn(connection);
                    client
                        .batch_execute(&format!("DROP SCHEMA \"{schema}\" CASCADE"))
                        .await
                });
                if let Err(error) = dropped {
                    println!("  the schema {schema} could not be dropped: {error}");
                }
                runs.push(run?);
            }
            Value::from("a schema per setup, dropped after it")
        }
    };

    print_table(&runs, &options, cores);

    let report = json!({
        "benchmark": "central_load",
        "when": Utc::now().to_rfc3339(),
        "cores": cores,
        "note": format!("load generator and server in one process on loopback, sharing {cores} CPU cores"),
        "options": {
            "devices": options.devices,
            "events_per_push": options.batch,
            "offered_events_per_s": options.rate,
            "seconds_per_phase": options.seconds,
            "backlog_events": options.backlog,
            "backlog_batch": KIOSK_BATCH,
        },
        "targets": {
            "events_per_s": TARGET_EVENTS_PER_S,
            "p99_ms": TARGET_P99_MS,
            "devices": 200,
            "backlog_events": 10_000,
            "backlog_drain_s": TARGET_DRAIN_S,
        },
        "postgres": postgres_note,
        "runs": runs.iter().map(|run| json!({
            "backend": run.backend,
            "load": run.phases.iter().map(Phase::to_json).collect::<Vec<_>>(),
            "backlog": run.backlog.to_json(),
        })).collect::<Vec<_>>(),
    });
    let out: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/central_load.json");
    std::fs::write(&out, serde_json::to_string_pretty(&report)? + "\n")
        .with_context(|| format!("writing {}", out.display()))?;
    println!();
    println!("Written to {}", out.display());

    // The runtimes go before the scratch directory does.
    drop(client_rt);
    drop(server_rt);
    drop(dir);
    Ok(())
}
