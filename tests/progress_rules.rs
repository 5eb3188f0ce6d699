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
    let time = NaiveTime::parse_from_str(clock, "%H:%M:%S")
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
