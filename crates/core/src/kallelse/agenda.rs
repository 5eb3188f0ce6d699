//! The agenda (dagordning): numbered items as headings or plain lines, their
//! times, parts, presenters, proposal, documents and sub-items, and breaks.
//!
//! Numbered lists inside an item (a proposal's "1. …, 2. …") look like items;
//! a numbered line starts an item only when it carries the next number, is
//! not the next entry of a list already running, and does not follow a line
//! ending in ':'. Markdown headings with the next number always start one.

use std::sync::LazyLock;

use chrono::NaiveTime;
use regex::Regex;

use super::markup::{Clean, pattern};
use super::names;
use crate::model::{EntryType, Part, Presenter, SubItem};

static NUMBERED: LazyLock<Regex> = LazyLock::new(|| pattern(r"^(\d{1,2})([.)])\s+(.+)$"));
static LETTERED: LazyLock<Regex> = LazyLock::new(|| pattern(r"^([a-z])[.)]\s+(.+)$"));
static CLOCK_SPAN: LazyLock<Regex> = LazyLock::new(|| {
    pattern(
        r"\((?:(\d+)\s*min(?:uter)?\.?\s*,?\s*)?(?:kl\.?\s*)?(\d{1,2})[.:](\d{2})\s*[–—-]\s*(\d{1,2})[.:](\d{2})\s*\)",
    )
});
static DURATION: LazyLock<Regex> = LazyLock::new(|| pattern(r"\((\d+)\s*min(?:uter)?\b\.?[^)]*\)"));
static BREAK: LazyLock<Regex> = LazyLock::new(|| {
    pattern(r"(?i)^((?:kaffe|lunch|fika|bens?träcknings)?paus|lunch|fika|kaffe)\b[\s:,–-]*(.*)$")
});
static BREAK_MINUTES: LazyLock<Regex> = LazyLock::new(|| pattern(r"(\d+)\s*min"));
/// A clock span anywhere in a line, with what separates it from the title
/// (", kl. 09.10 – 09.40", " 08.40–09.10").
static INLINE_SPAN: LazyLock<Regex> = LazyLock::new(|| {
    pattern(r"[\s,;–—-]*\b(?:kl\.?\s*)?(\d{1,2})[.:](\d{2})\s*[–—-]\s*(\d{1,2})[.:](\d{2})\b")
});
/// A line that begins with its start time ("09.15 3. Lägesrapport").
static START_TIME: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"^(?:kl\.?\s*)?(\d{1,2})[.:](\d{2})\s+(\S.*)$"));
static BARE_SPAN: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"(?:kl\.?\s*)?(\d{1,2})[.:](\d{2})\s*[–—-]\s*(\d{1,2})[.:](\d{2})"));
static PART: LazyLock<Regex> = LazyLock::new(|| {
    pattern(
        r"(?i)^((?:skriftlig |muntlig )?(?:information|dialog|ställningstagande|beslut|diskussion)(?:\s+(?:och|samt)\s+(?:information|dialog|ställningstagande|beslut|diskussion))*)\s*\(?(?:(\d+)\s*min(?:uter)?\.?)?\)?$",
    )
});
static PRESENTERS: LazyLock<Regex> = LazyLock::new(|| pattern(r"(?i)^föredragande\s*:\s*(.*)$"));
static PROPOSAL: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"(?i)^förslag till (?:ställningstagande|beslut)\s*:\s*(.*)$"));

/// A clock span "13.05 – 13.25" that could not be a time of day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadClock {
    /// Line of the span.
    pub line: usize,
    /// The text as written.
    pub text: String,
}

/// An agenda entry as read, before times are resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    /// Item or break.
    pub entry_type: EntryType,
    /// Item number.
    pub number: Option<u32>,
    /// Title.
    pub title: String,
    /// Line where the entry starts.
    pub line: usize,
    /// Explicit clock times and the line giving them.
    pub clock: Option<(NaiveTime, NaiveTime, usize)>,
    /// A start time alone ("09.15 3. …") and its line: the entry ends
    /// where the next one starts ([`settle`]).
    pub start_only: Option<(NaiveTime, usize)>,
    /// A stated length without clock times ("(40 min)", "Paus 15 minuter").
    pub minutes: Option<u32>,
    /// Presenters.
    pub presenters: Vec<Presenter>,
    /// Proposed position.
    pub proposal: Option<String>,
    /// Attached documents.
    pub documents: Vec<String>,
    /// Parts ("Information 10 minuter").
    pub parts: Vec<Part>,
    /// Sub-items.
    pub sub_items: Vec<SubItem>,
}

impl Draft {
    fn new(entry_type: EntryType, number: Option<u32>, title: String, line: usize) -> Self {
        Draft {
            entry_type,
            number,
            title,
            line,
            clock: None,
            start_only: None,
            minutes: None,
            presenters: Vec::new(),
            proposal: None,
            documents: Vec::new(),
            parts: Vec::new(),
            sub_items: Vec::new(),
        }
    }
}

/// What the agenda made of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Took {
    /// It started an item or a break.
    Entry,
    /// It added to the current entry (presenter, time, part, proposal…).
    Detail,
    /// Nothing in it was used.
    Nothing,
}

/// Reads agenda lines into drafts.
#[derive(Debug, Default)]
pub struct Agenda {
    /// Entries read so far.
    pub drafts: Vec<Draft>,
    /// Clock spans that were not valid times.
    pub bad_clocks: Vec<BadClock>,
    next_number: u32,
    /// The last number and delimiter of a numbered list inside an item.
    list_last: Option<(u32, char)>,
    previous_ends_with_colon: bool,
    in_proposal: bool,
    /// The last line started an item, or went on with its title: a line
    /// right after it may go on with the title.
    title_open: bool,
    /// The title's last line was long, as a line a PDF wraps.
    title_line_full: bool,
    /// The line being read went on with a title.
    title_joined: bool,
    after_blank: bool,
}

/// A title line at least this long (in characters) may have been wrapped
/// by a PDF: a capitalised line after it can go on with it.
const WRAPPED_TITLE: usize = 64;

/// A stated length in minutes: no more than a day ("(90000 min)" is no
/// length, and sums of lengths stay within bounds).
fn minutes_of(text: &str) -> Option<u32> {
    text.parse::<u32>().ok().filter(|m| *m <= 24 * 60)
}

fn clock(hours: &str, minutes: &str) -> Option<NaiveTime> {
    NaiveTime::from_hms_opt(hours.parse().ok()?, minutes.parse().ok()?, 0)
}

impl Agenda {
    /// A new agenda reader expecting item 1.
    pub fn new() -> Self {
        Agenda {
            next_number: 1,
            ..Agenda::default()
        }
    }

    /// Whether any item has been read.
    pub fn started(&self) -> bool {
        !self.drafts.is_empty()
    }

    /// Notes a blank line.
    pub fn blank(&mut self) {
        self.after_blank = true;
    }

    /// Feeds one non-blank line: whether it started a new entry, added to
    /// the current one, or was not used.
    pub fn line(&mut self, clean: &Clean, number: usize, continuation: Option<&str>) -> Took {
        if let Some(c) = START_TIME.captures(&clean.text)
            && let Some(start) = clock(&c[1], &c[2])
        {
            let rest = Clean {
                text: c[3].to_string(),
                ..clean.clone()
            };
            if self.try_item(&rest, number) || self.try_break(&rest, number) {
                if let Some(draft) = self.drafts.last_mut()
                    && draft.clock.is_none()
                {
                    draft.start_only = Some((start, number));
                }
                return self.took(Took::Entry, false);
            }
        }
        let took = if self.try_item(clean, number) || self.try_break(clean, number) {
            Took::Entry
        } else if self.title_goes_on(clean) || self.body(clean, number, continuation) {
            Took::Detail
        } else {
            Took::Nothing
        };
        self.took(took, clean.text.ends_with(':'))
    }

    /// The state a line leaves behind, whichever way it was read.
    fn took(&mut self, took: Took, ends_with_colon: bool) -> Took {
        self.previous_ends_with_colon = ends_with_colon;
        self.after_blank = false;
        self.title_open = (took == Took::Entry
            && self
                .drafts
                .last()
                .is_some_and(|d| d.entry_type == EntryType::Item))
            || (took == Took::Detail && self.title_joined);
        self.title_joined = false;
        took
    }

    /// A line right after an item's title that goes on with it: a title
    /// wrapped in a PDF's text ("… Europaparlamentet" / "2029, inriktning"),
    /// in lower case or a number, or after a title ending in a comma or a
    /// little word. Its times, if any, are the item's.
    fn title_goes_on(&mut self, clean: &Clean) -> bool {
        let text = clean.text.as_str();
        if !self.title_open || self.after_blank || clean.bullet || clean.heading > 0 {
            return false;
        }
        let Some(draft) = self.drafts.last_mut() else {
            return false;
        };
        let goes_on = text.starts_with(|c: char| c.is_lowercase() || c.is_ascii_digit())
            || crate::kallelse::layout::unfinished(&draft.title)
            || (self.title_line_full
                && !text.ends_with(['.', ':'])
                && !text.contains(|c: char| c.is_ascii_digit()));
        let something_else = NUMBERED.is_match(text)
            || LETTERED.is_match(text)
            || PRESENTERS.is_match(text)
            || PROPOSAL.is_match(text)
            || PART.is_match(text)
            || text.starts_with('(')
            || START_TIME.is_match(text)
            || INLINE_SPAN.find(text).is_some_and(|m| m.start() == 0);
        if !goes_on || something_else {
            return false;
        }
        let times = times_in(text);
        let (span, minutes) = (times.span, times.minutes);
        // A comma before times taken out goes with them; one at the line's
        // end is the title's own when the next line goes on with it.
        let rest = if span.is_some() || minutes.is_some() {
            times.rest.trim_end_matches([':', ','])
        } else {
            times.rest.trim_end_matches(':')
        };
        draft.title = format!("{} {rest}", draft.title).trim().to_string();
        if draft.clock.is_none()
            && let Some(Ok((start, end))) = span
        {
            draft.clock = Some((start, end, draft.line));
        }
        draft.minutes = draft.minutes.or(minutes);
        self.title_joined = true;
        self.title_line_full = text.chars().count() >= WRAPPED_TITLE;
        true
    }

    fn try_item(&mut self, clean: &Clean, line: usize) -> bool {
        let Some(c) = NUMBERED.captures(&clean.text) else {
            return false;
        };
        let Ok(n) = c[1].parse::<u32>() else {
            return false;
        };
        let delimiter = if &c[2] == ")" { ')' } else { '.' };
        let continues_list = self
            .list_last
            .is_some_and(|(last, d)| n == last + 1 && d == delimiter);
        let is_item = n == self.next_number
            && (clean.heading > 0
                || (!clean.bullet && !continues_list && !self.previous_ends_with_colon));
        if !is_item {
            self.list_last = Some((n, delimiter));
            return false;
        }
        let times = times_in(&c[3]);
        let draft_clock = self.span_at(times.span, line);
        let minutes = times.minutes;
        let title = times
            .rest
            .trim()
            .trim_end_matches([':', ','])
            .trim()
            .to_string();
        // "6. Paus, kl. 10.15 – 10.30": a break numbered as an item; the
        // items after it keep the notice's numbers.
        let mut draft = if is_break(&title) {
            Draft::new(EntryType::Break, None, break_word(&title), line)
        } else {
            Draft::new(EntryType::Item, Some(n), title, line)
        };
        draft.clock = draft_clock;
        draft.minutes = minutes;
        self.drafts.push(draft);
        self.next_number = n + 1;
        self.list_last = None;
        self.in_proposal = false;
        self.title_line_full = clean.text.chars().count() >= WRAPPED_TITLE;
        true
    }

    /// A span found on `line`, or its text kept as a [`BadClock`].
    fn span_at(
        &mut self,
        span: Option<Result<(NaiveTime, NaiveTime), String>>,
        line: usize,
    ) -> Option<(NaiveTime, NaiveTime, usize)> {
        match span? {
            Ok((start, end)) => Some((start, end, line)),
            Err(text) => {
                self.bad_clocks.push(BadClock { line, text });
                None
            }
        }
    }

    fn try_break(&mut self, clean: &Clean, line: usize) -> bool {
        if clean.text.chars().count() > 60 || !self.started() {
            return false;
        }
        let Some(c) = BREAK.captures(&clean.text) else {
            return false;
        };
        let detail = c[2].to_string();
        let mut draft = Draft::new(EntryType::Break, None, break_word(&c[1]), line);
        let detail = detail.trim_matches(|c| c == '(' || c == ')').to_string();
        if let Some(span) = BARE_SPAN.captures(&detail) {
            match (clock(&span[1], &span[2]), clock(&span[3], &span[4])) {
                (Some(start), Some(end)) => draft.clock = Some((start, end, line)),
                _ => self.bad_clocks.push(BadClock {
                    line,
                    text: span[0].to_string(),
                }),
            }
        } else if let Some(m) = BREAK_MINUTES.captures(&detail) {
            draft.minutes = minutes_of(&m[1]);
        } else if !detail.is_empty() {
            return false;
        }
        self.drafts.push(draft);
        self.in_proposal = false;
        true
    }

    /// Reads a line inside an entry; `false` when nothing in it was used.
    fn body(&mut self, clean: &Clean, line: usize, continuation: Option<&str>) -> bool {
        let Some(draft) = self.drafts.last_mut() else {
            return false;
        };
        let text = clean.text.as_str();
        let list_like =
            clean.bullet || clean.indent > 0 || NUMBERED.is_match(text) || LETTERED.is_match(text);
        if !list_like {
            self.list_last = None;
        }
        if self.in_proposal {
            let stays = list_like || !self.after_blank;
            if stays && !PRESENTERS.is_match(text) && clean.links.is_empty() {
                if let Some(proposal) = draft.proposal.as_mut() {
                    // A list's lines begin with their marks; an indented
                    // line without one is the line above wrapped.
                    let marked = clean.bullet || NUMBERED.is_match(text) || LETTERED.is_match(text);
                    let separator = if marked || proposal.is_empty() {
                        "\n"
                    } else {
                        " "
                    };
                    if !proposal.is_empty() {
                        proposal.push_str(separator);
                    }
                    proposal.push_str(text);
                }
                return true;
            }
            self.in_proposal = false;
        }
        if !clean.links.is_empty() {
            draft.documents.extend(clean.links.iter().cloned());
            return true;
        }
        if let Some(c) = PRESENTERS.captures(text) {
            let mut value = c[1].to_string();
            if let Some(more) = continuation {
                value.push(' ');
                value.push_str(more);
            }
            draft.presenters.extend(names::presenters(&value));
            return true;
        }
        if let Some(c) = PROPOSAL.captures(text) {
            draft.proposal = Some(c[1].trim().to_string());
            self.in_proposal = true;
            return true;
        }
        if draft.clock.is_none() && draft.entry_type == EntryType::Item {
            // A line that is only a time: "kl. 13.25–13.50", "(20 minuter,
            // kl. 13.05 – 13.25)".
            let times = times_in(text);
            let only_times = times
                .rest
                .trim_matches(|c: char| !c.is_alphanumeric())
                .is_empty();
            if let Some(span) = times.span.filter(|_| only_times) {
                match span {
                    Ok((start, end)) => draft.clock = Some((start, end, line)),
                    Err(text) => self.bad_clocks.push(BadClock { line, text }),
                }
                draft.minutes = draft.minutes.or(times.minutes);
                return true;
            }
            if let Some(d) = DURATION.captures(text)
                && d[0].len() + 2 >= text.len()
            {
                draft.minutes = draft.minutes.or_else(|| minutes_of(&d[1]));
                return true;
            }
        }
        if let Some(c) = LETTERED.captures(text) {
            if draft.proposal.is_some() {
                return false;
            }
            draft.sub_items.push(SubItem {
                letter: c[1].to_string(),
                title: c[2].trim_end_matches(':').trim().to_string(),
            });
            return true;
        }
        // A sub-item's title wrapped onto the next line ("… nytt hälso- och"
        // "sjukvårdsavtal").
        if let Some(last) = draft.sub_items.last_mut()
            && (super::layout::unfinished(&last.title) || last.title.ends_with('-'))
            && text.starts_with(char::is_lowercase)
        {
            last.title.push(' ');
            last.title.push_str(text);
            return true;
        }
        if draft.sub_items.is_empty()
            && let Some(c) = PART.captures(text)
        {
            let mut label = c[1].to_string();
            if let Some(first) = label.get(..1) {
                label = first.to_uppercase() + &label[1..];
            }
            draft.parts.push(Part {
                label,
                minutes: c.get(2).and_then(|m| minutes_of(m.as_str())),
            });
            return true;
        }
        false
    }
}

/// Clock times and a length found in a line, and the text left.
struct Times {
    /// The line without them.
    rest: String,
    /// The span, or its text when it is no valid time of day.
    span: Option<Result<(NaiveTime, NaiveTime), String>>,
    /// A stated length in minutes.
    minutes: Option<u32>,
}

/// Takes the clock times and length out of a line: "(20 min, kl. 13.05 –
/// 13.25)", ", kl. 09.10 – 09.40" or "08.40–09.10" anywhere, and "(30 min)".
fn times_in(text: &str) -> Times {
    let mut rest = text.to_string();
    let mut span = None;
    let mut minutes = None;
    let found = CLOCK_SPAN
        .captures(text)
        .or_else(|| INLINE_SPAN.captures(text));
    if let Some(c) = found {
        let at = c.len() - 4;
        span = Some(
            match (clock(&c[at], &c[at + 1]), clock(&c[at + 2], &c[at + 3])) {
                (Some(start), Some(end)) => Ok((start, end)),
                _ => Err(c[0].trim().to_string()),
            },
        );
        if at == 2 {
            minutes = c.get(1).and_then(|m| minutes_of(m.as_str()));
        }
        rest = rest.replace(&c[0], "");
    }
    if let Some(d) = DURATION.captures(&rest.clone()) {
        minutes = minutes.or_else(|| minutes_of(&d[1]));
        rest = rest.replace(&d[0], "");
    }
    Times {
        rest: rest.trim().to_string(),
        span,
        minutes,
    }
}

/// Whether a title is a break alone ("Paus", "Fika", "Lunch", "Kaffepaus").
pub fn is_break(title: &str) -> bool {
    BREAK
        .captures(title.trim())
        .is_some_and(|c| c[2].trim_matches(|c: char| !c.is_alphanumeric()).is_empty())
}

/// Whether an agenda's line is an entry without a number of its own: a
/// break, alone or with its length or time ("Paus 20 minuter", "Lunch kl.
/// 12.00–13.00", not "Lunch med besök på skolan"), or a lettered sub-item
/// ("a) Avsägelse …").
pub fn is_unnumbered(text: &str) -> bool {
    let text = text.trim();
    let timed_break = BREAK.captures(text).is_some_and(|c| {
        c[2].split(|ch: char| !ch.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .all(|w| {
                w.chars().all(|ch| ch.is_ascii_digit())
                    || matches!(
                        w.to_lowercase().as_str(),
                        "min" | "minuter" | "kl" | "klockan"
                    )
            })
    });
    timed_break || LETTERED.is_match(text)
}

/// "LUNCH", "kaffepaus" → "Lunch", "Kaffepaus".
fn break_word(title: &str) -> String {
    let word = BREAK
        .captures(title.trim())
        .map_or_else(|| title.trim().to_string(), |c| c[1].to_string());
    let mut out: String = word.chars().take(1).flat_map(char::to_uppercase).collect();
    out.extend(word.chars().skip(1).flat_map(char::to_lowercase));
    out
}

/// Settles what a draft's lines imply once the agenda is read: an entry
/// with a start time alone ends where the next entry starts (the last
/// at the meeting's end); an item without a length of its own lasts as
/// long as its parts' stated lengths together.
pub fn settle(drafts: &mut [Draft], meeting_end: Option<NaiveTime>) {
    for i in 0..drafts.len() {
        if drafts[i].minutes.is_none() && drafts[i].clock.is_none() {
            let parts: Vec<u32> = drafts[i].parts.iter().filter_map(|p| p.minutes).collect();
            if !parts.is_empty() {
                drafts[i].minutes = Some(parts.iter().fold(0u32, |a, m| a.saturating_add(*m)));
            }
        }
        let Some((start, line)) = drafts[i].start_only else {
            continue;
        };
        let next_start = drafts[i + 1..]
            .iter()
            .find_map(|d| d.clock.map(|(s, _, _)| s).or(d.start_only.map(|(s, _)| s)));
        if let Some(end) = next_start.or(meeting_end)
            && end >= start
            && drafts[i].clock.is_none()
        {
            drafts[i].clock = Some((start, end, line));
        }
    }
}

/// Whether a presenter line continues on the next line: it ends with a
/// comma, or the next line begins with "och".
pub fn presenters_continue(current: &str, next: &str) -> bool {
    PRESENTERS.is_match(current)
        && (current.trim_end().ends_with(',') || next.trim_start().starts_with("och "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kallelse::markup::clean;

    fn read(text: &str) -> Agenda {
        let mut agenda = Agenda::new();
        for (i, line) in text.lines().enumerate() {
            let c = clean(line);
            if c.text.is_empty() {
                agenda.blank();
            } else {
                let _ = agenda.line(&c, i + 1, None);
            }
        }
        agenda
    }

    #[test]
    fn proposal_lists_are_not_items() {
        let agenda = read(
            "1. Öppnande\n2. Beslut\n\nFörslag till ställningstagande: SRO ställer sig bakom:\n\n1. Ny tidsplan\n2. Per capsulam\n3. Rapport\n\n3. Nästa punkt\n",
        );
        let titles: Vec<&str> = agenda.drafts.iter().map(|d| d.title.as_str()).collect();
        assert_eq!(titles, vec!["Öppnande", "Beslut", "Nästa punkt"]);
        assert_eq!(
            agenda.drafts[1].proposal.as_deref(),
            Some("SRO ställer sig bakom:\n1. Ny tidsplan\n2. Per capsulam\n3. Rapport")
        );
    }

    #[test]
    fn times_parts_and_breaks() {
        let agenda = read(
            "1. Nära Vård (40 min, bilagor)\n1) Ökade insatser\n2) Stärka\n2. Avtalet\n- Information 10 minuter\n- Dialog och ställningstagande 10 minuter\n- (20 minuter, kl 14:30 - 14.50)\n- Paus 15 minuter\n3. Sist\n",
        );
        assert_eq!(agenda.drafts[0].title, "Nära Vård");
        assert_eq!(agenda.drafts[0].minutes, Some(40));
        let item = &agenda.drafts[1];
        assert_eq!(
            item.clock.map(|(s, e, _)| (s.to_string(), e.to_string())),
            Some(("14:30:00".into(), "14:50:00".into()))
        );
        assert_eq!(item.parts[1].label, "Dialog och ställningstagande");
        assert_eq!(item.parts[1].minutes, Some(10));
        assert_eq!(agenda.drafts[2].entry_type, EntryType::Break);
        assert_eq!(agenda.drafts[2].minutes, Some(15));
        assert_eq!(agenda.drafts[3].number, Some(3));
    }

    #[test]
    fn an_impossible_clock_is_reported_with_its_line() {
        let agenda = read("1. Punkt\n(20 minuter, kl. 13.65 – 14.25)\n");
        assert_eq!(agenda.bad_clocks.len(), 1);
        assert_eq!(agenda.bad_clocks[0].line, 2);
    }
}
