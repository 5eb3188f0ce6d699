//! `motesskylt render`: what the kiosk screen shows at a moment, drawn
//! headless into a PNG.

use std::path::PathBuf;

use chrono::Utc;
use chrono_tz::Tz;

use motesskylt_core::model::Meeting;
use motesskylt_core::model::time::Lang;
use motesskylt_kiosk::name_search::{NameSearch, Typed};
use motesskylt_kiosk::render;
use motesskylt_kiosk::view::{self, DoorKind, DoorMessage, Settings};

use super::meeting::state_at;
use crate::BadInput;

/// `render`: the notice, the moment, the screen and where to write it.
#[derive(clap::Args)]
pub(crate) struct RenderArgs {
    /// The notice.
    pub file: PathBuf,
    /// The moment: "HH:MM", "YYYY-MM-DD HH:MM" or RFC 3339.
    #[arg(long)]
    pub at: String,
    /// The PNG file to write.
    #[arg(long)]
    pub out: PathBuf,
    /// Event log (JSON Lines); without it the meeting follows its plan.
    #[arg(long)]
    pub events: Option<PathBuf>,
    /// Size in pixels, WIDTHxHEIGHT (e.g. 800x480, 1280x800, 1920x1080, 480x800).
    #[arg(long, default_value = "800x480")]
    pub size: String,
    /// Language: sv (svenska) or en (English).
    #[arg(long, default_value = "sv")]
    pub lang: Lang,
    /// What to draw over the room screen.
    #[arg(long, value_enum, default_value_t = ScreenName::Room)]
    pub screen: ScreenName,
    /// Who the door greets (door screens); default the first called participant.
    #[arg(long)]
    pub person: Option<String>,
    /// Letters typed into the name list (`--screen names`): only the names
    /// with a word beginning with them show.
    #[arg(long)]
    pub search: Option<String>,
    /// Minutes before an item's end when the timer turns to "Snart slut".
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(0..=60))]
    pub wrap_up: u32,
}

/// The name list's search after typing `letters`, as the kiosk takes
/// them one key at a time.
fn typed(letters: &str) -> Result<NameSearch, BadInput> {
    let mut search = NameSearch::default();
    for c in letters.chars() {
        if search.key(c.encode_utf8(&mut [0; 4]), &[]) != Typed::Searched {
            return Err(BadInput(vec![format!(
                "--search: ”{c}” går inte att skriva i namnlistan; skriv bara bokstäver (mellanslag eller bindestreck bara mellan dem)"
            )]));
        }
    }
    Ok(search)
}

/// What `render` draws.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ScreenName {
    /// The room screen as it stands.
    Room,
    /// The door's greeting after a check-in.
    Welcome,
    /// The door's answer to a check-out.
    CheckedOut,
    /// The door's answer to a tap by someone already checked in.
    AlreadyIn,
    /// The door's answer to a tap just after checking out.
    AlreadyOut,
    /// The door's answer to an unknown card.
    UnknownCard,
    /// The demo's help overlay.
    Help,
    /// The door's answer to a tap before check-in opens.
    TooEarly,
    /// The touch menu (check in by name, meeting controls).
    Menu,
    /// The name list opened by an unknown card.
    Names,
    /// The PIN pad, registering a card for --person.
    Pin,
    /// The room screen with the card reader not answering.
    ReaderProblem,
    /// The room screen of a kiosk that has not reached the central server for eight minutes.
    Offline,
    /// The room screen of a kiosk in sync with the central server.
    Synced,
    /// The menu's "Tjänstgöring och jäv": the rules' proposals now (a body with seats).
    Formal,
    /// The PIN pad confirming the first proposal.
    FormalPin,
    /// The door's answer once the first proposal is confirmed.
    FormalDone,
    /// The agenda's items, for --person reporting a conflict of interest.
    RecusalItems,
    /// The room free until the notice's meeting ("Ledigt", the meeting named; --at before it).
    Free,
    /// The notice's meeting cancelled ("Mötet är inställt").
    Cancelled,
}

/// `motesskylt render`.
pub(crate) fn run(args: RenderArgs, tz: Tz) -> anyhow::Result<()> {
    let RenderArgs {
        file,
        at,
        out,
        events,
        size,
        lang,
        screen,
        person,
        search,
        wrap_up,
    } = args;
    let search = match (search, screen) {
        (None, _) => NameSearch::default(),
        (Some(letters), ScreenName::Names) => typed(&letters)?,
        (Some(_), _) => {
            return Err(BadInput(vec![
                "--search: gäller bara namnlistan; lägg till --screen names".into(),
            ])
            .into());
        }
    };
    let (meeting, state, recorded) = state_at(&file, &at, events.as_deref(), tz)?;
    let (width, height) = parse_size(&size)?;
    let schedule = motesskylt_core::progress::Schedule::new(&meeting, tz);
    let formal = view::formal_menu(&meeting, &schedule, &recorded, &state, tz, lang);
    let first = formal.as_ref().and_then(|f| f.proposals.first().cloned());
    let formal_screen = matches!(
        screen,
        ScreenName::Formal | ScreenName::FormalPin | ScreenName::FormalDone
    );
    let first = match first {
        Some(first) => Some(first),
        None if matches!(screen, ScreenName::FormalPin | ScreenName::FormalDone) => {
            return Err(BadInput(vec![format!(
                "--screen: inget förslag om vem som tjänstgör vid --at {at}; välj en tid då en ersättare är här och en ledamot inte är det"
            )])
            .into());
        }
        None => None,
    };
    if formal_screen && formal.is_none() {
        return Err(BadInput(vec![
            "--screen: mötet har inga ledamöter och ersättare, eller tiden ligger utanför mötets dag".into(),
        ])
        .into());
    }
    let mut door = door_message(&meeting, screen, person.as_deref(), state.now, tz)?;
    if let (ScreenName::FormalDone, Some((request, _))) = (screen, &first) {
        door = Some(DoorMessage {
            kind: DoorKind::FormalDone,
            person: None,
            at: state.now,
            time: None,
            formal: Some(view::FormalAnswer::Done {
                request: request.clone(),
                waits: request.waits(
                    &motesskylt_core::progress::item_spans_of(
                        &meeting, &schedule, &recorded, state.now,
                    ),
                    state.now,
                ),
            }),
        });
    }
    let mut view = view::compose(&meeting, &state, tz, lang, settings(wrap_up), door.as_ref());
    view.formal = formal;
    match screen {
        ScreenName::Names => {
            view.prompt.kind = view::PromptKind::Pick;
            view.prompt.for_card = true;
            view.prompt.names = view::pick_names(&meeting);
            view.prompt = view.prompt.searched(&search);
        }
        ScreenName::Pin => {
            view.prompt.kind = view::PromptKind::Pin;
            view.prompt.person = door
                .and_then(|d| d.person)
                .and_then(|i| meeting.participants.get(i))
                .map(view::display_name)
                .unwrap_or_default();
        }
        ScreenName::FormalPin => {
            view.prompt.kind = view::PromptKind::Pin;
            view.prompt.purpose = view::PinPurpose::Formal;
            view.prompt.person = first
                .map(|(request, _)| request.said(lang))
                .unwrap_or_default();
        }
        ScreenName::RecusalItems => {
            let person = person_index(&meeting, person.as_deref())?;
            let asked = motesskylt_kiosk::desk::Prompt::Recusal {
                person,
                since: state.now,
            };
            view.prompt =
                view::PromptView::of(&meeting, Some(&asked), state.now, settings(wrap_up), lang);
        }
        ScreenName::ReaderProblem => view.reader_problem = true,
        ScreenName::Offline | ScreenName::Synced => {
            let online = screen == ScreenName::Synced;
            let status = motesskylt_sync::agent::SyncStatus {
                online,
                offline_since: (!online).then(|| state.now - chrono::Duration::minutes(8)),
                unsent: if online { 0 } else { 12 },
                problem: None,
            };
            view.sync = Some(view::SyncView::of(&status, tz, lang));
        }
        ScreenName::Free | ScreenName::Cancelled => {
            let state_now = if screen == ScreenName::Free {
                view::RoomState::Free
            } else {
                view::RoomState::Cancelled
            };
            view::without_meeting(&mut view, &meeting, state_now, state.now, tz, lang);
        }
        _ => {}
    }
    let extras = render::Extras {
        help: screen == ScreenName::Help,
        menu: screen == ScreenName::Menu,
        formal: screen == ScreenName::Formal,
    };
    let image = render::render(&view, lang, width, height, &extras).map_err(|e| match e {
        render::RenderError::Size(..) => BadInput(vec![format!("--size: {e}")]).into(),
        other => anyhow::Error::from(other),
    })?;
    image.save_png(&out)?;
    Ok(())
}

/// The screen's settings with the wrap-up time in minutes.
pub(crate) fn settings(wrap_up_minutes: u32) -> Settings {
    Settings {
        wrapup_s: i64::from(wrap_up_minutes) * 60,
        ..Settings::default()
    }
}

/// "800x480" → (800, 480).
pub(crate) fn parse_size(text: &str) -> anyhow::Result<(u32, u32)> {
    let parsed = text
        .split_once(['x', 'X', '×'])
        .and_then(|(w, h)| Some((w.trim().parse().ok()?, h.trim().parse().ok()?)));
    parsed.ok_or_else(|| {
        BadInput(vec![format!(
            "--size: \"{text}\" går inte att läsa; skriv bredd x höjd i pixlar, t.ex. 800x480"
        )])
        .into()
    })
}

/// `--person` as an index into the meeting's participants; without it the
/// first called participant.
fn person_index(meeting: &Meeting, person: Option<&str>) -> anyhow::Result<Option<usize>> {
    Ok(match person {
        Some(name) => Some(meeting.participant_index(name).ok_or_else(|| {
            BadInput(vec![format!(
                "--person: \"{name}\" finns inte bland deltagarna i kallelsen; skriv namnet som i kallelsen"
            )])
        })?),
        None => meeting.called().next().map(|(i, _)| i),
    })
}

/// The door's answer that `render --screen` asks for, given at `now`.
pub(crate) fn door_message(
    meeting: &Meeting,
    screen: ScreenName,
    person: Option<&str>,
    now: chrono::DateTime<Utc>,
    tz: Tz,
) -> anyhow::Result<Option<DoorMessage>> {
    let kind = match screen {
        ScreenName::Room
        | ScreenName::Help
        | ScreenName::Menu
        | ScreenName::Names
        | ScreenName::ReaderProblem
        | ScreenName::Offline
        | ScreenName::Synced
        | ScreenName::Free
        | ScreenName::Formal
        | ScreenName::FormalPin
        | ScreenName::FormalDone
        | ScreenName::RecusalItems
        | ScreenName::Cancelled => return Ok(None),
        ScreenName::TooEarly => DoorKind::TooEarly,
        ScreenName::Welcome => DoorKind::Welcome,
        ScreenName::CheckedOut => DoorKind::CheckedOut,
        ScreenName::AlreadyIn => DoorKind::AlreadyIn,
        ScreenName::AlreadyOut => DoorKind::AlreadyOut,
        ScreenName::UnknownCard => DoorKind::UnknownCard,
        // The PIN pad's "register the card for …" names --person.
        ScreenName::Pin => DoorKind::Hidden,
    };
    let person = person_index(meeting, person)?;
    // Before the window opens the answer names its opening.
    let time = (kind == DoorKind::TooEarly).then(|| {
        let opens_before = motesskylt_core::attendance::door::TapRules::default().opens_before_s;
        motesskylt_core::model::time::local_instant(meeting.date, meeting.start, tz)
            - chrono::Duration::seconds(opens_before)
    });
    Ok(Some(DoorMessage {
        kind,
        person: (kind != DoorKind::UnknownCard).then_some(person).flatten(),
        at: now,
        time,
        formal: None,
    }))
}
