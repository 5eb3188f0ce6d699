//! An event's columns as both SQLite stores, the kiosk's and the central
//! one, name and format them.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use motesskylt_core::wire::WireEvent;

/// The columns of an event as it travels ([`WireEvent`]), in the order
/// [`WireRow::read`] reads them; the kiosk's and the central SQLite store
/// name and format them alike.
pub const WIRE_COLUMNS: &str = "id, device, seq, meeting, wall, mono_ms, boot, clock_synced, body";

/// An event's [`WIRE_COLUMNS`] as read from SQLite, before parsing.
pub struct WireRow {
    id: String,
    device: String,
    seq: i64,
    meeting: String,
    wall: String,
    mono_ms: i64,
    boot: String,
    clock_synced: bool,
    body: String,
}

impl WireRow {
    /// Reads [`WIRE_COLUMNS`] starting at column `first`.
    pub fn read(row: &rusqlite::Row, first: usize) -> rusqlite::Result<WireRow> {
        Ok(WireRow {
            id: row.get(first)?,
            device: row.get(first + 1)?,
            seq: row.get(first + 2)?,
            meeting: row.get(first + 3)?,
            wall: row.get(first + 4)?,
            mono_ms: row.get(first + 5)?,
            boot: row.get(first + 6)?,
            clock_synced: row.get(first + 7)?,
            body: row.get(first + 8)?,
        })
    }

    /// The event, or what is wrong with the row.
    pub fn parse(self) -> Result<WireEvent, String> {
        let bad = |e: &dyn std::fmt::Display| format!("{}: {e}", self.id);
        Ok(WireEvent {
            id: Uuid::parse_str(&self.id).map_err(|e| bad(&e))?,
            wall: DateTime::parse_from_rfc3339(&self.wall)
                .map_err(|e| bad(&e))?
                .with_timezone(&Utc),
            event: serde_json::from_str(&self.body).map_err(|e| bad(&e))?,
            device: self.device,
            seq: self.seq,
            meeting: self.meeting,
            mono_ms: self.mono_ms,
            boot: self.boot,
            clock_synced: self.clock_synced,
        })
    }
}
