//! The kiosk's background sync. On its own thread, with its own connection
//! to the store, it pushes the outbox as soon as a tap is stored, pulls the
//! room's meetings and other devices' events, follows the live stream, and
//! retries with backoff and jitter while the central server cannot be
//! reached. A tap never waits for it: the door answers once the event is in
//! the local store, and the outbox carries it over any outage or restart.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::{Notify, watch};

use thiserror::Error;

use super::client::{SyncError, push_outbox};
use super::http::{Central, enrol};
use motesskylt_core::wire::Cursor;
use motesskylt_core::wire::WireEvent;
use motesskylt_store::Store;

/// What the screen shows of sync.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncStatus {
    /// The last round reached the central server.
    pub online: bool,
    /// Since when it has not (the first failed round).
    pub offline_since: Option<DateTime<Utc>>,
    /// Events waiting in the outbox.
    pub unsent: usize,
    /// Why the last round failed.
    pub problem: Option<String>,
}

/// What the agent tells the kiosk.
#[derive(Debug, Clone, PartialEq)]
pub enum Report {
    /// Sync's state changed.
    Status(SyncStatus),
    /// Events of other devices, new to this kiosk (already in its store).
    Learned(Vec<WireEvent>),
    /// A new version of a meeting of the room (already in the store): the
    /// secretary imported, moved, replaced or cancelled one, or another
    /// kiosk of the room uploaded its notice.
    Meeting(Box<motesskylt_core::wire::RoomMeeting>),
}

/// Which central server.
#[derive(Debug, Clone)]
pub enum Link {
    /// A central server elsewhere, and the one-time code to enrol with
    /// when there is no token yet.
    Remote {
        /// Its address (`https://central.example`).
        url: String,
        /// The secretary's one-time code.
        code: Option<String>,
    },
    /// A central server started in this process (all-in-one). The binary
    /// that holds both provides it: the kiosk knows the server only by
    /// its address and its one-time codes.
    Serve(Arc<dyn LocalServer>),
}

/// A central server in this process, as the sync agent needs it.
pub trait LocalServer: Send + Sync + std::fmt::Debug {
    /// Starts the server unless it runs already (called on the agent's
    /// runtime, again after a failure) and answers its address
    /// (`http://127.0.0.1:…`).
    fn start(&self) -> BoxFuture<'_, Result<String, String>>;
    /// A one-time code that enrols this kiosk in its room.
    fn code(&self) -> BoxFuture<'_, Result<String, String>>;
    /// Where it listens, as `kiosk --check` says it.
    fn describe(&self) -> String;
}

/// A future of a [`LocalServer`].
pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// Where and how to sync.
#[derive(Debug, Clone)]
pub struct AgentConfig {
    /// The central server.
    pub link: Link,
    /// Where the device's token is kept.
    pub token_file: PathBuf,
    /// The kiosk's store file.
    pub store: PathBuf,
    /// The kiosk's device name (for a store that does not exist yet).
    pub device: String,
    /// Events per push.
    pub batch: usize,
    /// A quiet kiosk still checks in this often (heartbeat and pull).
    pub idle: Duration,
    /// The longest wait between retries.
    pub retry_max: Duration,
    /// What the kiosk's door shows (the station writes it).
    pub showing: crate::http::Showing,
}

/// Exponential backoff from 1 s up to a longest wait, each wait spread by
/// jitter so that a room full of kiosks does not return all at once.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    failures: u32,
    max: Duration,
}

impl Backoff {
    /// Waits doubling from 1 s up to `max`.
    pub fn new(max: Duration) -> Backoff {
        Backoff { failures: 0, max }
    }

    /// The wait after one more failure; `jitter` in `[0, 1)` picks a point
    /// between half and the whole of the exponential step.
    pub fn fail(&mut self, jitter: f64) -> Duration {
        let step = Duration::from_secs(1u64 << self.failures.min(20)).min(self.max);
        self.failures = self.failures.saturating_add(1);
        step.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0))
    }

    /// Back to the shortest wait.
    pub fn reset(&mut self) {
        self.failures = 0;
    }
}

fn jitter() -> f64 {
    let mut bytes = [0u8; 4];
    // Without randomness the wait is the whole step: still correct.
    if getrandom::fill(&mut bytes).is_err() {
        return 1.0;
    }
    f64::from(u32::from_le_bytes(bytes)) / (f64::from(u32::MAX) + 1.0)
}

/// How long the agent waits after a stored tap before pushing.
const AFTER_TAP: Duration = Duration::from_millis(150);

/// Starts the agent on its own thread. `outbox` is notified by the kiosk
/// after every stored event; `report` is told of every change and returns
/// `false` when the kiosk has gone (the agent then stops).
pub fn spawn(
    config: AgentConfig,
    outbox: Arc<Notify>,
    report: impl FnMut(Report) -> bool + Send + 'static,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name("motesskylt-sync".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime,
                Err(error) => {
                    tracing::error!("synken kunde inte starta: {error}");
                    return;
                }
            };
            runtime.block_on(run(config, outbox, report));
        })
}

struct Agent<R> {
    central: Arc<Central>,
    store: Store,
    batch: usize,
    report: R,
    status: SyncStatus,
    uploaded: Vec<(String, String)>,
    cursor: watch::Sender<Cursor>,
}

/// Why the agent cannot sync yet.
#[derive(Debug, Error)]
enum SetupError {
    #[error(transparent)]
    Sync(#[from] SyncError),
    #[error("centralen i samma dator startar inte: {0}")]
    Server(String),
    #[error("{path}: enhetens nyckel går inte att läsa eller spara ({reason})")]
    Token { path: String, reason: String },
    #[error(
        "kiosken är inte registrerad hos centralen: skriv sekreterarens engångskod som enrol_code under [sync] i kiosk.toml"
    )]
    NoCode,
}

/// The device's token: from its file, else by enrolling (and then saved).
async fn token(config: &AgentConfig, base: &str, code: Option<&str>) -> Result<String, SetupError> {
    let path = &config.token_file;
    let fail = |e: std::io::Error| SetupError::Token {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    if path.exists() {
        return Ok(std::fs::read_to_string(path)
            .map_err(fail)?
            .trim()
            .to_string());
    }
    let code = code.ok_or(SetupError::NoCode)?;
    let enrolled = enrol(base, code, &config.device).await?;
    motesskylt_core::cards::write_private(path, &enrolled.token).map_err(fail)?;
    tracing::info!(
        "kiosken är registrerad hos {base} för rummet {}",
        enrolled.room
    );
    Ok(enrolled.token)
}

/// Connects to the central server; all-in-one, the server in this process
/// is started first (once: it keeps running between attempts).
async fn connect(config: &AgentConfig) -> Result<Central, SetupError> {
    match &config.link {
        Link::Remote { url, code } => {
            let token = token(config, url, code.as_deref()).await?;
            Ok(Central::new(url, &token, config.showing.clone())?)
        }
        Link::Serve(server) => {
            let base = server.start().await.map_err(SetupError::Server)?;
            let code = if config.token_file.exists() {
                None
            } else {
                Some(server.code().await.map_err(SetupError::Server)?)
            };
            let token = token(config, &base, code.as_deref()).await?;
            Ok(Central::new(&base, &token, config.showing.clone())?)
        }
    }
}

async fn run(config: AgentConfig, outbox: Arc<Notify>, mut report: impl FnMut(Report) -> bool) {
    let store = match Store::open(&config.store, &config.device) {
        Ok(store) => store,
        Err(error) => {
            tracing::error!("synken kommer inte åt lagringen: {error}");
            return;
        }
    };
    let mut backoff = Backoff::new(config.retry_max);
    let mut offline_since = None;
    let central = loop {
        match connect(&config).await {
            Ok(connected) => break connected,
            Err(error) => {
                tracing::warn!("synk: {error}");
                let since = *offline_since.get_or_insert_with(Utc::now);
                let status = SyncStatus {
                    online: false,
                    offline_since: Some(since),
                    unsent: store.unsent().unwrap_or(0),
                    problem: Some(error.to_string()),
                };
                if !report(Report::Status(status)) {
                    return;
                }
                tokio::time::sleep(backoff.fail(jitter())).await;
            }
        }
    };
    let central = Arc::new(central);
    let (events, meetings) = store.pull_cursor().unwrap_or_default();
    let (cursor, following) = watch::channel(Cursor { events, meetings });
    // The live stream wakes the loop whenever the room changes (at once:
    // only a stored tap waits, see `AFTER_TAP`).
    let changed = Arc::new(Notify::new());
    let live = tokio::spawn(follow(
        central.clone(),
        following,
        changed.clone(),
        config.retry_max,
    ));
    let mut agent = Agent {
        central,
        store,
        batch: config.batch.max(1),
        report,
        status: SyncStatus {
            online: false,
            offline_since,
            unsent: 0,
            problem: None,
        },
        uploaded: Vec::new(),
        cursor,
    };
    backoff.reset();
    let mut heartbeat = true;
    loop {
        let now = Utc::now();
        let result = agent.round(heartbeat, now).await;
        let unsent = agent.store.unsent().unwrap_or(agent.status.unsent);
        let status = match &result {
            Ok(()) => SyncStatus {
                online: true,
                offline_since: None,
                unsent,
                problem: None,
            },
            Err(error) => SyncStatus {
                online: false,
                offline_since: agent.status.offline_since.or(Some(now)),
                unsent,
                problem: Some(error.to_string()),
            },
        };
        if status != agent.status {
            if let Some(problem) = status
                .problem
                .as_ref()
                .filter(|_| agent.status.online || agent.status.problem.is_none())
            {
                tracing::warn!("synk: {problem}");
            }
            agent.status = status.clone();
            if !(agent.report)(Report::Status(status)) {
                break;
            }
        }
        let wait = match result {
            Ok(()) => {
                backoff.reset();
                config.idle
            }
            Err(_) => backoff.fail(jitter()),
        };
        heartbeat = tokio::select! {
            () = changed.notified() => false,
            () = outbox.notified() => {
                // The door's answer goes to the screen first: a push at
                // once would compete with drawing it for the Pi's cores.
                // Taps within the pause travel in one batch.
                tokio::time::sleep(AFTER_TAP).await;
                false
            }
            () = tokio::time::sleep(wait) => true,
        };
    }
    live.abort();
}

impl<R: FnMut(Report) -> bool> Agent<R> {
    /// One round: meetings up, outbox up (or a heartbeat), changes down.
    async fn round(&mut self, heartbeat: bool, now: DateTime<Utc>) -> Result<(), SyncError> {
        for (key, meeting) in self.store.notice_meetings()? {
            let body = serde_json::to_string(&meeting).unwrap_or_default();
            if self.uploaded.iter().any(|(k, b)| *k == key && *b == body) {
                continue;
            }
            // Under the id the store has it by: its own notice's label, or
            // the id of a meeting pulled from the room.
            self.central.put_meeting(&key, &meeting).await?;
            self.uploaded.retain(|(k, _)| *k != key);
            self.uploaded.push((key, body));
        }
        let pushed = push_outbox(&mut self.store, &*self.central, self.batch, now).await?;
        if pushed.sent == 0 && heartbeat {
            self.central.push_events(&[], Some(0)).await?;
        }
        loop {
            let (events, meetings) = self.store.pull_cursor()?;
            let since = Cursor { events, meetings };
            let pulled = self.central.pull(since).await?;
            for room_meeting in pulled.meetings {
                let new = self.store.save_pulled_meeting(&room_meeting, now)?;
                self.uploaded.retain(|(k, _)| *k != room_meeting.key);
                if new && !(self.report)(Report::Meeting(Box::new(room_meeting))) {
                    return Ok(());
                }
            }
            let learned = self.store.learn(
                &pulled.events,
                (pulled.cursor.events, pulled.cursor.meetings),
                now,
            )?;
            let _ = self.cursor.send(pulled.cursor);
            if !learned.is_empty() && !(self.report)(Report::Learned(learned)) {
                return Ok(());
            }
            // A pull returns at most PULL_LIMIT events: go on until one
            // brings nothing new.
            if pulled.cursor == since {
                return Ok(());
            }
        }
    }
}

/// Follows the live stream, waking the loop at every change; reconnects
/// after a pause when the stream ends.
async fn follow(
    central: Arc<Central>,
    cursor: watch::Receiver<Cursor>,
    wake: Arc<Notify>,
    retry_max: Duration,
) {
    let mut backoff = Backoff::new(retry_max);
    loop {
        let since = *cursor.borrow();
        let started = std::time::Instant::now();
        let _ = central.follow(since, || wake.notify_one()).await;
        if started.elapsed() > Duration::from_secs(30) {
            backoff.reset();
        }
        tokio::time::sleep(backoff.fail(jitter())).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_a_minute_with_jitter_and_resets() {
        let mut backoff = Backoff::new(Duration::from_secs(60));
        let waits: Vec<u64> = (0..9).map(|_| backoff.fail(0.999_999).as_secs()).collect();
        assert_eq!(waits, [0, 1, 3, 7, 15, 31, 59, 59, 59]);
        let mut low = Backoff::new(Duration::from_secs(60));
        low.fail(0.0);
        assert_eq!(low.fail(0.0), Duration::from_secs(1));
        backoff.reset();
        assert_eq!(backoff.fail(0.0), Duration::from_millis(500));
    }
}
