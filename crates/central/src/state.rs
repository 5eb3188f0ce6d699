//! What every handler of the API and the pages shares.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::sync::{broadcast, watch};

use crate::db::AnyDb;
use crate::secret;

/// The server's clock (injected, so tests can move it).
pub type Now = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The storage.
    pub db: Arc<AnyDb>,
    /// Rooms whose data changed (for the live streams).
    pub changes: broadcast::Sender<String>,
    /// Turns true when the server stops (ends the live streams).
    pub stopping: watch::Receiver<bool>,
    /// The clock.
    pub now: Now,
    /// The key of the enrolment codes' hashes.
    pub code_key: Arc<secret::CodeKey>,
    /// Reverse proxies whose `X-Forwarded-For` names the client.
    pub proxies: Arc<crate::limit::TrustedProxies>,
    /// Failed enrolments, per client address and in all.
    pub enrolments: Arc<crate::limit::Failures>,
    /// The counters of `/metrics`.
    pub metrics: Arc<crate::metrics::Metrics>,
    /// The SHA-256 of the token that may read `/metrics`, if one is set.
    pub metrics_token: Option<String>,
    /// The events the pages and the control API make are numbered one at
    /// a time (see [`crate::drive::store`]).
    pub pages_events: Arc<tokio::sync::Mutex<()>>,
}
