//! Property tests: invariants of the schedule engine over arbitrary event
//! logs, of the derived agenda times over arbitrary notices, and an
//! importer that never panics.

use std::path::PathBuf;
use std::sync::LazyLock;

use chrono::{DateTime, Duration, NaiveTime, Utc};
use motesskylt_core::kallelse::import_bytes;
use motesskylt_core::model::time::{DEFAULT_TIME_ZONE, local_instant};
use motesskylt_core::model::{Event, EventKind, Meeting, Timing};
use motesskylt_core::progress::{Current, Phase, Schedule, ScreenState, screen_state};
use proptest::prelude::*;

static SEED_TEXT: LazyLock<String> = LazyLock::new(|| {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/seeds/000-kallelse-sro-2026-06-04.md");
    std::fs::read_to_string(path).unwrap()
});

static MEETING: LazyLock<Meeting> = LazyLock::new(|| import_bytes(SEED_TEXT.as_bytes()).unwrap());
static SCHEDULE: LazyLock<Schedule> = LazyLock::new(|| Schedule::new(&MEETING, DEFAULT_TIME_ZONE));

fn origin() -> DateTime<Utc> {
    local_instant(
        MEETING.date,
        NaiveTime::from_hms_opt(12, 40, 0).unwrap(),
        DEFAULT_TIME_ZONE,
    )
}

/// A progress event kind: an item (by number 1–11), a break, a start or an end.
fn kind() -> impl Strategy<Value = EventKind> {
    prop_oneof![
        6 => (1u32..=11).prop_map(|n| EventKind::ItemStarted { item: n.to_string() }),
        2 => proptest::option::of(1u32..30).prop_map(|minutes| EventKind::BreakStarted { minutes }),
        1 => Just(EventKind::MeetingStarted),
        1 => Just(EventKind::MeetingEnded),
    ]
}

/// A log of progress events at strictly increasing whole seconds.
fn log() -> impl Strategy<Value = Vec<Event>> {
    proptest::collection::vec((1i64..1800, kind()), 0..14).prop_map(|steps| {
        let mut at = origin();
        steps
            .into_iter()
            .map(|(gap, kind)| {
                at += Duration::seconds(gap);
                Event::new(at, DEFAULT_TIME_ZONE, kind)
            })
            .collect()
    })
}

fn state(events: &[Event], now: DateTime<Utc>) -> ScreenState {
    screen_state(&MEETING, &SCHEDULE, Some(events), now)
}

fn moment(seconds: i64) -> DateTime<Utc> {
    origin() + Duration::seconds(seconds)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Between two events nothing moves backwards: the countdown only goes
    /// down, overtime and elapsed only up, the projected end never earlier.
    #[test]
    fn times_never_go_backwards(events in log(), t1 in 0i64..14_400, step in 1i64..3_600) {
        let now1 = moment(t1);
        let next_event = events.iter().map(Event::instant).filter(|at| *at > now1).min();
        let now2 = match next_event {
            Some(at) => (now1 + Duration::seconds(step)).min(at - Duration::seconds(1)),
            None => now1 + Duration::seconds(step),
        };
        prop_assume!(now2 > now1);
        let (s1, s2) = (state(&events, now1), state(&events, now2));
        prop_assert_eq!(s1.current, s2.current);
        prop_assert!(s2.remaining_s <= s1.remaining_s);
        prop_assert!(s2.overtime_s >= s1.overtime_s);
        prop_assert!(s2.projected_end >= s1.projected_end);
        if s1.current.is_some() {
            prop_assert_eq!(s2.elapsed_s - s1.elapsed_s, (now2 - now1).num_seconds());
        }
    }

    /// Before overtime, remaining + elapsed is the planned length; after it,
    /// remaining is 0 and overtime is what elapsed exceeds it by.
    #[test]
    fn remaining_plus_elapsed_is_the_planned_length(events in log(), t in 0i64..14_400) {
        let s = state(&events, moment(t));
        if matches!(s.phase, Phase::Item | Phase::Break) {
            if s.overtime_s == 0 {
                prop_assert_eq!(s.remaining_s + s.elapsed_s, s.current_seconds);
            } else {
                prop_assert_eq!(s.remaining_s, 0);
                prop_assert_eq!(s.elapsed_s - s.current_seconds, s.overtime_s);
            }
        }
        prop_assert!(s.remaining_s >= 0 && s.overtime_s >= 0);
    }

    /// The offset is always the projected end minus the planned end.
    #[test]
    fn offset_is_projected_end_minus_planned_end(events in log(), t in 0i64..14_400, plan in any::<bool>()) {
        let s = if plan {
            screen_state(&MEETING, &SCHEDULE, None, moment(t))
        } else {
            state(&events, moment(t))
        };
        prop_assert_eq!(s.offset_s, (s.projected_end - SCHEDULE.planned_end).num_seconds());
        if plan {
            prop_assert_eq!(s.offset_s, 0, "a meeting that follows its plan is on time");
        }
    }

    /// A later item_started for an item not before the current one moves
    /// the meeting to it, and the next entry never moves back.
    #[test]
    fn a_later_item_started_never_moves_the_meeting_back(events in log(), gap in 1i64..1_800, number in 1u32..=11) {
        let last = events.last().map_or(origin(), Event::instant);
        let before = state(&events, last);
        let index = MEETING.item_index(&number.to_string()).unwrap();
        let current = match before.current {
            Some(Current::Planned(i)) => Some(i),
            _ => None,
        };
        prop_assume!(current.is_none_or(|c| index >= c));
        let at = last + Duration::seconds(gap);
        let mut more = events.clone();
        more.push(Event::new(at, DEFAULT_TIME_ZONE, EventKind::ItemStarted { item: number.to_string() }));
        let after = state(&more, at);
        prop_assert_eq!(after.current, Some(Current::Planned(index)));
        if let (Some(was), Some(now)) = (before.next, after.next) {
            prop_assert!(now >= was.min(index + 1));
        }
    }

    /// The order events arrive in (sync from several devices) does not
    /// matter: only their times do.
    #[test]
    fn arrival_order_does_not_matter(events in log(), t in 0i64..14_400, seed in any::<u64>()) {
        let mut shuffled = events.clone();
        let mut rng = seed;
        for i in (1..shuffled.len()).rev() {
            rng = rng.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            shuffled.swap(i, (rng >> 33) as usize % (i + 1));
        }
        prop_assert_eq!(state(&events, moment(t)), state(&shuffled, moment(t)));
    }
}

/// One agenda line of a generated notice.
#[derive(Debug, Clone)]
enum Line {
    Untimed,
    Duration(u32),
    Clock(u32),
    Pause(u32),
}

fn agenda() -> impl Strategy<Value = Vec<Line>> {
    proptest::collection::vec(
        prop_oneof![
            3 => Just(Line::Untimed),
            2 => (1u32..60).prop_map(Line::Duration),
            3 => (1u32..40).prop_map(Line::Clock),
            1 => (5u32..30).prop_map(Line::Pause),
        ],
        1..14,
    )
}

fn notice(lines: &[Line], start: u32, end: u32) -> (String, Vec<(u32, u32)>) {
    let clock = |m: u32| format!("{:02}.{:02}", m / 60 % 24, m % 60);
    let mut text = format!(
        "# Kallelse Testorganet\n\nDatum: 4 juni 2026\n\nTid: {} – {}\n\n## Dagordning\n\n",
        clock(start),
        clock(end)
    );
    let mut number = 0;
    let mut cursor = start;
    let mut explicit = Vec::new();
    for line in lines {
        match line {
            Line::Pause(m) => text.push_str(&format!("- Paus {m} minuter\n\n")),
            Line::Untimed => {
                number += 1;
                text.push_str(&format!("{number}. Punkt {number}\n\n"));
            }
            Line::Duration(m) => {
                number += 1;
                text.push_str(&format!("{number}. Punkt {number} ({m} min)\n\n"));
            }
            Line::Clock(m) => {
                number += 1;
                let (s, e) = (cursor + 3, (cursor + 3 + m).min(23 * 60 + 59));
                cursor = e;
                explicit.push((s, e));
                text.push_str(&format!(
                    "## {number}. Punkt {number}\n\n({m} minuter, kl. {} – {})\n\n",
                    clock(s),
                    clock(e)
                ));
            }
        }
    }
    (text, explicit)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Derived times never overlap or go backwards, and explicit times stay.
    #[test]
    fn agenda_times_never_overlap(lines in agenda(), start in 420u32..900, length in 0u32..300) {
        let (text, explicit) = notice(&lines, start, start + length);
        prop_assume!(lines.iter().any(|l| !matches!(l, Line::Pause(_))));
        prop_assume!(explicit.last().is_none_or(|(_, e)| *e < 23 * 60 + 59));
        let meeting = import_bytes(text.as_bytes()).map_err(|e| TestCaseError::fail(format!("{e:?}\n{text}")))?;
        let mut previous_end = meeting.start;
        for entry in &meeting.items {
            prop_assert!(entry.start >= previous_end, "{:?}\n{}", meeting.items, text);
            prop_assert!(entry.end >= entry.start);
            previous_end = entry.end;
        }
        let kept: Vec<(u32, u32)> = meeting
            .items
            .iter()
            .filter(|e| e.timing == Timing::Explicit)
            .map(|e| {
                let m = |t: NaiveTime| chrono::Timelike::hour(&t) * 60 + chrono::Timelike::minute(&t);
                (m(e.start), m(e.end))
            })
            .collect();
        prop_assert_eq!(kept, explicit);
    }

    /// Whatever the bytes, the importer answers; it never panics.
    #[test]
    fn importer_never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let _ = import_bytes(&bytes);
    }

    /// Nor on a real notice cut, spliced or with lines dropped.
    #[test]
    fn importer_never_panics_on_damaged_notices(cut in 0usize..12_000, splice in 0usize..12_000, drop_every in 2usize..20, noise in "\\PC{0,80}") {
        let bytes = SEED_TEXT.as_bytes();
        let cut = cut.min(bytes.len());
        let _ = import_bytes(&bytes[..cut]);
        let mut spliced = bytes.to_vec();
        let at = splice.min(spliced.len());
        spliced.splice(at..at, noise.bytes());
        let _ = import_bytes(&spliced);
        let dropped: String = SEED_TEXT
            .lines()
            .enumerate()
            .filter(|(i, _)| i % drop_every != 0)
            .map(|(_, l)| format!("{l}\n"))
            .collect();
        let _ = import_bytes(dropped.as_bytes());
    }
}
