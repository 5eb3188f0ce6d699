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
    pub enrolments: crate::limit::Failures,
    /// The counters of `/metrics`.
    pub metrics: Arc<crate::metrics::Metrics>,
    /// The SHA-256 of the token that may read `/metrics`, if one is set.
    pub metrics_token: Option<String>,
    /// The events the pages and the control API make are numbered one at
    /// a time (see [`crate::drive::store`]).
    pub pages_events: Arc<tokio::sync::Mutex<()>>,
}

impl AppState {
    /// Tells the live streams that `room` changed: this server's at once,
    /// and on PostgreSQL every other server's on the database (through
    /// `NOTIFY`, sent beside the answer). Called after the change is
    /// stored; a notice that cannot be sent is logged, never fatal (the
    /// change is stored).
    pub fn changed(&self, room: &str) {
        // Nobody listening is fine.
        let _ = self.changes.send(room.to_string());
        if matches!(&*self.db, AnyDb::Postgres(_)) {
            let (db, room) = (self.db.clone(), room.to_string());
            tokio::spawn(async move {
                if let AnyDb::Postgres(db) = &*db
                    && let Err(error) = db.announce(&room).await
                {
                    tracing::warn!(%error, room, "the other servers were not told of a change");
                }
            });
        }
    }
}
