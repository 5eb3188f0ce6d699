//! Rooms' schedules: every meeting has an id and a place in one room's
//! time, and no two meetings of a room overlap. Importing, moving,
//! replacing and cancelling work the same from the pages and from the
//! command line (`motesskylt central meeting …`).

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use thiserror::Error;
use tokio::sync::Mutex;

use motesskylt_core::model::identity::{self, MoveError, is_meeting_id, meeting_id_stem};
use motesskylt_core::model::time::Lang;
use motesskylt_core::model::{Meeting, meeting_key};

use crate::db::{CentralDb, DbError, MeetingEntry};

/// Why a meeting cannot be placed, moved or cancelled.
#[derive(Debug, Error)]
pub enum ScheduleError {
    /// Another meeting of the room shares some of the time.
    #[error("{}", self.message(Lang::Sv))]
    Overlap {
        /// The room.
        room: String,
        /// The other meeting.
        other: Box<MeetingEntry>,
    },
    /// No meeting has this id.
    #[error("{}", self.message(Lang::Sv))]
    Unknown(String),
    /// The meeting named belongs to another room.
    #[error("{}", self.message(Lang::Sv))]
    OtherRoom {
        /// The meeting.
        id: String,
        /// Its room.
        room: String,
    },
    /// Not an id at all.
    #[error("{}", self.message(Lang::Sv))]
    BadId(String),
    /// No room name, or too long a one.
    #[error("{}", self.message(Lang::Sv))]
    BadRoom,
    /// A cancelled meeting is not moved (import it again to hold it).
    #[error("{}", self.message(Lang::Sv))]
    Cancelled(String),
    /// The move would not fit in a day.
    #[error(transparent)]
    Move(#[from] MoveError),
    /// The storage failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl ScheduleError {
    /// What is wrong, in `lang`, saying what to do.
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (ScheduleError::Overlap { room, other }, Lang::Sv) => format!(
                "rummet {room} har redan mötet {} ({} {} kl. {}–{}) vid den tiden; välj en annan tid eller ett annat rum, eller ersätt det mötet (--replace {})",
                other.key,
                other.meeting.body,
                other.meeting.date,
                lang.clock(other.meeting.start),
                lang.clock(other.meeting.end),
                other.key
            ),
            (ScheduleError::Overlap { room, other }, Lang::En) => format!(
                "room {room} already has the meeting {} ({} {} {}–{}) at that time; choose another time or room, or replace that meeting (--replace {})",
                other.key,
                other.meeting.body,
                other.meeting.date,
                lang.clock(other.meeting.start),
                lang.clock(other.meeting.end),
                other.key
            ),
            (ScheduleError::Unknown(id), Lang::Sv) => format!(
                "det finns inget möte med id {id}; motesskylt central meetings listar mötena"
            ),
            (ScheduleError::Unknown(id), Lang::En) => {
                format!(
                    "there is no meeting with the id {id}; motesskylt central meetings lists them"
                )
            }
            (ScheduleError::OtherRoom { id, room }, Lang::Sv) => {
                format!("mötet {id} hör till rummet {room}; ange det rummet")
            }
            (ScheduleError::OtherRoom { id, room }, Lang::En) => {
                format!("the meeting {id} belongs to the room {room}; name that room")
            }
            (ScheduleError::BadId(id), Lang::Sv) => format!(
                "\"{id}\" är inget mötes-id (bokstäver, siffror och bindestreck, som SRO-2026-06-04-1300)"
            ),
            (ScheduleError::BadId(id), Lang::En) => format!(
                "\"{id}\" is not a meeting id (letters, digits and dashes, like SRO-2026-06-04-1300)"
            ),
            (ScheduleError::BadRoom, Lang::Sv) => "skriv rummets namn (högst 64 tecken)".into(),
            (ScheduleError::BadRoom, Lang::En) => {
                "write the room's name (at most 64 characters)".into()
            }
            (ScheduleError::Cancelled(id), Lang::Sv) => format!(
                "mötet {id} är inställt och flyttas inte; importera kallelsen igen (ersätt {id}) för att hålla det"
            ),
            (ScheduleError::Cancelled(id), Lang::En) => format!(
                "the meeting {id} is cancelled and is not moved; import the notice again (replacing {id}) to hold it"
            ),
            (ScheduleError::Move(e), _) => e.to_string(),
            (ScheduleError::Db(e), _) => e.to_string(),
        }
    }

    /// Whether the request is at fault (not the storage).
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, ScheduleError::Db(_))
    }
}

/// A room's name as given (trimmed): 1 to 64 characters.
pub fn room_name(text: &str) -> Result<&str, ScheduleError> {
    let room = text.trim();
    if room.is_empty() || room.chars().count() > 64 {
        return Err(ScheduleError::BadRoom);
    }
    Ok(room)
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scheduled {
    /// The meeting's id.
    pub id: String,
    /// A meeting that was there before and was cancelled for this one.
    pub replaced: Option<String>,
    /// A new version of an existing meeting (the same body's corrected
    /// notice, or the secretary's version of a kiosk's notice): its events
    /// stay the meeting's.
    pub updated: bool,
}

/// One change of schedules at a time (the overlap check and the write
/// belong together). The id itself is unique in the storage.
static SCHEDULING: Mutex<()> = Mutex::const_new(());

/// The meeting `id`, which must exist.
async fn existing(db: &impl CentralDb, id: &str) -> Result<MeetingEntry, ScheduleError> {
    if !is_meeting_id(id) {
        return Err(ScheduleError::BadId(id.to_string()));
    }
    db.meeting(id)
        .await?
        .ok_or_else(|| ScheduleError::Unknown(id.to_string()))
}

/// The first of a room's `meetings` (not cancelled, not `except`) that
/// shares time with `meeting`, as the refusal to give.
fn overlapping(
    room: &str,
    meetings: &[MeetingEntry],
    meeting: &Meeting,
    except: Option<&str>,
) -> Result<(), ScheduleError> {
    match meetings.iter().find(|e| {
        !e.cancelled && Some(e.key.as_str()) != except && identity::overlap(&e.meeting, meeting)
    }) {
        Some(other) => Err(ScheduleError::Overlap {
            room: room.to_string(),
            other: Box::new(other.clone()),
        }),
        None => Ok(()),
    }
}

/// Places `meeting` (imported on the pages or on the command line) in
/// `room`. Refused when another meeting of the room overlaps it, unless
/// `replace` names that one: a replaced meeting of the same body and date
/// gets the new version (a corrected notice keeps its check-ins); any
/// other is cancelled and the new meeting gets an id of its own. A meeting
/// the room's kiosk uploaded from its notice file, for the same body and
/// date, is taken over (the secretary's version of it).
pub async fn import(
    db: &impl CentralDb,
    room: &str,
    meeting: &Meeting,
    replace: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Scheduled, ScheduleError> {
    let _one_at_a_time = SCHEDULING.lock().await;
    let label = meeting_key(meeting);
    let replaced = match replace {
        Some(id) => {
            let entry = existing(db, id).await?;
            if entry.room != room {
                return Err(ScheduleError::OtherRoom {
                    id: entry.key,
                    room: entry.room,
                });
            }
            Some(entry)
        }
        None => None,
    };
    let room_meetings = schedule(db, Some(room), None).await?;
    // The kiosk's own upload of this meeting (same body and date).
    let kiosks = match &replaced {
        Some(_) => None,
        None => room_meetings.iter().find(|e| {
            !e.from_pages
                && !e.cancelled
                && e.meeting.body == meeting.body
                && meeting_key(&e.meeting) == label
        }),
    };
    let target = replaced.as_ref().or(kiosks);
    overlapping(
        room,
        &room_meetings,
        meeting,
        target.map(|e| e.key.as_str()),
    )?;
    if let Some(target) = target
        && target.meeting.body == meeting.body
        && target.meeting.date == meeting.date
    {
        db.import_meeting(room, &target.key, meeting, now).await?;
        return Ok(Scheduled {
            id: target.key.clone(),
            replaced: None,
            updated: true,
        });
    }
    let stem = meeting_id_stem(meeting);
    let mut n = 1;
    let id = loop {
        let id = if n == 1 {
            stem.clone()
        } else {
            format!("{stem}-{n}")
        };
        if db.add_meeting(room, &id, meeting, now).await? {
            break id;
        }
        n += 1;
    };
    let replaced = match replaced {
        Some(old) => {
            db.cancel_meeting(&old.key, now).await?;
            Some(old.key)
        }
        None => None,
    };
    Ok(Scheduled {
        id,
        replaced,
        updated: false,
    })
}

/// Moves the meeting `id` to `date` and `start` (each defaults to the
/// meeting's own): every time in it shifts by the same amount; refused
/// when it would overlap another meeting of its room. Returns the moved
/// meeting.
pub async fn shift(
    db: &impl CentralDb,
    id: &str,
    date: Option<NaiveDate>,
    start: Option<NaiveTime>,
    now: DateTime<Utc>,
) -> Result<Meeting, ScheduleError> {
    let _one_at_a_time = SCHEDULING.lock().await;
    let entry = existing(db, id).await?;
    if entry.cancelled {
        return Err(ScheduleError::Cancelled(entry.key));
    }
    let moved = identity::moved(&entry.meeting, date, start)?;
    let room_meetings = schedule(db, Some(&entry.room), None).await?;
    overlapping(&entry.room, &room_meetings, &moved, Some(id))?;
    db.import_meeting(&entry.room, id, &moved, now).await?;
    Ok(moved)
}

/// Cancels the meeting `id`; it stays, with its events, marked cancelled
/// (the door says "Mötet är inställt").
pub async fn cancel(
    db: &impl CentralDb,
    id: &str,
    now: DateTime<Utc>,
) -> Result<MeetingEntry, ScheduleError> {
    let _one_at_a_time = SCHEDULING.lock().await;
    let entry = existing(db, id).await?;
    db.cancel_meeting(id, now).await?;
    Ok(MeetingEntry {
        cancelled: true,
        ..entry
    })
}

/// The meetings of `room` (or every room) on `date` (or every date),
/// cancelled ones included, by date and start (then id).
pub async fn schedule(
    db: &impl CentralDb,
    room: Option<&str>,
    date: Option<NaiveDate>,
) -> Result<Vec<MeetingEntry>, DbError> {
    let all = match room {
        Some(room) => db.room_meetings(room).await?,
        None => db.meetings().await?,
    };
    let mut meetings: Vec<MeetingEntry> = all
        .into_iter()
        .filter(|e| date.is_none_or(|d| e.meeting.date == d))
        .collect();
    meetings.sort_by(|a, b| {
        (a.meeting.date, a.meeting.start, &a.key).cmp(&(b.meeting.date, b.meeting.start, &b.key))
    });
    Ok(meetings)
}
