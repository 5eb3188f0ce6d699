//! Who was there when: each participant's in/out intervals, the items they
//! were present for, how they checked in and whether the secretary
//! corrected it.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::agenda::AgendaRow;
use motesskylt_core::attendance::{AtMeeting, Names, at_meeting};
use motesskylt_core::minutes::actual_bounds;
pub use motesskylt_core::minutes::paragraph;
use motesskylt_core::model::time::{clock_sv, local_time};
use motesskylt_core::model::{Category, Event, EventKind, Meeting, Participant, Source};

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
}

/// The attendance of every participant, in the notice's order. `agenda`
/// gives the items' times (see [`super::agenda::agenda`]); a stay still
/// open counts to the end of the log. Stays follow the door's and the
/// minutes' rule ([`motesskylt_core::attendance::stays`]: time order, ties in the
/// log's order), and whether someone was at the meeting the minutes' rule
/// ([`motesskylt_core::attendance::at_meeting`] between
/// [`motesskylt_core::minutes::actual_bounds`]).
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
    for row in &mut rows {
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
