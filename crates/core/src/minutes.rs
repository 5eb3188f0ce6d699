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

use crate::attendance::quorum::{recused, served};
use crate::attendance::{Names, Stay, at_meeting, join_names, marked_stays};
use crate::model::time::local_time;
use crate::model::{Event, Meeting};
use crate::progress::{Schedule, held_bounds, is_progress, item_spans, record, with_plan};

/// When the meeting was held, for the attendance rules: from its actual
/// start to its actual end, as the schedule engine folds the log
/// ([`crate::progress::held_bounds`]), the plan filling in.
///
/// - The start is the first progress event (`meeting_started`, or an item
///   or a break started without one); without any, the planned start of
///   the first agenda entry (the meeting's start if it has none).
/// - The end is the last `meeting_ended` (unless the meeting was taken up
///   again after it); without one, the planned end of the last entry (the
///   meeting's end), or the last progress event when that is later (a
///   meeting that ran over and was never ended lasted at least that long).
pub fn actual_bounds(
    meeting: &Meeting,
    events: &[Event],
    tz: Tz,
) -> (DateTime<Utc>, DateTime<Utc>) {
    let schedule = Schedule::new(meeting, tz);
    let planned_start = schedule
        .slots
        .first()
        .map_or(schedule.planned_start, |slot| slot.start);
    bounds(events, planned_start, schedule.planned_end)
}

/// [`actual_bounds`] given the planned start and end (as UTC instants).
pub fn bounds(
    events: &[Event],
    planned_start: DateTime<Utc>,
    planned_end: DateTime<Utc>,
) -> (DateTime<Utc>, DateTime<Utc>) {
    let (started, ended) = held_bounds(events);
    let started = started.unwrap_or(planned_start);
    let ended = ended.unwrap_or_else(|| {
        let last = events
            .iter()
            .filter(|e| is_progress(e))
            .map(Event::instant)
            .max();
        last.map_or(planned_end, |last| last.max(planned_end))
    });
    (started, ended.max(started))
}

/// The attendance paragraph, one line per kind, each ending in a newline.
///
/// "Närvarande" lists everyone called who was present at some moment
/// between the meeting's start and its end ([`actual_bounds`], both
/// included); "Frånvaro" everyone else called, so someone who checked in
/// and out before the start, or first came after the end, is absent.
/// "Anländer" gives the start of the first stay within the meeting when it
/// began after the start; "Lämnar mötet" the end of the last stay within
/// the meeting when it ended before the end ([`crate::attendance::at_meeting`]).
pub fn paragraph(meeting: &Meeting, events: &[Event], tz: Tz) -> String {
    let names = Names::new(meeting);
    let marked = marked_stays(&names, meeting.participants.len(), events);
    let (started, ended) = actual_bounds(meeting, events, tz);
    let mut remote = Vec::new();
    let mut present = Vec::new();
    let mut absent = Vec::new();
    // Grouped by the minute since the epoch: every zone in use today is a
    // whole number of minutes from UTC, so this is the local "HH.MM" too.
    let mut arrivals: BTreeMap<i64, Vec<&str>> = BTreeMap::new();
    let mut departures: BTreeMap<i64, Vec<&str>> = BTreeMap::new();
    let minute = |at: DateTime<Utc>| at.timestamp().div_euclid(60);
    for (index, participant) in meeting.called() {
        let name = participant.name.as_str();
        let stays: Vec<Stay> = marked[index].iter().map(|(stay, _)| *stay).collect();
        let Some(here) = at_meeting(&stays, started, ended) else {
            absent.push(name);
            continue;
        };
        present.push(name);
        let from_afar: Vec<Stay> = marked[index]
            .iter()
            .filter(|(_, remote)| *remote)
            .map(|(stay, _)| *stay)
            .collect();
        if at_meeting(&from_afar, started, ended).is_some() {
            remote.push(name);
        }
        if let Some(arrived) = here.arrived {
            arrivals.entry(minute(arrived)).or_default().push(name);
        }
        if let Some(left) = here.left {
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
    // Who served for whom (from when it took effect, between items), and
    // who was out of which item, as the log has it by the meeting's end.
    let schedule = Schedule::new(meeting, tz);
    let held = record(meeting, &schedule, &with_plan(&schedule, events)).held;
    let served = served(meeting, events, &item_spans(meeting, &held), started, ended);
    let serving: Vec<String> = served
        .iter()
        .map(|(deputy, member)| {
            format!(
                "{} (ersätter {})",
                meeting.participants[*deputy].name, meeting.participants[*member].name
            )
        })
        .collect();
    let serving: Vec<&str> = serving.iter().map(String::as_str).collect();
    line("Tjänstgörande ersättare".into(), &serving);
    for item in meeting.items.iter().filter_map(|e| e.number.as_deref()) {
        let mut out: Vec<usize> = recused(meeting, events, item, ended).into_iter().collect();
        out.sort_unstable();
        let out: Vec<&str> = out
            .iter()
            .map(|&i| meeting.participants[i].name.as_str())
            .collect();
        line(format!("Jäv punkt {item}"), &out);
    }
    line("Deltar på distans".into(), &remote);
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
    use crate::model::{EventKind, Seat, Source};

    fn sro() -> Meeting {
        crate::kallelse::import_bytes(motesskylt_testkit::SRO_NOTICE.as_bytes()).unwrap()
    }

    fn door(meeting: &Meeting, hm: &str, who: usize, arrives: bool) -> Event {
        let tz = crate::model::time::DEFAULT_TIME_ZONE;
        let at = crate::model::time::parse_moment(hm, meeting.date, tz).unwrap();
        let person = meeting.participants[who].name.clone();
        let kind = if arrives {
            EventKind::CheckedIn {
                person,
                source: Source::Nfc,
                substitute_for: None,
                correction: None,
                remote: false,
            }
        } else {
            EventKind::CheckedOut {
                person,
                source: Source::Nfc,
                correction: None,
            }
        };
        Event::new(at, tz, kind)
    }

    /// Issue 15, point 7: only those present between the start and the
    /// end are "Närvarande"; arrivals and leavings only within the meeting.
    #[test]
    fn only_those_at_the_meeting_between_its_start_and_end_are_present() {
        let m = sro();
        let tz = crate::model::time::DEFAULT_TIME_ZONE;
        let at = |hm: &str| crate::model::time::parse_moment(hm, m.date, tz).unwrap();
        let called: Vec<usize> = m.called().map(|(i, _)| i).take(6).collect();
        let name = |n: usize| m.participants[called[n]].name.clone();
        let events = vec![
            Event::new(at("13:07"), tz, EventKind::MeetingStarted),
            // 0: in and out before the start: not present.
            door(&m, "12:40", called[0], true),
            door(&m, "12:44", called[0], false),
            // 1: in before the start, stays: present, no arrival line.
            door(&m, "12:50", called[1], true),
            // 2: in after the start, out before the end.
            door(&m, "13:20", called[2], true),
            door(&m, "14:15", called[2], false),
            // 3: first came after the end: not present.
            door(&m, "15:40", called[3], true),
            // 4: out before the start, back during the meeting.
            door(&m, "12:30", called[4], true),
            door(&m, "12:35", called[4], false),
            door(&m, "13:44", called[4], true),
            // 5: left exactly at the start: present at that moment.
            door(&m, "12:50", called[5], true),
            door(&m, "13:07", called[5], false),
            Event::new(at("15:34"), tz, EventKind::MeetingEnded),
        ];
        let text = paragraph(&m, &events, tz);
        let line = |label: &str| {
            text.lines()
                .find(|l| l.starts_with(label))
                .unwrap_or_default()
                .to_string()
        };
        let present = line("Närvarande:");
        let absent = line("Frånvaro:");
        for n in [1, 2, 4, 5] {
            assert!(present.contains(&name(n)), "{} present: {text}", name(n));
        }
        for n in [0, 3] {
            assert!(
                !present.contains(&name(n)),
                "{} not present: {text}",
                name(n)
            );
            assert!(absent.contains(&name(n)), "{} absent: {text}", name(n));
        }
        assert!(!text.contains("12.44") && !text.contains("12.35"), "{text}");
        assert!(!text.contains("15.40"), "{text}");
        assert_eq!(
            line("Anländer klockan 13.20:"),
            format!("Anländer klockan 13.20: {}.", name(2))
        );
        assert_eq!(
            line("Anländer klockan 13.44:"),
            format!("Anländer klockan 13.44: {}.", name(4))
        );
        assert_eq!(
            line("Lämnar mötet klockan 14.15:"),
            format!("Lämnar mötet klockan 14.15: {}.", name(2))
        );
        assert!(
            !text.contains(&format!("Anländer klockan 12.50: {}", name(1))),
            "{text}"
        );
    }

    /// The bounds: the recorded start and end when there are some, else
    /// the plan; a meeting never ended that ran over lasted at least to
    /// its last progress event.
    #[test]
    fn the_bounds_are_the_recorded_start_and_end_else_the_plan() {
        let m = sro();
        let tz = crate::model::time::DEFAULT_TIME_ZONE;
        let at = |hm: &str| crate::model::time::parse_moment(hm, m.date, tz).unwrap();
        assert_eq!(actual_bounds(&m, &[], tz), (at("13:00"), at("15:30")));
        let held = vec![
            Event::new(at("13:07"), tz, EventKind::MeetingStarted),
            Event::new(at("15:34"), tz, EventKind::MeetingEnded),
        ];
        assert_eq!(actual_bounds(&m, &held, tz), (at("13:07"), at("15:34")));
        let running = vec![
            Event::new(at("13:07"), tz, EventKind::MeetingStarted),
            Event::new(
                at("15:40"),
                tz,
                EventKind::ItemStarted { item: "11".into() },
            ),
        ];
        assert_eq!(actual_bounds(&m, &running, tz), (at("13:07"), at("15:40")));
        // Someone who came at 13.03 to a meeting started 13.07 did not arrive late.
        let early = vec![held[0].clone(), door(&m, "13:03", 0, true), held[1].clone()];
        assert!(!paragraph(&m, &early, tz).contains("Anländer"));
    }

    #[test]
    fn names_are_joined_with_och() {
        assert_eq!(join_names(&[]), "");
        assert_eq!(join_names(&["A"]), "A");
        assert_eq!(join_names(&["A", "B"]), "A och B");
        assert_eq!(join_names(&["A", "B", "C"]), "A, B och C");
    }

    #[test]
    fn serving_deputies_and_recusals_have_their_lines_in_the_contracts_order() {
        let mut m = sro();
        for (i, seat) in [
            (4, Seat::Deputy),
            (5, Seat::Deputy),
            (7, Seat::Member),
            (8, Seat::Member),
        ] {
            m.participants[i].seat = Some(seat);
        }
        let tz = crate::model::time::DEFAULT_TIME_ZONE;
        let at = |hm: &str| crate::model::time::parse_moment(hm, m.date, tz).unwrap();
        let name = |i: usize| m.participants[i].name.clone();
        let mut log: Vec<Event> = (0..6).map(|i| door(&m, "12:55", i, true)).collect();
        let kind = |kind: EventKind, hm: &str| Event::new(at(hm), tz, kind);
        // In notice order each deputy once, with the first member served
        // for; the later deputy (5) listed after the earlier one (4).
        log.push(kind(
            EventKind::SubstituteStarted {
                person: name(5),
                member: name(7),
            },
            "13:10",
        ));
        log.push(kind(
            EventKind::SubstituteStarted {
                person: name(4),
                member: name(8),
            },
            "13:20",
        ));
        log.push(kind(
            EventKind::SubstituteEnded { person: name(5) },
            "13:30",
        ));
        log.push(kind(
            EventKind::SubstituteStarted {
                person: name(5),
                member: name(9),
            },
            "13:40",
        ));
        // Recusals by item in the agenda's order, names in notice order.
        log.push(kind(
            EventKind::Recused {
                person: name(3),
                item: "6".into(),
            },
            "13:45",
        ));
        log.push(kind(
            EventKind::Recused {
                person: name(1),
                item: "6".into(),
            },
            "13:46",
        ));
        log.push(kind(
            EventKind::Recused {
                person: name(2),
                item: "5".into(),
            },
            "13:25",
        ));
        let text = paragraph(&m, &log, tz);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[2],
            format!(
                "Tjänstgörande ersättare: {} (ersätter {}) och {} (ersätter {}).",
                name(4),
                name(8),
                name(5),
                name(7)
            )
        );
        assert_eq!(lines[3], format!("Jäv punkt 5: {}.", name(2)));
        assert_eq!(
            lines[4],
            format!("Jäv punkt 6: {} och {}.", name(1), name(3))
        );
        assert!(lines[0].starts_with("Närvarande:") && lines[1].starts_with("Frånvaro:"));
        // Without any, no such lines.
        let plain = paragraph(&m, &log[..6], tz);
        assert!(!plain.contains("Tjänstgörande") && !plain.contains("Jäv"));
    }

    /// Those who took part remotely at some moment of the meeting are
    /// named, in the notice's order, and are in "Närvarande"; a deputy
    /// asked for during the last item, which never ended before the
    /// meeting did, never served.
    #[test]
    fn remote_participants_are_named_and_a_swap_that_never_took_effect_is_not() {
        let m = sro();
        let tz = crate::model::time::DEFAULT_TIME_ZONE;
        let at = |hm: &str| crate::model::time::parse_moment(hm, m.date, tz).unwrap();
        let name = |i: usize| m.participants[i].name.clone();
        let remote = |hm: &str, who: usize| {
            Event::new(
                at(hm),
                tz,
                EventKind::CheckedIn {
                    person: name(who),
                    source: Source::Secretary,
                    substitute_for: None,
                    correction: None,
                    remote: true,
                },
            )
        };
        let last = m.items.iter().rev().find_map(|e| e.number.clone()).unwrap();
        let mut log = vec![
            door(&m, "12:55", 0, true),
            remote("13:00", 3),
            remote("12:50", 1),
            Event::new(at("13:00"), tz, EventKind::MeetingStarted),
            Event::new(at("14:00"), tz, EventKind::ItemStarted { item: last }),
            Event::new(
                at("14:05"),
                tz,
                EventKind::SubstituteStarted {
                    person: name(5),
                    member: name(7),
                },
            ),
            Event::new(at("14:10"), tz, EventKind::MeetingEnded),
        ];
        // Remote, but only before the start: not present, not named.
        log.push(remote("12:40", 6));
        log.push(door(&m, "12:45", 6, false));
        let text = paragraph(&m, &log, tz);
        assert!(
            text.contains(&format!(
                "Deltar på distans: {} och {}.\n",
                name(1),
                name(3)
            )),
            "{text}"
        );
        let present = text.lines().next().unwrap();
        assert!(present.contains(&name(1)) && present.contains(&name(3)));
        assert!(!present.contains(&name(6)));
        assert!(!text.contains("Tjänstgörande"), "{text}");
    }
}
