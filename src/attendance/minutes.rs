//! The attendance paragraph of the minutes (mötesanteckning), as the SRO
//! secretary writes it:
//!
//! ```text
//! Närvarande: A, B och C.
//! Frånvaro: D, E och F.
//! Anländer klockan 13.20: G.
//! Lämnar mötet klockan 14.15: H och I.
//! ```
//!
//! Only those called count (invited guests are listed elsewhere in the
//! minutes). Names keep the notice's order; a line with nobody is left out.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::{Names, presence};
use crate::model::time::{local_instant, local_time};
use crate::model::{Event, EventKind, Meeting};

/// "A", "A och B", "A, B och C".
pub fn join_names(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} och {last}", init.join(", ")),
    }
}

/// When the meeting actually started and ended: the first `meeting_started`
/// or `item_started`, and the last `meeting_ended`; the plan where the log
/// says nothing.
pub fn actual_bounds(
    meeting: &Meeting,
    events: &[Event],
    tz: Tz,
) -> (DateTime<Utc>, DateTime<Utc>) {
    let started = events
        .iter()
        .filter(|e| {
            matches!(
                e.kind,
                EventKind::MeetingStarted
                    | EventKind::ItemStarted { .. }
                    | EventKind::BreakStarted { .. }
            )
        })
        .map(Event::instant)
        .min()
        .unwrap_or_else(|| local_instant(meeting.date, meeting.start, tz));
    let ended = events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::MeetingEnded))
        .map(Event::instant)
        .max()
        .unwrap_or_else(|| local_instant(meeting.date, meeting.end, tz));
    (started, ended)
}

/// The attendance paragraph, one line per kind, each ending in a newline.
pub fn paragraph(meeting: &Meeting, events: &[Event], tz: Tz) -> String {
    let names = Names::new(meeting);
    let people = presence(
        &names,
        meeting.participants.len(),
        events,
        DateTime::<Utc>::MAX_UTC,
    );
    let (started, ended) = actual_bounds(meeting, events, tz);
    let mut present = Vec::new();
    let mut absent = Vec::new();
    // Grouped by the minute since the epoch: every zone in use today is a
    // whole number of minutes from UTC, so this is the local "HH.MM" too.
    let mut arrivals: BTreeMap<i64, Vec<&str>> = BTreeMap::new();
    let mut departures: BTreeMap<i64, Vec<&str>> = BTreeMap::new();
    let minute = |at: DateTime<Utc>| at.timestamp().div_euclid(60);
    for (index, participant) in meeting.called() {
        let person = &people[index];
        let name = participant.name.as_str();
        let Some(first_in) = person.first_in else {
            absent.push(name);
            continue;
        };
        present.push(name);
        if first_in > started {
            arrivals.entry(minute(first_in)).or_default().push(name);
        }
        if let Some(left) = person.left_at
            && left < ended
        {
            departures.entry(minute(left)).or_default().push(name);
        }
    }
    let mut out = String::new();
    let mut line = |label: String, names: &[&str]| {
        if !names.is_empty() {
            out.push_str(&format!("{label}: {}.\n", join_names(names)));
        }
    };
    line("Närvarande".into(), &present);
    line("Frånvaro".into(), &absent);
    let clock = |minute: &i64| {
        DateTime::from_timestamp(minute * 60, 0)
            .map(|at| local_time(at, tz).format("%H.%M").to_string())
            .unwrap_or_default()
    };
    for (at, names) in &arrivals {
        line(format!("Anländer klockan {}", clock(at)), names);
    }
    for (at, names) in &departures {
        line(format!("Lämnar mötet klockan {}", clock(at)), names);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_joined_with_och() {
        assert_eq!(join_names(&[]), "");
        assert_eq!(join_names(&["A"]), "A");
        assert_eq!(join_names(&["A", "B"]), "A och B");
        assert_eq!(join_names(&["A", "B", "C"]), "A, B och C");
    }
}
