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

/// A stretch in which an agenda item (not a break) ran: from when, until
/// when (`None`: it still runs). Made by the schedule engine
/// ([`crate::progress::item_spans`]).
pub type ItemSpan = (DateTime<Utc>, Option<DateTime<Utc>>);

/// When a change of who serves, asked for at `at`, takes effect: a deputy
/// takes over or hands back only between items, so at once when no item
/// runs at `at` (before the start, in a break, after the end, or at the
/// very moment an item begins), otherwise when the running item's
/// stretch ends (`None` while it still runs).
pub fn takes_effect(items: &[ItemSpan], at: DateTime<Utc>) -> Option<DateTime<Utc>> {
    match items
        .iter()
        .find(|(from, to)| *from < at && to.is_none_or(|to| at < to))
    {
        Some((_, to)) => *to,
        None => Some(at),
    }
}

/// One change of who serves, as asked for and as it takes effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Swap {
    asked: DateTime<Utc>,
    effective: Option<DateTime<Utc>>,
    deputy: usize,
    /// The member served for; `None`: the deputy stops serving.
    member: Option<usize>,
}

/// Every `substitute_started`/`substitute_ended` naming participants, in
/// the order they take effect (ties: as asked, then as logged).
fn swaps(meeting: &Meeting, events: &[Event], items: &[ItemSpan]) -> Vec<Swap> {
    let names = Names::new(meeting);
    let mut swaps: Vec<(Swap, usize)> = events
        .iter()
        .enumerate()
        .filter_map(|(order, e)| {
            let seated = |i: usize, seat: Seat| meeting.participants[i].seat == Some(seat);
            // Only a deputy serves, and only for a member: anything else
            // (a log from elsewhere, a guest named as a deputy) counts
            // for nothing.
            let (deputy, member) = match &e.kind {
                EventKind::SubstituteStarted { person, member } => {
                    let (deputy, member) = (names.find(person)?, names.find(member)?);
                    (seated(deputy, Seat::Deputy) && seated(member, Seat::Member))
                        .then_some((deputy, Some(member)))?
                }
                EventKind::SubstituteEnded { person } => (names.find(person)?, None),
                _ => return None,
            };
            let asked = e.instant();
            let swap = Swap {
                asked,
                effective: takes_effect(items, asked),
                deputy,
                member,
            };
            Some((swap, order))
        })
        .collect();
    swaps.sort_by_key(|(s, order)| (s.effective.is_none(), s.effective, s.asked, *order));
    swaps.into_iter().map(|(s, _)| s).collect()
}

/// Folds swaps into (deputy, member) pairs in the order they began.
fn fold_swaps<'a>(swaps: impl Iterator<Item = &'a Swap>) -> Vec<(usize, usize)> {
    let mut serving: Vec<(usize, usize)> = Vec::new();
    for swap in swaps {
        serving.retain(|(d, _)| *d != swap.deputy);
        if let Some(member) = swap.member {
            serving.push((swap.deputy, member));
        }
    }
    serving
}

impl Quorum {
    /// The line the screens and pages show: "Beslutsför: 8 av 9 ledamöter
    /// (minst 5)", or "Inte beslutsför: …" when not met.
    pub fn said(&self, lang: crate::model::time::Lang) -> String {
        use crate::model::time::Lang;
        let Quorum {
            members,
            present,
            needed,
            met,
        } = *self;
        match (lang, met) {
            (Lang::Sv, true) => {
                format!("Beslutsför: {present} av {members} ledamöter (minst {needed})")
            }
            (Lang::Sv, false) => {
                format!("Inte beslutsför: {present} av {members} ledamöter (minst {needed})")
            }
            (Lang::En, true) => {
                format!("Quorum: {present} of {members} members (at least {needed})")
            }
            (Lang::En, false) => {
                format!("No quorum: {present} of {members} members (at least {needed})")
            }
        }
    }
}

/// The deputies serving at `now`, each with the member they serve for
/// (participant indexes), in the order they began: from their
/// `substitute_started` until their `substitute_ended`, each taking
/// effect between items ([`takes_effect`]).
pub fn serving(
    meeting: &Meeting,
    events: &[Event],
    items: &[ItemSpan],
    now: DateTime<Utc>,
) -> Vec<(usize, usize)> {
    let all = swaps(meeting, events, items);
    fold_swaps(
        all.iter()
            .filter(|s| s.effective.is_some_and(|at| at <= now)),
    )
}

/// Who will serve once every change asked for by `now` has taken effect:
/// [`serving`] with the changes still waiting for the running item to end.
pub fn serving_as_asked(
    meeting: &Meeting,
    events: &[Event],
    items: &[ItemSpan],
    now: DateTime<Utc>,
) -> Vec<(usize, usize)> {
    let all = swaps(meeting, events, items);
    fold_swaps(all.iter().filter(|s| s.asked <= now))
}

/// One deputy's service for one member: from when it took effect until
/// it ended (`None`: not by the end of the log).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Service {
    /// The deputy (participant index).
    pub deputy: usize,
    /// The member served for (participant index).
    pub member: usize,
    /// When it took effect.
    pub from: DateTime<Utc>,
    /// When it ended.
    pub to: Option<DateTime<Utc>>,
}

impl Service {
    /// Whether it was in force at some moment from `started` to `until`
    /// (a meeting's held bounds; still in force at the end of the log
    /// counts until `until`).
    pub fn within(&self, started: DateTime<Utc>, until: DateTime<Utc>) -> bool {
        let to = self.to.unwrap_or(until);
        self.from < until && to > started && self.from < to
    }
}

/// Every service the log gives, in the order they began, as the swaps
/// take effect between items; a swap taken back before it took effect
/// (both taking effect at once) gives none.
pub fn services(meeting: &Meeting, events: &[Event], items: &[ItemSpan]) -> Vec<Service> {
    let mut done: Vec<Service> = Vec::new();
    let mut current: Vec<Service> = Vec::new();
    for swap in swaps(meeting, events, items) {
        let Some(at) = swap.effective else { break };
        if let Some(place) = current.iter().position(|s| s.deputy == swap.deputy) {
            let ended = Service {
                to: Some(at),
                ..current.remove(place)
            };
            if ended.from < at {
                done.push(ended);
            }
        }
        if let Some(member) = swap.member {
            current.push(Service {
                deputy: swap.deputy,
                member,
                from: at,
                to: None,
            });
        }
    }
    done.extend(current);
    done.sort_by_key(|s| (s.from, s.deputy));
    done
}

/// Every deputy who served while the meeting was held, from `started`
/// to `until` (a swap taken back before it took effect, or in force only
/// outside the meeting, served nobody), with the first member they served
/// for, in the order of the notice (for the minutes and the exports).
pub fn served(
    meeting: &Meeting,
    events: &[Event],
    items: &[ItemSpan],
    started: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Vec<(usize, usize)> {
    let mut first: Vec<(usize, usize)> = Vec::new();
    for s in services(meeting, events, items) {
        if s.within(started, until) && !first.iter().any(|(d, _)| *d == s.deputy) {
            first.push((s.deputy, s.member));
        }
    }
    first.sort_by_key(|(deputy, _)| *deputy);
    first
}

/// The quorum the next item would start with if it began at `now`: the
/// running item ends now, so the changes of who serves waiting for it
/// take effect, and those recused from `next` are out.
pub fn before_next(
    meeting: &Meeting,
    events: &[Event],
    items: &[ItemSpan],
    next: &str,
    now: DateTime<Utc>,
) -> Option<Quorum> {
    let closed: Vec<ItemSpan> = items
        .iter()
        .map(|(from, to)| (*from, Some(to.unwrap_or(now))))
        .collect();
    quorum(meeting, events, &closed, Some(next), now)
}

/// A change of who serves that the rules point to, for the secretary to
/// confirm with one tap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Proposal {
    /// `deputy` (present, not serving) to serve for the absent `member`.
    Serve {
        /// The deputy (participant index).
        deputy: usize,
        /// The member (participant index).
        member: usize,
    },
    /// `member` has come: `deputy` hands back.
    HandBack {
        /// The deputy (participant index).
        deputy: usize,
        /// The member (participant index).
        member: usize,
    },
}

/// The changes of who serves the rules point to at `now`: for each member
/// who is absent (regrets in the notice, or not in once the meeting has
/// `started`) and has nobody serving, a present deputy who serves for
/// nobody: the one the notice names for that member first, then one of
/// the same party, then any, each in the notice's order; and for each
/// member who has come while a deputy serves for them, the hand-back.
/// Changes already asked for and waiting for the item to end count as
/// made.
pub fn proposals(
    meeting: &Meeting,
    events: &[Event],
    items: &[ItemSpan],
    started: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Vec<Proposal> {
    let names = Names::new(meeting);
    let people = presence(
        &names,
        meeting.participants.len(),
        &without_withdrawn(events),
        now,
    );
    let asked = serving_as_asked(meeting, events, items, now);
    let mut out = Vec::new();
    for &(deputy, member) in &asked {
        if people[member].present {
            out.push(Proposal::HandBack { deputy, member });
        }
    }
    let started = started.is_some_and(|at| at <= now);
    let absent: Vec<usize> = meeting
        .called()
        .filter(|(i, p)| {
            p.seat == Some(Seat::Member)
                && !people[*i].present
                && (p.notified_absence || started)
                && !asked.iter().any(|(_, m)| m == i)
        })
        .map(|(i, _)| i)
        .collect();
    let mut free: Vec<usize> = meeting
        .called()
        .filter(|(i, p)| {
            p.seat == Some(Seat::Deputy) && people[*i].present && !asked.iter().any(|(d, _)| d == i)
        })
        .map(|(i, _)| i)
        .collect();
    let party = |i: usize| meeting.participants[i].party.as_deref();
    let named_for = |deputy: usize, member: usize| {
        meeting.participants[deputy]
            .substitute_for
            .as_deref()
            .and_then(|name| names.find(name))
            == Some(member)
    };
    // Named deputies first for every member, then by party, then any.
    let rules: [&dyn Fn(usize, usize) -> bool; 3] = [
        &named_for,
        &|d, m| party(m).is_some() && party(d) == party(m),
        &|_, _| true,
    ];
    let mut chosen: Vec<(usize, usize)> = Vec::new();
    for rule in rules {
        for &member in &absent {
            if chosen.iter().any(|(_, m)| *m == member) {
                continue;
            }
            if let Some(at) = free.iter().position(|&d| rule(d, member)) {
                chosen.push((free.remove(at), member));
            }
        }
    }
    chosen.sort_by_key(|(_, member)| *member);
    out.extend(
        chosen
            .into_iter()
            .map(|(deputy, member)| Proposal::Serve { deputy, member }),
    );
    out
}

/// Those recused (jäv) from `item` by `now` (participant indexes); a
/// recusal taken back ([`EventKind::CorrectionWithdrawn`]) does not count.
pub fn recused(
    meeting: &Meeting,
    events: &[Event],
    item: &str,
    now: DateTime<Utc>,
) -> HashSet<usize> {
    let names = Names::new(meeting);
    without_withdrawn(events)
        .iter()
        .filter(|e| e.instant() <= now)
        .filter_map(|e| match &e.kind {
            EventKind::Recused { person, item: of } if of == item => names.find(person),
            _ => None,
        })
        .collect()
}

/// The quorum at `now` while `item` runs (`None` between items), the
/// meeting's item stretches so far in `items`; `None` when the meeting has
/// no members.
pub fn quorum(
    meeting: &Meeting,
    events: &[Event],
    items: &[ItemSpan],
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
    for (deputy, member) in serving(meeting, events, items, now) {
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
                remote: false,
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
            quorum(&m, log, &[], item, at(&m, hhmm)).unwrap()
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
        // Taken back by the secretary: in item 4's count again.
        let mut taken_back = log.clone();
        let withdrawal = crate::attendance::formal::recusal_withdrawn(
            &log,
            &members[0],
            "4",
            "anna",
            "fel person",
        )
        .unwrap();
        taken_back.push(event(&m, "13:08", withdrawal));
        assert_eq!(q(&taken_back, Some("4"), "13:10").present, 5);
        assert!(recused(&m, &taken_back, "4", at(&m, "13:10")).is_empty());
        // Out of item 5 too at the very same moment: taking back item 4
        // leaves item 5's recusal standing.
        let mut both = log.clone();
        both.push(event(
            &m,
            "13:06",
            EventKind::Recused {
                person: members[0].clone(),
                item: "5".into(),
            },
        ));
        let only_4 = crate::attendance::formal::recusal_withdrawn(
            &both,
            &members[0],
            "4",
            "anna",
            "fel punkt",
        )
        .unwrap();
        both.push(event(&m, "13:08", only_4));
        assert!(recused(&m, &both, "4", at(&m, "13:10")).is_empty());
        assert_eq!(recused(&m, &both, "5", at(&m, "13:30")).len(), 1);
        assert_eq!(
            crate::attendance::formal::recusal_withdrawn(
                &taken_back,
                &members[0],
                "4",
                "anna",
                "x"
            ),
            Err(crate::attendance::formal::Refusal::NotRecused(
                members[0].clone(),
                "4".into()
            ))
        );
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
        assert!(serving(&m, &log, &[], at(&m, "13:32")).is_empty());
        // No members: no quorum.
        let mut plain = committee();
        for p in &mut plain.participants {
            p.seat = None;
        }
        assert_eq!(quorum(&plain, &log, &[], None, at(&m, "13:10")), None);
    }

    /// Quorum over any sequence of check-ins, check-outs, swaps and
    /// recusals equals a count made person by person, a swap asked for
    /// during an item taking effect when the next one starts.
    #[test]
    fn quorum_equals_a_count_made_person_by_person() {
        let m = committee();
        let members = seated(&m, Seat::Member);
        let deputies = seated(&m, Seat::Deputy);
        let people: Vec<String> = members.iter().chain(&deputies).cloned().collect();
        // Items at 13.00–13.15, 13.15–13.30 and from 13.30 (still running).
        let items = [
            (at(&m, "13:00"), Some(at(&m, "13:15"))),
            (at(&m, "13:15"), Some(at(&m, "13:30"))),
            (at(&m, "13:30"), None),
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        for _ in 0..300 {
            let mut log = Vec::new();
            let mut minutes = Vec::new();
            for minute in 0..(5 + next(35) as u32) {
                let hhmm = format!("13:{minute:02}");
                let who = people[next(people.len())].clone();
                let kind = match next(6) {
                    0 | 1 => EventKind::CheckedIn {
                        person: who,
                        source: Source::Nfc,
                        substitute_for: None,
                        correction: None,
                        remote: next(2) == 0,
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
                    4 => EventKind::SubstituteEnded {
                        person: deputies[next(2)].clone(),
                    },
                    _ => EventKind::Recused {
                        person: who,
                        item: "4".into(),
                    },
                };
                log.push(event(&m, &hhmm, kind));
                minutes.push(minute);
            }
            let now = at(&m, "13:40");
            let counted = quorum(&m, &log, &items, Some("4"), now).unwrap();
            // Person by person: the last of their own check-ins and
            // check-outs, their own recusal, each deputy's last swap that
            // has taken effect (asked at an item's first minute: at once;
            // during the first two items: when the next starts; during
            // the third: not yet).
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
            let effective = |minute: u32| match minute {
                0 | 15 | 30 => Some(minute),
                1..=14 => Some(15),
                16..=29 => Some(30),
                _ => None,
            };
            let mut present = members.iter().filter(|p| is_in(p)).count();
            let mut stood_in_for = Vec::new();
            for deputy in &deputies {
                let member = log
                    .iter()
                    .zip(&minutes)
                    .enumerate()
                    .filter_map(|(order, (e, &minute))| {
                        let member = match &e.kind {
                            EventKind::SubstituteStarted { person, member } if person == deputy => {
                                Some(member.clone())
                            }
                            EventKind::SubstituteEnded { person } if person == deputy => None,
                            _ => return None,
                        };
                        Some(((effective(minute)?, minute, order), member))
                    })
                    .max_by_key(|(key, _)| *key)
                    .and_then(|(_, member)| member);
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

    /// A deputy asked for during an item serves from the next item; one
    /// asked for between items at once; a member who comes back takes
    /// over at the next item too.
    #[test]
    fn a_swap_asked_for_during_an_item_takes_effect_at_the_next() {
        let m = committee();
        let members = seated(&m, Seat::Member);
        let deputies = seated(&m, Seat::Deputy);
        let items = [
            (at(&m, "13:00"), Some(at(&m, "13:15"))),
            (at(&m, "13:20"), None),
        ];
        assert_eq!(takes_effect(&items, at(&m, "13:05")), Some(at(&m, "13:15")));
        assert_eq!(takes_effect(&items, at(&m, "13:17")), Some(at(&m, "13:17")));
        assert_eq!(takes_effect(&items, at(&m, "13:25")), None);
        let member = m
            .participants
            .iter()
            .position(|p| p.name == members[2])
            .unwrap();
        let deputy = m
            .participants
            .iter()
            .position(|p| p.name == deputies[0])
            .unwrap();
        let mut log = vec![
            check_in(&m, "12:55", &deputies[0]),
            event(
                &m,
                "13:05",
                EventKind::SubstituteStarted {
                    person: deputies[0].clone(),
                    member: members[2].clone(),
                },
            ),
        ];
        assert!(serving(&m, &log, &items, at(&m, "13:10")).is_empty());
        assert_eq!(
            serving_as_asked(&m, &log, &items, at(&m, "13:10")),
            vec![(deputy, member)]
        );
        assert_eq!(
            serving(&m, &log, &items, at(&m, "13:15")),
            vec![(deputy, member)]
        );
        // The member comes during the second item; the hand-back waits.
        log.push(check_in(&m, "13:21", &members[2]));
        log.push(event(
            &m,
            "13:22",
            EventKind::SubstituteEnded {
                person: deputies[0].clone(),
            },
        ));
        assert_eq!(
            serving(&m, &log, &items, at(&m, "13:30")),
            vec![(deputy, member)]
        );
        let ended = [items[0], (at(&m, "13:20"), Some(at(&m, "13:40")))];
        assert!(serving(&m, &log, &ended, at(&m, "13:40")).is_empty());
        assert_eq!(
            services(&m, &log, &ended),
            vec![Service {
                deputy,
                member,
                from: at(&m, "13:15"),
                to: Some(at(&m, "13:40"))
            }]
        );
        assert_eq!(
            served(&m, &log, &ended, at(&m, "13:00"), at(&m, "13:50")),
            vec![(deputy, member)]
        );
        // Asked for and taken back during the same item: never served.
        let taken_back = vec![
            log[1].clone(),
            event(
                &m,
                "13:08",
                EventKind::SubstituteEnded {
                    person: deputies[0].clone(),
                },
            ),
        ];
        assert!(services(&m, &taken_back, &ended).is_empty());
        assert!(served(&m, &taken_back, &ended, at(&m, "13:00"), at(&m, "13:50")).is_empty());
        // In force only before the meeting's start: not in the minutes.
        assert!(served(&m, &log, &ended, at(&m, "13:45"), at(&m, "13:50")).is_empty());
        // Only a deputy serves, and only for a member.
        let guest = m
            .participants
            .iter()
            .position(|p| p.seat.is_none())
            .unwrap();
        let by_a_guest = vec![event(
            &m,
            "13:17",
            EventKind::SubstituteStarted {
                person: m.participants[guest].name.clone(),
                member: members[2].clone(),
            },
        )];
        assert!(serving(&m, &by_a_guest, &items, at(&m, "13:18")).is_empty());
    }

    /// The proposals: the named deputy first, then the same party, then
    /// anyone; none before the start but for regrets; the hand-back when
    /// the member comes.
    #[test]
    fn proposals_follow_the_named_deputy_then_the_party() {
        let mut m = committee();
        let index =
            |m: &Meeting, name: &str| m.participants.iter().position(|p| p.name == name).unwrap();
        let members = seated(&m, Seat::Member);
        let deputies = seated(&m, Seat::Deputy);
        let (d0, d1) = (index(&m, &deputies[0]), index(&m, &deputies[1]));
        let (m0, m1, m2) = (
            index(&m, &members[0]),
            index(&m, &members[1]),
            index(&m, &members[2]),
        );
        for p in &mut m.participants {
            p.party = None;
        }
        m.participants[m1].notified_absence = true;
        m.participants[m2].party = Some("Gröna".into());
        m.participants[d0].party = Some("Gröna".into());
        m.participants[d1].substitute_for = Some(members[1].clone());
        let mut log: Vec<Event> = members[3..]
            .iter()
            .chain(&deputies)
            .map(|p| check_in(&m, "12:50", p))
            .collect();
        let start = at(&m, "13:00");
        // Before the start: only the member who sent regrets.
        assert_eq!(
            proposals(&m, &log, &[], Some(start), at(&m, "12:55")),
            vec![Proposal::Serve {
                deputy: d1,
                member: m1
            }]
        );
        // From the start, everyone not in: the named deputy for m1, the
        // same party for m2, nobody left for m0.
        assert_eq!(
            proposals(&m, &log, &[], Some(start), at(&m, "13:01")),
            vec![
                Proposal::Serve {
                    deputy: d1,
                    member: m1
                },
                Proposal::Serve {
                    deputy: d0,
                    member: m2
                },
            ]
        );
        // Confirmed (waiting for the item to end): no longer proposed;
        // the member comes: hand back.
        log.push(event(
            &m,
            "13:02",
            EventKind::SubstituteStarted {
                person: deputies[1].clone(),
                member: members[1].clone(),
            },
        ));
        let items = [(start, None)];
        assert_eq!(
            proposals(&m, &log, &items, Some(start), at(&m, "13:03")),
            vec![Proposal::Serve {
                deputy: d0,
                member: m2
            }]
        );
        log.push(check_in(&m, "13:04", &members[1]));
        assert_eq!(
            proposals(&m, &log, &items, Some(start), at(&m, "13:05"))[0],
            Proposal::HandBack {
                deputy: d1,
                member: m1
            }
        );
        // Without a named deputy or one of the party, anyone free.
        log.push(check_in(&m, "13:06", &members[2]));
        assert!(
            proposals(&m, &log, &items, Some(start), at(&m, "13:07")).contains(&Proposal::Serve {
                deputy: d0,
                member: m0
            })
        );
    }
}
