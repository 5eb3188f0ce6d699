//! The kiosk following its room: the room's meetings as its store has them
//! (its notice, and the schedule pulled from the central store), and which
//! one the door shows at a moment ([`crate::room`]).

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::{Booking, Shown, shown};
use crate::model::identity::span;
use crate::model::time::local_time;
use crate::model::{Meeting, meeting_key};
use crate::wire::RoomMeeting;

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

    /// The meeting the door holds at `now`: the one shown; when none is,
    /// the next one, or else the latest one, free; `None` when the room
    /// has no meeting at all.
    pub fn target(&self, now: DateTime<Utc>) -> Option<Target> {
        // A kiosk's notice (stored under its label) of a meeting the
        // secretary placed in the room under its own id is that meeting:
        // the secretary's stands.
        let secretarys: Vec<String> = self
            .room
            .iter()
            .filter(|m| m.from_pages && !m.cancelled && m.key != meeting_key(&m.meeting))
            .map(|m| meeting_key(&m.meeting))
            .collect();
        let room: Vec<&RoomMeeting> = self
            .room
            .iter()
            .filter(|m| m.from_pages || !secretarys.contains(&m.key))
            .collect();
        let bookings: Vec<Booking> = room
            .iter()
            .map(|m| Booking {
                id: &m.key,
                meeting: &m.meeting,
                cancelled: m.cancelled,
            })
            .collect();
        let (index, door) = match shown(&bookings, local_time(now, self.tz)) {
            Shown::Meeting(i) if room[i].cancelled => (i, DoorState::Cancelled),
            Shown::Meeting(i) => (i, DoorState::Open),
            Shown::Free { next: Some(i) } => (i, DoorState::Free),
            Shown::Free { next: None } => {
                let latest =
                    (0..room.len()).max_by_key(|&i| (span(&room[i].meeting).0, &room[i].key))?;
                (latest, DoorState::Free)
            }
        };
        let chosen = room[index];
        Some(Target {
            id: chosen.key.clone(),
            meeting: chosen.meeting.clone(),
            door,
        })
    }

    /// Whether the room has a meeting today or later (not cancelled):
    /// `false` is the contract's phase `none`.
    pub fn anything_ahead(&self, now: DateTime<Utc>) -> bool {
        let today = local_time(now, self.tz).date();
        self.room
            .iter()
            .any(|m| !m.cancelled && m.meeting.date >= today)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::time::{DEFAULT_TIME_ZONE, parse_moment};

    fn sro() -> Meeting {
        crate::kallelse::import_bytes(motesskylt_testkit::SRO_NOTICE.as_bytes()).unwrap()
    }

    fn booked(key: &str, meeting: Meeting, from_pages: bool) -> RoomMeeting {
        RoomMeeting {
            key: key.into(),
            meeting,
            from_pages,
            cancelled: false,
        }
    }

    #[test]
    fn the_secretarys_meeting_stands_over_the_kiosks_notice_of_it() {
        let m = sro();
        let at = parse_moment("13:10", m.date, DEFAULT_TIME_ZONE).unwrap();
        // The notice under its label, the secretary's under its own id.
        let follow = Follow::new(
            vec![
                booked("SRO-2026-06-04", m.clone(), false),
                booked("SRO-2026-06-04-1300", m.clone(), true),
            ],
            DEFAULT_TIME_ZONE,
        );
        let target = follow.target(at).unwrap();
        assert_eq!(
            (target.id.as_str(), target.door),
            ("SRO-2026-06-04-1300", DoorState::Open)
        );
        // Without the secretary's, the notice is the meeting.
        let alone = Follow::new(vec![booked("SRO-2026-06-04", m, false)], DEFAULT_TIME_ZONE);
        assert_eq!(alone.target(at).unwrap().id, "SRO-2026-06-04");
    }

    #[test]
    fn nothing_ahead_only_when_no_meeting_is_today_or_later() {
        let m = sro();
        let follow = Follow::new(
            vec![booked("SRO-2026-06-04", m.clone(), false)],
            DEFAULT_TIME_ZONE,
        );
        let evening = parse_moment("20:00", m.date, DEFAULT_TIME_ZONE).unwrap();
        assert!(follow.anything_ahead(evening), "ended today: still today's");
        let next_day = parse_moment("2026-06-05 08:00", m.date, DEFAULT_TIME_ZONE).unwrap();
        assert!(!follow.anything_ahead(next_day));
    }
}
