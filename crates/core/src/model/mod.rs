//! The meeting as the rest of the program sees it: who is called, what is on
//! the agenda and when, and what happened (the event log).
//!
//! Plain data with serde; no I/O and no clock. The JSON shape is the public
//! contract (`shared/contract.md`): field names here are load-bearing.

pub mod event;
pub mod identity;
pub mod time;

use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};

pub use event::{Correction, Event, EventKind, Source};

/// A meeting as described by its notice (kallelse).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Meeting {
    /// Short name of the body that meets, e.g. "SRO".
    pub body: String,
    /// The line under the title describing the body, if any.
    #[serde(default)]
    pub body_description: Option<String>,
    /// Whether the document was a notice or minutes.
    #[serde(default)]
    pub document: DocumentKind,
    /// Date of the meeting (local to the meeting's time zone).
    pub date: NaiveDate,
    /// Planned start, local time.
    #[serde(with = "time::hhmm")]
    pub start: NaiveTime,
    /// Planned end, local time.
    #[serde(with = "time::hhmm")]
    pub end: NaiveTime,
    /// Where the meeting is held ("Mötesform"/"Plats").
    pub location: Option<String>,
    /// Everyone called and invited, in document order.
    pub participants: Vec<Participant>,
    /// Agenda items and breaks in order; never overlapping.
    pub items: Vec<AgendaEntry>,
}

/// Which kind of document the meeting was read from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// A notice (kallelse) sent before the meeting.
    #[default]
    Notice,
    /// Minutes (mötesanteckning) written after it; same structure.
    Minutes,
}

/// Someone called (kallad) or invited (inbjuden) to the meeting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Participant {
    /// Full name as written in the document.
    pub name: String,
    /// Party letters from the parentheses after the name, e.g. "S".
    pub party: Option<String>,
    /// Organisation the person represents, when the document names one.
    pub organisation: Option<String>,
    /// Abbreviation of the heading they stand under, e.g. "VGK" or "VGR".
    pub side: Option<String>,
    /// What kind of participant this is.
    pub category: Category,
    /// Chair or vice chair of the meeting.
    pub role: Option<Role>,
    /// True for those under "Inbjudna" (guests, not called).
    pub invited: bool,
    /// The rest of the line after the name and party, markup removed.
    pub description: Option<String>,
    /// The document marks the person as unable to attend ("förhinder").
    #[serde(default)]
    pub notified_absence: bool,
    /// The member this person substitutes for ("ersätter … vid behov").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub substitute_for: Option<String>,
    /// Their seat in the body: a member (ledamot, counts for quorum) or a
    /// deputy (ersättare); `None` for everyone else.
    #[serde(default)]
    pub seat: Option<Seat>,
    /// The agenda numbers they are called for; `None`: the whole meeting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<Vec<String>>,
}

/// A seat in the body that meets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Seat {
    /// Ledamot (ordinarie): counts for quorum.
    Member,
    /// Ersättare: serves for an absent member when called in.
    Deputy,
}

/// Participant category, from the heading the person stands under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Kommunpolitiker, regionpolitiker, ledamöter.
    Politician,
    /// Tjänstepersoner.
    Official,
    /// Adjungerade: attend with the right to speak, not to take positions.
    Adjunct,
    /// Administration, e.g. the meeting secretary.
    Administration,
    /// Invited guests (inbjudna).
    Guest,
}

/// A role in the meeting itself (not in the person's own organisation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Ordförande.
    Chair,
    /// Vice ordförande.
    ViceChair,
}

/// Whether an agenda entry is an item or a break.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryType {
    /// A numbered agenda item.
    Item,
    /// A break ("Paus").
    Break,
}

/// Whether an entry's clock times come from the document or were derived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Timing {
    /// The document gives the clock times.
    Explicit,
    /// Derived from the gaps between fixed points (see `kallelse::timing`).
    Inferred,
}

/// An agenda item or a break.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgendaEntry {
    /// Item or break.
    #[serde(rename = "type")]
    pub entry_type: EntryType,
    /// Item number as written ("4"); absent for breaks.
    #[serde(default)]
    pub number: Option<String>,
    /// Title without number and markup.
    pub title: String,
    /// Planned start, local time.
    #[serde(with = "time::hhmm")]
    pub start: NaiveTime,
    /// Planned end, local time.
    #[serde(with = "time::hhmm")]
    pub end: NaiveTime,
    /// Planned length in whole minutes.
    pub minutes: u32,
    /// Explicit or inferred clock times.
    pub timing: Timing,
    /// Presenters (föredragande) in document order.
    #[serde(default)]
    pub presenters: Vec<Presenter>,
    /// "Förslag till ställningstagande", the proposed position.
    #[serde(default)]
    pub proposal: Option<String>,
    /// Attached documents (link texts).
    #[serde(default)]
    pub documents: Vec<String>,
    /// The item's parts, e.g. "Information 10 minuter", "Dialog 10 minuter".
    #[serde(default)]
    pub parts: Vec<Part>,
    /// Lettered sub-items ("a) Närvaro/frånvaro").
    #[serde(default)]
    pub sub_items: Vec<SubItem>,
    /// Line in the source document where the entry begins.
    #[serde(default)]
    pub line: usize,
}

impl AgendaEntry {
    /// Planned length in seconds.
    pub fn planned_seconds(&self) -> i64 {
        i64::from(self.minutes) * 60
    }

    /// Whether this entry is a break.
    pub fn is_break(&self) -> bool {
        self.entry_type == EntryType::Break
    }

    /// The kind of work in the item, from its parts, e.g. "Information och dialog".
    pub fn kind_label(&self) -> Option<String> {
        if self.parts.is_empty() {
            return None;
        }
        let labels: Vec<&str> = self.parts.iter().map(|p| p.label.as_str()).collect();
        Some(labels.join(" · "))
    }
}

/// A presenter (föredragande) of an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Presenter {
    /// Full name.
    pub name: String,
    /// Organisation written after the name, e.g. "VGR".
    pub organisation: Option<String>,
}

/// One part of an item, such as "Information 10 minuter".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Part {
    /// "Information", "Dialog", "Dialog och ställningstagande", …
    pub label: String,
    /// Minutes given for the part, when stated.
    pub minutes: Option<u32>,
}

/// A lettered sub-item of an agenda item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubItem {
    /// The letter as written ("a").
    pub letter: String,
    /// Title of the sub-item.
    pub title: String,
}

impl Meeting {
    /// Participants who are called (not invited guests).
    pub fn called(&self) -> impl Iterator<Item = (usize, &Participant)> {
        self.participants
            .iter()
            .enumerate()
            .filter(|(_, p)| !p.invited)
    }

    /// Finds a participant by name, ignoring case and repeated spaces.
    pub fn participant_index(&self, name: &str) -> Option<usize> {
        let wanted = normalise_name(name);
        self.participants
            .iter()
            .position(|p| normalise_name(&p.name) == wanted)
    }

    /// Finds an agenda item by its number ("4", "4." and " 4 " match).
    pub fn item_index(&self, number: &str) -> Option<usize> {
        let wanted = number.trim().trim_end_matches('.');
        self.items
            .iter()
            .position(|e| e.number.as_deref() == Some(wanted))
    }
}

/// Lower-cases and collapses whitespace so names compare as people read them.
pub fn normalise_name(name: &str) -> String {
    name.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// A meeting's label: body and date, e.g. `SRO-2026-06-04`. A kiosk with
/// only a notice file (no central server) stores its meeting under it, and
/// meetings stored before they had their own id keep it as their id; a
/// meeting of the central store gets an id of its own
/// ([`identity::meeting_id_stem`]), since one body can meet twice a day.
pub fn meeting_key(meeting: &Meeting) -> String {
    let body: String = meeting
        .body
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '-' })
        .collect();
    format!("{body}-{}", meeting.date.format("%Y-%m-%d"))
}
