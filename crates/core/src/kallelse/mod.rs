//! Import of a meeting notice (kallelse) into a [`Meeting`].
//!
//! Every format is first turned into numbered lines (`source`, `docx`); one
//! pass then reads the head (`header`), the roster (`roster`) and the agenda
//! (`agenda`), and `timing` gives every entry its times. Problems are
//! collected with their line numbers so a secretary can fix the document.

mod agenda;
mod docx;
mod header;
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
            | ImportError::TooManyParticipants { line, .. }
            | ImportError::TooManyEntries { line, .. } => Some(*line),
            _ => None,
        }
    }
}

/// Reads a notice from a file.
pub fn import_file(path: &Path) -> Result<Meeting, Vec<ImportError>> {
    let bytes = std::fs::read(path).map_err(|e| {
        let reason = match e.kind() {
            std::io::ErrorKind::NotFound => "filen finns inte".to_string(),
            std::io::ErrorKind::PermissionDenied => "behörighet saknas".to_string(),
            _ => e.to_string(),
        };
        vec![ImportError::Unreadable(reason)]
    })?;
    import_bytes(&bytes)
}

/// Reads a notice from its bytes (Markdown, text or .docx, detected).
pub fn import_bytes(bytes: &[u8]) -> Result<Meeting, Vec<ImportError>> {
    let lines = source::read_lines(bytes).map_err(|e| vec![e])?;
    if lines.iter().map(|l| l.text.len()).sum::<usize>() > MAX_TEXT_BYTES {
        return Err(vec![ImportError::TooMuchText {
            max_kib: MAX_TEXT_BYTES / 1024,
        }]);
    }
    Reader::default().read(&lines)
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
    /// Roster lines not understood.
    unread: Vec<roster::Unread>,
}

impl Reader {
    fn read(mut self, lines: &[source::Line]) -> Result<Meeting, Vec<ImportError>> {
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
                    self.header_label(label, value, line.number);
                    continue;
                }
                if !self.labels_seen {
                    match self.title {
                        None => self.title = Some(c.text.clone()),
                        Some(_) => self.description.push(c.text.clone()),
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
            if !agenda.started()
                && matches!(
                    c.text.to_lowercase().trim_end_matches(':'),
                    "dagordning" | "föredragningslista"
                )
            {
                continue;
            }
            let next = next_text(lines, index);
            let continuation = match &next {
                Some((text, at)) if agenda::presenters_continue(&c.text, text) => {
                    index = *at + 1;
                    Some(text.clone())
                }
                _ => None,
            };
            let before_agenda = !agenda.started();
            let started = agenda.line(&c, line.number, continuation.as_deref());
            // Before the agenda a line that starts no item is dropped: a
            // name there is a roster line the roster could not take.
            if before_agenda && !started && self.roster_seen && names::reads_as_name(&c.text) {
                self.unread.push(roster::Unread {
                    line: line.number,
                    text: c.text.clone(),
                });
            }
        }
        self.within_limits(block.as_ref(), &agenda, last)?;
        if let Some(b) = block.take() {
            self.end_roster(b);
        }
        self.finish(agenda)
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
        let (people, unread) = block.finish();
        self.people.extend(people);
        self.unread.extend(unread);
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

    fn header_label(&mut self, label: Label, value: String, line: usize) {
        self.labels_seen = true;
        match label {
            Label::Date if self.date.is_none() => {
                self.date = Some((header::date(&value), line, value));
            }
            Label::Time if self.time.is_none() => {
                self.time = Some((header::time_span(&value), line, value));
            }
            Label::Place if self.location.is_none() && !value.is_empty() => {
                self.location = Some(value.trim_end_matches('.').to_string());
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
            _ => {}
        }
    }

    /// Names of a "Kallade:"/"Inbjudna:" list that could not be read.
    fn unread_names(&mut self, texts: Vec<String>, line: usize) {
        self.unread
            .extend(texts.into_iter().map(|text| roster::Unread { line, text }));
    }

    fn finish(self, agenda: agenda::Agenda) -> Result<Meeting, Vec<ImportError>> {
        let mut problems = Vec::new();
        if self.date.is_none() && self.time.is_none() && !agenda.started() {
            return Err(vec![ImportError::NotANotice]);
        }
        problems.extend(self.unread.iter().map(|u| ImportError::UnreadRosterLine {
            line: u.line,
            text: u.text.clone(),
        }));
        let date = match &self.date {
            Some((Value::Valid(d), _, _)) => Some(*d),
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
        let (items, end) = timing::resolve(agenda.drafts, start, end)?;
        let (document, body_in_title) = header::title(self.title.as_deref().unwrap_or_default());
        let mut description = self.description.into_iter();
        let body = body_in_title
            .or_else(|| description.next())
            .unwrap_or_default();
        let body_description =
            Some(description.collect::<Vec<_>>().join(" ")).filter(|d| !d.is_empty());
        let mut participants = self.people;
        participants.extend(self.guests);
        seats::settle(&mut participants);
        Ok(Meeting {
            body,
            body_description,
            document,
            date,
            start,
            end,
            location: self.location,
            participants,
            items,
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
