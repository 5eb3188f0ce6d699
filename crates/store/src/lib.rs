//! The kiosk's local store: one SQLite file in the data directory.
//!
//! - WAL with `synchronous=FULL`: a commit is on disk (fsync) before
//!   [`Store::append`] returns, so an event the screen confirms survives a
//!   power cut. Attendance outranks write speed.
//! - `PRAGMA integrity_check` at every open; a damaged file is set aside
//!   and what can be read of it is copied into a fresh one ([`recover`]).
//! - Append-only: triggers refuse every UPDATE and DELETE. The meetings,
//!   the event log (UUID v7, per-device sequence number, wall time, time
//!   since boot, boot id, clock state), the card registry (a fold over
//!   `card_enrolled` events) and the sync cursor are all rows added.

pub mod schema;
pub mod stamp;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use thiserror::Error;
use uuid::Uuid;

use motesskylt_core::cards::Registry;
use motesskylt_core::model::{Event, Meeting};
use motesskylt_core::wire::WireEvent;

pub use stamp::Stamp;

/// Errors of the store.
#[derive(Debug, Error)]
pub enum StoreError {
    /// SQLite failed (disk full, permissions, a locked file).
    #[error("lagringen {path} går inte att använda: {source}")]
    Sqlite {
        /// The store's file.
        path: String,
        /// What SQLite said.
        source: rusqlite::Error,
    },
    /// The file failed its integrity check.
    #[error(
        "lagringen {path} är skadad ({problems}); kiosken sparar undan filen och räddar det som går att läsa vid nästa start, eller kör `motesskylt store recover {path}`"
    )]
    Corrupt {
        /// The store's file.
        path: String,
        /// The first problems SQLite reported.
        problems: String,
    },
    /// The file was written by a newer motesskylt.
    #[error(
        "lagringen {path} har schemaversion {found}, men den här motesskylt känner bara till {known}; uppdatera programmet"
    )]
    TooNew {
        /// The store's file.
        path: String,
        /// The file's schema version.
        found: i64,
        /// The newest version this program knows.
        known: usize,
    },
    /// A stored row could not be read back (written by hand or damaged).
    #[error("lagringen {path}: rad {rowid} i {table} går inte att läsa: {reason}")]
    BadRow {
        /// The store's file.
        path: String,
        /// The table.
        table: &'static str,
        /// The row.
        rowid: i64,
        /// What is wrong.
        reason: String,
    },
    /// Setting a damaged file aside failed.
    #[error("den skadade lagringen {path} kunde inte sparas undan: {source}")]
    SetAside {
        /// The store's file.
        path: String,
        /// What the system said.
        source: std::io::Error,
    },
}

impl StoreError {
    /// Whether the file or the disk under it is damaged (corrupt pages, not
    /// a database, an I/O error): restarting runs the integrity check and
    /// the recovery. A full disk or a locked file is not damage.
    pub fn is_damage(&self) -> bool {
        match self {
            StoreError::Corrupt { .. } => true,
            StoreError::Sqlite { source, .. } => matches!(
                source.sqlite_error_code(),
                Some(
                    rusqlite::ErrorCode::DatabaseCorrupt
                        | rusqlite::ErrorCode::NotADatabase
                        | rusqlite::ErrorCode::SystemIoFailure
                )
            ),
            _ => false,
        }
    }
}

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

pub use motesskylt_core::model::meeting_key;

/// The store's file name in a data directory.
pub const FILE_NAME: &str = "motesskylt.sqlite";

/// The local store.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    device: String,
    uuids: uuid::ContextV7,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.path)
            .field("device", &self.device)
            .finish()
    }
}

impl Store {
    /// Opens (or creates) the store at `path`: checks its integrity, runs
    /// the migrations and reads (or makes) the device id. `device_name` is
    /// used as the id of a new store (e.g. the host name); a store keeps
    /// the id it was created with.
    pub fn open(path: &Path, device_name: &str) -> Result<Store, StoreError> {
        let shown = path.display().to_string();
        let sql = |source| StoreError::Sqlite {
            path: shown.clone(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                sql(rusqlite::Error::InvalidPath(PathBuf::from(format!(
                    "{} ({e})",
                    dir.display()
                ))))
            })?;
        }
        let conn = Connection::open(path).map_err(sql)?;
        // A damaged header shows up on the first statement, whichever it is.
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(|e| corrupt_or(&shown, e))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(sql(rusqlite::Error::InvalidQuery));
        }
        conn.execute_batch(
            "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;",
        )
        .map_err(sql)?;
        check_integrity(&conn, &shown)?;
        migrate(&conn, &shown)?;
        let device = match conn
            .query_row("SELECT id FROM device LIMIT 1", [], |r| {
                r.get::<_, String>(0)
            })
            .optional()
            .map_err(sql)?
        {
            Some(id) => id,
            None => {
                conn.execute(
                    "INSERT INTO device (id, created) VALUES (?1, ?2)",
                    params![device_name, Utc::now().to_rfc3339()],
                )
                .map_err(sql)?;
                device_name.to_string()
            }
        };
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            device,
            uuids: uuid::ContextV7::new(),
        })
    }

    /// The store's file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The journal mode and `synchronous` level of the connection (for
    /// `motesskylt store check` and the tests): `("wal", 2)` means WAL with
    /// FULL.
    pub fn durability(&self) -> Result<(String, i64), StoreError> {
        let mode = self
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .map_err(|e| self.sql(e))?;
        let sync = self
            .conn
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .map_err(|e| self.sql(e))?;
        Ok((mode, sync))
    }

    /// This device's id.
    pub fn device(&self) -> &str {
        &self.device
    }

    fn sql(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sqlite {
            path: self.path.display().to_string(),
            source,
        }
    }

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

    /// Events not yet confirmed by the central store, oldest first, at most
    /// `limit` of them.
    pub fn outbox(&self, limit: usize) -> Result<Vec<Recorded>, StoreError> {
        let cursor = self.sync_cursor()?;
        self.select(
            "SELECT rowid, id, device, seq, meeting, body FROM events WHERE rowid > ?1 ORDER BY rowid LIMIT ?2",
            params![cursor, limit as i64],
        )
    }

    /// [`Store::outbox`] as the sync client pushes it: each event with its
    /// position in the log and its stamp.
    pub fn outbox_wire(&self, limit: usize) -> Result<Vec<(i64, WireEvent)>, StoreError> {
        let cursor = self.sync_cursor()?;
        let mut statement = self
            .conn
            .prepare(&format!(
                "SELECT rowid, {WIRE_COLUMNS} FROM events WHERE rowid > ?1 ORDER BY rowid LIMIT ?2"
            ))
            .map_err(|e| self.sql(e))?;
        let rows = statement
            .query_map(params![cursor, limit as i64], |r| {
                Ok((r.get::<_, i64>(0)?, WireRow::read(r, 1)?))
            })
            .map_err(|e| self.sql(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (rowid, wire) = row.map_err(|e| self.sql(e))?;
            let event = wire
                .parse()
                .map_err(|reason| self.bad_row("events", rowid, reason))?;
            out.push((rowid, event));
        }
        Ok(out)
    }

    /// The outbox cursor: the newest events rowid the central store has.
    pub fn sync_cursor(&self) -> Result<i64, StoreError> {
        self.conn
            .query_row("SELECT COALESCE(MAX(up_to), 0) FROM sync_acks", [], |r| {
                r.get(0)
            })
            .map_err(|e| self.sql(e))
    }

    /// Records that the central store has every event up to `rowid`.
    pub fn acknowledge(&mut self, rowid: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
        if rowid <= self.sync_cursor()? {
            return Ok(());
        }
        self.conn
            .execute(
                "INSERT INTO sync_acks (up_to, at) VALUES (?1, ?2)",
                params![rowid, now.to_rfc3339()],
            )
            .map(|_| ())
            .map_err(|e| self.sql(e))
    }

    /// How many events wait for the central store.
    pub fn unsent(&self) -> Result<usize, StoreError> {
        let cursor = self.sync_cursor()?;
        self.conn
            .query_row(
                "SELECT COUNT(*) FROM events WHERE rowid > ?1",
                params![cursor],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n as usize)
            .map_err(|e| self.sql(e))
    }

    /// Where the pulls from the central store stand: (events, meetings) as
    /// the central store numbers them.
    pub fn pull_cursor(&self) -> Result<(i64, i64), StoreError> {
        self.conn
            .query_row(
                "SELECT events, meetings FROM pull_cursors ORDER BY rowid DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map(|c| c.unwrap_or((0, 0)))
            .map_err(|e| self.sql(e))
    }

    /// Keeps events of other devices pulled from the central store, and the
    /// new pull cursor, in one transaction. Returns the events new to this
    /// store (one already known, as learned or as its own, is skipped).
    pub fn learn(
        &mut self,
        events: &[WireEvent],
        cursor: (i64, i64),
        now: DateTime<Utc>,
    ) -> Result<Vec<WireEvent>, StoreError> {
        let shown = self.path.display().to_string();
        let sql = |source| StoreError::Sqlite {
            path: shown.clone(),
            source,
        };
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql)?;
        let mut new = Vec::new();
        for e in events {
            let own: bool = tx
                .query_row(
                    "SELECT EXISTS (SELECT 1 FROM events WHERE id = ?1)",
                    params![e.id.to_string()],
                    |r| r.get(0),
                )
                .map_err(sql)?;
            if own {
                continue;
            }
            let value = serde_json::to_value(&e.event)
                .map_err(|error| sql(rusqlite::Error::ToSqlConversionFailure(Box::new(error))))?;
            let kind = value["type"].as_str().unwrap_or_default().to_string();
            let body = value.to_string();
            let added = tx
                .execute(
                    "INSERT INTO learned (id, device, seq, meeting, wall, mono_ms, boot, clock_synced, type, body, received)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) ON CONFLICT DO NOTHING",
                    params![
                        e.id.to_string(),
                        e.device,
                        e.seq,
                        e.meeting,
                        e.wall.to_rfc3339(),
                        e.mono_ms,
                        e.boot,
                        e.clock_synced,
                        kind,
                        body,
                        now.to_rfc3339()
                    ],
                )
                .map_err(sql)?;
            if added > 0 {
                new.push(e.clone());
            }
        }
        if Some(cursor)
            != tx
                .query_row(
                    "SELECT events, meetings FROM pull_cursors ORDER BY rowid DESC LIMIT 1",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .map_err(sql)?
        {
            tx.execute(
                "INSERT INTO pull_cursors (events, meetings, at) VALUES (?1, ?2, ?3)",
                params![cursor.0, cursor.1, now.to_rfc3339()],
            )
            .map_err(sql)?;
        }
        tx.commit().map_err(sql)?;
        Ok(new)
    }

    /// The events of `meeting` learned from other devices, in the order
    /// they were learned.
    pub fn learned(&self, meeting: &str) -> Result<Vec<Event>, StoreError> {
        Ok(self
            .select(
                "SELECT rowid, id, device, seq, meeting, body FROM learned WHERE meeting = ?1 ORDER BY rowid",
                params![meeting],
            )?
            .into_iter()
            .map(|r| r.event)
            .collect())
    }

    /// The card registry: every enrolment in the store, of any meeting.
    pub fn cards(&self) -> Result<Registry, StoreError> {
        // The room's other devices' enrolments and the secretary's
        // revocations count as well, folded in the order they happened.
        let mut changes = self.select(
            "SELECT rowid, id, device, seq, meeting, body FROM events
                 WHERE type IN ('card_enrolled', 'card_revoked')
             UNION ALL
             SELECT rowid, id, device, seq, meeting, body FROM learned
                 WHERE type IN ('card_enrolled', 'card_revoked')",
            [],
        )?;
        changes.sort_by_key(|r| r.event.instant());
        Ok(Registry::from_events(changes.iter().map(|r| &r.event)))
    }

    /// Stores `meeting` (a new version if it changed) and returns its key.
    pub fn save_meeting(
        &mut self,
        meeting: &Meeting,
        now: DateTime<Utc>,
    ) -> Result<String, StoreError> {
        let key = meeting_key(meeting);
        let body = serde_json::to_string(meeting)
            .map_err(|e| self.sql(rusqlite::Error::ToSqlConversionFailure(Box::new(e))))?;
        let latest: Option<String> = self
            .conn
            .query_row(
                "SELECT body FROM meetings WHERE key = ?1 ORDER BY rowid DESC LIMIT 1",
                params![key],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.sql(e))?;
        if latest.as_deref() != Some(body.as_str()) {
            self.conn
                .execute(
                    "INSERT INTO meetings (key, received, body) VALUES (?1, ?2, ?3)",
                    params![key, now.to_rfc3339(), body],
                )
                .map_err(|e| self.sql(e))?;
        }
        Ok(key)
    }

    /// Stores a meeting pulled from the central store, marked when it was
    /// imported on the secretary's pages; returns whether it is a new
    /// version.
    pub fn save_pulled_meeting(
        &mut self,
        meeting: &Meeting,
        from_pages: bool,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let key = meeting_key(meeting);
        let body = serde_json::to_string(meeting)
            .map_err(|e| self.sql(rusqlite::Error::ToSqlConversionFailure(Box::new(e))))?;
        let latest: Option<(String, bool)> = self
            .conn
            .query_row(
                "SELECT body, from_pages FROM meetings WHERE key = ?1 ORDER BY rowid DESC LIMIT 1",
                params![key],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| self.sql(e))?;
        let new = latest.as_ref() != Some(&(body.clone(), from_pages));
        if new {
            self.conn
                .execute(
                    "INSERT INTO meetings (key, received, body, from_pages) VALUES (?1, ?2, ?3, ?4)",
                    params![key, now.to_rfc3339(), body, from_pages],
                )
                .map_err(|e| self.sql(e))?;
        }
        Ok(new)
    }

    /// The newest version of meeting `key` imported on the secretary's
    /// pages, if its newest version is one.
    pub fn secretarys_meeting(&self, key: &str) -> Result<Option<Meeting>, StoreError> {
        let newest: Option<(i64, String, bool)> = self
            .conn
            .query_row(
                "SELECT rowid, body, from_pages FROM meetings WHERE key = ?1 ORDER BY rowid DESC LIMIT 1",
                params![key],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .map_err(|e| self.sql(e))?;
        match newest {
            Some((rowid, body, true)) => serde_json::from_str(&body)
                .map(Some)
                .map_err(|e| self.bad_row("meetings", rowid, e)),
            _ => Ok(None),
        }
    }

    /// The newest version of every meeting, by date.
    pub fn meetings(&self) -> Result<Vec<(String, Meeting)>, StoreError> {
        let mut statement = self
            .conn
            .prepare(
                "SELECT m.rowid, m.key, m.body FROM meetings m
                 WHERE m.rowid = (SELECT MAX(rowid) FROM meetings WHERE key = m.key)",
            )
            .map_err(|e| self.sql(e))?;
        let rows = statement
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })
            .map_err(|e| self.sql(e))?;
        let mut meetings = Vec::new();
        for row in rows {
            let (rowid, key, body) = row.map_err(|e| self.sql(e))?;
            let meeting: Meeting =
                serde_json::from_str(&body).map_err(|e| self.bad_row("meetings", rowid, e))?;
            meetings.push((key, meeting));
        }
        meetings.sort_by_key(|(_, m)| (m.date, m.start));
        Ok(meetings)
    }

    fn bad_row(&self, table: &'static str, rowid: i64, reason: impl ToString) -> StoreError {
        StoreError::BadRow {
            path: self.path.display().to_string(),
            table,
            rowid,
            reason: reason.to_string(),
        }
    }

    fn select(
        &self,
        query: &str,
        args: impl rusqlite::Params,
    ) -> Result<Vec<Recorded>, StoreError> {
        let mut statement = self.conn.prepare(query).map_err(|e| self.sql(e))?;
        let rows = statement
            .query_map(args, |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                ))
            })
            .map_err(|e| self.sql(e))?;
        let mut recorded = Vec::new();
        for row in rows {
            let (rowid, id, device, seq, meeting, body) = row.map_err(|e| self.sql(e))?;
            let id = Uuid::parse_str(&id).map_err(|e| self.bad_row("events", rowid, e))?;
            let event: Event =
                serde_json::from_str(&body).map_err(|e| self.bad_row("events", rowid, e))?;
            recorded.push(Recorded {
                id,
                device,
                seq,
                meeting,
                event,
                rowid,
            });
        }
        Ok(recorded)
    }
}

fn corrupt_or(path: &str, error: rusqlite::Error) -> StoreError {
    match error.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase) => {
            StoreError::Corrupt {
                path: path.to_string(),
                problems: error.to_string(),
            }
        }
        _ => StoreError::Sqlite {
            path: path.to_string(),
            source: error,
        },
    }
}

fn check_integrity(conn: &Connection, path: &str) -> Result<(), StoreError> {
    let mut statement = conn
        .prepare("PRAGMA integrity_check")
        .map_err(|e| corrupt_or(path, e))?;
    let problems: Vec<String> = statement
        .query_map([], |r| r.get::<_, String>(0))
        .and_then(|rows| rows.collect())
        .map_err(|e| corrupt_or(path, e))?;
    if problems.len() == 1 && problems[0] == "ok" {
        Ok(())
    } else {
        Err(StoreError::Corrupt {
            path: path.to_string(),
            problems: problems.into_iter().take(3).collect::<Vec<_>>().join("; "),
        })
    }
}

fn migrate(conn: &Connection, path: &str) -> Result<(), StoreError> {
    schema::migrate(conn, schema::MIGRATIONS).map_err(|error| match error {
        schema::MigrationError::TooNew(found) => StoreError::TooNew {
            path: path.to_string(),
            found,
            known: schema::MIGRATIONS.len(),
        },
        schema::MigrationError::Sqlite(source) => StoreError::Sqlite {
            path: path.to_string(),
            source,
        },
    })
}

/// What [`recover`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovery {
    /// Where a copy of the damaged file (and its WAL) was kept.
    pub set_aside: PathBuf,
    /// Events copied into the fresh store.
    pub events: usize,
    /// Meeting versions copied.
    pub meetings: usize,
    /// Rows that could not be read.
    pub lost: usize,
    /// The device id the fresh store records under from now on.
    pub device: String,
}

/// Rows past the last one found before the copy stops looking, when the
/// damaged table cannot say how many it has.
const MISSES_BEFORE_STOP: i64 = 1000;

/// Saves what can be read of a damaged store:
///
/// 1. copies the damaged file and its WAL aside (`…damaged-<time>`, never
///    overwriting an earlier copy) — the originals stay until step 3;
/// 2. builds a fresh store at `…recovering` with every readable row of
///    meetings, events and sync acknowledgements, in one transaction;
/// 3. removes the damaged WAL and renames the fresh store into place.
///
/// A crash at any step leaves either the damaged store (recovered again at
/// the next start) or the fresh one. The fresh store writes under a new
/// device id (`<old>~<random>`): the events lost may have used sequence
/// numbers the central store already has, and a new id cannot clash.
pub fn recover(path: &Path, device_name: &str, now: DateTime<Utc>) -> Result<Recovery, StoreError> {
    let shown = path.display().to_string();
    let sql = |source| StoreError::Sqlite {
        path: shown.clone(),
        source,
    };
    let set_aside = |source| StoreError::SetAside {
        path: shown.clone(),
        source,
    };
    let sibling = |suffix: &str| PathBuf::from(format!("{shown}{suffix}"));

    // 1. A copy of the damaged files, under a name not used before.
    let stamp = now.format("%Y%m%dT%H%M%S").to_string();
    let aside = (0..)
        .map(|n| match n {
            0 => sibling(&format!(".damaged-{stamp}")),
            n => sibling(&format!(".damaged-{stamp}-{n}")),
        })
        .find(|candidate| !candidate.exists())
        .unwrap_or_else(|| sibling(".damaged"));
    let aside_of = |suffix: &str| PathBuf::from(format!("{}{suffix}", aside.display()));
    for suffix in ["", "-wal"] {
        let from = sibling(suffix);
        if from.exists() {
            std::fs::copy(&from, aside_of(suffix)).map_err(set_aside)?;
            std::fs::File::open(aside_of(suffix))
                .and_then(|f| f.sync_all())
                .map_err(set_aside)?;
        }
    }

    // 2. The fresh store, from the copy.
    let old = Connection::open(&aside).ok();
    let read_one =
        |query: &str, rowid: i64, columns: usize| -> Option<Vec<rusqlite::types::Value>> {
            old.as_ref()?
                .query_row(query, params![rowid], |r| {
                    (0..columns)
                        .map(|i| r.get::<_, rusqlite::types::Value>(i))
                        .collect()
                })
                .ok()
        };
    let max_rowid = |table: &str| -> Option<i64> {
        old.as_ref()?
            .query_row(&format!("SELECT MAX(rowid) FROM {table}"), [], |r| {
                r.get::<_, Option<i64>>(0)
            })
            .ok()
            .flatten()
    };
    let old_device: String = old
        .as_ref()
        .and_then(|c| {
            c.query_row("SELECT id FROM device LIMIT 1", [], |r| r.get(0))
                .ok()
        })
        .unwrap_or_else(|| device_name.to_string());
    let suffix = Uuid::now_v7().simple().to_string();
    let device = format!("{old_device}~{}", &suffix[suffix.len() - 6..]);

    let building = sibling(".recovering");
    for stale in ["", "-wal", "-shm"] {
        let file = PathBuf::from(format!("{}{stale}", building.display()));
        if file.exists() {
            std::fs::remove_file(&file).map_err(set_aside)?;
        }
    }
    let mut report = Recovery {
        set_aside: aside.clone(),
        events: 0,
        meetings: 0,
        lost: 0,
        device: device.clone(),
    };
    {
        let mut fresh = Store::open(&building, &device)?;
        let tx = fresh.conn.transaction().map_err(sql)?;
        let mut copy = |table: &str, columns: &[&str]| -> Result<usize, StoreError> {
            let list = columns.join(", ");
            let query = format!("SELECT {list} FROM {table} WHERE rowid = ?1");
            let insert = format!(
                "INSERT INTO {table} (rowid, {list}) VALUES (?1, {})",
                (2..=columns.len() + 1)
                    .map(|i| format!("?{i}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            // The damaged table's own MAX(rowid) may be garbage: stop at it,
            // or after MISSES_BEFORE_STOP unreadable rows in a row, whichever
            // comes first.
            let known_max = max_rowid(table).unwrap_or(i64::MAX);
            let mut copied = 0;
            let mut misses = 0;
            let mut rowid = 0;
            while rowid < known_max && misses < MISSES_BEFORE_STOP {
                rowid += 1;
                match read_one(&query, rowid, columns.len()) {
                    Some(values) => {
                        let mut args: Vec<rusqlite::types::Value> = vec![rowid.into()];
                        args.extend(values);
                        tx.execute(&insert, rusqlite::params_from_iter(args))
                            .map_err(sql)?;
                        copied += 1;
                        report.lost += misses as usize;
                        misses = 0;
                    }
                    None => misses += 1,
                }
            }
            // Unreadable rows up to a known end were lost; past the last
            // readable row without one, nobody knows.
            if rowid == known_max {
                report.lost += misses as usize;
            }
            Ok(copied)
        };
        report.meetings = copy("meetings", &["key", "received", "body"])?;
        report.events = copy(
            "events",
            &[
                "id",
                "device",
                "seq",
                "meeting",
                "at",
                "wall",
                "mono_ms",
                "boot",
                "clock_synced",
                "type",
                "body",
            ],
        )?;
        copy("sync_acks", &["up_to", "at"])?;
        tx.commit().map_err(sql)?;
    }
    std::fs::File::open(&building)
        .and_then(|f| f.sync_all())
        .map_err(set_aside)?;

    // 3. The damaged WAL must never be replayed onto the fresh file.
    for suffix in ["-wal", "-shm"] {
        let file = sibling(suffix);
        if file.exists() {
            std::fs::remove_file(&file).map_err(set_aside)?;
        }
    }
    std::fs::rename(&building, path).map_err(set_aside)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(set_aside)?;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqlite(code: std::ffi::c_int) -> StoreError {
        StoreError::Sqlite {
            path: "x".into(),
            source: rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None),
        }
    }

    #[test]
    fn damage_is_told_from_a_full_disk_or_a_lock() {
        assert!(sqlite(rusqlite::ffi::SQLITE_CORRUPT).is_damage());
        assert!(sqlite(rusqlite::ffi::SQLITE_NOTADB).is_damage());
        assert!(sqlite(rusqlite::ffi::SQLITE_IOERR).is_damage());
        assert!(!sqlite(rusqlite::ffi::SQLITE_FULL).is_damage());
        assert!(!sqlite(rusqlite::ffi::SQLITE_BUSY).is_damage());
        assert!(
            StoreError::Corrupt {
                path: "x".into(),
                problems: "page 3".into()
            }
            .is_damage()
        );
    }
}
