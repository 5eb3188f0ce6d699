//! The central store on SQLite: one file, WAL, `synchronous=FULL`; the
//! work runs on tokio's blocking threads, one transaction at a time.

use std::path::Path;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

use super::{
    Allowance, AuditEntry, CentralDb, Cursor, DbError, DeviceRecord, MeetingEntry, MeetingNames,
    PULL_LIMIT, Pulled, PushAck, RoomMeeting, RoomRecord, RoomToken, SessionRecord, Told,
    UserRecord, contiguous_from, door_audit, new_version, newest_first, same_device, skipped_row,
};
use motesskylt_core::clock::BootClock;
use motesskylt_core::model::Meeting;
use motesskylt_core::wire::WireEvent;
use motesskylt_store::schema::{MigrationError, migrate};
use motesskylt_store::{WIRE_COLUMNS, WireRow};

/// The central store's SQLite migrations, the SQL files of
/// `crates/central/migrations/sqlite/`; the first is version 1.
const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/sqlite/0001-events-acks-codes.sql"),
    include_str!("../../migrations/sqlite/0002-users-audit-rooms.sql"),
    include_str!("../../migrations/sqlite/0003-meeting-rooms.sql"),
    include_str!("../../migrations/sqlite/0004-meeting-ids-schedules.sql"),
    include_str!("../../migrations/sqlite/0005-room-tokens.sql"),
    include_str!("../../migrations/sqlite/0006-sessions-failures.sql"),
];

/// The central store on a SQLite file.
#[derive(Debug, Clone)]
pub struct SqliteDb {
    conn: Arc<Mutex<Connection>>,
    path: std::path::PathBuf,
}

impl SqliteDb {
    /// Stores a version of a meeting for `room`: from the pages, or from a
    /// device, which never replaces a version from the pages.
    async fn store_meeting(
        &self,
        room: &str,
        key: &str,
        meeting: &Meeting,
        now: DateTime<Utc>,
        from_pages: bool,
    ) -> Result<bool, DbError> {
        let (room, key) = (room.to_string(), key.to_string());
        let body = serde_json::to_string(meeting).map_err(|e| DbError::BadRow(e.to_string()))?;
        self.with(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let owner: Option<String> = tx
                .query_row(
                    "SELECT room FROM meeting_rooms WHERE key = ?1",
                    params![key],
                    |r| r.get(0),
                )
                .optional()?;
            let from_the_pages = |tx: &Transaction| -> Result<bool, DbError> {
                Ok(tx.query_row(
                    "SELECT EXISTS (SELECT 1 FROM meetings WHERE key = ?1 AND from_pages)",
                    params![key],
                    |r| r.get(0),
                )?)
            };
            match owner {
                // The secretary's import wins over another room's kiosks.
                Some(owner) if owner != room && from_pages && !from_the_pages(&tx)? => {
                    tx.execute(
                        "UPDATE meeting_rooms SET room = ?2,
                             hidden_before = (SELECT COALESCE(MAX(pos), 0) FROM events)
                         WHERE key = ?1",
                        params![key, room],
                    )?;
                    tracing::warn!(
                        meeting = %key, from = %owner, to = %room,
                        "the secretary's import took the meeting from another room's kiosks"
                    );
                }
                Some(owner) if owner != room => {
                    return Err(DbError::OtherRoom {
                        meeting: key,
                        room: owner,
                    });
                }
                Some(_) => {}
                None => {
                    tx.execute(
                        "INSERT INTO meeting_rooms (key, room) VALUES (?1, ?2)",
                        params![key, room],
                    )?;
                }
            }
            let latest: Option<(String, bool, bool)> = tx
                .query_row(
                    "SELECT body, from_pages, cancelled FROM meetings WHERE key = ?1 ORDER BY pos DESC LIMIT 1",
                    params![key],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            let changed = new_version(latest.as_ref(), &body, from_pages);
            if changed {
                tx.execute(
                    "INSERT INTO meetings (key, received, body, from_pages) VALUES (?1, ?2, ?3, ?4)",
                    params![key, now.to_rfc3339(), body, from_pages],
                )?;
            }
            tx.commit()?;
            Ok(changed)
        })
        .await
    }

    /// Opens (or creates) the store at `path` and runs its migrations.
    pub fn open(path: &Path) -> Result<SqliteDb, DbError> {
        let conn = Connection::open(path)?;
        conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0))?;
        conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;")?;
        migrate(&conn, MIGRATIONS).map_err(|e| match e {
            MigrationError::Sqlite(e) => DbError::Sqlite(e),
            MigrationError::TooNew(found) => DbError::Schema(format!(
                "schemaversion {found} är nyare än den här motesskylt; uppdatera programmet"
            )),
        })?;
        Ok(SqliteDb {
            conn: Arc::new(Mutex::new(conn)),
            path: path.to_path_buf(),
        })
    }

    /// The file it was opened from (as given).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes a consistent copy of the store to `target` while servers
    /// go on using it (`VACUUM INTO`, one read transaction), checks the
    /// copy whole (`PRAGMA integrity_check`) and only then gives it the
    /// name `target`, on disk, in place of an older one of that name. A
    /// failed backup leaves `target` as it was and no partial copy. The
    /// copy is readable by its owner only. The store's own file (or its
    /// journal) is refused as `target`.
    pub async fn backup_to(&self, target: &Path) -> Result<BackupSummary, DbError> {
        let (store, target) = (self.path.clone(), target.to_path_buf());
        self.with(move |conn| backup(conn, &store, &target)).await
    }

    async fn with<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<T, DbError> + Send + 'static,
    ) -> Result<T, DbError> {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            // A panic while holding the lock poisons it; the connection
            // itself is still consistent (SQLite rolls back), so go on.
            let mut conn = conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            work(&mut conn)
        })
        .await
        .map_err(|_| DbError::Worker)?
    }
}

/// A moment as the sessions and failures tables keep it.
fn millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

fn from_millis(millis: i64) -> Result<DateTime<Utc>, DbError> {
    DateTime::from_timestamp_millis(millis)
        .ok_or_else(|| DbError::BadRow(format!("{millis} ms är ingen tidpunkt")))
}

fn time(text: Option<String>) -> Result<Option<DateTime<Utc>>, DbError> {
    text.map(|t| {
        DateTime::parse_from_rfc3339(&t)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| DbError::BadRow(format!("{t}: {e}")))
    })
    .transpose()
}

fn acked(conn: &Connection, device: &str) -> Result<i64, DbError> {
    Ok(conn
        .query_row(
            "SELECT seq FROM acks WHERE device = ?1",
            params![device],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(0))
}

/// Moves the device's acknowledgement over the events now stored.
fn advance(tx: &Transaction, device: &str) -> Result<i64, DbError> {
    let from = acked(tx, device)?;
    let mut statement =
        tx.prepare_cached("SELECT seq FROM events WHERE device = ?1 AND seq > ?2 ORDER BY seq")?;
    let seqs = statement
        .query_map(params![device, from], |r| r.get::<_, i64>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    let to = contiguous_from(from, seqs);
    if to != from {
        tx.execute(
            "INSERT INTO acks (device, seq) VALUES (?1, ?2)
             ON CONFLICT (device) DO UPDATE SET seq = excluded.seq",
            params![device, to],
        )?;
    }
    Ok(to)
}

const DEVICE_COLUMNS: &str = "name, room, enrolled, revoked, last_seen, offset_ms, within_ms, COALESCE((SELECT seq FROM acks WHERE acks.device = devices.name), 0), pending, showing";

fn device_row(r: &rusqlite::Row) -> rusqlite::Result<(DeviceRow, i64)> {
    Ok((
        DeviceRow {
            name: r.get(0)?,
            room: r.get(1)?,
            enrolled: r.get(2)?,
            revoked: r.get(3)?,
            last_seen: r.get(4)?,
            offset: match (r.get::<_, Option<i64>>(5)?, r.get::<_, Option<i64>>(6)?) {
                (Some(o), Some(w)) => Some((o, w)),
                _ => None,
            },
            pending: r.get(8)?,
            showing: r.get(9)?,
        },
        r.get(7)?,
    ))
}

struct DeviceRow {
    name: String,
    room: String,
    enrolled: String,
    revoked: Option<String>,
    last_seen: Option<String>,
    offset: Option<(i64, i64)>,
    pending: Option<i64>,
    showing: Option<String>,
}

impl DeviceRow {
    fn parse(self, acked_seq: i64) -> Result<DeviceRecord, DbError> {
        Ok(DeviceRecord {
            enrolled: time(Some(self.enrolled))?.unwrap_or_default(),
            revoked: time(self.revoked)?,
            last_seen: time(self.last_seen)?,
            name: self.name,
            room: self.room,
            offset_ms: self.offset,
            acked_seq,
            pending: self.pending,
            showing: self.showing,
        })
    }
}

/// The newest version of every meeting (or of `key`).
/// The newest version of every meeting, or of the meeting `key`, or of
/// the meetings of `room`.
fn meeting_entries(
    conn: &Connection,
    key: Option<&str>,
    room: Option<&str>,
) -> Result<Vec<MeetingEntry>, DbError> {
    let mut statement = conn.prepare_cached(
        "SELECT m.key, r.room, m.received, m.body, m.from_pages, m.cancelled FROM meetings m JOIN meeting_rooms r ON r.key = m.key
         WHERE m.pos = (SELECT MAX(pos) FROM meetings WHERE key = m.key)
           AND (?1 IS NULL OR m.key = ?1) AND (?2 IS NULL OR r.room = ?2)",
    )?;
    let rows = statement.query_map(params![key, room], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, bool>(4)?,
            r.get::<_, bool>(5)?,
        ))
    })?;
    let mut entries = Vec::new();
    for row in rows {
        let (key, room, updated, body, from_pages, cancelled) = row?;
        match (time(Some(updated)), parse_meeting(&body)) {
            (Ok(updated), Ok(meeting)) => entries.push(MeetingEntry {
                key,
                room,
                updated: updated.unwrap_or_default(),
                meeting,
                from_pages,
                cancelled,
            }),
            (Err(problem), _) | (_, Err(problem)) => skipped_row("meetings", &key, &problem),
        }
    }
    Ok(entries)
}

fn parse_meeting(body: &str) -> Result<Meeting, DbError> {
    serde_json::from_str(body).map_err(|e| DbError::BadRow(e.to_string()))
}

/// The events of `rows` that read back; each one that does not is left
/// out and logged ([`skipped_row`]).
fn readable(
    rows: impl Iterator<Item = rusqlite::Result<WireRow>>,
) -> Result<Vec<WireEvent>, DbError> {
    let mut events = Vec::new();
    for row in rows {
        match row?.parse() {
            Ok(event) => events.push(event),
            Err(problem) => skipped_row("events", "", &problem),
        }
    }
    Ok(events)
}

impl CentralDb for SqliteDb {
    async fn push(
        &self,
        device: &str,
        events: &[WireEvent],
        received: DateTime<Utc>,
    ) -> Result<PushAck, DbError> {
        let device = device.to_string();
        let events = events.to_vec();
        let received_at = received;
        self.with(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let mut added = 0;
            {
                let mut insert = tx.prepare_cached(
                    "INSERT INTO events (id, device, seq, meeting, wall, mono_ms, boot, clock_synced, received, body)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT DO NOTHING",
                )?;
                let received = received.to_rfc3339();
                let mut same = tx.prepare_cached(
                    "SELECT COUNT(*) FROM events WHERE id = ?1 AND device = ?2 AND seq = ?3",
                )?;
                for e in &events {
                    let body = serde_json::to_string(&e.event)
                        .map_err(|error| DbError::BadRow(error.to_string()))?;
                    let inserted = insert.execute(params![
                        e.id.to_string(),
                        e.device,
                        e.seq,
                        e.meeting,
                        e.wall.to_rfc3339(),
                        e.mono_ms,
                        e.boot,
                        e.clock_synced,
                        received,
                        body
                    ])?;
                    // Not inserted: known already, or a clash.
                    if inserted == 0
                        && same.query_row(params![e.id.to_string(), e.device, e.seq], |r| {
                            r.get::<_, i64>(0)
                        })? == 0
                    {
                        return Err(DbError::SeqConflict {
                            device: e.device.clone(),
                            seq: e.seq,
                        });
                    }
                    added += inserted;
                    if let Some(entry) = (inserted > 0)
                        .then(|| door_audit(e, received_at))
                        .flatten()
                    {
                        insert_audit(&tx, &entry)?;
                    }
                }
            }
            let acked_seq = advance(&tx, &device)?;
            tx.commit()?;
            Ok(PushAck { added, acked_seq })
        })
        .await
    }

    async fn events(&self, meeting: &str) -> Result<Vec<WireEvent>, DbError> {
        let meeting = meeting.to_string();
        self.with(move |conn| {
            // meeting_rooms has none of the event's column names.
            let mut statement = conn.prepare(&format!(
                "SELECT {WIRE_COLUMNS} FROM events e LEFT JOIN meeting_rooms r ON r.key = e.meeting
                 WHERE e.meeting = ?1 AND e.pos > COALESCE(r.hidden_before, 0)
                 ORDER BY e.device, e.seq"
            ))?;
            let rows = statement.query_map(params![meeting], |r| WireRow::read(r, 0))?;
            readable(rows)
        })
        .await
    }

    async fn events_of_types(
        &self,
        types: &[&str],
        meeting: Option<&str>,
    ) -> Result<Vec<WireEvent>, DbError> {
        let types = serde_json::to_string(types).map_err(|e| DbError::BadRow(e.to_string()))?;
        let meeting = meeting.map(str::to_string);
        self.with(move |conn| {
            let mut statement = conn.prepare_cached(&format!(
                "SELECT {WIRE_COLUMNS} FROM events e LEFT JOIN meeting_rooms r ON r.key = e.meeting
                 WHERE json_extract(e.body, '$.type') IN (SELECT value FROM json_each(?1))
                   AND (?2 IS NULL OR e.meeting = ?2) AND e.pos > COALESCE(r.hidden_before, 0)
                 ORDER BY e.pos"
            ))?;
            let rows = statement.query_map(params![types, meeting], |r| WireRow::read(r, 0))?;
            readable(rows)
        })
        .await
    }

    async fn meeting_names(&self, key: &str) -> Result<MeetingNames, DbError> {
        let key = key.to_string();
        self.with(move |conn| {
            let mut statement = conn.prepare_cached(
                "SELECT 0, json_extract(p.value, '$.name') FROM meetings m, json_each(m.body, '$.participants') p
                     WHERE m.key = ?1
                 UNION SELECT 0, json_extract(p.value, '$.substitute_for') FROM meetings m, json_each(m.body, '$.participants') p
                     WHERE m.key = ?1
                 UNION SELECT 1, json_extract(i.value, '$.number') FROM meetings m, json_each(m.body, '$.items') i
                     WHERE m.key = ?1",
            )?;
            let rows = statement.query_map(params![key], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, Option<String>>(1)?))
            })?;
            let mut names = MeetingNames::default();
            for row in rows {
                match row? {
                    (0, Some(name)) => names.people.insert(name),
                    (_, Some(number)) => names.items.insert(number),
                    (_, None) => false,
                };
            }
            Ok(names)
        })
        .await
    }

    async fn acked(&self, device: &str) -> Result<i64, DbError> {
        let device = device.to_string();
        self.with(move |conn| acked(conn, &device)).await
    }

    async fn add_code(
        &self,
        code_hash: &str,
        room: &str,
        expires: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), DbError> {
        let (code_hash, room) = (code_hash.to_string(), room.to_string());
        self.with(move |conn| {
            conn.execute(
                "INSERT INTO codes (hash, room, created, expires) VALUES (?1, ?2, ?3, ?4)",
                params![code_hash, room, now.to_rfc3339(), expires.to_rfc3339()],
            )?;
            Ok(())
        })
        .await
    }

    async fn enrol(
        &self,
        code_hash: &str,
        device: &str,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<String, DbError> {
        let (code_hash, device, token_hash) = (
            code_hash.to_string(),
            device.to_string(),
            token_hash.to_string(),
        );
        self.with(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let code: Option<(String, String, Option<String>)> = tx
                .query_row(
                    "SELECT room, expires, used_at FROM codes WHERE hash = ?1",
                    params![code_hash],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            let (room, expires, used) = code.ok_or(DbError::CodeUnknown)?;
            if used.is_some() {
                return Err(DbError::CodeUsed);
            }
            if time(Some(expires))?.is_some_and(|e| e < now) {
                return Err(DbError::CodeExpired);
            }
            let existing: Option<(String, bool)> = tx
                .query_row(
                    "SELECT room, revoked IS NOT NULL OR last_seen IS NULL FROM devices WHERE name = ?1",
                    params![device],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            match existing {
                None => {
                    tx.execute(
                        "INSERT INTO devices (name, room, token_hash, enrolled) VALUES (?1, ?2, ?3, ?4)",
                        params![device, room, token_hash, now.to_rfc3339()],
                    )?;
                }
                Some((old_room, renewable)) if renewable && old_room == room => {
                    tx.execute(
                        "UPDATE devices SET token_hash = ?2, enrolled = ?3, revoked = NULL WHERE name = ?1",
                        params![device, token_hash, now.to_rfc3339()],
                    )?;
                }
                Some(_) => return Err(DbError::NameTaken(device)),
            }
            tx.execute(
                "UPDATE codes SET used_by = ?1, used_at = ?2 WHERE hash = ?3",
                params![device, now.to_rfc3339(), code_hash],
            )?;
            tx.commit()?;
            Ok(room)
        })
        .await
    }

    async fn device(&self, token_hash: &str) -> Result<Option<DeviceRecord>, DbError> {
        let token_hash = token_hash.to_string();
        self.with(move |conn| {
            conn.query_row(
                &format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE token_hash = ?1"),
                params![token_hash],
                device_row,
            )
            .optional()?
            .map(|(row, acked)| row.parse(acked))
            .transpose()
        })
        .await
    }

    async fn devices(&self) -> Result<Vec<DeviceRecord>, DbError> {
        self.with(move |conn| {
            let mut statement = conn.prepare(&format!(
                "SELECT {DEVICE_COLUMNS} FROM devices ORDER BY name"
            ))?;
            let rows = statement.query_map([], device_row)?;
            let mut devices = Vec::new();
            for row in rows {
                let (row, acked) = row?;
                devices.push(row.parse(acked)?);
            }
            Ok(devices)
        })
        .await
    }

    async fn revoke(&self, device: &str, now: DateTime<Utc>) -> Result<bool, DbError> {
        let device = device.to_string();
        self.with(move |conn| {
            Ok(conn.execute(
                "UPDATE devices SET revoked = COALESCE(revoked, ?2) WHERE name = ?1",
                params![device, now.to_rfc3339()],
            )? > 0)
        })
        .await
    }

    async fn seen(
        &self,
        device: &str,
        now: DateTime<Utc>,
        clock: Option<&BootClock>,
        told: Told<'_>,
    ) -> Result<(), DbError> {
        let device = device.to_string();
        let clock = clock.cloned();
        let (pending, showing) = (told.pending, told.showing.map(str::to_string));
        self.with(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute(
                "UPDATE devices SET last_seen = ?2,
                     offset_ms = COALESCE(?3, offset_ms), within_ms = COALESCE(?4, within_ms),
                     pending = COALESCE(?5, pending), showing = COALESCE(?6, showing)
                 WHERE name = ?1",
                params![
                    device,
                    now.to_rfc3339(),
                    clock.as_ref().map(|c| c.offset_ms),
                    clock.as_ref().map(|c| c.within_ms),
                    pending,
                    showing
                ],
            )?;
            if let Some(c) = clock {
                tx.execute(
                    "INSERT INTO boot_clocks (device, boot, offset_ms, zero_ms, within_ms)
                     VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (device, boot) DO UPDATE
                         SET offset_ms = excluded.offset_ms, zero_ms = excluded.zero_ms,
                             within_ms = excluded.within_ms
                         WHERE excluded.within_ms < boot_clocks.within_ms",
                    params![device, c.boot, c.offset_ms, c.zero_ms, c.within_ms],
                )?;
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn clocks(&self, device: &str) -> Result<Vec<BootClock>, DbError> {
        let device = device.to_string();
        self.with(move |conn| {
            let mut statement = conn.prepare(
                "SELECT boot, offset_ms, zero_ms, within_ms FROM boot_clocks WHERE device = ?1",
            )?;
            let rows = statement.query_map(params![device], |r| {
                Ok(BootClock {
                    boot: r.get(0)?,
                    offset_ms: r.get(1)?,
                    zero_ms: r.get(2)?,
                    within_ms: r.get(3)?,
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn put_meeting(
        &self,
        room: &str,
        key: &str,
        meeting: &Meeting,
        now: DateTime<Utc>,
    ) -> Result<bool, DbError> {
        self.store_meeting(room, key, meeting, now, false).await
    }

    async fn import_meeting(
        &self,
        room: &str,
        key: &str,
        meeting: &Meeting,
        now: DateTime<Utc>,
    ) -> Result<bool, DbError> {
        self.store_meeting(room, key, meeting, now, true).await
    }

    async fn add_meeting(
        &self,
        room: &str,
        id: &str,
        meeting: &Meeting,
        now: DateTime<Utc>,
    ) -> Result<bool, DbError> {
        let (room, id) = (room.to_string(), id.to_string());
        let body = serde_json::to_string(meeting).map_err(|e| DbError::BadRow(e.to_string()))?;
        self.with(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let added = tx.execute(
                "INSERT INTO meeting_rooms (key, room) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                params![id, room],
            )?;
            if added == 0 {
                return Ok(false);
            }
            tx.execute(
                "INSERT INTO meetings (key, received, body, from_pages) VALUES (?1, ?2, ?3, 1)",
                params![id, now.to_rfc3339(), body],
            )?;
            tx.commit()?;
            Ok(true)
        })
        .await
    }

    async fn cancel_meeting(&self, id: &str, now: DateTime<Utc>) -> Result<bool, DbError> {
        let id = id.to_string();
        self.with(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let newest: Option<(String, bool)> = tx
                .query_row(
                    "SELECT body, cancelled FROM meetings WHERE key = ?1 ORDER BY pos DESC LIMIT 1",
                    params![id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            match newest {
                None => return Ok(false),
                Some((_, true)) => {}
                Some((body, false)) => {
                    tx.execute(
                        "INSERT INTO meetings (key, received, body, from_pages, cancelled)
                         VALUES (?1, ?2, ?3, 1, 1)",
                        params![id, now.to_rfc3339(), body],
                    )?;
                }
            }
            tx.commit()?;
            Ok(true)
        })
        .await
    }

    async fn meeting_room(&self, key: &str) -> Result<Option<String>, DbError> {
        let key = key.to_string();
        self.with(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT room FROM meeting_rooms WHERE key = ?1",
                    params![key],
                    |r| r.get(0),
                )
                .optional()?)
        })
        .await
    }

    async fn pull(&self, room: &str, device: &str, since: Cursor) -> Result<Pulled, DbError> {
        let (room, device) = (room.to_string(), device.to_string());
        self.with(move |conn| {
            // One read transaction: the cursor matches what is returned.
            let tx = conn.transaction()?;
            let mut pulled = Pulled {
                cursor: since,
                ..Pulled::default()
            };
            {
                let mut statement = tx.prepare_cached(
                    "SELECT m.pos, m.key, m.body, m.from_pages, m.cancelled FROM meetings m JOIN meeting_rooms r ON r.key = m.key
                     WHERE r.room = ?1 AND m.pos > ?2
                       AND m.pos = (SELECT MAX(pos) FROM meetings WHERE key = m.key)
                     ORDER BY m.pos",
                )?;
                let rows = statement.query_map(params![room, since.meetings], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, bool>(3)?,
                        r.get::<_, bool>(4)?,
                    ))
                })?;
                for row in rows {
                    let (pos, key, body, from_pages, cancelled) = row?;
                    pulled.cursor.meetings = pulled.cursor.meetings.max(pos);
                    match parse_meeting(&body) {
                        Ok(meeting) => pulled.meetings.push(RoomMeeting {
                            key,
                            meeting,
                            from_pages,
                            cancelled,
                        }),
                        Err(problem) => skipped_row("meetings", &pos.to_string(), &problem),
                    }
                }
                // meeting_rooms has none of the event's column names.
                let mut statement = tx.prepare_cached(&format!(
                    "SELECT e.pos, {WIRE_COLUMNS} FROM events e JOIN meeting_rooms r ON r.key = e.meeting
                     WHERE r.room = ?1 AND e.pos > ?2 AND e.pos > r.hidden_before
                     ORDER BY e.pos LIMIT ?3"
                ))?;
                let rows = statement.query_map(params![room, since.events, PULL_LIMIT], |r| {
                    Ok((r.get::<_, i64>(0)?, WireRow::read(r, 1)?))
                })?;
                for row in rows {
                    let (pos, row) = row?;
                    pulled.cursor.events = pos;
                    match row.parse() {
                        Ok(event) if !same_device(&device, &event.device) => {
                            pulled.events.push(event);
                        }
                        Ok(_) => {}
                        Err(problem) => skipped_row("events", &pos.to_string(), &problem),
                    }
                }
            }
            tx.commit()?;
            Ok(pulled)
        })
        .await
    }

    async fn schedule_changes(&self, since: Option<i64>) -> Result<(i64, Vec<String>), DbError> {
        self.with(move |conn| {
            let newest: i64 =
                conn.query_row("SELECT COALESCE(MAX(pos), 0) FROM meetings", [], |r| {
                    r.get(0)
                })?;
            let Some(since) = since.filter(|s| *s < newest) else {
                return Ok((newest, Vec::new()));
            };
            let mut statement = conn.prepare_cached(
                "SELECT DISTINCT r.room FROM meetings m JOIN meeting_rooms r ON r.key = m.key
                 WHERE m.pos > ?1 AND m.pos <= ?2 ORDER BY 1",
            )?;
            let rooms = statement
                .query_map(params![since, newest], |r| r.get(0))?
                .collect::<Result<Vec<String>, _>>()?;
            Ok((newest, rooms))
        })
        .await
    }

    async fn meetings(&self) -> Result<Vec<MeetingEntry>, DbError> {
        let mut meetings = self.with(|conn| meeting_entries(conn, None, None)).await?;
        newest_first(&mut meetings);
        Ok(meetings)
    }

    async fn room_meetings(&self, room: &str) -> Result<Vec<MeetingEntry>, DbError> {
        let room = room.to_string();
        let mut meetings = self
            .with(move |conn| meeting_entries(conn, None, Some(&room)))
            .await?;
        newest_first(&mut meetings);
        Ok(meetings)
    }

    async fn meeting(&self, key: &str) -> Result<Option<MeetingEntry>, DbError> {
        let key = key.to_string();
        Ok(self
            .with(move |conn| meeting_entries(conn, Some(&key), None))
            .await?
            .pop())
    }

    async fn put_user(&self, user: &UserRecord) -> Result<(), DbError> {
        let user = user.clone();
        let bodies =
            serde_json::to_string(&user.bodies).map_err(|e| DbError::BadRow(e.to_string()))?;
        self.with(move |conn| {
            conn.execute(
                "INSERT INTO users (name, password_hash, role, bodies) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash,
                     role = excluded.role, bodies = excluded.bodies",
                params![user.name, user.password_hash, user.role.as_str(), bodies],
            )?;
            Ok(())
        })
        .await
    }

    async fn user(&self, name: &str) -> Result<Option<UserRecord>, DbError> {
        let name = name.to_string();
        let row = self
            .with(move |conn| {
                Ok(conn
                    .query_row(
                        "SELECT name, password_hash, role, bodies FROM users WHERE name = ?1",
                        params![name],
                        |r| {
                            Ok((
                                r.get(0)?,
                                r.get(1)?,
                                r.get::<_, String>(2)?,
                                r.get::<_, String>(3)?,
                            ))
                        },
                    )
                    .optional()?)
            })
            .await?;
        row.map(|(name, password_hash, role, bodies)| {
            UserRecord::stored(name, password_hash, &role, &bodies)
        })
        .transpose()
    }

    async fn audit(&self, entry: &AuditEntry) -> Result<(), DbError> {
        let entry = entry.clone();
        self.with(move |conn| Ok(insert_audit(conn, &entry)?)).await
    }

    async fn audit_log(&self, limit: i64) -> Result<Vec<AuditEntry>, DbError> {
        self.with(move |conn| {
            let mut statement = conn.prepare(
                "SELECT at, who, action, meeting, detail FROM audit ORDER BY pos DESC LIMIT ?1",
            )?;
            let rows = statement.query_map(params![limit], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                ))
            })?;
            let mut entries = Vec::new();
            for row in rows {
                let (at, who, action, meeting, detail) = row?;
                entries.push(AuditEntry {
                    at: time(Some(at))?.unwrap_or_default(),
                    who,
                    action,
                    meeting,
                    detail,
                });
            }
            Ok(entries)
        })
        .await
    }

    async fn add_room(&self, room: &str, now: DateTime<Utc>) -> Result<(), DbError> {
        let room = room.to_string();
        self.with(move |conn| {
            conn.execute(
                "INSERT INTO rooms (name, created) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                params![room, now.to_rfc3339()],
            )?;
            Ok(())
        })
        .await
    }

    async fn set_room(
        &self,
        room: &str,
        title: Option<&str>,
        screen: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), DbError> {
        let (room, title, screen) = (
            room.to_string(),
            title.map(str::to_string),
            screen.map(str::to_string),
        );
        self.with(move |conn| {
            conn.execute(
                "INSERT INTO rooms (name, created, title, screen)
                     VALUES (?1, ?2, ?3, COALESCE(?4, 'signed-in'))
                 ON CONFLICT (name) DO UPDATE SET
                     title = COALESCE(?3, title), screen = COALESCE(?4, screen)",
                params![room, now.to_rfc3339(), title, screen],
            )?;
            Ok(())
        })
        .await
    }

    async fn rooms(&self) -> Result<Vec<String>, DbError> {
        self.with(|conn| {
            let mut statement = conn.prepare(
                "SELECT name FROM rooms UNION SELECT room FROM devices
                 UNION SELECT room FROM codes UNION SELECT room FROM meeting_rooms ORDER BY 1",
            )?;
            let rooms = statement
                .query_map([], |r| r.get(0))?
                .collect::<Result<Vec<String>, _>>()?;
            Ok(rooms)
        })
        .await
    }

    async fn room(&self, room: &str) -> Result<Option<RoomRecord>, DbError> {
        let room = room.to_string();
        self.with(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT name, title, screen FROM rooms WHERE name = ?1",
                    params![room],
                    |r| {
                        Ok(RoomRecord {
                            name: r.get(0)?,
                            title: r.get(1)?,
                            screen: r.get(2)?,
                        })
                    },
                )
                .optional()?)
        })
        .await
    }

    async fn add_room_token(&self, token: &RoomToken) -> Result<(), DbError> {
        let token = token.clone();
        self.with(move |conn| {
            conn.execute(
                "INSERT INTO room_tokens (id, hash, room, purpose, name, created, created_by)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    token.id,
                    token.hash,
                    token.room,
                    token.purpose,
                    token.name,
                    token.created.to_rfc3339(),
                    token.created_by
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn room_tokens(&self, room: &str) -> Result<Vec<RoomToken>, DbError> {
        let room = room.to_string();
        self.with(move |conn| {
            let mut statement = conn.prepare(&format!(
                "{TOKEN_COLUMNS} WHERE room = ?1 ORDER BY created, id"
            ))?;
            let rows = statement.query_map(params![room], token_row)?;
            let mut tokens = Vec::new();
            for row in rows {
                tokens.push(room_token(row?)?);
            }
            Ok(tokens)
        })
        .await
    }

    async fn room_token(&self, hash: &str) -> Result<Option<RoomToken>, DbError> {
        let hash = hash.to_string();
        self.with(move |conn| {
            let row = conn
                .query_row(
                    &format!("{TOKEN_COLUMNS} WHERE hash = ?1"),
                    params![hash],
                    token_row,
                )
                .optional()?;
            row.map(room_token).transpose()
        })
        .await
    }

    async fn revoke_room_token(
        &self,
        room: &str,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, DbError> {
        let (room, id) = (room.to_string(), id.to_string());
        self.with(move |conn| {
            Ok(conn.execute(
                "UPDATE room_tokens SET revoked = ?3
                 WHERE room = ?1 AND id = ?2 AND revoked IS NULL",
                params![room, id, now.to_rfc3339()],
            )? == 1)
        })
        .await
    }

    async fn open_session(
        &self,
        session: &SessionRecord,
        now: DateTime<Utc>,
    ) -> Result<(), DbError> {
        let session = session.clone();
        self.with(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute(
                "DELETE FROM sessions WHERE expires <= ?1 OR ends <= ?1",
                params![millis(now)],
            )?;
            tx.execute(
                "INSERT INTO sessions (token_hash, user_name, password, csrf, expires, ends)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    session.token_hash,
                    session.user,
                    session.password,
                    session.csrf,
                    millis(session.expires),
                    millis(session.ends)
                ],
            )?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn use_session(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
        expires: DateTime<Utc>,
    ) -> Result<Option<SessionRecord>, DbError> {
        let token_hash = token_hash.to_string();
        let slack = millis(expires - super::SESSION_SLACK);
        self.with(move |conn| {
            let read = |r: &rusqlite::Row<'_>| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, i64>(4)?,
                ))
            };
            // Moved when due (one statement: a sign-out cannot come
            // between), else only read.
            let row = match conn
                .query_row(
                    "UPDATE sessions SET expires = ?3
                     WHERE token_hash = ?1 AND expires > ?2 AND ends > ?2 AND expires < ?4
                     RETURNING user_name, password, csrf, expires, ends",
                    params![token_hash, millis(now), millis(expires), slack],
                    read,
                )
                .optional()?
            {
                Some(row) => Some(row),
                None => conn
                    .query_row(
                        "SELECT user_name, password, csrf, expires, ends FROM sessions
                         WHERE token_hash = ?1 AND expires > ?2 AND ends > ?2",
                        params![token_hash, millis(now)],
                        read,
                    )
                    .optional()?,
            };
            row.map(|(user, password, csrf, expires, ends)| {
                Ok(SessionRecord {
                    token_hash: token_hash.clone(),
                    user,
                    password,
                    csrf,
                    expires: from_millis(expires)?,
                    ends: from_millis(ends)?,
                })
            })
            .transpose()
        })
        .await
    }

    async fn close_session(&self, token_hash: &str) -> Result<(), DbError> {
        let token_hash = token_hash.to_string();
        self.with(move |conn| {
            conn.execute(
                "DELETE FROM sessions WHERE token_hash = ?1",
                params![token_hash],
            )?;
            Ok(())
        })
        .await
    }

    async fn attempt(
        &self,
        allowances: &[Allowance],
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Result<(), DateTime<Utc>>, DbError> {
        let allowances = allowances.to_vec();
        self.with(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            for allowance in &allowances {
                tx.execute(
                    "DELETE FROM failures WHERE key = ?1 AND at <= ?2",
                    params![allowance.key, millis(since)],
                )?;
            }
            let mut failures = Vec::with_capacity(allowances.len());
            {
                let mut times =
                    tx.prepare_cached("SELECT at FROM failures WHERE key = ?1 ORDER BY at, id")?;
                for allowance in &allowances {
                    let found = times
                        .query_map(params![allowance.key], |r| r.get::<_, i64>(0))?
                        .map(|at| from_millis(at?))
                        .collect::<Result<Vec<_>, DbError>>()?;
                    failures.push(found);
                }
            }
            if let Some(first) = super::spent(&allowances, &failures) {
                return Ok(Err(first));
            }
            for allowance in &allowances {
                tx.execute(
                    "INSERT INTO failures (key, at) VALUES (?1, ?2)",
                    params![allowance.key, millis(now)],
                )?;
            }
            tx.commit()?;
            Ok(Ok(()))
        })
        .await
    }

    async fn attempt_succeeded(&self, keys: &[String]) -> Result<(), DbError> {
        let keys = keys.to_vec();
        self.with(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            for key in &keys {
                tx.execute(
                    "DELETE FROM failures WHERE id =
                         (SELECT id FROM failures WHERE key = ?1 ORDER BY at DESC, id DESC LIMIT 1)",
                    params![key],
                )?;
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn forget_failures(&self, key: &str) -> Result<(), DbError> {
        let key = key.to_string();
        self.with(move |conn| {
            conn.execute("DELETE FROM failures WHERE key = ?1", params![key])?;
            Ok(())
        })
        .await
    }

    async fn healthy(&self) -> Result<(), DbError> {
        self.with(|conn| {
            // Take the write lock and write a row, then roll back: a
            // read-only file or directory, or a full disk, shows here.
            let written = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .and_then(|tx| {
                    tx.execute(
                        "INSERT INTO rooms (name, created) VALUES (?1, '')",
                        params![format!("\u{0}healthz-{}", std::process::id())],
                    )?;
                    tx.rollback()
                });
            written.map_err(|e| match e {
                rusqlite::Error::SqliteFailure(code, _)
                    if matches!(
                        code.code,
                        rusqlite::ErrorCode::ReadOnly
                            | rusqlite::ErrorCode::DiskFull
                            | rusqlite::ErrorCode::CannotOpen
                            | rusqlite::ErrorCode::PermissionDenied
                            | rusqlite::ErrorCode::SystemIoFailure
                    ) =>
                {
                    DbError::ReadOnly(e.to_string())
                }
                other => DbError::Sqlite(other),
            })
        })
        .await
    }
}

/// The columns of a room's token, in [`token_row`]'s order.
const TOKEN_COLUMNS: &str =
    "SELECT id, hash, room, purpose, name, created, created_by, revoked FROM room_tokens";

/// A token's row as read, its times still text.
type TokenRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
);

fn token_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<TokenRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
    ))
}

fn room_token(row: TokenRow) -> Result<RoomToken, DbError> {
    let (id, hash, room, purpose, name, created, created_by, revoked) = row;
    Ok(RoomToken {
        id,
        hash,
        room,
        purpose,
        name,
        created: time(Some(created))?.unwrap_or_default(),
        created_by,
        revoked: time(revoked)?,
    })
}

/// Appends `entry` to the audit log (inside the caller's transaction, if any).
fn insert_audit(conn: &Connection, entry: &AuditEntry) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO audit (at, who, action, meeting, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            entry.at.to_rfc3339(),
            entry.who,
            entry.action,
            entry.meeting,
            entry.detail
        ],
    )?;
    Ok(())
}

/// What a backup holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackupSummary {
    /// Meetings (every room's, cancelled ones included; each once,
    /// however many versions it has).
    pub meetings: i64,
    /// Events from every kiosk and from the pages.
    pub events: i64,
    /// Lines of the audit log.
    pub audit: i64,
}

/// [`SqliteDb::backup_to`] on the store's connection, whose file is
/// `store`.
fn backup(conn: &Connection, store: &Path, target: &Path) -> Result<BackupSummary, DbError> {
    let failed = |reason: String| DbError::Backup {
        path: target.display().to_string(),
        reason,
    };
    let example = "t.ex. /var/backups/motesskylt/central-2026-06-04.sqlite";
    let (Some(name), Some(text)) = (target.file_name(), target.to_str()) else {
        return Err(failed(format!(
            "ange en fil med ett namn av bokstäver och siffror, {example}"
        )));
    };
    if target.is_dir() {
        return Err(failed(format!("är en mapp; ange en fil i den, {example}")));
    }
    // The store itself, or its journal: a backup there would replace the
    // file the servers write to.
    let dir = match target.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(dir) => dir.to_path_buf(),
        None => Path::new(".").to_path_buf(),
    };
    let resolved = std::fs::canonicalize(&dir).map(|d| d.join(name));
    let own = std::fs::canonicalize(store);
    if let (Ok(resolved), Ok(own)) = (&resolved, &own) {
        let own = own.to_string_lossy();
        if ["", "-wal", "-shm", "-journal"]
            .iter()
            .any(|end| resolved.to_string_lossy() == format!("{own}{end}"))
        {
            return Err(failed(format!(
                "är centrallagringen själv; ange en fil i en annan mapp, {example}"
            )));
        }
    }
    let partial = std::path::PathBuf::from(format!("{text}.partial-{}", std::process::id()));
    let written = (|| {
        // Made first, readable by the service only (the store holds
        // password and token hashes); VACUUM INTO fills an empty file.
        let made = {
            use std::os::unix::fs::OpenOptionsExt;
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&partial)
        };
        made.map_err(|e| {
            failed(format!(
                "går inte att skriva ({e}): finns mappen {}, med plats, och får motesskylt skriva där?",
                dir.display()
            ))
        })?;
        conn.execute("VACUUM INTO ?1", [partial.to_string_lossy()])
            .map_err(|e| {
                failed(format!(
                    "kopian gick inte att skriva ({e}): finns det plats i mappen {}?",
                    dir.display()
                ))
            })?;
        let unreadable =
            |e: rusqlite::Error| failed(format!("kopian går inte att läsa ({e}); försök igen"));
        let copy =
            Connection::open_with_flags(&partial, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                .map_err(unreadable)?;
        let check: String = copy
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .map_err(unreadable)?;
        if check != "ok" {
            return Err(failed(format!("kopian är inte hel ({check}); försök igen")));
        }
        let summary = copy
            .query_row(
                "SELECT (SELECT count(DISTINCT key) FROM meetings), (SELECT count(*) FROM events), \
                        (SELECT count(*) FROM audit)",
                [],
                |r| {
                    Ok(BackupSummary {
                        meetings: r.get(0)?,
                        events: r.get(1)?,
                        audit: r.get(2)?,
                    })
                },
            )
            .map_err(unreadable)?;
        drop(copy);
        let on_disk = |e: std::io::Error| failed(format!("går inte att skriva till disken: {e}"));
        std::fs::File::open(&partial)
            .and_then(|f| f.sync_all())
            .map_err(on_disk)?;
        std::fs::rename(&partial, target).map_err(on_disk)?;
        Ok(summary)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    // The new name on disk too; the copy itself is already there whole.
    let named = std::fs::File::open(&dir).and_then(|d| d.sync_all());
    let summary = written?;
    named.map_err(|e| {
        failed(format!(
            "kopian är skriven, men mappen gick inte att synka: {e}"
        ))
    })?;
    Ok(summary)
}
