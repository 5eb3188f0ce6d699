//! What a tap at the door means: check in, ignore a double tap, ask before
//! checking out, check out, ask before checking straight back in; when the
//! door takes check-ins at all ([`window`]); and the moment a tap is
//! recorded at ([`record_at`]). Pure; the moment is given.
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
    /// checks out (after the first `repeat_s`, which are ignored). Within
    /// as many seconds after a check-out, a tap asks before checking the
    /// person straight back in.
    pub confirm_s: i64,
    /// Check-in opens this many seconds before the planned start.
    pub opens_before_s: i64,
}

impl Default for TapRules {
    fn default() -> Self {
        TapRules {
            repeat_s: 2,
            confirm_s: 10,
            opens_before_s: 30 * 60,
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
    /// Checked out a moment ago: say so again, and take a tap within the
    /// confirm window as the answer (check in again).
    AskToCheckIn,
}

#[derive(Debug, Clone, Copy)]
struct LastTap {
    at: DateTime<Utc>,
    /// What the last counted tap did (a repeat moves `at` on, not this).
    outcome: TapOutcome,
}

impl LastTap {
    /// Whether the door asked a question that a next tap answers.
    fn asked(&self) -> bool {
        matches!(
            self.outcome,
            TapOutcome::AskToConfirm | TapOutcome::AskToCheckIn
        )
    }
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

    /// The rules this door follows.
    pub fn rules(&self) -> TapRules {
        self.rules
    }

    /// Decides a tap by `person` (index into the participants) at `now`,
    /// given whether they are checked in now, and remembers it.
    pub fn tap(&mut self, person: usize, present: bool, now: DateTime<Utc>) -> TapOutcome {
        let outcome = self.decide(person, present, now);
        self.remember(person, outcome, now);
        outcome
    }

    /// Decides a tap without remembering it (see [`Door::remember`]), so a
    /// tap whose event could not be stored leaves no trace.
    ///
    /// Someone out is checked in, unless they checked out within the
    /// confirm window: then the door asks again, and a tap within the
    /// window after that checks them in (a second tap by habit after
    /// leaving must not check them straight back in).
    ///
    /// Time between taps that runs backwards (the clock was stepped back)
    /// counts as long ago: never a repeat, never a confirmation.
    pub fn decide(&self, person: usize, present: bool, now: DateTime<Utc>) -> TapOutcome {
        let last = self.last.get(&person).copied();
        if last.is_some_and(|l| self.is_repeat(l, now)) {
            TapOutcome::Ignored
        } else if !present {
            let just_left = last
                .is_some_and(|l| l.outcome == TapOutcome::CheckOut && self.within_confirm(l, now));
            if just_left {
                TapOutcome::AskToCheckIn
            } else {
                TapOutcome::CheckIn
            }
        } else if last
            .is_some_and(|l| l.outcome == TapOutcome::AskToConfirm && self.confirms(l, now))
        {
            TapOutcome::CheckOut
        } else {
            TapOutcome::AskToConfirm
        }
    }

    fn is_repeat(&self, last: LastTap, now: DateTime<Utc>) -> bool {
        (0..self.rules.repeat_s).contains(&(now - last.at).num_seconds())
    }

    /// Whether a tap at `now` answers the question asked at `last`.
    fn confirms(&self, last: LastTap, now: DateTime<Utc>) -> bool {
        last.asked() && self.within_confirm(last, now)
    }

    /// Whether `now` is in the confirm window after `last`.
    fn within_confirm(&self, last: LastTap, now: DateTime<Utc>) -> bool {
        (self.rules.repeat_s..=self.rules.confirm_s).contains(&(now - last.at).num_seconds())
    }

    /// The one person who may answer the door's question ("Tryck igen för
    /// att checka ut", or again after a check-out) at `now`; `None` when
    /// nobody or more than one may (an anonymous confirm button must not
    /// guess whom it checks out).
    pub fn asked_last(&self, now: DateTime<Utc>) -> Option<usize> {
        let mut pending = self.last.iter().filter(|(_, l)| self.confirms(**l, now));
        match (pending.next(), pending.next()) {
            (Some((person, _)), None) => Some(*person),
            _ => None,
        }
    }

    /// Remembers a decided tap. A repeat moves the repeat window on, so a
    /// card left lying on a reader that reports it again and again never
    /// turns into a check-out.
    pub fn remember(&mut self, person: usize, outcome: TapOutcome, now: DateTime<Utc>) {
        match outcome {
            TapOutcome::Ignored => {
                if let Some(last) = self.last.get_mut(&person) {
                    last.at = now;
                }
            }
            _ => {
                self.last.insert(person, LastTap { at: now, outcome });
            }
        }
    }
}

/// The moment to record a tap decided at `now`: `now`, but never before
/// `last`, the person's latest recorded check-in or check-out. Everyone
/// folds attendance in time order (see [`super::stays`]); a clock stepped
/// back (a Pi has no real-time clock) would otherwise record a check-out
/// before the check-in it answers, and the minutes would keep the person
/// in while the door said "Utcheckad". So the record keeps the door's
/// order: the check-out stands at the check-in's moment (a stay of no
/// length at worst), and the door names that moment.
pub fn record_at(now: DateTime<Utc>, last: Option<DateTime<Utc>>) -> DateTime<Utc> {
    last.map_or(now, |last| now.max(last))
}

/// Whether the door takes check-ins at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// Check-in and check-out are open.
    Open,
    /// Too early: check-in opens at this moment.
    TooEarly(DateTime<Utc>),
    /// The meeting is over (ended, or its day has passed).
    Closed,
}

/// The check-in window at `now` for a meeting planned to start at
/// `planned_start`: open from `rules.opens_before_s` before it until the
/// meeting is `ended` or its `day_over`.
pub fn window(
    rules: TapRules,
    planned_start: DateTime<Utc>,
    ended: bool,
    day_over: bool,
    now: DateTime<Utc>,
) -> Window {
    let opens = planned_start - chrono::Duration::seconds(rules.opens_before_s);
    if ended || day_over {
        Window::Closed
    } else if now < opens {
        Window::TooEarly(opens)
    } else {
        Window::Open
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
    fn the_window_opens_before_the_start_and_closes_with_the_meeting() {
        let rules = TapRules::default();
        let start = at(3600);
        assert_eq!(
            window(rules, start, false, false, at(0)),
            Window::TooEarly(at(1800))
        );
        assert_eq!(window(rules, start, false, false, at(1800)), Window::Open);
        assert_eq!(window(rules, start, false, false, at(9000)), Window::Open);
        assert_eq!(window(rules, start, true, false, at(9000)), Window::Closed);
        assert_eq!(window(rules, start, false, true, at(0)), Window::Closed);
    }

    #[test]
    fn a_card_reported_again_and_again_never_checks_out() {
        let mut door = Door::default();
        assert_eq!(door.tap(3, false, at(0)), TapOutcome::CheckIn);
        // A reader repeating the card every second while it lies there.
        for s in 1..30 {
            assert_eq!(door.tap(3, true, at(s)), TapOutcome::Ignored, "at {s} s");
        }
    }

    #[test]
    fn a_clock_stepped_back_neither_repeats_nor_confirms() {
        let mut door = Door::default();
        door.tap(3, false, at(100));
        assert_eq!(door.tap(3, true, at(200)), TapOutcome::AskToConfirm);
        // The clock jumps back 10 minutes: a fresh question, not a check-out.
        assert_eq!(door.tap(3, true, at(-400)), TapOutcome::AskToConfirm);
        assert_eq!(door.asked_last(at(-397)), Some(3));
        assert_eq!(door.tap(3, true, at(-397)), TapOutcome::CheckOut);
    }

    #[test]
    fn the_confirm_button_is_for_exactly_one_pending_question() {
        let mut door = Door::default();
        door.tap(1, false, at(0));
        door.tap(2, false, at(0));
        door.tap(1, true, at(100));
        assert_eq!(door.asked_last(at(101)), None, "not yet: a repeat");
        assert_eq!(door.asked_last(at(103)), Some(1));
        door.tap(2, true, at(101));
        assert_eq!(door.asked_last(at(104)), None, "two asked: whose?");
        assert_eq!(door.asked_last(at(200)), None, "too late");
    }

    #[test]
    fn deciding_without_remembering_leaves_no_trace() {
        let mut door = Door::default();
        assert_eq!(door.decide(3, false, at(0)), TapOutcome::CheckIn);
        // Not remembered (say the store failed): the next tap is a fresh one.
        assert_eq!(door.tap(3, false, at(1)), TapOutcome::CheckIn);
        assert_eq!(door.tap(3, true, at(2)), TapOutcome::Ignored);
    }

    /// Issue 15, point 12: a tap 3–4 s after checking out asks again
    /// instead of checking the person straight back in.
    #[test]
    fn a_tap_just_after_checking_out_asks_before_checking_in_again() {
        let mut door = Door::default();
        door.tap(3, false, at(0));
        assert_eq!(door.tap(3, true, at(60)), TapOutcome::AskToConfirm);
        assert_eq!(door.tap(3, true, at(63)), TapOutcome::CheckOut);
        assert_eq!(door.tap(3, false, at(64)), TapOutcome::Ignored);
        // The moment after: asked again, not checked in.
        assert_eq!(door.tap(3, false, at(67)), TapOutcome::AskToCheckIn);
        assert_eq!(door.asked_last(at(70)), Some(3));
        // Answered within the window: back in.
        assert_eq!(door.tap(3, false, at(70)), TapOutcome::CheckIn);
        // Past the window after a check-out, a tap checks in at once.
        door.tap(3, true, at(200));
        door.tap(3, true, at(203));
        assert_eq!(door.tap(3, false, at(203 + 11)), TapOutcome::CheckIn);
        // Every second of the window asks.
        for s in 2..=10 {
            let mut door = Door::default();
            door.tap(3, false, at(0));
            door.tap(3, true, at(60));
            door.tap(3, true, at(63));
            assert_eq!(
                door.tap(3, false, at(63 + s)),
                TapOutcome::AskToCheckIn,
                "{s} s"
            );
        }
    }

    #[test]
    fn a_tap_is_never_recorded_before_the_persons_last_event() {
        assert_eq!(record_at(at(10), None), at(10));
        assert_eq!(record_at(at(10), Some(at(5))), at(10));
        // The clock was stepped back: the record keeps the door's order.
        assert_eq!(record_at(at(10), Some(at(900))), at(900));
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

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    fn at(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_780_000_000 + s, 0).unwrap()
    }

    proptest! {
        /// Whatever the taps, the door never checks out someone absent nor
        /// checks in someone present; a check-out always follows an ask
        /// within the confirm window; a check-in never comes within the
        /// confirm window of a check-out unless it answers an ask; a tap
        /// closer than the repeat window to the one before never counts.
        #[test]
        fn taps_follow_the_rules(gaps in proptest::collection::vec(0i64..30, 1..60)) {
            let rules = TapRules::default();
            let mut door = Door::new(rules);
            let mut present = false;
            let mut now = 0;
            let mut last_seen: Option<i64> = None;
            let mut asked_at: Option<i64> = None;
            let mut out_at: Option<i64> = None;
            let mut asked_in_at: Option<i64> = None;
            for gap in gaps {
                now += gap;
                let outcome = door.tap(1, present, at(now));
                if outcome != TapOutcome::Ignored
                    && let Some(last) = last_seen
                {
                    prop_assert!(now - last >= rules.repeat_s);
                }
                if outcome == TapOutcome::Ignored {
                    // A repeat is close to the tap before it, and moves the
                    // repeat window on without answering anything.
                    let last = last_seen.expect("only a repeat is ignored");
                    prop_assert!(now - last < rules.repeat_s);
                }
                last_seen = Some(now);
                match outcome {
                    TapOutcome::CheckIn => {
                        prop_assert!(!present);
                        let answers = asked_in_at.is_some_and(|a| now - a <= rules.confirm_s);
                        let just_left = out_at.is_some_and(|o| now - o <= rules.confirm_s);
                        prop_assert!(answers || !just_left, "checked straight back in");
                        present = true;
                        asked_at = None;
                        asked_in_at = None;
                        out_at = None;
                    }
                    TapOutcome::CheckOut => {
                        prop_assert!(present);
                        let asked = asked_at.expect("a check-out follows an ask");
                        prop_assert!(now - asked <= rules.confirm_s);
                        present = false;
                        asked_at = None;
                        out_at = Some(now);
                    }
                    TapOutcome::AskToConfirm => {
                        prop_assert!(present);
                        asked_at = Some(now);
                    }
                    TapOutcome::AskToCheckIn => {
                        prop_assert!(!present);
                        let left = out_at.expect("asked again only after a check-out");
                        prop_assert!(now - left <= rules.confirm_s);
                        asked_in_at = Some(now);
                        out_at = None;
                    }
                    TapOutcome::Ignored => {
                        // The question stays open, counted from this tap;
                        // so does a check-out's window.
                        if asked_at.is_some() {
                            asked_at = Some(now);
                        }
                        if asked_in_at.is_some() {
                            asked_in_at = Some(now);
                        }
                        if out_at.is_some() {
                            out_at = Some(now);
                        }
                    }
                }
            }
        }
    }
}
