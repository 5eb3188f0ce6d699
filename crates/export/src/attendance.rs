//! Who was there when: each participant's in/out intervals, the items they
//! were present for, how they checked in and whether the secretary
//! corrected it; and their formal part (issue 20): their seat, whom they
//! served for as a deputy and from when, the items they were recused
//! from, and whether they took part remotely, by the rules the minutes'
//! paragraph ([`paragraph`]) follows.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::agenda::AgendaRow;
use motesskylt_core::attendance::quorum::{ItemSpan, recused, served, takes_effect};
use motesskylt_core::attendance::{AtMeeting, Names, Stay, at_meeting, marked_stays};
use motesskylt_core::minutes::actual_bounds;
pub use motesskylt_core::minutes::paragraph;
use motesskylt_core::model::time::{clock_sv, local_time};
use motesskylt_core::model::{Category, Event, EventKind, Meeting, Participant, Seat, Source};
use motesskylt_core::progress::{Schedule, item_spans, record, with_plan};

/// One participant's attendance.
#[derive(Debug, Clone, PartialEq)]
pub struct AttendanceRow<'a> {
    /// The participant as in the notice.
    pub participant: &'a Participant,
    /// Every stay: checked in, and checked out (`None`: still in).
    pub intervals: Vec<(DateTime<Utc>, Option<DateTime<Utc>>)>,
    /// The numbers of the items held while they were in.
    pub items: Vec<String>,
    /// How they checked in and out, in order of first use.
    pub sources: Vec<Source>,
    /// The secretary made or corrected an entry.
    pub corrected: bool,
    /// Their part in the meeting by the minutes' rules: `None` when they
    /// were not present at any moment between its start and its end
    /// (stays before the start or after the end do not count).
    pub at_meeting: Option<AtMeeting>,
    /// For a deputy who served (tjänstgörande ersättare, as the minutes
    /// name them): each member they served for and when that took effect
    /// (between items), in order; a deputy who handed back and served
    /// the same member again has the member twice. Empty for everyone
    /// who did not serve.
    pub served_for: Vec<(&'a Participant, DateTime<Utc>)>,
    /// The numbers of the items they were recused from (jäv) by the
    /// meeting's end, in the agenda's order.
    pub recused: Vec<String>,
    /// They took part remotely (distansdeltagande) at some moment of the
    /// meeting, as the minutes' "Deltar på distans" counts it.
    pub remote: bool,
}

impl AttendanceRow<'_> {
    /// First check-in.
    pub fn first_in(&self) -> Option<DateTime<Utc>> {
        self.intervals.first().map(|(start, _)| *start)
    }

    /// Last check-out, when they are out at the end.
    pub fn last_out(&self) -> Option<DateTime<Utc>> {
        self.intervals.last().and_then(|(_, end)| *end)
    }

    /// "12.50–14.15, 14.40–" in local time.
    pub fn intervals_sv(&self, tz: Tz) -> String {
        let clock = |t: DateTime<Utc>| clock_sv(local_time(t, tz).time());
        self.intervals
            .iter()
            .map(|(start, end)| format!("{}–{}", clock(*start), end.map(clock).unwrap_or_default()))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// "punkt 1–7, 9".
    pub fn items_sv(&self, agenda: &[AgendaRow]) -> String {
        let numbers: Vec<&str> = agenda.iter().filter_map(|r| r.number.as_deref()).collect();
        let mut runs: Vec<(usize, usize)> = Vec::new();
        for item in &self.items {
            let Some(index) = numbers.iter().position(|n| n == item) else {
                continue;
            };
            match runs.last_mut() {
                Some((_, end)) if *end + 1 == index => *end = index,
                _ => runs.push((index, index)),
            }
        }
        if runs.is_empty() {
            return String::new();
        }
        let text: Vec<String> = runs
            .iter()
            .map(|&(a, b)| {
                if a == b {
                    numbers[a].to_string()
                } else {
                    format!("{}–{}", numbers[a], numbers[b])
                }
            })
            .collect();
        format!("punkt {}", text.join(", "))
    }

    /// "Bo Ek från 09.05, Eva Grön från 10.25" in local time: whom they
    /// served for and from when; empty when they did not serve.
    pub fn served_for_sv(&self, tz: Tz) -> String {
        self.served_for
            .iter()
            .map(|(member, from)| {
                format!(
                    "{} från {}",
                    member.name,
                    clock_sv(local_time(*from, tz).time())
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// "3, 5": the items they were recused from; empty when none.
    pub fn recused_sv(&self) -> String {
        self.recused.join(", ")
    }
}

/// The attendance of every participant, in the notice's order. `agenda`
/// gives the items' times (see [`super::agenda::agenda`]); a stay still
/// open counts to the end of the log. Stays follow the door's and the
/// minutes' rule ([`motesskylt_core::attendance::stays`]: time order, ties in the
/// log's order), and whether someone was at the meeting the minutes' rule
/// ([`motesskylt_core::attendance::at_meeting`] between
/// [`motesskylt_core::minutes::actual_bounds`]).
///
/// The formal part agrees with the minutes' paragraph ([`paragraph`]):
/// who served is [`motesskylt_core::attendance::quorum::served`]'s
/// answer (see [`served_for`]); the recusals are
/// [`motesskylt_core::attendance::quorum::recused`]'s by the meeting's
/// end; remote is a remote stay
/// ([`motesskylt_core::attendance::marked_stays`]) at the meeting.
pub fn attendance<'a>(
    meeting: &'a Meeting,
    events: &[Event],
    agenda: &[AgendaRow],
    tz: Tz,
) -> Vec<AttendanceRow<'a>> {
    let names = Names::new(meeting);
    let mut rows: Vec<AttendanceRow> = meeting
        .participants
        .iter()
        .map(|participant| AttendanceRow {
            participant,
            intervals: Vec::new(),
            items: Vec::new(),
            sources: Vec::new(),
            corrected: false,
            at_meeting: None,
            served_for: Vec::new(),
            recused: Vec::new(),
            remote: false,
        })
        .collect();
    let mut ordered: Vec<&Event> = events.iter().collect();
    ordered.sort_by_key(|e| e.instant());
    for event in ordered {
        let (person, source, arrives) = match &event.kind {
            EventKind::CheckedIn { person, source, .. } => (person, *source, true),
            EventKind::CheckedOut { person, source, .. } => (person, *source, false),
            _ => continue,
        };
        let Some(row) = names.find(person).and_then(|i| rows.get_mut(i)) else {
            continue;
        };
        let at = event.instant();
        let open = row.intervals.last().is_some_and(|(_, end)| end.is_none());
        match (arrives, open) {
            (true, false) => row.intervals.push((at, None)),
            (false, true) => {
                if let Some(last) = row.intervals.last_mut() {
                    last.1 = Some(at);
                }
            }
            // A check-in while in, or a check-out while out: nothing moves.
            _ => continue,
        }
        if !row.sources.contains(&source) {
            row.sources.push(source);
        }
        row.corrected |= source == Source::Secretary;
    }
    let (start, end) = actual_bounds(meeting, events, tz);
    let marked = marked_stays(&names, meeting.participants.len(), events);
    let mut serving = served_for(meeting, events, tz, end);
    let recusals: Vec<(&str, std::collections::HashSet<usize>)> = meeting
        .items
        .iter()
        .filter_map(|entry| entry.number.as_deref())
        .map(|item| (item, recused(meeting, events, item, end)))
        .collect();
    for (index, row) in rows.iter_mut().enumerate() {
        if let Some(served) = serving.get_mut(index) {
            row.served_for = std::mem::take(served)
                .into_iter()
                .filter_map(|(member, from)| Some((meeting.participants.get(member)?, from)))
                .collect();
        }
        row.recused = recusals
            .iter()
            .filter(|(_, out)| out.contains(&index))
            .map(|(item, _)| (*item).to_string())
            .collect();
        let from_afar: Vec<Stay> = marked
            .get(index)
            .into_iter()
            .flatten()
            .filter(|(_, remote)| *remote)
            .map(|(stay, _)| *stay)
            .collect();
        row.remote = at_meeting(&from_afar, start, end).is_some();
        row.at_meeting = at_meeting(&row.intervals, start, end);
        row.items = agenda
            .iter()
            .filter_map(|item| {
                let (start, end) = item.actual?;
                let number = item.number.clone()?;
                // An item passed over took no time: count a second of it,
                // so whoever was in at that moment was present for it.
                let present = row.intervals.iter().any(|(i, o)| {
                    *i < end.max(start + chrono::Duration::seconds(1))
                        && o.is_none_or(|o| o > start)
                });
                present.then_some(number)
            })
            .collect();
    }
    rows
}

/// The stretches in which an agenda item ran, as the minutes take them
/// for who served: the schedule engine's record of `events` (the plan
/// filling in while nobody drives the meeting).
fn spans(meeting: &Meeting, events: &[Event], tz: Tz) -> Vec<ItemSpan> {
    let schedule = Schedule::new(meeting, tz);
    let held = record(meeting, &schedule, &with_plan(&schedule, events)).held;
    item_spans(meeting, &held)
}

/// Whom each participant served for as a deputy before `until` (the
/// meeting's end), indexed like `meeting.participants`: each member
/// (participant index) with when it took effect.
///
/// Who served, and the first member each served for, is
/// [`served`]'s answer, as the minutes' "Tjänstgörande ersättare" give
/// it. The later members come from the same changes (every
/// `substitute_started` and `substitute_ended` naming participants, each
/// taking effect between items by [`takes_effect`], before `until`) in
/// the order [`served`] takes them (as they take effect, then as asked,
/// then as logged): a change to serve a member counts when the deputy was
/// not already serving that member.
pub fn served_for(
    meeting: &Meeting,
    events: &[Event],
    tz: Tz,
    until: DateTime<Utc>,
) -> Vec<Vec<(usize, DateTime<Utc>)>> {
    let spans = spans(meeting, events, tz);
    let names = Names::new(meeting);
    // (takes effect, asked, logged, deputy, member or none: hands back)
    let mut changes: Vec<(DateTime<Utc>, DateTime<Utc>, usize, usize, Option<usize>)> = events
        .iter()
        .enumerate()
        .filter_map(|(logged, event)| {
            let (deputy, member) = match &event.kind {
                EventKind::SubstituteStarted { person, member } => {
                    (names.find(person)?, Some(names.find(member)?))
                }
                EventKind::SubstituteEnded { person } => (names.find(person)?, None),
                _ => return None,
            };
            let asked = event.instant();
            let effective = takes_effect(&spans, asked).filter(|at| *at < until)?;
            Some((effective, asked, logged, deputy, member))
        })
        .collect();
    changes.sort_unstable_by_key(|&(effective, asked, logged, _, _)| (effective, asked, logged));
    let count = meeting.participants.len();
    let mut stretches: Vec<Vec<(usize, DateTime<Utc>)>> = vec![Vec::new(); count];
    let mut now_for: Vec<Option<usize>> = vec![None; count];
    for (effective, _, _, deputy, member) in changes {
        let (Some(stretch), Some(current)) = (stretches.get_mut(deputy), now_for.get_mut(deputy))
        else {
            continue;
        };
        if let Some(member) = member
            && *current != Some(member)
        {
            stretch.push((member, effective));
        }
        *current = member;
    }
    let served = served(meeting, events, &spans, until);
    for (deputy, stretch) in stretches.iter_mut().enumerate() {
        let first = served.iter().find(|(d, _)| *d == deputy).map(|(_, m)| *m);
        // The same changes in the same order: the first member is the
        // minutes' one, and nobody else served.
        debug_assert_eq!(stretch.first().map(|(m, _)| *m), first);
        if first.is_none() {
            stretch.clear();
        }
    }
    stretches
}

/// The seat as the minutes write it: "Ledamot", "Ersättare", or nothing.
pub fn seat_sv(seat: Option<Seat>) -> &'static str {
    match seat {
        Some(Seat::Member) => "Ledamot",
        Some(Seat::Deputy) => "Ersättare",
        None => "",
    }
}

/// The category as the minutes write it.
pub fn category_sv(category: Category) -> &'static str {
    match category {
        Category::Politician => "Politiker",
        Category::Official => "Tjänsteperson",
        Category::Adjunct => "Adjungerad",
        Category::Administration => "Administration",
        Category::Guest => "Inbjuden",
    }
}

/// How someone checked in, in words.
pub fn source_sv(source: Source) -> &'static str {
    match source {
        Source::Nfc => "kort",
        Source::Button => "knapp",
        Source::Touch => "skärm",
        Source::Secretary => "sekreterare",
        Source::Import => "import",
    }
}
