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

/// The migrations in order, the SQL files of `crates/store/migrations/`;
/// the first is version 1.
pub const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001-device-meetings-events.sql"),
    include_str!("../migrations/0002-learned-events.sql"),
    include_str!("../migrations/0003-meetings-from-pages.sql"),
    include_str!("../migrations/0004-meetings-cancelled.sql"),
];
