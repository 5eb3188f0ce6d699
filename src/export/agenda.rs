//! The agenda with planned and actual times, from the meeting's progress
//! events: an entry runs from when it was first started until the next
//! entry (or the end of the meeting) last took over. Items passed over are
//! done (as the schedule engine counts them), in no time, when the meeting
//! moved past them.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::model::time::{clock_sv, local_instant, local_time};
use crate::model::{EntryType, Event, EventKind, Meeting};
use crate::progress::is_progress;

/// One agenda entry with its times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgendaRow {
    /// The item's number; `None` for a break.
    pub number: Option<String>,
    /// The title ("Paus" for a break).
    pub title: String,
    /// Planned start and end.
    pub planned: (DateTime<Utc>, DateTime<Utc>),
    /// Actual start and end, when the entry was held.
    pub actual: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

impl AgendaRow {
    /// "kl. 13.05 – 13.27 (planerat 13.05 – 13.25)", or "ej behandlad
    /// (planerat …)" for an entry not held.
    pub fn times_sv(&self, tz: Tz) -> String {
        let clock = |t: DateTime<Utc>| clock_sv(local_time(t, tz).time());
        let planned = format!(
            "planerat {} – {}",
            clock(self.planned.0),
            clock(self.planned.1)
        );
        match self.actual {
            Some((start, end)) if clock(start) == clock(end) => {
                format!("kl. {} ({planned})", clock(start))
            }
            Some((start, end)) => format!("kl. {} – {} ({planned})", clock(start), clock(end)),
            None => format!("ej behandlad ({planned})"),
        }
    }
}

/// The agenda of `meeting` with the actual times the `events` give.
/// Without progress events nothing is marked as held.
pub fn agenda(meeting: &Meeting, events: &[Event], tz: Tz) -> Vec<AgendaRow> {
    let mut rows: Vec<AgendaRow> = meeting
        .items
        .iter()
        .map(|entry| AgendaRow {
            number: entry.number.clone(),
            title: entry.title.clone(),
            planned: (
                local_instant(meeting.date, entry.start, tz),
                local_instant(meeting.date, entry.end, tz),
            ),
            actual: None,
        })
        .collect();
    let mut progress: Vec<&Event> = events.iter().filter(|e| is_progress(e)).collect();
    progress.sort_by_key(|e| e.instant());
    let mut current: Option<usize> = None;
    for event in progress {
        let at = event.instant();
        let next = match &event.kind {
            EventKind::ItemStarted { item } => meeting
                .items
                .iter()
                .position(|e| e.number.as_deref() == Some(item.as_str())),
            // The planned break after the entry running, if any.
            EventKind::BreakStarted { .. } => {
                let from = current.map_or(0, |c| c + 1);
                meeting.items[from.min(meeting.items.len())..]
                    .iter()
                    .position(|e| e.entry_type == EntryType::Break)
                    .map(|i| from + i)
            }
            EventKind::MeetingEnded => None,
            // The meeting opening starts the first entry.
            _ => current.or((!meeting.items.is_empty()).then_some(0)),
        };
        if next == current {
            continue;
        }
        if let Some(row) = current.and_then(|c| rows.get_mut(c))
            && let Some(actual) = row.actual.as_mut()
        {
            actual.1 = at;
        }
        // Items passed over going forward are done, at this moment.
        if let (Some(from), Some(to)) = (current, next) {
            let passed = meeting.items.iter().zip(rows.iter_mut());
            for (entry, row) in passed.take(to).skip(from + 1) {
                if entry.entry_type == EntryType::Item && row.actual.is_none() {
                    row.actual = Some((at, at));
                }
            }
        }
        if let Some(row) = next.and_then(|n| rows.get_mut(n)) {
            row.actual = Some(row.actual.map_or((at, at), |(start, _)| (start, at)));
        }
        current = next;
    }
    // An entry still running when the log ends ran to its planned end.
    if let Some(row) = current.and_then(|c| rows.get_mut(c))
        && let Some(actual) = row.actual.as_mut()
        && actual.1 == actual.0
    {
        actual.1 = actual.1.max(row.planned.1);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_run_from_their_start_to_the_next_and_skipped_ones_are_not_held() {
        let meeting = crate::kallelse::import_bytes(crate::demo::NOTICE.as_bytes()).unwrap();
        let tz = crate::model::time::DEFAULT_TIME_ZONE;
        let at = |hm: &str| crate::model::time::parse_moment(hm, meeting.date, tz).unwrap();
        let first = meeting.items[0].number.clone().unwrap();
        let third = meeting.items[2].number.clone().unwrap();
        let events = vec![
            Event::new(at("13:02"), tz, EventKind::MeetingStarted),
            Event::new(
                at("13:10"),
                tz,
                EventKind::ItemStarted {
                    item: third.clone(),
                },
            ),
            Event::new(at("13:40"), tz, EventKind::MeetingEnded),
        ];
        let rows = agenda(&meeting, &events, tz);
        assert_eq!(rows[0].number.as_deref(), Some(first.as_str()));
        assert_eq!(rows[0].actual, Some((at("13:02"), at("13:10"))));
        assert_eq!(
            rows[1].actual,
            Some((at("13:10"), at("13:10"))),
            "passed over: done"
        );
        assert_eq!(rows[2].actual, Some((at("13:10"), at("13:40"))));
        assert!(
            rows[2]
                .times_sv(tz)
                .starts_with("kl. 13.10 – 13.40 (planerat ")
        );
        assert!(rows[1].times_sv(tz).starts_with("kl. 13.10 (planerat "));
        assert!(rows[3].times_sv(tz).starts_with("ej behandlad (planerat "));
        assert!(agenda(&meeting, &[], tz).iter().all(|r| r.actual.is_none()));
    }
}
