//! The kiosk's front desk: turns a card, a button, a touch or a typed PIN
//! into events to record, an answer for the door and the question the
//! screen asks next. Pure; the moment is given and the events are recorded
//! through a [`Journal`] (the store, or a `Vec` in tests) before anything
//! is answered, so the screen never confirms what is not on disk.

mod formal;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use motesskylt_core::attendance::formal::Request;
use motesskylt_core::progress::control::{self, Command};

use motesskylt_core::attendance::door::{Door, TapOutcome, TapRules, Window, record_at, window};
use motesskylt_core::cards::{CardHash, Registry};
use motesskylt_core::model::event::{Authority, CARD_EXPECTED_MINUTES};
use motesskylt_core::model::time::local_time;
use motesskylt_core::model::{Event, EventKind, Meeting, Source};
use motesskylt_core::progress::{Phase, Schedule, ScreenState, screen_state, with_plan};
use motesskylt_hw::Signal;

/// What the door answered to the latest tap or button press.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DoorKind {
    /// Nothing to say.
    #[default]
    Hidden,
    /// "Välkommen, Marina Johansson (S)".
    Welcome,
    /// "Utcheckad 14.15".
    CheckedOut,
    /// "Du är redan incheckad" (tap again to check out).
    AlreadyIn,
    /// "Du checkade ut 14.15" a moment ago (tap again to check in).
    AlreadyOut,
    /// "Okänt kort": the name list opens.
    UnknownCard,
    /// "Incheckningen öppnar 12.30".
    TooEarly,
    /// "Mötet är avslutat": no check-in after the meeting.
    Closed,
    /// "Kortet är registrerat": a new card was bound and checked in.
    Enrolled,
    /// "Fel PIN-kod".
    WrongPin,
    /// "För många felaktiga försök": the PIN pad is locked until `time`.
    PinLocked,
    /// "Kunde inte spara": the store failed; nothing was recorded.
    NotSaved,
    /// "Ingen PIN-kod är inställd": touch controls are off.
    NoPin,
    /// "Administratörskort": an admin card outside an enrolment.
    AdminCard,
    /// "Du är inte kallad till det här mötet": a known card of someone else.
    NotInvited,
    /// "Mötet är inställt": a tap in a cancelled meeting's time.
    Cancelled,
    /// "Inget möte just nu": a tap while the room is free (`time`: when the
    /// next meeting's check-in opens, if one is coming).
    NoMeeting,
    /// "Bekräftat": a change of who serves or a recusal, confirmed by the
    /// secretary and recorded (what, in [`DoorMessage::formal`]).
    FormalDone,
    /// "Inte registrerat": the change could not be made (why, in
    /// [`DoorMessage::formal`]).
    FormalRefused,
}

pub use formal::FormalAnswer;

/// The door's answer, as recorded when it was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DoorMessage {
    /// What was answered.
    pub kind: DoorKind,
    /// Who it concerns (index into `meeting.participants`).
    pub person: Option<usize>,
    /// When it was answered.
    pub at: DateTime<Utc>,
    /// The moment the answer names, if other than `at` (when check-in opens).
    pub time: Option<DateTime<Utc>>,
    /// What a confirmed change of who serves or recusal did, or why not.
    pub formal: Option<FormalAnswer>,
}

/// A button on the kiosk, a touch control or a key standing in for one,
/// that moves the meeting on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// Start the meeting, or the next agenda item.
    Next,
    /// Back to the previous agenda item.
    Previous,
    /// Start a break.
    Break,
    /// End the meeting.
    End,
}

/// An input from a reader, a button or the touch screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A card was read: its keyed hash.
    Card(CardHash),
    /// A person checked in or out without a card: a name picked on the
    /// screen, or a key standing in for their card in the demo.
    Person(usize, Source),
    /// The touch screen's "pick your name" list was opened.
    OpenPicker,
    /// A name was picked in the list (for an unknown card, or to check in).
    Pick(usize),
    /// A PIN was typed on the pad.
    Pin(String),
    /// The screen's question was dismissed.
    Cancel,
    /// Someone is answering the question on screen (typing into the name
    /// list): it stays open another [`PROMPT_S`] (WCAG 2.2.1).
    StillThere,
    /// A control from a hardware button at the kiosk (trusted: it is in the
    /// meeting room).
    Press(Control),
    /// A control from the touch screen: asks for the PIN first.
    Touch(Control),
    /// The door's confirm button: answers "Tryck igen för att checka ut"
    /// for whoever was asked last, as their second tap would.
    Confirm,
    /// The menu's "Anmäl jäv": asks who, then for which item.
    OpenRecusal,
    /// An agenda item picked (its number), for a recusal.
    PickItem(String),
    /// A change of who serves or a recusal, asked for at the door: the
    /// secretary confirms it with the PIN or an admin card.
    Formal(Request),
}

/// What the screen asks while the desk waits for an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prompt {
    /// "Vem är du?": the name list, for an unknown card (`card`) or a
    /// check-in by name (`None`).
    Pick {
        /// The unknown card, when one was tapped.
        card: Option<CardHash>,
        /// When the question was asked.
        since: DateTime<Utc>,
    },
    /// The secretary's PIN (or an admin card) to bind `card` to `person`.
    Enrol {
        /// The card to bind.
        card: CardHash,
        /// The participant it becomes theirs.
        person: usize,
        /// When the question was asked.
        since: DateTime<Utc>,
    },
    /// The PIN for a touch control.
    Control {
        /// The control asked for.
        control: Control,
        /// When the question was asked.
        since: DateTime<Utc>,
    },
    /// "Vem har jäv?": the name list (`person` is `None`), then the
    /// agenda's items for the person picked.
    Recusal {
        /// The person picked, once picked.
        person: Option<usize>,
        /// When the question was asked.
        since: DateTime<Utc>,
    },
    /// The secretary's PIN (or an admin card) to confirm `request`.
    Formal {
        /// What is asked for.
        request: Request,
        /// When the question was asked.
        since: DateTime<Utc>,
    },
}

impl Prompt {
    /// The same question, asked again at `now`.
    pub fn renewed(&self, now: DateTime<Utc>) -> Prompt {
        let mut renewed = self.clone();
        match &mut renewed {
            Prompt::Pick { since, .. }
            | Prompt::Enrol { since, .. }
            | Prompt::Control { since, .. }
            | Prompt::Recusal { since, .. }
            | Prompt::Formal { since, .. } => *since = now,
        }
        renewed
    }

    /// Whether `other` asks the same, whenever it was asked.
    pub fn same_question(&self, other: &Prompt) -> bool {
        self.renewed(other.since()) == *other
    }

    /// When the question was asked.
    pub fn since(&self) -> DateTime<Utc> {
        match self {
            Prompt::Pick { since, .. }
            | Prompt::Enrol { since, .. }
            | Prompt::Control { since, .. }
            | Prompt::Recusal { since, .. }
            | Prompt::Formal { since, .. } => *since,
        }
    }
}

/// What an input led to.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    /// Events recorded (already in the journal), in order.
    pub events: Vec<Event>,
    /// The door's answer, if it says anything.
    pub door: Option<DoorMessage>,
    /// The question on screen after this input (`None`: none).
    pub prompt: Option<Prompt>,
}

/// Where the desk records events: the store, or a `Vec` in tests. Events
/// are on disk when `record` returns `Ok`.
pub trait Journal {
    /// Records `events` all together or not at all; the error is for the log.
    fn record(&mut self, events: &[Event]) -> Result<(), String>;
}

impl Journal for Vec<Event> {
    fn record(&mut self, events: &[Event]) -> Result<(), String> {
        self.extend_from_slice(events);
        Ok(())
    }
}

/// How the desk behaves, from the kiosk's configuration.
#[derive(Debug, Clone, Default)]
pub struct DeskRules {
    /// The door's timing.
    pub taps: TapRules,
    /// The secretary's PIN; without one, enrolment needs an admin card and
    /// touch controls are off.
    pub pin: Option<String>,
    /// Admin cards, by keyed hash: tapping one answers the PIN pad.
    pub admin_cards: Vec<CardHash>,
}

/// Seconds a question (name list, PIN pad) stays open without an answer.
pub const PROMPT_S: i64 = 60;

/// Wrong PINs in a row before the pad locks (30 s, doubling each time
/// after, at most 15 minutes).
const PIN_TRIES: u32 = 3;

/// The desk: the meeting, what has been recorded, the card registry, the
/// door's memory and the open question.
#[derive(Debug)]
pub struct Desk {
    meeting: Meeting,
    schedule: Schedule,
    tz: Tz,
    rules: DeskRules,
    door: Door,
    recorded: Vec<Event>,
    cards: Registry,
    prompt: Option<Prompt>,
    wrong_pins: u32,
    pin_locked_until: Option<DateTime<Utc>>,
    clock_trusted: bool,
}

impl Desk {
    /// A desk for `meeting`, with the events already recorded for it and
    /// the card registry.
    pub fn new(
        meeting: Meeting,
        tz: Tz,
        rules: DeskRules,
        recorded: Vec<Event>,
        cards: Registry,
    ) -> Self {
        let schedule = Schedule::new(&meeting, tz);
        Desk {
            meeting,
            schedule,
            tz,
            door: Door::new(rules.taps),
            rules,
            recorded,
            cards,
            prompt: None,
            wrong_pins: 0,
            pin_locked_until: None,
            clock_trusted: true,
        }
    }

    /// Tells the desk whether the clock can be trusted (NTP synchronised,
    /// or set by hand). Untrusted, the door does not refuse taps as too
    /// early or too late by the date; the events carry the clock's state.
    pub fn set_clock_trusted(&mut self, trusted: bool) {
        self.clock_trusted = trusted;
    }

    /// The meeting at the door.
    pub fn meeting(&self) -> &Meeting {
        &self.meeting
    }

    /// Takes a new version of the meeting (the secretary fixed a title, a
    /// time or a name). A question open at the door is closed: its list
    /// of names may have changed.
    pub fn replace_meeting(&mut self, meeting: Meeting) {
        self.schedule = Schedule::new(&meeting, self.tz);
        self.meeting = meeting;
        self.prompt = None;
    }

    /// What the screen shows at `now`, as `motesskylt status --json`
    /// prints it: the plan where nobody drove the meeting, the recorded
    /// events where someone did (the screen's own computation).
    pub fn status(&self, now: DateTime<Utc>) -> motesskylt_core::progress::report::StatusReport {
        motesskylt_core::progress::report::status_at(
            &self.meeting,
            &self.schedule,
            &self.recorded,
            now,
        )
    }

    /// Everything recorded so far.
    pub fn recorded(&self) -> &[Event] {
        &self.recorded
    }

    /// Takes in a card registration made for another meeting (the
    /// registry is the site's, not the meeting's); other events are
    /// ignored.
    pub fn learn_card(&mut self, event: &Event) {
        self.cards.apply(event);
    }

    /// Takes in an event recorded elsewhere (already in the store).
    pub fn take(&mut self, event: Event) {
        self.cards.apply(&event);
        self.recorded.push(event);
    }

    /// The question open at `now`, if any. One asked "in the future" (the
    /// clock was stepped back) has expired too.
    pub fn prompt(&self, now: DateTime<Utc>) -> Option<&Prompt> {
        self.prompt
            .as_ref()
            .filter(|p| (0..PROMPT_S).contains(&(now - p.since()).num_seconds()))
    }

    /// Handles an input at `now`, recording its events in `journal` first.
    /// When the journal fails nothing changes and the door says so.
    pub fn handle(
        &mut self,
        input: Input,
        now: DateTime<Utc>,
        journal: &mut dyn Journal,
    ) -> Outcome {
        let prompt = self.prompt(now).cloned();
        let admin = |card: &CardHash| self.rules.admin_cards.contains(card);
        let plan = match (input, prompt) {
            (Input::Cancel, _) => Plan::prompt(None),
            (Input::StillThere, Some(open)) => Plan::prompt(Some(open.renewed(now))),
            (Input::StillThere, None) => Plan::default(),
            (
                Input::Card(card),
                Some(Prompt::Enrol {
                    card: new, person, ..
                }),
            ) if admin(&card) => self.enrol(new, person, Authority::AdminCard, now),
            (Input::Card(card), Some(Prompt::Control { control, .. })) if admin(&card) => {
                Plan::control(self.control(control, now))
            }
            (Input::Card(card), Some(Prompt::Formal { request, .. })) if admin(&card) => {
                self.confirm_formal(&request, Authority::AdminCard, now)
            }
            (Input::Card(card), _) => self.card(card, now),
            (Input::Person(person, source), _) => self.tap(person, source, now),
            (Input::Confirm, _) => match self.door.asked_last(now) {
                Some(person) => self.tap(person, Source::Button, now),
                None => Plan::default(),
            },
            (Input::OpenPicker, _) => Plan::prompt(Some(Prompt::Pick {
                card: None,
                since: now,
            })),
            (
                Input::Pick(person),
                Some(Prompt::Pick {
                    card: Some(card), ..
                }),
            ) if person < self.meeting.participants.len() => Plan::prompt(Some(Prompt::Enrol {
                card,
                person,
                since: now,
            })),
            (Input::Pick(person), Some(Prompt::Pick { card: None, .. })) => Plan {
                prompt: Some(None),
                ..self.tap(person, Source::Touch, now)
            },
            (Input::OpenRecusal, _) if !self.can_confirm() => {
                Plan::answer(self.answer(DoorKind::NoPin, None, now))
            }
            (Input::OpenRecusal, _) => Plan::prompt(Some(Prompt::Recusal {
                person: None,
                since: now,
            })),
            (Input::Pick(person), Some(Prompt::Recusal { person: None, .. }))
                if person < self.meeting.participants.len() =>
            {
                Plan::prompt(Some(Prompt::Recusal {
                    person: Some(person),
                    since: now,
                }))
            }
            (
                Input::PickItem(item),
                Some(Prompt::Recusal {
                    person: Some(person),
                    ..
                }),
            ) => match self.meeting.participants.get(person) {
                Some(p) => self.ask_formal(
                    Request::Recuse {
                        person: p.name.clone(),
                        item,
                    },
                    now,
                ),
                None => Plan::prompt(None),
            },
            (Input::Formal(request), _) => self.ask_formal(request, now),
            (
                Input::Pin(_),
                Some(Prompt::Enrol { .. } | Prompt::Control { .. } | Prompt::Formal { .. }),
            ) if self.pin_locked_until.is_some_and(|until| now < until) => {
                Plan::answer(DoorMessage {
                    time: self.pin_locked_until,
                    ..self.answer(DoorKind::PinLocked, None, now)
                })
            }
            (
                Input::Pin(pin),
                Some(
                    open @ (Prompt::Enrol { .. } | Prompt::Control { .. } | Prompt::Formal { .. }),
                ),
            ) => self.pin(&pin, open, now),
            // A button in the room answers no question: one open stays open.
            (Input::Press(control), _) => Plan {
                events: self.control(control, now),
                ..Plan::default()
            },
            (Input::Touch(control), _) => match self.rules.pin {
                Some(_) => Plan::prompt(Some(Prompt::Control {
                    control,
                    since: now,
                })),
                None => Plan::answer(self.answer(DoorKind::NoPin, None, now)),
            },
            // A pick or a PIN with no matching question (it timed out).
            (Input::Pick(_) | Input::PickItem(_) | Input::Pin(_), _) => Plan::prompt(None),
        };
        self.carry_out(plan, now, journal)
    }

    /// A PIN typed for the open question: the right one answers it; a wrong
    /// one is refused, and after [`PIN_TRIES`] in a row the pad locks.
    fn pin(&mut self, typed: &str, open: Prompt, now: DateTime<Utc>) -> Plan {
        if self.pin_ok(typed) {
            self.wrong_pins = 0;
            self.pin_locked_until = None;
            return match open {
                Prompt::Enrol { card, person, .. } => self.enrol(card, person, Authority::Pin, now),
                Prompt::Control { control, .. } => Plan::control(self.control(control, now)),
                Prompt::Formal { request, .. } => {
                    self.confirm_formal(&request, Authority::Pin, now)
                }
                Prompt::Pick { .. } | Prompt::Recusal { .. } => Plan::default(),
            };
        }
        self.wrong_pins += 1;
        if self.wrong_pins < PIN_TRIES {
            return Plan::answer(self.answer(DoorKind::WrongPin, None, now));
        }
        let lock_s = (30i64 << (self.wrong_pins - PIN_TRIES).min(5)).min(15 * 60);
        let until = now + chrono::Duration::seconds(lock_s);
        self.pin_locked_until = Some(until);
        Plan {
            door: Some(DoorMessage {
                time: Some(until),
                ..self.answer(DoorKind::PinLocked, None, now)
            }),
            prompt: Some(None),
            ..Plan::default()
        }
    }

    fn pin_ok(&self, typed: &str) -> bool {
        self.rules.pin.as_deref().is_some_and(|pin| pin == typed)
    }

    fn answer(&self, kind: DoorKind, person: Option<usize>, at: DateTime<Utc>) -> DoorMessage {
        DoorMessage {
            kind,
            person,
            at,
            time: None,
            formal: None,
        }
    }

    /// Records the plan's events; only then does the desk take them in.
    fn carry_out(&mut self, plan: Plan, now: DateTime<Utc>, journal: &mut dyn Journal) -> Outcome {
        if !plan.events.is_empty()
            && let Err(error) = journal.record(&plan.events)
        {
            tracing::error!("händelsen kunde inte sparas: {error}");
            return Outcome {
                events: Vec::new(),
                door: Some(self.answer(DoorKind::NotSaved, None, now)),
                prompt: self.prompt.clone(),
            };
        }
        if let Some((person, outcome)) = plan.tap {
            self.door.remember(person, outcome, now);
        }
        for event in &plan.events {
            self.cards.apply(event);
        }
        self.recorded.extend(plan.events.iter().cloned());
        if let Some(prompt) = plan.prompt {
            self.prompt = prompt;
        }
        Outcome {
            events: plan.events,
            door: plan.door,
            prompt: self.prompt(now).cloned(),
        }
    }

    fn state(&self, now: DateTime<Utc>) -> ScreenState {
        let events = with_plan(&self.schedule, &self.recorded);
        screen_state(&self.meeting, &self.schedule, Some(&events), now)
    }

    /// The check-in window: by the rules, but open whenever the meeting has
    /// begun (a chair may start early) and whenever the clock is not to be
    /// trusted (better a check-in with a doubtful time than a refusal).
    fn window(&self, now: DateTime<Utc>) -> Window {
        if !self.clock_trusted {
            return Window::Open;
        }
        let today = local_time(now, self.tz).date();
        let phase = self.state(now).phase;
        let ended = phase == Phase::After && today == self.meeting.date;
        match window(
            self.rules.taps,
            self.schedule.planned_start,
            ended,
            today > self.meeting.date,
            now,
        ) {
            Window::TooEarly(_) if phase != Phase::Before && today == self.meeting.date => {
                Window::Open
            }
            other => other,
        }
    }

    /// Whether `person` is in, and the moment of their latest check-in or
    /// check-out. Presence is the minutes' and the exports' fold
    /// ([`motesskylt_core::attendance::stays`]) over everything recorded, whatever
    /// the clock says now: a clock stepped back must not make the kiosk
    /// forget a check-in it made, and what the door answers is what the
    /// minutes will say.
    fn attendance(&self, person: usize) -> (bool, Option<DateTime<Utc>>) {
        let names = self.schedule.names();
        let stays = motesskylt_core::attendance::stays(
            names,
            self.meeting.participants.len(),
            &self.recorded,
        );
        // The same fold gives both: a withdrawn correction is neither a
        // presence nor a moment to record after.
        let last = stays.get(person).and_then(|s| s.last()).copied();
        let present = last.is_some_and(|(_, out)| out.is_none());
        (present, last.map(|(arrived, left)| left.unwrap_or(arrived)))
    }

    fn card(&mut self, card: CardHash, now: DateTime<Utc>) -> Plan {
        if self.rules.admin_cards.contains(&card) {
            return Plan::answer(self.answer(DoorKind::AdminCard, None, now));
        }
        let person = self
            .cards
            .owner(&card)
            .and_then(|name| self.schedule.names().find(name));
        match person {
            Some(person) => self.tap(person, Source::Nfc, now),
            None if self.cards.owner(&card).is_some() => {
                // A registered card of someone not called to this meeting.
                Plan::answer(self.answer(DoorKind::NotInvited, None, now))
            }
            None => match self.expected_card(now) {
                // The secretary said on the pages whose new card comes next.
                Some(person) => self.enrol(card, person, Authority::Secretary, now),
                // The name list says it all ("Vem är du? Välj ditt namn för
                // att registrera kortet"); an answer on top would hide names.
                None => Plan::prompt(Some(Prompt::Pick {
                    card: Some(card),
                    since: now,
                })),
            },
        }
    }

    /// The participant whose new card the secretary expects at `now`: the
    /// newest `card_expected` of the last [`CARD_EXPECTED_MINUTES`], unless
    /// a card was registered to them since.
    fn expected_card(&self, now: DateTime<Utc>) -> Option<usize> {
        let (at, person) = self
            .recorded
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::CardExpected { person, .. } => Some((e.instant(), person)),
                _ => None,
            })
            .filter(|(at, _)| {
                let waited = now - *at;
                waited >= chrono::Duration::zero()
                    && waited < chrono::Duration::minutes(CARD_EXPECTED_MINUTES)
            })
            .max_by_key(|(at, _)| *at)?;
        let taken = self.recorded.iter().any(|e| {
            e.instant() >= at
                && matches!(&e.kind, EventKind::CardEnrolled { person: p, .. } if p == person)
        });
        if taken {
            return None;
        }
        self.schedule.names().find(person)
    }

    fn enrol(&mut self, card: CardHash, person: usize, by: Authority, now: DateTime<Utc>) -> Plan {
        let Some(participant) = self.meeting.participants.get(person) else {
            return Plan::prompt(None);
        };
        let enrolled = Event::new(
            now,
            self.tz,
            EventKind::CardEnrolled {
                person: participant.name.clone(),
                card: card.0,
                by,
            },
        );
        // Enrolling is also the tap that brought the card: check in if open.
        let mut plan = self.tap(person, Source::Nfc, now);
        plan.events.insert(0, enrolled);
        plan.prompt = Some(None);
        if plan
            .door
            .as_ref()
            .is_some_and(|d| d.kind == DoorKind::Welcome)
        {
            plan.door = Some(self.answer(DoorKind::Enrolled, Some(person), now));
        }
        plan
    }

    fn tap(&self, person: usize, source: Source, now: DateTime<Utc>) -> Plan {
        let Some(participant) = self.meeting.participants.get(person) else {
            return Plan::answer(self.answer(DoorKind::UnknownCard, None, now));
        };
        match self.window(now) {
            Window::Open => {}
            Window::TooEarly(opens) => {
                return Plan::answer(DoorMessage {
                    time: Some(opens),
                    ..self.answer(DoorKind::TooEarly, Some(person), now)
                });
            }
            Window::Closed => {
                return Plan::answer(self.answer(DoorKind::Closed, Some(person), now));
            }
        }
        let (present, last) = self.attendance(person);
        let outcome = self.door.decide(person, present, now);
        let name = participant.name.clone();
        // Never before the person's last event: a clock stepped back must
        // not record a check-out before the check-in it answers.
        let at = record_at(now, last);
        let (kind, door) = match outcome {
            TapOutcome::Ignored => return Plan::default(),
            TapOutcome::AskToConfirm => (None, DoorKind::AlreadyIn),
            // Checked out a moment ago: say so ("Du checkade ut 14.15",
            // when they left); a tap within the confirm window checks in.
            TapOutcome::AskToCheckIn => {
                return Plan {
                    door: Some(DoorMessage {
                        time: last,
                        ..self.answer(DoorKind::AlreadyOut, Some(person), now)
                    }),
                    tap: Some((person, outcome)),
                    ..Plan::default()
                };
            }
            TapOutcome::CheckIn => (
                Some(EventKind::CheckedIn {
                    person: name,
                    source,
                    substitute_for: participant.substitute_for.clone(),
                    correction: None,
                    remote: false,
                }),
                DoorKind::Welcome,
            ),
            TapOutcome::CheckOut => (
                Some(EventKind::CheckedOut {
                    person: name,
                    source,
                    correction: None,
                }),
                DoorKind::CheckedOut,
            ),
        };
        Plan {
            events: kind
                .map(|k| vec![Event::new(at, self.tz, k)])
                .unwrap_or_default(),
            door: Some(DoorMessage {
                time: (at != now).then_some(at),
                ..self.answer(door, Some(person), now)
            }),
            prompt: None,
            tap: Some((person, outcome)),
        }
    }

    /// The events a control at the door records (nothing when it does
    /// not apply now), as [`motesskylt_core::progress::control`] decides
    /// for every place a meeting is driven from.
    fn control(&self, control: Control, now: DateTime<Utc>) -> Vec<Event> {
        let command = match control {
            Control::Next => Command::Next,
            Control::Previous => Command::Previous,
            Control::Break => Command::Break { minutes: None },
            Control::End => Command::End,
        };
        control::events(&self.meeting, &self.schedule, &self.recorded, command, now)
            .unwrap_or_default()
    }
}

/// What the kiosk's buzzer and LEDs say about an outcome.
pub fn signal(outcome: &Outcome) -> Option<Signal> {
    let door = outcome.door.as_ref().map(|d| d.kind);
    match door {
        Some(DoorKind::Welcome | DoorKind::Enrolled | DoorKind::CheckedOut) => {
            Some(Signal::Accepted)
        }
        Some(
            DoorKind::AlreadyIn
            | DoorKind::AlreadyOut
            | DoorKind::TooEarly
            | DoorKind::Closed
            | DoorKind::Cancelled
            | DoorKind::NoMeeting
            | DoorKind::AdminCard,
        ) => Some(Signal::Attention),
        Some(DoorKind::FormalDone) => Some(Signal::Accepted),
        Some(
            DoorKind::WrongPin
            | DoorKind::FormalRefused
            | DoorKind::PinLocked
            | DoorKind::NotSaved
            | DoorKind::NoPin
            | DoorKind::NotInvited
            | DoorKind::UnknownCard,
        ) => Some(Signal::Error),
        Some(DoorKind::Hidden) => None,
        // A question opened (the name list for an unknown card, the PIN pad).
        None if outcome.prompt.is_some() => Some(Signal::Attention),
        None if !outcome.events.is_empty() => Some(Signal::Accepted),
        None => None,
    }
}

/// What the desk means to do with an input, before recording it.
#[derive(Debug, Default)]
struct Plan {
    events: Vec<Event>,
    door: Option<DoorMessage>,
    /// The question after this input: `None` keeps the open one (a tap by
    /// someone else does not close the name list), `Some(None)` closes it.
    prompt: Option<Option<Prompt>>,
    /// A counted tap, remembered by the door once recorded.
    tap: Option<(usize, TapOutcome)>,
}

impl Plan {
    fn prompt(prompt: Option<Prompt>) -> Plan {
        Plan {
            prompt: Some(prompt),
            ..Plan::default()
        }
    }

    /// A control's events; the question it answered closes.
    fn control(events: Vec<Event>) -> Plan {
        Plan {
            events,
            prompt: Some(None),
            ..Plan::default()
        }
    }

    fn answer(door: DoorMessage) -> Plan {
        Plan {
            door: Some(door),
            ..Plan::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use motesskylt_core::cards::CardKey;
    use motesskylt_core::kallelse::import_bytes;
    use motesskylt_core::model::time::{DEFAULT_TIME_ZONE, parse_moment};
    use motesskylt_hw::Uid;

    const PIN: &str = "2468";

    fn key() -> CardKey {
        CardKey::from_bytes([7; 32])
    }

    fn card(n: u8) -> CardHash {
        key().hash(&Uid(vec![4, 1, 2, n]))
    }

    /// A desk on the SRO meeting where participant 1's card is card(1).
    fn desk() -> (Desk, Meeting) {
        let meeting = import_bytes(motesskylt_testkit::SRO_NOTICE.as_bytes()).unwrap();
        let enrolled = Event::new(
            at(&meeting, "12:00"),
            DEFAULT_TIME_ZONE,
            EventKind::CardEnrolled {
                person: meeting.participants[1].name.clone(),
                card: card(1).0,
                by: Authority::Secretary,
            },
        );
        let rules = DeskRules {
            pin: Some(PIN.into()),
            admin_cards: vec![card(99)],
            ..DeskRules::default()
        };
        let desk = Desk::new(
            meeting.clone(),
            DEFAULT_TIME_ZONE,
            rules,
            Vec::new(),
            Registry::from_events(&[enrolled]),
        );
        (desk, meeting)
    }

    fn at(meeting: &Meeting, time: &str) -> DateTime<Utc> {
        parse_moment(time, meeting.date, DEFAULT_TIME_ZONE).unwrap()
    }

    fn kinds(outcome: &Outcome) -> Vec<EventKind> {
        outcome.events.iter().map(|e| e.kind.clone()).collect()
    }

    /// A journal that refuses everything, like a full disk.
    struct Broken;

    impl Journal for Broken {
        fn record(&mut self, _events: &[Event]) -> Result<(), String> {
            Err("disk full".into())
        }
    }

    #[test]
    fn a_card_checks_in_greets_and_a_later_pair_checks_out() {
        let (mut desk, meeting) = desk();
        let mut log = Vec::new();
        let name = meeting.participants[1].name.clone();
        let first = desk.handle(Input::Card(card(1)), at(&meeting, "12:50"), &mut log);
        assert_eq!(
            kinds(&first),
            vec![EventKind::CheckedIn {
                person: name.clone(),
                source: Source::Nfc,
                substitute_for: None,
                correction: None,
                remote: false,
            }]
        );
        assert_eq!(
            first.door.map(|d| (d.kind, d.person)),
            Some((DoorKind::Welcome, Some(1)))
        );
        let repeat = desk.handle(Input::Card(card(1)), at(&meeting, "12:50:01"), &mut log);
        assert_eq!(repeat, Outcome::default());
        let ask = desk.handle(Input::Card(card(1)), at(&meeting, "13:30"), &mut log);
        assert!(ask.events.is_empty());
        assert_eq!(ask.door.map(|d| d.kind), Some(DoorKind::AlreadyIn));
        let out = desk.handle(Input::Card(card(1)), at(&meeting, "13:30:05"), &mut log);
        assert_eq!(
            kinds(&out),
            vec![EventKind::CheckedOut {
                person: name,
                source: Source::Nfc,
                correction: None,
            }]
        );
        // Everything the desk answered is in the journal, in order.
        assert_eq!(log, desk.recorded());
        assert_eq!(log.len(), 2);
    }

    #[test]
    fn taps_before_the_window_or_after_the_meeting_get_an_answer_and_no_event() {
        let (mut desk, meeting) = desk();
        let mut log = Vec::new();
        // The meeting starts 13.00; check-in opens 12.30.
        let early = desk.handle(Input::Card(card(1)), at(&meeting, "12:10"), &mut log);
        assert!(early.events.is_empty());
        let door = early.door.unwrap();
        assert_eq!(door.kind, DoorKind::TooEarly);
        assert_eq!(door.time, Some(at(&meeting, "12:30")));
        desk.handle(Input::Press(Control::Next), at(&meeting, "13:00"), &mut log);
        desk.handle(Input::Press(Control::End), at(&meeting, "15:00"), &mut log);
        let late = desk.handle(Input::Card(card(1)), at(&meeting, "15:05"), &mut log);
        assert!(late.events.is_empty());
        assert_eq!(late.door.unwrap().kind, DoorKind::Closed);
        let next_day = desk.handle(
            Input::Person(2, Source::Button),
            at(&meeting, "2026-06-05 09:00"),
            &mut log,
        );
        assert_eq!(next_day.door.unwrap().kind, DoorKind::Closed);
    }

    #[test]
    fn an_unknown_card_is_enrolled_with_the_pin_and_checks_in() {
        let (mut desk, meeting) = desk();
        let mut log = Vec::new();
        let new = card(5);
        let tap = desk.handle(Input::Card(new.clone()), at(&meeting, "12:40"), &mut log);
        assert!(tap.events.is_empty());
        assert!(matches!(tap.prompt, Some(Prompt::Pick { card: Some(ref c), .. }) if *c == new));
        let pick = desk.handle(Input::Pick(4), at(&meeting, "12:40:10"), &mut log);
        assert!(matches!(pick.prompt, Some(Prompt::Enrol { person: 4, .. })));
        let wrong = desk.handle(
            Input::Pin("1111".into()),
            at(&meeting, "12:40:20"),
            &mut log,
        );
        assert_eq!(wrong.door.map(|d| d.kind), Some(DoorKind::WrongPin));
        assert!(wrong.events.is_empty() && wrong.prompt.is_some());
        let right = desk.handle(Input::Pin(PIN.into()), at(&meeting, "12:40:30"), &mut log);
        let name = meeting.participants[4].name.clone();
        assert_eq!(
            kinds(&right),
            vec![
                EventKind::CardEnrolled {
                    person: name.clone(),
                    card: new.0.clone(),
                    by: Authority::Pin
                },
                EventKind::CheckedIn {
                    person: name,
                    source: Source::Nfc,
                    substitute_for: None,
                    correction: None,
                    remote: false,
                }
            ]
        );
        assert_eq!(right.door.map(|d| d.kind), Some(DoorKind::Enrolled));
        assert_eq!(right.prompt, None);
        // The card is now known: a later tap asks to confirm a check-out.
        let again = desk.handle(Input::Card(new), at(&meeting, "13:10"), &mut log);
        assert_eq!(again.door.map(|d| d.kind), Some(DoorKind::AlreadyIn));
    }

    #[test]
    fn a_card_the_secretary_expects_is_registered_without_the_pin() {
        let (mut desk, meeting) = desk();
        let mut log = Vec::new();
        let name = meeting.participants[4].name.clone();
        desk.take(Event::new(
            at(&meeting, "12:35"),
            DEFAULT_TIME_ZONE,
            EventKind::CardExpected {
                person: name.clone(),
                by: "anna".into(),
            },
        ));
        let tap = desk.handle(Input::Card(card(5)), at(&meeting, "12:40"), &mut log);
        assert_eq!(
            kinds(&tap),
            vec![
                EventKind::CardEnrolled {
                    person: name.clone(),
                    card: card(5).0,
                    by: Authority::Secretary
                },
                EventKind::CheckedIn {
                    person: name.clone(),
                    source: Source::Nfc,
                    substitute_for: None,
                    correction: None,
                    remote: false,
                }
            ]
        );
        assert_eq!(tap.door.map(|d| d.kind), Some(DoorKind::Enrolled));
        // Taken: the next unknown card asks who it is, as always.
        let next = desk.handle(Input::Card(card(6)), at(&meeting, "12:41"), &mut log);
        assert!(next.events.is_empty());
        assert!(matches!(
            next.prompt,
            Some(Prompt::Pick { card: Some(_), .. })
        ));
        desk.handle(Input::Cancel, at(&meeting, "12:41:05"), &mut log);
        // An expectation older than ten minutes has lapsed.
        desk.take(Event::new(
            at(&meeting, "12:42"),
            DEFAULT_TIME_ZONE,
            EventKind::CardExpected {
                person: meeting.participants[5].name.clone(),
                by: "anna".into(),
            },
        ));
        let late = desk.handle(Input::Card(card(7)), at(&meeting, "12:52"), &mut log);
        assert!(late.events.is_empty(), "{:?}", kinds(&late));
    }

    #[test]
    fn an_admin_card_confirms_an_enrolment_and_a_question_times_out() {
        let (mut desk, meeting) = desk();
        let mut log = Vec::new();
        desk.handle(Input::Card(card(6)), at(&meeting, "12:40"), &mut log);
        desk.handle(Input::Pick(6), at(&meeting, "12:40:05"), &mut log);
        let admin = desk.handle(Input::Card(card(99)), at(&meeting, "12:40:10"), &mut log);
        assert!(matches!(
            admin.events.first().map(|e| &e.kind),
            Some(EventKind::CardEnrolled {
                by: Authority::AdminCard,
                ..
            })
        ));
        // An admin card on its own does nothing but say what it is.
        let alone = desk.handle(Input::Card(card(99)), at(&meeting, "12:45"), &mut log);
        assert!(alone.events.is_empty());
        assert_eq!(alone.door.map(|d| d.kind), Some(DoorKind::AdminCard));
        // A question left open for a minute is gone: a late PIN does nothing.
        desk.handle(Input::Card(card(7)), at(&meeting, "12:50"), &mut log);
        desk.handle(Input::Pick(7), at(&meeting, "12:50:05"), &mut log);
        assert!(desk.prompt(at(&meeting, "12:51:04")).is_some());
        assert!(desk.prompt(at(&meeting, "12:51:05")).is_none());
        // Someone still answering keeps it open: another minute from then.
        desk.handle(Input::Card(card(8)), at(&meeting, "12:55"), &mut log);
        let kept = desk.handle(Input::StillThere, at(&meeting, "12:55:50"), &mut log);
        assert!(kept.events.is_empty());
        assert!(matches!(
            kept.prompt,
            Some(Prompt::Pick { card: Some(_), .. })
        ));
        assert!(desk.prompt(at(&meeting, "12:56:49")).is_some());
        assert!(desk.prompt(at(&meeting, "12:56:50")).is_none());
        let late = desk.handle(Input::Pin(PIN.into()), at(&meeting, "12:52"), &mut log);
        assert!(late.events.is_empty());
    }

    #[test]
    fn a_substitute_is_recorded_as_such() {
        let (_, mut meeting) = desk();
        meeting.participants[3].substitute_for = Some("Monika Holmgren".into());
        let mut desk = Desk::new(
            meeting.clone(),
            DEFAULT_TIME_ZONE,
            DeskRules::default(),
            Vec::new(),
            Registry::default(),
        );
        let mut log = Vec::new();
        desk.handle(Input::OpenPicker, at(&meeting, "12:45"), &mut log);
        let outcome = desk.handle(Input::Pick(3), at(&meeting, "12:45:03"), &mut log);
        assert_eq!(
            kinds(&outcome),
            vec![EventKind::CheckedIn {
                person: meeting.participants[3].name.clone(),
                source: Source::Touch,
                substitute_for: Some("Monika Holmgren".into()),
                correction: None,
                remote: false,
            }]
        );
    }

    #[test]
    fn touch_controls_need_the_pin_and_buttons_do_not() {
        let (mut desk, meeting) = desk();
        let mut log = Vec::new();
        let ask = desk.handle(Input::Touch(Control::Next), at(&meeting, "12:58"), &mut log);
        assert!(ask.events.is_empty());
        assert!(matches!(
            ask.prompt,
            Some(Prompt::Control {
                control: Control::Next,
                ..
            })
        ));
        let done = desk.handle(Input::Pin(PIN.into()), at(&meeting, "12:58:10"), &mut log);
        assert_eq!(kinds(&done), vec![EventKind::MeetingStarted]);
        let button = desk.handle(Input::Press(Control::Next), at(&meeting, "13:05"), &mut log);
        assert_eq!(kinds(&button).len(), 1);
        // Without a PIN set, touch controls are off.
        let mut open = Desk::new(
            meeting.clone(),
            DEFAULT_TIME_ZONE,
            DeskRules::default(),
            Vec::new(),
            Registry::default(),
        );
        let off = open.handle(Input::Touch(Control::End), at(&meeting, "13:10"), &mut log);
        assert_eq!(off.door.map(|d| d.kind), Some(DoorKind::NoPin));
    }

    #[test]
    fn an_open_question_survives_other_peoples_taps_and_buttons() {
        let (mut desk, meeting) = desk();
        let mut log = Vec::new();
        desk.handle(Input::Card(card(5)), at(&meeting, "12:40"), &mut log);
        let other = desk.handle(Input::Card(card(1)), at(&meeting, "12:40:05"), &mut log);
        assert_eq!(other.door.map(|d| d.kind), Some(DoorKind::Welcome));
        assert!(matches!(
            other.prompt,
            Some(Prompt::Pick { card: Some(_), .. })
        ));
        desk.handle(
            Input::Press(Control::Next),
            at(&meeting, "12:40:06"),
            &mut log,
        );
        let pick = desk.handle(Input::Pick(4), at(&meeting, "12:40:10"), &mut log);
        assert!(matches!(pick.prompt, Some(Prompt::Enrol { person: 4, .. })));
    }

    #[test]
    fn the_pin_pad_locks_after_three_wrong_pins() {
        let (mut desk, meeting) = desk();
        let mut log = Vec::new();
        desk.handle(Input::Touch(Control::Next), at(&meeting, "12:58"), &mut log);
        for _ in 0..2 {
            let wrong = desk.handle(
                Input::Pin("0000".into()),
                at(&meeting, "12:58:01"),
                &mut log,
            );
            assert_eq!(wrong.door.map(|d| d.kind), Some(DoorKind::WrongPin));
        }
        let locked = desk.handle(
            Input::Pin("0000".into()),
            at(&meeting, "12:58:02"),
            &mut log,
        );
        let door = locked.door.unwrap();
        assert_eq!(door.kind, DoorKind::PinLocked);
        assert_eq!(door.time, Some(at(&meeting, "12:58:32")));
        assert_eq!(locked.prompt, None);
        // Even the right PIN waits out the lock.
        desk.handle(
            Input::Touch(Control::Next),
            at(&meeting, "12:58:10"),
            &mut log,
        );
        let early = desk.handle(Input::Pin(PIN.into()), at(&meeting, "12:58:11"), &mut log);
        assert_eq!(early.door.map(|d| d.kind), Some(DoorKind::PinLocked));
        assert!(early.events.is_empty());
        desk.handle(
            Input::Touch(Control::Next),
            at(&meeting, "12:58:40"),
            &mut log,
        );
        let open = desk.handle(Input::Pin(PIN.into()), at(&meeting, "12:58:41"), &mut log);
        assert_eq!(kinds(&open), vec![EventKind::MeetingStarted]);
    }

    #[test]
    fn the_door_opens_when_the_chair_starts_early_or_the_clock_is_unsure() {
        let (mut desk, meeting) = desk();
        let mut log = Vec::new();
        desk.handle(Input::Press(Control::Next), at(&meeting, "12:20"), &mut log);
        let tap = desk.handle(Input::Card(card(1)), at(&meeting, "12:21"), &mut log);
        assert_eq!(tap.door.map(|d| d.kind), Some(DoorKind::Welcome));
        // Not synchronised (a Pi after a power cut): no refusal by the date.
        let (mut desk, _) = self::desk();
        desk.set_clock_trusted(false);
        let tap = desk.handle(
            Input::Card(card(1)),
            at(&meeting, "2026-06-03 09:00"),
            &mut log,
        );
        assert_eq!(tap.door.map(|d| d.kind), Some(DoorKind::Welcome));
    }

    #[test]
    fn presence_follows_the_log_not_the_clock() {
        let (mut desk, meeting) = desk();
        let mut log = Vec::new();
        desk.handle(Input::Card(card(1)), at(&meeting, "12:55"), &mut log);
        // The clock is stepped back 15 minutes: the check-in still counts.
        let again = desk.handle(Input::Card(card(1)), at(&meeting, "12:40"), &mut log);
        assert_eq!(again.door.map(|d| d.kind), Some(DoorKind::AlreadyIn));
        assert_eq!(log.len(), 1);
    }

    /// Issue 15, point 9: the clock stepped back between a check-in and
    /// the taps that check out. The door answers "Utcheckad", the store
    /// keeps the check-out at the check-in's moment (not before it), and
    /// the minutes and the attendance export from the same record agree.
    #[test]
    fn after_the_clock_steps_back_the_door_and_the_minutes_agree() {
        let (mut desk, meeting) = desk();
        let tz = DEFAULT_TIME_ZONE;
        let mut log = Vec::new();
        let started = Event::new(at(&meeting, "13:00"), tz, EventKind::MeetingStarted);
        desk.take(started.clone());
        desk.handle(Input::Card(card(1)), at(&meeting, "13:20"), &mut log);
        // Restarted with the clock 20 minutes back.
        let ask = desk.handle(Input::Card(card(1)), at(&meeting, "13:00"), &mut log);
        assert_eq!(ask.door.map(|d| d.kind), Some(DoorKind::AlreadyIn));
        let out = desk.handle(Input::Card(card(1)), at(&meeting, "13:00:04"), &mut log);
        let door = out.door.unwrap();
        assert_eq!(door.kind, DoorKind::CheckedOut);
        assert_eq!(
            door.time,
            Some(at(&meeting, "13:20")),
            "names the recorded moment"
        );
        assert_eq!(out.events[0].instant(), at(&meeting, "13:20"));
        // What the door now believes: out; a later tap checks in again.
        let back = desk.handle(Input::Card(card(1)), at(&meeting, "13:05"), &mut log);
        assert_eq!(back.door.map(|d| d.kind), Some(DoorKind::Welcome));
        assert_eq!(back.events[0].instant(), at(&meeting, "13:20"));
        let out = desk.handle(Input::Card(card(1)), at(&meeting, "13:10"), &mut log);
        assert_eq!(out.door.map(|d| d.kind), Some(DoorKind::AlreadyIn));
        desk.handle(Input::Card(card(1)), at(&meeting, "13:10:04"), &mut log);
        // The minutes and the export from the same record: left at 13.20.
        let mut record = vec![started];
        record.extend(desk.recorded().iter().cloned());
        record.push(Event::new(
            at(&meeting, "14:00"),
            tz,
            EventKind::MeetingEnded,
        ));
        let name = &meeting.participants[1].name;
        let minutes = motesskylt_core::minutes::paragraph(&meeting, &record, tz);
        assert!(
            minutes.contains(&format!("Lämnar mötet klockan 13.20: {name}.")),
            "{minutes}"
        );
        let agenda = motesskylt_export::agenda::agenda(&meeting, &record, tz);
        let rows = motesskylt_export::attendance::attendance(&meeting, &record, &agenda, tz);
        assert_eq!(rows[1].last_out(), Some(at(&meeting, "13:20")));
        assert!(rows[1].intervals.iter().all(|(_, out)| out.is_some()));
    }

    /// Issue 15, point 12: a tap 3 s after checking out does not check
    /// the person straight back in: the door says again that they are
    /// out; a tap within the confirm window after that checks them in.
    #[test]
    fn a_tap_just_after_checking_out_asks_again() {
        let (mut desk, meeting) = desk();
        let mut log = Vec::new();
        desk.handle(Input::Card(card(1)), at(&meeting, "12:50"), &mut log);
        desk.handle(Input::Card(card(1)), at(&meeting, "13:10"), &mut log);
        let out = desk.handle(Input::Card(card(1)), at(&meeting, "13:10:04"), &mut log);
        assert_eq!(out.door.map(|d| d.kind), Some(DoorKind::CheckedOut));
        let again = desk.handle(Input::Card(card(1)), at(&meeting, "13:10:07"), &mut log);
        assert!(again.events.is_empty(), "not checked straight back in");
        let door = again.door.unwrap();
        assert_eq!(door.kind, DoorKind::AlreadyOut);
        assert_eq!(door.time, Some(at(&meeting, "13:10:04")));
        let back = desk.handle(Input::Card(card(1)), at(&meeting, "13:10:10"), &mut log);
        assert_eq!(back.door.map(|d| d.kind), Some(DoorKind::Welcome));
        assert_eq!(log.len(), 3);
    }

    #[test]
    fn the_confirm_button_answers_the_last_question() {
        let (mut desk, meeting) = desk();
        let mut log = Vec::new();
        // Nobody was asked: the button does nothing.
        let idle = desk.handle(Input::Confirm, at(&meeting, "12:49"), &mut log);
        assert_eq!(idle, Outcome::default());
        desk.handle(Input::Card(card(1)), at(&meeting, "12:50"), &mut log);
        let ask = desk.handle(Input::Card(card(1)), at(&meeting, "13:10"), &mut log);
        assert_eq!(signal(&ask), Some(Signal::Attention));
        let out = desk.handle(Input::Confirm, at(&meeting, "13:10:04"), &mut log);
        assert_eq!(
            kinds(&out),
            vec![EventKind::CheckedOut {
                person: meeting.participants[1].name.clone(),
                source: Source::Button,
                correction: None,
            }]
        );
        assert_eq!(signal(&out), Some(Signal::Accepted));
        // Too late for a question: nothing.
        desk.handle(Input::Card(card(1)), at(&meeting, "13:20"), &mut log);
        desk.handle(Input::Card(card(1)), at(&meeting, "13:30"), &mut log);
        let late = desk.handle(Input::Confirm, at(&meeting, "13:30:30"), &mut log);
        assert!(late.events.is_empty());
    }

    #[test]
    fn when_the_journal_fails_nothing_is_answered_as_done() {
        let (mut desk, meeting) = desk();
        let failed = desk.handle(Input::Card(card(1)), at(&meeting, "12:50"), &mut Broken);
        assert!(failed.events.is_empty());
        assert_eq!(
            failed.door.as_ref().map(|d| d.kind),
            Some(DoorKind::NotSaved)
        );
        assert_eq!(signal(&failed), Some(Signal::Error));
        assert!(desk.recorded().is_empty());
        // The next tap is not taken as a double tap of one never recorded.
        let mut log = Vec::new();
        let retry = desk.handle(Input::Card(card(1)), at(&meeting, "12:50:01"), &mut log);
        assert_eq!(retry.door.map(|d| d.kind), Some(DoorKind::Welcome));
        assert_eq!(log.len(), 1);
    }

    #[test]
    fn next_before_the_start_opens_the_meeting() {
        let (mut desk, meeting) = desk();
        let outcome = desk.handle(
            Input::Press(Control::Next),
            at(&meeting, "12:58"),
            &mut Vec::new(),
        );
        assert_eq!(kinds(&outcome), vec![EventKind::MeetingStarted]);
    }

    #[test]
    fn the_first_control_records_the_plan_so_far_then_moves_on() {
        let (mut desk, meeting) = desk();
        let mut log = Vec::new();
        // At 13.10 the plan has item 4 running (13.05–13.25).
        let outcome = desk.handle(Input::Press(Control::Next), at(&meeting, "13:10"), &mut log);
        let item = |n: &str| EventKind::ItemStarted { item: n.into() };
        assert_eq!(
            kinds(&outcome),
            vec![
                EventKind::MeetingStarted,
                item("1"),
                item("2"),
                item("3"),
                item("4"),
                item("5"),
            ]
        );
        // Previous goes back to 4, and again to 3.
        let back = desk.handle(
            Input::Press(Control::Previous),
            at(&meeting, "13:12"),
            &mut log,
        );
        assert_eq!(kinds(&back), vec![item("4")]);
        let back = desk.handle(
            Input::Press(Control::Previous),
            at(&meeting, "13:13"),
            &mut log,
        );
        assert_eq!(kinds(&back), vec![item("3")]);
        // From now on the record rules: a break, then the end; nothing after it.
        let pause = desk.handle(
            Input::Press(Control::Break),
            at(&meeting, "13:20"),
            &mut log,
        );
        assert_eq!(pause.events.len(), 1);
        let end = desk.handle(Input::Press(Control::End), at(&meeting, "13:30"), &mut log);
        assert_eq!(kinds(&end), vec![EventKind::MeetingEnded]);
        let after = desk.handle(Input::Press(Control::Next), at(&meeting, "13:31"), &mut log);
        assert!(after.events.is_empty());
    }

    #[test]
    fn controls_do_nothing_on_another_day() {
        let (mut desk, meeting) = desk();
        let outcome = desk.handle(
            Input::Press(Control::Next),
            at(&meeting, "2026-06-03 13:00"),
            &mut Vec::new(),
        );
        assert!(outcome.events.is_empty());
    }

    #[test]
    fn a_meeting_that_runs_over_its_plan_can_still_be_moved_on() {
        let (mut desk, meeting) = desk();
        // 15.40 is past the planned end (15.30): the plan does not end it.
        let outcome = desk.handle(
            Input::Press(Control::End),
            at(&meeting, "15:40"),
            &mut Vec::new(),
        );
        assert_eq!(
            outcome.events.last().map(|e| e.kind.clone()),
            Some(EventKind::MeetingEnded)
        );
    }
}
