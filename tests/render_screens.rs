//! The kiosk screen drawn headless (software renderer) at chosen moments of
//! the SRO meeting of 4 June 2026: every state, both languages, the four
//! screen sizes. The checks look at the pixels: the timer's colour where the
//! timer is, the door's answer where it stands, and that words change with
//! the language.

use chrono::{DateTime, Utc};

use motesskylt_core::kallelse::import_file;
use motesskylt_core::model::event::parse_log;
use motesskylt_core::model::time::{DEFAULT_TIME_ZONE, Lang, parse_moment};
use motesskylt_core::model::{Event, Meeting};
use motesskylt_core::progress::{Schedule, screen_state};
use motesskylt_kiosk::render::{Extras, Image, render};
use motesskylt_kiosk::view::{DoorKind, DoorMessage, Settings, View, compose};

const NOTICE: &str = "tests/fixtures/seeds/000-kallelse-sro-2026-06-04.md";
const EVENTS: &str = "tests/fixtures/events-sro-2026-06-04.jsonl";
const SIZES: [(u32, u32); 4] = [(800, 480), (1280, 800), (1920, 1080), (480, 800)];

// The theme's tone colours (ui/theme.slint).
const CALM: [u8; 3] = [0x3e, 0xcf, 0x8e];
const WRAPUP: [u8; 3] = [0xf5, 0xa5, 0x24];
const OVERTIME: [u8; 3] = [0xff, 0x5c, 0x61];
const TEXT: [u8; 3] = [0xee, 0xf2, 0xf6];

struct Fixture {
    meeting: Meeting,
    events: Vec<Event>,
}

fn fixture() -> Fixture {
    let meeting = import_file(std::path::Path::new(NOTICE)).unwrap();
    let text = std::fs::read_to_string(EVENTS).unwrap();
    let events = parse_log(&text)
        .unwrap()
        .into_iter()
        .map(|(_, e)| e)
        .collect();
    Fixture { meeting, events }
}

/// The fixture as a body without members: no quorum line under the
/// header, where the message band's place is measured.
fn without_seats() -> Fixture {
    let mut f = fixture();
    for p in &mut f.meeting.participants {
        p.seat = None;
    }
    f
}

fn moment(f: &Fixture, at: &str) -> DateTime<Utc> {
    parse_moment(at, f.meeting.date, DEFAULT_TIME_ZONE).unwrap()
}

fn view(f: &Fixture, at: &str, lang: Lang, door: Option<DoorKind>) -> View {
    let now = moment(f, at);
    let schedule = Schedule::new(&f.meeting, DEFAULT_TIME_ZONE);
    let state = screen_state(&f.meeting, &schedule, Some(&f.events), now);
    let door = door.map(|kind| DoorMessage {
        kind,
        person: Some(0),
        at: now,
        time: None,
        formal: None,
    });
    compose(
        &f.meeting,
        &state,
        DEFAULT_TIME_ZONE,
        lang,
        Settings::default(),
        door.as_ref(),
    )
}

/// The screen at `at` in `lang`, with the door's answer if any, drawn at `size`.
fn draw(f: &Fixture, at: &str, lang: Lang, door: Option<DoorKind>, size: (u32, u32)) -> Image {
    render(
        &view(f, at, lang, door),
        lang,
        size.0,
        size.1,
        &Extras::default(),
    )
    .unwrap()
}

/// Pixels within a small distance of `colour` in the rectangle
/// (x0, y0)–(x1, y1), given as fractions of the image.
fn count(image: &Image, colour: [u8; 3], area: (f32, f32, f32, f32)) -> usize {
    let (x0, y0, x1, y1) = area;
    let xs = (x0 * image.width as f32) as u32..(x1 * image.width as f32) as u32;
    let ys = (y0 * image.height as f32) as u32..(y1 * image.height as f32) as u32;
    ys.flat_map(|y| xs.clone().map(move |x| (x, y)))
        .filter(|&(x, y)| {
            let p = image.pixel(x, y);
            p.iter()
                .zip(colour)
                .all(|(a, b)| (i16::from(*a) - i16::from(b)).abs() <= 6)
        })
        .count()
}

/// The states of the screen, by the moment that shows them.
const STATES: [(&str, &str); 6] = [
    ("before", "12:57"),
    ("item", "13:16:56"),
    ("wrap-up", "13:28"),
    ("overtime", "13:30:30"),
    ("break", "14:30"),
    ("after", "15:40"),
];

#[test]
fn every_state_renders_in_both_languages_at_every_size() {
    let f = fixture();
    for (name, at) in STATES.iter().chain(&[("no meeting", "2026-06-01 10:00")]) {
        for (width, height) in SIZES {
            let sv = draw(&f, at, Lang::Sv, None, (width, height));
            let en = draw(&f, at, Lang::En, None, (width, height));
            assert_eq!((sv.width, sv.height), (width, height));
            assert_eq!(sv.rgb.len(), (width * height * 3) as usize);
            // Not a blank screen: plenty of pixels differ from the background.
            let background = sv.pixel(0, 0);
            let drawn = sv.rgb.chunks(3).filter(|p| *p != background).count();
            assert!(
                drawn > (width * height / 100) as usize,
                "{name} at {width}x{height} is nearly empty ({drawn} pixels drawn)"
            );
            assert_ne!(
                sv.rgb, en.rgb,
                "{name} at {width}x{height}: English looks like Swedish"
            );
        }
    }
}

/// The timer's area: the lower part of the screen, above the footer.
const TIMER_AREA: (f32, f32, f32, f32) = (0.0, 0.5, 1.0, 0.88);

#[test]
fn the_timer_tells_calm_wrap_up_and_overtime_by_colour() {
    let f = fixture();
    for (width, height) in SIZES {
        // Item 4 started 13:09:30 for 20 minutes (see the event log).
        let calm = draw(&f, "13:16:56", Lang::Sv, None, (width, height));
        let wrapup = draw(&f, "13:28:00", Lang::Sv, None, (width, height));
        let over = draw(&f, "13:30:30", Lang::Sv, None, (width, height));
        let big = (width * height / 100) as usize;
        let size = format!("{width}x{height}");
        assert!(count(&calm, CALM, TIMER_AREA) > big, "calm timer at {size}");
        assert_eq!(
            count(&calm, OVERTIME, TIMER_AREA),
            0,
            "no red when calm at {size}"
        );
        assert!(
            count(&wrapup, WRAPUP, TIMER_AREA) > big,
            "wrap-up timer at {size}"
        );
        assert_eq!(
            count(&wrapup, CALM, TIMER_AREA),
            0,
            "no green at wrap-up at {size}"
        );
        assert!(
            count(&over, OVERTIME, TIMER_AREA) > big,
            "overtime timer at {size}"
        );
        assert_eq!(
            count(&over, CALM, TIMER_AREA),
            0,
            "no green in overtime at {size}"
        );
    }
}

#[test]
fn the_door_answer_stands_above_the_timer_without_hiding_it() {
    let f = fixture();
    for (width, height) in SIZES {
        let plain = draw(&f, "13:16:56", Lang::Sv, None, (width, height));
        let welcome = draw(
            &f,
            "13:16:56",
            Lang::Sv,
            Some(DoorKind::Welcome),
            (width, height),
        );
        let refused = draw(
            &f,
            "13:16:56",
            Lang::Sv,
            Some(DoorKind::NotInvited),
            (width, height),
        );
        let top = (0.0, 0.05, 1.0, 0.5);
        let size = format!("{width}x{height}");
        // The welcome card is framed in the calm green, a refusal in red.
        assert!(
            count(&welcome, CALM, top) > count(&plain, CALM, top) + 500,
            "welcome frame at {size}"
        );
        assert!(
            count(&refused, OVERTIME, top) > 500,
            "refusal frame at {size}"
        );
        // The timer is untouched by the overlay.
        assert_eq!(
            count(&welcome, CALM, TIMER_AREA),
            count(&plain, CALM, TIMER_AREA),
            "the timer at {size} is hidden by the door's answer"
        );
    }
}

#[test]
fn the_door_answer_fades_after_a_few_seconds() {
    let f = fixture();
    let now = moment(&f, "13:16:56");
    let schedule = Schedule::new(&f.meeting, DEFAULT_TIME_ZONE);
    let state = screen_state(&f.meeting, &schedule, Some(&f.events), now);
    let settings = Settings::default();
    let answered = |seconds_ago: i64| DoorMessage {
        kind: DoorKind::Welcome,
        person: Some(0),
        at: now - chrono::Duration::seconds(seconds_ago),
        time: None,
        formal: None,
    };
    let shown = |seconds_ago| {
        compose(
            &f.meeting,
            &state,
            DEFAULT_TIME_ZONE,
            Lang::Sv,
            settings,
            Some(&answered(seconds_ago)),
        )
        .door
        .kind
    };
    assert_eq!(shown(0), DoorKind::Welcome);
    assert_eq!(shown(settings.door_s - 1), DoorKind::Welcome);
    assert_eq!(shown(settings.door_s), DoorKind::Hidden);
}

#[test]
fn a_long_title_leaves_room_for_the_timer() {
    let f = fixture();
    // Item 7 has a title of 160 characters; at 14:20 it has 1.5 minutes left.
    for (width, height) in SIZES {
        let image = draw(&f, "14:20", Lang::Sv, None, (width, height));
        assert!(
            count(&image, WRAPUP, TIMER_AREA) > (width * height / 100) as usize,
            "the timer is pushed out of place at {width}x{height}"
        );
        // The schedule line ("6 min efter schema · beräknat slut 15.36")
        // is still on the screen's last lines.
        assert!(
            count(&image, TEXT, (0.0, 0.85, 1.0, 1.0)) > 30,
            "the schedule line is pushed off the screen at {width}x{height}"
        );
    }
}

#[test]
fn a_break_of_open_length_counts_up_without_alarm() {
    let mut f = fixture();
    // A break called during item 4, where the plan has none: open length.
    let at = moment(&f, "13:15");
    f.events.retain(|e| e.instant() <= at);
    f.events.push(Event::new(
        at,
        DEFAULT_TIME_ZONE,
        motesskylt_core::model::EventKind::BreakStarted { minutes: None },
    ));
    let shown = view(&f, "13:16", Lang::Sv, None);
    assert_eq!(
        shown.frame.screen,
        motesskylt_kiosk::view::ScreenKind::Break
    );
    assert_eq!(shown.pause.timer.timer, "01:00");
    assert_eq!(
        shown.pause.timer.tone,
        motesskylt_kiosk::view::Tone::Neutral
    );
    let image = render(&shown, Lang::Sv, 800, 480, &Extras::default()).unwrap();
    assert_eq!(
        count(&image, OVERTIME, TIMER_AREA),
        0,
        "no red for an open break"
    );
}

/// The screen's view at `at` of the meeting following its plan (no event
/// log at all: an empty log would say that nothing has started).
fn planned(f: &Fixture, at: &str) -> View {
    let now = moment(f, at);
    let schedule = Schedule::new(&f.meeting, DEFAULT_TIME_ZONE);
    let state = screen_state(&f.meeting, &schedule, None, now);
    compose(
        &f.meeting,
        &state,
        DEFAULT_TIME_ZONE,
        Lang::Sv,
        Settings::default(),
        None,
    )
}

#[test]
fn a_short_item_warns_only_in_its_second_half() {
    use motesskylt_kiosk::view::Tone;
    let f = fixture();
    // Item 1 runs 13:00–13:02: two minutes, as long as the wrap-up warning.
    let tone = |at| planned(&f, at).item.timer.tone;
    assert_eq!(planned(&f, "13:00:01").item.number, "1");
    assert_eq!(tone("13:00:01"), Tone::Calm, "calm from its first second");
    assert_eq!(tone("13:00:59"), Tone::Calm, "61 s of 120 left");
    assert_eq!(tone("13:01:00"), Tone::WrapUp, "half of it left");
    // A long item warns for the configured two minutes (item 4, 13:05–13:25).
    assert_eq!(tone("13:22:59"), Tone::Calm);
    assert_eq!(tone("13:23:00"), Tone::WrapUp);
    let image = render(
        &planned(&f, "13:00:01"),
        Lang::Sv,
        800,
        480,
        &Extras::default(),
    )
    .unwrap();
    assert!(count(&image, CALM, TIMER_AREA) > 800 * 480 / 100);
    assert_eq!(
        count(&image, WRAPUP, TIMER_AREA),
        0,
        "no amber at the start"
    );
}

#[test]
fn far_from_the_start_the_screen_says_when_and_counts_down_only_in_the_last_hour() {
    let f = fixture();
    let far = planned(&f, "04:23:03");
    assert_eq!(far.before.starts_at, "13.00");
    assert_eq!(far.before.countdown, "", "no 8:36:57 on the screen");
    assert_eq!(planned(&f, "12:00:00").before.countdown, "");
    assert_eq!(planned(&f, "12:00:01").before.countdown, "59:59");
    assert_eq!(planned(&f, "12:57:00").before.countdown, "03:00");
    // On the screen: the big digits only in the last hour.
    let digits = |at| {
        let image = render(&planned(&f, at), Lang::Sv, 800, 480, &Extras::default()).unwrap();
        count(&image, TEXT, TIMER_AREA)
    };
    assert!(digits("12:57:00") > 800 * 480 / 100, "the countdown");
    assert!(
        digits("04:23:03") < 800 * 480 / 1000,
        "digits far from the start"
    );
}

/// The next-entry line's area at 800×480 (the footer's right part).
const NEXT_AREA: (f32, f32, f32, f32) = (0.45, 0.9, 1.0, 0.97);

#[test]
fn the_next_line_is_cut_at_a_word_when_the_title_does_not_fit() {
    let f = fixture();
    // During item 4 the next item is "5. Läns gemensam riktlinje
    // Patientsäkerhet och remissvar": too long beside the schedule words.
    let shown = view(&f, "13:16:56", Lang::Sv, None);
    let full = shown.frame.next_label.clone();
    let cut = shown.frame.next_label_cut.clone();
    assert!(cut.ends_with(" …") && cut.len() < full.len(), "{cut}");
    assert!(full.starts_with(cut.trim_end_matches(" …")));
    let draw_view = |v: &View| render(v, Lang::Sv, 800, 480, &Extras::default()).unwrap();
    let drawn = draw_view(&shown);
    // What is drawn is the cut form: the same as a screen whose whole
    // label is that form.
    let mut as_cut = shown.clone();
    as_cut.frame.next_label = cut.clone();
    assert_eq!(drawn.rgb, draw_view(&as_cut).rgb, "the cut form is shown");
    // A label that fits is shown whole, whatever its cut form.
    let mut short = shown.clone();
    short.frame.next_label = "5. Avtal".into();
    short.frame.next_label_cut = "5. Avtal".into();
    let mut other_cut = short.clone();
    other_cut.frame.next_label_cut = "x".into();
    assert_eq!(draw_view(&short).rgb, draw_view(&other_cut).rgb);
    assert!(count(&draw_view(&short), [0xa3, 0xb2, 0xc2], NEXT_AREA) > 0);
}

#[test]
fn already_checked_in_names_the_person() {
    let f = fixture();
    let answer = |person: usize| {
        let mut shown = view(&f, "13:16:56", Lang::Sv, Some(DoorKind::AlreadyIn));
        shown.door.name = motesskylt_kiosk::view::display_name(&f.meeting.participants[person]);
        render(&shown, Lang::Sv, 800, 480, &Extras::default()).unwrap()
    };
    assert_ne!(
        answer(0).rgb,
        answer(1).rgb,
        "\"Du är redan incheckad\" looks the same for everyone"
    );
}

// The message band's colours (ui/theme.slint): its panel and its stripe.
const PANEL: [u8; 3] = [0x1b, 0x27, 0x33];
const ACCENT: [u8; 3] = [0x7c, 0xc4, 0xff];

/// The fixture with the secretary's message posted at 13:10, to end at
/// `until` if given.
fn with_message(text: &str, until: Option<&str>) -> Fixture {
    let mut f = without_seats();
    let until = until.map(|u| {
        moment(&f, u)
            .with_timezone(&DEFAULT_TIME_ZONE)
            .fixed_offset()
    });
    let posted = Event::new(
        moment(&f, "13:10"),
        DEFAULT_TIME_ZONE,
        motesskylt_core::model::EventKind::MessagePosted {
            text: text.into(),
            until,
        },
    );
    f.events.push(posted);
    f
}

/// A rectangle (x0, y0)–(x1, y1) as fractions of the image.
type Area = (f32, f32, f32, f32);

/// One unit of `Metrics` in ui/theme.slint at `size`: a pixel at 800×480
/// and 480×800.
fn unit(size: (u32, u32)) -> f32 {
    let (w, h) = (size.0 as f32, size.1 as f32);
    if h > w {
        (w / 480.0).min(h / 800.0)
    } else {
        (w / 800.0).min(h / 480.0)
    }
}

/// Where the message band stands at `size`: under the header, across the
/// screen (the header's height and the layout's margins and gaps, in the
/// units of `Metrics` in ui/theme.slint), as fractions of the image; and
/// the band's label column.
fn band_areas(size: (u32, u32)) -> (Area, Area) {
    let (w, h) = (size.0 as f32, size.1 as f32);
    let u = unit(size);
    // Margin 20, header 32, spacing 15: the band starts 67 units down and
    // is at least 40 high.
    let (top, bottom) = ((70.0 * u) / h, (105.0 * u) / h);
    let band = (0.0, top, 1.0, bottom);
    let label = (30.0 * u / w, top, 140.0 * u / w, bottom);
    (band, label)
}

#[test]
fn the_secretarys_message_stands_under_the_header_until_its_end() {
    let plain = without_seats();
    let posted = with_message("Vi återupptar 14.40", Some("14:40"));
    for size in SIZES {
        let at = format!("{}x{}", size.0, size.1);
        let (band, _) = band_areas(size);
        let without = draw(&plain, "13:15", Lang::Sv, None, size);
        let with = draw(&posted, "13:15", Lang::Sv, None, size);
        let area = ((band.3 - band.1) * size.0 as f32 * size.1 as f32) as usize;
        // The band's panel fills most of its area, where the screen without
        // a message has next to none of it (only text edges come close).
        assert!(
            count(&with, PANEL, band) > area / 2 + count(&without, PANEL, band),
            "the message band at {at}"
        );
        // The stripe down the band's left edge is drawn in the accent, whole.
        let x = (23.0 * unit(size)) as u32;
        let rows = (band.1 * size.1 as f32) as u32..(band.3 * size.1 as f32) as u32;
        let stripe = rows
            .clone()
            .filter(|&y| {
                with.pixel(x, y)
                    .iter()
                    .zip(ACCENT)
                    .all(|(a, b)| (i16::from(*a) - i16::from(b)).abs() <= 6)
            })
            .count();
        assert_eq!(stripe, rows.len(), "the band's stripe at {at}");
        // It makes room without pushing the timer or the schedule line off
        // the screen.
        assert!(
            count(&with, CALM, TIMER_AREA) > (size.0 * size.1 / 100) as usize,
            "the timer at {at} beside a message"
        );
        assert!(
            count(&with, TEXT, (0.0, 0.85, 1.0, 1.0)) > 30,
            "the schedule line at {at} beside a message"
        );
    }
    // At its end it is gone: the screen is the one without it.
    for at in ["14:40", "15:40"] {
        assert_eq!(
            draw(&posted, at, Lang::Sv, None, (800, 480)).rgb,
            draw(&plain, at, Lang::Sv, None, (800, 480)).rgb,
            "the message still shows at {at}"
        );
    }
}

#[test]
fn the_message_band_says_message_and_its_end_in_words() {
    let ends = with_message("Vi återupptar 14.40", Some("14:40"));
    let open = with_message("Vi återupptar 14.40", None);
    for size in SIZES {
        let at = format!("{}x{}", size.0, size.1);
        let (band, label) = band_areas(size);
        let sv = draw(&ends, "13:15", Lang::Sv, None, size);
        let en = draw(&ends, "13:15", Lang::En, None, size);
        let sv_open = draw(&open, "13:15", Lang::Sv, None, size);
        let differ = |a: &Image, b: &Image, area: Area| {
            let (x0, y0, x1, y1) = area;
            let xs = (x0 * size.0 as f32) as u32..(x1 * size.0 as f32) as u32;
            let ys = (y0 * size.1 as f32) as u32..(y1 * size.1 as f32) as u32;
            ys.flat_map(|y| xs.clone().map(move |x| (x, y)))
                .filter(|&(x, y)| a.pixel(x, y) != b.pixel(x, y))
                .count()
        };
        // "Meddelande · till 14.40" against "Message · until 14:40".
        assert!(differ(&sv, &en, band) > 100, "the band's words at {at}");
        // A message with an end says so ("till 14.40"); one without does not.
        let area = if size.1 > size.0 { band } else { label };
        assert!(
            differ(&sv, &sv_open, area) > 100,
            "the message's end at {at}"
        );
    }
}
