//! Running the central server: the storage from the configuration, the
//! device API on a TCP port, and a graceful stop (requests in flight are
//! answered, live streams end) on SIGTERM or Ctrl-C, or when an in-process
//! server's handle is stopped or dropped.
//!
//! The server accepts its connections itself (hyper): a client must send
//! a request's headers within `header_timeout_seconds` and an idle
//! kept-alive connection is closed after as long; at most
//! `max_connections` are served at once (more wait in the kernel's
//! queue), and the process raises its own open-file limit at start.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use thiserror::Error;
use tokio::sync::{broadcast, watch};

use super::api::{Limits, router};
use super::config::{CentralConfig, ServerConfig};
use super::db::{AnyDb, CentralDb, DbError, PostgresDb, SqliteDb};
use super::limit::{Failures, ProxyError, TrustedProxies, raise_fd_limit};
use super::metrics::{Metrics, time_requests};
use super::secret::{self, CodeKey, KeyError, RandomError};
use super::state::{AppState, Now};
use motesskylt_core::model::time::DEFAULT_TIME_ZONE;

/// Why the server could not run.
#[derive(Debug, Error)]
pub enum ServerError {
    /// The storage failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// The port could not be opened.
    #[error("kan inte lyssna på {addr}: {reason} (ändra server.listen i central.toml)")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// What the system said.
        reason: String,
    },
    /// The data directory could not be made.
    #[error("{path}: katalogen går inte att skapa ({reason})")]
    DataDir {
        /// The directory.
        path: String,
        /// What the system said.
        reason: String,
    },
    /// No randomness for a code.
    #[error(transparent)]
    Random(#[from] RandomError),
    /// The key for the enrolment codes' hashes.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// A trusted proxy that is not an address.
    #[error("server.trusted_proxies: {0}")]
    Proxies(#[from] ProxyError),
    /// Serving failed.
    #[error("servern stannade: {0}")]
    Serve(String),
}

/// Opens the storage the configuration names (creating a SQLite file's
/// directory).
pub async fn open_db(config: &ServerConfig) -> Result<AnyDb, ServerError> {
    if let Some(url) = &config.database_url {
        return Ok(AnyDb::Postgres(
            PostgresDb::connect_pool(url, None, config.database_connections).await?,
        ));
    }
    if let Some(dir) = config
        .database
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir).map_err(|e| ServerError::DataDir {
            path: dir.display().to_string(),
            reason: e.to_string(),
        })?;
    }
    Ok(AnyDb::Sqlite(SqliteDb::open(&config.database)?))
}

/// Makes a one-time enrolment code for `room`, valid for the configured
/// hours; returns the code (shown once, kept only as its keyed hash under
/// the server's key, `secret_file`).
pub async fn new_code(
    db: &AnyDb,
    config: &ServerConfig,
    room: &str,
) -> Result<String, ServerError> {
    let key = CodeKey::load_or_create(&config.secret_path(db))?;
    let code = secret::new_code()?;
    let now = Utc::now();
    db.add_code(
        &key.hash(&code),
        room,
        now + chrono::Duration::hours(config.code_valid_hours),
        now,
    )
    .await?;
    Ok(code)
}

/// A central server running in this process.
pub struct Running {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its storage.
    pub db: Arc<AnyDb>,
    /// The key of the enrolment codes' hashes (`CodeKey::hash` of a code
    /// is what the store keeps).
    pub code_key: Arc<CodeKey>,
    stop: watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<Result<(), ServerError>>>,
}

impl Running {
    /// Stops it gracefully and waits until it has.
    pub async fn stop(mut self) -> Result<(), ServerError> {
        let _ = self.stop.send(true);
        self.wait().await
    }

    /// Waits until it has stopped (by its `shutdown`).
    async fn wait(&mut self) -> Result<(), ServerError> {
        match self.task.take() {
            Some(task) => task.await.map_err(|e| ServerError::Serve(e.to_string()))?,
            None => Ok(()),
        }
    }
}

impl Drop for Running {
    /// A dropped handle stops the server (gracefully, in the background).
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// Starts the server on the current tokio runtime with `db`; it stops when
/// [`Running::stop`] is called (or `shutdown` resolves).
pub async fn start(
    config: &ServerConfig,
    db: AnyDb,
    now: Now,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<Running, ServerError> {
    let listener = listen(config.listen).map_err(|e| ServerError::Listen {
        addr: config.listen,
        reason: e.to_string(),
    })?;
    let addr = listener.local_addr().map_err(|e| ServerError::Listen {
        addr: config.listen,
        reason: e.to_string(),
    })?;
    let code_key = Arc::new(CodeKey::load_or_create(&config.secret_path(&db))?);
    let proxies = TrustedProxies::parse(&config.trusted_proxies)?;
    let db = Arc::new(db);
    let (stop, stopping) = watch::channel(false);
    let (changes, _) = broadcast::channel(256);
    let changes_sender = changes.clone();
    let metrics = Arc::new(Metrics::default());
    let state = AppState {
        db: db.clone(),
        changes,
        stopping: stopping.clone(),
        now,
        code_key: code_key.clone(),
        proxies: Arc::new(proxies),
        enrolments: Failures::new(db.clone(), "enrol", chrono::Duration::minutes(15)),
        metrics: metrics.clone(),
        metrics_token: config
            .metrics_token
            .as_deref()
            .map(|t| secret::hash_exact(t.trim())),
        pages_events: Arc::default(),
    };
    let timeout = Duration::from_secs(config.request_timeout_seconds);
    let web = crate::web::WebState::new(state.clone(), config.code_valid_hours, DEFAULT_TIME_ZONE)
        .with_statement(config.accessibility_statement.as_deref());
    let pages = crate::web::router(web.clone(), timeout);
    let app = router(
        state,
        Limits {
            timeout,
            body_bytes: config.body_limit_kb * 1024,
        },
    )
    .merge(pages)
    .fallback(not_found)
    // The pages' language and footer, for the fallback's 404 too.
    .layer(axum::middleware::from_fn_with_state(
        web,
        crate::web::with_frame,
    ))
    // Every answer carries them: the fallback's 404, the API's errors.
    .layer(axum::middleware::map_response(crate::web::secure_headers))
    .layer(axum::middleware::map_response(unbuffered_streams))
    .layer(axum::middleware::from_fn_with_state(metrics, time_requests));
    let stopper = stop.clone();
    tokio::spawn(async move {
        shutdown.await;
        let _ = stopper.send(true);
    });
    // Changes taken by the other servers on the database, as they come.
    let (listening, changes, stop_listening) =
        (db.clone(), changes_sender.clone(), stopping.clone());
    tokio::spawn(async move {
        if let AnyDb::Postgres(postgres) = &*listening {
            postgres.listen(changes, stop_listening).await;
        }
    });
    tokio::spawn(watch_schedules(
        db.clone(),
        changes_sender,
        stopping.clone(),
    ));
    // Every connection takes file handles; keep some for the store, the
    // logs and the live streams' wake-ups.
    let files = raise_fd_limit();
    let most = usize::try_from(files.saturating_sub(64))
        .unwrap_or(usize::MAX)
        .max(16);
    let connections = if config.max_connections > most {
        tracing::warn!(
            files,
            max_connections = config.max_connections,
            "the open-file limit allows only {most} connections at once (raise LimitNOFILE)"
        );
        most
    } else {
        config.max_connections
    };
    let serving = Serving {
        app,
        header_timeout: Duration::from_secs(config.header_timeout_seconds),
        connections: Arc::new(tokio::sync::Semaphore::new(connections)),
    };
    let task = tokio::spawn(serving.run(listener, stopping));
    tracing::info!(%addr, connections, files, "central server listening");
    Ok(Running {
        addr,
        db,
        code_key,
        stop,
        task: Some(task),
    })
}

/// Tells the rooms' live streams, within a second, of every change to their
/// schedules made anywhere: the pages tell at once themselves, but
/// `motesskylt central meeting …` (another process) and another server on
/// the same database do not.
async fn watch_schedules(
    db: Arc<AnyDb>,
    changes: broadcast::Sender<String>,
    mut stopping: watch::Receiver<bool>,
) {
    let mut since = None;
    let mut every = tokio::time::interval(Duration::from_secs(1));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = every.tick() => {}
            _ = stopping.changed() => return,
        }
        match db.schedule_changes(since).await {
            Ok((newest, rooms)) => {
                since = Some(newest);
                for room in rooms {
                    // Nobody listening is fine.
                    let _ = changes.send(room);
                }
            }
            // The storage's health is reported by /healthz; try again.
            Err(error) => tracing::debug!("rooms' schedules not read: {error}"),
        }
    }
}

/// `X-Accel-Buffering: no` on every server-sent event stream, so a
/// reverse proxy (nginx) passes each event on at once.
async fn unbuffered_streams(mut response: axum::response::Response) -> axum::response::Response {
    let stream = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/event-stream"));
    if stream {
        response.headers_mut().insert(
            "x-accel-buffering",
            axum::http::HeaderValue::from_static("no"),
        );
    }
    response
}

/// A listening socket on `addr` with a long queue of connections not yet
/// accepted (a burst of kiosks reconnecting after a restart, and browsers,
/// are not made to retry their handshake a second later).
fn listen(addr: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(4096)
}

/// Resolves when `stopping` turns true (or its sender is gone).
async fn stopped(stopping: &mut watch::Receiver<bool>) {
    let _ = stopping.wait_for(|s| *s).await;
}

/// The accept loop and what it needs.
struct Serving {
    app: axum::Router,
    header_timeout: Duration,
    connections: Arc<tokio::sync::Semaphore>,
}

impl Serving {
    /// Accepts connections until `stopping` turns true, then lets those
    /// open finish (idle ones close at once, live streams end; at most
    /// ten seconds).
    async fn run(
        self,
        listener: tokio::net::TcpListener,
        mut stopping: watch::Receiver<bool>,
    ) -> Result<(), ServerError> {
        use hyper_util::rt::{TokioIo, TokioTimer};
        use tower::ServiceExt;

        let graceful = hyper_util::server::graceful::GracefulShutdown::new();
        loop {
            let permit = tokio::select! {
                () = stopped(&mut stopping) => break,
                permit = self.connections.clone().acquire_owned() => match permit {
                    Ok(permit) => permit,
                    Err(_) => break,
                },
            };
            let (stream, peer) = tokio::select! {
                () = stopped(&mut stopping) => break,
                accepted = listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    Err(error) => {
                        // Out of file handles, or a connection reset before
                        // it was taken: wait a moment rather than spin.
                        tracing::warn!(%error, "a connection could not be accepted");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
            };
            let _ = stream.set_nodelay(true);
            let app = self.app.clone();
            let service = hyper::service::service_fn(
                move |mut request: hyper::Request<hyper::body::Incoming>| {
                    request
                        .extensions_mut()
                        .insert(axum::extract::ConnectInfo(peer));
                    app.clone().oneshot(request)
                },
            );
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(self.header_timeout)
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service);
            let connection = graceful.watch(connection);
            tokio::spawn(async move {
                if let Err(error) = connection.await {
                    tracing::debug!(%error, %peer, "connection ended");
                }
                drop(permit);
            });
        }
        drop(listener);
        if tokio::time::timeout(Duration::from_secs(10), graceful.shutdown())
            .await
            .is_err()
        {
            tracing::warn!("connections still open ten seconds after the stop were closed");
        }
        Ok(())
    }
}

/// SIGTERM or Ctrl-C.
pub async fn terminated() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = term => {}
    }
}

/// `motesskylt central`: runs until SIGTERM or Ctrl-C; `ready` is told
/// the address once the port is open.
pub async fn run(
    config: &CentralConfig,
    now: crate::state::Now,
    ready: impl FnOnce(SocketAddr),
) -> Result<(), ServerError> {
    let db = open_db(&config.server).await?;
    let mut running = start(&config.server, db, now, terminated()).await?;
    ready(running.addr);
    let result = running.wait().await;
    tracing::info!("central server stopped");
    result
}

/// The one fallback of the merged routers: the API's JSON answer under
/// `/api/`, the pages' "not found" page elsewhere.
async fn not_found(uri: axum::http::Uri) -> axum::response::Response {
    if uri.path().starts_with("/api/") {
        super::api::not_found()
    } else {
        axum::response::IntoResponse::into_response(crate::web::PageError::NotFound)
    }
}
