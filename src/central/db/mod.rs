//! The central store's storage: one trait, [`CentralDb`], on SQLite
//! (embedded, one file, the default) and on PostgreSQL (larger or highly
//! available installations), with the same tests run against both
//! (`tests/central_db.rs`).
//!
//! Pushes are idempotent: an event is known by its id (and by its device
//! and sequence number); pushing it again, in another batch or in another
//! order, changes nothing. A device's acknowledgement is the highest
//! sequence number up to which the store has all of its events, so a
//! device can resume from its outbox after any failure.

pub mod postgres;
pub mod sqlite;

use std::future::Future;

use chrono::{DateTime, Utc};
use thiserror::Error;

use crate::sync::wire::WireEvent;

pub use postgres::PostgresDb;
pub use sqlite::SqliteDb;

/// Errors of the central store's storage.
#[derive(Debug, Error)]
pub enum DbError {
    /// SQLite failed.
    #[error("centrallagringen (SQLite) går inte att använda: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL failed or could not be reached.
    #[error("centrallagringen (PostgreSQL) går inte att använda: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    /// A stored row could not be read back.
    #[error("centrallagringen: en lagrad händelse går inte att läsa: {0}")]
    BadRow(String),
    /// The SQLite worker thread went away.
    #[error("centrallagringens tråd stannade")]
    Worker,
}

/// What a push did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PushAck {
    /// Events new to the store.
    pub added: usize,
    /// The highest sequence number of the pushing device up to which the
    /// store has every event (0: none).
    pub acked_seq: i64,
}

/// The central store's storage.
pub trait CentralDb: Send + Sync {
    /// Stores `events` pushed by `device`, received at `received`; events
    /// already stored (by id, or by device and sequence number) are
    /// skipped. Events of another device in the batch are refused by the
    /// caller before this (a device pushes only its own).
    fn push(
        &self,
        device: &str,
        events: &[WireEvent],
        received: DateTime<Utc>,
    ) -> impl Future<Output = Result<PushAck, DbError>> + Send;

    /// The events of `meeting`, by device and sequence number.
    fn events(&self, meeting: &str)
    -> impl Future<Output = Result<Vec<WireEvent>, DbError>> + Send;

    /// The device's acknowledgement (as in [`PushAck::acked_seq`]).
    fn acked(&self, device: &str) -> impl Future<Output = Result<i64, DbError>> + Send;
}

/// The highest `n` such that `1..=n` are all in `seqs` (sorted, distinct).
fn contiguous(seqs: impl IntoIterator<Item = i64>) -> i64 {
    let mut acked = 0;
    for seq in seqs {
        if seq == acked + 1 {
            acked = seq;
        } else if seq > acked + 1 {
            break;
        }
    }
    acked
}

#[cfg(test)]
mod tests {
    use super::contiguous;

    #[test]
    fn the_acknowledgement_stops_at_the_first_gap() {
        assert_eq!(contiguous([]), 0);
        assert_eq!(contiguous([1, 2, 3]), 3);
        assert_eq!(contiguous([1, 2, 4, 5]), 2);
        assert_eq!(contiguous([2, 3]), 0);
    }
}
