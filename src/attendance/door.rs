//! What a tap at the door means: check in, ignore a double tap, ask before
//! checking out, check out. Pure; the moment is given.
//!
//! A card or a button is "the same tap" for these rules: the person is
//! already known when a tap reaches here (an unknown card never does).

use std::collections::HashMap;

use chrono::{DateTime, Utc};

/// Timing of the door's rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TapRules {
    /// A second tap of the same person within this many seconds is ignored
    /// (a card held a little too long, a button pressed twice).
    pub repeat_s: i64,
    /// After "Tryck igen för att checka ut", a tap within this many seconds
    /// checks out (after the first `repeat_s`, which are ignored).
    pub confirm_s: i64,
}

impl Default for TapRules {
    fn default() -> Self {
        TapRules {
            repeat_s: 2,
            confirm_s: 10,
        }
    }
}

/// What the door does with a tap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TapOutcome {
    /// Record a check-in and greet.
    CheckIn,
    /// A repeat of the tap just made: do nothing.
    Ignored,
    /// Already in: say so and ask for another tap to check out.
    AskToConfirm,
    /// Record a check-out.
    CheckOut,
}

#[derive(Debug, Clone, Copy)]
struct LastTap {
    at: DateTime<Utc>,
    asked: bool,
}

/// The door's short memory of recent taps, per person.
#[derive(Debug, Default)]
pub struct Door {
    rules: TapRules,
    last: HashMap<usize, LastTap>,
}

impl Door {
    /// A door with these rules.
    pub fn new(rules: TapRules) -> Self {
        Door {
            rules,
            last: HashMap::new(),
        }
    }

    /// Decides a tap by `person` (index into the participants) at `now`,
    /// given whether they are checked in now.
    pub fn tap(&mut self, person: usize, present: bool, now: DateTime<Utc>) -> TapOutcome {
        let last = self.last.get(&person).copied();
        let since = |l: LastTap| (now - l.at).num_seconds();
        if last.is_some_and(|l| (0..self.rules.repeat_s).contains(&since(l))) {
            return TapOutcome::Ignored;
        }
        let (outcome, asked) = if !present {
            (TapOutcome::CheckIn, false)
        } else if last.is_some_and(|l| l.asked && since(l) <= self.rules.confirm_s) {
            (TapOutcome::CheckOut, false)
        } else {
            (TapOutcome::AskToConfirm, true)
        };
        self.last.insert(person, LastTap { at: now, asked });
        outcome
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_780_000_000 + s, 0).unwrap()
    }

    #[test]
    fn first_tap_checks_in_and_a_quick_repeat_is_ignored() {
        let mut door = Door::default();
        assert_eq!(door.tap(3, false, at(0)), TapOutcome::CheckIn);
        assert_eq!(door.tap(3, true, at(1)), TapOutcome::Ignored);
        // Another person is not affected.
        assert_eq!(door.tap(4, false, at(1)), TapOutcome::CheckIn);
    }

    #[test]
    fn a_later_tap_asks_and_a_second_one_checks_out() {
        let mut door = Door::default();
        door.tap(3, false, at(0));
        assert_eq!(door.tap(3, true, at(60)), TapOutcome::AskToConfirm);
        assert_eq!(door.tap(3, true, at(61)), TapOutcome::Ignored);
        assert_eq!(door.tap(3, true, at(65)), TapOutcome::CheckOut);
        // Back again later: a fresh check-in.
        assert_eq!(door.tap(3, false, at(600)), TapOutcome::CheckIn);
    }

    #[test]
    fn a_confirmation_too_late_asks_again() {
        let mut door = Door::default();
        door.tap(3, false, at(0));
        assert_eq!(door.tap(3, true, at(60)), TapOutcome::AskToConfirm);
        assert_eq!(door.tap(3, true, at(60 + 11)), TapOutcome::AskToConfirm);
        assert_eq!(door.tap(3, true, at(60 + 14)), TapOutcome::CheckOut);
    }
}
