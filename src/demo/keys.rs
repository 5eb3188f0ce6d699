//! The demo's keys: what a key press in the kiosk window stands for (a
//! real kiosk has no key map: a keyboard at the door only searches the
//! name list while it is open, which comes first here too).
//! Documented in the README and on the help overlay (`ui/help.slint`).

use motesskylt_core::model::Meeting;
use motesskylt_kiosk::desk::{Control, Input};
use motesskylt_kiosk::window::KeyAction;

/// The action of a key, by the key's text as Slint reports it.
/// Digits 1–9 and 0 tap the demo cards of the first ten called
/// participants ([`super::card`]); `u` taps a card nobody has.
pub fn action(meeting: &Meeting, text: &str) -> Option<KeyAction> {
    let press = |control| Some(KeyAction::Input(Input::Press(control)));
    match text {
        "n" | "N" => press(Control::Next),
        "p" | "P" => press(Control::Previous),
        "b" | "B" => press(Control::Break),
        "e" | "E" => press(Control::End),
        "u" | "U" => Some(KeyAction::Card(super::UNKNOWN_CARD.clone())),
        "l" | "L" => Some(KeyAction::Language),
        "h" | "H" | "?" | "\u{f704}" => Some(KeyAction::Help),
        "q" | "Q" | "\u{1b}" => Some(KeyAction::Quit),
        digit if digit.len() == 1 && digit.chars().all(|c| c.is_ascii_digit()) => {
            let n = digit.parse::<usize>().ok()?;
            let position = if n == 0 { 9 } else { n - 1 };
            meeting.called().nth(position)?;
            Some(KeyAction::Card(super::card(position)))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use motesskylt_core::kallelse::import_bytes;

    #[test]
    fn digits_tap_the_demo_cards_in_order() {
        let meeting = import_bytes(crate::demo::NOTICE.as_bytes()).unwrap();
        assert_eq!(
            action(&meeting, "1"),
            Some(KeyAction::Card(crate::demo::card(0)))
        );
        assert_eq!(
            action(&meeting, "0"),
            Some(KeyAction::Card(crate::demo::card(9)))
        );
        assert_ne!(crate::demo::card(0), crate::demo::card(9));
        assert_eq!(
            action(&meeting, "p"),
            Some(KeyAction::Input(Input::Press(Control::Previous)))
        );
        assert_eq!(action(&meeting, "\u{1b}"), Some(KeyAction::Quit));
        assert_eq!(action(&meeting, "x"), None);
    }
}
