//! Messages to the room ("Vi återupptar 14.40", "Mötet flyttat till sal
//! B"): posted by the secretary, shown on the room's screens until their
//! end or until withdrawn. Pure: which one shows is a function of the log
//! and `now`.

use chrono::{DateTime, Utc};
use thiserror::Error;

use crate::model::{Event, EventKind};

/// The longest message, in characters: what the kiosk's screen shows on
/// two lines at a size readable from three metres.
pub const MAX_CHARS: usize = 120;

/// A message the room's screens show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomMessage {
    /// The text as written.
    pub text: String,
    /// When it was posted (its event's `at`): what a withdrawal names.
    pub posted: DateTime<Utc>,
    /// When it stops showing by itself.
    pub until: Option<DateTime<Utc>>,
}

/// Why a message cannot be posted.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MessageProblem {
    /// Nothing written.
    #[error("meddelandet är tomt; skriv vad rummet ska läsa")]
    Empty,
    /// Too long for the screen.
    #[error("meddelandet har {0} tecken; högst {MAX_CHARS} får plats på skärmen")]
    TooLong(usize),
    /// Its end is not after now.
    #[error("sluttiden har redan passerat; välj en tid senare i dag, eller ingen")]
    EndPassed,
}

/// The message as it will be stored: on one line, spaces collapsed,
/// checked for length and end.
pub fn prepare(
    text: &str,
    until: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<String, MessageProblem> {
    let text = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .filter(|c| !c.is_control())
        .collect::<String>();
    let count = text.chars().count();
    if count == 0 {
        return Err(MessageProblem::Empty);
    }
    if count > MAX_CHARS {
        return Err(MessageProblem::TooLong(count));
    }
    if until.is_some_and(|until| until <= now) {
        return Err(MessageProblem::EndPassed);
    }
    Ok(text)
}

/// Every message showing at `now`, the newest first: posted by then, not
/// withdrawn by then, not past its end.
pub fn showing(events: &[Event], now: DateTime<Utc>) -> Vec<RoomMessage> {
    let withdrawn: Vec<DateTime<Utc>> = events
        .iter()
        .filter(|e| e.instant() <= now)
        .filter_map(|e| match &e.kind {
            EventKind::MessageWithdrawn { posted_at } => Some(posted_at.with_timezone(&Utc)),
            _ => None,
        })
        .collect();
    let mut shown: Vec<RoomMessage> = events
        .iter()
        .filter(|e| e.instant() <= now && !withdrawn.contains(&e.instant()))
        .filter_map(|e| match &e.kind {
            EventKind::MessagePosted { text, until } => Some(RoomMessage {
                text: text.clone(),
                posted: e.instant(),
                until: until.map(|u| u.with_timezone(&Utc)),
            }),
            _ => None,
        })
        .filter(|m| m.until.is_none_or(|until| until > now))
        .collect();
    shown.sort_by_key(|m| std::cmp::Reverse(m.posted));
    shown
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::time::DEFAULT_TIME_ZONE;

    fn at(minute: u32) -> DateTime<Utc> {
        chrono::NaiveDate::from_ymd_opt(2026, 6, 4)
            .and_then(|d| d.and_hms_opt(11, minute, 0))
            .map(|t| t.and_utc())
            .unwrap()
    }

    fn post(minute: u32, text: &str, until: Option<u32>) -> Event {
        let until = until.map(|m| crate::model::time::with_offset(at(m), DEFAULT_TIME_ZONE));
        Event::new(
            at(minute),
            DEFAULT_TIME_ZONE,
            EventKind::MessagePosted {
                text: text.into(),
                until,
            },
        )
    }

    #[test]
    fn a_message_shows_from_its_posting_until_its_end_or_withdrawal() {
        let first = post(10, "Vi återupptar 13.40", Some(40));
        let second = post(20, "Mötet flyttat till sal B", None);
        let withdraw = Event::new(
            at(30),
            DEFAULT_TIME_ZONE,
            EventKind::MessageWithdrawn {
                posted_at: second.at,
            },
        );
        let log = [first, second, withdraw];
        let texts = |minute| -> Vec<String> {
            showing(&log, at(minute))
                .into_iter()
                .map(|m| m.text)
                .collect()
        };
        assert!(texts(9).is_empty());
        assert_eq!(texts(10), ["Vi återupptar 13.40"]);
        assert_eq!(
            texts(25),
            ["Mötet flyttat till sal B", "Vi återupptar 13.40"]
        );
        assert_eq!(texts(35), ["Vi återupptar 13.40"]);
        assert!(texts(40).is_empty());
    }

    #[test]
    fn a_message_is_one_line_of_at_most_the_screens_length() {
        assert_eq!(
            prepare("  Vi återupptar\n 14.40 ", None, at(0)),
            Ok("Vi återupptar 14.40".into())
        );
        assert_eq!(prepare(" \n", None, at(0)), Err(MessageProblem::Empty));
        let long = "a".repeat(MAX_CHARS + 1);
        assert_eq!(
            prepare(&long, None, at(0)),
            Err(MessageProblem::TooLong(MAX_CHARS + 1))
        );
        assert_eq!(
            prepare("Paus", Some(at(0)), at(0)),
            Err(MessageProblem::EndPassed)
        );
    }
}
