//! Every rule of `status` in the contract, on the SRO notice of 4 June 2026.

use std::path::PathBuf;

use chrono::{DateTime, NaiveTime, Utc};
use motesskylt_core::kallelse::import_file;
use motesskylt_core::model::time::{DEFAULT_TIME_ZONE, local_instant};
use motesskylt_core::model::{Event, EventKind, Meeting, Source};
use motesskylt_core::progress::{Current, Phase, Schedule, ScreenState, screen_state};

fn meeting() -> Meeting {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/seeds/000-kallelse-sro-2026-06-04.md");
    import_file(&path).unwrap()
}

fn at(m: &Meeting, clock: &str) -> DateTime<Utc> {
    let time = NaiveTime::parse_from_str(clock, "%H:%M:%S%.f")
        .or_else(|_| NaiveTime::parse_from_str(clock, "%H:%M:%S"))
        .or_else(|_| NaiveTime::parse_from_str(clock, "%H:%M"))
        .unwrap();
    local_instant(m.date, time, DEFAULT_TIME_ZONE)
}

fn item(n: &str) -> EventKind {
    EventKind::ItemStarted { item: n.into() }
}

fn log(m: &Meeting, entries: &[(&str, EventKind)]) -> Vec<Event> {
    entries
        .iter()
        .map(|(clock, kind)| Event::new(at(m, clock), DEFAULT_TIME_ZONE, kind.clone()))
        .collect()
}

fn state(m: &Meeting, events: Option<&[Event]>, clock: &str) -> ScreenState {
    let schedule = Schedule::new(m, DEFAULT_TIME_ZONE);
    screen_state(m, &schedule, events, at(m, clock))
}

fn current_number(m: &Meeting, s: &ScreenState) -> Option<String> {
    match s.current? {
        Current::Planned(i) => m.items[i].number.clone(),
        Current::UnplannedBreak => None,
    }
}

#[test]
fn following_the_plan_the_screen_walks_the_agenda_on_time() {
    let m = meeting();
    let before = state(&m, None, "12:50");
    assert_eq!(before.phase, Phase::Before);
    assert_eq!(before.remaining_s, 600, "countdown to the start");
    assert_eq!(before.next, Some(0));
    for (clock, number) in [
        ("13:00", "1"),
        ("13:05", "4"),
        ("13:24:59", "4"),
        ("14:10", "7"),
        ("15:29", "11"),
    ] {
        let s = state(&m, None, clock);
        assert_eq!(s.phase, Phase::Item, "{clock}");
        assert_eq!(current_number(&m, &s).as_deref(), Some(number), "{clock}");
        assert_eq!(s.offset_s, 0, "{clock}");
    }
    let pause = state(&m, None, "14:20");
    assert_eq!(pause.phase, Phase::Break);
    assert_eq!(pause.remaining_s, 600);
    assert_eq!(state(&m, None, "15:30").phase, Phase::After);
}

#[test]
fn remaining_counts_from_the_actual_start_then_overtime_counts_up() {
    let m = meeting();
    let events = log(
        &m,
        &[
            ("13:07", EventKind::MeetingStarted),
            ("13:09:30", item("4")),
        ],
    );
    let s = state(&m, Some(&events), "13:16:56");
    assert_eq!((s.remaining_s, s.overtime_s, s.elapsed_s), (754, 0, 446));
    assert_eq!(s.offset_s, 270, "item 4 ends 4.5 min late");
    let over = state(&m, Some(&events), "13:32:42");
    assert_eq!((over.remaining_s, over.overtime_s), (0, 192));
    assert_eq!(
        over.projected_end,
        at(&m, "13:32:42") + chrono::Duration::minutes(125),
        "over time: the item ends now and the 125 planned minutes after it follow"
    );
    assert_eq!(
        over.offset_s,
        (over.projected_end - at(&m, "15:30")).num_seconds()
    );
}

#[test]
fn a_late_start_is_told_before_the_meeting() {
    let m = meeting();
    let events = log(
        &m,
        &[(
            "12:55",
            EventKind::CheckedIn {
                person: "Helen Eliasson".into(),
                source: Source::Nfc,
                substitute_for: None,
                correction: None,
                remote: false,
            },
        )],
    );
    let s = state(&m, Some(&events), "13:03");
    assert_eq!(s.phase, Phase::Before);
    assert_eq!((s.remaining_s, s.overtime_s, s.offset_s), (0, 180, 180));
    assert_eq!(s.present, 1);
}

#[test]
fn meeting_started_starts_the_first_item() {
    let m = meeting();
    let events = log(&m, &[("13:02", EventKind::MeetingStarted)]);
    let s = state(&m, Some(&events), "13:03");
    assert_eq!(current_number(&m, &s).as_deref(), Some("1"));
    assert_eq!(s.current_since, Some(at(&m, "13:02")));
}

#[test]
fn items_passed_over_are_done() {
    let m = meeting();
    let events = log(
        &m,
        &[("13:00", EventKind::MeetingStarted), ("13:06", item("6"))],
    );
    let s = state(&m, Some(&events), "13:10");
    assert_eq!(current_number(&m, &s).as_deref(), Some("6"));
    assert_eq!(
        s.next.map(|i| m.items[i].number.clone()),
        Some(Some("7".into()))
    );
    // Item 6 runs 25 min from 13:06; everything after it keeps its plan.
    assert_eq!(
        s.projected_end,
        at(&m, "13:31") + (at(&m, "15:30") - at(&m, "14:10"))
    );
}

#[test]
fn break_started_takes_the_planned_break_and_its_length() {
    let m = meeting();
    let events = log(
        &m,
        &[
            ("14:10", item("7")),
            ("14:16", EventKind::BreakStarted { minutes: None }),
        ],
    );
    let s = state(&m, Some(&events), "14:20");
    assert_eq!(s.phase, Phase::Break);
    assert_eq!(s.current, Some(Current::Planned(7)));
    assert_eq!(s.remaining_s, 15 * 60 - 4 * 60);
    assert_eq!(s.offset_s, 60);
    assert_eq!(
        s.next.map(|i| m.items[i].number.clone()),
        Some(Some("8".into()))
    );
}

#[test]
fn an_unplanned_break_has_the_announced_length_and_the_item_is_done() {
    let m = meeting();
    let events = log(
        &m,
        &[
            ("13:25", item("5")),
            ("13:35", EventKind::BreakStarted { minutes: Some(10) }),
        ],
    );
    let s = state(&m, Some(&events), "13:40");
    assert_eq!(s.phase, Phase::Break);
    assert_eq!(s.current, Some(Current::UnplannedBreak));
    assert_eq!(s.remaining_s, 300);
    // The break ends 13:45, where item 5 was planned to end: on time.
    assert_eq!(s.offset_s, 0);
    assert_eq!(
        s.next.map(|i| m.items[i].number.clone()),
        Some(Some("6".into()))
    );
}

#[test]
fn meeting_ended_is_after_with_the_actual_end() {
    let m = meeting();
    let events = log(
        &m,
        &[
            ("13:00", EventKind::MeetingStarted),
            ("15:34", EventKind::MeetingEnded),
        ],
    );
    let s = state(&m, Some(&events), "15:40");
    assert_eq!(s.phase, Phase::After);
    assert_eq!(s.ended_at, Some(at(&m, "15:34")));
    assert_eq!(s.offset_s, 240);
    assert_eq!(s.next, None);
}

#[test]
fn events_count_in_time_order_not_arrival_order() {
    let m = meeting();
    // Item 5's start was recorded by another device and synced first.
    let events = log(&m, &[("13:27", item("5")), ("13:05", item("4"))]);
    let s = state(&m, Some(&events), "13:30");
    assert_eq!(current_number(&m, &s).as_deref(), Some("5"));
}

#[test]
fn events_after_now_are_not_seen() {
    let m = meeting();
    let events = log(&m, &[("13:05", item("4")), ("13:27", item("5"))]);
    let s = state(&m, Some(&events), "13:20");
    assert_eq!(current_number(&m, &s).as_deref(), Some("4"));
}

#[test]
fn going_back_to_an_item_keeps_later_items_done() {
    let m = meeting();
    let events = log(
        &m,
        &[
            ("13:05", item("4")),
            ("13:25", item("5")),
            ("13:30", item("4")),
        ],
    );
    let s = state(&m, Some(&events), "13:31");
    assert_eq!(current_number(&m, &s).as_deref(), Some("4"));
    assert_eq!(
        s.next.map(|i| m.items[i].number.clone()),
        Some(Some("6".into()))
    );
}

#[test]
fn present_counts_in_minus_out_and_expected_only_the_called() {
    let m = meeting();
    let checked_in = |p: &str| EventKind::CheckedIn {
        person: p.into(),
        source: Source::Nfc,
        substitute_for: None,
        correction: None,
        remote: false,
    };
    let checked_out = |p: &str| EventKind::CheckedOut {
        person: p.into(),
        source: Source::Button,
        correction: None,
    };
    let events = log(
        &m,
        &[
            ("12:50", checked_in("Helen Eliasson")),
            ("12:51", checked_in("Marina Johansson")),
            ("12:52", checked_in("Ida Wickström")),
            ("13:40", checked_out("Marina Johansson")),
        ],
    );
    // Ida Wickström is an invited guest: in neither count, so "N av M
    // incheckade" is of those called (issue 15, point 5).
    assert!(
        m.participants
            .iter()
            .any(|p| p.name == "Ida Wickström" && p.invited)
    );
    assert_eq!(state(&m, Some(&events), "13:00").present, 2);
    let later = state(&m, Some(&events), "13:41");
    assert_eq!((later.present, later.expected), (1, 30));
}

/// Presses `command` at `clock` on the log, as the door, the pages and the
/// control API do, and adds what it records to the log.
fn press(
    m: &Meeting,
    log: &mut Vec<Event>,
    command: motesskylt_core::progress::control::Command,
    clock: &str,
) -> Result<(), motesskylt_core::progress::control::Refusal> {
    let schedule = Schedule::new(m, DEFAULT_TIME_ZONE);
    let recorded =
        motesskylt_core::progress::control::events(m, &schedule, log, command, at(m, clock))?;
    log.extend(recorded);
    Ok(())
}

fn driven(m: &Meeting, log: &[Event], clock: &str) -> ScreenState {
    let schedule = Schedule::new(m, DEFAULT_TIME_ZONE);
    let events = motesskylt_core::progress::with_plan(&schedule, log);
    screen_state(m, &schedule, Some(&events), at(m, clock))
}

#[test]
fn the_secretarys_controls_drive_the_meeting_and_undo_takes_back_the_last() {
    use motesskylt_core::progress::control::{Command, Refusal};
    let m = meeting();
    let mut log = Vec::new();
    assert_eq!(
        press(&m, &mut log, Command::Resume, "12:58"),
        Err(Refusal::NotStarted)
    );
    assert_eq!(
        press(&m, &mut log, Command::Undo, "12:58"),
        Err(Refusal::NothingToUndo)
    );
    press(&m, &mut log, Command::Start, "12:58").unwrap();
    assert_eq!(driven(&m, &log, "12:59").phase, Phase::Item);
    assert_eq!(
        press(&m, &mut log, Command::Start, "12:59"),
        Err(Refusal::Started)
    );
    for clock in ["13:05:10", "13:05:20", "13:06"] {
        press(&m, &mut log, Command::Next, clock).unwrap();
    }
    let item = current_number(&m, &driven(&m, &log, "13:06")).unwrap();
    assert_eq!(item, "4", "next moves on item by item");

    // An unplanned break of 10 minutes in the middle of the item, then
    // resume: the item goes on with the time it had left.
    let left = driven(&m, &log, "13:10").remaining_s;
    press(&m, &mut log, Command::Break { minutes: Some(10) }, "13:10").unwrap();
    let paused = driven(&m, &log, "13:12");
    assert_eq!(paused.phase, Phase::Break);
    assert_eq!(paused.remaining_s, 8 * 60);
    press(&m, &mut log, Command::Resume, "13:20").unwrap();
    let resumed = driven(&m, &log, "13:20");
    assert_eq!(current_number(&m, &resumed).as_deref(), Some(item.as_str()));
    assert_eq!(
        resumed.remaining_s, left,
        "the item keeps the time it had left"
    );

    // Five minutes more, then undo: the five minutes are gone again.
    press(&m, &mut log, Command::Extend { minutes: 5 }, "13:21").unwrap();
    assert_eq!(driven(&m, &log, "13:21").remaining_s, left - 60 + 300);
    press(&m, &mut log, Command::Undo, "13:22").unwrap();
    assert_eq!(driven(&m, &log, "13:22").remaining_s, left - 120);
    assert_eq!(
        press(&m, &mut log, Command::Extend { minutes: 0 }, "13:22"),
        Err(Refusal::Minutes)
    );

    // End, and an end pressed by mistake is undone.
    press(&m, &mut log, Command::End, "13:23").unwrap();
    assert_eq!(driven(&m, &log, "13:23").phase, Phase::After);
    assert_eq!(
        press(&m, &mut log, Command::Next, "13:24"),
        Err(Refusal::Ended)
    );
    press(&m, &mut log, Command::Undo, "13:24").unwrap();
    let back = driven(&m, &log, "13:24");
    assert_eq!(back.phase, Phase::Item);
    assert_eq!(current_number(&m, &back).as_deref(), Some(item.as_str()));
    // The record keeps the break as held: the export shows it.
    let schedule = Schedule::new(&m, DEFAULT_TIME_ZONE);
    let record = motesskylt_core::progress::record(&m, &schedule, &log);
    assert!(
        record
            .held
            .iter()
            .any(|h| h.entry == Current::UnplannedBreak && h.start == at(&m, "13:10"))
    );
    assert_eq!(record.ended, None, "the end was undone");
}

#[test]
fn a_press_at_the_door_and_one_on_the_pages_in_the_same_second_agree() {
    use motesskylt_core::progress::control::Command;
    let m = meeting();
    let mut shared = Vec::new();
    press(&m, &mut shared, Command::Start, "12:59").unwrap();
    for (door_command, pages_command) in [
        (Command::Next, Command::Next),
        (Command::Next, Command::Break { minutes: Some(10) }),
        (Command::Break { minutes: None }, Command::End),
        (Command::Next, Command::Undo),
    ] {
        // Each decides on the log it knows, neither having heard of the
        // other's press yet.
        let mut door = shared.clone();
        press(&m, &mut door, door_command, "13:10:00.200").unwrap();
        let mut pages = shared.clone();
        press(&m, &mut pages, pages_command, "13:10:00.700").unwrap();
        // The central server hears the door first; the kiosk hears the
        // pages' event after its own.
        let at_central: Vec<Event> = pages[shared.len()..]
            .iter()
            .chain(&door[shared.len()..])
            .cloned()
            .chain(shared.iter().cloned())
            .collect();
        let at_door: Vec<Event> = door.iter().chain(&pages[shared.len()..]).cloned().collect();
        for clock in ["13:10:01", "13:15"] {
            assert_eq!(
                driven(&m, &at_central, clock),
                driven(&m, &at_door, clock),
                "{door_command:?} at the door and {pages_command:?} on the pages at {clock}"
            );
        }
    }
}

#[test]
fn the_agenda_at_a_moment_says_done_now_next_and_when_each_is_expected() {
    use motesskylt_core::progress::control::Command;
    use motesskylt_core::progress::timeline::{Standing, timeline};
    let m = meeting();
    let schedule = Schedule::new(&m, DEFAULT_TIME_ZONE);
    let mut log = Vec::new();
    press(&m, &mut log, Command::Start, "12:58").unwrap();
    for clock in ["13:02", "13:04", "13:06"] {
        press(&m, &mut log, Command::Next, clock).unwrap();
    }
    let events = motesskylt_core::progress::with_plan(&schedule, &log);
    let state = driven(&m, &log, "13:10");
    let lines = timeline(&m, &schedule, &events, &state);
    let of = |number: &str| {
        lines
            .iter()
            .find(|l| m.items[l.index].number.as_deref() == Some(number))
            .unwrap()
    };
    assert_eq!(of("1").standing, Standing::Done);
    assert_eq!(of("1").started, Some(at(&m, "12:58")));
    assert_eq!(of("4").standing, Standing::Now);
    assert_eq!(of("4").started, Some(at(&m, "13:06")));
    assert_eq!(of("4").expected, None);
    // Item 4 started a minute late and keeps its 20 minutes: item 5 is
    // expected a minute after its planned 13.25, and so is everything after.
    assert_eq!(of("5").standing, Standing::Next);
    assert_eq!(of("5").expected, Some(at(&m, "13:26")));
    assert_eq!(of("11").standing, Standing::Later);
    assert_eq!(of("11").expected, Some(at(&m, "15:21")));
    assert_eq!(of("11").planned, at(&m, "15:20"));
    // Over time the expected starts move with now.
    let late = driven(&m, &log, "13:30");
    let lines = timeline(&m, &schedule, &events, &late);
    let five = lines
        .iter()
        .find(|l| m.items[l.index].number.as_deref() == Some("5"))
        .unwrap();
    assert_eq!(five.expected, Some(at(&m, "13:30")));
    // Before the start everything is to come, from the planned start.
    let before = driven(&m, &[], "12:30");
    let lines = timeline(&m, &schedule, &with_plan_events(&schedule), &before);
    assert!(lines.iter().all(|l| l.standing != Standing::Done));
    assert_eq!(lines[0].expected, Some(at(&m, "13:00")));
}

fn with_plan_events(schedule: &Schedule) -> Vec<Event> {
    motesskylt_core::progress::with_plan(schedule, &[])
}

#[test]
fn a_break_pressed_twice_still_returns_to_the_item_it_interrupted() {
    use motesskylt_core::progress::control::Command;
    let m = meeting();
    let mut log = Vec::new();
    press(&m, &mut log, Command::Start, "12:58").unwrap();
    for clock in ["13:05:10", "13:05:20", "13:06"] {
        press(&m, &mut log, Command::Next, clock).unwrap();
    }
    let left = driven(&m, &log, "13:10").remaining_s;
    // At the door and on the pages at once, or 10 minutes made 15.
    press(&m, &mut log, Command::Break { minutes: Some(10) }, "13:10").unwrap();
    press(
        &m,
        &mut log,
        Command::Break { minutes: Some(15) },
        "13:10:30",
    )
    .unwrap();
    let paused = driven(&m, &log, "13:11");
    assert_eq!(paused.phase, Phase::Break);
    assert_eq!(paused.remaining_s, 15 * 60 - 30, "the later length counts");
    press(&m, &mut log, Command::Resume, "13:25").unwrap();
    let resumed = driven(&m, &log, "13:25");
    assert_eq!(current_number(&m, &resumed).as_deref(), Some("4"));
    assert_eq!(resumed.remaining_s, left);
    let schedule = Schedule::new(&m, DEFAULT_TIME_ZONE);
    let record = motesskylt_core::progress::record(&m, &schedule, &log);
    let break_held = record
        .held
        .iter()
        .find(|h| h.entry == Current::UnplannedBreak)
        .unwrap();
    assert_eq!(
        break_held.seconds,
        15 * 60,
        "the record keeps the new length"
    );
}

#[test]
fn next_after_previous_is_where_the_screens_say_next() {
    use motesskylt_core::progress::control::Command;
    let m = meeting();
    let mut log = Vec::new();
    press(&m, &mut log, Command::Start, "12:58").unwrap();
    for clock in ["13:01", "13:02", "13:05"] {
        press(&m, &mut log, Command::Next, clock).unwrap();
    }
    press(&m, &mut log, Command::Previous, "13:06").unwrap();
    let back = driven(&m, &log, "13:06");
    assert_eq!(current_number(&m, &back).as_deref(), Some("3"));
    // What the screens call next is what "next" starts: after the furthest
    // reached (4 was held, so it is done).
    let said_next = back.next.and_then(|i| m.items[i].number.clone());
    assert_eq!(said_next.as_deref(), Some("5"));
    press(&m, &mut log, Command::Next, "13:07").unwrap();
    assert_eq!(current_number(&m, &driven(&m, &log, "13:07")), said_next);
}

#[test]
fn undoing_the_only_control_gives_the_meeting_back_to_its_plan() {
    use motesskylt_core::progress::control::{Command, Refusal};
    let m = meeting();
    let mut log = Vec::new();
    press(&m, &mut log, Command::Start, "12:50").unwrap();
    assert_eq!(driven(&m, &log, "12:51").phase, Phase::Item);
    press(&m, &mut log, Command::Undo, "12:52").unwrap();
    assert_eq!(driven(&m, &log, "12:53").phase, Phase::Before);
    // At the planned start the plan runs the screen again.
    assert_eq!(
        current_number(&m, &driven(&m, &log, "13:10")).as_deref(),
        Some("4")
    );
    // The planned break only when it is next.
    assert_eq!(
        press(&m, &mut log, Command::PlannedBreak, "13:10"),
        Err(Refusal::NoPlannedBreak)
    );
    // By the plan item 7 runs at 14.13; the planned break is next.
    press(&m, &mut log, Command::PlannedBreak, "14:13").unwrap();
    let paused = driven(&m, &log, "14:13");
    assert_eq!(paused.phase, Phase::Break);
    assert_eq!(paused.remaining_s, 15 * 60, "the planned break's length");
}

/// Issue 20, point 5: someone called for some items only ("Adjungerade
/// punkt 10 och 11") is expected, and counted as present, only while one
/// of theirs runs; between items and before the start, only those called
/// for the whole meeting count.
#[test]
fn the_count_follows_the_running_item() {
    let mut m = meeting();
    let called = m.called().count();
    let adjunct = m.called().map(|(i, _)| i).nth(2).unwrap();
    m.participants[adjunct].items = Some(vec!["5".into()]);
    let name = m.participants[adjunct].name.clone();
    let events = log(
        &m,
        &[
            (
                "12:55",
                EventKind::CheckedIn {
                    person: name,
                    source: Source::Nfc,
                    substitute_for: None,
                    correction: None,
                    remote: false,
                },
            ),
            ("13:00", EventKind::MeetingStarted),
            ("13:05", item("4")),
            ("13:25", item("5")),
        ],
    );
    let count = |clock: &str| {
        let s = state(&m, Some(&events), clock);
        (s.present, s.expected)
    };
    assert_eq!(count("12:58"), (0, called - 1), "before the start");
    assert_eq!(count("13:10"), (0, called - 1), "item 4 is not theirs");
    assert_eq!(count("13:30"), (1, called), "item 5 is");
}
