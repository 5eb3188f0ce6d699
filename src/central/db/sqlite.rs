//! The central store on SQLite: one file, WAL, `synchronous=FULL`; the
//! work runs on tokio's blocking threads.

use std::path::Path;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

use super::{CentralDb, DbError, PushAck, contiguous};
use crate::store::schema::{MigrationError, migrate};
use crate::store::{WIRE_COLUMNS, WireRow};
use crate::sync::wire::WireEvent;

/// The central store's SQLite migrations; the first is version 1.
const MIGRATIONS: &[&str] = &[r#"
    CREATE TABLE events (
        id            TEXT PRIMARY KEY,
        device        TEXT NOT NULL,
        seq           INTEGER NOT NULL,
        meeting       TEXT NOT NULL,
        wall          TEXT NOT NULL,
        mono_ms       INTEGER NOT NULL,
        boot          TEXT NOT NULL,
        clock_synced  INTEGER NOT NULL,
        received      TEXT NOT NULL,
        body          TEXT NOT NULL,
        UNIQUE (device, seq)
    );
    CREATE INDEX events_meeting ON events (meeting, device, seq);
    CREATE TRIGGER events_append_only BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
    CREATE TRIGGER events_no_delete BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
"#];

/// The central store on a SQLite file.
#[derive(Debug, Clone)]
pub struct SqliteDb {
    conn: Arc<Mutex<Connection>>,
}

impl SqliteDb {
    /// Opens (or creates) the store at `path` and runs its migrations.
    pub fn open(path: &Path) -> Result<SqliteDb, DbError> {
        let conn = Connection::open(path)?;
        conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0))?;
        conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;")?;
        migrate(&conn, MIGRATIONS).map_err(|e| match e {
            MigrationError::Sqlite(e) => DbError::Sqlite(e),
            MigrationError::TooNew(found) => DbError::BadRow(format!(
                "schemaversion {found} är nyare än den här motesskylt; uppdatera programmet"
            )),
        })?;
        Ok(SqliteDb {
            conn: Arc::new(Mutex::new(conn)),
        })
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

fn acked(conn: &Connection, device: &str) -> Result<i64, DbError> {
    let mut statement = conn.prepare("SELECT seq FROM events WHERE device = ?1 ORDER BY seq")?;
    let seqs = statement
        .query_map(params![device], |r| r.get::<_, i64>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(contiguous(seqs))
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
        self.with(move |conn| {
            let tx = conn.transaction()?;
            let mut added = 0;
            for e in &events {
                let body = serde_json::to_string(&e.event)
                    .map_err(|error| DbError::BadRow(error.to_string()))?;
                added += tx.execute(
                    "INSERT INTO events (id, device, seq, meeting, wall, mono_ms, boot, clock_synced, received, body)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT DO NOTHING",
                    params![
                        e.id.to_string(),
                        e.device,
                        e.seq,
                        e.meeting,
                        e.wall.to_rfc3339(),
                        e.mono_ms,
                        e.boot,
                        e.clock_synced,
                        received.to_rfc3339(),
                        body
                    ],
                )?;
            }
            let acked_seq = acked(&tx, &device)?;
            tx.commit()?;
            Ok(PushAck { added, acked_seq })
        })
        .await
    }

    async fn events(&self, meeting: &str) -> Result<Vec<WireEvent>, DbError> {
        let meeting = meeting.to_string();
        self.with(move |conn| {
            let mut statement = conn.prepare(&format!(
                "SELECT {WIRE_COLUMNS} FROM events WHERE meeting = ?1 ORDER BY device, seq"
            ))?;
            let rows = statement.query_map(params![meeting], |r| WireRow::read(r, 0))?;
            let mut events = Vec::new();
            for row in rows {
                events.push(row?.parse().map_err(DbError::BadRow)?);
            }
            Ok(events)
        })
        .await
    }

    async fn acked(&self, device: &str) -> Result<i64, DbError> {
        let device = device.to_string();
        self.with(move |conn| acked(conn, &device)).await
    }
}
