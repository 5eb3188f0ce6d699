//! What a kiosk may push, checked field by field at the door of the API
//! before anything is stored (pure: the meeting's names and the secretary's
//! awaited cards are given).
//!
//! Each event type has its authorities. A device pushes only what happens
//! at a door: the meeting's progress, check-ins and check-outs by card,
//! button or touch, and cards registered there (by the PIN, an
//! administrator's card, or a card the secretary asked for on the pages).
//! Corrections, `source: secretary` or `import`, `card_expected`,
//! `card_revoked` and `correction_withdrawn` are the secretary's, made on
//! the pages; a device's push of one is refused ([`Refusal::NotTheDoors`]).
//! Every other field must be within range and name what the meeting has
//! ([`Refusal::Invalid`]). A batch with one refused event is refused whole:
//! nothing of it is stored.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use thiserror::Error;

use crate::db::MeetingNames;
use motesskylt_core::model::event::{Authority, Source};
use motesskylt_core::model::{Event, EventKind};
use motesskylt_core::wire::WireEvent;

/// The earliest moment an event may carry (`wall`, `at`): the Unix epoch,
/// where a Pi without a real-time clock starts before NTP.
pub fn earliest() -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(1970, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// The first moment an event may no longer carry: 1 January 2200.
pub fn latest() -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(2200, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// The longest text field a device may send (a boot id, a card's hash).
pub const MAX_TEXT: usize = 128;

/// The longest unplanned break, in minutes.
pub const MAX_BREAK_MINUTES: u32 = 24 * 60;

/// Why an event of a push is refused; the message names the field as
/// `events[N].field`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Refusal {
    /// A field is out of range or names what the meeting does not have.
    #[error("events[{index}].{field}: {problem}")]
    Invalid {
        /// The event's place in the batch (from 0).
        index: usize,
        /// The field (`wall`, `event.person`, …).
        field: String,
        /// What is wrong, in Swedish.
        problem: String,
    },
    /// Only the secretary, on the pages, may do this; a door never does.
    #[error("events[{index}].{field}: {problem}")]
    NotTheDoors {
        /// The event's place in the batch (from 0).
        index: usize,
        /// The field (`event.type`, `event.source`, …).
        field: String,
        /// What is wrong, in Swedish.
        problem: String,
    },
}

/// What the checks of one event are given about its meeting.
#[derive(Debug, Clone, Copy)]
pub struct Known<'a> {
    /// The names and agenda numbers of the meeting (every version).
    pub names: &'a MeetingNames,
    /// Those for whom the secretary has asked for a new card at the
    /// meeting's door (`card_expected`).
    pub expected_cards: &'a BTreeSet<String>,
}

/// Whether `event` is a card the door registered because the secretary
/// asked for it (the only device event that needs `expected_cards`).
pub fn needs_expected_cards(event: &WireEvent) -> bool {
    matches!(
        event.event.kind,
        EventKind::CardEnrolled {
            by: Authority::Secretary,
            ..
        }
    )
}

/// Checks the event at `index` of a device's push.
pub fn check(index: usize, event: &WireEvent, known: Known<'_>) -> Result<(), Refusal> {
    let invalid = |field: &str, problem: String| Refusal::Invalid {
        index,
        field: field.to_string(),
        problem,
    };
    let not_the_doors = |field: &str, problem: String| Refusal::NotTheDoors {
        index,
        field: field.to_string(),
        problem,
    };
    authority(&event.event, known).map_err(|(field, problem)| not_the_doors(field, problem))?;
    if event.event.user.is_some() {
        return Err(not_the_doors(
            "event.user",
            "vem som gjorde något på sidorna sätts av centralen; en kiosk skickar det som sker vid dörren utan användare".into(),
        ));
    }
    if event.seq < 1 {
        return Err(invalid(
            "seq",
            format!(
                "sekvensnumret ska vara 1 eller mer, inte {}; enheten räknar från 1",
                event.seq
            ),
        ));
    }
    if event.mono_ms < 0 {
        return Err(invalid(
            "mono_ms",
            format!(
                "tiden sedan start kan inte vara negativ ({} ms)",
                event.mono_ms
            ),
        ));
    }
    if event.boot.chars().count() > MAX_TEXT || event.boot.chars().any(char::is_control) {
        return Err(invalid(
            "boot",
            format!("start-id:t ska vara högst {MAX_TEXT} tecken utan styrtecken"),
        ));
    }
    in_range(event.wall).map_err(|problem| invalid("wall", problem))?;
    in_range(event.event.instant()).map_err(|problem| invalid("event.at", problem))?;
    let person = |field: &str, name: &str| {
        if known.names.people.contains(name) {
            Ok(())
        } else {
            Err(invalid(
                field,
                format!(
                    "\"{}\" är inte kallad till mötet {} (namnet ska stå som i kallelsen)",
                    shown(name),
                    event.meeting
                ),
            ))
        }
    };
    let on_agenda = |item: &str| {
        if known.names.items.contains(item) {
            Ok(())
        } else {
            Err(invalid(
                "event.item",
                format!(
                    "punkten \"{}\" finns inte på dagordningen för mötet {}",
                    shown(item),
                    event.meeting
                ),
            ))
        }
    };
    match &event.event.kind {
        EventKind::MeetingStarted
        | EventKind::MeetingEnded
        | EventKind::Resumed
        | EventKind::ControlUndone { .. } => {}
        EventKind::ItemExtended { minutes } => {
            if !(1..=MAX_BREAK_MINUTES).contains(minutes) {
                return Err(invalid(
                    "event.minutes",
                    format!("mer tid är 1–{MAX_BREAK_MINUTES} minuter"),
                ));
            }
        }
        EventKind::ItemStarted { item } => on_agenda(item)?,
        EventKind::BreakStarted { minutes } => {
            if minutes.is_some_and(|m| m > MAX_BREAK_MINUTES) {
                return Err(invalid(
                    "event.minutes",
                    format!("en paus är högst {MAX_BREAK_MINUTES} minuter"),
                ));
            }
        }
        EventKind::CheckedIn {
            person: name,
            substitute_for,
            ..
        } => {
            person("event.person", name)?;
            if let Some(member) = substitute_for {
                person("event.substitute_for", member)?;
            }
        }
        EventKind::CheckedOut { person: name, .. }
        | EventKind::SubstituteEnded { person: name } => person("event.person", name)?,
        EventKind::SubstituteStarted {
            person: name,
            member,
        } => {
            person("event.person", name)?;
            person("event.for", member)?;
        }
        EventKind::Recused { person: name, item } => {
            person("event.person", name)?;
            on_agenda(item)?;
        }
        EventKind::CardEnrolled {
            person: name, card, ..
        } => {
            person("event.person", name)?;
            if card.is_empty()
                || card.len() > MAX_TEXT
                || !card.chars().all(|c| c.is_ascii_hexdigit())
            {
                return Err(invalid(
                    "event.card",
                    format!(
                        "kortets nyckel ska vara hexadecimal, 1–{MAX_TEXT} tecken (aldrig kortets UID)"
                    ),
                ));
            }
        }
        // Refused by `authority` above.
        EventKind::CardExpected { .. }
        | EventKind::CardRevoked { .. }
        | EventKind::CorrectionWithdrawn { .. }
        | EventKind::MessagePosted { .. }
        | EventKind::MessageWithdrawn { .. } => {}
    }
    Ok(())
}

/// Whether a door may record `event`: the field that says otherwise and why.
fn authority(event: &Event, known: Known<'_>) -> Result<(), (&'static str, String)> {
    let kind = &event.kind;
    let formal = matches!(
        kind,
        EventKind::SubstituteStarted { .. }
            | EventKind::SubstituteEnded { .. }
            | EventKind::Recused { .. }
    );
    match (formal, event.confirmed) {
        (true, Some(Authority::Pin | Authority::AdminCard)) => return Ok(()),
        (true, None) => {
            return Err((
                "event.confirmed",
                "vem som tjänstgör och jäv bekräftas av sekreteraren: på sidorna, eller vid dörren med PIN-koden eller ett administratörskort (confirmed: pin eller admin_card)".into(),
            ));
        }
        (true, Some(Authority::Secretary)) => {
            return Err((
                "event.confirmed",
                "vid dörren bekräftar sekreteraren med pin eller admin_card; secretary sätts bara på sidorna".into(),
            ));
        }
        (false, Some(_)) => {
            return Err((
                "event.confirmed",
                "confirmed hör bara till substitute_started, substitute_ended och recused; ta bort fältet".into(),
            ));
        }
        (false, None) => {}
    }
    let secretarys = |what: &str| {
        format!(
            "{what} görs bara av sekreteraren på sidorna; en kiosk skickar bara det som sker vid dörren"
        )
    };
    let door_source = |source: &Source| match source {
        Source::Nfc | Source::Button | Source::Touch => Ok(()),
        Source::Secretary | Source::Import => Err((
            "event.source",
            format!(
                "{}; vid dörren är källan nfc, button eller touch",
                secretarys("en närvaro med källan secretary eller import")
            ),
        )),
    };
    match kind {
        EventKind::CheckedIn {
            source, correction, ..
        }
        | EventKind::CheckedOut {
            source, correction, ..
        } => {
            if correction.is_some() {
                return Err(("event.correction", secretarys("en rättelse")));
            }
            if matches!(kind, EventKind::CheckedIn { remote: true, .. }) {
                return Err((
                    "event.remote",
                    secretarys("distansdeltagande (den som deltar på distans är inte vid dörren)"),
                ));
            }
            door_source(source)
        }
        EventKind::CardEnrolled {
            person,
            by: Authority::Secretary,
            ..
        } if !known.expected_cards.contains(person) => Err((
            "event.by",
            format!(
                "ett kort registrerat på sekreterarens begäran kräver att sekreteraren har bett om ett nytt kort för \"{}\" på sidorna; vid dörren är det annars pin eller admin_card",
                shown(person)
            ),
        )),
        EventKind::CardExpected { .. } => {
            Err(("event.type", secretarys("card_expected (nytt kort)")))
        }
        EventKind::CardRevoked { .. } => {
            Err(("event.type", secretarys("card_revoked (återkallat kort)")))
        }
        EventKind::CorrectionWithdrawn { .. } => Err((
            "event.type",
            secretarys("correction_withdrawn (återtagen rättelse)"),
        )),
        EventKind::MessagePosted { .. } | EventKind::MessageWithdrawn { .. } => {
            Err(("event.type", secretarys("ett meddelande till rummet")))
        }
        _ => Ok(()),
    }
}

/// A moment within [`earliest`] .. [`latest`].
fn in_range(at: DateTime<Utc>) -> Result<(), String> {
    if at < earliest() || at >= latest() {
        return Err(format!(
            "tiden {} ligger utanför 1970-01-01 – 2199-12-31",
            at.to_rfc3339()
        ));
    }
    Ok(())
}

/// A name as a message shows it: at most 80 characters.
fn shown(text: &str) -> String {
    let mut shown: String = text.chars().take(80).collect();
    if shown.len() < text.len() {
        shown.push('…');
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;
    use motesskylt_core::model::event::Correction;

    fn names() -> MeetingNames {
        MeetingNames {
            people: ["Anna Ek".to_string()].into(),
            items: ["4".to_string()].into(),
        }
    }

    fn event(kind: EventKind) -> WireEvent {
        let at = DateTime::parse_from_rfc3339("2026-06-04T11:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default();
        WireEvent {
            id: uuid::Uuid::nil(),
            device: "dorr".into(),
            seq: 1,
            meeting: "SRO-2026-06-04".into(),
            wall: at,
            mono_ms: 0,
            boot: "b".into(),
            clock_synced: true,
            event: Event::new(at, chrono_tz::Europe::Stockholm, kind),
        }
    }

    fn checked_in(source: Source) -> EventKind {
        EventKind::CheckedIn {
            person: "Anna Ek".into(),
            source,
            substitute_for: None,
            correction: None,
            remote: false,
        }
    }

    fn field(result: Result<(), Refusal>) -> Option<(bool, String)> {
        match result {
            Ok(()) => None,
            Err(Refusal::Invalid { field, .. }) => Some((false, field)),
            Err(Refusal::NotTheDoors { field, .. }) => Some((true, field)),
        }
    }

    #[test]
    fn a_door_event_passes_and_the_pages_events_do_not() {
        let names = names();
        let none = BTreeSet::new();
        let known = Known {
            names: &names,
            expected_cards: &none,
        };
        assert_eq!(
            field(check(0, &event(checked_in(Source::Nfc)), known)),
            None
        );
        assert_eq!(
            field(check(0, &event(checked_in(Source::Secretary)), known)),
            Some((true, "event.source".into()))
        );
        let mut corrected = checked_in(Source::Touch);
        if let EventKind::CheckedIn { correction, .. } = &mut corrected {
            *correction = Some(Correction {
                by: "anna".into(),
                reason: "x".into(),
            });
        }
        assert_eq!(
            field(check(0, &event(corrected), known)),
            Some((true, "event.correction".into()))
        );
        let swap = EventKind::SubstituteStarted {
            person: "Anna Ek".into(),
            member: "Bo Ek".into(),
        };
        assert_eq!(
            field(check(0, &event(swap.clone()), known)),
            Some((true, "event.confirmed".into()))
        );
        let mut confirmed = event(swap);
        confirmed.event = confirmed.event.confirmed_by(Authority::Pin);
        assert_eq!(
            field(check(0, &confirmed, known)),
            Some((false, "event.for".into())),
            "confirmed at the door, the swap is checked like any event (Bo Ek is not called)"
        );
        let recusal = event(EventKind::Recused {
            person: "Anna Ek".into(),
            item: "4".into(),
        });
        for how in [Authority::Pin, Authority::AdminCard] {
            let mut confirmed = recusal.clone();
            confirmed.event = confirmed.event.confirmed_by(how);
            assert_eq!(field(check(0, &confirmed, known)), None);
        }
        let mut as_secretary = recusal.clone();
        as_secretary.event = as_secretary.event.confirmed_by(Authority::Secretary);
        assert_eq!(
            field(check(0, &as_secretary, known)),
            Some((true, "event.confirmed".into()))
        );
        let mut confirmed_tap = event(checked_in(Source::Nfc));
        confirmed_tap.event = confirmed_tap.event.confirmed_by(Authority::Pin);
        assert_eq!(
            field(check(0, &confirmed_tap, known)),
            Some((true, "event.confirmed".into()))
        );
        let mut remote = checked_in(Source::Nfc);
        if let EventKind::CheckedIn { remote, .. } = &mut remote {
            *remote = true;
        }
        assert_eq!(
            field(check(0, &event(remote), known)),
            Some((true, "event.remote".into()))
        );
        let expected = EventKind::CardExpected {
            person: "Anna Ek".into(),
            by: "anna".into(),
        };
        assert_eq!(
            field(check(0, &event(expected), known)),
            Some((true, "event.type".into()))
        );
        let by_secretary = EventKind::CardEnrolled {
            person: "Anna Ek".into(),
            card: "abc123".into(),
            by: Authority::Secretary,
        };
        assert_eq!(
            field(check(0, &event(by_secretary.clone()), known)),
            Some((true, "event.by".into()))
        );
        let asked = ["Anna Ek".to_string()].into();
        let known_asked = Known {
            names: &names,
            expected_cards: &asked,
        };
        assert_eq!(field(check(0, &event(by_secretary), known_asked)), None);
    }

    #[test]
    fn every_field_is_in_range() {
        let names = names();
        let none = BTreeSet::new();
        let known = Known {
            names: &names,
            expected_cards: &none,
        };
        let mut e = event(checked_in(Source::Nfc));
        e.seq = 0;
        assert_eq!(field(check(3, &e, known)), Some((false, "seq".into())));
        let mut e = event(checked_in(Source::Nfc));
        e.wall = DateTime::parse_from_rfc3339("+10000-01-01T00:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        assert_eq!(field(check(3, &e, known)), Some((false, "wall".into())));
        let mut e = event(checked_in(Source::Nfc));
        e.event.at = DateTime::parse_from_rfc3339("1969-12-31T23:59:59+00:00").unwrap_or_default();
        assert_eq!(field(check(3, &e, known)), Some((false, "event.at".into())));
        let e = event(EventKind::CheckedOut {
            person: "Okänd".into(),
            source: Source::Button,
            correction: None,
        });
        assert_eq!(
            field(check(3, &e, known)),
            Some((false, "event.person".into()))
        );
        let e = event(EventKind::ItemStarted { item: "99".into() });
        assert_eq!(
            field(check(3, &e, known)),
            Some((false, "event.item".into()))
        );
        let e = event(EventKind::ItemStarted { item: "4".into() });
        assert_eq!(field(check(3, &e, known)), None);
        let e = event(EventKind::CardEnrolled {
            person: "Anna Ek".into(),
            card: "04:A1".into(),
            by: Authority::Pin,
        });
        assert_eq!(
            field(check(3, &e, known)),
            Some((false, "event.card".into()))
        );
        let message = check(
            3,
            &event(EventKind::ItemStarted { item: "9".into() }),
            known,
        )
        .err()
        .map(|r| r.to_string())
        .unwrap_or_default();
        assert!(message.starts_with("events[3].event.item: "), "{message}");
    }
}
