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

mod log;
mod meetings;
mod outbox;
mod recover;
pub mod schema;
pub mod stamp;
mod wire_row;

use std::path::{Path, PathBuf};

use chrono::Utc;
use rusqlite::{Connection, OptionalExtension, params};
use thiserror::Error;
use uuid::Uuid;

use motesskylt_core::model::Event;

pub use log::Recorded;
pub use recover::{Recovery, recover};
pub use stamp::Stamp;
pub use wire_row::{WIRE_COLUMNS, WireRow};

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
