//! Who was there when: each participant's in/out intervals, the items they
//! were present for, how they checked in and whether the secretary
//! corrected it; and their formal part (issue 20): their seat, whom they
//! served for as a deputy and from when, the items they were recused
//! from, and whether they took part remotely, by the rules the minutes'
//! paragraph ([`paragraph`]) follows.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::agenda::AgendaRow;
use motesskylt_core::attendance::quorum::{ItemSpan, Service, recused, served, services};
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
/// answer between the meeting's start and end (see [`served_for`]); the
/// recusals are
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
    let mut serving = served_for(meeting, events, tz, start, end);
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

/// Whom each participant served for as a deputy while the meeting was
/// held, from `started` to `until` (its actual bounds), indexed like
/// `meeting.participants`: each member (participant index) with when
/// that service took effect (between items), in order.
///
/// Who served, and the first member each served for, is [`served`]'s
/// answer, as the minutes' "Tjänstgörande ersättare" give it; each
/// member is one of [`services`] (the same swaps, taking effect by the
/// same rule) that [`served`] counts: in force at some moment of the
/// meeting. A deputy asked again to serve the member they already serve
/// keeps one stretch.
pub fn served_for(
    meeting: &Meeting,
    events: &[Event],
    tz: Tz,
    started: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Vec<Vec<(usize, DateTime<Utc>)>> {
    let spans = spans(meeting, events, tz);
    let served = served(meeting, events, &spans, started, until);
    // Per participant: their stretches of service.
    let mut stretches: Vec<Vec<Service>> = vec![Vec::new(); meeting.participants.len()];
    for service in services(meeting, events, &spans) {
        if !service.within(started, until) || !served.iter().any(|(d, _)| *d == service.deputy) {
            continue;
        }
        let Some(stretch) = stretches.get_mut(service.deputy) else {
            continue;
        };
        match stretch.last_mut() {
            Some(last) if last.member == service.member && last.to == Some(service.from) => {
                last.to = service.to;
            }
            _ => stretch.push(service),
        }
    }
    stretches
        .into_iter()
        .enumerate()
        .map(|(deputy, stretch)| {
            // The same services by the same test: the first member is
            // the minutes' one.
            debug_assert_eq!(
                stretch.first().map(|s| s.member),
                served.iter().find(|(d, _)| *d == deputy).map(|(_, m)| *m)
            );
            stretch.into_iter().map(|s| (s.member, s.from)).collect()
        })
        .collect()
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
