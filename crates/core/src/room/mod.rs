//! Which of a room's meetings its door shows at a moment: the one whose
//! check-in is open, or else none ("Ledigt") with the next one named.
//!
//! A meeting's door opens [`OPENS_BEFORE`] its planned start, but never
//! before the room's previous meeting has ended, and stays
//! [`STAYS_AFTER`] its planned end (the screen says it ended), unless the
//! next meeting's door opens first. Taps go only into the meeting shown, so
//! never into a meeting of another day.

pub mod follow;

pub use follow::{DoorState, Follow, Target};

use chrono::{NaiveDateTime, TimeDelta};
use serde::Serialize;

use crate::model::Meeting;
use crate::model::identity::span;

/// How long before its start a meeting's door opens.
pub const OPENS_BEFORE: TimeDelta = TimeDelta::minutes(60);
/// How long after its end a meeting stays on the door.
pub const STAYS_AFTER: TimeDelta = TimeDelta::minutes(30);

/// A meeting as the `state` line and the room's `now` name it (the
/// contract's `meeting`; `key` is the id too, as older scripts read it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MeetingLine {
    /// The meeting's id.
    pub id: String,
    /// The same id, under its older name.
    pub key: String,
    /// The body that meets.
    pub body: String,
    /// Its date.
    pub date: chrono::NaiveDate,
    /// Planned start, "HH:MM".
    pub start: String,
    /// Planned end, "HH:MM".
    pub end: String,
}

impl MeetingLine {
    /// The line of the meeting `id`.
    pub fn new(id: &str, meeting: &Meeting) -> Self {
        MeetingLine {
            id: id.to_string(),
            key: id.to_string(),
            body: meeting.body.clone(),
            date: meeting.date,
            start: meeting.start.format("%H:%M").to_string(),
            end: meeting.end.format("%H:%M").to_string(),
        }
    }
}

/// One meeting of the room, as the door knows it.
#[derive(Debug, Clone, Copy)]
pub struct Booking<'a> {
    /// The meeting's id.
    pub id: &'a str,
    /// Its newest version.
    pub meeting: &'a Meeting,
    /// Cancelled: shown in its time as cancelled, never as the next one.
    pub cancelled: bool,
}

/// What the door shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// The booking at this index: its door is open.
    Meeting(usize),
    /// No door open; the next booking (not cancelled) if there is one.
    Free {
        /// Its index.
        next: Option<usize>,
    },
}

/// When the booking `i` opens its door: [`OPENS_BEFORE`] its start, but not
/// before a meeting (not cancelled) that starts earlier has ended.
fn opens(bookings: &[Booking], i: usize) -> NaiveDateTime {
    let (start, _) = span(bookings[i].meeting);
    let earlier_end = bookings
        .iter()
        .filter(|b| !b.cancelled)
        .map(|b| span(b.meeting))
        .filter(|(s, _)| *s < start)
        .map(|(_, e)| e)
        .max();
    let open = start - OPENS_BEFORE;
    match earlier_end {
        Some(end) if end > open => end.min(start),
        _ => open,
    }
}

/// What the door shows at the local time `now`: of the bookings whose door
/// is open, the one that starts last (a meeting that starts right after
/// another takes over as that one ends); a cancelled one only where no
/// other is open.
pub fn shown(bookings: &[Booking], now: NaiveDateTime) -> Shown {
    let open = |i: usize| {
        let (_, end) = span(bookings[i].meeting);
        opens(bookings, i) <= now && now < end + STAYS_AFTER
    };
    let latest = |cancelled: bool| {
        (0..bookings.len())
            .filter(|&i| bookings[i].cancelled == cancelled && open(i))
            .max_by_key(|&i| (span(bookings[i].meeting).0, bookings[i].id))
    };
    if let Some(i) = latest(false).or_else(|| latest(true)) {
        return Shown::Meeting(i);
    }
    let next = (0..bookings.len())
        .filter(|&i| !bookings[i].cancelled && span(bookings[i].meeting).0 > now)
        .min_by_key(|&i| (span(bookings[i].meeting).0, bookings[i].id));
    Shown::Free { next }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::identity::moved;
    use chrono::{NaiveDate, NaiveTime};

    fn sro() -> Meeting {
        crate::kallelse::import_bytes(motesskylt_testkit::SRO_NOTICE.as_bytes()).unwrap()
    }

    fn at(day: u32, hhmm: &str) -> NaiveDateTime {
        NaiveDateTime::new(
            NaiveDate::from_ymd_opt(2026, 6, day).unwrap(),
            NaiveTime::parse_from_str(hhmm, "%H:%M").unwrap(),
        )
    }

    fn starting(day: u32, hhmm: &str) -> Meeting {
        let when = at(day, hhmm);
        moved(&sro(), Some(when.date()), Some(when.time())).unwrap()
    }

    #[test]
    fn a_day_of_two_meetings_and_the_next_day() {
        // 09.00–11.30, 14.00–16.30, and tomorrow 10.00–12.30.
        let (morning, afternoon, tomorrow) = (
            starting(4, "09:00"),
            starting(4, "14:00"),
            starting(5, "10:00"),
        );
        let bookings = [
            Booking {
                id: "c",
                meeting: &tomorrow,
                cancelled: false,
            },
            Booking {
                id: "a",
                meeting: &morning,
                cancelled: false,
            },
            Booking {
                id: "b",
                meeting: &afternoon,
                cancelled: false,
            },
        ];
        let expect = [
            ("07:59", Shown::Free { next: Some(1) }),
            ("08:00", Shown::Meeting(1)),
            ("11:45", Shown::Meeting(1)),
            ("12:00", Shown::Free { next: Some(2) }),
            ("13:00", Shown::Meeting(2)),
            ("16:59", Shown::Meeting(2)),
            ("17:00", Shown::Free { next: Some(0) }),
        ];
        for (time, shown_then) in expect {
            assert_eq!(shown(&bookings, at(4, time)), shown_then, "{time}");
        }
        assert_eq!(shown(&bookings, at(5, "09:00")), Shown::Meeting(0));
        assert_eq!(shown(&bookings, at(5, "13:00")), Shown::Free { next: None });
    }

    #[test]
    fn back_to_back_the_next_opens_as_the_first_ends() {
        let first = starting(4, "09:00"); // to 11.30
        let second = starting(4, "11:30");
        let bookings = [
            Booking {
                id: "a",
                meeting: &first,
                cancelled: false,
            },
            Booking {
                id: "b",
                meeting: &second,
                cancelled: false,
            },
        ];
        assert_eq!(
            shown(&bookings, at(4, "11:00")),
            Shown::Meeting(0),
            "not at 10.30"
        );
        assert_eq!(shown(&bookings, at(4, "11:30")), Shown::Meeting(1));
    }

    #[test]
    fn a_cancelled_meeting_shows_in_its_time_and_is_never_next() {
        let morning = starting(4, "09:00");
        let afternoon = starting(4, "14:00");
        let bookings = [
            Booking {
                id: "a",
                meeting: &morning,
                cancelled: true,
            },
            Booking {
                id: "b",
                meeting: &afternoon,
                cancelled: false,
            },
        ];
        assert_eq!(
            shown(&bookings, at(4, "07:00")),
            Shown::Free { next: Some(1) }
        );
        assert_eq!(shown(&bookings, at(4, "09:30")), Shown::Meeting(0));
        // A meeting in its place wins over the cancelled one.
        let replacement = starting(4, "09:00");
        let with = [
            bookings[0],
            bookings[1],
            Booking {
                id: "c",
                meeting: &replacement,
                cancelled: false,
            },
        ];
        assert_eq!(shown(&with, at(4, "09:30")), Shown::Meeting(2));
    }
}
