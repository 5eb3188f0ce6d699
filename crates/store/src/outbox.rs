//! What goes to the central store and what comes from it: the outbox and
//! its cursor, the acknowledgements, and the room's other devices' events.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, TransactionBehavior, params};

use motesskylt_core::model::Event;
use motesskylt_core::wire::WireEvent;

use crate::{Recorded, Store, StoreError, WIRE_COLUMNS, WireRow};

impl Store {
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
}
