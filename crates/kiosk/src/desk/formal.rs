//! Formal attendance at the door: a change of who serves (the rules'
//! proposal, from the menu) or a recusal (jäv, picked by the person), asked
//! for at the kiosk and confirmed there by the secretary's PIN or an admin
//! card. The request is checked by the same rules as on the pages
//! ([`motesskylt_core::attendance::formal::event_for`]) when it is asked
//! for and again when it is confirmed; the event records how it was
//! confirmed.

use chrono::{DateTime, Utc};

use motesskylt_core::attendance::formal::{Refusal, Request, event_for};
use motesskylt_core::model::event::{Authority, without_withdrawn};
use motesskylt_core::model::{Event, EventKind};
use motesskylt_core::progress::item_spans_of;

use super::{Desk, DoorKind, DoorMessage, Plan, Prompt};

/// What the door says after a formal request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormalAnswer {
    /// Recorded; `waits`: the change of who serves takes effect when the
    /// running item ends.
    Done {
        /// What was recorded.
        request: Request,
        /// It waits for the running item to end.
        waits: bool,
    },
    /// Nothing recorded: why.
    Refused(Refusal),
}

impl Desk {
    /// Whether the secretary can confirm at this door: a PIN is set or an
    /// admin card is known.
    pub(super) fn can_confirm(&self) -> bool {
        self.rules.pin.is_some() || !self.rules.admin_cards.is_empty()
    }

    /// Opens the PIN pad for `request`, or says at once why it cannot be
    /// made (nobody is asked for a PIN that would be refused).
    pub(super) fn ask_formal(&self, request: Request, now: DateTime<Utc>) -> Plan {
        if !self.can_confirm() {
            return Plan::answer(self.answer(DoorKind::NoPin, None, now));
        }
        match self.formal_event(&request, now) {
            Ok(_) => Plan::prompt(Some(Prompt::Formal {
                request,
                since: now,
            })),
            Err(refusal) => self.refused(refusal, now),
        }
    }

    /// The secretary confirmed `request` (`how`): checked again against
    /// everything recorded meanwhile, then recorded.
    pub(super) fn confirm_formal(
        &self,
        request: &Request,
        how: Authority,
        now: DateTime<Utc>,
    ) -> Plan {
        match self.formal_event(request, now) {
            Ok((kind, waits)) => Plan {
                events: vec![Event::new(now, self.tz, kind).confirmed_by(how)],
                door: Some(DoorMessage {
                    formal: Some(FormalAnswer::Done {
                        request: request.clone(),
                        waits,
                    }),
                    ..self.answer(DoorKind::FormalDone, None, now)
                }),
                prompt: Some(None),
                ..Plan::default()
            },
            Err(refusal) => self.refused(refusal, now),
        }
    }

    /// The event for `request` at `now` and whether it waits for the
    /// running item to end, or why it is refused.
    fn formal_event(
        &self,
        request: &Request,
        now: DateTime<Utc>,
    ) -> Result<(EventKind, bool), Refusal> {
        let events = without_withdrawn(&self.recorded);
        let spans = item_spans_of(&self.meeting, &self.schedule, &events, now);
        let kind = event_for(&self.meeting, &events, &spans, request, now)?;
        Ok((kind, request.waits(&spans, now)))
    }

    fn refused(&self, refusal: Refusal, now: DateTime<Utc>) -> Plan {
        Plan {
            door: Some(DoorMessage {
                formal: Some(FormalAnswer::Refused(refusal)),
                ..self.answer(DoorKind::FormalRefused, None, now)
            }),
            prompt: Some(None),
            ..Plan::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::desk::{Control, DeskRules, Input, Outcome};
    use motesskylt_core::cards::{CardHash, CardKey, Registry};
    use motesskylt_core::kallelse::import_bytes;
    use motesskylt_core::model::time::{DEFAULT_TIME_ZONE, parse_moment};
    use motesskylt_core::model::{Meeting, Source};
    use motesskylt_hw::Uid;

    const PIN: &str = "2468";

    fn admin() -> CardHash {
        CardKey::from_bytes([7; 32]).hash(&Uid(vec![4, 9, 9, 9]))
    }

    /// A desk on the committee's meeting (five members, three deputies;
    /// Lisa Ahl is named for Bo Ek), with a PIN and an admin card.
    fn desk(rules: Option<DeskRules>) -> (Desk, Meeting) {
        let notice =
            std::fs::read(motesskylt_testkit::fixture("notices/namnd-kallelse.md")).unwrap();
        let meeting = import_bytes(&notice).unwrap();
        let rules = rules.unwrap_or(DeskRules {
            pin: Some(PIN.into()),
            admin_cards: vec![admin()],
            ..DeskRules::default()
        });
        let desk = Desk::new(
            meeting.clone(),
            DEFAULT_TIME_ZONE,
            rules,
            Vec::new(),
            Registry::default(),
        );
        (desk, meeting)
    }

    fn at(meeting: &Meeting, time: &str) -> DateTime<Utc> {
        parse_moment(time, meeting.date, DEFAULT_TIME_ZONE).unwrap()
    }

    fn who(meeting: &Meeting, name: &str) -> usize {
        meeting.participant_index(name).unwrap()
    }

    fn answer(outcome: &Outcome) -> (Option<DoorKind>, Option<FormalAnswer>) {
        let door = outcome.door.as_ref();
        (door.map(|d| d.kind), door.and_then(|d| d.formal.clone()))
    }

    fn serve() -> Request {
        Request::Serve {
            deputy: "Lisa Ahl".into(),
            member: "Bo Ek".into(),
        }
    }

    /// The meeting running item 1, Lisa Ahl in and Bo Ek not.
    fn running(desk: &mut Desk, meeting: &Meeting, log: &mut Vec<Event>) {
        let lisa = who(meeting, "Lisa Ahl");
        desk.handle(
            Input::Person(lisa, Source::Button),
            at(meeting, "08:55"),
            log,
        );
        desk.handle(Input::Press(Control::Next), at(meeting, "09:00"), log);
        desk.handle(Input::Press(Control::Next), at(meeting, "09:01"), log);
    }

    #[test]
    fn a_swap_asked_at_the_door_is_recorded_only_with_the_pin_and_from_the_next_item() {
        let (mut desk, meeting) = desk(None);
        let mut log = Vec::new();
        running(&mut desk, &meeting, &mut log);
        let before = log.len();
        let ask = desk.handle(Input::Formal(serve()), at(&meeting, "09:02"), &mut log);
        assert!(matches!(&ask.prompt, Some(Prompt::Formal { request, .. }) if *request == serve()));
        assert!(ask.events.is_empty());
        let wrong = desk.handle(
            Input::Pin("1111".into()),
            at(&meeting, "09:02:05"),
            &mut log,
        );
        assert_eq!(answer(&wrong).0, Some(DoorKind::WrongPin));
        assert!(wrong.events.is_empty() && wrong.prompt.is_some());
        let done = desk.handle(Input::Pin(PIN.into()), at(&meeting, "09:02:10"), &mut log);
        assert_eq!(
            answer(&done),
            (
                Some(DoorKind::FormalDone),
                Some(FormalAnswer::Done {
                    request: serve(),
                    waits: true
                })
            )
        );
        assert_eq!(done.prompt, None);
        assert_eq!(log.len(), before + 1);
        let recorded = &log[before];
        assert_eq!(
            recorded.kind,
            EventKind::SubstituteStarted {
                person: "Lisa Ahl".into(),
                member: "Bo Ek".into()
            }
        );
        assert_eq!(recorded.confirmed, Some(Authority::Pin));
        assert_eq!(recorded.user, None);
        // Asked again: refused at once, no PIN asked, nothing recorded.
        let again = desk.handle(Input::Formal(serve()), at(&meeting, "09:03"), &mut log);
        assert_eq!(
            answer(&again),
            (
                Some(DoorKind::FormalRefused),
                Some(FormalAnswer::Refused(Refusal::AlreadyServing(
                    "Lisa Ahl".into(),
                    "Bo Ek".into()
                )))
            )
        );
        assert_eq!(again.prompt, None);
        assert_eq!(log.len(), before + 1);
        // Between items (a break) a hand-back takes effect at once.
        desk.handle(
            Input::Press(Control::Break),
            at(&meeting, "09:20"),
            &mut log,
        );
        desk.handle(
            Input::Formal(Request::HandBack {
                deputy: "Lisa Ahl".into(),
            }),
            at(&meeting, "09:21"),
            &mut log,
        );
        let back = desk.handle(Input::Card(admin()), at(&meeting, "09:21:05"), &mut log);
        assert!(matches!(
            answer(&back).1,
            Some(FormalAnswer::Done { waits: false, .. })
        ));
        assert_eq!(log.last().unwrap().confirmed, Some(Authority::AdminCard));
    }

    #[test]
    fn what_changed_while_the_pin_was_typed_is_checked_again() {
        let (mut desk, meeting) = desk(None);
        let mut log = Vec::new();
        running(&mut desk, &meeting, &mut log);
        desk.handle(Input::Formal(serve()), at(&meeting, "09:02"), &mut log);
        // Bo Ek walks in before the secretary has typed the PIN.
        let bo = who(&meeting, "Bo Ek");
        desk.handle(
            Input::Person(bo, Source::Button),
            at(&meeting, "09:02:20"),
            &mut log,
        );
        let before = log.len();
        let late = desk.handle(Input::Pin(PIN.into()), at(&meeting, "09:02:30"), &mut log);
        assert_eq!(
            answer(&late).1,
            Some(FormalAnswer::Refused(Refusal::MemberHere("Bo Ek".into())))
        );
        assert_eq!(log.len(), before, "nothing recorded");
    }

    #[test]
    fn a_recusal_is_picked_by_name_and_item_and_confirmed_by_an_admin_card() {
        let (mut desk, meeting) = desk(None);
        let mut log = Vec::new();
        running(&mut desk, &meeting, &mut log);
        let anna = who(&meeting, "Anna Berg");
        let open = desk.handle(Input::OpenRecusal, at(&meeting, "09:05"), &mut log);
        assert!(matches!(
            open.prompt,
            Some(Prompt::Recusal { person: None, .. })
        ));
        let picked = desk.handle(Input::Pick(anna), at(&meeting, "09:05:05"), &mut log);
        assert!(
            matches!(picked.prompt, Some(Prompt::Recusal { person: Some(p), .. }) if p == anna)
        );
        assert!(
            picked.events.is_empty(),
            "a pick for a recusal checks nobody in"
        );
        let unknown = desk.handle(
            Input::PickItem("9".into()),
            at(&meeting, "09:05:10"),
            &mut log,
        );
        assert_eq!(
            answer(&unknown).1,
            Some(FormalAnswer::Refused(Refusal::NoSuchItem("9".into())))
        );
        desk.handle(Input::OpenRecusal, at(&meeting, "09:06"), &mut log);
        desk.handle(Input::Pick(anna), at(&meeting, "09:06:05"), &mut log);
        let item = desk.handle(
            Input::PickItem("3".into()),
            at(&meeting, "09:06:10"),
            &mut log,
        );
        assert!(matches!(item.prompt, Some(Prompt::Formal { .. })));
        let done = desk.handle(Input::Card(admin()), at(&meeting, "09:06:15"), &mut log);
        let recorded = log.last().unwrap();
        assert_eq!(
            recorded.kind,
            EventKind::Recused {
                person: "Anna Berg".into(),
                item: "3".into()
            }
        );
        assert_eq!(recorded.confirmed, Some(Authority::AdminCard));
        assert!(matches!(
            answer(&done).1,
            Some(FormalAnswer::Done { waits: false, .. })
        ));
    }

    #[test]
    fn without_a_pin_or_an_admin_card_nothing_formal_is_asked() {
        let (mut desk, meeting) = desk(Some(DeskRules::default()));
        let mut log = Vec::new();
        let off = desk.handle(Input::Formal(serve()), at(&meeting, "09:02"), &mut log);
        assert_eq!(answer(&off).0, Some(DoorKind::NoPin));
        assert_eq!(off.prompt, None);
        let recusal = desk.handle(Input::OpenRecusal, at(&meeting, "09:03"), &mut log);
        assert_eq!(
            answer(&recusal).0,
            Some(DoorKind::NoPin),
            "not asked who, to no end"
        );
        assert_eq!(recusal.prompt, None);
        assert!(log.is_empty());
    }
}
