//! `motesskylt demo`: the SRO notice of 4 June 2026 moved to today, starting
//! a few minutes from now, so a newcomer sees a live countdown at once.
//!
//! The demo meeting opens in the Slint kiosk (`kiosk::window`); [`run`]
//! here is the terminal room screen used when there is no display (or with
//! `--terminal`): the same engine and words, redrawn once a second.

use std::io::{IsTerminal, Write};
use std::sync::LazyLock;
use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, NaiveTime, Timelike, Utc};
use chrono_tz::Tz;
use thiserror::Error;

use motesskylt_core::cards::CardKey;
use motesskylt_core::cards::Uid;
use motesskylt_core::kallelse;
use motesskylt_core::model::event::Authority;
use motesskylt_core::model::time::local_time;
use motesskylt_core::model::{Event, EventKind, Meeting};
use motesskylt_core::progress::{Phase, Schedule, report, screen_state};
use motesskylt_kiosk::clock::meeting_clock;
use motesskylt_kiosk::desk::DeskRules;
use motesskylt_kiosk::station::{ClockTrust, Station};
use motesskylt_store::{Store, StoreError};

pub mod keys;

/// The embedded notice (seed 000 of the SRO documents).
pub const NOTICE: &str = include_str!("kallelse-sro-2026-06-04.md");

/// The demo's card for the called participant at `position` (0-based):
/// the digit keys tap these. The first nine are registered when the demo
/// starts; the tenth (key 0) is not, to show enrolment.
pub fn card(position: usize) -> Uid {
    Uid(vec![0x04, 0xDE, 0x40, position.min(255) as u8])
}

/// How many demo cards are registered at start.
pub const REGISTERED_CARDS: usize = 9;

/// A card nobody has registered (key `u`).
pub static UNKNOWN_CARD: LazyLock<Uid> =
    LazyLock::new(|| Uid(vec![0x04, 0xDE, 0x40, 0xFF, 0x01, 0x02, 0x03]));

/// The demo's card key (a real kiosk makes a random one, see `cards`).
pub const CARD_KEY: [u8; 32] = *b"motesskylt demo card key 2026-06";

/// The PIN of the demo's secretary, shown on the help screen.
pub const PIN: &str = "1234";

/// The enrolments the demo starts with: the first [`REGISTERED_CARDS`]
/// called participants' cards, as registered at the door with the PIN (a
/// door records only what it may: the central server refuses a card
/// "registered by the secretary" that the secretary never asked for).
pub fn enrolments(meeting: &Meeting, key: &CardKey, tz: Tz, now: DateTime<Utc>) -> Vec<Event> {
    meeting
        .called()
        .take(REGISTERED_CARDS)
        .enumerate()
        .map(|(position, (_, person))| {
            Event::new(
                now,
                tz,
                EventKind::CardEnrolled {
                    person: person.name.clone(),
                    card: key.hash(&card(position)).0,
                    by: Authority::Pin,
                },
            )
        })
        .collect()
}

/// The demo's station: a fresh store at `store` (a file path), the demo's
/// card key and PIN, and the first [`REGISTERED_CARDS`] cards registered.
pub fn station(
    meeting: &Meeting,
    tz: Tz,
    store: &std::path::Path,
    now: DateTime<Utc>,
) -> Result<Station, StoreError> {
    let key = CardKey::from_bytes(CARD_KEY);
    let rules = DeskRules {
        pin: Some(PIN.to_string()),
        ..DeskRules::default()
    };
    let store = Store::open(store, "demo")?;
    // The demo's clock is its own (moved, perhaps faster): judge by it.
    let mut station = Station::new(store, Some(meeting.clone()), tz, rules, key.clone(), now)?
        .with_clock_trust(ClockTrust::Given);
    station.record(&enrolments(meeting, &key, tz, now), now)?;
    Ok(station)
}

/// Minutes from now until the demo meeting starts.
const LEAD_MINUTES: u32 = 3;

/// Errors of the demo.
#[derive(Debug, Error)]
pub enum DemoError {
    /// The embedded notice did not import (a build with a broken fixture).
    #[error("den inbyggda demokallelsen går inte att läsa: {0}")]
    Notice(String),
    /// The terminal could not be written.
    #[error("kan inte skriva till terminalen: {0}")]
    Output(#[from] std::io::Error),
}

/// The demo meeting for a local moment: today's date, starting
/// a few minutes (`LEAD_MINUTES`) after `now` (rounded up to the minute), every entry
/// moved by the same amount. Late in the evening, when the meeting would
/// run past midnight, it ends at 23:59 instead and is already under way.
pub fn meeting_at(now: NaiveDateTime) -> Result<Meeting, DemoError> {
    let mut meeting = kallelse::import_bytes(NOTICE.as_bytes()).map_err(|problems| {
        DemoError::Notice(
            problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; "),
        )
    })?;
    let minute = |t: NaiveTime| t.hour() * 60 + t.minute();
    let length = minute(meeting.end).saturating_sub(minute(meeting.start));
    let wanted = minute(now.time()) + 1 + LEAD_MINUTES;
    let start = wanted.min(24 * 60 - 1 - length);
    let shift = i64::from(start) - i64::from(minute(meeting.start));
    let moved = |t: NaiveTime| t + chrono::Duration::minutes(shift);
    meeting.date = now.date();
    meeting.start = moved(meeting.start);
    meeting.end = moved(meeting.end);
    for entry in &mut meeting.items {
        entry.start = moved(entry.start);
        entry.end = moved(entry.end);
    }
    Ok(meeting)
}

/// The moment the demo's own clock starts at, for `meeting` (made by
/// [`meeting_at`] from `now`): now, or late in the evening, when the
/// meeting had to be moved earlier to end before midnight, [`LEAD_MINUTES`]
/// before its start, so that the demo always opens on the countdown.
pub fn clock_start(meeting: &Meeting, now: DateTime<Utc>, tz: Tz) -> DateTime<Utc> {
    let starts = motesskylt_core::model::time::local_instant(meeting.date, meeting.start, tz);
    now.min(starts - chrono::Duration::minutes(i64::from(LEAD_MINUTES)))
}

/// Runs the terminal room screen. `speed` makes the meeting's clock run
/// faster than the wall clock; `frames` stops after that many redraws.
pub fn run(tz: Tz, speed: u32, frames: Option<u64>) -> Result<(), DemoError> {
    let started = Utc::now();
    let meeting = meeting_at(local_time(started, tz))?;
    let shown_from = clock_start(&meeting, started, tz);
    let schedule = Schedule::new(&meeting, tz);
    let terminal = std::io::stdout().is_terminal();
    let mut out = std::io::stdout().lock();
    let mut drawn = 0u64;
    loop {
        let now = shown_from + (meeting_clock(started, Utc::now(), speed) - started);
        let state = screen_state(&meeting, &schedule, None, now);
        if terminal {
            write!(out, "\x1b[2J\x1b[H")?;
        }
        writeln!(out, "{}", report::text(&meeting, &state, tz))?;
        if terminal {
            writeln!(
                out,
                "(demo · Ctrl-C avslutar · --speed 60 kör en minut per sekund)"
            )?;
        }
        out.flush()?;
        drawn += 1;
        if frames.is_some_and(|f| drawn >= f) || state.phase == Phase::After {
            return Ok(());
        }
        std::thread::sleep(Duration::from_secs(1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn local(h: u32, m: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 24)
            .unwrap()
            .and_hms_opt(h, m, 30)
            .unwrap()
    }

    #[test]
    fn the_demo_meeting_starts_a_few_minutes_from_now_today() {
        let meeting = meeting_at(local(9, 41)).unwrap();
        assert_eq!(meeting.date, NaiveDate::from_ymd_opt(2026, 11, 24).unwrap());
        assert_eq!(meeting.start, NaiveTime::from_hms_opt(9, 45, 0).unwrap());
        assert_eq!(meeting.end, NaiveTime::from_hms_opt(12, 15, 0).unwrap());
        let item4 = &meeting.items[meeting.item_index("4").unwrap()];
        assert_eq!(item4.start, NaiveTime::from_hms_opt(9, 50, 0).unwrap());
    }

    #[test]
    fn late_at_night_the_meeting_ends_before_midnight() {
        let meeting = meeting_at(local(23, 0)).unwrap();
        assert_eq!(meeting.end, NaiveTime::from_hms_opt(23, 59, 0).unwrap());
        assert!(meeting.items.iter().all(|e| e.start <= e.end));
    }

    #[test]
    fn the_demo_always_opens_on_its_countdown() {
        let tz = motesskylt_core::model::time::DEFAULT_TIME_ZONE;
        for (h, m) in [(9, 41), (21, 30), (22, 40), (23, 58), (0, 5)] {
            let now = motesskylt_core::model::time::local_instant(
                local(h, m).date(),
                local(h, m).time(),
                tz,
            );
            let meeting = meeting_at(local_time(now, tz)).unwrap();
            let start = clock_start(&meeting, now, tz);
            let state = screen_state(&meeting, &Schedule::new(&meeting, tz), None, start);
            assert_eq!(state.phase, Phase::Before, "at {h}:{m:02}");
            assert!(
                (i64::from(LEAD_MINUTES) * 60..=i64::from(LEAD_MINUTES + 1) * 60)
                    .contains(&state.remaining_s),
                "at {h}:{m:02}: {} s to the start",
                state.remaining_s
            );
            if (h, m) == (9, 41) {
                assert_eq!(start, now, "the wall clock when the meeting fits");
            }
        }
    }

    #[test]
    fn the_clock_runs_faster_at_speed() {
        let t0 = DateTime::<Utc>::from_timestamp(1_000_000, 0).unwrap();
        let t1 = t0 + chrono::Duration::seconds(2);
        assert_eq!(
            meeting_clock(t0, t1, 60),
            t0 + chrono::Duration::seconds(120)
        );
    }
}
