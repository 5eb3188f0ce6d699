//! What a kiosk sends the central store: its events with where and when
//! they were recorded (the columns of the kiosk's log).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::model::Event;

/// One event as pushed by a device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireEvent {
    /// The event's id (UUID v7, made on the device): pushing it again
    /// changes nothing.
    pub id: Uuid,
    /// The recording device.
    pub device: String,
    /// The device's sequence number, from 1 without gaps.
    pub seq: i64,
    /// The meeting's key (`SRO-2026-06-04`).
    pub meeting: String,
    /// The device's wall clock when it wrote the event.
    pub wall: DateTime<Utc>,
    /// Milliseconds since the device booted.
    pub mono_ms: i64,
    /// The device's boot id.
    pub boot: String,
    /// Whether the device's clock was synchronised.
    pub clock_synced: bool,
    /// The event (the contract's JSON line).
    pub event: Event,
}
