//! The demo's keys: what a key press in the kiosk window stands for.
//! Documented in the README and on the help overlay (`ui/help.slint`).

use crate::model::{Meeting, Source};

use super::desk::{Card, Control, Input};

/// What a key does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAction {
    /// An input for the desk (a simulated card or button).
    Input(Input),
    /// Show or hide the help overlay.
    Help,
    /// Switch between Swedish and English.
    Language,
    /// Close the kiosk.
    Quit,
}

/// The action of a key, by the key's text as Slint reports it.
/// Digits 1–9 and 0 tap the cards of the first ten called participants.
pub fn action(meeting: &Meeting, text: &str) -> Option<KeyAction> {
    let tap = |card| Some(KeyAction::Input(Input::Tap(card, Source::Nfc)));
    match text {
        "n" | "N" => Some(KeyAction::Input(Input::Press(Control::Next))),
        "b" | "B" => Some(KeyAction::Input(Input::Press(Control::Break))),
        "e" | "E" => Some(KeyAction::Input(Input::Press(Control::End))),
        "u" | "U" => tap(Card::Unknown),
        "l" | "L" => Some(KeyAction::Language),
        "h" | "H" | "?" | "\u{f704}" => Some(KeyAction::Help),
        "q" | "Q" | "\u{1b}" => Some(KeyAction::Quit),
        digit if digit.len() == 1 && digit.chars().all(|c| c.is_ascii_digit()) => {
            let n = digit.parse::<usize>().ok()?;
            let position = if n == 0 { 9 } else { n - 1 };
            let (index, _) = meeting.called().nth(position)?;
            tap(Card::Known(index))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kallelse::import_bytes;

    #[test]
    fn digits_tap_the_called_participants_in_order() {
        let meeting = import_bytes(crate::demo::NOTICE.as_bytes()).unwrap();
        let first = meeting.called().next().unwrap().0;
        assert_eq!(
            action(&meeting, "1"),
            Some(KeyAction::Input(Input::Tap(
                Card::Known(first),
                Source::Nfc
            )))
        );
        let tenth = meeting.called().nth(9).unwrap().0;
        assert_eq!(
            action(&meeting, "0"),
            Some(KeyAction::Input(Input::Tap(
                Card::Known(tenth),
                Source::Nfc
            )))
        );
        assert_eq!(
            action(&meeting, "n"),
            Some(KeyAction::Input(Input::Press(Control::Next)))
        );
        assert_eq!(action(&meeting, "\u{1b}"), Some(KeyAction::Quit));
        assert_eq!(action(&meeting, "x"), None);
    }
}
