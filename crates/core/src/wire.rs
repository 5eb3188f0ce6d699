//! What a kiosk sends the central store: its events with where and when
//! they were recorded (the columns of the kiosk's log).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::model::{Event, Meeting};

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

/// `POST /api/v1/enrol`: a device's first call, with the one-time code the
/// secretary gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrolRequest {
    /// The one-time code.
    pub code: String,
    /// The device's name (its events' `device`).
    pub device: String,
}

/// The answer to an enrolment: the device's token, shown once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrolResponse {
    /// The device's name.
    pub device: String,
    /// The room it serves.
    pub room: String,
    /// Its token for `Authorization: Bearer …`.
    pub token: String,
}

/// `POST /api/v1/events`: a batch of the device's events (may be empty: a
/// heartbeat), with the device's clock for the offset estimate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    /// The device's wall clock as it sent this request.
    pub sent: DateTime<Utc>,
    /// Earlier exchanges, timed by the device (at most a few), all made
    /// in this boot without a step of its wall clock in between.
    #[serde(default)]
    pub clock: Vec<crate::clock::Exchange>,
    /// The device's boot id during those exchanges.
    #[serde(default)]
    pub boot: String,
    /// The events, the device's own.
    pub events: Vec<WireEvent>,
    /// Events still waiting in the device's outbox after these.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<i64>,
    /// The meeting the device's door shows now (its id; empty: none, the
    /// room is free), so the administrator sees what each kiosk shows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub showing: Option<String>,
}

/// The answer to a push.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushResponse {
    /// Events new to the central store.
    pub added: usize,
    /// Every event up to this sequence number is stored centrally.
    pub acked_seq: i64,
    /// The server's clock when the request arrived.
    pub received: DateTime<Utc>,
    /// The server's clock when the answer left.
    pub sent: DateTime<Utc>,
}

/// An error answer: a stable code and a message a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    /// A stable code (`unauthorized`, `bad_request`, …).
    pub error: String,
    /// What is wrong, in Swedish.
    pub message: String,
}

/// What a push did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushAck {
    /// Events new to the store.
    pub added: usize,
    /// The highest sequence number of the pushing device up to which the
    /// store has every event (0: none).
    pub acked_seq: i64,
}

/// Where a device's pull stands: the newest event and meeting version it
/// has seen, as the store numbers them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// The store's position of the newest event seen.
    pub events: i64,
    /// The store's position of the newest meeting version seen.
    pub meetings: i64,
}

/// A meeting as pulled: its id and newest version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoomMeeting {
    /// The meeting's id (`SRO-2026-06-04-1300`; a meeting stored before
    /// meetings had ids keeps its label, `SRO-2026-06-04`, as its id).
    pub key: String,
    /// The meeting.
    pub meeting: Meeting,
    /// Imported on the secretary's pages: the kiosks show it rather than
    /// their own notice.
    #[serde(default)]
    pub from_pages: bool,
    /// The meeting was cancelled: the door says so ("Mötet är inställt").
    #[serde(default)]
    pub cancelled: bool,
}

/// What changed in a room since a cursor.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Pulled {
    /// Where the next pull starts.
    pub cursor: Cursor,
    /// Meetings new or changed (newest version).
    pub meetings: Vec<RoomMeeting>,
    /// Events of other devices in the room's meetings, in the store's order
    /// (check-ins, progress, registered cards).
    pub events: Vec<WireEvent>,
}
