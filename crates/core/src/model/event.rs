//! The event log: what happened during a meeting, one JSON object per line
//! (JSON Lines, see the contract). Reading it reports every bad line with
//! its number; nothing is half-read.

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::Meeting;

/// One fact recorded during a meeting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// When it happened, with the recording device's UTC offset.
    pub at: DateTime<FixedOffset>,
    /// What happened.
    #[serde(flatten)]
    pub kind: EventKind,
    /// Who did it on the central server's pages or through a room's
    /// control token: the user's sign-in name or the token's name. Absent
    /// for what happened at the door (the device says where).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// How the secretary confirmed, at the door, a change of who serves or
    /// a recusal (`pin` or `admin_card`); absent everywhere else.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmed: Option<Authority>,
}

impl Event {
    /// Creates an event at an instant, written with the offset of `tz` there.
    pub fn new(at: DateTime<Utc>, tz: chrono_tz::Tz, kind: EventKind) -> Self {
        Event {
            at: crate::model::time::with_offset(at, tz),
            kind,
            user: None,
            confirmed: None,
        }
    }

    /// The same event, done by `user` (see [`Event::user`]).
    pub fn by(self, user: &str) -> Self {
        Event {
            user: Some(user.to_string()),
            ..self
        }
    }

    /// The same event, confirmed at the door by `how` (see
    /// [`Event::confirmed`]).
    pub fn confirmed_by(self, how: Authority) -> Self {
        Event {
            confirmed: Some(how),
            ..self
        }
    }

    /// The instant in UTC.
    pub fn instant(&self) -> DateTime<Utc> {
        self.at.with_timezone(&Utc)
    }
}

/// The kinds of event, tagged by `type` in JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    /// The chair opened the meeting.
    MeetingStarted,
    /// Work on an agenda item began; items passed over are done.
    ItemStarted {
        /// The item's number as in the notice.
        item: String,
    },
    /// A break began. Its length is the planned break's, or `minutes`.
    BreakStarted {
        /// Length of an unplanned break, if announced.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        minutes: Option<u32>,
    },
    /// The chair closed the meeting.
    MeetingEnded,
    /// The running item (or break) was given `minutes` more than planned.
    ItemExtended {
        /// How many minutes more.
        minutes: u32,
    },
    /// The meeting goes on after a break: an item the break interrupted
    /// continues with the time it had left; otherwise the next entry of
    /// the agenda starts.
    Resumed,
    /// A control was undone: the progress events at `undone_at` no longer
    /// count (both stay in the log).
    ControlUndone {
        /// The undone control's moment (its `at`).
        undone_at: DateTime<FixedOffset>,
    },
    /// A short message to the room, shown on its screens until `until` or
    /// until withdrawn.
    MessagePosted {
        /// The message as written.
        text: String,
        /// When it stops showing by itself.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        until: Option<DateTime<FixedOffset>>,
    },
    /// A message was withdrawn before its end.
    MessageWithdrawn {
        /// The withdrawn message's moment (its `at`).
        posted_at: DateTime<FixedOffset>,
    },
    /// A deputy began to serve (tjänstgöra) for a member.
    SubstituteStarted {
        /// The deputy.
        person: String,
        /// The member they serve for.
        #[serde(rename = "for")]
        member: String,
    },
    /// A deputy stopped serving.
    SubstituteEnded {
        /// The deputy.
        person: String,
    },
    /// Someone is out of one item for a conflict of interest (jäv).
    Recused {
        /// Who.
        person: String,
        /// The item's number.
        item: String,
    },
    /// Someone arrived.
    CheckedIn {
        /// Participant name as imported.
        person: String,
        /// How the check-in was made.
        source: Source,
        /// The member this person attends for, when they come as a
        /// substitute (ersättare).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        substitute_for: Option<String>,
        /// Who made it by hand, and why (a secretary's correction).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        correction: Option<Correction>,
        /// The person takes part remotely (distansdeltagande): present
        /// and counted for quorum like anyone in the room.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        remote: bool,
    },
    /// Someone left.
    CheckedOut {
        /// Participant name as imported.
        person: String,
        /// How the check-out was made.
        source: Source,
        /// Who made it by hand, and why (a secretary's correction).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        correction: Option<Correction>,
    },
    /// A card was bound to a participant (enrolment at the door).
    CardEnrolled {
        /// Participant name as imported.
        person: String,
        /// The keyed hash of the card's UID (hex); never the UID itself.
        card: String,
        /// Who allowed it.
        by: Authority,
    },
    /// The secretary expects a new card for `person`: the next unknown
    /// card tapped at the meeting's door within [`CARD_EXPECTED_MINUTES`]
    /// is registered to them (no PIN needed).
    CardExpected {
        /// The participant the card is for.
        person: String,
        /// The secretary (their sign-in name).
        by: String,
    },
    /// A card's registration was withdrawn (a lost card, a wrong person):
    /// the card is unknown again until it is registered anew.
    CardRevoked {
        /// The participant it was registered to.
        person: String,
        /// The keyed hash of the card's UID (hex).
        card: String,
        /// The secretary who withdrew it (their sign-in name).
        by: String,
    },
    /// The secretary withdrew a correction made by mistake, or a recusal:
    /// the check-in or check-out by hand, or the `recused`, it names
    /// (`person`, `withdrawn`, `withdrawn_at`, and for a recusal `item`) no
    /// longer counts. Both stay in the log (see [`without_withdrawn`]).
    CorrectionWithdrawn {
        /// The participant the correction was for.
        person: String,
        /// Which kind: a check-in, a check-out or a recusal.
        withdrawn: Corrected,
        /// The recusal's item (only with `withdrawn: recused`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        item: Option<String>,
        /// The withdrawn correction's moment (its `at`).
        withdrawn_at: DateTime<FixedOffset>,
        /// The secretary (their sign-in name).
        by: String,
        /// Why, in their words.
        reason: String,
    },
}

/// The kind of a correction by hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Corrected {
    /// A `checked_in` made by the secretary.
    CheckedIn,
    /// A `checked_out` made by the secretary.
    CheckedOut,
    /// A `recused` (jäv), made on the pages or at a door, taken back.
    Recused,
}

impl Corrected {
    /// The correction's kind, when `kind` is a correction by hand.
    pub fn of(kind: &EventKind) -> Option<(Corrected, &str)> {
        match kind {
            EventKind::CheckedIn {
                person,
                correction: Some(_),
                ..
            } => Some((Corrected::CheckedIn, person)),
            EventKind::CheckedOut {
                person,
                correction: Some(_),
                ..
            } => Some((Corrected::CheckedOut, person)),
            _ => None,
        }
    }
}

/// The events with every withdrawn correction left out: a check-in or
/// check-out by hand, or a recusal (made on the pages or at a door), is
/// withdrawn by a later-recorded [`EventKind::CorrectionWithdrawn`] naming
/// its person, kind, moment and (for a recusal) item. Taps at the door are
/// never withdrawn; the withdrawals themselves stay.
pub fn without_withdrawn(events: &[Event]) -> Vec<Event> {
    let withdrawn: Vec<Withdrawable<'_>> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::CorrectionWithdrawn {
                person,
                withdrawn,
                item,
                withdrawn_at,
                ..
            } => Some(Withdrawable {
                kind: *withdrawn,
                person,
                item: item.as_deref(),
                at: withdrawn_at.with_timezone(&Utc),
            }),
            _ => None,
        })
        .collect();
    if withdrawn.is_empty() {
        return events.to_vec();
    }
    events
        .iter()
        .filter(|e| withdrawable(e).is_none_or(|w| !withdrawn.contains(&w)))
        .cloned()
        .collect()
}

/// What names an event a [`EventKind::CorrectionWithdrawn`] can take back.
#[derive(Debug, PartialEq, Eq)]
struct Withdrawable<'a> {
    kind: Corrected,
    person: &'a str,
    /// A recusal's item.
    item: Option<&'a str>,
    at: DateTime<Utc>,
}

/// An event a [`EventKind::CorrectionWithdrawn`] can take back, as it
/// would name it: a correction by hand, or a recusal wherever it was
/// recorded.
fn withdrawable(event: &Event) -> Option<Withdrawable<'_>> {
    let (kind, person, item) = match &event.kind {
        EventKind::Recused { person, item } => {
            (Corrected::Recused, person.as_str(), Some(item.as_str()))
        }
        other => {
            let (kind, person) = Corrected::of(other)?;
            (kind, person, None)
        }
    };
    Some(Withdrawable {
        kind,
        person,
        item,
        at: event.instant(),
    })
}

/// A check-in or check-out made by hand: who made it and why. The events
/// it corrects stay in the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Correction {
    /// The secretary (their sign-in name).
    pub by: String,
    /// Why, in their words.
    pub reason: String,
}

/// How long a [`EventKind::CardExpected`] waits for the card, in minutes.
pub const CARD_EXPECTED_MINUTES: i64 = 10;

/// Who allowed a card to be enrolled, or confirmed a change of who serves
/// or a recusal at the door.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Authority {
    /// The secretary's PIN, typed at the kiosk.
    Pin,
    /// An administrator's card, tapped at the kiosk.
    AdminCard,
    /// The secretary, from the central pages.
    Secretary,
}

/// The event type names the contract defines, for error messages.
const KNOWN_TYPES: &str = "meeting_started, item_started, break_started, meeting_ended, item_extended, resumed, control_undone, message_posted, message_withdrawn, substitute_started, substitute_ended, recused, checked_in, checked_out, card_enrolled, card_expected, card_revoked, correction_withdrawn";

/// How an attendance event was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// An NFC card at the door.
    Nfc,
    /// A hardware button.
    Button,
    /// The touch screen.
    Touch,
    /// By hand by the meeting secretary.
    Secretary,
    /// From an imported list.
    Import,
}

/// One bad line of an event log.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{line}: {message}")]
pub struct LogProblem {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong, in plain Swedish.
    pub message: String,
}

/// Reads an event log into events paired with their line numbers. Blank
/// lines are skipped; every bad line is reported.
pub fn parse_log(text: &str) -> Result<Vec<(usize, Event)>, Vec<LogProblem>> {
    let mut events = Vec::new();
    let mut problems = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        if raw.trim().is_empty() {
            continue;
        }
        match parse_line(raw) {
            Ok(event) => events.push((line, event)),
            Err(message) => problems.push(LogProblem { line, message }),
        }
    }
    if problems.is_empty() {
        Ok(events)
    } else {
        Err(problems)
    }
}

fn parse_line(raw: &str) -> Result<Event, String> {
    let value: serde_json::Value = serde_json::from_str(raw)
        .map_err(|e| format!("raden är inte giltig JSON (kolumn {})", e.column()))?;
    let object = value
        .as_object()
        .ok_or_else(|| "raden ska vara ett JSON-objekt {…}".to_string())?;
    let at = object
        .get("at")
        .and_then(|v| v.as_str())
        .ok_or_else(|| "fältet \"at\" (tidpunkt) saknas".to_string())?;
    DateTime::parse_from_rfc3339(at).map_err(|_| {
        format!("tidpunkten \"{at}\" går inte att läsa; skriv t.ex. \"2026-06-04T13:07:00+02:00\"")
    })?;
    let kind = object
        .get("type")
        .and_then(|v| v.as_str())
        .ok_or_else(|| "fältet \"type\" (händelsetyp) saknas".to_string())?;
    serde_json::from_value::<Event>(value.clone()).map_err(|e| {
        let detail = e.to_string();
        if detail.contains(&format!("unknown variant `{kind}`")) {
            format!("okänd händelsetyp \"{kind}\" (kända typer: {KNOWN_TYPES})")
        } else if let Some(field) = missing_field(&detail) {
            format!("händelsen \"{kind}\" saknar fältet \"{field}\"")
        } else if detail.contains("unknown variant") && object.get("source").is_some() {
            format!(
                "okänd källa \"{}\" (tillåtna: nfc, button, touch, secretary, import)",
                object.get("source").and_then(|v| v.as_str()).unwrap_or("?")
            )
        } else {
            format!("händelsen \"{kind}\" går inte att läsa: {detail}")
        }
    })
}

fn missing_field(serde_message: &str) -> Option<&str> {
    let rest = serde_message.split("missing field `").nth(1)?;
    rest.split('`').next()
}

/// Checks that every item and person an event names exists in the meeting.
pub fn check_against(meeting: &Meeting, events: &[(usize, Event)]) -> Vec<LogProblem> {
    let mut problems = Vec::new();
    for (line, event) in events {
        let message = match &event.kind {
            EventKind::ItemStarted { item } if meeting.item_index(item).is_none() => Some(format!(
                "punkt \"{item}\" finns inte på dagordningen (punkter: {})",
                item_numbers(meeting)
            )),
            EventKind::Recused { item, .. } if meeting.item_index(item).is_none() => Some(format!(
                "punkt \"{item}\" finns inte på dagordningen (punkter: {})",
                item_numbers(meeting)
            )),
            EventKind::SubstituteStarted { member, .. }
                if meeting.participant_index(member).is_none() =>
            {
                Some(format!(
                    "\"{member}\" finns inte bland de kallade eller inbjudna; skriv namnet som i kallelsen"
                ))
            }
            EventKind::CheckedIn { person, .. }
            | EventKind::CheckedOut { person, .. }
            | EventKind::CardEnrolled { person, .. }
            | EventKind::CardExpected { person, .. }
            | EventKind::CardRevoked { person, .. }
            | EventKind::SubstituteStarted { person, .. }
            | EventKind::SubstituteEnded { person }
            | EventKind::Recused { person, .. }
                if meeting.participant_index(person).is_none() =>
            {
                Some(format!(
                    "\"{person}\" finns inte bland de kallade eller inbjudna; skriv namnet som i kallelsen"
                ))
            }
            _ => None,
        };
        if let Some(message) = message {
            problems.push(LogProblem {
                line: *line,
                message,
            });
        }
    }
    problems
}

fn item_numbers(meeting: &Meeting) -> String {
    meeting
        .items
        .iter()
        .filter_map(|e| e.number.as_deref())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_event_type_of_the_contract() {
        let log = r#"{"at": "2026-06-04T13:07:00+02:00", "type": "meeting_started"}
{"at": "2026-06-04T13:09:30+02:00", "type": "item_started", "item": "4"}

{"at": "2026-06-04T14:16:00+02:00", "type": "break_started"}
{"at": "2026-06-04T15:34:00+02:00", "type": "meeting_ended"}
{"at": "2026-06-04T12:55:10+02:00", "type": "checked_in", "person": "Marina Johansson", "source": "nfc"}
{"at": "2026-06-04T14:15:00+02:00", "type": "checked_out", "person": "Olof Lundberg", "source": "button", "id": "0190-extra-fields-are-fine"}
"#;
        let events: Vec<Event> = parse_log(log)
            .unwrap()
            .into_iter()
            .map(|(_, e)| e)
            .collect();
        assert_eq!(events.len(), 6);
        assert_eq!(
            events[1].kind,
            EventKind::ItemStarted {
                item: "4".to_string()
            }
        );
        assert_eq!(
            events[5].kind,
            EventKind::CheckedOut {
                person: "Olof Lundberg".to_string(),
                source: Source::Button,
                correction: None,
            }
        );
        assert_eq!(events[1].at.to_rfc3339(), "2026-06-04T13:09:30+02:00");
    }

    #[test]
    fn every_bad_line_is_reported_with_its_number() {
        let log = r#"{"at": "2026-06-04T13:07:00+02:00", "type": "meeting_started"}
not json
{"at": "13:07", "type": "meeting_started"}
{"at": "2026-06-04T13:07:00+02:00", "type": "lunch"}
{"at": "2026-06-04T13:07:00+02:00", "type": "item_started"}
{"at": "2026-06-04T13:07:00+02:00", "type": "checked_in", "person": "A", "source": "telepathy"}
[1, 2]
{"type": "meeting_ended"}
"#;
        let problems = parse_log(log).unwrap_err();
        let lines: Vec<usize> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, vec![2, 3, 4, 5, 6, 7, 8]);
        assert!(problems[0].message.contains("JSON"));
        assert!(problems[1].message.contains("13:07"));
        assert!(problems[2].message.contains("lunch"));
        assert!(problems[3].message.contains("\"item\""));
        assert!(problems[4].message.contains("telepathy"));
        assert!(problems[6].message.contains("\"at\""));
    }

    #[test]
    fn round_trips_through_json() {
        let event = Event::new(
            DateTime::parse_from_rfc3339("2026-06-04T11:00:00Z")
                .unwrap()
                .with_timezone(&Utc),
            crate::model::time::DEFAULT_TIME_ZONE,
            EventKind::BreakStarted { minutes: Some(10) },
        );
        let json = serde_json::to_string(&event).unwrap();
        assert_eq!(
            json,
            r#"{"at":"2026-06-04T13:00:00+02:00","type":"break_started","minutes":10}"#
        );
        assert_eq!(serde_json::from_str::<Event>(&json).unwrap(), event);
    }
}
