//! The kiosk's side of sync: pushes the outbox of its store to the central
//! store in batches and moves the outbox cursor over every batch the
//! central store answered. Safe to repeat after any failure: a batch pushed
//! again changes nothing there.

use std::future::Future;

use chrono::{DateTime, Utc};
use thiserror::Error;

use motesskylt_core::wire::PushAck;
use motesskylt_store::{Store, StoreError};

use motesskylt_core::wire::WireEvent;

/// Why a sync round stopped.
#[derive(Debug, Error)]
pub enum SyncError {
    /// The local store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A store the events went to directly (not over HTTP) failed.
    #[error("centrallagringen tog inte emot händelserna: {0}")]
    Uplink(String),
    /// The central server could not be reached (network, server down).
    #[error("centralen går inte att nå: {0}")]
    Unreachable(String),
    /// The central server refused the request.
    #[error("centralen svarade {status}: {message}")]
    Refused {
        /// The HTTP status.
        status: u16,
        /// Its explanation.
        message: String,
    },
}

/// Where the kiosk's events go: the central server over HTTP
/// ([`crate::http::Central`]), or a test's store.
pub trait Uplink {
    /// Pushes one device's events, telling how many wait in the outbox
    /// after them; answers with the device's acknowledgement.
    fn push(
        &self,
        device: &str,
        events: &[WireEvent],
        pending: usize,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<PushAck, SyncError>>;
}

/// What a sync round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Events sent (including ones the central store already had).
    pub sent: usize,
    /// Events new to the central store (the rest it had already).
    pub added: usize,
}

/// Pushes the outbox in batches of `batch` until it is empty; returns
/// what was done. A batch the central store answered is stored there in
/// full (it commits a batch in one transaction), so the outbox cursor moves
/// over it even when an earlier sequence number is missing there (lost
/// with a damaged store): the acknowledgement by sequence number tells the
/// secretary about such a gap, it does not hold the outbox back.
pub async fn push_outbox(
    store: &mut Store,
    uplink: &impl Uplink,
    batch: usize,
    now: DateTime<Utc>,
) -> Result<SyncReport, SyncError> {
    let mut report = SyncReport::default();
    let mut waiting = store.unsent()?;
    loop {
        let pending = store.outbox_wire(batch.max(1))?;
        let Some(last) = pending.last().map(|(rowid, _)| *rowid) else {
            return Ok(report);
        };
        // A batch goes per device: after a recovery the log holds events
        // of the store's earlier device id too.
        for chunk in pending.chunk_by(|(_, a), (_, b)| a.device == b.device) {
            let events: Vec<WireEvent> = chunk.iter().map(|(_, e)| e.clone()).collect();
            waiting = waiting.saturating_sub(events.len());
            let ack = match uplink.push(&events[0].device, &events, waiting, now).await {
                Ok(ack) => ack,
                Err(error) => {
                    // Keep what went through.
                    if let Some((rowid, _)) =
                        pending.iter().take_while(|(r, _)| *r < chunk[0].0).last()
                    {
                        store.acknowledge(*rowid, now)?;
                    }
                    return Err(error);
                }
            };
            report.sent += events.len();
            report.added += ack.added;
        }
        store.acknowledge(last, now)?;
    }
}
