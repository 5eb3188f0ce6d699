//! Formal attendance: which deputies serve (tjänstgör) for whom, who is
//! out of an item for a conflict of interest (jäv), and whether the body
//! may decide (beslutförhet): more than half of its members present, a
//! serving deputy counting for the member they stand in for (the
//! contract's `quorum`). Pure: a function of the meeting, the log and
//! `now`.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Names, presence};
use crate::model::event::without_withdrawn;
use crate::model::{Event, EventKind, Meeting, Seat};

/// Whether the body may decide now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Quorum {
    /// Members (seat `member`).
    pub members: usize,
    /// Members present (not recused from the running item), plus
    /// deputies serving for a member who is not.
    pub present: usize,
    /// More than half of the members.
    pub needed: usize,
    /// `present >= needed`.
    pub met: bool,
}

/// The deputies serving at `now`, each with the member they serve for
/// (participant indexes), in the order they began: from their
/// `substitute_started` until their `substitute_ended`.
pub fn serving(meeting: &Meeting, events: &[Event], now: DateTime<Utc>) -> Vec<(usize, usize)> {
    let names = Names::new(meeting);
    let mut ordered: Vec<(DateTime<Utc>, usize, &EventKind)> = events
        .iter()
        .enumerate()
        .filter(|(_, e)| e.instant() <= now)
        .map(|(i, e)| (e.instant(), i, &e.kind))
        .collect();
    ordered.sort_by_key(|(at, i, _)| (*at, *i));
    let mut serving: Vec<(usize, usize)> = Vec::new();
    for (_, _, kind) in ordered {
        match kind {
            EventKind::SubstituteStarted { person, member } => {
                if let (Some(deputy), Some(member)) = (names.find(person), names.find(member)) {
                    serving.retain(|(d, _)| *d != deputy);
                    serving.push((deputy, member));
                }
            }
            EventKind::SubstituteEnded { person } => {
                if let Some(deputy) = names.find(person) {
                    serving.retain(|(d, _)| *d != deputy);
                }
            }
            _ => {}
        }
    }
    serving
}

/// Those recused (jäv) from `item` by `now` (participant indexes).
pub fn recused(
    meeting: &Meeting,
    events: &[Event],
    item: &str,
    now: DateTime<Utc>,
) -> HashSet<usize> {
    let names = Names::new(meeting);
    events
        .iter()
        .filter(|e| e.instant() <= now)
        .filter_map(|e| match &e.kind {
            EventKind::Recused { person, item: of } if of == item => names.find(person),
            _ => None,
        })
        .collect()
}

/// The quorum at `now` while `item` runs (`None` between items); `None`
/// when the meeting has no members.
pub fn quorum(
    meeting: &Meeting,
    events: &[Event],
    item: Option<&str>,
    now: DateTime<Utc>,
) -> Option<Quorum> {
    let members: Vec<usize> = meeting
        .called()
        .filter(|(_, p)| p.seat == Some(Seat::Member))
        .map(|(i, _)| i)
        .collect();
    if members.is_empty() {
        return None;
    }
    let names = Names::new(meeting);
    let people = presence(
        &names,
        meeting.participants.len(),
        &without_withdrawn(events),
        now,
    );
    let out = item.map_or_else(HashSet::new, |item| recused(meeting, events, item, now));
    let here = |i: usize| people[i].present && !out.contains(&i);
    let mut present = members.iter().filter(|&&m| here(m)).count();
    let mut covered = HashSet::new();
    for (deputy, member) in serving(meeting, events, now) {
        let for_a_member = members.contains(&member);
        if for_a_member && here(deputy) && !here(member) && covered.insert(member) {
            present += 1;
        }
    }
    let needed = members.len() / 2 + 1;
    Some(Quorum {
        members: members.len(),
        present,
        needed,
        met: present >= needed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::time::{DEFAULT_TIME_ZONE, parse_moment};
    use crate::model::{Category, Source};

    /// The SRO meeting with its first nine politicians as members and the
    /// next two as deputies.
    fn committee() -> Meeting {
        let mut m =
            crate::kallelse::import_bytes(motesskylt_testkit::SRO_NOTICE.as_bytes()).unwrap();
        let politicians: Vec<usize> = m
            .called()
            .filter(|(_, p)| p.category == Category::Politician)
            .map(|(i, _)| i)
            .collect();
        for (n, &i) in politicians.iter().enumerate() {
            m.participants[i].seat = match n {
                0..=8 => Some(Seat::Member),
                9..=10 => Some(Seat::Deputy),
                _ => None,
            };
        }
        m
    }

    fn at(m: &Meeting, hhmm: &str) -> DateTime<Utc> {
        parse_moment(hhmm, m.date, DEFAULT_TIME_ZONE).unwrap()
    }

    fn event(m: &Meeting, hhmm: &str, kind: EventKind) -> Event {
        Event::new(at(m, hhmm), DEFAULT_TIME_ZONE, kind)
    }

    fn seated(m: &Meeting, seat: Seat) -> Vec<String> {
        m.participants
            .iter()
            .filter(|p| p.seat == Some(seat))
            .map(|p| p.name.clone())
            .collect()
    }

    fn check_in(m: &Meeting, hhmm: &str, who: &str) -> Event {
        event(
            m,
            hhmm,
            EventKind::CheckedIn {
                person: who.into(),
                source: Source::Nfc,
                substitute_for: None,
                correction: None,
            },
        )
    }

    #[test]
    fn quorum_counts_members_present_recusals_and_serving_deputies() {
        let m = committee();
        let members = seated(&m, Seat::Member);
        let deputies = seated(&m, Seat::Deputy);
        assert_eq!((members.len(), deputies.len()), (9, 2));
        let mut log: Vec<Event> = members[..5]
            .iter()
            .map(|p| check_in(&m, "12:55", p))
            .collect();
        let q = |log: &[Event], item: Option<&str>, hhmm: &str| {
            quorum(&m, log, item, at(&m, hhmm)).unwrap()
        };
        assert_eq!(
            q(&log, Some("4"), "13:10"),
            Quorum {
                members: 9,
                present: 5,
                needed: 5,
                met: true
            }
        );
        // Recused from item 4: out of it, back for item 5.
        log.push(event(
            &m,
            "13:06",
            EventKind::Recused {
                person: members[0].clone(),
                item: "4".into(),
            },
        ));
        assert_eq!(q(&log, Some("4"), "13:10").present, 4);
        assert!(!q(&log, Some("4"), "13:10").met);
        assert_eq!(q(&log, Some("5"), "13:30").present, 5);
        // A deputy serving for an absent member counts; for one present not.
        log.push(check_in(&m, "13:00", &deputies[0]));
        log.push(event(
            &m,
            "13:07",
            EventKind::SubstituteStarted {
                person: deputies[0].clone(),
                member: members[8].clone(),
            },
        ));
        assert_eq!(q(&log, Some("4"), "13:10").present, 5);
        log.push(check_in(&m, "13:20", &members[8]));
        assert_eq!(
            q(&log, Some("5"), "13:30").present,
            6,
            "six members, the deputy no longer counts"
        );
        log.push(event(
            &m,
            "13:31",
            EventKind::SubstituteEnded {
                person: deputies[0].clone(),
            },
        ));
        assert!(serving(&m, &log, at(&m, "13:32")).is_empty());
        // No members: no quorum.
        let mut plain = committee();
        for p in &mut plain.participants {
            p.seat = None;
        }
        assert_eq!(quorum(&plain, &log, None, at(&m, "13:10")), None);
    }

    /// Quorum over any sequence of check-ins, check-outs, swaps and
    /// recusals equals a count made person by person.
    #[test]
    fn quorum_equals_a_count_made_person_by_person() {
        let m = committee();
        let members = seated(&m, Seat::Member);
        let deputies = seated(&m, Seat::Deputy);
        let people: Vec<String> = members.iter().chain(&deputies).cloned().collect();
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        for _ in 0..300 {
            let mut log = Vec::new();
            for minute in 0..(5 + next(25)) {
                let hhmm = format!("13:{:02}", minute + 1);
                let who = people[next(people.len())].clone();
                let kind = match next(5) {
                    0 | 1 => EventKind::CheckedIn {
                        person: who,
                        source: Source::Nfc,
                        substitute_for: None,
                        correction: None,
                    },
                    2 => EventKind::CheckedOut {
                        person: who,
                        source: Source::Nfc,
                        correction: None,
                    },
                    3 => EventKind::SubstituteStarted {
                        person: deputies[next(2)].clone(),
                        member: members[next(9)].clone(),
                    },
                    _ => EventKind::Recused {
                        person: who,
                        item: "4".into(),
                    },
                };
                log.push(event(&m, &hhmm, kind));
            }
            let now = at(&m, "13:40");
            let counted = quorum(&m, &log, Some("4"), now).unwrap();
            // Person by person: the last of their own check-ins and
            // check-outs, their own recusal, the last start of each deputy.
            let is_in = |name: &str| {
                log.iter()
                    .filter_map(|e| match &e.kind {
                        EventKind::CheckedIn { person, .. } if person == name => Some(true),
                        EventKind::CheckedOut { person, .. } if person == name => Some(false),
                        _ => None,
                    })
                    .next_back()
                    .unwrap_or(false)
                    && !log.iter().any(
                        |e| matches!(&e.kind, EventKind::Recused { person, .. } if person == name),
                    )
            };
            let mut present = members.iter().filter(|p| is_in(p)).count();
            let mut stood_in_for = Vec::new();
            for deputy in &deputies {
                let member = log
                    .iter()
                    .filter_map(|e| match &e.kind {
                        EventKind::SubstituteStarted { person, member } if person == deputy => {
                            Some(member.clone())
                        }
                        _ => None,
                    })
                    .next_back();
                if let Some(member) = member
                    && is_in(deputy)
                    && !is_in(&member)
                    && !stood_in_for.contains(&member)
                {
                    stood_in_for.push(member);
                    present += 1;
                }
            }
            assert_eq!(counted.present, present, "{log:#?}");
            assert_eq!(counted.met, present >= 5);
        }
    }
}
