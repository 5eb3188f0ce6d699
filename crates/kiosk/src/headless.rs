//! The kiosk without a screen (`motesskylt kiosk --headless`): the same
//! station, readers and store, with the door's answers written as JSON
//! lines on standard output and commands read from standard input. For
//! scripts, tests and a kiosk whose screen is elsewhere.
//!
//! Commands, one per line: `card UID` (hex), `pick NAME` (a participant as
//! in the notice), `open-picker`, `pin DIGITS`, `cancel`; the buttons
//! `next`, `previous`, `break`, `end`, `confirm`; the touch controls
//! `touch next|previous|break|end`; `state` (what the screen shows now,
//! answered `{"state": …, "meeting": …}` as the contract writes it);
//! `quit`. Each answer line is written
//! only after its events are on disk. With sync, lines also come by
//! themselves: `learned` (other devices' events), `sync` (its state) and
//! `meeting` (a new version from the secretary's pages, now shown). The
//! first line, `ready`, names the meeting and its items as shown.

use std::io::{BufRead, Write};

use serde_json::json;
use tokio::sync::mpsc::UnboundedSender;

use motesskylt_core::attendance::formal::Request;
use motesskylt_core::model::Meeting;
use motesskylt_core::model::time::Lang;
use motesskylt_hw::Uid;

use motesskylt_daemon::service::Notifier;

use super::clock::Clock;
use super::desk::{Control, Input, Prompt};
use super::station::{Message, Station, Update};
use super::view::DoorKind;
use super::watchdog::Watchdog;
use motesskylt_core::room::DoorState;

/// Reads one command line; `Ok(None)` for `quit`.
pub fn parse_command(meeting: &Meeting, line: &str) -> Result<Option<Message>, String> {
    let line = line.trim();
    let (word, rest) = line.split_once(' ').unwrap_or((line, ""));
    let rest = rest.trim();
    let control = |name: &str| match name {
        "next" => Some(Control::Next),
        "previous" => Some(Control::Previous),
        "break" => Some(Control::Break),
        "end" => Some(Control::End),
        _ => None,
    };
    let message = match word {
        "quit" => return Ok(None),
        "state" => Message::State,
        "card" => {
            Message::Card(Uid::from_hex(rest).ok_or_else(|| {
                format!("\"{rest}\" är inget kort-UID i hex, t.ex. card 04A1B2C3")
            })?)
        }
        "pick" => Message::Input(Input::Pick(meeting.participant_index(rest).ok_or_else(
            || format!("\"{rest}\" finns inte bland deltagarna; skriv namnet som i kallelsen"),
        )?)),
        "open-picker" => Message::Input(Input::OpenPicker),
        "open-recusal" => Message::Input(Input::OpenRecusal),
        "pick-item" => Message::Input(Input::PickItem(rest.to_string())),
        "serve" => {
            let (deputy, member) = two(
                rest,
                "serve ERSÄTTARE | LEDAMOT, t.ex. serve Lisa Ahl | Bo Ek",
            )?;
            Message::Input(Input::Formal(Request::Serve { deputy, member }))
        }
        "hand-back" => Message::Input(Input::Formal(Request::HandBack {
            deputy: rest.to_string(),
        })),
        "recuse" => {
            let (person, item) = two(rest, "recuse NAMN | PUNKT, t.ex. recuse Anders Myr | 5")?;
            Message::Input(Input::Formal(Request::Recuse { person, item }))
        }
        "pin" => Message::Input(Input::Pin(rest.to_string())),
        "cancel" => Message::Input(Input::Cancel),
        "confirm" => Message::Input(Input::Confirm),
        "touch" => {
            Message::Input(Input::Touch(control(rest).ok_or_else(|| {
                format!("okänd knapp \"{rest}\" (next, previous, break, end)")
            })?))
        }
        other => match control(other) {
            Some(c) => Message::Input(Input::Press(c)),
            None => {
                return Err(format!(
                    "okänt kommando \"{other}\" (card, pick, open-picker, pin, cancel, confirm, next, previous, break, end, touch, serve, hand-back, recuse, open-recusal, pick-item, state, quit)"
                ));
            }
        },
    };
    Ok(Some(message))
}

/// "A | B" as its two parts, or what to write.
fn two(rest: &str, usage: &str) -> Result<(String, String), String> {
    match rest.split_once('|') {
        Some((a, b)) if !a.trim().is_empty() && !b.trim().is_empty() => {
            Ok((a.trim().to_string(), b.trim().to_string()))
        }
        _ => Err(format!("skriv {usage}")),
    }
}

/// The meeting `id` as the lines name it (the contract's `meeting` of
/// `state`; `key` is the id too, as older scripts read it).
pub fn meeting_line(id: &str, m: &Meeting) -> serde_json::Value {
    serde_json::to_value(motesskylt_core::room::MeetingLine::new(id, m)).unwrap_or_default()
}

/// The JSON line for an update of the meeting `id`: the answer to `state`
/// (`{"state": …, "meeting": …}`), or the door's and sync's news.
pub fn answer_line(id: &str, meeting: &Meeting, update: &Update) -> serde_json::Value {
    match &update.state {
        Some(Some(state)) => return json!({"state": state, "meeting": meeting_line(id, meeting)}),
        Some(None) => return json!({"state": {"phase": "none"}, "meeting": null}),
        None => {}
    }
    let outcome = &update.outcome;
    let door = outcome.door.as_ref();
    json!({
        "door": door.map(|d| door_name(d.kind)),
        "person": door.and_then(|d| d.person).and_then(|i| meeting.participants.get(i)).map(|p| p.name.clone()),
        "prompt": outcome.prompt.as_ref().map(|p| match p {
            Prompt::Pick { card: Some(_), .. } => "pick-for-card",
            Prompt::Pick { card: None, .. } => "pick",
            Prompt::Enrol { .. } => "pin-for-card",
            Prompt::Control { .. } => "pin-for-control",
            Prompt::Recusal { person: None, .. } => "pick-for-recusal",
            Prompt::Recusal { person: Some(_), .. } => "pick-item",
            Prompt::Formal { .. } => "pin-for-formal",
        }),
        "formal": door.and_then(|d| d.formal.as_ref()).map(|answer| super::view::formal_said(answer, Lang::Sv)),
        "reader": update.reader_problem.map(|problem| if problem { "failed" } else { "ok" }),
        "stored": update.stored.iter().map(|r| {
            let mut line = r.to_json();
            if let Some(object) = line.as_object_mut() {
                object.insert("rowid".into(), r.rowid.into());
            }
            line
        }).collect::<Vec<_>>(),
        "learned": update.learned,
        "meeting": update.meeting.as_deref().or(update.shift.as_ref().map(|s| &s.meeting)).map(|m| {
            let mut line = meeting_line(id, m);
            line["items"] = m.items.iter().map(|i| i.title.clone()).collect::<Vec<_>>().into();
            if let Some(shift) = &update.shift {
                line["door"] = door_state_name(&shift.door).into();
            }
            line
        }),
        "sync": update.sync.as_ref().map(|s| json!({
            "online": s.online,
            "offline_since": s.offline_since,
            "unsent": s.unsent,
            "problem": s.problem,
        })),
    })
}

fn door_state_name(door: &DoorState) -> &'static str {
    match door {
        DoorState::Open => "open",
        DoorState::Cancelled => "cancelled",
        DoorState::Free => "free",
    }
}

fn door_name(kind: DoorKind) -> &'static str {
    match kind {
        DoorKind::Hidden => "none",
        DoorKind::Welcome => "welcome",
        DoorKind::CheckedOut => "checked_out",
        DoorKind::AlreadyIn => "already_in",
        DoorKind::AlreadyOut => "already_out",
        DoorKind::UnknownCard => "unknown_card",
        DoorKind::TooEarly => "too_early",
        DoorKind::Closed => "closed",
        DoorKind::Enrolled => "enrolled",
        DoorKind::WrongPin => "wrong_pin",
        DoorKind::PinLocked => "pin_locked",
        DoorKind::NotSaved => "not_saved",
        DoorKind::NoPin => "no_pin",
        DoorKind::AdminCard => "admin_card",
        DoorKind::NotInvited => "not_invited",
        DoorKind::Cancelled => "cancelled",
        DoorKind::NoMeeting => "no_meeting",
        DoorKind::FormalDone => "formal_done",
        DoorKind::FormalRefused => "formal_refused",
    }
}

/// Runs headless until `quit` or the end of standard input. `readers`
/// starts the card readers with the sender they report to; `service` is
/// told when the kiosk is ready, and its watchdog is pinged while the input
/// thread runs.
pub fn run(
    station: Station,
    clock: Clock,
    service: Option<Notifier>,
    readers: impl FnOnce(UnboundedSender<Message>),
) -> std::io::Result<()> {
    let (messages, received) = tokio::sync::mpsc::unbounded_channel::<Message>();
    let mut out = std::io::stdout();
    writeln!(
        out,
        "{}",
        json!({
            "ready": true,
            "meeting": station.meeting_key(),
            "door": door_state_name(station.door()),
            "items": station.meeting().items.iter().map(|i| i.title.clone()).collect::<Vec<_>>(),
            "store": station.store().path(),
        })
    )?;
    out.flush()?;
    // The meeting as shown: the secretary may send a new version, and the
    // door moves on to the room's next meeting.
    let shown = std::sync::Arc::new(std::sync::RwLock::new(station.meeting().clone()));
    let worker = std::thread::Builder::new()
        .name("motesskylt-inputs".into())
        .spawn({
            let shown = shown.clone();
            move || {
                let mut out = std::io::stdout();
                let mut id = station.meeting_key().to_string();
                station.run(received, clock, move |update| {
                    if let Some(shift) = &update.shift {
                        id.clone_from(&shift.id);
                    }
                    let newest = update
                        .meeting
                        .as_deref()
                        .or(update.shift.as_ref().map(|s| &s.meeting));
                    if let (Some(meeting), Ok(mut shown)) = (newest, shown.write()) {
                        *shown = meeting.clone();
                    }
                    let line = match shown.read() {
                        Ok(meeting) => answer_line(&id, &meeting, &update),
                        Err(_) => return false,
                    };
                    writeln!(out, "{line}").and_then(|()| out.flush()).is_ok()
                })
            }
        })?;
    readers(messages.clone());
    if let Some(service) = service {
        watch(service, messages.clone())?;
    }
    // Commands are read on their own thread, so a kiosk that stops by
    // itself (a damaged store) does not wait for the next line.
    std::thread::Builder::new()
        .name("motesskylt-stdin".into())
        .spawn(move || {
            for line in std::io::stdin().lock().lines() {
                let Ok(line) = line else { break };
                if line.trim().is_empty() {
                    continue;
                }
                let parsed = match shown.read() {
                    Ok(meeting) => parse_command(&meeting, &line),
                    Err(_) => break,
                };
                match parsed {
                    Ok(Some(message)) => {
                        if messages.send(message).is_err() {
                            return;
                        }
                    }
                    Ok(None) => break,
                    Err(problem) => tracing::warn!("{problem}"),
                }
            }
            let _ = messages.send(Message::Stop);
        })?;
    match worker.join() {
        Ok(Some(reason)) => Err(std::io::Error::other(format!(
            "kiosken stannade: {reason}; starta om den så kontrolleras lagringen och det som går att läsa räddas"
        ))),
        _ => Ok(()),
    }
}

/// Tells systemd the headless kiosk is ready, then ticks its watchdog
/// (see [`Watchdog`]) from a thread until the input thread has stopped.
fn watch(service: Notifier, input: UnboundedSender<Message>) -> std::io::Result<()> {
    if let Err(error) = service.ready("utan skärm") {
        tracing::warn!("{error}");
    }
    let Some(every) = service.ping_every() else {
        return Ok(());
    };
    let mut watchdog = Watchdog::new(service, input, Message::Heartbeat);
    std::thread::Builder::new()
        .name("motesskylt-watchdog".into())
        .spawn(move || {
            while watchdog.tick() {
                std::thread::sleep(every);
            }
        })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_read_and_mistakes_say_what_to_write() {
        let meeting =
            motesskylt_core::kallelse::import_bytes(motesskylt_testkit::SRO_NOTICE.as_bytes())
                .unwrap();
        assert_eq!(
            parse_command(&meeting, "card 04a1b2c3").unwrap(),
            Some(Message::Card(Uid(vec![4, 0xA1, 0xB2, 0xC3])))
        );
        assert_eq!(
            parse_command(&meeting, "touch break").unwrap(),
            Some(Message::Input(Input::Touch(Control::Break)))
        );
        assert_eq!(
            parse_command(&meeting, "next").unwrap(),
            Some(Message::Input(Input::Press(Control::Next)))
        );
        let name = &meeting.participants[2].name;
        assert_eq!(
            parse_command(&meeting, &format!("pick {name}")).unwrap(),
            Some(Message::Input(Input::Pick(2)))
        );
        assert_eq!(parse_command(&meeting, "quit").unwrap(), None);
        assert!(
            parse_command(&meeting, "card xyz")
                .unwrap_err()
                .contains("hex")
        );
        assert!(
            parse_command(&meeting, "pick Nobody")
                .unwrap_err()
                .contains("Nobody")
        );
        assert!(
            parse_command(&meeting, "dance")
                .unwrap_err()
                .contains("card, pick")
        );
    }
}
