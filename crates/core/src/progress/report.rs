//! A [`ScreenState`] put into words: the contract's `status --json` object
//! and the Swedish text the room screen and `status` print.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::{Current, Phase, ScreenState};
use crate::model::time::{clock_iso, clock_sv, local_time};
use crate::model::{AgendaEntry, EntryType, Meeting};

/// The running entry as the contract shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemReport {
    /// Item or break.
    #[serde(rename = "type")]
    pub entry_type: EntryType,
    /// Item number; null for breaks.
    pub number: Option<String>,
    /// Title.
    pub title: String,
    /// Presenter names.
    pub presenters: Vec<String>,
    /// Parts of the item ("Information · Dialog"), if the notice gives them.
    pub kind: Option<String>,
    /// When it actually started, "HH:MM".
    pub started: Option<String>,
    /// Planned length in minutes.
    pub planned_minutes: i64,
}

/// The next entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NextReport {
    /// Item or break.
    #[serde(rename = "type")]
    pub entry_type: EntryType,
    /// Item number; null for breaks.
    pub number: Option<String>,
    /// Title.
    pub title: String,
    /// Planned start, "HH:MM".
    pub planned_start: String,
}

/// The object `motesskylt status --json` prints.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatusReport {
    /// before, item, break, after.
    pub phase: Phase,
    /// The running entry.
    pub item: Option<ItemReport>,
    /// Seconds left of the running entry (before: until the planned start).
    pub remaining_s: i64,
    /// Seconds over the running entry's planned length.
    pub overtime_s: i64,
    /// Seconds since the running entry started.
    pub elapsed_s: i64,
    /// Projected end minus planned end, seconds; negative is ahead.
    pub offset_s: i64,
    /// Projected end, "HH:MM".
    pub projected_end: String,
    /// Planned end, "HH:MM".
    pub planned_end: String,
    /// The next entry.
    pub next: Option<NextReport>,
    /// Those called (not the invited guests) checked in now.
    pub present: usize,
    /// Called.
    pub expected: usize,
    /// The moment described, RFC 3339 in the meeting's zone.
    pub at: String,
    /// The secretary's message to the room showing now, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<MessageReport>,
    /// Whether the body may decide, while the meeting has members.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quorum: Option<crate::attendance::quorum::Quorum>,
}

/// A message to the room as the contract shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MessageReport {
    /// The text.
    pub text: String,
    /// When it stops showing by itself, "HH:MM".
    pub until: Option<String>,
}

fn hhmm(at: DateTime<Utc>, tz: Tz) -> String {
    clock_iso(local_time(at, tz).time())
}

fn entry_of<'m>(meeting: &'m Meeting, state: &ScreenState) -> Option<&'m AgendaEntry> {
    match state.current? {
        Current::Planned(i) => meeting.items.get(i),
        Current::UnplannedBreak => None,
    }
}

/// Builds the contract's status object.
pub fn status(meeting: &Meeting, state: &ScreenState, tz: Tz) -> StatusReport {
    let item = state.current.map(|_| {
        let entry = entry_of(meeting, state);
        ItemReport {
            entry_type: entry.map_or(EntryType::Break, |e| e.entry_type),
            number: entry.and_then(|e| e.number.clone()),
            title: entry.map_or_else(|| "Paus".to_string(), |e| e.title.clone()),
            presenters: entry
                .map(|e| e.presenters.iter().map(|p| p.name.clone()).collect())
                .unwrap_or_default(),
            kind: entry.and_then(AgendaEntry::kind_label),
            started: state.current_since.map(|t| hhmm(t, tz)),
            planned_minutes: state.current_seconds / 60,
        }
    });
    let next = state
        .next
        .and_then(|i| meeting.items.get(i))
        .map(|e| NextReport {
            entry_type: e.entry_type,
            number: e.number.clone(),
            title: e.title.clone(),
            planned_start: clock_iso(e.start),
        });
    StatusReport {
        phase: state.phase,
        item,
        remaining_s: state.remaining_s,
        overtime_s: state.overtime_s,
        elapsed_s: state.elapsed_s,
        offset_s: state.offset_s,
        projected_end: hhmm(state.projected_end, tz),
        planned_end: hhmm(
            state.projected_end - chrono::Duration::seconds(state.offset_s),
            tz,
        ),
        next,
        present: state.present,
        expected: state.expected,
        at: state
            .now
            .with_timezone(&tz)
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
        quorum: state.quorum,
        message: state.message.as_ref().map(|m| MessageReport {
            text: m.text.clone(),
            until: m.until.map(|u| hhmm(u, tz)),
        }),
    }
}

/// What the room's screens show at `now` of a meeting whose log so far is
/// `recorded`: the plan where nobody drove the meeting, the recorded
/// events where someone did.
pub fn status_at(
    meeting: &Meeting,
    schedule: &super::Schedule,
    recorded: &[crate::model::Event],
    now: DateTime<Utc>,
) -> StatusReport {
    let events = super::with_plan(schedule, recorded);
    let state = super::screen_state(meeting, schedule, Some(&events), now);
    status(meeting, &state, schedule.tz)
}

/// "12:34", or "1:02:03" from an hour up.
pub fn countdown(seconds: i64) -> String {
    let s = seconds.max(0);
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s % 3600 / 60, s % 60)
    } else {
        format!("{:02}:{:02}", s / 60, s % 60)
    }
}

/// "i tid", "8 min efter schema", "3 min före schema" (whole minutes).
pub fn offset_words(offset_s: i64) -> String {
    let minutes = offset_s.abs() / 60;
    match (minutes, offset_s.signum()) {
        (0, _) => "enligt schema".to_string(),
        (m, 1) => format!("{m} min efter schema"),
        (m, _) => format!("{m} min före schema"),
    }
}

/// The state as Swedish text, a few lines, as `status` prints it.
pub fn text(meeting: &Meeting, state: &ScreenState, tz: Tz) -> String {
    let clock = |at: DateTime<Utc>| clock_sv(local_time(at, tz).time());
    let mut lines = vec![format!(
        "{} · {} · kl. {}–{}",
        meeting.body,
        crate::model::time::date_sv(meeting.date),
        clock_sv(meeting.start),
        clock_sv(meeting.end)
    )];
    match state.phase {
        Phase::Before => {
            lines.push(format!("Mötet börjar {}", clock_sv(meeting.start)));
            if state.overtime_s > 0 {
                lines.push(format!(
                    "Försenat: {} efter planerad start",
                    countdown(state.overtime_s)
                ));
            } else {
                lines.push(format!("Börjar om {}", countdown(state.remaining_s)));
            }
        }
        Phase::Item | Phase::Break => {
            match entry_of(meeting, state) {
                Some(e) if !e.is_break() => {
                    lines.push(format!(
                        "Punkt {}: {}",
                        e.number.as_deref().unwrap_or(""),
                        e.title
                    ));
                    if !e.presenters.is_empty() {
                        let names: Vec<&str> =
                            e.presenters.iter().map(|p| p.name.as_str()).collect();
                        lines.push(format!(
                            "Föredragande: {}",
                            crate::attendance::join_names(&names)
                        ));
                    }
                }
                _ => {
                    let back = state
                        .current_since
                        .map(|s| s + chrono::Duration::seconds(state.current_seconds));
                    match back {
                        Some(b) if state.current_seconds > 0 => {
                            lines.push(format!("Paus – åter {}", clock(b)))
                        }
                        _ => lines.push("Paus".to_string()),
                    }
                }
            }
            if state.overtime_s > 0 {
                lines.push(format!("Övertid +{}", countdown(state.overtime_s)));
            } else {
                lines.push(format!("Kvar {}", countdown(state.remaining_s)));
            }
        }
        Phase::After => {
            if let Some(ended) = state.ended_at {
                lines.push(format!("Mötet avslutades {}", clock(ended)));
            }
        }
    }
    if state.phase != Phase::After {
        lines.push(format!(
            "{} · beräknat slut {}",
            offset_words(state.offset_s),
            clock(state.projected_end)
        ));
        if let Some(next) = state.next.and_then(|i| meeting.items.get(i)) {
            let label = match &next.number {
                Some(n) if !next.is_break() => format!("{n}. {}", next.title),
                _ => next.title.clone(),
            };
            lines.push(format!(
                "Nästa: {label} (planerat {})",
                clock_sv(next.start)
            ));
        }
    }
    lines.push(format!(
        "Incheckade: {} av {}",
        state.present, state.expected
    ));
    lines.join("\n") + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countdowns_and_offsets_in_words() {
        assert_eq!(countdown(754), "12:34");
        assert_eq!(countdown(3723), "1:02:03");
        assert_eq!(countdown(-5), "00:00");
        assert_eq!(offset_words(270), "4 min efter schema");
        assert_eq!(offset_words(-180), "3 min före schema");
        assert_eq!(offset_words(59), "enligt schema");
    }
}
