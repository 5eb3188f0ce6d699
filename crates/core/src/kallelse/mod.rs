//! Import of a meeting notice (kallelse) into a [`Meeting`].
//!
//! Every format is first turned into numbered lines (`source`, `docx`); one
//! pass then reads the head (`header`), the roster (`roster`) and the agenda
//! (`agenda`), and `timing` gives every entry its times. Problems are
//! collected with their line numbers so a secretary can fix the document.

mod agenda;
mod column_blocks;
mod docx;
mod header;
mod layout;
mod markup;
mod names;
mod pdf;
mod roster;
mod seats;
mod source;
mod timing;

use std::path::Path;

use thiserror::Error;

use crate::model::{Category, Meeting, Participant};
use header::{Label, Value};
use markup::clean;

/// The most participants (called and invited) a notice may name: more is
/// no meeting a door handles, and every one is a row of the preview.
pub const MAX_PARTICIPANTS: usize = 1000;

/// The most agenda entries (items and breaks) a notice may have.
pub const MAX_ENTRIES: usize = 300;

/// The most text a notice may hold, in bytes of its lines (about 350
/// pages): the import and its preview stay in proportion to it.
pub const MAX_TEXT_BYTES: usize = 1024 * 1024;

/// A line of the document (or a cell of one) that the import did not use:
/// named, never silently dropped. In a roster it is a problem (the notice
/// is refused until it reads); elsewhere it is shown beside the meeting
/// ("unread" in `import --json`, the preview), for the secretary to check.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Unread {
    /// Line of the document (paragraph of a .docx).
    pub line: usize,
    /// The text without markup.
    pub text: String,
}

/// A notice read: the meeting and the lines not used for it.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    /// The meeting.
    pub meeting: Meeting,
    /// Lines of the notice not used for the meeting (a diary number, a
    /// page footer, a signature, a paragraph), in document order.
    pub unread: Vec<Unread>,
}

/// Something wrong with a notice, in words a secretary can act on.
#[derive(Debug, Error)]
pub enum ImportError {
    /// The file could not be opened or read.
    #[error("filen går inte att läsa ({0}); kontrollera sökvägen och behörigheten")]
    Unreadable(String),
    /// The bytes are not text.
    #[error(
        "filen är inte ett textdokument; spara kallelsen som .docx, .pdf, .md eller .txt och försök igen"
    )]
    Binary,
    /// A PDF, and no `pdftotext` on this machine to read it.
    #[error(
        "PDF-filer läses med programmet pdftotext, som saknas på den här datorn; be IT-ansvarig installera paketet poppler-utils (sudo apt install poppler-utils), eller spara kallelsen som Word (.docx) och ladda upp den"
    )]
    PdfReaderMissing,
    /// A PDF with no text in it: scanned pages, pictures of text.
    #[error(
        "PDF-filen innehåller ingen text, bara bilder: den är troligen en inskannad kallelse. Exportera kallelsen som PDF direkt från Word (Arkiv > Spara som > PDF), eller ladda upp Word-filen (.docx)"
    )]
    ScannedPdf,
    /// pdftotext could not be run or stopped without a reason of the
    /// PDF's own: the server's fault, not the file's.
    #[error(
        "PDF-läsaren (pdftotext) gick inte att köra ({0}); försök igen om en stund, och be IT kontrollera servern om felet består"
    )]
    PdfReaderFailed(String),
    /// A PDF that could not be read.
    #[error(
        "PDF-filen går inte att läsa ({0}); spara kallelsen som PDF på nytt från Word, eller ladda upp Word-filen (.docx)"
    )]
    BrokenPdf(String),
    /// A pre-2007 Word file.
    #[error("det gamla Word-formatet (.doc) läses inte; spara kallelsen som .docx och försök igen")]
    OldWord,
    /// A damaged .docx file.
    #[error("{0}; öppna filen i Word och spara den på nytt")]
    BrokenDocx(String),
    /// Nothing in the document looks like a meeting notice.
    #[error(
        "det här ser inte ut som en kallelse: det finns varken \"Datum:\", \"Tid:\" eller en numrerad dagordning"
    )]
    NotANotice,
    /// No date line.
    #[error("mötesdatum saknas; lägg till en rad som \"Datum: 4 juni 2026\"")]
    MissingDate,
    /// A date that is not a real date.
    #[error(
        "datumet \"{text}\" går inte att läsa; skriv t.ex. \"4 juni 2026\" eller \"2026-06-04\""
    )]
    BadDate {
        /// Line of the date.
        line: usize,
        /// The value as written.
        text: String,
    },
    /// No time line.
    #[error("mötestid saknas; lägg till en rad som \"Tid: 13.00 – 15.30\"")]
    MissingTime,
    /// A time that is not a real time.
    #[error("tiden \"{text}\" går inte att läsa; skriv t.ex. \"13.00 – 15.30\"")]
    BadTime {
        /// Line of the time.
        line: usize,
        /// The value as written.
        text: String,
    },
    /// The meeting ends before it starts.
    #[error("mötet slutar ({end}) före det börjar ({start}); rätta raden \"Tid:\"")]
    MeetingEndsBeforeStart {
        /// Line of the time.
        line: usize,
        /// Start as written.
        start: String,
        /// End as written.
        end: String,
    },
    /// No numbered agenda items.
    #[error("dagordningen saknas eller har inga numrerade punkter (\"1. Mötets öppnande\")")]
    NoItems,
    /// An agenda entry's clock times are not valid times.
    #[error("tiden \"{text}\" går inte att läsa; skriv t.ex. \"(20 minuter, kl. 13.05 – 13.25)\"")]
    BadItemTime {
        /// Line of the time.
        line: usize,
        /// The span as written.
        text: String,
    },
    /// An entry ends before it starts.
    #[error("{what} slutar ({end}) före den börjar ({start})")]
    ItemEndsBeforeStart {
        /// Line of the times.
        line: usize,
        /// "punkt 4" or "paus".
        what: String,
        /// Start.
        start: String,
        /// End.
        end: String,
    },
    /// An entry starts before the previous timed entry ends.
    #[error("{what} börjar {start}, före {previous} slutar ({previous_end}); rätta tiderna")]
    ItemOverlaps {
        /// Line of the times.
        line: usize,
        /// "punkt 5".
        what: String,
        /// Its start.
        start: String,
        /// The entry it overlaps.
        previous: String,
        /// That entry's end.
        previous_end: String,
    },
    /// A line among those called (or a name in "Kallade:"/"Inbjudna:")
    /// that does not read as a person: reported, never dropped.
    #[error(
        "raden står bland deltagarna men går inte att läsa som en person: \"{text}\"; skriv den som \"Förnamn Efternamn (parti), organisation\" eller ta bort den"
    )]
    UnreadRosterLine {
        /// Line of the text.
        line: usize,
        /// The text without markup.
        text: String,
    },
    /// A table or two columns copied out of a PDF without its layout, in
    /// an order from which what belongs to which row cannot be told
    /// ([`column_blocks`]).
    #[error(
        "en tabell eller två spalter ({header}) är kopierade ur en PDF utan sin layout: kolumnerna står efter varandra, så det går inte att se vilken uppgift som hör till vilken rad; importera PDF-filen själv (eller Word-filen) i stället för den kopierade texten"
    )]
    ColumnsApart {
        /// Line where the table or columns begin.
        line: usize,
        /// Their first words (the header), comma-separated.
        header: String,
    },
    /// More participants than [`MAX_PARTICIPANTS`].
    #[error(
        "kallelsen har fler än {max} deltagare (gränsen passerades på den här raden); så många läses inte in. Kontrollera att det är rätt dokument, eller dela upp deltagarlistan"
    )]
    TooManyParticipants {
        /// Line where the limit was passed.
        line: usize,
        /// The limit.
        max: usize,
    },
    /// More agenda entries than [`MAX_ENTRIES`].
    #[error(
        "dagordningen har fler än {max} punkter (gränsen passerades på den här raden); så många läses inte in. Kontrollera att det är rätt dokument"
    )]
    TooManyEntries {
        /// Line where the limit was passed.
        line: usize,
        /// The limit.
        max: usize,
    },
    /// More text than [`MAX_TEXT_BYTES`].
    #[error(
        "kallelsen har mer än {max_kib} kB text, mer än en kallelse brukar ha; ta bort bilagor och annan text som inte hör till kallelsen och försök igen"
    )]
    TooMuchText {
        /// The limit in KiB.
        max_kib: usize,
    },
}

impl ImportError {
    /// Whether the fault is the machine's, not the document's: the PDF
    /// reader missing or failing. The command line exits 1 for these, 2
    /// for a document at fault (`../shared/contract.md`).
    pub fn is_machine_fault(&self) -> bool {
        matches!(
            self,
            ImportError::PdfReaderMissing | ImportError::PdfReaderFailed(_)
        )
    }

    /// The line (or .docx paragraph) the problem is on, when there is one.
    pub fn line(&self) -> Option<usize> {
        match self {
            ImportError::BadDate { line, .. }
            | ImportError::BadTime { line, .. }
            | ImportError::MeetingEndsBeforeStart { line, .. }
            | ImportError::BadItemTime { line, .. }
            | ImportError::ItemEndsBeforeStart { line, .. }
            | ImportError::ItemOverlaps { line, .. }
            | ImportError::UnreadRosterLine { line, .. }
            | ImportError::ColumnsApart { line, .. }
            | ImportError::TooManyParticipants { line, .. }
            | ImportError::TooManyEntries { line, .. } => Some(*line),
            _ => None,
        }
    }
}

/// Whether a line is the agenda's heading ("Dagordning", "Ärenden:").
fn is_agenda_heading(text: &str) -> bool {
    matches!(
        text.to_lowercase().trim_end_matches(':'),
        "dagordning" | "föredragningslista" | "ärenden" | "ärendelista" | "ärendeförteckning"
    )
}

/// Reads a notice from a file.
pub fn import_file(path: &Path) -> Result<Meeting, Vec<ImportError>> {
    read_file(path).map(|read| read.meeting)
}

/// Reads a notice from its bytes (Markdown, text, .docx or PDF, detected).
pub fn import_bytes(bytes: &[u8]) -> Result<Meeting, Vec<ImportError>> {
    read_bytes(bytes).map(|read| read.meeting)
}

/// Reads a notice from a file, with the lines it did not use.
pub fn read_file(path: &Path) -> Result<Imported, Vec<ImportError>> {
    let bytes = std::fs::read(path).map_err(|e| {
        let reason = match e.kind() {
            std::io::ErrorKind::NotFound => "filen finns inte".to_string(),
            std::io::ErrorKind::PermissionDenied => "behörighet saknas".to_string(),
            _ => e.to_string(),
        };
        vec![ImportError::Unreadable(reason)]
    })?;
    read_bytes(&bytes)
}

/// Reads a notice from its bytes, with the lines it did not use.
pub fn read_bytes(bytes: &[u8]) -> Result<Imported, Vec<ImportError>> {
    let lines = source::read_lines(bytes).map_err(|e| vec![e])?;
    if lines.iter().map(|l| l.text.len()).sum::<usize>() > MAX_TEXT_BYTES {
        return Err(vec![ImportError::TooMuchText {
            max_kib: MAX_TEXT_BYTES / 1024,
        }]);
    }
    // Columns one after another come only in pasted text: a Word file's
    // tables and a PDF read with its layout keep their rows.
    let lines = if source::is_plain_text(bytes) {
        column_blocks::join(lines).map_err(|e| vec![e])?
    } else {
        lines
    };
    Reader::default().read(&layout::normalise(lines))
}

/// A head value as read, with its line and text for error messages.
type Labelled<T> = Option<(Value<T>, usize, String)>;

/// The meeting's start and optional end from "Tid:".
type Span = (chrono::NaiveTime, Option<chrono::NaiveTime>);

#[derive(Default)]
struct Reader {
    title: Option<String>,
    description: Vec<String>,
    date: Labelled<chrono::NaiveDate>,
    time: Labelled<Span>,
    location: Option<String>,
    people: Vec<Participant>,
    guests: Vec<Participant>,
    labels_seen: bool,
    /// A roster block has begun: a name dropped before the agenda is a
    /// roster line not understood.
    roster_seen: bool,
    /// Roster lines that read as no person: the notice is refused with
    /// them ([`ImportError::UnreadRosterLine`]).
    unreadable: Vec<Unread>,
    /// Other lines not used: named in [`Imported::unread`].
    not_used: Vec<Unread>,
    /// The date written in "Tid:" when there is no "Datum:".
    date_in_time: Option<chrono::NaiveDate>,
    /// "Mötesform:", the location where no place is given.
    form: Option<String>,
}

impl Reader {
    fn read(mut self, lines: &[source::Line]) -> Result<Imported, Vec<ImportError>> {
        let mut agenda = agenda::Agenda::new();
        let mut block: Option<roster::Block> = None;
        let mut index = 0;
        // The line read last: where a limit was passed.
        let mut last = 0;
        while index < lines.len() {
            let line = &lines[index];
            index += 1;
            self.within_limits(block.as_ref(), &agenda, last)?;
            last = line.number;
            let c = clean(&line.text);
            // A page's footer ("Sida 1 av 2") is no line of the notice, and
            // no end of a roster going on across the page break.
            if layout::is_furniture(&c.text) {
                self.not_used(line.number, &c.text);
                continue;
            }
            if let Some(b) = block.as_mut() {
                if b.feed(&line.text, line.number) {
                    continue;
                }
                // A line not understood with the roster going on after it
                // is inside the roster: kept as a problem, not its end.
                if next_raw(lines, index).is_some_and(|next| b.accepts(next)) {
                    b.keep(&line.text, line.number);
                    continue;
                }
                if let Some(b) = block.take() {
                    self.end_roster(b);
                }
            }
            if c.text.is_empty() {
                agenda.blank();
                continue;
            }
            if !agenda.started() {
                if let Some((label, value)) = header::label(&c.text) {
                    let value = self.label_value(label, value, lines, &mut index);
                    if !self.header_label(label, value, line.number) {
                        self.not_used(line.number, &c.text);
                    }
                    continue;
                }
                if !self.labels_seen {
                    // A page header's right column ("KALLELSE", a date)
                    // beside the body's name is no part of it.
                    let (left, right) = layout::head_left(&line.text);
                    if let Some(right) = right {
                        self.not_used(line.number, right);
                    }
                    let text = clean(left).text;
                    match self.title {
                        None => self.title = Some(text),
                        Some(_) => self.description.push(text),
                    }
                    continue;
                }
            }
            let may_start_roster = !agenda.started()
                || roster::heading(&c.text).is_some_and(|h| matches!(h, roster::Heading::Sides(_)));
            if may_start_roster && let Some(b) = roster::Block::start(&line.text) {
                block = Some(b);
                self.roster_seen = true;
                continue;
            }
            if !agenda.started() && is_agenda_heading(&c.text) {
                continue;
            }
            let next = next_text(lines, index);
            let continuation = match &next {
                // Only inside the agenda: before it nothing takes a
                // presenter, and the line after would be lost with it.
                Some((text, at))
                    if agenda.started() && agenda::presenters_continue(&c.text, text) =>
                {
                    index = *at + 1;
                    Some(text.clone())
                }
                _ => None,
            };
            let before_agenda = !agenda.started();
            match agenda.line(&c, line.number, continuation.as_deref()) {
                agenda::Took::Entry | agenda::Took::Detail => {}
                // Before the agenda a name is a roster line the roster
                // could not take: a problem, not a note.
                agenda::Took::Nothing
                    if before_agenda && self.roster_seen && names::reads_as_name(&c.text) =>
                {
                    self.unreadable.push(Unread {
                        line: line.number,
                        text: c.text.clone(),
                    });
                }
                agenda::Took::Nothing => self.not_used(line.number, &c.text),
            }
        }
        self.within_limits(block.as_ref(), &agenda, last)?;
        if let Some(b) = block.take() {
            self.end_roster(b);
        }
        self.finish(agenda)
    }

    /// Notes a line the meeting does not use.
    fn not_used(&mut self, line: usize, text: &str) {
        self.not_used.push(Unread {
            line,
            text: text.to_string(),
        });
    }

    /// Refuses a notice past [`MAX_PARTICIPANTS`] or [`MAX_ENTRIES`] at
    /// the line where it passed, before reading more.
    fn within_limits(
        &self,
        block: Option<&roster::Block>,
        agenda: &agenda::Agenda,
        line: usize,
    ) -> Result<(), Vec<ImportError>> {
        let people = self.people.len() + self.guests.len() + block.map_or(0, roster::Block::people);
        if people > MAX_PARTICIPANTS {
            return Err(vec![ImportError::TooManyParticipants {
                line,
                max: MAX_PARTICIPANTS,
            }]);
        }
        if agenda.drafts.len() > MAX_ENTRIES {
            return Err(vec![ImportError::TooManyEntries {
                line,
                max: MAX_ENTRIES,
            }]);
        }
        Ok(())
    }

    /// Takes a finished roster block's people and its lines not understood.
    fn end_roster(&mut self, block: roster::Block) {
        let roster::Finished {
            people,
            unread,
            vacant,
        } = block.finish();
        self.not_used.extend(vacant);
        // Invited guests come after those called, wherever they are listed.
        let (guests, called): (Vec<_>, Vec<_>) = people.into_iter().partition(|p| p.invited);
        self.people.extend(called);
        self.guests.extend(guests);
        self.unreadable.extend(unread);
    }

    /// A label's value with its continuation lines (a list ending in a comma).
    fn label_value(
        &self,
        label: Label,
        mut value: String,
        lines: &[source::Line],
        index: &mut usize,
    ) -> String {
        if !matches!(label, Label::Invited | Label::Called) {
            return value;
        }
        while value.trim_end().ends_with(',') {
            let Some((text, at)) = next_text(lines, *index) else {
                break;
            };
            value.push(' ');
            value.push_str(&text);
            *index = at + 1;
        }
        value
    }

    /// Takes a label of the head; `false` when its value is not used (a
    /// second "Datum:", an empty "Plats:").
    fn header_label(&mut self, label: Label, value: String, line: usize) -> bool {
        self.labels_seen = true;
        match label {
            Label::Date if self.date.is_none() => {
                self.date = Some((header::date(&value), line, value));
            }
            Label::Time if self.time.is_none() => {
                // "Tisdag 10 november 2026 kl. 13.15–16.00": the date too.
                if let Value::Valid(date) = header::date(&value) {
                    self.date_in_time = Some(date);
                }
                self.time = Some((header::time_span(&value), line, value));
            }
            // "Sammanträde: torsdag 17 november 2026 kl. 09.00–12.00":
            // when, not where (no place reads as a date).
            Label::Place if matches!(header::date(&value), Value::Valid(_)) => {
                if self.time.is_none() && matches!(header::time_span(&value), Value::Valid(_)) {
                    self.time = Some((header::time_span(&value), line, value.clone()));
                }
                if self.date.is_none() {
                    self.date = Some((header::date(&value), line, value));
                }
            }
            Label::Place if self.location.is_none() && !value.is_empty() => {
                self.location = Some(value.trim_end_matches('.').to_string());
            }
            Label::Form if self.form.is_none() && !value.is_empty() => {
                self.form = Some(value.trim_end_matches('.').to_string());
            }
            Label::Chair | Label::Secretary => {
                let category = (label == Label::Secretary).then_some(Category::Administration);
                match roster::person(&markup::clean(&value).text, category, None) {
                    Some(mut person) => {
                        if label == Label::Chair {
                            person.role = Some(crate::model::Role::Chair);
                        }
                        self.people.push(person);
                    }
                    // "Ordförande: vakant": no person, a line to check.
                    None => self.not_used(line, &format!("{}: {value}", label.word())),
                }
            }
            Label::Invited => {
                let (people, unread) = listed(&value, Category::Guest, true);
                self.guests.extend(people);
                self.unread_names(unread, line);
            }
            Label::Called if !header::refers_to_list(&value) => {
                let (people, unread) = listed(&value, Category::Official, false);
                self.people.extend(people);
                self.unread_names(unread, line);
            }
            // "Kallade: Se lista" refers to the roster below.
            Label::Called => {}
            _ => return false,
        }
        true
    }

    /// Names of a "Kallade:"/"Inbjudna:" list that could not be read.
    fn unread_names(&mut self, texts: Vec<String>, line: usize) {
        self.unreadable
            .extend(texts.into_iter().map(|text| Unread { line, text }));
    }

    fn finish(self, agenda: agenda::Agenda) -> Result<Imported, Vec<ImportError>> {
        let mut problems = Vec::new();
        if self.date.is_none() && self.time.is_none() && !agenda.started() {
            return Err(vec![ImportError::NotANotice]);
        }
        problems.extend(
            self.unreadable
                .iter()
                .map(|u| ImportError::UnreadRosterLine {
                    line: u.line,
                    text: u.text.clone(),
                }),
        );
        let year = std::iter::once(self.title.as_deref().unwrap_or_default())
            .chain(self.description.iter().map(String::as_str))
            .find_map(header::year);
        let date = match &self.date {
            Some((Value::Valid(d), _, _)) => Some(*d),
            // "torsdag 12/11": the year from the head ("Sammanträde 2026").
            Some((Value::Missing, _, text))
                if let Some((day, month)) = header::day_month(text)
                    && let Some(date) =
                        year.and_then(|y| chrono::NaiveDate::from_ymd_opt(y, month, day)) =>
            {
                Some(date)
            }
            None if self.date_in_time.is_some() => self.date_in_time,
            Some((_, line, text)) => {
                problems.push(ImportError::BadDate {
                    line: *line,
                    text: text.clone(),
                });
                None
            }
            None => {
                problems.push(ImportError::MissingDate);
                None
            }
        };
        let times = match &self.time {
            Some((Value::Valid((start, end)), line, _)) => match end {
                Some(end) if end < start => {
                    problems.push(ImportError::MeetingEndsBeforeStart {
                        line: *line,
                        start: crate::model::time::clock_sv(*start),
                        end: crate::model::time::clock_sv(*end),
                    });
                    None
                }
                _ => Some((*start, *end)),
            },
            Some((_, line, text)) => {
                problems.push(ImportError::BadTime {
                    line: *line,
                    text: text.clone(),
                });
                None
            }
            None => {
                problems.push(ImportError::MissingTime);
                None
            }
        };
        problems.extend(agenda.bad_clocks.iter().map(|b| ImportError::BadItemTime {
            line: b.line,
            text: b.text.clone(),
        }));
        if !agenda.started() {
            problems.push(ImportError::NoItems);
        }
        let (Some(date), Some((start, end)), true) = (date, times, problems.is_empty()) else {
            return Err(problems);
        };
        let mut drafts = agenda.drafts;
        agenda::settle(&mut drafts, end);
        let (items, end) = timing::resolve(drafts, start, end)?;
        let head: Vec<String> = self.title.into_iter().chain(self.description).collect();
        let (document, body, body_description) = header::head(&head);
        let mut participants = self.people;
        participants.extend(self.guests);
        let mut participants = merge_repeated(participants);
        seats::settle(&mut participants);
        let mut unread = self.not_used;
        unread.sort_by_key(|u| u.line);
        Ok(Imported {
            meeting: Meeting {
                body,
                body_description,
                document,
                date,
                start,
                end,
                location: self.location.or(self.form),
                participants,
                items,
            },
            unread,
        })
    }
}

/// People from a "Kallade:"/"Inbjudna:" value, and the parts of it that
/// look like a name but could not be read as one.
fn listed(value: &str, category: Category, invited: bool) -> (Vec<Participant>, Vec<String>) {
    let text = markup::clean(value).text;
    let unread = names::garbled_names(&text);
    let people = names::people_list(&text)
        .into_iter()
        .map(|p| {
            let mut participant = Participant {
                name: p.name,
                party: None,
                organisation: None,
                side: None,
                category,
                role: None,
                invited,
                description: None,
                notified_absence: false,
                substitute_for: None,
                seat: None,
                items: None,
            };
            roster::set_description(&mut participant, &p.details.join(", "));
            participant
        })
        .collect();
    (people, unread)
}

/// One person named twice (the chair in a list and again in an
/// "Ordförande" row, a deputy under "Ersättare" and again under
/// "Tjänstgörande ersättare") is one participant, at their first place,
/// with what the later mention adds.
fn merge_repeated(participants: Vec<Participant>) -> Vec<Participant> {
    let mut out: Vec<Participant> = Vec::with_capacity(participants.len());
    for p in participants {
        // The same name with another party, or a guest beside one called,
        // is someone else.
        let same = |q: &Participant| {
            q.name == p.name
                && q.invited == p.invited
                && (q.party.is_none() || p.party.is_none() || q.party == p.party)
        };
        match out.iter_mut().find(|q| same(q)) {
            Some(first) => {
                first.party = first.party.take().or(p.party);
                first.organisation = first.organisation.take().or(p.organisation);
                first.side = first.side.take().or(p.side);
                first.role = first.role.or(p.role);
                first.description = first.description.take().or(p.description);
                first.notified_absence |= p.notified_absence;
                first.substitute_for = first.substitute_for.take().or(p.substitute_for);
                first.seat = first.seat.or(p.seat);
                first.items = first.items.take().or(p.items);
            }
            None => out.push(p),
        }
    }
    out
}

/// The raw text of the next line with any text left after its markup.
fn next_raw(lines: &[source::Line], from: usize) -> Option<&str> {
    lines
        .iter()
        .skip(from)
        .map(|l| l.text.as_str())
        .find(|t| !clean(t).text.is_empty())
}

/// The next non-blank line's cleaned text and index.
fn next_text(lines: &[source::Line], from: usize) -> Option<(String, usize)> {
    lines
        .iter()
        .enumerate()
        .skip(from)
        .map(|(i, l)| (clean(&l.text).text, i))
        .find(|(t, _)| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Seat;

    const NOTICE: &str = "KUNGÖRELSE\nValnämnden\n\nDatum: 2026-11-17\nTid: 15.00–17.00\n\nKallade\nAnna Berg (S), ordförande\nBo Ek (M), ersättare\n\nSida 1 av 2\nCarl Dahl, valsamordnare\n\nÄrenden\n1) Öppnande\nDnr VN 2026/1\n2) Övriga frågor (30 min)\n\nVälkomna!\n";

    #[test]
    fn every_line_is_used_or_named_unread() {
        let read = read_bytes(NOTICE.as_bytes()).unwrap();
        let unread: Vec<(usize, &str)> = read
            .unread
            .iter()
            .map(|u| (u.line, u.text.as_str()))
            .collect();
        assert_eq!(
            unread,
            vec![
                (11, "Sida 1 av 2"),
                (16, "Dnr VN 2026/1"),
                (19, "Välkomna!")
            ]
        );
        let m = read.meeting;
        assert_eq!(m.body, "Valnämnden");
        // The roster goes on across the page's footer.
        let names: Vec<&str> = m.participants.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, vec!["Anna Berg", "Bo Ek", "Carl Dahl"]);
        assert_eq!(m.participants[1].seat, Some(crate::model::Seat::Deputy));
        assert_eq!(m.participants[0].seat, Some(crate::model::Seat::Member));
        assert_eq!(m.items[1].minutes, 30);
    }

    #[test]
    fn a_second_date_is_named_not_dropped() {
        let text = "Kallelse Nämnden\nDatum: 2026-11-17\nTid: 15.00–17.00\nDatum: 2026-11-18\n\n1. Öppnande\n";
        let read = read_bytes(text.as_bytes()).unwrap();
        assert_eq!(read.meeting.date.to_string(), "2026-11-17");
        assert_eq!(read.unread[0].line, 4);
    }

    #[test]
    fn a_name_the_roster_cannot_take_still_refuses_the_notice() {
        let text = "Kallelse Nämnden\nDatum: 2026-11-17\nTid: 15.00–17.00\n\nLedamöter\nAnna Berg (S)\n=Bo Ek (M)\nCarl Dahl (V)\n\n1. Öppnande\n";
        let problems = read_bytes(text.as_bytes()).unwrap_err();
        assert!(
            problems
                .iter()
                .any(|p| matches!(p, ImportError::UnreadRosterLine { line: 7, .. })),
            "{problems:?}"
        );
    }

    #[test]
    fn the_chair_and_secretary_labels_are_participants() {
        let text = "Dagordning – Styrgruppen\nDatum: 2026-11-17\nTid: 09.00–10.00\nOrdförande: Cecilia Hammar, socialchef Älvby kommun\nSekreterare: Ida Strömberg, utredare\n\n09.00 1. Välkommen\n09.30 2. Övrigt\n";
        let m = import_bytes(text.as_bytes()).unwrap();
        assert_eq!(m.body, "Styrgruppen");
        assert_eq!(m.participants[0].role, Some(crate::model::Role::Chair));
        assert_eq!(m.participants[1].category, Category::Administration);
        // A start time alone: the item runs to the next one, the last to the end.
        assert_eq!(m.items[0].end.to_string(), "09:30:00");
        assert_eq!(m.items[1].end.to_string(), "10:00:00");
    }

    #[test]
    fn a_roster_table_of_three_name_columns_and_a_vacant_seat() {
        let text = "Kallelse\nStyrelsen\n\nDatum: 2026-11-17\nTid: 15.00–17.00\n\n| Ledamot | Ersättare | 2:e ersättare |\n|---|---|---|\n| Anna Berg (S) | Bo Ek (S) | Carl von Essen (S) |\n| Vakant (M) | Eva Lund (M) | Fia Ny (M) |\n\n1. Öppnande\n";
        let read = read_bytes(text.as_bytes()).unwrap();
        let people: Vec<(&str, Option<&str>, Option<Seat>)> = read
            .meeting
            .participants
            .iter()
            .map(|p| (p.name.as_str(), p.party.as_deref(), p.seat))
            .collect();
        assert_eq!(
            people,
            [
                ("Anna Berg", Some("S"), Some(Seat::Member)),
                ("Bo Ek", Some("S"), Some(Seat::Deputy)),
                ("Eva Lund", Some("M"), Some(Seat::Deputy)),
                ("Carl von Essen", Some("S"), Some(Seat::Deputy)),
                ("Fia Ny", Some("M"), Some(Seat::Deputy)),
            ]
        );
        // The vacant seat: no person, no refusal, named for the secretary.
        assert_eq!(read.unread.len(), 1);
        assert_eq!(
            (read.unread[0].line, read.unread[0].text.as_str()),
            (10, "Vakant (M)")
        );
    }

    #[test]
    fn a_meeting_line_with_a_date_is_when_not_where() {
        let text = "Kallelse Nämnden\nSammanträde: torsdag 17 december 2026 kl. 09.00–12.00\nLokal: Rådhuset\n\n1. Öppnande\n";
        let m = import_bytes(text.as_bytes()).unwrap();
        assert_eq!(m.date.to_string(), "2026-12-17");
        assert_eq!(
            (m.start.to_string(), m.end.to_string()),
            ("09:00:00".into(), "12:00:00".into())
        );
        assert_eq!(m.location.as_deref(), Some("Rådhuset"));
    }

    #[test]
    fn a_chair_who_is_no_name_is_a_line_to_check_not_a_refusal() {
        let text = "Kallelse Nämnden\nDatum: 2026-11-17\nTid: 15.00–17.00\nOrdförande: vakant\n\n1. Öppnande\n";
        let read = read_bytes(text.as_bytes()).unwrap();
        assert!(read.meeting.participants.is_empty());
        assert_eq!(read.unread[0].text, "Ordförande: vakant");
    }

    #[test]
    fn one_name_twice_is_one_person_but_not_across_parties_or_guests() {
        let text = "Kallelse Nämnden\nDatum: 2026-11-17\nTid: 15.00–17.00\n\nLedamöter\nAnna Berg (S), ordförande\nBo Ek (M)\n\nErsättare\nBo Ek (KD)\n\nInbjudna\nAnna Berg, revisor\n\nOrdförande: Anna Berg\n\n1. Öppnande\n";
        let m = import_bytes(text.as_bytes()).unwrap();
        let people: Vec<(&str, Option<&str>, bool)> = m
            .participants
            .iter()
            .map(|p| (p.name.as_str(), p.party.as_deref(), p.invited))
            .collect();
        assert_eq!(
            people,
            vec![
                ("Anna Berg", Some("S"), false),
                ("Bo Ek", Some("M"), false),
                ("Bo Ek", Some("KD"), false),
                ("Anna Berg", None, true)
            ]
        );
    }

    #[test]
    fn lengths_past_a_day_are_no_lengths_and_page_numbers_no_items() {
        let text = "Kallelse Nämnden\nDatum: 2026-11-17\nTid: 15.00–17.00\n\n1. Öppnande\nInformation (4294967295 min)\nDialog (4294967295 min)\n2\n\u{c}2. Övrigt\n";
        let read = read_bytes(text.as_bytes()).unwrap();
        assert_eq!(read.meeting.items.len(), 2);
        assert_eq!(read.meeting.items[1].title, "Övrigt");
        assert!(
            read.unread.iter().any(|u| u.text == "2"),
            "{:?}",
            read.unread
        );
    }
}
