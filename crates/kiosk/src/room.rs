//! The screen's side of the kiosk: the meeting, the events it has been told
//! about, the door's latest answer and the language, turned into a [`View`]
//! for any moment.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use motesskylt_core::model::time::Lang;
use motesskylt_core::model::{Event, Meeting};
use motesskylt_core::progress::{Schedule, screen_state, with_plan};

use super::desk::{Outcome, Prompt};
use super::name_search::{NameSearch, Typed};
use super::station::{Shift, Update};
use super::view::{
    DoorMessage, PromptKind, PromptView, RoomState, Settings, SyncView, View, compose, formal_menu,
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
    /// The letters typed into the name list of `prompt`.
    search: NameSearch,
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
            search: NameSearch::default(),
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
            self.search.clear();
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
        // The same question renewed (someone typing) keeps what was typed.
        let same = match (&outcome.prompt, &self.prompt) {
            (Some(next), Some(open)) => next.same_question(open),
            (next, open) => next.is_none() && open.is_none(),
        };
        if !same {
            self.search.clear();
        }
        self.prompt = outcome.prompt;
    }

    /// Takes a key press (its text as Slint reports it) at `now`: while
    /// the name list shows, letters search it ([`NameSearch`]).
    pub fn key(&mut self, text: &str, now: DateTime<Utc>) -> Typed {
        let prompt = self.prompt_at(now);
        if prompt.kind != PromptKind::Pick {
            return Typed::NotMine;
        }
        let shown: Vec<(usize, &str)> = prompt
            .names
            .iter()
            .map(|(index, name, _)| (*index, name.as_str()))
            .collect();
        self.search.key(text, &shown)
    }

    fn prompt_at(&self, now: DateTime<Utc>) -> PromptView {
        PromptView::of(
            &self.meeting,
            self.prompt.as_ref(),
            now,
            self.settings,
            self.lang,
        )
        .searched(&self.search)
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
        view.prompt = self.prompt_at(now);
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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use motesskylt_core::model::time::DEFAULT_TIME_ZONE;

    fn room() -> (Room, DateTime<Utc>) {
        let meeting =
            motesskylt_core::kallelse::import_bytes(motesskylt_testkit::SRO_NOTICE.as_bytes())
                .unwrap();
        let now = Utc.with_ymd_and_hms(2026, 6, 4, 7, 0, 0).unwrap();
        let room = Room::new(
            meeting,
            DEFAULT_TIME_ZONE,
            Lang::Sv,
            Settings::default(),
            Vec::new(),
        );
        (room, now)
    }

    fn asked(room: &mut Room, since: DateTime<Utc>) {
        room.apply(Outcome {
            prompt: Some(Prompt::Pick { card: None, since }),
            ..Outcome::default()
        });
    }

    fn shown(room: &Room, now: DateTime<Utc>) -> Vec<String> {
        room.view(now)
            .prompt
            .names
            .into_iter()
            .map(|(_, name, _)| name)
            .collect()
    }

    #[test]
    fn letters_narrow_the_name_list_and_a_new_question_starts_afresh() {
        let (mut room, now) = room();
        assert_eq!(room.key("j", now), Typed::NotMine, "no list open");
        asked(&mut room, now);
        let everyone = shown(&room, now);
        assert!(everyone.len() > 20, "{everyone:?}");
        assert_eq!(room.key("j", now), Typed::Searched);
        assert_eq!(room.key("a", now), Typed::Searched);
        let ja = shown(&room, now);
        assert!(!ja.is_empty() && ja.len() < everyone.len(), "{ja:?}");
        assert!(ja.iter().all(|name| {
            name.split([' ', '-'])
                .any(|word| word.to_lowercase().starts_with("ja"))
        }));
        assert_eq!(room.view(now).prompt.search, "ja");
        assert_eq!(
            room.key("1", now),
            Typed::NotMine,
            "digits are the reader's"
        );
        assert_eq!(room.key("n", now), Typed::Searched);
        let jan = shown(&room, now);
        assert_eq!(jan, ["Janette Olsson (S)"]);
        let janette = room.view(now).prompt.names[0].0;
        assert_eq!(room.key("\n", now), Typed::Pick(janette));
        // The same question goes on, or is renewed by typing: the search
        // stays; a new one (after the list closed) clears it.
        asked(&mut room, now);
        assert_eq!(shown(&room, now), jan);
        let soon = now + chrono::Duration::seconds(5);
        asked(&mut room, soon);
        assert_eq!(shown(&room, soon), jan);
        room.apply(Outcome::default());
        asked(&mut room, soon);
        assert_eq!(shown(&room, soon), everyone);
        // Once the question has timed out, keys are not the list's.
        let later = now + chrono::Duration::seconds(super::super::desk::PROMPT_S + 5);
        assert_eq!(room.key("j", later), Typed::NotMine);
    }
}
