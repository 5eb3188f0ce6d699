//! The kiosk's worker: the desk with its store. Every input (a card from a
//! reader, a button, a touch) goes through here on the input thread; the
//! events it leads to are on disk before the update reaches the screen.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use std::path::Path;
use std::sync::Arc;
use tokio::sync::Notify;
use tokio::sync::mpsc::UnboundedReceiver;

use motesskylt_core::cards::CardKey;
use motesskylt_core::model::meeting_key;
use motesskylt_core::model::{Event, Meeting};
use motesskylt_hw::runner::ReaderEvent;
use motesskylt_hw::{Feedback, Silent, Uid};
use motesskylt_store::{Recorded, Recovery, Stamp, Store, StoreError};

use super::clock::Clock;
use super::desk::{Desk, DeskRules, Input, Journal, Outcome, signal};
use motesskylt_core::room::{DoorState, Follow};
use motesskylt_core::wire::RoomMeeting;
use motesskylt_sync::http::Showing;

/// What reaches the input thread.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// An input from a button, the touch screen or a key.
    Input(Input),
    /// A card's UID from a reader (hashed here, never kept).
    Card(Uid),
    /// The reader's state.
    Reader(ReaderEvent),
    /// Sync's state changed.
    Sync(motesskylt_sync::agent::SyncStatus),
    /// Events of the room's other devices, learned by sync (already in
    /// the store).
    Learned(Vec<motesskylt_core::wire::WireEvent>),
    /// A new version of a meeting of the room, pulled by sync (already in
    /// the store): the room's schedule changes; a version from the
    /// secretary's pages of the meeting held replaces it (another meeting
    /// of the same body that day does not).
    Meeting(Box<RoomMeeting>),
    /// A second passed: the door moves to the room's next meeting when its
    /// time comes.
    Tick,
    /// The watchdog asks whether this thread still takes its messages.
    Heartbeat(super::watchdog::Heartbeat),
    /// What does the screen show now? (`state` of the headless kiosk.)
    State,
    /// The kiosk is closing.
    Stop,
}

/// What the screen is told after a message.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Update {
    /// The desk's outcome (its events already stored).
    pub outcome: Outcome,
    /// The stored events, with their ids and sequence numbers.
    pub stored: Vec<Recorded>,
    /// `Some(true)` when the reader stopped answering, `Some(false)` when it
    /// answers again.
    pub reader_problem: Option<bool>,
    /// The store is damaged: the kiosk must stop (and be restarted, which
    /// recovers the store).
    pub fatal: Option<String>,
    /// Events of other devices of the room, new to this kiosk.
    pub learned: Vec<motesskylt_core::wire::WireEvent>,
    /// Sync's new state.
    pub sync: Option<motesskylt_sync::agent::SyncStatus>,
    /// A new version of the meeting shown (from the secretary's pages).
    pub meeting: Option<Box<Meeting>>,
    /// The answer to [`Message::State`]: what the screen shows now, or
    /// `None` inside when the room has no meeting today or later.
    pub state: Option<Option<Box<motesskylt_core::progress::report::StatusReport>>>,
    /// The door moved to another meeting of the room, or its state changed
    /// (open, cancelled, free): the screen starts over with this.
    pub shift: Option<Box<Shift>>,
}

/// The door's new meeting: what the screen needs to start over.
#[derive(Debug, Clone, PartialEq)]
pub struct Shift {
    /// The meeting's id.
    pub id: String,
    /// The meeting (the next one, when the door is free).
    pub meeting: Meeting,
    /// Everything recorded for it, as the desk has it.
    pub recorded: Vec<Event>,
    /// Open, cancelled or free.
    pub door: DoorState,
}

/// The desk and its store (and the buzzer and LEDs, if any), following
/// the room's schedule.
pub struct Station {
    desk: Desk,
    store: Store,
    /// The id of the meeting the desk holds (empty: the room has none).
    meeting: String,
    follow: Follow,
    door: DoorState,
    tz: Tz,
    rules: DeskRules,
    key: CardKey,
    feedback: Box<dyn Feedback>,
    trust: ClockTrust,
    outbox: Option<Arc<Notify>>,
    showing: Option<Showing>,
}

/// Where the door's trust in the clock comes from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ClockTrust {
    /// The kernel's NTP state, asked at every input (a real kiosk).
    #[default]
    Kernel,
    /// The clock was set on purpose (`--clock`, the demo): trusted.
    Given,
}

impl std::fmt::Debug for Station {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Station")
            .field("meeting", &self.meeting)
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

/// Records the desk's events in the store, for one meeting.
struct StoreJournal<'a> {
    store: &'a mut Store,
    meeting: &'a str,
    stored: Vec<Recorded>,
    damage: Option<String>,
    /// The kiosk's clock when the input came: the stamp's wall time, so
    /// that a clock set on purpose (`--clock`) and the events' moments
    /// agree, and the central server's correction keeps them.
    now: DateTime<Utc>,
}

impl Journal for StoreJournal<'_> {
    fn record(&mut self, events: &[Event]) -> Result<(), String> {
        let stored = self
            .store
            .append(self.meeting, events, &Stamp::read(self.now))
            .map_err(|e| {
                if e.is_damage() {
                    self.damage = Some(e.to_string());
                }
                e.to_string()
            })?;
        // After the commit (flushed: `synchronous=FULL`): a line in the
        // journal per event, for IT and for the power-cut test, which
        // counts an event acknowledged once this line has left the machine.
        for recorded in &stored {
            tracing::info!(id = %recorded.id, seq = recorded.seq, "händelsen sparad");
        }
        self.stored.extend(stored);
        Ok(())
    }
}

/// The kiosk's own events in log order, with the events learned from other
/// devices put in by their time (a tie goes to the kiosk's own): the kiosk's
/// order is kept even when its clock stepped.
fn merge_by_time(own: Vec<Event>, mut learned: Vec<Event>) -> Vec<Event> {
    learned.sort_by_key(Event::instant);
    let mut merged = Vec::with_capacity(own.len() + learned.len());
    let mut learned = learned.into_iter().peekable();
    for event in own {
        while let Some(other) = learned.next_if(|l| l.instant() < event.instant()) {
            merged.push(other);
        }
        merged.push(event);
    }
    merged.extend(learned);
    merged
}

/// Opens the store at `path`; a damaged one is set aside and what can be
/// read of it is copied into a fresh one (reported in the `Recovery`).
pub fn open_store(
    path: &Path,
    device: &str,
    now: DateTime<Utc>,
) -> Result<(Store, Option<Recovery>), StoreError> {
    match Store::open(path, device) {
        Ok(store) => Ok((store, None)),
        Err(StoreError::Corrupt { .. }) => {
            let recovery = motesskylt_store::recover(path, device, now)?;
            Ok((Store::open(path, device)?, Some(recovery)))
        }
        Err(other) => Err(other),
    }
}

impl Station {
    /// A station on `store` for the room's meetings: the kiosk's notice
    /// `meeting`, if it has one (saved, a new version if it changed), and
    /// what its store has pulled for its room. The door holds the meeting
    /// whose time it is ([`Follow`]), with its recorded events and the card
    /// registry read back, so a restarted kiosk goes on where it stopped.
    /// A notice's meeting of which the store holds a version imported on
    /// the secretary's pages shows that version.
    pub fn new(
        mut store: Store,
        meeting: Option<Meeting>,
        tz: Tz,
        rules: DeskRules,
        key: CardKey,
        now: DateTime<Utc>,
    ) -> Result<Station, StoreError> {
        if let Some(meeting) = &meeting
            && store.secretarys_meeting(&meeting_key(meeting))?.is_none()
        {
            store.save_meeting(meeting, now)?;
        }
        let follow = Follow::new(store.room_meetings()?, tz);
        let cards = store.cards()?;
        let mut station = Station {
            desk: Desk::new(no_meeting(now, tz), tz, rules.clone(), Vec::new(), cards),
            store,
            meeting: String::new(),
            follow,
            door: DoorState::Free,
            tz,
            rules,
            key,
            feedback: Box::new(Silent),
            trust: ClockTrust::Kernel,
            outbox: None,
            showing: None,
        };
        station.follow_now(now)?;
        Ok(station)
    }

    /// Moves the desk to the meeting whose time it is at `now`, when that
    /// changed (or what the door says about it): the shift for the screen.
    fn follow_now(&mut self, now: DateTime<Utc>) -> Result<Option<Box<Shift>>, StoreError> {
        let Some(target) = self.follow.target(now) else {
            return Ok(None);
        };
        if target.id == self.meeting && target.door == self.door {
            return Ok(None);
        }
        if target.id != self.meeting {
            let own = self.store.events(&target.id)?.into_iter().map(|r| r.event);
            let recorded = merge_by_time(own.collect(), self.store.learned(&target.id)?);
            let cards = self.store.cards()?;
            self.desk = Desk::new(target.meeting, self.tz, self.rules.clone(), recorded, cards);
            self.meeting = target.id;
        }
        self.door = target.door;
        self.tell_showing();
        tracing::info!(meeting = %self.meeting, door = ?self.door, "dörren visar");
        Ok(Some(Box::new(self.shift())))
    }

    /// What the screen needs to show the desk's meeting.
    pub fn shift(&self) -> Shift {
        Shift {
            id: self.meeting.clone(),
            meeting: self.desk.meeting().clone(),
            recorded: self.desk.recorded().to_vec(),
            door: self.door.clone(),
        }
    }

    /// What the door says about the meeting held.
    pub fn door(&self) -> &DoorState {
        &self.door
    }

    /// Beeps and lights through `feedback` for every answer.
    pub fn with_feedback(mut self, feedback: Box<dyn Feedback>) -> Self {
        self.feedback = feedback;
        self
    }

    /// The meeting shown (the secretary's version, when there is one).
    pub fn meeting(&self) -> &Meeting {
        self.desk.meeting()
    }

    /// The id of the meeting held (empty when the room has none).
    pub fn meeting_key(&self) -> &str {
        &self.meeting
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The events recorded for the meeting so far.
    pub fn recorded(&self) -> &[Event] {
        self.desk.recorded()
    }

    /// Records events that do not come from the door (the demo's cards
    /// registered by the secretary) at the kiosk's `now`.
    pub fn record(
        &mut self,
        events: &[Event],
        now: DateTime<Utc>,
    ) -> Result<Vec<Recorded>, StoreError> {
        let stored = self
            .store
            .append(&self.meeting, events, &Stamp::read(now))?;
        for event in events {
            self.desk.take(event.clone());
        }
        Ok(stored)
    }

    /// Keeps `showing` told of the meeting the door shows (sync tells the
    /// central server).
    pub fn with_showing(mut self, showing: Showing) -> Self {
        self.showing = Some(showing);
        self.tell_showing();
        self
    }

    fn tell_showing(&self) {
        if let Some(showing) = &self.showing {
            let shown = (self.door != DoorState::Free && !self.meeting.is_empty())
                .then_some(self.meeting.as_str());
            showing.set(shown);
        }
    }

    /// Notifies `outbox` after every stored event (wakes the sync agent).
    pub fn with_outbox(mut self, outbox: Arc<Notify>) -> Self {
        self.outbox = Some(outbox);
        self
    }

    /// Whether the door may judge taps by the date (see [`ClockTrust`]).
    pub fn with_clock_trust(mut self, trust: ClockTrust) -> Self {
        self.trust = trust;
        self
    }

    /// Handles one message at `now`; the door first moves to the meeting
    /// whose time it is.
    pub fn handle(&mut self, message: Message, now: DateTime<Utc>) -> Update {
        if let Message::Meeting(pulled) = &message {
            self.follow.learn((**pulled).clone());
        }
        let shift = match self.follow_now(now) {
            Ok(shift) => shift,
            Err(error) if error.is_damage() => {
                return Update {
                    fatal: Some(error.to_string()),
                    ..Update::default()
                };
            }
            // The door stays on its meeting; the next second tries again.
            Err(error) => {
                tracing::error!("rummets nästa möte kunde inte läsas: {error}");
                None
            }
        };
        let mut update = self.handle_here(message, now);
        update.shift = shift;
        update
    }

    fn handle_here(&mut self, message: Message, now: DateTime<Utc>) -> Update {
        let input = match message {
            Message::Tick => return Update::default(),
            Message::Stop => return Update::default(),
            Message::Heartbeat(beat) => {
                beat.answer();
                return Update::default();
            }
            Message::Sync(status) => {
                return Update {
                    sync: Some(status),
                    ..Update::default()
                };
            }
            Message::State => {
                let nothing = self.meeting.is_empty()
                    || (self.door == DoorState::Free && !self.follow.anything_ahead(now));
                return Update {
                    state: Some((!nothing).then(|| Box::new(self.desk.status(now)))),
                    ..Update::default()
                };
            }
            Message::Meeting(pulled) => {
                // A new version of the meeting held, from the pages; a
                // switch to another meeting came with the shift.
                if pulled.key != self.meeting || !pulled.from_pages {
                    return Update::default();
                }
                if self.desk.meeting() == &pulled.meeting {
                    return Update::default();
                }
                self.desk.replace_meeting(pulled.meeting.clone());
                return Update {
                    meeting: Some(Box::new(pulled.meeting)),
                    ..Update::default()
                };
            }
            Message::Learned(events) => {
                let (learned, elsewhere): (Vec<_>, Vec<_>) =
                    events.into_iter().partition(|e| e.meeting == self.meeting);
                for wire in &learned {
                    self.desk.take(wire.event.clone());
                }
                // A card registered at another meeting's door counts here too.
                for wire in elsewhere {
                    self.desk.learn_card(&wire.event);
                }
                return Update {
                    outcome: Outcome {
                        prompt: self.desk.prompt(now).cloned(),
                        ..Outcome::default()
                    },
                    learned,
                    ..Update::default()
                };
            }
            Message::Input(input) => input,
            Message::Card(uid) | Message::Reader(ReaderEvent::Card(uid)) => {
                Input::Card(self.key.hash(&uid))
            }
            Message::Reader(state) => {
                let failed = matches!(state, ReaderEvent::Failed(_));
                match state {
                    ReaderEvent::Failed(why) => tracing::error!("{why}"),
                    _ => tracing::info!("kortläsaren svarar igen"),
                }
                // The screen keeps whatever question is open.
                return Update {
                    outcome: Outcome {
                        prompt: self.desk.prompt(now).cloned(),
                        ..Outcome::default()
                    },
                    reader_problem: Some(failed),
                    ..Update::default()
                };
            }
        };
        if self.door != DoorState::Open || self.meeting.is_empty() {
            // Nothing to check in to now, whatever the clock's state: the
            // screen says why (when the next meeting's door opens).
            let meeting = self.desk.meeting();
            let opens =
                motesskylt_core::model::time::local_instant(meeting.date, meeting.start, self.tz)
                    - motesskylt_core::room::OPENS_BEFORE;
            let (kind, time) = match self.door {
                DoorState::Cancelled => (super::desk::DoorKind::Cancelled, None),
                _ => (
                    super::desk::DoorKind::NoMeeting,
                    (opens > now && !self.meeting.is_empty()).then_some(opens),
                ),
            };
            let outcome = Outcome {
                door: Some(super::desk::DoorMessage {
                    kind,
                    person: None,
                    at: now,
                    time,
                    formal: None,
                }),
                ..Outcome::default()
            };
            if let Some(signal) = signal(&outcome) {
                self.feedback.signal(signal);
            }
            return Update {
                outcome,
                ..Update::default()
            };
        }
        if self.trust == ClockTrust::Kernel {
            self.desk
                .set_clock_trusted(motesskylt_store::stamp::clock_synced());
        }
        let mut journal = StoreJournal {
            store: &mut self.store,
            meeting: &self.meeting,
            stored: Vec::new(),
            damage: None,
            now,
        };
        let outcome = self.desk.handle(input, now, &mut journal);
        if let Some(signal) = signal(&outcome) {
            self.feedback.signal(signal);
        }
        if let Some(outbox) = self.outbox.as_ref().filter(|_| !journal.stored.is_empty()) {
            outbox.notify_one();
        }
        Update {
            outcome,
            stored: journal.stored,
            fatal: journal.damage,
            ..Update::default()
        }
    }

    /// Takes messages until the channel closes or [`Message::Stop`],
    /// telling `screen` of every update; stops early when `screen` returns
    /// `false` (the window is gone) or the store is damaged. Returns why it
    /// stopped if that was damage (or the thread's runtime failing).
    pub fn run(
        mut self,
        mut messages: UnboundedReceiver<Message>,
        clock: Clock,
        mut screen: impl FnMut(Update) -> bool,
    ) -> Option<String> {
        let runtime = match tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
        {
            Ok(runtime) => runtime,
            Err(error) => return Some(format!("indatatråden kunde inte starta: {error}")),
        };
        runtime.block_on(async move {
            let mut ticks = tokio::time::interval(std::time::Duration::from_secs(1));
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            loop {
                let message = tokio::select! {
                    message = messages.recv() => match message {
                        Some(message) => message,
                        None => break,
                    },
                    _ = ticks.tick() => Message::Tick,
                };
                if message == Message::Stop {
                    break;
                }
                // Not an input: the screen hears of it only when something
                // changed (a tick that moved the door, the meeting's new
                // version), never an empty answer. Every input is answered.
                let quiet = matches!(
                    message,
                    Message::Heartbeat(_) | Message::Tick | Message::Meeting(_)
                );
                let update = self.handle(message, clock.now());
                if quiet && update == Update::default() {
                    continue;
                }
                let fatal = update.fatal.clone();
                if !screen(update) {
                    break;
                }
                if fatal.is_some() {
                    return fatal;
                }
            }
            None
        })
    }
}

/// The desk's meeting while the room has none at all: no one to check in,
/// on a day long gone (the door answers "closed"; the screen says free).
fn no_meeting(now: DateTime<Utc>, tz: Tz) -> Meeting {
    let today = motesskylt_core::model::time::local_time(now, tz).date();
    Meeting {
        body: String::new(),
        body_description: None,
        document: Default::default(),
        date: today - chrono::Days::new(1),
        start: chrono::NaiveTime::MIN,
        end: chrono::NaiveTime::MIN,
        location: None,
        participants: Vec::new(),
        items: Vec::new(),
    }
}
