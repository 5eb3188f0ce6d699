//! The controls that drive a meeting (start, next, previous, break,
//! resume, more time, end, undo) as the events they record. One place for
//! the door's buttons, the secretary's pages and the control API, so a
//! press means the same wherever it is made; what it records is decided
//! from the log as the presser knows it, and every screen folds the same
//! log in the same order (see [`super::screen_state`]), so two presses at
//! once end in one state everywhere.

use chrono::{DateTime, Utc};
use thiserror::Error;

use super::{Current, Phase, Schedule, screen_state, with_plan};
use crate::model::time::{Lang, local_time};
use crate::model::{AgendaEntry, Event, EventKind, Meeting};

/// The most minutes a break or more time may be given at once.
pub const MAX_MINUTES: u32 = 240;

/// A control.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Start the meeting.
    Start,
    /// Start the meeting, or the next agenda item (the end after the last).
    Next,
    /// Back to the previous agenda item.
    Previous,
    /// A break: the planned one when it is next and `minutes` is `None`,
    /// else an unplanned one (of `minutes`, when given). The door's button.
    Break {
        /// The unplanned break's length.
        minutes: Option<u32>,
    },
    /// The planned break, only when it is the next entry (the pages'
    /// "Planerad paus").
    PlannedBreak,
    /// Back from a break.
    Resume,
    /// More time for the running item or break.
    Extend {
        /// How many minutes more.
        minutes: u32,
    },
    /// End the meeting.
    End,
    /// Undo the last control.
    Undo,
}

impl Command {
    /// The command a word names, as the pages' forms and the control API
    /// send it (`start`, `next`, `previous`, `break`, `resume`, `extend`,
    /// `end`, `undo`), with its minutes where it takes them.
    pub fn parse(word: &str, minutes: Option<u32>) -> Option<Command> {
        Some(match word {
            "start" => Command::Start,
            "next" => Command::Next,
            "previous" => Command::Previous,
            "break" => Command::Break { minutes },
            "planned-break" => Command::PlannedBreak,
            "resume" => Command::Resume,
            "extend" => Command::Extend {
                minutes: minutes.unwrap_or(5),
            },
            "end" => Command::End,
            "undo" => Command::Undo,
            _ => return None,
        })
    }

    /// Its word (see [`Command::parse`]).
    pub fn word(self) -> &'static str {
        match self {
            Command::Start => "start",
            Command::Next => "next",
            Command::Previous => "previous",
            Command::Break { .. } => "break",
            Command::PlannedBreak => "planned-break",
            Command::Resume => "resume",
            Command::Extend { .. } => "extend",
            Command::End => "end",
            Command::Undo => "undo",
        }
    }
}

/// Why a control records nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("{}", self.said(Lang::Sv))]
pub enum Refusal {
    /// Not the meeting's day.
    NotToday,
    /// The meeting is cancelled.
    Cancelled,
    /// The meeting has not started.
    NotStarted,
    /// The meeting has started already.
    Started,
    /// The meeting has ended.
    Ended,
    /// No item before the running one.
    NothingBefore,
    /// The planned break is not the next entry.
    NoPlannedBreak,
    /// Resume outside a break.
    NotInBreak,
    /// Minutes outside 1..=[`MAX_MINUTES`].
    Minutes,
    /// Nothing to undo.
    NothingToUndo,
}

impl Refusal {
    /// Why, in `lang`, as the pages and the control API say it.
    pub fn said(self, lang: Lang) -> String {
        let (sv, en) = match self {
            Refusal::NotToday => (
                "Det är inte mötesdagen; inget att styra.",
                "It is not the meeting's day; nothing to run.",
            ),
            Refusal::Cancelled => (
                "Mötet är inställt; det går inte att styra.",
                "The meeting is cancelled; it cannot be run.",
            ),
            Refusal::NotStarted => (
                "Mötet har inte börjat; starta det först.",
                "The meeting has not started; start it first.",
            ),
            Refusal::Started => ("Mötet är redan igång.", "The meeting is already running."),
            Refusal::Ended => (
                "Mötet är avslutat. Ångra avslutet för att fortsätta.",
                "The meeting has ended. Undo the end to go on.",
            ),
            Refusal::NothingBefore => (
                "Det finns ingen tidigare punkt.",
                "There is no earlier item.",
            ),
            Refusal::NoPlannedBreak => (
                "Ingen planerad paus står på tur; välj Oplanerad paus med antal minuter.",
                "No planned break is next; choose Unplanned break with a number of minutes.",
            ),
            Refusal::NotInBreak => ("Det pågår ingen paus.", "No break is running."),
            Refusal::Minutes => ("", ""),
            Refusal::NothingToUndo => (
                "Det finns inget styrkommando att ångra.",
                "There is no control to undo.",
            ),
        };
        match (self, lang) {
            (Refusal::Minutes, Lang::Sv) => {
                format!("Minuter: skriv ett antal minuter, 1–{MAX_MINUTES}.")
            }
            (Refusal::Minutes, Lang::En) => {
                format!("Minutes: write a number of minutes, 1–{MAX_MINUTES}.")
            }
            (_, Lang::Sv) => sv.to_string(),
            (_, Lang::En) => en.to_string(),
        }
    }
}

/// The events `command` records at `now` on a meeting whose log so far is
/// `recorded`. The first control on a meeting that has followed its plan
/// first records the plan up to now, so the record shows what the screens
/// showed.
pub fn events(
    meeting: &Meeting,
    schedule: &Schedule,
    recorded: &[Event],
    command: Command,
    now: DateTime<Utc>,
) -> Result<Vec<Event>, Refusal> {
    if local_time(now, schedule.tz).date() != meeting.date {
        return Err(Refusal::NotToday);
    }
    if let Command::Break { minutes: Some(m) } | Command::Extend { minutes: m } = command
        && !(1..=MAX_MINUTES).contains(&m)
    {
        return Err(Refusal::Minutes);
    }
    if command == Command::Undo {
        return undo(recorded, now, schedule.tz);
    }
    let engine_events = with_plan(schedule, recorded);
    let state = screen_state(meeting, schedule, Some(&engine_events), now);
    let items = &meeting.items;
    let numbered = |e: &AgendaEntry| e.number.clone().filter(|_| !e.is_break());
    let kind = match (command, state.phase) {
        (_, Phase::After) => return Err(Refusal::Ended),
        (Command::Start | Command::Next, Phase::Before) => EventKind::MeetingStarted,
        (Command::Start, _) => return Err(Refusal::Started),
        (_, Phase::Before) => return Err(Refusal::NotStarted),
        (Command::Next, _) => {
            // Where the screens say "next": after the furthest reached.
            let after = state.next.unwrap_or(items.len());
            match items[after.min(items.len())..].iter().find_map(numbered) {
                Some(item) => EventKind::ItemStarted { item },
                None => EventKind::MeetingEnded,
            }
        }
        (Command::Previous, _) => {
            let before = match state.current {
                Some(Current::Planned(i)) => i,
                _ => state.next.unwrap_or(items.len()),
            };
            match items[..before.min(items.len())]
                .iter()
                .rev()
                .find_map(numbered)
            {
                Some(item) => EventKind::ItemStarted { item },
                None => return Err(Refusal::NothingBefore),
            }
        }
        (Command::Break { minutes }, _) => EventKind::BreakStarted { minutes },
        (Command::PlannedBreak, _) => {
            let planned_next = state
                .next
                .and_then(|n| schedule.slots.get(n))
                .is_some_and(|s| s.is_break);
            if !planned_next || state.phase == Phase::Break {
                return Err(Refusal::NoPlannedBreak);
            }
            EventKind::BreakStarted { minutes: None }
        }
        (Command::Resume, Phase::Break) => EventKind::Resumed,
        (Command::Resume, _) => return Err(Refusal::NotInBreak),
        (Command::Extend { minutes }, _) => EventKind::ItemExtended { minutes },
        (Command::End, _) => EventKind::MeetingEnded,
        (Command::Undo, _) => return undo(recorded, now, schedule.tz),
    };
    let mut events = Vec::new();
    if !super::is_driven(recorded) {
        // The plan as the screens showed it up to now (never its end:
        // only someone ends a meeting).
        events.extend(
            schedule
                .plan_events()
                .iter()
                .filter(|e| e.kind != EventKind::MeetingEnded && e.instant() <= now)
                .cloned(),
        );
    }
    events.push(Event::new(now, schedule.tz, kind));
    Ok(events)
}

/// `control_undone` for the last control that counts at `now`.
fn undo(recorded: &[Event], now: DateTime<Utc>, tz: chrono_tz::Tz) -> Result<Vec<Event>, Refusal> {
    let undone_at = super::counted(recorded, now)
        .last()
        .map(|(_, index, _)| recorded[*index].at)
        .ok_or(Refusal::NothingToUndo)?;
    Ok(vec![Event::new(
        now,
        tz,
        EventKind::ControlUndone { undone_at },
    )])
}
