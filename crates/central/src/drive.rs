//! Driving a room's meeting from the central server: the controls (start,
//! next, previous, break, resume, more time, end, undo) and messages to the
//! room, from the secretary's pages and the control API alike. Each is
//! stored as an event of the pages' device with who did it, audited
//! first, and told to the room's kiosks and screens at once; what a
//! control records is decided by [`motesskylt_core::progress::control`],
//! as at the door. Also what a room shows now, for its screen and `now`.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use thiserror::Error;
use uuid::Uuid;

use crate::db::{AuditEntry, CentralDb, DbError, MeetingEntry};
use crate::state::AppState;
use motesskylt_core::model::event::without_withdrawn;
use motesskylt_core::model::time::{clock_sv, local_time, with_offset};
use motesskylt_core::model::{Event, EventKind, Meeting};
use motesskylt_core::progress::control::{self, Command, Refusal};
use motesskylt_core::progress::message::{self, MessageProblem};
use motesskylt_core::progress::report::{StatusReport, status_at};
use motesskylt_core::progress::{Schedule, with_plan};
use motesskylt_core::room::{DoorState, Follow, MeetingLine, Target};
use motesskylt_core::wire::{RoomMeeting, WireEvent};

/// The device name of the events the pages and the control API make (not
/// a valid kiosk name, so it can never be one).
pub const PAGES_DEVICE: &str = "central:sidor";

/// Why a control or a message was not recorded.
#[derive(Debug, Error)]
pub enum DriveError {
    /// The control does not apply now.
    #[error("{0}")]
    Refused(#[from] Refusal),
    /// The message cannot be posted.
    #[error("{0}")]
    Message(#[from] MessageProblem),
    /// No message showing was posted at that moment.
    #[error("meddelandet visas inte längre")]
    NoSuchMessage,
    /// The room shows no meeting now (for the control API).
    #[error("rummet har inget möte just nu")]
    NoMeeting,
    /// Two writers took the same number three times over.
    #[error("en annan ändring kom emellan; försök igen")]
    Busy,
    /// The storage failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Who drives: a signed-in user's name, or a control token's name.
#[derive(Debug, Clone, Copy)]
pub struct Driver<'a> {
    /// What the event's `user` and the audit log say.
    pub name: &'a str,
}

/// The meeting's events as its screens fold them: at the moments their
/// devices recorded (withdrawn corrections left out). The room's kiosks
/// fold these same moments, so the room screen, `now` and every control
/// decided here agree with the door even while a kiosk's clock is not
/// synchronised; the exports place such events by the measured clock
/// instead ([`crate::export::event_log`]).
pub async fn events(app: &AppState, key: &str) -> Result<Vec<Event>, DbError> {
    let mut recorded: Vec<Event> = app
        .db
        .events(key)
        .await?
        .into_iter()
        .map(|wire| wire.event)
        .collect();
    recorded.sort_by_key(Event::instant);
    Ok(without_withdrawn(&recorded))
}

/// Presses `command` on the meeting `entry` at `now`: the events it
/// records (with `driver` as their user), audited and told to the room.
/// The word said in the audit log is returned.
pub async fn press(
    app: &AppState,
    tz: Tz,
    entry: &MeetingEntry,
    command: Command,
    driver: Driver<'_>,
    now: DateTime<Utc>,
) -> Result<String, DriveError> {
    // One press at a time: each decides on the log as the one before left it.
    if entry.cancelled {
        return Err(Refusal::Cancelled.into());
    }
    let _one_at_a_time = app.pages_events.lock().await;
    let recorded = events(app, &entry.key).await?;
    let schedule = Schedule::new(&entry.meeting, tz);
    let made = control::events(&entry.meeting, &schedule, &recorded, command, now)?;
    let said = said(&entry.meeting, made.last().map(|e| &e.kind), &recorded, tz);
    audit(app, driver, "control", &entry.key, said.clone(), now).await?;
    // The plan up to now and the control: one write, all or nothing.
    let made: Vec<Event> = made.into_iter().map(|e| e.by(driver.name)).collect();
    store(app, &entry.key, &made, now).await?;
    app.changed(&entry.room);
    Ok(said)
}

/// Posts a message to the room of `entry`, showing until `until` (or
/// until withdrawn).
pub async fn post_message(
    app: &AppState,
    tz: Tz,
    entry: &MeetingEntry,
    text: &str,
    until: Option<DateTime<Utc>>,
    driver: Driver<'_>,
    now: DateTime<Utc>,
) -> Result<(), DriveError> {
    let text = message::prepare(text, until, now)?;
    let _one_at_a_time = app.pages_events.lock().await;
    let until_said = until
        .map(|u| format!(" (till kl. {})", clock_sv(local_time(u, tz).time())))
        .unwrap_or_default();
    audit(
        app,
        driver,
        "message",
        &entry.key,
        format!("meddelande till rummet: \"{text}\"{until_said}"),
        now,
    )
    .await?;
    let until = until.map(|u| with_offset(u, tz));
    let event = Event::new(now, tz, EventKind::MessagePosted { text, until }).by(driver.name);
    store(app, &entry.key, &[event], now).await?;
    app.changed(&entry.room);
    Ok(())
}

/// Withdraws the message of `entry` posted at `posted` (still showing).
pub async fn withdraw_message(
    app: &AppState,
    tz: Tz,
    entry: &MeetingEntry,
    posted: DateTime<Utc>,
    driver: Driver<'_>,
    now: DateTime<Utc>,
) -> Result<(), DriveError> {
    let _one_at_a_time = app.pages_events.lock().await;
    let recorded = events(app, &entry.key).await?;
    let shown = message::showing(&recorded, now)
        .into_iter()
        .find(|m| m.posted == posted)
        .ok_or(DriveError::NoSuchMessage)?;
    audit(
        app,
        driver,
        "message_withdrawn",
        &entry.key,
        format!("meddelandet \"{}\" är återtaget", shown.text),
        now,
    )
    .await?;
    let posted_at = recorded
        .iter()
        .find(|e| e.instant() == posted && matches!(e.kind, EventKind::MessagePosted { .. }))
        .map(|e| e.at)
        .ok_or(DriveError::NoSuchMessage)?;
    let event = Event::new(now, tz, EventKind::MessageWithdrawn { posted_at }).by(driver.name);
    store(app, &entry.key, &[event], now).await?;
    app.changed(&entry.room);
    Ok(())
}

async fn audit(
    app: &AppState,
    driver: Driver<'_>,
    action: &str,
    key: &str,
    detail: String,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    app.db
        .audit(&AuditEntry {
            at: now,
            who: driver.name.to_string(),
            action: action.to_string(),
            meeting: Some(key.to_string()),
            detail,
        })
        .await
}

/// What a control did, in the audit log's words.
fn said(meeting: &Meeting, kind: Option<&EventKind>, before: &[Event], tz: Tz) -> String {
    let title = |number: &str| {
        meeting
            .items
            .iter()
            .find(|e| e.number.as_deref() == Some(number))
            .map(|e| e.title.clone())
            .unwrap_or_default()
    };
    match kind {
        Some(EventKind::MeetingStarted) => "mötet startat".into(),
        Some(EventKind::ItemStarted { item }) => format!("punkt {item} startad: {}", title(item)),
        Some(EventKind::BreakStarted { minutes: Some(m) }) => format!("paus på {m} minuter"),
        Some(EventKind::BreakStarted { minutes: None }) => "paus".into(),
        Some(EventKind::Resumed) => "åter efter pausen".into(),
        Some(EventKind::ItemExtended { minutes }) => format!("{minutes} minuter mer"),
        Some(EventKind::MeetingEnded) => "mötet avslutat".into(),
        Some(EventKind::ControlUndone { undone_at }) => {
            let undone = before
                .iter()
                .find(|e| e.at == *undone_at && motesskylt_core::progress::is_control(e))
                .map(|e| said(meeting, Some(&e.kind), &[], tz))
                .unwrap_or_default();
            format!(
                "ångrat: {undone} (kl. {})",
                clock_sv(local_time(undone_at.with_timezone(&Utc), tz).time())
            )
        }
        _ => String::new(),
    }
}

/// Stores events made on the pages as the next of [`PAGES_DEVICE`], in
/// one write (all or none). The caller holds [`AppState::pages_events`].
pub async fn store(
    app: &AppState,
    key: &str,
    events: &[Event],
    now: DateTime<Utc>,
) -> Result<(), DriveError> {
    // Another central server on the same database may take a number
    // between reading and writing: then read again.
    for _ in 0..3 {
        let first = app.db.acked(PAGES_DEVICE).await? + 1;
        let wires: Vec<WireEvent> = events
            .iter()
            .zip(first..)
            .map(|(event, seq)| WireEvent {
                id: Uuid::now_v7(),
                device: PAGES_DEVICE.to_string(),
                seq,
                meeting: key.to_string(),
                wall: now,
                mono_ms: 0,
                boot: PAGES_DEVICE.to_string(),
                clock_synced: true,
                event: event.clone(),
            })
            .collect();
        match app.db.push(PAGES_DEVICE, &wires, now).await {
            Ok(_) => return Ok(()),
            Err(DbError::SeqConflict { .. }) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(DriveError::Busy)
}

/// What a room shows at a moment: the meeting its door holds (if any) and
/// where that meeting stands.
#[derive(Debug, Clone)]
pub struct RoomNow {
    /// The meeting the door holds, with its newest version and door state.
    pub target: Option<Target>,
    /// Its room.
    pub room: String,
    /// The room's name as people say it ("Sal Vänern"), if given.
    pub title: Option<String>,
    /// Its events (what the status was folded from).
    pub events: Vec<Event>,
    /// The status, when the room has a meeting today or later.
    pub status: Option<StatusReport>,
}

impl RoomNow {
    /// The contract's `state` line: `{"state": …, "meeting": …}`, with
    /// `phase` `none` and `meeting` null when the room has nothing ahead,
    /// and the door (`open`, `cancelled`, `free`) beside them.
    pub fn line(&self) -> serde_json::Value {
        match (&self.status, &self.target) {
            (Some(status), Some(target)) => serde_json::json!({
                "state": status,
                "meeting": MeetingLine::new(&target.id, &target.meeting),
                "door": door_word(&target.door),
                "room": self.room,
            }),
            _ => serde_json::json!({
                "state": {"phase": "none"},
                "meeting": null,
                "door": "free",
                "room": self.room,
            }),
        }
    }

    /// The meeting the door holds, when it is open (not cancelled, not
    /// free): what the control API drives.
    pub fn open_meeting(&self) -> Option<&Target> {
        self.target.as_ref().filter(|t| t.door == DoorState::Open)
    }

    /// The meeting and the schedule of the target, for the agenda.
    pub fn schedule(&self, tz: Tz) -> Option<(&Meeting, Schedule, Vec<Event>)> {
        let target = self.target.as_ref()?;
        let schedule = Schedule::new(&target.meeting, tz);
        let events = with_plan(&schedule, &self.events);
        Some((&target.meeting, schedule, events))
    }
}

/// The door's state as one word.
pub fn door_word(door: &DoorState) -> &'static str {
    match door {
        DoorState::Open => "open",
        DoorState::Cancelled => "cancelled",
        DoorState::Free => "free",
    }
}

/// What `room` shows at `now`: the same choice of meeting as its kiosks
/// make ([`Follow`]), and that meeting's status from the central log.
pub async fn room_now(
    app: &AppState,
    tz: Tz,
    room: &str,
    now: DateTime<Utc>,
) -> Result<RoomNow, DbError> {
    let meetings: Vec<RoomMeeting> = app
        .db
        .room_meetings(room)
        .await?
        .into_iter()
        .map(|m| RoomMeeting {
            key: m.key,
            meeting: m.meeting,
            from_pages: m.from_pages,
            cancelled: m.cancelled,
        })
        .collect();
    let follow = Follow::new(meetings, tz);
    let target = follow.target(now);
    let (events, status) = match &target {
        Some(target) if follow.anything_ahead(now) => {
            let events = events(app, &target.id).await?;
            let schedule = Schedule::new(&target.meeting, tz);
            let status = status_at(&target.meeting, &schedule, &events, now);
            (events, Some(status))
        }
        _ => (Vec::new(), None),
    };
    let title = app.db.room(room).await?.and_then(|r| r.title);
    Ok(RoomNow {
        target,
        room: room.to_string(),
        title,
        events,
        status,
    })
}
