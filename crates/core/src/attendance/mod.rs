//! Who is here: presence folded from check-in and check-out events, and the
//! attendance paragraph for the minutes ([`minutes`]).

pub mod door;
pub mod formal;
pub mod quorum;

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::model::{Event, EventKind, Meeting, normalise_name};

/// Looks participants up by name: exact first, then ignoring case and spacing.
#[derive(Debug, Clone)]
pub struct Names {
    exact: HashMap<String, usize>,
    loose: HashMap<String, usize>,
}

impl Names {
    /// Indexes a meeting's participants.
    pub fn new(meeting: &Meeting) -> Self {
        let mut exact = HashMap::new();
        let mut loose = HashMap::new();
        for (i, p) in meeting.participants.iter().enumerate() {
            exact.entry(p.name.clone()).or_insert(i);
            loose.entry(normalise_name(&p.name)).or_insert(i);
        }
        Names { exact, loose }
    }

    /// The participant index for a name as written in an event.
    pub fn find(&self, name: &str) -> Option<usize> {
        self.exact
            .get(name)
            .or_else(|| self.loose.get(&normalise_name(name)))
            .copied()
    }
}

/// One participant's attendance up to a moment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Presence {
    /// Checked in and not checked out since.
    pub present: bool,
    /// First check-in.
    pub first_in: Option<DateTime<Utc>>,
    /// Last check-out, if the person is out now.
    pub left_at: Option<DateTime<Utc>>,
    last_event: Option<(DateTime<Utc>, usize)>,
}

/// Folds attendance events at or before `now` into one [`Presence`] per
/// participant (indexed like `meeting.participants`). Events are applied in
/// time order whatever order they arrive in; events naming no participant
/// are skipped (the command line reports them before this is called).
pub fn presence(
    names: &Names,
    participants: usize,
    events: &[Event],
    now: DateTime<Utc>,
) -> Vec<Presence> {
    let mut people = vec![Presence::default(); participants];
    for (order, event) in events.iter().enumerate() {
        let at = event.instant();
        if at > now {
            continue;
        }
        let (person, arrives) = match &event.kind {
            EventKind::CheckedIn { person, .. } => (person, true),
            EventKind::CheckedOut { person, .. } => (person, false),
            _ => continue,
        };
        let Some(p) = names.find(person).and_then(|i| people.get_mut(i)) else {
            continue;
        };
        if arrives && p.first_in.is_none_or(|first| at < first) {
            p.first_in = Some(at);
        }
        if p.last_event.is_none_or(|last| (at, order) >= last) {
            p.last_event = Some((at, order));
            p.present = arrives;
            p.left_at = (!arrives).then_some(at);
        }
    }
    people
}

/// One stay at the door: checked in at the first moment, out at the
/// second (`None`: still in at the end of the log).
pub type Stay = (DateTime<Utc>, Option<DateTime<Utc>>);

/// Every participant's stays (indexed like `meeting.participants`), by one
/// rule that the door, the minutes and every export share: a person's
/// check-ins and check-outs are taken in time order, ties in the log's
/// order; a check-in while in and a check-out while out change nothing; a
/// withdrawn correction is left out ([`crate::model::event::without_withdrawn`]).
/// (The door never records a tap at a time before the person's last
/// event, see [`door::record_at`], so after a clock stepped back the time
/// order still says what the door answered.)
pub fn stays(names: &Names, participants: usize, events: &[Event]) -> Vec<Vec<Stay>> {
    marked_stays(names, participants, events)
        .into_iter()
        .map(|person| person.into_iter().map(|(stay, _)| stay).collect())
        .collect()
}

/// [`stays`], each marked whether the check-in that began it was remote
/// (distansdeltagande).
pub fn marked_stays(
    names: &Names,
    participants: usize,
    events: &[Event],
) -> Vec<Vec<(Stay, bool)>> {
    let mut people: Vec<Vec<(Stay, bool)>> = vec![Vec::new(); participants];
    // A correction the secretary withdrew counts nowhere: not at the door,
    // not in the minutes, not in an export.
    let events = crate::model::event::without_withdrawn(events);
    let mut ordered: Vec<&Event> = events.iter().collect();
    ordered.sort_by_key(|e| e.instant());
    for event in ordered {
        let (person, arrives, remote) = match &event.kind {
            EventKind::CheckedIn { person, remote, .. } => (person, true, *remote),
            EventKind::CheckedOut { person, .. } => (person, false, false),
            _ => continue,
        };
        let Some(stays) = names.find(person).and_then(|i| people.get_mut(i)) else {
            continue;
        };
        let at = event.instant();
        match (arrives, stays.last_mut()) {
            (true, None) | (true, Some(((_, Some(_)), _))) => stays.push(((at, None), remote)),
            (false, Some(((_, open @ None), _))) => *open = Some(at),
            _ => {}
        }
    }
    people
}

/// Someone's part in the meeting, for the minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AtMeeting {
    /// They came after the start: when ("Anländer klockan …").
    pub arrived: Option<DateTime<Utc>>,
    /// They left before the end and did not come back: when ("Lämnar
    /// mötet klockan …").
    pub left: Option<DateTime<Utc>>,
}

/// Whether someone with these `stays` was at the meeting held from `start`
/// to `end` (see [`crate::minutes::actual_bounds`]): present at some moment
/// between the two, both included. `None` when they were not: every stay
/// ended before the start or began after the end. An arrival or a leaving
/// is only ever a moment within the meeting.
pub fn at_meeting(stays: &[Stay], start: DateTime<Utc>, end: DateTime<Utc>) -> Option<AtMeeting> {
    let within = |(from, to): &&Stay| *from <= end && to.is_none_or(|to| to >= start);
    let first = stays.iter().find(within)?;
    let last = stays.iter().rev().find(within).unwrap_or(first);
    Some(AtMeeting {
        arrived: Some(first.0).filter(|from| *from > start),
        left: last.1.filter(|to| *to < end),
    })
}

/// "A", "A och B", "A, B och C".
pub fn join_names(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} och {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Category, Participant, Source};
    use chrono::TimeZone;

    fn meeting() -> Meeting {
        let person = |name: &str| Participant {
            name: name.into(),
            party: None,
            organisation: None,
            side: None,
            category: Category::Official,
            role: None,
            invited: false,
            description: None,
            notified_absence: false,
            substitute_for: None,
            seat: None,
            items: None,
        };
        Meeting {
            body: "SRO".into(),
            body_description: None,
            document: Default::default(),
            date: chrono::NaiveDate::from_ymd_opt(2026, 6, 4).unwrap(),
            start: chrono::NaiveTime::from_hms_opt(13, 0, 0).unwrap(),
            end: chrono::NaiveTime::from_hms_opt(15, 0, 0).unwrap(),
            location: None,
            participants: vec![person("Anna Ek"), person("Bo Ek")],
            items: vec![],
        }
    }

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 4, h, m, 0).unwrap()
    }

    fn event(h: u32, m: u32, who: &str, arrives: bool) -> Event {
        let kind = if arrives {
            EventKind::CheckedIn {
                person: who.into(),
                source: Source::Nfc,
                substitute_for: None,
                correction: None,
                remote: false,
            }
        } else {
            EventKind::CheckedOut {
                person: who.into(),
                source: Source::Nfc,
                correction: None,
            }
        };
        Event::new(at(h, m), chrono_tz::UTC, kind)
    }

    #[test]
    fn latest_event_in_time_wins_whatever_the_arrival_order() {
        let m = meeting();
        let names = Names::new(&m);
        let events = vec![
            event(12, 0, "anna  ek", false),
            event(11, 0, "Anna Ek", true),
            event(11, 30, "Bo Ek", true),
        ];
        let p = presence(&names, 2, &events, at(12, 30));
        assert!(!p[0].present);
        assert_eq!(p[0].first_in, Some(at(11, 0)));
        assert_eq!(p[0].left_at, Some(at(12, 0)));
        assert!(p[1].present);
        let earlier = presence(&names, 2, &events, at(11, 45));
        assert!(earlier[0].present);
    }

    #[test]
    fn a_withdrawn_correction_counts_nowhere() {
        use crate::model::event::{Corrected, Correction};
        let m = meeting();
        let names = Names::new(&m);
        let by_hand = Event::new(
            at(13, 10),
            chrono_tz::UTC,
            EventKind::CheckedIn {
                person: "Anna Ek".into(),
                source: Source::Secretary,
                substitute_for: None,
                correction: Some(Correction {
                    by: "sekreterare".into(),
                    reason: "fel person".into(),
                }),
                remote: false,
            },
        );
        let withdrawal = Event::new(
            at(13, 20),
            chrono_tz::UTC,
            EventKind::CorrectionWithdrawn {
                person: "Anna Ek".into(),
                withdrawn: Corrected::CheckedIn,
                item: None,
                withdrawn_at: by_hand.at,
                by: "sekreterare".into(),
                reason: "fel person".into(),
            },
        );
        let kept = stays(&names, 2, std::slice::from_ref(&by_hand));
        assert_eq!(kept[0], vec![(at(13, 10), None)]);
        let gone = stays(
            &names,
            2,
            &[by_hand, withdrawal, event(13, 30, "Bo Ek", true)],
        );
        assert!(gone[0].is_empty(), "the withdrawn check-in still counts");
        assert_eq!(gone[1], vec![(at(13, 30), None)]);
    }
}
