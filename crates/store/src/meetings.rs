//! The meetings the kiosk was given (its notice, the secretary's versions
//! as pulled) and the card registry folded from its events.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use motesskylt_core::cards::Registry;
use motesskylt_core::model::{Meeting, meeting_key};
use motesskylt_core::wire::RoomMeeting;

use crate::{Store, StoreError};

impl Store {
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

    /// Stores a meeting pulled from the central store under its id
    /// (`pulled.key`), marked when it was imported on the secretary's pages
    /// and when it is cancelled; returns whether it is a new version.
    pub fn save_pulled_meeting(
        &mut self,
        pulled: &RoomMeeting,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let body = serde_json::to_string(&pulled.meeting)
            .map_err(|e| self.sql(rusqlite::Error::ToSqlConversionFailure(Box::new(e))))?;
        let latest: Option<(String, bool, bool)> = self
            .conn
            .query_row(
                "SELECT body, from_pages, cancelled FROM meetings WHERE key = ?1 ORDER BY rowid DESC LIMIT 1",
                params![pulled.key],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .map_err(|e| self.sql(e))?;
        let new = latest.as_ref() != Some(&(body.clone(), pulled.from_pages, pulled.cancelled));
        if new {
            self.conn
                .execute(
                    "INSERT INTO meetings (key, received, body, from_pages, cancelled)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![
                        pulled.key,
                        now.to_rfc3339(),
                        body,
                        pulled.from_pages,
                        pulled.cancelled
                    ],
                )
                .map_err(|e| self.sql(e))?;
        }
        Ok(new)
    }

    /// Every meeting's newest version, as the room's schedule the door
    /// follows: the kiosk's notice and what was pulled for its room, with
    /// their ids and whether they are cancelled.
    pub fn room_meetings(&self) -> Result<Vec<RoomMeeting>, StoreError> {
        let mut statement = self
            .conn
            .prepare(
                "SELECT m.rowid, m.key, m.body, m.from_pages, m.cancelled FROM meetings m
                 WHERE m.rowid = (SELECT MAX(rowid) FROM meetings WHERE key = m.key)
                 ORDER BY m.key",
            )
            .map_err(|e| self.sql(e))?;
        let rows = statement
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, bool>(3)?,
                    r.get::<_, bool>(4)?,
                ))
            })
            .map_err(|e| self.sql(e))?;
        let mut meetings = Vec::new();
        for row in rows {
            let (rowid, key, body, from_pages, cancelled) = row.map_err(|e| self.sql(e))?;
            let meeting: Meeting =
                serde_json::from_str(&body).map_err(|e| self.bad_row("meetings", rowid, e))?;
            meetings.push(RoomMeeting {
                key,
                meeting,
                from_pages,
                cancelled,
            });
        }
        Ok(meetings)
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
        self.newest_meetings(false)
    }

    /// The meetings whose newest version is not the secretary's: the
    /// kiosk's own notice (and other kiosks' of the room), which sync
    /// uploads. The secretary's stand centrally already.
    pub fn notice_meetings(&self) -> Result<Vec<(String, Meeting)>, StoreError> {
        self.newest_meetings(true)
    }

    fn newest_meetings(&self, notices_only: bool) -> Result<Vec<(String, Meeting)>, StoreError> {
        let mut statement = self
            .conn
            .prepare(
                "SELECT m.rowid, m.key, m.body FROM meetings m
                 WHERE m.rowid = (SELECT MAX(rowid) FROM meetings WHERE key = m.key)
                   AND NOT (?1 AND m.from_pages)",
            )
            .map_err(|e| self.sql(e))?;
        let rows = statement
            .query_map([notices_only], |r| {
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
}
