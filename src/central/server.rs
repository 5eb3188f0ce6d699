//! Running the central server: the storage from the configuration, the
//! device API on a TCP port, and a graceful stop (requests in flight are
//! answered, live streams end) on SIGTERM or Ctrl-C, or when an in-process
//! server's handle is stopped or dropped.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use thiserror::Error;
use tokio::sync::{broadcast, watch};

use super::api::{AppState, Limits, Now, router};
use super::config::{CentralConfig, ServerConfig};
use super::db::{AnyDb, CentralDb, DbError, PostgresDb, SqliteDb};
use super::secret::{self, RandomError};
use crate::model::time::DEFAULT_TIME_ZONE;

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
    /// Serving failed.
    #[error("servern stannade: {0}")]
    Serve(String),
}

/// Opens the storage the configuration names (creating a SQLite file's
/// directory).
pub async fn open_db(config: &ServerConfig) -> Result<AnyDb, ServerError> {
    if let Some(url) = &config.database_url {
        return Ok(AnyDb::Postgres(PostgresDb::connect(url).await?));
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
/// hours; returns the code (shown once, kept only hashed).
pub async fn new_code(
    db: &AnyDb,
    config: &ServerConfig,
    room: &str,
) -> Result<String, ServerError> {
    let code = secret::new_code()?;
    let now = Utc::now();
    db.add_code(
        &secret::hash(&code),
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
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| ServerError::Listen {
            addr: config.listen,
            reason: e.to_string(),
        })?;
    let addr = listener.local_addr().map_err(|e| ServerError::Listen {
        addr: config.listen,
        reason: e.to_string(),
    })?;
    let db = Arc::new(db);
    let (stop, stopping) = watch::channel(false);
    let (changes, _) = broadcast::channel(256);
    let state = AppState {
        db: db.clone(),
        changes,
        stopping: stopping.clone(),
        now,
    };
    let timeout = Duration::from_secs(config.request_timeout_seconds);
    let pages = crate::web::router(
        crate::web::WebState::new(state.clone(), config.code_valid_hours, DEFAULT_TIME_ZONE),
        timeout,
    );
    let app = router(
        state,
        Limits {
            timeout,
            body_bytes: config.body_limit_kb * 1024,
        },
    )
    .merge(pages);
    let stopper = stop.clone();
    tokio::spawn(async move {
        shutdown.await;
        let _ = stopper.send(true);
    });
    let mut stopped = stopping;
    let task = tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            let _ = stopped.wait_for(|s| *s).await;
        })
        .await
        .map_err(|e| ServerError::Serve(e.to_string()))
    });
    tracing::info!(%addr, "central server listening");
    Ok(Running {
        addr,
        db,
        stop,
        task: Some(task),
    })
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
    ready: impl FnOnce(SocketAddr),
) -> Result<(), ServerError> {
    let db = open_db(&config.server).await?;
    let mut running = start(&config.server, db, Arc::new(Utc::now), terminated()).await?;
    ready(running.addr);
    let result = running.wait().await;
    tracing::info!("central server stopped");
    result
}
