//! The kiosk's front desk: turns a tap or a button press into events to
//! record and an answer for the door. Pure; the moment is given. It runs on
//! the input thread and keeps the record of events (in memory until the
//! store of issue #4).

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::attendance::door::{Door, TapOutcome, TapRules};
use crate::attendance::presence;
use crate::model::{Event, EventKind, Meeting, Source};
use crate::progress::{Current, Phase, Schedule, screen_state, with_plan};

use super::view::{DoorKind, DoorMessage};

/// A card presented at the door.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Card {
    /// A card registered to a participant (index into the participants).
    Known(usize),
    /// A card nobody has registered.
    Unknown,
}

/// A button on the kiosk (or a key standing in for one) that moves the
/// meeting on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// Start the meeting, or the next agenda item.
    Next,
    /// Start a break.
    Break,
    /// End the meeting.
    End,
}

/// An input from a reader or a button.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// A card was tapped, with how it was read.
    Tap(Card, Source),
    /// A control button was pressed.
    Press(Control),
}

/// What an input led to.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    /// Events to record, in order.
    pub events: Vec<Event>,
    /// The door's answer, if it says anything.
    pub door: Option<DoorMessage>,
}

/// The desk: the meeting, what has been recorded, and the door's memory.
#[derive(Debug)]
pub struct Desk {
    meeting: Meeting,
    schedule: Schedule,
    tz: Tz,
    door: Door,
    recorded: Vec<Event>,
}

impl Desk {
    /// A desk for `meeting`, with the events already recorded.
    pub fn new(meeting: Meeting, tz: Tz, rules: TapRules, recorded: Vec<Event>) -> Self {
        let schedule = Schedule::new(&meeting, tz);
        Desk {
            meeting,
            schedule,
            tz,
            door: Door::new(rules),
            recorded,
        }
    }

    /// Everything recorded so far.
    pub fn recorded(&self) -> &[Event] {
        &self.recorded
    }

    /// Handles an input at `now`; the outcome's events are already added to
    /// what the desk knows as recorded.
    pub fn handle(&mut self, input: Input, now: DateTime<Utc>) -> Outcome {
        let outcome = match input {
            Input::Tap(Card::Unknown, _) => Outcome {
                events: Vec::new(),
                door: Some(self.answer(DoorKind::UnknownCard, None, now)),
            },
            Input::Tap(Card::Known(person), source) => self.tap(person, source, now),
            Input::Press(control) => Outcome {
                events: self.control(control, now),
                door: None,
            },
        };
        self.recorded.extend(outcome.events.iter().cloned());
        outcome
    }

    fn answer(&self, kind: DoorKind, person: Option<usize>, at: DateTime<Utc>) -> DoorMessage {
        DoorMessage { kind, person, at }
    }

    fn tap(&mut self, person: usize, source: Source, now: DateTime<Utc>) -> Outcome {
        let Some(participant) = self.meeting.participants.get(person) else {
            return Outcome {
                events: Vec::new(),
                door: Some(self.answer(DoorKind::UnknownCard, None, now)),
            };
        };
        let name = participant.name.clone();
        let present = presence(
            self.schedule.names(),
            self.meeting.participants.len(),
            &self.recorded,
            now,
        )
        .get(person)
        .is_some_and(|p| p.present);
        let (kind, door) = match self.door.tap(person, present, now) {
            TapOutcome::Ignored => return Outcome::default(),
            TapOutcome::AskToConfirm => (None, DoorKind::AlreadyIn),
            TapOutcome::CheckIn => (
                Some(EventKind::CheckedIn {
                    person: name,
                    source,
                }),
                DoorKind::Welcome,
            ),
            TapOutcome::CheckOut => (
                Some(EventKind::CheckedOut {
                    person: name,
                    source,
                }),
                DoorKind::CheckedOut,
            ),
        };
        Outcome {
            events: kind
                .map(|k| vec![Event::new(now, self.tz, k)])
                .unwrap_or_default(),
            door: Some(self.answer(door, Some(person), now)),
        }
    }

    /// The events a control records. The first control pressed on a meeting
    /// that has followed its plan so far first records the plan up to now,
    /// so the record shows what the screen showed.
    fn control(&self, control: Control, now: DateTime<Utc>) -> Vec<Event> {
        if crate::model::time::local_time(now, self.tz).date() != self.meeting.date {
            // Not the meeting's day: nothing to start, pause or end.
            return Vec::new();
        }
        let engine_events = with_plan(&self.schedule, &self.recorded);
        let state = screen_state(&self.meeting, &self.schedule, Some(&engine_events), now);
        let kind = match (control, state.phase) {
            (_, Phase::After) => return Vec::new(),
            (Control::Next, Phase::Before) => EventKind::MeetingStarted,
            (Control::Next, _) => {
                let after = match state.current {
                    Some(Current::Planned(i)) => i + 1,
                    _ => state.next.unwrap_or(self.meeting.items.len()),
                };
                match self.meeting.items[after.min(self.meeting.items.len())..]
                    .iter()
                    .find_map(|e| e.number.clone().filter(|_| !e.is_break()))
                {
                    Some(item) => EventKind::ItemStarted { item },
                    None => EventKind::MeetingEnded,
                }
            }
            (Control::Break, Phase::Before) => return Vec::new(),
            (Control::Break, _) => EventKind::BreakStarted { minutes: None },
            (Control::End, Phase::Before) => return Vec::new(),
            (Control::End, _) => EventKind::MeetingEnded,
        };
        let mut events = Vec::new();
        if !self.recorded.iter().any(crate::progress::is_progress) {
            events.extend(
                engine_events
                    .iter()
                    .filter(|e| crate::progress::is_progress(e) && e.instant() <= now)
                    .cloned(),
            );
        }
        events.push(Event::new(now, self.tz, kind));
        events
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kallelse::import_bytes;
    use crate::model::time::{DEFAULT_TIME_ZONE, parse_moment};

    fn desk() -> (Desk, Meeting) {
        let meeting = import_bytes(crate::demo::NOTICE.as_bytes()).unwrap();
        let desk = Desk::new(
            meeting.clone(),
            DEFAULT_TIME_ZONE,
            TapRules::default(),
            Vec::new(),
        );
        (desk, meeting)
    }

    fn at(meeting: &Meeting, time: &str) -> DateTime<Utc> {
        parse_moment(time, meeting.date, DEFAULT_TIME_ZONE).unwrap()
    }

    #[test]
    fn a_tap_checks_in_greets_and_a_later_pair_checks_out() {
        let (mut desk, meeting) = desk();
        let first = desk.handle(
            Input::Tap(Card::Known(1), Source::Nfc),
            at(&meeting, "12:50"),
        );
        let name = meeting.participants[1].name.clone();
        assert_eq!(
            first
                .events
                .iter()
                .map(|e| e.kind.clone())
                .collect::<Vec<_>>(),
            vec![EventKind::CheckedIn {
                person: name.clone(),
                source: Source::Nfc
            }]
        );
        assert_eq!(
            first.door.map(|d| (d.kind, d.person)),
            Some((DoorKind::Welcome, Some(1)))
        );
        let ask = desk.handle(
            Input::Tap(Card::Known(1), Source::Nfc),
            at(&meeting, "13:30"),
        );
        assert!(ask.events.is_empty());
        assert_eq!(ask.door.map(|d| d.kind), Some(DoorKind::AlreadyIn));
        let out = desk.handle(
            Input::Tap(Card::Known(1), Source::Nfc),
            at(&meeting, "13:30:05"),
        );
        assert_eq!(
            out.events
                .iter()
                .map(|e| e.kind.clone())
                .collect::<Vec<_>>(),
            vec![EventKind::CheckedOut {
                person: name,
                source: Source::Nfc
            }]
        );
        assert_eq!(desk.recorded().len(), 2);
    }

    #[test]
    fn an_unknown_card_records_nothing() {
        let (mut desk, meeting) = desk();
        let outcome = desk.handle(
            Input::Tap(Card::Unknown, Source::Nfc),
            at(&meeting, "13:00"),
        );
        assert!(outcome.events.is_empty());
        assert_eq!(outcome.door.map(|d| d.kind), Some(DoorKind::UnknownCard));
        assert!(desk.recorded().is_empty());
    }

    #[test]
    fn next_before_the_start_opens_the_meeting() {
        let (mut desk, meeting) = desk();
        let outcome = desk.handle(Input::Press(Control::Next), at(&meeting, "12:58"));
        let kinds: Vec<EventKind> = outcome.events.iter().map(|e| e.kind.clone()).collect();
        assert_eq!(kinds, vec![EventKind::MeetingStarted]);
    }

    #[test]
    fn the_first_control_records_the_plan_so_far_then_moves_on() {
        let (mut desk, meeting) = desk();
        // At 13.10 the plan has item 4 running (13.05–13.25).
        let outcome = desk.handle(Input::Press(Control::Next), at(&meeting, "13:10"));
        let kinds: Vec<EventKind> = outcome.events.iter().map(|e| e.kind.clone()).collect();
        let item = |n: &str| EventKind::ItemStarted { item: n.into() };
        assert_eq!(
            kinds,
            vec![
                EventKind::MeetingStarted,
                item("1"),
                item("2"),
                item("3"),
                item("4"),
                item("5"),
            ]
        );
        // From now on the record rules: a break, then the end; nothing after it.
        let pause = desk.handle(Input::Press(Control::Break), at(&meeting, "13:20"));
        assert_eq!(pause.events.len(), 1);
        let end = desk.handle(Input::Press(Control::End), at(&meeting, "13:30"));
        assert_eq!(end.events[0].kind, EventKind::MeetingEnded);
        let after = desk.handle(Input::Press(Control::Next), at(&meeting, "13:31"));
        assert!(after.events.is_empty());
    }

    #[test]
    fn controls_do_nothing_on_another_day() {
        let (mut desk, meeting) = desk();
        let outcome = desk.handle(
            Input::Press(Control::Next),
            at(&meeting, "2026-06-03 13:00"),
        );
        assert!(outcome.events.is_empty());
    }

    #[test]
    fn a_meeting_that_runs_over_its_plan_can_still_be_moved_on() {
        let (mut desk, meeting) = desk();
        // 15.40 is past the planned end (15.30): the plan does not end it.
        let outcome = desk.handle(Input::Press(Control::End), at(&meeting, "15:40"));
        assert_eq!(
            outcome.events.last().map(|e| e.kind.clone()),
            Some(EventKind::MeetingEnded)
        );
    }
}
