//! The event log: appending a device's events, reading a meeting's.

use rusqlite::{TransactionBehavior, params};
use uuid::Uuid;

use motesskylt_core::model::Event;

use crate::{Stamp, Store, StoreError};

/// An event as stored: the event and where it sits in the log.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    /// The event's id (UUID v7: time-ordered, made on the device).
    pub id: Uuid,
    /// The recording device.
    pub device: String,
    /// The device's sequence number, from 1 without gaps.
    pub seq: i64,
    /// The meeting's key (see [`meeting_key`]).
    pub meeting: String,
    /// The event.
    pub event: Event,
    /// Position in this store's log (the outbox cursor counts these).
    pub rowid: i64,
}

impl Recorded {
    /// The event as the contract's JSON object, with its id, device and
    /// sequence number added.
    pub fn to_json(&self) -> serde_json::Value {
        let mut value = serde_json::to_value(&self.event).unwrap_or_default();
        if let Some(object) = value.as_object_mut() {
            object.insert("id".into(), self.id.to_string().into());
            object.insert("device".into(), self.device.clone().into());
            object.insert("seq".into(), self.seq.into());
        }
        value
    }

    /// [`Recorded::to_json`] as one line of JSON Lines.
    pub fn to_json_line(&self) -> String {
        self.to_json().to_string()
    }
}

impl Store {
    /// Appends events for `meeting` in one transaction; they are on disk
    /// when this returns. All or none are stored.
    pub fn append(
        &mut self,
        meeting: &str,
        events: &[Event],
        stamp: &Stamp,
    ) -> Result<Vec<Recorded>, StoreError> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let path = self.path.display().to_string();
        let sql = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql)?;
        let mut seq: i64 = tx
            .query_row(
                "SELECT COALESCE(MAX(seq), 0) FROM events WHERE device = ?1",
                params![self.device],
                |r| r.get(0),
            )
            .map_err(sql)?;
        let mut recorded = Vec::with_capacity(events.len());
        for event in events {
            seq += 1;
            let instant = event.instant();
            let ts = uuid::Timestamp::from_unix(
                &self.uuids,
                instant.timestamp().max(0) as u64,
                instant.timestamp_subsec_nanos(),
            );
            let id = Uuid::new_v7(ts);
            let value = serde_json::to_value(event)
                .map_err(|e| sql(rusqlite::Error::ToSqlConversionFailure(Box::new(e))))?;
            let kind = value["type"].as_str().unwrap_or_default().to_string();
            let body = value.to_string();
            tx.execute(
                "INSERT INTO events (id, device, seq, meeting, at, wall, mono_ms, boot, clock_synced, type, body)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                params![
                    id.to_string(),
                    self.device,
                    seq,
                    meeting,
                    event.at.to_rfc3339(),
                    stamp.wall.to_rfc3339(),
                    stamp.mono_ms,
                    stamp.boot,
                    stamp.clock_synced,
                    kind,
                    body
                ],
            )
            .map_err(sql)?;
            recorded.push(Recorded {
                id,
                device: self.device.clone(),
                seq,
                meeting: meeting.to_string(),
                event: event.clone(),
                rowid: tx.last_insert_rowid(),
            });
        }
        tx.commit().map_err(sql)?;
        Ok(recorded)
    }

    /// The events of `meeting`, in the order they were recorded.
    pub fn events(&self, meeting: &str) -> Result<Vec<Recorded>, StoreError> {
        self.select(
            "SELECT rowid, id, device, seq, meeting, body FROM events WHERE meeting = ?1 ORDER BY rowid",
            params![meeting],
        )
    }
}
