//! The kiosk's side of sync: pushes the outbox of its store to the central
//! store in batches and moves the outbox cursor on as far as the central
//! store acknowledges. Safe to repeat after any failure: a batch pushed
//! again changes nothing there.

use std::collections::HashMap;
use std::future::Future;

use chrono::{DateTime, Utc};
use thiserror::Error;

use crate::central::db::{CentralDb, DbError, PushAck};
use crate::store::{Store, StoreError};

use super::wire::WireEvent;

/// Why a sync round stopped.
#[derive(Debug, Error)]
pub enum SyncError {
    /// The local store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The central store could not be reached or refused the batch.
    #[error("centrallagringen tog inte emot händelserna: {0}")]
    Uplink(String),
}

/// Where the kiosk's events go: the central store over the network, or in
/// the same process (all-in-one).
pub trait Uplink {
    /// Pushes one device's events; answers with the device's
    /// acknowledgement.
    fn push(
        &self,
        device: &str,
        events: &[WireEvent],
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<PushAck, SyncError>>;
}

/// A central store in the same process is an uplink.
impl<T: CentralDb> Uplink for T {
    async fn push(
        &self,
        device: &str,
        events: &[WireEvent],
        now: DateTime<Utc>,
    ) -> Result<PushAck, SyncError> {
        CentralDb::push(self, device, events, now)
            .await
            .map_err(|e: DbError| SyncError::Uplink(e.to_string()))
    }
}

/// What a sync round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Events sent (including ones the central store already had).
    pub sent: usize,
    /// Events the central store acknowledged in this round.
    pub acknowledged: usize,
}

/// Pushes the outbox in batches of `batch` until it is empty or the
/// central store stops acknowledging; returns what was done.
pub async fn push_outbox(
    store: &mut Store,
    uplink: &impl Uplink,
    batch: usize,
    now: DateTime<Utc>,
) -> Result<SyncReport, SyncError> {
    let mut report = SyncReport::default();
    loop {
        let pending = store.outbox_wire(batch.max(1))?;
        if pending.is_empty() {
            return Ok(report);
        }
        // A batch goes per device: after a recovery the log holds events
        // of the store's earlier device id too.
        let mut acked: HashMap<String, i64> = HashMap::new();
        let mut start = 0;
        while start < pending.len() {
            let device = pending[start].1.device.clone();
            let end = pending[start..]
                .iter()
                .position(|(_, e)| e.device != device)
                .map_or(pending.len(), |n| start + n);
            let events: Vec<WireEvent> =
                pending[start..end].iter().map(|(_, e)| e.clone()).collect();
            let ack = uplink.push(&device, &events, now).await?;
            report.sent += events.len();
            acked.insert(device, ack.acked_seq);
            start = end;
        }
        // The cursor moves over every event its device has acknowledged,
        // up to the first one not acknowledged.
        let mut cursor = None;
        for (rowid, event) in &pending {
            if acked.get(&event.device).is_some_and(|&a| event.seq <= a) {
                cursor = Some(*rowid);
                report.acknowledged += 1;
            } else {
                break;
            }
        }
        match cursor {
            Some(rowid) => store.acknowledge(rowid, now)?,
            // Nothing acknowledged: try again later rather than loop.
            None => return Ok(report),
        }
    }
}
