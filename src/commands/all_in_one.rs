//! The central server in the kiosk's process (all-in-one): the binary is
//! the only place that knows both; the kiosk sees an address and codes.

use std::path::Path;
use std::sync::Arc;

use chrono::Utc;

use motesskylt_central::config::CentralConfig;
use motesskylt_daemon::config_file::ConfigError;
use motesskylt_sync::agent::{BoxFuture, LocalServer};

/// The all-in-one server of a kiosk configuration's `serve` (the central
/// server's configuration file), for kiosks of `room`.
pub(crate) fn serve(path: &Path, room: &str) -> Result<Arc<dyn LocalServer>, ConfigError> {
    Ok(Arc::new(Embedded::new(
        CentralConfig::load(path)?.server,
        room,
    )))
}

/// The central server in the kiosk's process (all-in-one): started on the
/// sync agent's runtime at its first connection and kept running after.
pub(crate) struct Embedded {
    config: motesskylt_central::config::ServerConfig,
    room: String,
    running: tokio::sync::Mutex<Option<motesskylt_central::server::Running>>,
}

impl std::fmt::Debug for Embedded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Embedded({}, room {})", self.config.listen, self.room)
    }
}

impl Embedded {
    /// A server of `config` that enrols kiosks in `room`; not started yet.
    pub(crate) fn new(config: motesskylt_central::config::ServerConfig, room: &str) -> Embedded {
        Embedded {
            config,
            room: room.to_string(),
            running: tokio::sync::Mutex::new(None),
        }
    }
}

impl LocalServer for Embedded {
    fn start(&self) -> BoxFuture<'_, Result<String, String>> {
        Box::pin(async move {
            use motesskylt_central::server;
            let mut running = self.running.lock().await;
            let running = match &mut *running {
                Some(running) => running,
                None => {
                    let db = server::open_db(&self.config)
                        .await
                        .map_err(|e| e.to_string())?;
                    let started = server::start(
                        &self.config,
                        db,
                        std::sync::Arc::new(Utc::now),
                        std::future::pending(),
                    )
                    .await
                    .map_err(|e| e.to_string())?;
                    tracing::info!(
                        "centralen (allt-i-ett) lyssnar på {}",
                        local_url(started.addr)
                    );
                    running.insert(started)
                }
            };
            Ok(local_url(running.addr))
        })
    }

    fn code(&self) -> BoxFuture<'_, Result<String, String>> {
        Box::pin(async move {
            let running = self.running.lock().await;
            let Some(running) = &*running else {
                return Err("centralen har inte startat".to_string());
            };
            motesskylt_central::server::new_code(&running.db, &self.config, &self.room)
                .await
                .map_err(|e| e.to_string())
        })
    }

    fn describe(&self) -> String {
        self.config.listen.to_string()
    }
}

/// The address to reach a server in this process at.
fn local_url(mut addr: std::net::SocketAddr) -> String {
    if addr.ip().is_unspecified() {
        addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    format!("http://{addr}")
}
