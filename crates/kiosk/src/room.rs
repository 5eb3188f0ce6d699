//! The screen's side of the kiosk: the meeting, the events it has been told
//! about, the door's latest answer and the language, turned into a [`View`]
//! for any moment.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use motesskylt_core::model::time::Lang;
use motesskylt_core::model::{Event, Meeting};
use motesskylt_core::progress::{Schedule, screen_state, with_plan};

use super::desk::{Outcome, Prompt};
use super::station::{Shift, Update};
use super::view::{
    DoorMessage, PromptView, RoomState, Settings, SyncView, View, compose, formal_menu,
    without_meeting,
};
use motesskylt_core::room::DoorState;
use motesskylt_sync::agent::SyncStatus;

/// What the screen knows.
#[derive(Debug)]
pub struct Room {
    meeting: Meeting,
    schedule: Schedule,
    tz: Tz,
    /// The language shown.
    pub lang: Lang,
    settings: Settings,
    recorded: Vec<Event>,
    door: Option<DoorMessage>,
    prompt: Option<Prompt>,
    /// The card reader does not answer.
    pub reader_problem: bool,
    /// Sync's state, when the kiosk syncs.
    pub sync: Option<SyncStatus>,
    /// What the door says about the meeting (open, cancelled, free).
    pub door_state: DoorState,
}

impl Room {
    /// A screen for `meeting` with the events recorded so far.
    pub fn new(
        meeting: Meeting,
        tz: Tz,
        lang: Lang,
        settings: Settings,
        recorded: Vec<Event>,
    ) -> Self {
        let schedule = Schedule::new(&meeting, tz);
        Room {
            meeting,
            schedule,
            tz,
            lang,
            settings,
            recorded,
            door: None,
            prompt: None,
            reader_problem: false,
            sync: None,
            door_state: DoorState::Open,
        }
    }

    /// The screen for what the station holds (its [`Station::shift`]).
    ///
    /// [`Station::shift`]: super::station::Station::shift
    pub fn showing(shift: Shift, tz: Tz, lang: Lang, settings: Settings) -> Self {
        let mut room = Room::new(shift.meeting, tz, lang, settings, shift.recorded);
        room.door_state = shift.door;
        room
    }

    /// Takes in an update from the input thread.
    pub fn update(&mut self, update: Update) {
        if let Some(problem) = update.reader_problem {
            self.reader_problem = problem;
        }
        if update.sync.is_some() {
            self.sync = update.sync;
        }
        if let Some(shift) = update.shift {
            self.schedule = Schedule::new(&shift.meeting, self.tz);
            self.meeting = shift.meeting;
            self.recorded = shift.recorded;
            self.door_state = shift.door;
            self.door = None;
            self.prompt = None;
        }
        if let Some(meeting) = update.meeting {
            self.schedule = Schedule::new(&meeting, self.tz);
            self.meeting = *meeting;
        }
        self.recorded
            .extend(update.learned.into_iter().map(|w| w.event));
        self.apply(update.outcome);
    }

    /// Takes in what the desk decided.
    pub fn apply(&mut self, outcome: Outcome) {
        self.recorded.extend(outcome.events);
        if outcome.door.is_some() {
            self.door = outcome.door;
        }
        self.prompt = outcome.prompt;
    }

    /// The meeting shown.
    pub fn meeting(&self) -> &Meeting {
        &self.meeting
    }

    /// The screen at `now`.
    pub fn view(&self, now: DateTime<Utc>) -> View {
        let events = with_plan(&self.schedule, &self.recorded);
        let state = screen_state(&self.meeting, &self.schedule, Some(&events), now);
        let mut view = compose(
            &self.meeting,
            &state,
            self.tz,
            self.lang,
            self.settings,
            self.door.as_ref(),
        );
        view.prompt = PromptView::of(
            &self.meeting,
            self.prompt.as_ref(),
            now,
            self.settings,
            self.lang,
        );
        view.formal = formal_menu(
            &self.meeting,
            &self.schedule,
            &self.recorded,
            &state,
            self.tz,
            self.lang,
        );
        view.reader_problem = self.reader_problem;
        view.sync = self
            .sync
            .as_ref()
            .map(|s| SyncView::of(s, self.tz, self.lang));
        let without = match self.door_state {
            DoorState::Open => None,
            DoorState::Free => Some(RoomState::Free),
            DoorState::Cancelled => Some(RoomState::Cancelled),
        };
        if let Some(state) = without {
            without_meeting(&mut view, &self.meeting, state, now, self.tz, self.lang);
            view.formal = None;
        }
        view
    }
}
