//! The agenda with planned and actual times, from the schedule engine's
//! record of the meeting ([`motesskylt_core::progress::record`]), so the export, the
//! pages and the room screen tell one story: an entry runs from when it was
//! first started until the next entry (or the end of the meeting) last took
//! over; items passed over are done, in no time, when the meeting moved
//! past them; an unplanned break is a row of its own, after the entry it
//! interrupted, and the planned break stays planned until it is held.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use motesskylt_core::model::time::{clock_sv, local_instant, local_time};
use motesskylt_core::model::{Event, Meeting};
use motesskylt_core::progress::{Current, Schedule, record};

/// One agenda entry with its times: a planned entry, or a break that was
/// not in the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgendaRow {
    /// The planned entry (index into `meeting.items`); `None` for a break
    /// that was not in the plan.
    pub entry: Option<usize>,
    /// The item's number; `None` for a break.
    pub number: Option<String>,
    /// The title ("Paus" for a break).
    pub title: String,
    /// Planned start and end; `None` for a break that was not in the plan.
    pub planned: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// Actual start and end, when the entry was held.
    pub actual: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

impl AgendaRow {
    /// "kl. 13.05 – 13.27 (planerat 13.05 – 13.25)", "ej behandlad
    /// (planerat …)" for an entry not held, "kl. 13.10 – 13.12 (ej
    /// planerad)" for a break that was not in the plan.
    pub fn times_sv(&self, tz: Tz) -> String {
        let clock = |t: DateTime<Utc>| clock_sv(local_time(t, tz).time());
        let planned = match self.planned {
            Some((start, end)) => format!("planerat {} – {}", clock(start), clock(end)),
            None => "ej planerad".to_string(),
        };
        match self.actual {
            Some((start, end)) if clock(start) == clock(end) => {
                format!("kl. {} ({planned})", clock(start))
            }
            Some((start, end)) => format!("kl. {} – {} ({planned})", clock(start), clock(end)),
            None => format!("ej behandlad ({planned})"),
        }
    }
}

/// The agenda of `meeting` with the actual times the `events` give: one
/// row per planned entry in the notice's order, and each break that was
/// not in the plan after the entry the meeting stood at when it began.
/// Without progress events nothing is marked as held. An entry still
/// running when the log ends ran to its planned end (an unplanned break:
/// for the minutes it was given).
pub fn agenda(meeting: &Meeting, events: &[Event], tz: Tz) -> Vec<AgendaRow> {
    let schedule = Schedule::new(meeting, tz);
    let record = record(meeting, &schedule, events);
    let mut planned: Vec<AgendaRow> = meeting
        .items
        .iter()
        .enumerate()
        .map(|(index, entry)| AgendaRow {
            entry: Some(index),
            number: entry.number.clone(),
            title: entry.title.clone(),
            planned: Some((
                local_instant(meeting.date, entry.start, tz),
                local_instant(meeting.date, entry.end, tz),
            )),
            actual: None,
        })
        .collect();
    // Unplanned breaks, by the planned entry they follow (`None`: first).
    let mut breaks: Vec<(Option<usize>, AgendaRow)> = Vec::new();
    for held in &record.held {
        let planned_end = match held.entry {
            Current::Planned(i) => schedule.slots[i].end,
            Current::UnplannedBreak => held.start + chrono::Duration::seconds(held.seconds),
        };
        let end = held.end.unwrap_or_else(|| planned_end.max(held.start));
        match held.entry {
            Current::Planned(i) => {
                if let Some(row) = planned.get_mut(i) {
                    row.actual = Some(
                        row.actual
                            .map_or((held.start, end), |(s, e)| (s.min(held.start), e.max(end))),
                    );
                }
            }
            Current::UnplannedBreak => breaks.push((
                held.after,
                AgendaRow {
                    entry: None,
                    number: None,
                    title: "Paus".to_string(),
                    planned: None,
                    actual: Some((held.start, end)),
                },
            )),
        }
    }
    for (index, at) in &record.passed {
        if let Some(row) = planned.get_mut(*index) {
            row.actual.get_or_insert((*at, *at));
        }
    }
    let mut rows = Vec::with_capacity(planned.len() + breaks.len());
    let take_breaks = |after: Option<usize>, rows: &mut Vec<AgendaRow>| {
        rows.extend(
            breaks
                .iter()
                .filter(|(a, _)| *a == after)
                .map(|(_, row)| row.clone()),
        );
    };
    take_breaks(None, &mut rows);
    for (index, row) in planned.into_iter().enumerate() {
        rows.push(row);
        take_breaks(Some(index), &mut rows);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use motesskylt_core::model::EventKind;

    #[test]
    fn items_run_from_their_start_to_the_next_and_skipped_ones_are_not_held() {
        let meeting =
            motesskylt_core::kallelse::import_bytes(motesskylt_testkit::SRO_NOTICE.as_bytes())
                .unwrap();
        let tz = motesskylt_core::model::time::DEFAULT_TIME_ZONE;
        let at =
            |hm: &str| motesskylt_core::model::time::parse_moment(hm, meeting.date, tz).unwrap();
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

    /// Issue 15, point 6: a break during item 4 is a row of its own after
    /// item 4; the planned Paus (after item 7) stays planned and not held.
    #[test]
    fn an_unplanned_break_is_its_own_row_and_the_planned_break_stays_planned() {
        let meeting =
            motesskylt_core::kallelse::import_bytes(motesskylt_testkit::SRO_NOTICE.as_bytes())
                .unwrap();
        let tz = motesskylt_core::model::time::DEFAULT_TIME_ZONE;
        let at =
            |hm: &str| motesskylt_core::model::time::parse_moment(hm, meeting.date, tz).unwrap();
        let item = |n: &str| EventKind::ItemStarted { item: n.into() };
        let events = vec![
            Event::new(at("13:00"), tz, EventKind::MeetingStarted),
            Event::new(at("13:05"), tz, item("4")),
            Event::new(at("13:10"), tz, EventKind::BreakStarted { minutes: None }),
            Event::new(at("13:12"), tz, item("5")),
            Event::new(at("13:30"), tz, item("6")),
            Event::new(at("13:40"), tz, EventKind::MeetingEnded),
        ];
        let rows = agenda(&meeting, &events, tz);
        assert_eq!(
            rows.len(),
            meeting.items.len() + 1,
            "one row more: the break"
        );
        let four = rows
            .iter()
            .position(|r| r.number.as_deref() == Some("4"))
            .unwrap();
        let pause = &rows[four + 1];
        assert_eq!((pause.entry, pause.planned), (None, None));
        assert_eq!(pause.title, "Paus");
        assert_eq!(pause.actual, Some((at("13:10"), at("13:12"))));
        assert_eq!(pause.times_sv(tz), "kl. 13.10 – 13.12 (ej planerad)");
        assert_eq!(rows[four].actual, Some((at("13:05"), at("13:10"))));
        assert_eq!(rows[four + 2].number.as_deref(), Some("5"));
        assert_eq!(rows[four + 2].actual, Some((at("13:12"), at("13:30"))));
        let planned_pause = rows
            .iter()
            .find(|r| r.entry.is_some() && r.number.is_none())
            .unwrap();
        assert_eq!(planned_pause.actual, None, "the planned Paus was not held");
        for n in ["7", "8"] {
            let row = rows
                .iter()
                .find(|r| r.number.as_deref() == Some(n))
                .unwrap();
            assert_eq!(row.actual, None, "item {n} was not held");
        }
    }
}
