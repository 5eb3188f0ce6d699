//! What the kiosk screen shows, as plain values: the step between the
//! engine's [`ScreenState`] and the Slint adapters. Pure: the moment, the
//! language and the door's latest answer are given; nothing reads a clock.
//!
//! Words that the screen writes itself ("Kvar", "Övertid", "Punkt 4") are
//! translated in `ui/`; this module formats what comes from data: names,
//! dates, clock times and countdowns in the language's style.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;

use motesskylt_core::model::time::{Lang, local_time};
use motesskylt_core::model::{AgendaEntry, Meeting, Participant};
use motesskylt_core::progress::message::RoomMessage;
use motesskylt_core::progress::report::countdown;
use motesskylt_core::progress::{Current, Phase, ScreenState};

use super::desk::{Control, Prompt};
pub use super::desk::{DoorKind, DoorMessage, FormalAnswer};
use super::name_search::NameSearch;
use motesskylt_core::attendance::formal::{Request, proposed};
use motesskylt_core::attendance::quorum::proposals;
use motesskylt_core::model::Event;
use motesskylt_core::model::event::without_withdrawn;
use motesskylt_core::progress::{Schedule, item_spans_of};

/// Which screen is up.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ScreenKind {
    /// Before the meeting, on its day.
    #[default]
    Before,
    /// An agenda item is running.
    Item,
    /// A break.
    Break,
    /// The meeting is over (on its day).
    After,
    /// Another day: no meeting today.
    NoMeeting,
}

/// Why the screen shows no meeting.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RoomState {
    /// No meeting today ("Inget möte i dag").
    #[default]
    NoneToday,
    /// Free between meetings ("Ledigt").
    Free,
    /// The meeting of this time is cancelled ("Mötet är inställt").
    Cancelled,
}

/// How the timer reads, by colour and by word.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Tone {
    /// A countdown to the start: no judgement.
    #[default]
    Neutral,
    /// Time left ("Kvar").
    Calm,
    /// The last minutes ("Snart slut").
    WrapUp,
    /// Past the planned length ("Övertid").
    Overtime,
}

/// Settings of the screen that are not in the meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// Seconds before the end of an item when the timer turns to "Snart slut".
    pub wrapup_s: i64,
    /// Seconds the door's answer stays on screen.
    pub door_s: i64,
    /// Seconds a question (name list, PIN pad) stays open unanswered.
    pub prompt_s: i64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            wrapup_s: 120,
            door_s: 5,
            prompt_s: super::desk::PROMPT_S,
        }
    }
}

/// The frame around every screen: header and schedule line.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FrameView {
    /// Which screen is up.
    pub screen: ScreenKind,
    /// "SRO".
    pub body: String,
    /// "Centralhuset Konferens" (the location up to its first comma).
    pub room: String,
    /// "4 juni 2026".
    pub date: String,
    /// "13.16".
    pub clock: String,
    /// Checked in now.
    pub present: i32,
    /// Called.
    pub expected: i32,
    /// Whole minutes behind (positive) or ahead (negative) of plan.
    pub offset_minutes: i32,
    /// "15.34".
    pub projected_end: String,
    /// "5. Samverkansavtal …", or empty when nothing follows.
    pub next_label: String,
    /// `next_label` cut at a word with an ellipsis for a narrow line
    /// ("5. Samverkansavtal för …"); the screen shows the longest form that
    /// fits.
    pub next_label_cut: String,
    /// The next item's number ("5"), the shortest form; empty for a break.
    pub next_number: String,
    /// The next entry is a break (the screen writes "Paus").
    pub next_is_break: bool,
    /// Planned start of the next entry, "13.25".
    pub next_at: String,
}

/// Seconds before the start from which the screen counts down; earlier it
/// only says when the meeting starts ("Mötet börjar 13.30").
pub const COUNTDOWN_FROM_S: i64 = 3600;

/// Before the meeting.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BeforeView {
    /// "13.00".
    pub starts_at: String,
    /// Time to the start in the last [`COUNTDOWN_FROM_S`] seconds, or past
    /// it when `delayed`; empty earlier.
    pub countdown: String,
    /// The planned start has passed without a start.
    pub delayed: bool,
}

/// An item or a break running: the timer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TimerView {
    /// "12:34", or "+03:12" over time.
    pub timer: String,
    /// Colour and word of the timer.
    pub tone: Tone,
    /// Share of the planned time used, 0 to 1.
    pub progress: f32,
}

/// An agenda item running.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ItemView {
    /// "4".
    pub number: String,
    /// The item's title.
    pub title: String,
    /// "Karin Looström Muth och Jan Kilström".
    pub presenters: String,
    /// The item has an information part.
    pub information: bool,
    /// The item has a dialog part.
    pub dialog: bool,
    /// The item asks for a position (ställningstagande).
    pub decision: bool,
    /// Planned length in minutes.
    pub planned_minutes: i32,
    /// The timer.
    pub timer: TimerView,
}

/// A break.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BreakView {
    /// "14.30", or empty for a break of open length.
    pub back_at: String,
    /// The timer.
    pub timer: TimerView,
}

/// Everything the screen shows at one moment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct View {
    /// Header and schedule line.
    pub frame: FrameView,
    /// Before the meeting.
    pub before: BeforeView,
    /// An item running.
    pub item: ItemView,
    /// A break.
    pub pause: BreakView,
    /// "15.34", after the meeting.
    pub ended_at: String,
    /// "11 december 2026 kl. 13.00" on a day before the meeting's, "SRO,
    /// 14.00–16.30" when the room is free until a meeting today.
    pub next_meeting: String,
    /// Why no meeting is shown (with [`ScreenKind::NoMeeting`]).
    pub room_state: RoomState,
    /// The door's answer, while it is fresh.
    pub door: DoorView,
    /// The desk's open question.
    pub prompt: PromptView,
    /// The card reader does not answer.
    pub reader_problem: bool,
    /// Sync's line, when the kiosk syncs.
    pub sync: Option<SyncView>,
    /// The secretary's message to the room, while it shows.
    pub message: Option<MessageView>,
    /// The menu's "Tjänstgöring och jäv", for a body with seats on the
    /// meeting's day until it ends.
    pub formal: Option<FormalMenu>,
    /// Whether the body may decide, for a body with members, while the
    /// meeting runs (before it, the count is still forming and the room
    /// is not told it cannot decide).
    pub quorum: Option<QuorumView>,
}

/// The menu's formal part: the changes of who serves the rules point to
/// now, each confirmed by the secretary, and "Anmäl jäv".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormalMenu {
    /// The request behind each button, and its words.
    pub proposals: Vec<(Request, String)>,
}

/// The menu's formal part at `state.now`: for a body with seats, on the
/// meeting's day until it ends, with the engine's proposals
/// ([`proposals`]) over everything `recorded`.
pub fn formal_menu(
    meeting: &Meeting,
    schedule: &Schedule,
    recorded: &[Event],
    state: &ScreenState,
    tz: Tz,
    lang: Lang,
) -> Option<FormalMenu> {
    let now = state.now;
    let seats = meeting.participants.iter().any(|p| p.seat.is_some());
    if !seats || state.phase == Phase::After || local_time(now, tz).date() != meeting.date {
        return None;
    }
    let events = without_withdrawn(recorded);
    let spans = item_spans_of(meeting, schedule, &events, now);
    Some(FormalMenu {
        proposals: proposals(meeting, &events, &spans, state.started_at, now)
            .into_iter()
            .map(|p| proposed(meeting, p, lang))
            .collect(),
    })
}

/// The quorum line: the engine's count in words.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QuorumView {
    /// "Beslutsför: 8 av 9 ledamöter (minst 5)".
    pub text: String,
    /// Met (calm) or not (loud).
    pub met: bool,
}

/// The secretary's message to the room ("Vi återupptar 14.40"): the screen
/// writes it in a band under its header, labelled "Meddelande" and, when
/// it ends by itself, "till 14.40" (the words come from the screen's
/// translations).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageView {
    /// The text as the secretary wrote it.
    pub text: String,
    /// When it stops showing: "14.40" (English "14:40") on the day shown,
    /// "5 juni 2026 kl. 10.00" on another; empty when it has no end.
    pub until: String,
}

impl MessageView {
    /// The message as shown at `now` in `lang`.
    pub fn of(message: &RoomMessage, now: DateTime<Utc>, tz: Tz, lang: Lang) -> MessageView {
        let today = local_time(now, tz).date();
        let until = message.until.map(|until| {
            let until = local_time(until, tz);
            if until.date() == today {
                lang.clock(until.time())
            } else {
                moment(lang, until.date(), until.time())
            }
        });
        MessageView {
            text: message.text.clone(),
            until: until.unwrap_or_default(),
        }
    }
}

/// Sync's small status line: "Synkad", or "Offline sedan 13.42, 12 ej
/// skickade" (the words come from the screen's translations).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncView {
    /// The central server answers.
    pub online: bool,
    /// Local clock time since when it has not ("13.42").
    pub since: String,
    /// Events waiting to be sent.
    pub unsent: usize,
}

impl SyncView {
    /// The line for `status`, in the meeting's time zone.
    pub fn of(status: &motesskylt_sync::agent::SyncStatus, tz: Tz, lang: Lang) -> SyncView {
        SyncView {
            online: status.online,
            since: status
                .offline_since
                .map(|t| lang.clock(t.with_timezone(&tz).time()))
                .unwrap_or_default(),
            unsent: status.unsent,
        }
    }
}

/// What the screen asks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PromptKind {
    /// Nothing.
    #[default]
    None,
    /// The name list.
    Pick,
    /// The PIN pad.
    Pin,
    /// The agenda's items, for a recusal.
    Items,
}

/// What a PIN is asked for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PinPurpose {
    /// To register a card.
    #[default]
    Enrol,
    /// For a control.
    Control(Control),
    /// To confirm a change of who serves or a recusal (in `person`).
    Formal,
}

/// The desk's question as shown.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PromptView {
    /// Which question.
    pub kind: PromptKind,
    /// The name list is for an unknown card.
    pub for_card: bool,
    /// Who the card will belong to: "Olof Lundberg (S)"; who picks an
    /// item for a recusal; what the secretary confirms ("Lisa Ahl
    /// tjänstgör för Bo Ek").
    pub person: String,
    /// What the PIN is for.
    pub purpose: PinPurpose,
    /// The name list asks who has a conflict of interest (jäv).
    pub for_recusal: bool,
    /// The items to pick from: (number, "5. Budget 2027").
    pub items: Vec<(String, String)>,
    /// The name list as shown: (participant index, "Name (P)",
    /// organisation), only the names matching `search`.
    pub names: Vec<(usize, String, String)>,
    /// The letters typed to search the name list ([`NameSearch`]).
    pub search: String,
}

impl PromptView {
    /// The view of `prompt` at `now` in `lang`: nothing once it is
    /// `settings.prompt_s` old.
    pub fn of(
        meeting: &Meeting,
        prompt: Option<&Prompt>,
        now: DateTime<Utc>,
        settings: Settings,
        lang: Lang,
    ) -> Self {
        let Some(prompt) =
            prompt.filter(|p| (0..settings.prompt_s).contains(&(now - p.since()).num_seconds()))
        else {
            return PromptView::default();
        };
        match prompt {
            Prompt::Pick { card, .. } => PromptView {
                kind: PromptKind::Pick,
                for_card: card.is_some(),
                names: pick_names(meeting),
                ..PromptView::default()
            },
            Prompt::Enrol { person, .. } => PromptView {
                kind: PromptKind::Pin,
                person: meeting
                    .participants
                    .get(*person)
                    .map(display_name)
                    .unwrap_or_default(),
                purpose: PinPurpose::Enrol,
                ..PromptView::default()
            },
            Prompt::Control { control, .. } => PromptView {
                kind: PromptKind::Pin,
                purpose: PinPurpose::Control(*control),
                ..PromptView::default()
            },
            Prompt::Recusal { person: None, .. } => PromptView {
                kind: PromptKind::Pick,
                for_recusal: true,
                names: pick_names(meeting),
                ..PromptView::default()
            },
            Prompt::Recusal {
                person: Some(person),
                ..
            } => PromptView {
                kind: PromptKind::Items,
                person: meeting
                    .participants
                    .get(*person)
                    .map(display_name)
                    .unwrap_or_default(),
                items: meeting
                    .items
                    .iter()
                    .filter(|e| !e.is_break())
                    .filter_map(|e| {
                        let number = e.number.clone()?;
                        Some((number.clone(), format!("{number}. {}", e.title)))
                    })
                    .collect(),
                ..PromptView::default()
            },
            Prompt::Formal { request, .. } => PromptView {
                kind: PromptKind::Pin,
                purpose: PinPurpose::Formal,
                person: request.said(lang),
                ..PromptView::default()
            },
        }
    }

    /// Narrows the name list to what `search` matches.
    pub fn searched(mut self, search: &NameSearch) -> Self {
        self.names.retain(|(_, name, _)| search.matches(name));
        self.search = search.typed().to_owned();
        self
    }
}

/// The name list: every participant as (index, "Name (P)", organisation),
/// sorted by first name as a Swede would look for it.
pub fn pick_names(meeting: &Meeting) -> Vec<(usize, String, String)> {
    let mut names: Vec<(usize, String, String)> = meeting
        .participants
        .iter()
        .enumerate()
        .map(|(i, p)| {
            (
                i,
                display_name(p),
                p.organisation.clone().unwrap_or_default(),
            )
        })
        .collect();
    names.sort_by_key(|(_, name, _)| swedish_order(name));
    names
}

/// A key that sorts names as a Swede looks for them: case and spacing
/// ignored, Å, Ä, Ö last and in that order, é with e, ü with y, æ with ä,
/// ø with ö.
fn swedish_order(name: &str) -> String {
    motesskylt_core::model::normalise_name(name)
        .chars()
        .map(|c| match c {
            'é' | 'è' => 'e',
            'ü' => 'y',
            // After z in ASCII: {, |, }.
            'å' => '{',
            'ä' | 'æ' => '|',
            'ö' | 'ø' => '}',
            other => other,
        })
        .collect()
}

/// The door's answer as shown.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DoorView {
    /// What it says.
    pub kind: DoorKind,
    /// "Marina Johansson (S)".
    pub name: String,
    /// "14.15".
    pub time: String,
    /// A formal answer in words: "Lisa Ahl tjänstgör för Bo Ek från
    /// nästa punkt", or why nothing was recorded.
    pub detail: String,
}

/// Composes the screen for `state` (computed by the engine for the same
/// meeting) in `lang`, with the door's latest answer if any.
pub fn compose(
    meeting: &Meeting,
    state: &ScreenState,
    tz: Tz,
    lang: Lang,
    settings: Settings,
    door: Option<&DoorMessage>,
) -> View {
    let clock = |at: DateTime<Utc>| lang.clock(local_time(at, tz).time());
    let today = local_time(state.now, tz).date();
    let screen = if today != meeting.date {
        ScreenKind::NoMeeting
    } else {
        match state.phase {
            Phase::Before => ScreenKind::Before,
            Phase::Item => ScreenKind::Item,
            Phase::Break => ScreenKind::Break,
            Phase::After => ScreenKind::After,
        }
    };
    let next = state.next.and_then(|i| meeting.items.get(i));
    let frame = FrameView {
        screen,
        body: meeting.body.clone(),
        room: room_of(meeting),
        date: lang.date(today),
        clock: clock(state.now),
        present: count(state.present),
        expected: count(state.expected),
        offset_minutes: i32::try_from(state.offset_s / 60).unwrap_or(i32::MAX),
        projected_end: clock(state.projected_end),
        next_label: next.map(entry_label).unwrap_or_default(),
        next_label_cut: next
            .map(|e| cut_at_word(&entry_label(e), NEXT_CUT_CHARS))
            .unwrap_or_default(),
        next_number: next
            .filter(|e| !e.is_break())
            .and_then(|e| e.number.clone())
            .unwrap_or_default(),
        next_is_break: next.is_some_and(AgendaEntry::is_break),
        next_at: next.map(|e| lang.clock(e.start)).unwrap_or_default(),
    };
    let mut view = View {
        frame,
        door: door_view(meeting, door, state.now, tz, lang, settings),
        // A meeting of a day gone by has nothing more to tell the room.
        message: state
            .message
            .as_ref()
            .filter(|_| meeting.date >= today)
            .map(|m| MessageView::of(m, state.now, tz, lang)),
        quorum: state
            .quorum
            .filter(|_| meeting.date == today && matches!(state.phase, Phase::Item | Phase::Break))
            .map(|q| QuorumView {
                text: q.said(lang),
                met: q.met,
            }),
        ..View::default()
    };
    match screen {
        ScreenKind::Before => {
            let delayed = state.overtime_s > 0;
            let counting = delayed || state.remaining_s < COUNTDOWN_FROM_S;
            view.before = BeforeView {
                starts_at: lang.clock(meeting.start),
                countdown: match (counting, delayed) {
                    (false, _) => String::new(),
                    (true, true) => countdown(state.overtime_s),
                    (true, false) => countdown(state.remaining_s),
                },
                delayed,
            };
        }
        ScreenKind::Item => {
            if let Some(Current::Planned(i)) = state.current
                && let Some(entry) = meeting.items.get(i)
            {
                let kinds: Vec<String> =
                    entry.parts.iter().map(|p| p.label.to_lowercase()).collect();
                let has = |word: &str| kinds.iter().any(|k| k.contains(word));
                view.item = ItemView {
                    number: entry.number.clone().unwrap_or_default(),
                    title: entry.title.clone(),
                    presenters: join(
                        lang,
                        &entry
                            .presenters
                            .iter()
                            .map(|p| p.name.as_str())
                            .collect::<Vec<_>>(),
                    ),
                    information: has("information"),
                    dialog: has("dialog"),
                    decision: has("ställningstagande") || has("beslut"),
                    planned_minutes: i32::try_from(entry.minutes).unwrap_or(i32::MAX),
                    timer: timer_view(state, settings),
                };
            }
        }
        ScreenKind::Break => {
            let back = state
                .current_since
                .filter(|_| state.current_seconds > 0)
                .map(|since| clock(since + chrono::Duration::seconds(state.current_seconds)));
            view.pause = BreakView {
                back_at: back.unwrap_or_default(),
                timer: timer_view(state, settings),
            };
        }
        ScreenKind::After => {
            view.ended_at = state.ended_at.map(clock).unwrap_or_default();
        }
        ScreenKind::NoMeeting => {
            if meeting.date > today {
                view.next_meeting = meeting_time(lang, meeting.date, meeting);
            }
        }
    }
    view
}

/// Turns `view` into the screen of a room without a meeting now: free
/// (`meeting` is the room's next, named when it is still ahead: "SRO,
/// 14.00–16.30" today, "5 juni 2026 kl. 10.00" on another day), or
/// `meeting` cancelled (named with its time).
pub fn without_meeting(
    view: &mut View,
    meeting: &Meeting,
    state: RoomState,
    now: DateTime<Utc>,
    tz: Tz,
    lang: Lang,
) {
    let local = local_time(now, tz);
    let starts = chrono::NaiveDateTime::new(meeting.date, meeting.start);
    let today_text = || {
        format!(
            "{}, {}–{}",
            meeting.body,
            lang.clock(meeting.start),
            lang.clock(meeting.end)
        )
    };
    let other_day = || {
        format!(
            "{}, {}",
            meeting.body,
            meeting_time(lang, meeting.date, meeting)
        )
    };
    view.frame.screen = ScreenKind::NoMeeting;
    view.room_state = state;
    // Free after the meeting: its message is no longer the room's news.
    if state == RoomState::Free && starts <= local {
        view.message = None;
    }
    view.next_meeting = match state {
        RoomState::Cancelled if meeting.date == local.date() => today_text(),
        RoomState::Cancelled => other_day(),
        _ if starts <= local => String::new(),
        _ if meeting.date == local.date() => today_text(),
        _ => other_day(),
    };
}

/// "11 december 2026 kl. 13.00", "11 December 2026, 13:00".
fn meeting_time(lang: Lang, date: NaiveDate, meeting: &Meeting) -> String {
    moment(lang, date, meeting.start)
}

/// "11 december 2026 kl. 13.00", "11 December 2026, 13:00".
fn moment(lang: Lang, date: NaiveDate, time: NaiveTime) -> String {
    match lang {
        Lang::Sv => format!("{} kl. {}", lang.date(date), lang.clock(time)),
        Lang::En => format!("{}, {}", lang.date(date), lang.clock(time)),
    }
}

fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// The room: the location up to its first comma ("Centralhuset Konferens").
fn room_of(meeting: &Meeting) -> String {
    meeting
        .location
        .as_deref()
        .and_then(|l| l.split(',').next())
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// "5. Samverkansavtal …" for an item; a break's own title otherwise.
fn entry_label(entry: &AgendaEntry) -> String {
    match &entry.number {
        Some(n) if !entry.is_break() => format!("{n}. {}", entry.title),
        _ => entry.title.clone(),
    }
}

/// How long the next entry's cut label may be: what fits beside the
/// schedule words on the 7" screen.
const NEXT_CUT_CHARS: usize = 32;

/// `text` if it has at most `max` characters, else as many of its first
/// words as fit in `max - 2` characters followed by " …" (at least the first
/// word, never part of one).
pub fn cut_at_word(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut kept = String::new();
    for word in text.split_whitespace() {
        let longer = if kept.is_empty() {
            word.to_string()
        } else {
            format!("{kept} {word}")
        };
        if !kept.is_empty() && longer.chars().count() + 2 > max {
            break;
        }
        kept = longer;
    }
    format!("{kept} …")
}

fn timer_view(state: &ScreenState, settings: Settings) -> TimerView {
    if state.current_seconds == 0 {
        // A break of open length: count up, with no judgement.
        return TimerView {
            timer: countdown(state.elapsed_s),
            tone: Tone::Neutral,
            progress: 0.0,
        };
    }
    let (timer, tone) = if state.overtime_s > 0 {
        (format!("+{}", countdown(state.overtime_s)), Tone::Overtime)
    } else if state.remaining_s <= wrapup_seconds(settings.wrapup_s, state.current_seconds) {
        (countdown(state.remaining_s), Tone::WrapUp)
    } else {
        (countdown(state.remaining_s), Tone::Calm)
    };
    let progress = (state.elapsed_s as f32 / state.current_seconds as f32).clamp(0.0, 1.0);
    TimerView {
        timer,
        tone,
        progress,
    }
}

/// How long before the end of an entry of `length` seconds the timer
/// turns to "Snart slut": the configured time, but never more than half
/// the entry, so a short item starts calm.
fn wrapup_seconds(configured: i64, length: i64) -> i64 {
    configured.min(length / 2)
}

fn door_view(
    meeting: &Meeting,
    door: Option<&DoorMessage>,
    now: DateTime<Utc>,
    tz: Tz,
    lang: Lang,
    settings: Settings,
) -> DoorView {
    let Some(message) = door else {
        return DoorView::default();
    };
    let age = (now - message.at).num_seconds();
    if !(0..settings.door_s).contains(&age) {
        return DoorView::default();
    }
    DoorView {
        kind: message.kind,
        name: message
            .person
            .and_then(|i| meeting.participants.get(i))
            .map(display_name)
            .unwrap_or_default(),
        time: lang.clock(local_time(message.time.unwrap_or(message.at), tz).time()),
        detail: message
            .formal
            .as_ref()
            .map(|answer| formal_said(answer, lang))
            .unwrap_or_default(),
    }
}

/// A formal answer in words: what was recorded ("Lisa Ahl tjänstgör för Bo
/// Ek från nästa punkt"), or why nothing was.
pub fn formal_said(answer: &FormalAnswer, lang: Lang) -> String {
    match answer {
        FormalAnswer::Done { request, waits } => {
            let from = match (waits, lang) {
                (false, _) => "",
                (true, Lang::Sv) => " från nästa punkt",
                (true, Lang::En) => " from the next item",
            };
            format!("{}{from}", request.said(lang))
        }
        FormalAnswer::Refused(refusal) => refusal.said(lang),
    }
}

/// "Marina Johansson (S)": the name with the party letters, as the minutes
/// write members.
pub fn display_name(person: &Participant) -> String {
    match &person.party {
        Some(party) => format!("{} ({party})", person.name),
        None => person.name.clone(),
    }
}

/// "A, B och C" / "A, B and C".
fn join(lang: Lang, names: &[&str]) -> String {
    let and = match lang {
        Lang::Sv => "och",
        Lang::En => "and",
    };
    match names {
        [] => String::new(),
        [one] => (*one).to_string(),
        [rest @ .., last] => format!("{} {and} {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_free_room_names_the_next_meeting_and_a_cancelled_one_itself() {
        let meeting =
            motesskylt_core::kallelse::import_bytes(motesskylt_testkit::SRO_NOTICE.as_bytes())
                .unwrap();
        let tz = motesskylt_core::model::time::DEFAULT_TIME_ZONE;
        let at = |text: &str| {
            motesskylt_core::model::time::parse_moment(text, meeting.date, tz).unwrap()
        };
        let shown = |state: RoomState, now: &str, lang: Lang| {
            let mut view = View::default();
            without_meeting(&mut view, &meeting, state, at(now), tz, lang);
            assert_eq!(view.frame.screen, ScreenKind::NoMeeting);
            assert_eq!(view.room_state, state);
            view.next_meeting
        };
        assert_eq!(
            shown(RoomState::Free, "11:20", Lang::Sv),
            "SRO, 13.00–15.30"
        );
        assert_eq!(
            shown(RoomState::Free, "11:20", Lang::En),
            "SRO, 13:00–15:30"
        );
        assert_eq!(
            shown(RoomState::Free, "2026-06-03 17:00", Lang::Sv),
            "SRO, 4 juni 2026 kl. 13.00"
        );
        // Past its start, it is not "next": nothing more is scheduled.
        assert_eq!(shown(RoomState::Free, "16:10", Lang::Sv), "");
        assert_eq!(
            shown(RoomState::Cancelled, "13:20", Lang::Sv),
            "SRO, 13.00–15.30"
        );
    }

    /// The view at `now` of the SRO meeting following its plan, with the
    /// secretary's message posted at `posted`, to end at `until` if given,
    /// on the room's screen in `room` if given.
    fn message_at(
        posted: &str,
        until: Option<&str>,
        now: &str,
        lang: Lang,
        room: Option<RoomState>,
    ) -> Option<MessageView> {
        use motesskylt_core::model::{Event, EventKind};
        use motesskylt_core::progress::{Schedule, screen_state, with_plan};
        let meeting =
            motesskylt_core::kallelse::import_bytes(motesskylt_testkit::SRO_NOTICE.as_bytes())
                .unwrap();
        let tz = motesskylt_core::model::time::DEFAULT_TIME_ZONE;
        let at = |text: &str| {
            motesskylt_core::model::time::parse_moment(text, meeting.date, tz).unwrap()
        };
        let posted = Event::new(
            at(posted),
            tz,
            EventKind::MessagePosted {
                text: "Vi återupptar 14.40".into(),
                until: until.map(|u| at(u).with_timezone(&tz).fixed_offset()),
            },
        );
        let schedule = Schedule::new(&meeting, tz);
        let events = with_plan(&schedule, &[posted]);
        let state = screen_state(&meeting, &schedule, Some(&events), at(now));
        let mut view = compose(&meeting, &state, tz, lang, Settings::default(), None);
        if let Some(room) = room {
            without_meeting(&mut view, &meeting, room, at(now), tz, lang);
        }
        view.message
    }

    #[test]
    fn the_secretarys_message_shows_with_its_end_in_the_languages_clock() {
        let shown = |now, lang| message_at("13:10", Some("14:40"), now, lang, None);
        assert_eq!(shown("13:09:59", Lang::Sv), None, "not before it is posted");
        assert_eq!(
            shown("13:15", Lang::Sv),
            Some(MessageView {
                text: "Vi återupptar 14.40".into(),
                until: "14.40".into(),
            }),
            "the screen writes \"till 14.40\""
        );
        assert_eq!(
            shown("13:15", Lang::En).map(|m| m.until),
            Some("14:40".into()),
            "the screen writes \"until 14:40\""
        );
        // An end on another day than the one shown is named with its date.
        assert_eq!(
            message_at("13:10", Some("2026-06-05 10:00"), "13:15", Lang::Sv, None).map(|m| m.until),
            Some("5 juni 2026 kl. 10.00".into())
        );
        assert_eq!(
            message_at("13:10", Some("2026-06-05 10:00"), "13:15", Lang::En, None).map(|m| m.until),
            Some("5 June 2026, 10:00".into())
        );
        // Without an end: no "till".
        assert_eq!(
            message_at("13:10", None, "13:15", Lang::Sv, None).map(|m| m.until),
            Some(String::new())
        );
    }

    #[test]
    fn the_secretarys_message_is_gone_at_its_end() {
        let shown = |now| message_at("13:10", Some("14:40"), now, Lang::Sv, None);
        assert!(shown("14:39:59").is_some());
        assert_eq!(shown("14:40"), None);
        assert_eq!(shown("15:40"), None);
        // Without an end it stays for the rest of the meeting's day, on
        // the screen after the meeting too, but not on a later day.
        let open = |now| message_at("13:10", None, now, Lang::Sv, None);
        assert!(open("15:40").is_some());
        assert!(open("23:59").is_some());
        assert_eq!(open("2026-06-05 08:00"), None);
    }

    #[test]
    fn a_free_or_cancelled_room_shows_the_message_of_its_meeting_while_it_is_ahead() {
        let shown = |posted, now, room| message_at(posted, None, now, Lang::Sv, Some(room));
        // Cancelled: the message tells the room what happens instead.
        assert!(shown("11:00", "13:20", RoomState::Cancelled).is_some());
        // Free before the meeting the door holds: its message is news.
        assert!(shown("11:00", "12:00", RoomState::Free).is_some());
        assert_eq!(
            shown("11:00", "10:59", RoomState::Free),
            None,
            "not yet posted"
        );
        // Free after it: the meeting is over, and so is its message.
        assert_eq!(shown("13:10", "16:10", RoomState::Free), None);
    }

    #[test]
    fn names_sort_as_in_swedish() {
        let mut names = vec![
            "Öberg",
            "Åsa Jackson",
            "Ärla",
            "Zara",
            "adam",
            "Émile",
            "Ulla",
        ];
        names.sort_by_key(|n| swedish_order(n));
        assert_eq!(
            names,
            vec![
                "adam",
                "Émile",
                "Ulla",
                "Zara",
                "Åsa Jackson",
                "Ärla",
                "Öberg"
            ]
        );
    }

    #[test]
    fn a_long_label_is_cut_between_words() {
        let label = "5. Läns gemensam riktlinje Patientsäkerhet och remissvar";
        let cut = cut_at_word(label, 32);
        assert_eq!(cut, "5. Läns gemensam riktlinje …");
        assert!(cut.chars().count() <= 32);
        assert_eq!(cut_at_word("5. Kort", 32), "5. Kort");
        // A first word longer than the limit is kept whole.
        assert_eq!(
            cut_at_word("Hälso-och-sjukvårdsavtalsöverenskommelsen idag", 10),
            "Hälso-och-sjukvårdsavtalsöverenskommelsen …"
        );
    }

    #[test]
    fn the_wrap_up_warning_covers_at_most_half_an_entry() {
        assert_eq!(wrapup_seconds(120, 120), 60);
        assert_eq!(wrapup_seconds(120, 1200), 120);
        assert_eq!(wrapup_seconds(120, 0), 0);
    }

    /// The quorum line says the engine's count in words, loud when not
    /// met; nothing for a body without members, nor after the meeting.
    #[test]
    fn the_quorum_line_is_the_engines_count_in_words() {
        use motesskylt_core::model::Event;
        use motesskylt_core::progress::{Schedule, screen_state, with_plan};
        let root =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/notices");
        let committee = motesskylt_core::kallelse::import_bytes(
            &std::fs::read(root.join("namnd-kallelse.md")).unwrap(),
        )
        .unwrap();
        let log: Vec<Event> = std::fs::read_to_string(root.join("namnd-events.jsonl"))
            .unwrap()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        let tz = motesskylt_core::model::time::DEFAULT_TIME_ZONE;
        let mut ended = log.clone();
        ended.push(
            serde_json::from_str(r#"{"at":"2026-11-12T10:30:00+01:00","type":"meeting_ended"}"#)
                .unwrap(),
        );
        let view_of =
            |meeting: &motesskylt_core::model::Meeting, log: &[Event], now: &str, lang: Lang| {
                let at = motesskylt_core::model::time::parse_moment(now, meeting.date, tz).unwrap();
                let schedule = Schedule::new(meeting, tz);
                let events = with_plan(&schedule, log);
                let state = screen_state(meeting, &schedule, Some(&events), at);
                compose(meeting, &state, tz, lang, Settings::default(), None).quorum
            };
        let view = |meeting, now, lang| view_of(meeting, &log, now, lang);
        assert_eq!(
            view(&committee, "09:20", Lang::Sv),
            Some(QuorumView {
                text: "Beslutsför: 4 av 5 ledamöter (minst 3)".into(),
                met: true
            })
        );
        // Item 4: Cecilia Dahl has left, David Falk is out of the item.
        assert_eq!(
            view(&committee, "09:45", Lang::En),
            Some(QuorumView {
                text: "No quorum: 2 of 5 members (at least 3)".into(),
                met: false
            })
        );
        assert_eq!(
            view_of(&committee, &ended, "10:31", Lang::Sv),
            None,
            "after the meeting"
        );
        // Still running at 11.00 without an end: the line stays.
        assert!(view(&committee, "11:00", Lang::Sv).is_some());
        let sro =
            motesskylt_core::kallelse::import_bytes(motesskylt_testkit::SRO_NOTICE.as_bytes())
                .unwrap();
        let mut plain = sro.clone();
        for p in &mut plain.participants {
            p.seat = None;
        }
        assert_eq!(
            view(&plain, "13:20", Lang::Sv),
            None,
            "a body without members"
        );
    }
}
