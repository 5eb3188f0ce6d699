//! The store's schema as numbered migrations (`PRAGMA user_version` holds
//! how many have run). A migration is never edited once released; a change
//! is a new one at the end. [`migrate`] also runs the central store's
//! SQLite migrations.

use rusqlite::Connection;

/// Why migrations could not run.
#[derive(Debug)]
pub enum MigrationError {
    /// The file has this newer schema version than the program knows.
    TooNew(i64),
    /// SQLite failed.
    Sqlite(rusqlite::Error),
}

/// Runs the migrations `conn` has not had yet, each in its own transaction
/// together with the new `user_version`.
pub fn migrate(conn: &Connection, migrations: &[&str]) -> Result<(), MigrationError> {
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(MigrationError::Sqlite)?;
    if version > migrations.len() as i64 {
        return Err(MigrationError::TooNew(version));
    }
    for (index, migration) in migrations.iter().enumerate().skip(version.max(0) as usize) {
        let batch = format!(
            "BEGIN IMMEDIATE; {migration}\nPRAGMA user_version = {}; COMMIT;",
            index + 1
        );
        if let Err(error) = conn.execute_batch(&batch) {
            let _ = conn.execute_batch("ROLLBACK");
            return Err(MigrationError::Sqlite(error));
        }
    }
    Ok(())
}

/// The migrations in order; the first is version 1.
pub const MIGRATIONS: &[&str] = &[
    // 1: device identity, meetings, the event log, the sync cursor.
    r#"
    CREATE TABLE device (
        id       TEXT NOT NULL,
        created  TEXT NOT NULL
    );

    -- Every version of every meeting the kiosk was given; the newest row of
    -- a key is the meeting.
    CREATE TABLE meetings (
        rowid     INTEGER PRIMARY KEY,
        key       TEXT NOT NULL,
        received  TEXT NOT NULL,
        body      TEXT NOT NULL
    );
    CREATE INDEX meetings_key ON meetings (key, rowid);

    -- The event log. `body` is the event as one JSON line of the contract;
    -- the other columns say where and when it was recorded.
    CREATE TABLE events (
        rowid         INTEGER PRIMARY KEY,
        id            TEXT NOT NULL UNIQUE,
        device        TEXT NOT NULL,
        seq           INTEGER NOT NULL,
        meeting       TEXT NOT NULL,
        at            TEXT NOT NULL,
        wall          TEXT NOT NULL,
        mono_ms       INTEGER NOT NULL,
        boot          TEXT NOT NULL,
        clock_synced  INTEGER NOT NULL,
        type          TEXT NOT NULL,
        body          TEXT NOT NULL,
        UNIQUE (device, seq)
    );
    CREATE INDEX events_meeting ON events (meeting, rowid);

    -- How far the central store has confirmed the log: the newest row's
    -- `up_to` (an events rowid) is the outbox cursor.
    CREATE TABLE sync_acks (
        rowid  INTEGER PRIMARY KEY,
        up_to  INTEGER NOT NULL,
        at     TEXT NOT NULL
    );

    -- Nothing is updated in place or deleted.
    CREATE TRIGGER device_append_only BEFORE UPDATE ON device
        BEGIN SELECT RAISE(ABORT, 'device is append-only'); END;
    CREATE TRIGGER device_no_delete BEFORE DELETE ON device
        BEGIN SELECT RAISE(ABORT, 'device is append-only'); END;
    CREATE TRIGGER meetings_append_only BEFORE UPDATE ON meetings
        BEGIN SELECT RAISE(ABORT, 'meetings are append-only'); END;
    CREATE TRIGGER meetings_no_delete BEFORE DELETE ON meetings
        BEGIN SELECT RAISE(ABORT, 'meetings are append-only'); END;
    CREATE TRIGGER events_append_only BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
    CREATE TRIGGER events_no_delete BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
    CREATE TRIGGER sync_acks_append_only BEFORE UPDATE ON sync_acks
        BEGIN SELECT RAISE(ABORT, 'sync_acks are append-only'); END;
    CREATE TRIGGER sync_acks_no_delete BEFORE DELETE ON sync_acks
        BEGIN SELECT RAISE(ABORT, 'sync_acks are append-only'); END;
    "#,
    // 2: what sync brings from the central store.
    r#"
    -- Events of the room's other devices, as pulled from the central store.
    CREATE TABLE learned (
        rowid         INTEGER PRIMARY KEY,
        id            TEXT NOT NULL UNIQUE,
        device        TEXT NOT NULL,
        seq           INTEGER NOT NULL,
        meeting       TEXT NOT NULL,
        wall          TEXT NOT NULL,
        mono_ms       INTEGER NOT NULL,
        boot          TEXT NOT NULL,
        clock_synced  INTEGER NOT NULL,
        type          TEXT NOT NULL,
        body          TEXT NOT NULL,
        received      TEXT NOT NULL
    );
    CREATE INDEX learned_meeting ON learned (meeting, rowid);

    -- How far the pulls have come: the newest row is the cursor.
    CREATE TABLE pull_cursors (
        rowid     INTEGER PRIMARY KEY,
        events    INTEGER NOT NULL,
        meetings  INTEGER NOT NULL,
        at        TEXT NOT NULL
    );

    CREATE TRIGGER learned_append_only BEFORE UPDATE ON learned
        BEGIN SELECT RAISE(ABORT, 'learned is append-only'); END;
    CREATE TRIGGER learned_no_delete BEFORE DELETE ON learned
        BEGIN SELECT RAISE(ABORT, 'learned is append-only'); END;
    CREATE TRIGGER pull_cursors_append_only BEFORE UPDATE ON pull_cursors
        BEGIN SELECT RAISE(ABORT, 'pull_cursors are append-only'); END;
    CREATE TRIGGER pull_cursors_no_delete BEFORE DELETE ON pull_cursors
        BEGIN SELECT RAISE(ABORT, 'pull_cursors are append-only'); END;
    "#,
    // 3: meetings imported on the secretary's pages, as pulled: shown
    // rather than the kiosk's own notice file.
    r#"
    ALTER TABLE meetings ADD COLUMN from_pages INTEGER NOT NULL DEFAULT 0;
    "#,
];
