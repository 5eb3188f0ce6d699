//! The secretary's formal-attendance requests, checked against the
//! roster and the log before anything is recorded: a deputy to serve for
//! a member, a deputy to hand back, someone out of an item for a conflict
//! of interest (jäv). The pages (and any later desk) record what this
//! returns; a refusal says why in the reader's language and records
//! nothing.

use chrono::{DateTime, Utc};
use thiserror::Error;

use super::Names;
use super::quorum::{ItemSpan, Proposal, serving_as_asked};
use crate::model::time::Lang;
use crate::model::{Event, EventKind, Meeting, Seat};

/// What the secretary asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// `deputy` serves for `member` (from the next item when one runs).
    Serve {
        /// The deputy's name.
        deputy: String,
        /// The member's name.
        member: String,
    },
    /// `deputy` stops serving (from the next item when one runs).
    HandBack {
        /// The deputy's name.
        deputy: String,
    },
    /// `person` is out of `item` (jäv).
    Recuse {
        /// Who.
        person: String,
        /// The item's number.
        item: String,
    },
}

impl Request {
    /// The request an event records (a change of who serves or a
    /// recusal); `None` for any other event.
    pub fn of(kind: &EventKind) -> Option<Request> {
        match kind {
            EventKind::SubstituteStarted { person, member } => Some(Request::Serve {
                deputy: person.clone(),
                member: member.clone(),
            }),
            EventKind::SubstituteEnded { person } => Some(Request::HandBack {
                deputy: person.clone(),
            }),
            EventKind::Recused { person, item } => Some(Request::Recuse {
                person: person.clone(),
                item: item.clone(),
            }),
            _ => None,
        }
    }

    /// The request in `lang`, as the door, the pages and the audit say it:
    /// "Lisa Ahl tjänstgör för Bo Ek", "Lisa Ahl slutar tjänstgöra",
    /// "Anders Myr har jäv i punkt 5".
    pub fn said(&self, lang: Lang) -> String {
        match (self, lang) {
            (Request::Serve { deputy, member }, Lang::Sv) => {
                format!("{deputy} tjänstgör för {member}")
            }
            (Request::Serve { deputy, member }, Lang::En) => {
                format!("{deputy} serves for {member}")
            }
            (Request::HandBack { deputy }, Lang::Sv) => format!("{deputy} slutar tjänstgöra"),
            (Request::HandBack { deputy }, Lang::En) => format!("{deputy} stops serving"),
            (Request::Recuse { person, item }, Lang::Sv) => {
                format!("{person} har jäv i punkt {item}")
            }
            (Request::Recuse { person, item }, Lang::En) => {
                format!("{person} has a conflict of interest in item {item}")
            }
        }
    }

    /// Whether the request changes who serves (and so waits for the
    /// running item to end).
    pub fn is_swap(&self) -> bool {
        !matches!(self, Request::Recuse { .. })
    }

    /// Whether, made at `now`, it waits for the running item to end
    /// ([`super::quorum::takes_effect`]; `items` as in [`event_for`]).
    pub fn waits(&self, items: &[ItemSpan], now: DateTime<Utc>) -> bool {
        self.is_swap() && super::quorum::takes_effect(items, now).is_none()
    }
}

/// The event that takes back `person`'s recusal from `item` (the latest
/// one that still counts), by the secretary `by` for `reason`; or why
/// there is none.
pub fn recusal_withdrawn(
    events: &[Event],
    person: &str,
    item: &str,
    by: &str,
    reason: &str,
) -> Result<EventKind, Refusal> {
    let shown = |text: &str| text.chars().take(80).collect::<String>();
    crate::model::event::without_withdrawn(events)
        .iter()
        .rev()
        .find_map(|e| match &e.kind {
            EventKind::Recused { person: p, item: i } if p == person && i == item => {
                Some(EventKind::CorrectionWithdrawn {
                    person: p.clone(),
                    withdrawn: crate::model::event::Corrected::Recused,
                    item: Some(i.clone()),
                    withdrawn_at: e.at,
                    by: by.to_string(),
                    reason: reason.to_string(),
                })
            }
            _ => None,
        })
        .ok_or_else(|| Refusal::NotRecused(shown(person), shown(item)))
}

/// The request that carries out `proposal` (names as the notice spells
/// them), and the proposal in `lang` for a button: "Lisa Ahl tjänstgör
/// för Bo Ek", "Bo Ek är här: Lisa Ahl slutar tjänstgöra".
pub fn proposed(meeting: &Meeting, proposal: Proposal, lang: Lang) -> (Request, String) {
    let name = |i: usize| meeting.participants[i].name.clone();
    match proposal {
        Proposal::Serve { deputy, member } => {
            let request = Request::Serve {
                deputy: name(deputy),
                member: name(member),
            };
            let said = request.said(lang);
            (request, said)
        }
        Proposal::HandBack { deputy, member } => {
            let request = Request::HandBack {
                deputy: name(deputy),
            };
            let here = match lang {
                Lang::Sv => "är här",
                Lang::En => "is here",
            };
            let said = format!("{} {here}: {}", name(member), request.said(lang));
            (request, said)
        }
    }
}

/// Why a request is refused; the message names the field and what to do.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Refusal {
    /// The name is not on the meeting's list.
    #[error("Person: \"{0}\" finns inte i mötets deltagarlista; välj en person i listan.")]
    NotListed(String),
    /// The named deputy is not a deputy.
    #[error("Ersättare: {0} är inte ersättare enligt kallelsen; välj en ersättare.")]
    NotADeputy(String),
    /// The named member is not a member.
    #[error("Ledamot: {0} är inte ordinarie ledamot enligt kallelsen; välj en ledamot.")]
    NotAMember(String),
    /// The deputy already serves (or will from the next item).
    #[error("Ersättare: {0} tjänstgör redan för {1}; avsluta det först.")]
    AlreadyServing(String, String),
    /// Someone already serves for the member.
    #[error("Ledamot: {1} tjänstgör redan för {0}.")]
    AlreadyCovered(String, String),
    /// The member is here: nobody serves for them.
    #[error("Ledamot: {0} är här; en ersättare tjänstgör bara för en ledamot som inte är det.")]
    MemberHere(String),
    /// The deputy serves for nobody.
    #[error("Ersättare: {0} tjänstgör inte; det finns inget att avsluta.")]
    NotServing(String),
    /// No such item in the agenda, or a break.
    #[error("Punkt: \"{0}\" finns inte i dagordningen; välj en punkt i listan.")]
    NoSuchItem(String),
    /// Recused already.
    #[error("Jäv: {0} har redan jäv i punkt {1}.")]
    AlreadyRecused(String, String),
    /// No recusal to take back.
    #[error("Jäv: {0} har inget jäv i punkt {1} att ta tillbaka.")]
    NotRecused(String, String),
}

impl Refusal {
    /// Why, in `lang` (the Swedish is the error's message).
    pub fn said(&self, lang: Lang) -> String {
        if lang == Lang::Sv {
            return self.to_string();
        }
        match self {
            Refusal::NotListed(p) => {
                format!(
                    "Person: \"{p}\" is not in the meeting's list; choose a person in the list."
                )
            }
            Refusal::NotADeputy(p) => {
                format!("Deputy: {p} is not a deputy by the notice; choose a deputy.")
            }
            Refusal::NotAMember(p) => {
                format!("Member: {p} is not a member by the notice; choose a member.")
            }
            Refusal::AlreadyServing(d, m) => {
                format!("Deputy: {d} already serves for {m}; end that first.")
            }
            Refusal::AlreadyCovered(m, d) => format!("Member: {d} already serves for {m}."),
            Refusal::MemberHere(m) => {
                format!("Member: {m} is here; a deputy serves only for a member who is not.")
            }
            Refusal::NotServing(d) => {
                format!("Deputy: {d} does not serve; there is nothing to end.")
            }
            Refusal::NoSuchItem(i) => {
                format!("Item: \"{i}\" is not in the agenda; choose an item in the list.")
            }
            Refusal::AlreadyRecused(p, i) => {
                format!("Conflict of interest: {p} is already out of item {i}.")
            }
            Refusal::NotRecused(p, i) => {
                format!(
                    "Conflict of interest: {p} is not out of item {i}; there is nothing to take back."
                )
            }
        }
    }
}

/// The event that records `request` at `now`, names as the notice spells
/// them, or why it cannot be recorded. `items` are the meeting's item
/// stretches so far ([`crate::progress::item_spans`]): a change asked for
/// and still waiting for the running item to end counts as made.
pub fn event_for(
    meeting: &Meeting,
    events: &[Event],
    items: &[ItemSpan],
    request: &Request,
    now: DateTime<Utc>,
) -> Result<EventKind, Refusal> {
    let names = Names::new(meeting);
    // A name as a refusal repeats it: at most 80 characters.
    let shown = |text: &str| text.chars().take(80).collect::<String>();
    let find = |name: &str| {
        names
            .find(name)
            .ok_or_else(|| Refusal::NotListed(shown(name)))
    };
    let name = |i: usize| meeting.participants[i].name.clone();
    let asked = serving_as_asked(meeting, events, items, now);
    match request {
        Request::Serve { deputy, member } => {
            let (d, m) = (find(deputy)?, find(member)?);
            if meeting.participants[d].seat != Some(Seat::Deputy) {
                return Err(Refusal::NotADeputy(name(d)));
            }
            if meeting.participants[m].seat != Some(Seat::Member) {
                return Err(Refusal::NotAMember(name(m)));
            }
            if let Some((_, serves_for)) = asked.iter().find(|(x, _)| *x == d) {
                return Err(Refusal::AlreadyServing(name(d), name(*serves_for)));
            }
            if let Some((other, _)) = asked.iter().find(|(_, x)| *x == m) {
                return Err(Refusal::AlreadyCovered(name(m), name(*other)));
            }
            let here = super::presence(
                &names,
                meeting.participants.len(),
                &crate::model::event::without_withdrawn(events),
                now,
            );
            if here[m].present {
                return Err(Refusal::MemberHere(name(m)));
            }
            Ok(EventKind::SubstituteStarted {
                person: name(d),
                member: name(m),
            })
        }
        Request::HandBack { deputy } => {
            let d = find(deputy)?;
            if !asked.iter().any(|(x, _)| *x == d) {
                return Err(Refusal::NotServing(name(d)));
            }
            Ok(EventKind::SubstituteEnded { person: name(d) })
        }
        Request::Recuse { person, item } => {
            let p = find(person)?;
            if meeting.participants[p].invited {
                return Err(Refusal::NotListed(name(p)));
            }
            let item = item.trim();
            let known = meeting
                .items
                .iter()
                .any(|e| !e.is_break() && e.number.as_deref() == Some(item));
            if !known {
                return Err(Refusal::NoSuchItem(shown(item)));
            }
            if super::quorum::recused(meeting, events, item, DateTime::<Utc>::MAX_UTC).contains(&p)
            {
                return Err(Refusal::AlreadyRecused(name(p), item.to_string()));
            }
            Ok(EventKind::Recused {
                person: name(p),
                item: item.to_string(),
            })
        }
    }
}
