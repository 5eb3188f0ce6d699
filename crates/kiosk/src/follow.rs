//! The kiosk following its room: the room's meetings as its store has them
//! (its notice, and the schedule pulled from the central store), and which
//! one the door shows at a moment ([`motesskylt_core::room`]).

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use motesskylt_core::model::Meeting;
use motesskylt_core::model::identity::span;
use motesskylt_core::model::time::local_time;
use motesskylt_core::room::{Booking, Shown, shown};
use motesskylt_core::wire::RoomMeeting;

/// What the door says about the meeting it holds.
#[derive(Debug, Clone, PartialEq)]
pub enum DoorState {
    /// Its check-in is open: the meeting's own screens.
    Open,
    /// It is cancelled ("Mötet är inställt"); taps are refused.
    Cancelled,
    /// No meeting now ("Ledigt"); the desk holds the next one, if any, and
    /// answers taps by its window (too early, another day).
    Free,
}

/// The room's meetings.
#[derive(Debug, Clone)]
pub struct Follow {
    room: Vec<RoomMeeting>,
    tz: Tz,
}

/// The meeting the door holds and what it says about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// The meeting's id.
    pub id: String,
    /// Its newest version.
    pub meeting: Meeting,
    /// Open, cancelled or free.
    pub door: DoorState,
}

impl Follow {
    /// The room's meetings, each its newest version.
    pub fn new(room: Vec<RoomMeeting>, tz: Tz) -> Self {
        Follow { room, tz }
    }

    /// Takes in a new version of a meeting (or a new meeting) of the room.
    pub fn learn(&mut self, pulled: RoomMeeting) {
        match self.room.iter_mut().find(|m| m.key == pulled.key) {
            Some(known) => *known = pulled,
            None => self.room.push(pulled),
        }
    }

    /// The meeting `id` as known.
    pub fn get(&self, id: &str) -> Option<&RoomMeeting> {
        self.room.iter().find(|m| m.key == id)
    }

    /// The meeting the door holds at `now`: the one shown; when none is,
    /// the next one, or else the latest one, free; `None` when the room
    /// has no meeting at all.
    pub fn target(&self, now: DateTime<Utc>) -> Option<Target> {
        let bookings: Vec<Booking> = self
            .room
            .iter()
            .map(|m| Booking {
                id: &m.key,
                meeting: &m.meeting,
                cancelled: m.cancelled,
            })
            .collect();
        let (index, door) = match shown(&bookings, local_time(now, self.tz)) {
            Shown::Meeting(i) if self.room[i].cancelled => (i, DoorState::Cancelled),
            Shown::Meeting(i) => (i, DoorState::Open),
            Shown::Free { next: Some(i) } => (i, DoorState::Free),
            Shown::Free { next: None } => {
                let latest = (0..self.room.len())
                    .max_by_key(|&i| (span(&self.room[i].meeting).0, &self.room[i].key))?;
                (latest, DoorState::Free)
            }
        };
        let chosen = &self.room[index];
        Some(Target {
            id: chosen.key.clone(),
            meeting: chosen.meeting.clone(),
            door,
        })
    }

    /// Whether a meeting is shown or coming: `false` when the door is free
    /// with nothing later (the contract's phase `none`).
    pub fn anything_ahead(&self, now: DateTime<Utc>) -> bool {
        let local = local_time(now, self.tz);
        self.room
            .iter()
            .any(|m| !m.cancelled && span(&m.meeting).1 > local)
    }
}
