//! Saving what can be read of a damaged store.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};
use uuid::Uuid;

use crate::{Store, StoreError};

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
    // A damaged store of an older schema lacks later columns: those rows
    // are copied with the rest, the missing columns taking their defaults.
    let has_column = |table: &str, column: &str| -> bool {
        old.as_ref().is_some_and(|c| {
            c.prepare(&format!("SELECT {column} FROM {table} LIMIT 0"))
                .is_ok()
        })
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
        let mut meeting_columns = vec!["key", "received", "body"];
        meeting_columns.extend(
            ["from_pages", "cancelled"]
                .into_iter()
                .filter(|c| has_column("meetings", c)),
        );
        report.meetings = copy("meetings", &meeting_columns)?;
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
