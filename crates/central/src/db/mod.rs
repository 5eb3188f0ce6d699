//! The central store's storage: one trait, [`CentralDb`], on SQLite
//! (embedded, one file, the default) and on PostgreSQL (larger or highly
//! available installations), with the same tests run against both
//! (`tests/central_db.rs`). [`AnyDb`] is whichever the configuration names.
//!
//! Pushes are idempotent: an event is known by its id (and by its device
//! and sequence number); pushing it again, in another batch or in another
//! order, changes nothing. A device's acknowledgement is the highest
//! sequence number up to which the store has all of its events.
//!
//! Besides the events the store keeps the rooms' meetings (every version),
//! the one-time enrolment codes and the enrolled devices with their token
//! hashes, last contact and clock offset.

mod pg_connect;
pub mod postgres;
pub mod sqlite;

use std::future::Future;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use motesskylt_core::attendance::formal::Request;
use motesskylt_core::clock::BootClock;
use motesskylt_core::model::Meeting;
use motesskylt_core::model::event::Authority;
use motesskylt_core::model::time::Lang;
use motesskylt_core::wire::WireEvent;

pub use motesskylt_core::wire::{Cursor, Pulled, PushAck, RoomMeeting};
pub use postgres::PostgresDb;
pub use sqlite::{BackupSummary, SqliteDb};

/// Errors of the central store's storage.
#[derive(Debug, Error)]
pub enum DbError {
    /// SQLite failed.
    #[error("centrallagringen (SQLite) går inte att använda: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL failed or could not be reached.
    #[error("centrallagringen (PostgreSQL) går inte att använda: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    /// No connection to PostgreSQL could be had (the pool's wait or the
    /// connection timed out, or the URL's TLS could not be set up).
    #[error("centrallagringen (PostgreSQL) går inte att nå: {0}")]
    Unreachable(String),
    /// The store answers but cannot be written (a read-only file or
    /// directory, a full disk).
    #[error("centrallagringen går inte att skriva: {0}")]
    ReadOnly(String),
    /// A stored row could not be read back.
    #[error("centrallagringen: en lagrad rad går inte att läsa: {0}")]
    BadRow(String),
    /// The store's schema is one this program cannot run on.
    #[error("centrallagringen: {0}")]
    Schema(String),
    /// A backup could not be written or did not read back whole.
    #[error("säkerhetskopian {path}: {reason}")]
    Backup {
        /// The backup's file.
        path: String,
        /// What went wrong, and what to do.
        reason: String,
    },
    /// The SQLite worker thread went away.
    #[error("centrallagringens tråd stannade")]
    Worker,
    /// No such enrolment code.
    #[error("engångskoden finns inte; be sekreteraren om en ny")]
    CodeUnknown,
    /// The enrolment code was used already.
    #[error("engångskoden är redan använd; be sekreteraren om en ny")]
    CodeUsed,
    /// The enrolment code is too old.
    #[error("engångskoden har gått ut; be sekreteraren om en ny")]
    CodeExpired,
    /// An event under a sequence number (or id) the store has for another
    /// event: the device's store was replaced without a new device id.
    #[error(
        "händelse {seq} från {device} finns redan centralt som en annan händelse; kioskens lagring har bytts ut utan nytt enhets-id (kör motesskylt store recover eller registrera kiosken under ett nytt namn)"
    )]
    SeqConflict {
        /// The device.
        device: String,
        /// The sequence number.
        seq: i64,
    },
    /// Another device has this name.
    #[error(
        "det finns redan en enhet som heter \"{0}\"; ge den här ett annat namn (device i kiosk.toml)"
    )]
    NameTaken(String),
    /// The meeting belongs to another room.
    #[error("mötet {meeting} hör till ett annat rum ({room})")]
    OtherRoom {
        /// The meeting's key.
        meeting: String,
        /// Its room.
        room: String,
    },
}

/// An enrolled device as the central store knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceRecord {
    /// The device's name (its events' `device`, or that name followed by
    /// `~` and an epoch after its store was recovered).
    pub name: String,
    /// The room it serves.
    pub room: String,
    /// When it enrolled.
    pub enrolled: DateTime<Utc>,
    /// When its token was revoked.
    pub revoked: Option<DateTime<Utc>>,
    /// Its last request.
    pub last_seen: Option<DateTime<Utc>>,
    /// Its clock's offset (add to the device's clock to get the server's),
    /// in milliseconds, and within how many.
    pub offset_ms: Option<(i64, i64)>,
    /// Its acknowledged sequence number.
    pub acked_seq: i64,
    /// Events waiting in its outbox, as it last told.
    pub pending: Option<i64>,
    /// The meeting its door shows (its id; empty: free), as it last told.
    pub showing: Option<String>,
}

impl DeviceRecord {
    /// Whether `device` (an event's `device`) is this device or one of its
    /// recovered stores' epochs.
    pub fn owns(&self, device: &str) -> bool {
        same_device(&self.name, device)
    }
}

/// Whether an event's `device` is the device `name` or one of its
/// recovered stores' epochs (`name~…`).
pub fn same_device(name: &str, device: &str) -> bool {
    device
        .strip_prefix(name)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('~'))
}

/// A meeting as the central store has it: its newest version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeetingEntry {
    /// The meeting's key (`SRO-2026-06-04`).
    pub key: String,
    /// The room it belongs to.
    pub room: String,
    /// When this version was stored.
    pub updated: DateTime<Utc>,
    /// The meeting.
    pub meeting: Meeting,
    /// This version was imported on the secretary's pages (not uploaded
    /// by a kiosk).
    #[serde(default)]
    pub from_pages: bool,
    /// The meeting was cancelled (it stays, with its events).
    #[serde(default)]
    pub cancelled: bool,
}

/// A room as added, with who may see its screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomRecord {
    /// Its name (what kiosks are enrolled in).
    pub name: String,
    /// Its name as people say it ("Sal Vänern").
    pub title: Option<String>,
    /// Who may see its screen and `now`: `open`, `token` or `signed-in`.
    pub screen: String,
}

/// A room's token: a link to its screen, or a key to its controls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomToken {
    /// Its id (shown, and named when revoking).
    pub id: String,
    /// The SHA-256 of the secret (hex); the secret itself is never kept.
    pub hash: String,
    /// The room.
    pub room: String,
    /// `screen` or `control`.
    pub purpose: String,
    /// What the administrator called it ("TV i sal B", "Stream Deck").
    pub name: String,
    /// When it was made.
    pub created: DateTime<Utc>,
    /// The administrator who made it.
    pub created_by: String,
    /// When it was revoked.
    pub revoked: Option<DateTime<Utc>>,
}

/// What a device told with a request, each `None` when it did not.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Told<'a> {
    /// Events waiting in its outbox.
    pub pending: Option<i64>,
    /// The meeting its door shows (empty: free).
    pub showing: Option<&'a str>,
}

/// What a meeting's events may name: every participant's name (and every
/// name a participant substitutes for) and every agenda number, in any
/// stored version of the meeting (a kiosk may have recorded an event by
/// an earlier one).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MeetingNames {
    /// Participants' names, and the names they substitute for.
    pub people: std::collections::BTreeSet<String>,
    /// Agenda numbers (`4`, `5 a`).
    pub items: std::collections::BTreeSet<String>,
}

/// The event types (`type` in the log) of the card registry.
pub const CARD_TYPES: &[&str] = &["card_enrolled", "card_revoked"];

/// Notes a stored row that could not be read back: it is left out of the
/// answer (one bad row never makes a whole room unreadable) and logged as
/// an error for the administrator.
pub(crate) fn skipped_row(table: &str, key: &str, problem: &dyn std::fmt::Display) {
    tracing::error!(
        table,
        row = key,
        %problem,
        "en lagrad rad går inte att läsa och hoppas över"
    );
}

/// What a person signed in to the pages may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything: every body's meetings, devices, rooms, the audit log.
    Admin,
    /// Their bodies' meetings: import, follow, correct, export.
    Secretary,
}

impl Role {
    /// The role's name in the store and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Secretary => "secretary",
        }
    }

    /// The role a stored name names.
    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "admin" => Some(Role::Admin),
            "secretary" => Some(Role::Secretary),
            _ => None,
        }
    }
}

/// A person who signs in to the pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    /// The sign-in name.
    pub name: String,
    /// The password's argon2 hash (PHC string).
    pub password_hash: String,
    /// What they may do.
    pub role: Role,
    /// The bodies (`SRO`) whose meetings a secretary sees.
    pub bodies: Vec<String>,
}

impl UserRecord {
    /// A user as stored: the role by name, the bodies as a JSON array.
    fn stored(
        name: String,
        password_hash: String,
        role: &str,
        bodies: &str,
    ) -> Result<UserRecord, DbError> {
        Ok(UserRecord {
            role: Role::parse(role).ok_or_else(|| DbError::BadRow(format!("okänd roll {role}")))?,
            bodies: serde_json::from_str(bodies).map_err(|e| DbError::BadRow(e.to_string()))?,
            name,
            password_hash,
        })
    }
}

/// One line of the audit log: who did what, when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// When.
    pub at: DateTime<Utc>,
    /// Who (a user's name, or a device's).
    pub who: String,
    /// What, as a stable word (`correction`, `export`, `enrol_code`, …).
    pub action: String,
    /// The meeting concerned, if any.
    pub meeting: Option<String>,
    /// The details, in words.
    pub detail: String,
}

/// The most events one pull returns; the rest come with the next.
pub const PULL_LIMIT: i64 = 1000;

/// A session's idle expiry moves only when it would move by more than
/// this: a page view is then a read, not a write (the pages refresh every
/// second, and each write waits for the disk).
pub const SESSION_SLACK: chrono::Duration = chrono::Duration::minutes(1);

/// A secretary's session as stored: every server on the store knows it,
/// and it outlives a restart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// The hash of the token in the cookie (the token itself is never stored).
    pub token_hash: String,
    /// The user's name.
    pub user: String,
    /// A fingerprint of the password hash the session was opened with.
    pub password: String,
    /// The CSRF token of the session's forms.
    pub csrf: String,
    /// When it ends unless used before.
    pub expires: DateTime<Utc>,
    /// When it ends however used.
    pub ends: DateTime<Utc>,
}

/// A limit on failed attempts under one key (a name from an address, an
/// address, …): at most `allowed` within the window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allowance {
    /// The key.
    pub key: String,
    /// The failures allowed within the window.
    pub allowed: usize,
}

/// The central store's storage.
pub trait CentralDb: Send + Sync {
    /// Stores `events` pushed by `device`, received at `received`; events
    /// already stored (by id, or by device and sequence number) are
    /// skipped; an event whose id or (device, sequence number) the store
    /// has for another event refuses the whole batch
    /// ([`DbError::SeqConflict`]). The caller has checked that the events
    /// are the device's own and in its rooms' meetings. A change of who
    /// serves or a recusal confirmed at the door is audited
    /// ([`door_audit`]) in the same transaction, when it is new: once.
    fn push(
        &self,
        device: &str,
        events: &[WireEvent],
        received: DateTime<Utc>,
    ) -> impl Future<Output = Result<PushAck, DbError>> + Send;

    /// The events of `meeting`, by device and sequence number. A row that
    /// cannot be read back is left out and logged, never fatal.
    fn events(&self, meeting: &str)
    -> impl Future<Output = Result<Vec<WireEvent>, DbError>> + Send;

    /// The events whose `type` is one of `types`, of `meeting` or (`None`)
    /// of every meeting, in the store's order; selected by type in the
    /// query (an index), so the rest of the log is never read.
    fn events_of_types(
        &self,
        types: &[&str],
        meeting: Option<&str>,
    ) -> impl Future<Output = Result<Vec<WireEvent>, DbError>> + Send;

    /// What the events of the meeting `key` may name (empty when there is
    /// no such meeting).
    fn meeting_names(
        &self,
        key: &str,
    ) -> impl Future<Output = Result<MeetingNames, DbError>> + Send;

    /// The device's acknowledgement (as in [`PushAck::acked_seq`]).
    fn acked(&self, device: &str) -> impl Future<Output = Result<i64, DbError>> + Send;

    /// Keeps a one-time enrolment code (its hash) for `room`, valid until
    /// `expires`.
    fn add_code(
        &self,
        code_hash: &str,
        room: &str,
        expires: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), DbError>> + Send;

    /// Uses the code: enrols `device` with its token's hash in the code's
    /// room, in one transaction, and returns the room. A device of that
    /// name in the same room that was revoked, or never made a request
    /// (its enrolment's answer was lost), is enrolled again with the new
    /// token.
    fn enrol(
        &self,
        code_hash: &str,
        device: &str,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<String, DbError>> + Send;

    /// The device a token (its hash) belongs to, revoked or not.
    fn device(
        &self,
        token_hash: &str,
    ) -> impl Future<Output = Result<Option<DeviceRecord>, DbError>> + Send;

    /// Every enrolled device, by name.
    fn devices(&self) -> impl Future<Output = Result<Vec<DeviceRecord>, DbError>> + Send;

    /// Revokes the device's token; `false` when there is no such device.
    fn revoke(
        &self,
        device: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<bool, DbError>> + Send;

    /// Notes a request from the device and, when given, its clock as just
    /// measured (the device's latest wall clock offset, and kept for its
    /// boot when it is the most precise measured there), how many events
    /// wait in its outbox and the meeting its door shows.
    fn seen(
        &self,
        device: &str,
        now: DateTime<Utc>,
        clock: Option<&BootClock>,
        told: Told<'_>,
    ) -> impl Future<Output = Result<(), DbError>> + Send;

    /// The device's clock as measured in each of its boots.
    fn clocks(&self, device: &str) -> impl Future<Output = Result<Vec<BootClock>, DbError>> + Send;

    /// Stores a meeting a device uploaded for `room` (a new version when
    /// it changed, unless the newest is from the pages); a meeting of
    /// another room is refused. Returns whether it changed.
    fn put_meeting(
        &self,
        room: &str,
        key: &str,
        meeting: &Meeting,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<bool, DbError>> + Send;

    /// Stores a meeting imported on the secretary's pages for `room` (a
    /// new version when it changed). Refused for a meeting another room
    /// has from the pages; one that another room has only from its kiosks'
    /// uploads moves to `room`, and the events stored for it until then
    /// (that room's kiosks') are no longer the meeting's. From then on a
    /// device's upload of it changes nothing: the secretary's version
    /// stands until the next import.
    fn import_meeting(
        &self,
        room: &str,
        key: &str,
        meeting: &Meeting,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<bool, DbError>> + Send;

    /// The room a meeting belongs to.
    fn meeting_room(
        &self,
        key: &str,
    ) -> impl Future<Output = Result<Option<String>, DbError>> + Send;

    /// What changed in `room` since `since`, leaving out `device`'s own
    /// events; at most [`PULL_LIMIT`] events.
    fn pull(
        &self,
        room: &str,
        device: &str,
        since: Cursor,
    ) -> impl Future<Output = Result<Pulled, DbError>> + Send;

    /// The rooms whose schedule changed after the meeting version `since`
    /// (a position of the store's versions), and the newest position;
    /// `None`: nothing yet, only the newest position (where to start).
    /// However the change was made (the pages, the command line, another
    /// server), the rooms' kiosks can be told.
    fn schedule_changes(
        &self,
        since: Option<i64>,
    ) -> impl Future<Output = Result<(i64, Vec<String>), DbError>> + Send;

    /// Every meeting's newest version, newest meeting date first.
    fn meetings(&self) -> impl Future<Output = Result<Vec<MeetingEntry>, DbError>> + Send;

    /// The meetings of `room`, as [`CentralDb::meetings`] lists them (read
    /// by the room's index: the room screen asks every second).
    fn room_meetings(
        &self,
        room: &str,
    ) -> impl Future<Output = Result<Vec<MeetingEntry>, DbError>> + Send;

    /// Stores a new meeting imported on the secretary's pages for `room`
    /// under the id `id`; `false` (and nothing stored) when a meeting
    /// already has that id.
    fn add_meeting(
        &self,
        room: &str,
        id: &str,
        meeting: &Meeting,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<bool, DbError>> + Send;

    /// Cancels the meeting `id`: a new version, the secretary's, marked
    /// cancelled (its events stay). `false` when there is no such meeting.
    /// An import of it again (a new version) takes the cancellation back.
    fn cancel_meeting(
        &self,
        id: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<bool, DbError>> + Send;

    /// A meeting's newest version.
    fn meeting(
        &self,
        key: &str,
    ) -> impl Future<Output = Result<Option<MeetingEntry>, DbError>> + Send;

    /// Adds a person who signs in, or replaces their password, role and
    /// bodies.
    fn put_user(&self, user: &UserRecord) -> impl Future<Output = Result<(), DbError>> + Send;

    /// The person signing in as `name`.
    fn user(&self, name: &str) -> impl Future<Output = Result<Option<UserRecord>, DbError>> + Send;

    /// Appends to the audit log.
    fn audit(&self, entry: &AuditEntry) -> impl Future<Output = Result<(), DbError>> + Send;

    /// The newest `limit` lines of the audit log, newest first.
    fn audit_log(
        &self,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<AuditEntry>, DbError>> + Send;

    /// Adds a room (nothing when it exists).
    fn add_room(
        &self,
        room: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), DbError>> + Send;

    /// Adds a room, or changes its title or screen access where given.
    fn set_room(
        &self,
        room: &str,
        title: Option<&str>,
        screen: Option<&str>,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), DbError>> + Send;

    /// Every room: added, or named by a device, code or meeting; by name.
    fn rooms(&self) -> impl Future<Output = Result<Vec<String>, DbError>> + Send;

    /// A room's title and screen access, as added (`None`: never added
    /// with `room add` or on the rooms page).
    fn room(&self, room: &str) -> impl Future<Output = Result<Option<RoomRecord>, DbError>> + Send;

    /// Keeps a room's new token (its hash only).
    fn add_room_token(&self, token: &RoomToken)
    -> impl Future<Output = Result<(), DbError>> + Send;

    /// A room's tokens, revoked ones too, oldest first.
    fn room_tokens(
        &self,
        room: &str,
    ) -> impl Future<Output = Result<Vec<RoomToken>, DbError>> + Send;

    /// The token whose hash is `hash`, revoked or not.
    fn room_token(
        &self,
        hash: &str,
    ) -> impl Future<Output = Result<Option<RoomToken>, DbError>> + Send;

    /// Revokes the token `id` of `room`; `false` when there is none (or it
    /// was revoked already).
    fn revoke_room_token(
        &self,
        room: &str,
        id: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<bool, DbError>> + Send;

    /// Stores a new session, and forgets those that have ended by `now`.
    fn open_session(
        &self,
        session: &SessionRecord,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), DbError>> + Send;

    /// The session of `token_hash` if it has not ended by `now`, kept open
    /// until `expires` in the same step — written only when that moves its
    /// expiry by more than [`SESSION_SLACK`].
    fn use_session(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
        expires: DateTime<Utc>,
    ) -> impl Future<Output = Result<Option<SessionRecord>, DbError>> + Send;

    /// Ends a session.
    fn close_session(&self, token_hash: &str) -> impl Future<Output = Result<(), DbError>> + Send;

    /// Starts an attempt under every allowance, failures counted since
    /// `since`: refused with the earliest failure of a key that has had
    /// its allowance (the caller adds the window), otherwise counted as a
    /// failure at `now` under every key in the same step (parallel
    /// attempts on any server cannot all slip through) until
    /// [`Self::attempt_succeeded`].
    fn attempt(
        &self,
        allowances: &[Allowance],
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Result<(), DateTime<Utc>>, DbError>> + Send;

    /// The attempt under `keys` succeeded: its latest failure under each
    /// no longer counts.
    fn attempt_succeeded(
        &self,
        keys: &[String],
    ) -> impl Future<Output = Result<(), DbError>> + Send;

    /// Forgets every failure under `key`.
    fn forget_failures(&self, key: &str) -> impl Future<Output = Result<(), DbError>> + Send;

    /// Whether the storage answers and can be written (SQLite: a write in
    /// a transaction that is rolled back; PostgreSQL: a round trip on a
    /// connection from the pool).
    fn healthy(&self) -> impl Future<Output = Result<(), DbError>> + Send;
}

/// Of the failures under each allowance (in the allowances' order, each
/// the moments within the window, oldest first), the moment the earliest
/// failure of a key whose allowance is spent was made; the latest such
/// moment when several are, so the attempt waits for all of them.
fn spent(allowances: &[Allowance], failures: &[Vec<DateTime<Utc>>]) -> Option<DateTime<Utc>> {
    allowances
        .iter()
        .zip(failures)
        .filter(|(allowance, times)| times.len() >= allowance.allowed)
        .filter_map(|(_, times)| times.first().copied())
        .max()
}

/// Whether a meeting's `body` from the pages (`from_pages`) or from a
/// device is a new version after the `latest` stored (its body, whether it
/// came from the pages, whether it cancelled the meeting): a device never
/// replaces the pages' version; otherwise any change of text or of origin
/// is new, and so is any import after a cancellation (it takes it back).
fn new_version<T: PartialEq>(latest: Option<&(T, bool, bool)>, body: &T, from_pages: bool) -> bool {
    match latest {
        Some((_, true, _)) if !from_pages => false,
        Some((latest, pages, cancelled)) => latest != body || *pages != from_pages || *cancelled,
        None => true,
    }
}

/// Sorts meetings by date, the newest first (then by key).
fn newest_first(meetings: &mut [MeetingEntry]) {
    meetings.sort_by(|a, b| {
        b.meeting
            .date
            .cmp(&a.meeting.date)
            .then_with(|| a.key.cmp(&b.key))
    });
}

/// The audit line of a pushed event the secretary confirmed at the door
/// (a change of who serves or a recusal, with `confirmed`); `None` for
/// any other event.
pub fn door_audit(wire: &WireEvent, received: DateTime<Utc>) -> Option<AuditEntry> {
    let how = match wire.event.confirmed? {
        Authority::Pin => "med PIN-koden",
        Authority::AdminCard => "med ett administratörskort",
        Authority::Secretary => return None,
    };
    let what = Request::of(&wire.event.kind)?.said(Lang::Sv);
    Some(AuditEntry {
        at: received,
        who: wire.device.clone(),
        action: "formal".into(),
        meeting: Some(wire.meeting.clone()),
        detail: format!("{what} (bekräftat vid dörren {how})"),
    })
}

/// The highest `n` from `from` such that `from+1..=n` are all in `seqs`
/// (sorted, distinct, all above `from`).
fn contiguous_from(from: i64, seqs: impl IntoIterator<Item = i64>) -> i64 {
    let mut acked = from;
    for seq in seqs {
        if seq == acked + 1 {
            acked = seq;
        } else if seq > acked + 1 {
            break;
        }
    }
    acked
}

/// The storage a configuration names: SQLite or PostgreSQL.
// One per server, made once and shared behind an Arc: its size is of no
// consequence.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum AnyDb {
    /// A SQLite file.
    Sqlite(SqliteDb),
    /// A PostgreSQL database.
    Postgres(PostgresDb),
}

macro_rules! delegate {
    ($self:ident, $db:ident => $call:expr) => {
        match $self {
            AnyDb::Sqlite($db) => $call.await,
            AnyDb::Postgres($db) => $call.await,
        }
    };
}

impl CentralDb for AnyDb {
    async fn push(
        &self,
        device: &str,
        events: &[WireEvent],
        received: DateTime<Utc>,
    ) -> Result<PushAck, DbError> {
        delegate!(self, db => db.push(device, events, received))
    }
    async fn events(&self, meeting: &str) -> Result<Vec<WireEvent>, DbError> {
        delegate!(self, db => db.events(meeting))
    }
    async fn events_of_types(
        &self,
        types: &[&str],
        meeting: Option<&str>,
    ) -> Result<Vec<WireEvent>, DbError> {
        delegate!(self, db => db.events_of_types(types, meeting))
    }
    async fn meeting_names(&self, key: &str) -> Result<MeetingNames, DbError> {
        delegate!(self, db => db.meeting_names(key))
    }
    async fn acked(&self, device: &str) -> Result<i64, DbError> {
        delegate!(self, db => db.acked(device))
    }
    async fn add_code(
        &self,
        code_hash: &str,
        room: &str,
        expires: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), DbError> {
        delegate!(self, db => db.add_code(code_hash, room, expires, now))
    }
    async fn enrol(
        &self,
        code_hash: &str,
        device: &str,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<String, DbError> {
        delegate!(self, db => db.enrol(code_hash, device, token_hash, now))
    }
    async fn device(&self, token_hash: &str) -> Result<Option<DeviceRecord>, DbError> {
        delegate!(self, db => db.device(token_hash))
    }
    async fn devices(&self) -> Result<Vec<DeviceRecord>, DbError> {
        delegate!(self, db => db.devices())
    }
    async fn revoke(&self, device: &str, now: DateTime<Utc>) -> Result<bool, DbError> {
        delegate!(self, db => db.revoke(device, now))
    }
    async fn seen(
        &self,
        device: &str,
        now: DateTime<Utc>,
        clock: Option<&BootClock>,
        told: Told<'_>,
    ) -> Result<(), DbError> {
        delegate!(self, db => db.seen(device, now, clock, told))
    }
    async fn clocks(&self, device: &str) -> Result<Vec<BootClock>, DbError> {
        delegate!(self, db => db.clocks(device))
    }
    async fn put_meeting(
        &self,
        room: &str,
        key: &str,
        meeting: &Meeting,
        now: DateTime<Utc>,
    ) -> Result<bool, DbError> {
        delegate!(self, db => db.put_meeting(room, key, meeting, now))
    }
    async fn import_meeting(
        &self,
        room: &str,
        key: &str,
        meeting: &Meeting,
        now: DateTime<Utc>,
    ) -> Result<bool, DbError> {
        delegate!(self, db => db.import_meeting(room, key, meeting, now))
    }
    async fn meeting_room(&self, key: &str) -> Result<Option<String>, DbError> {
        delegate!(self, db => db.meeting_room(key))
    }
    async fn pull(&self, room: &str, device: &str, since: Cursor) -> Result<Pulled, DbError> {
        delegate!(self, db => db.pull(room, device, since))
    }
    async fn schedule_changes(&self, since: Option<i64>) -> Result<(i64, Vec<String>), DbError> {
        delegate!(self, db => db.schedule_changes(since))
    }
    async fn meetings(&self) -> Result<Vec<MeetingEntry>, DbError> {
        delegate!(self, db => db.meetings())
    }
    async fn room_meetings(&self, room: &str) -> Result<Vec<MeetingEntry>, DbError> {
        delegate!(self, db => db.room_meetings(room))
    }
    async fn add_meeting(
        &self,
        room: &str,
        id: &str,
        meeting: &Meeting,
        now: DateTime<Utc>,
    ) -> Result<bool, DbError> {
        delegate!(self, db => db.add_meeting(room, id, meeting, now))
    }
    async fn cancel_meeting(&self, id: &str, now: DateTime<Utc>) -> Result<bool, DbError> {
        delegate!(self, db => db.cancel_meeting(id, now))
    }
    async fn meeting(&self, key: &str) -> Result<Option<MeetingEntry>, DbError> {
        delegate!(self, db => db.meeting(key))
    }
    async fn put_user(&self, user: &UserRecord) -> Result<(), DbError> {
        delegate!(self, db => db.put_user(user))
    }
    async fn user(&self, name: &str) -> Result<Option<UserRecord>, DbError> {
        delegate!(self, db => db.user(name))
    }
    async fn audit(&self, entry: &AuditEntry) -> Result<(), DbError> {
        delegate!(self, db => db.audit(entry))
    }
    async fn audit_log(&self, limit: i64) -> Result<Vec<AuditEntry>, DbError> {
        delegate!(self, db => db.audit_log(limit))
    }
    async fn add_room(&self, room: &str, now: DateTime<Utc>) -> Result<(), DbError> {
        delegate!(self, db => db.add_room(room, now))
    }
    async fn set_room(
        &self,
        room: &str,
        title: Option<&str>,
        screen: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), DbError> {
        delegate!(self, db => db.set_room(room, title, screen, now))
    }
    async fn rooms(&self) -> Result<Vec<String>, DbError> {
        delegate!(self, db => db.rooms())
    }
    async fn room(&self, room: &str) -> Result<Option<RoomRecord>, DbError> {
        delegate!(self, db => db.room(room))
    }
    async fn add_room_token(&self, token: &RoomToken) -> Result<(), DbError> {
        delegate!(self, db => db.add_room_token(token))
    }
    async fn room_tokens(&self, room: &str) -> Result<Vec<RoomToken>, DbError> {
        delegate!(self, db => db.room_tokens(room))
    }
    async fn room_token(&self, hash: &str) -> Result<Option<RoomToken>, DbError> {
        delegate!(self, db => db.room_token(hash))
    }
    async fn revoke_room_token(
        &self,
        room: &str,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, DbError> {
        delegate!(self, db => db.revoke_room_token(room, id, now))
    }
    async fn open_session(
        &self,
        session: &SessionRecord,
        now: DateTime<Utc>,
    ) -> Result<(), DbError> {
        delegate!(self, db => db.open_session(session, now))
    }
    async fn use_session(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
        expires: DateTime<Utc>,
    ) -> Result<Option<SessionRecord>, DbError> {
        delegate!(self, db => db.use_session(token_hash, now, expires))
    }
    async fn close_session(&self, token_hash: &str) -> Result<(), DbError> {
        delegate!(self, db => db.close_session(token_hash))
    }
    async fn attempt(
        &self,
        allowances: &[Allowance],
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Result<(), DateTime<Utc>>, DbError> {
        delegate!(self, db => db.attempt(allowances, since, now))
    }
    async fn attempt_succeeded(&self, keys: &[String]) -> Result<(), DbError> {
        delegate!(self, db => db.attempt_succeeded(keys))
    }
    async fn forget_failures(&self, key: &str) -> Result<(), DbError> {
        delegate!(self, db => db.forget_failures(key))
    }
    async fn healthy(&self) -> Result<(), DbError> {
        delegate!(self, db => db.healthy())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_acknowledgement_stops_at_the_first_gap() {
        assert_eq!(contiguous_from(0, []), 0);
        assert_eq!(contiguous_from(0, [1, 2, 3]), 3);
        assert_eq!(contiguous_from(0, [1, 2, 4, 5]), 2);
        assert_eq!(contiguous_from(0, [2, 3]), 0);
        assert_eq!(contiguous_from(3, [4, 6]), 4);
    }

    #[test]
    fn a_device_owns_its_recovered_epochs_only() {
        let device = DeviceRecord {
            name: "dorr-a".into(),
            room: "r".into(),
            enrolled: Utc::now(),
            revoked: None,
            last_seen: None,
            offset_ms: None,
            acked_seq: 0,
            pending: None,
            showing: None,
        };
        assert!(device.owns("dorr-a"));
        assert!(device.owns("dorr-a~x7"));
        assert!(!device.owns("dorr-ab"));
        assert!(!device.owns("dorr-b"));
    }
}
