//! The whole agenda at a moment, as the room screen and the control page
//! list it: each entry done, running or to come, with its planned start,
//! when it actually started, and when it is now expected to start. The
//! same fold as [`super::screen_state`], so the list and the big numbers
//! never disagree.

use chrono::{DateTime, Utc};

use super::{Current, Phase, Schedule, ScreenState, record};
use crate::model::{Event, Meeting};

/// Where an entry stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Held (or passed over) and over.
    Done,
    /// Running now.
    Now,
    /// The next one.
    Next,
    /// Later.
    Later,
}

/// One entry of the agenda at a moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// Index into `meeting.items`.
    pub index: usize,
    /// Done, now, next or later.
    pub standing: Standing,
    /// Planned start.
    pub planned: DateTime<Utc>,
    /// When it actually started (its first stretch), if it ran.
    pub started: Option<DateTime<Utc>>,
    /// When it is expected to start, for the entries still to come: the
    /// running entry ending at its planned length (or now, if over) and
    /// every later entry keeping its planned length and gaps.
    pub expected: Option<DateTime<Utc>>,
}

/// The agenda at `state.now`, from the events the state was folded from.
pub fn timeline(
    meeting: &Meeting,
    schedule: &Schedule,
    events: &[Event],
    state: &ScreenState,
) -> Vec<Line> {
    let held = record(meeting, schedule, &visible(events, state.now)).held;
    let started = |index: usize| {
        held.iter()
            .find(|h| h.entry == Current::Planned(index))
            .map(|h| h.start)
    };
    let running = match state.current {
        Some(Current::Planned(i)) if state.phase != Phase::After => Some(i),
        _ => None,
    };
    // Where the rest of the plan resumes from, and when.
    let (resume, from) = match state.phase {
        Phase::Before => (
            schedule.planned_start,
            state.now.max(schedule.planned_start),
        ),
        Phase::After => (schedule.planned_end, schedule.planned_end),
        _ => {
            let since = state.current_since.unwrap_or(state.now);
            let end = (since + chrono::Duration::seconds(state.current_seconds)).max(state.now);
            let position = state.next.map_or(schedule.slots.len(), |n| n.max(1) - 1);
            let resume = schedule
                .slots
                .get(position)
                .map_or(schedule.planned_end, |s| s.end);
            (resume, end)
        }
    };
    schedule
        .slots
        .iter()
        .enumerate()
        .map(|(index, slot)| {
            let standing = if state.phase == Phase::After {
                Standing::Done
            } else if running == Some(index) {
                Standing::Now
            } else if state.next == Some(index) {
                Standing::Next
            } else if state.next.is_none_or(|n| index < n) && state.phase != Phase::Before {
                Standing::Done
            } else {
                Standing::Later
            };
            let to_come = matches!(standing, Standing::Next | Standing::Later);
            Line {
                index,
                standing,
                planned: slot.start,
                started: started(index),
                expected: to_come.then(|| from + (slot.start - resume)),
            }
        })
        .collect()
}

/// The events recorded by `now`.
fn visible(events: &[Event], now: DateTime<Utc>) -> Vec<Event> {
    events
        .iter()
        .filter(|e| e.instant() <= now)
        .cloned()
        .collect()
}
