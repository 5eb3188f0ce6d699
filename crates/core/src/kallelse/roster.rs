//! The list of those called: headings that give the side ("För … (VGK)")
//! and the category ("Kommunpolitiker", "Tjänstepersoner"), one person per
//! line, lines broken over two, and two-column layouts (a table, or two
//! columns run together by a PDF-to-text conversion).

use std::sync::LazyLock;

use regex::Regex;

use super::markup::{clean, pattern};
use super::names::{organisation_of_segment, reads_as_name, role_of_segment, split_name};
use crate::model::{Category, Participant, Seat};

static SIDE: LazyLock<Regex> = LazyLock::new(|| pattern(r"För [^()]*?\(([A-ZÅÄÖ]{2,8})\)"));
static PARTY: LazyLock<Regex> = LazyLock::new(|| pattern(r"^\(([A-ZÅÄÖ]{1,3})\)"));
static ABSENCE: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"(?i)\((förhinder|förhindrad|förhindrade|förhindrat)\)"));
static SUBSTITUTE: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"(?i)\(ersätter ([^()]+?)(?: vid behov)?\)"));
static SERVING_FOR: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"^för\s+([^()]+?)(?:\s*\([A-ZÅÄÖ]{1,3}\))?$"));
static DOUBLE_SPACE: LazyLock<Regex> = LazyLock::new(|| pattern(r"\S(\s{2,})\S"));

/// What a heading line says about the people under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Heading {
    /// "För Västra Götalandsregionen (VGR)": the side(s), one per column.
    Sides(Vec<String>),
    /// "Kallade": those called follow, under headings of their own or none.
    Called,
    /// "Tjänstepersoner": the category; `resets_side` for "Övriga deltagare".
    Category {
        /// The category of those under the heading.
        category: Option<Category>,
        /// The heading starts a group outside the sides ("Övriga deltagare").
        resets_side: bool,
        /// Their seat and the items they are called for, where it says.
        tag: Tag,
    },
}

/// What a heading says of the seat of those under it ("Ledamöter",
/// "Ersättare") and the items they are called for ("Adjungerade punkt 10
/// och 11").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tag {
    /// Member or deputy.
    pub seat: Option<Seat>,
    /// The agenda numbers they are called for.
    pub items: Option<Vec<String>>,
}

/// The item numbers a heading names after "punkt"/"punkterna": "punkt 10
/// och 11" gives 10 and 11.
fn heading_items(lower: &str) -> Option<Vec<String>> {
    let at = lower.find("punkt")?;
    let numbers: Vec<String> = lower[at..]
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| w.chars().next().is_some_and(|c| c.is_ascii_digit()))
        .map(str::to_string)
        .collect();
    (!numbers.is_empty()).then_some(numbers)
}

/// A heading that gives the seat ("Ledamöter", "Ersättare"): the category
/// of each person under it is their own (a party makes a politician; a
/// company board's employee representatives have none).
fn seat_group(tag: Tag) -> Option<Heading> {
    Some(Heading::Category {
        category: None,
        resets_side: false,
        tag,
    })
}

/// Classifies a cleaned line as a roster heading.
pub fn heading(text: &str) -> Option<Heading> {
    let sides: Vec<String> = SIDE.captures_iter(text).map(|c| c[1].to_string()).collect();
    if !sides.is_empty() && text.starts_with("För ") {
        return Some(Heading::Sides(sides));
    }
    let trimmed = text.trim_end_matches(':');
    // "Sekreterare: Elin Forsberg" is a label with its value, no heading;
    // a sentence ("…nämndsekreteraren i god tid.") is none either.
    if trimmed.contains(',')
        || trimmed.contains(':')
        || trimmed.ends_with('.')
        || trimmed.starts_with(char::is_lowercase)
        || trimmed.split_whitespace().count() > 5
    {
        return None;
    }
    let lower = trimmed.to_lowercase();
    let starts = |prefixes: &[&str]| prefixes.iter().any(|p| lower.starts_with(p));
    let mut tag = Tag {
        seat: None,
        items: heading_items(&lower),
    };
    // Headings that are the whole line, checked before the prefixes: a
    // line like "Övriga frågor" is an agenda item, not "Övriga".
    let group = |category: Category| {
        Some(Heading::Category {
            category: Some(category),
            resets_side: true,
            tag: tag.clone(),
        })
    };
    match lower.as_str() {
        "kallade" | "kallas" | "kallade ledamöter och ersättare" => {
            return Some(Heading::Called);
        }
        "övriga"
        | "övriga kallade"
        | "övriga deltagare"
        | "övriga närvarande"
        | "närvarande"
        | "deltagare" => return group(Category::Official),
        "inbjudna" | "inbjuden" | "gäster" | "inbjudna gäster" => return group(Category::Guest),
        _ => {}
    }
    let category = if starts(&[
        "ersättare",
        "tjänstgörande ersättare",
        "suppleant",
        "personliga ersättare",
    ]) {
        tag.seat = Some(Seat::Deputy);
        return seat_group(tag);
    } else if starts(&["ledamöter", "ledamot", "ordinarie ledamöter"]) {
        tag.seat = Some(Seat::Member);
        return seat_group(tag);
    } else if starts(&[
        "kommunpolitiker",
        "regionpolitiker",
        "politiker",
        "förtroendevalda",
    ]) {
        Category::Politician
    } else if starts(&["tjänstepers", "tjänstemän"]) {
        Category::Official
    } else if starts(&["adjungerad"]) {
        Category::Adjunct
    } else if starts(&[
        "administration",
        "sekreterare",
        "mötessekreterare",
        "nämndsekreterare",
        "kommunsekreterare",
        "sekretariat",
    ]) {
        Category::Administration
    } else if starts(&["övriga deltagare"]) {
        return group(Category::Official);
    } else {
        return None;
    };
    Some(Heading::Category {
        category: Some(category),
        resets_side: false,
        tag,
    })
}

/// The seat a word gives ("ledamot", "Ersättare", "suppleant").
pub fn seat_word(word: &str) -> Option<Seat> {
    match word.trim().trim_end_matches('.').to_lowercase().as_str() {
        "ledamot" | "ordinarie ledamot" => Some(Seat::Member),
        "ersättare" | "suppleant" | "personlig ersättare" => Some(Seat::Deputy),
        _ => None,
    }
}

/// The items a description segment calls a person for: "punkt 4 och 5"
/// gives 4 and 5; "hela sammanträdet" gives the whole meeting (`None`).
/// `Some` when the segment is such a statement at all.
fn items_statement(segment: &str) -> Option<Option<Vec<String>>> {
    let lower = segment.trim().to_lowercase();
    if matches!(lower.as_str(), "hela sammanträdet" | "hela mötet") {
        return Some(None);
    }
    if lower.starts_with("punkt") {
        return heading_items(&lower).map(Some);
    }
    None
}

/// A person read from one roster cell.
pub fn person(text: &str, category: Option<Category>, side: Option<&str>) -> Option<Participant> {
    let text = text.trim();
    let (name, rest_at) = split_name(text)?;
    let mut rest = text[rest_at..].trim();
    let mut party = None;
    if let Some(c) = PARTY.captures(rest) {
        party = Some(c[1].to_string());
        rest = rest[c[0].len()..]
            .trim_start()
            .trim_start_matches(',')
            .trim();
    }
    // "Johan Berglind (S) för Bo Nilsson (S)": serving for a member.
    let serving_for = SERVING_FOR
        .captures(rest)
        .and_then(|c| split_name(&c[1]).map(|(name, _)| name));
    if serving_for.is_some() {
        rest = "";
    }
    let notified_absence = ABSENCE.is_match(rest);
    let substitute_for = SUBSTITUTE
        .captures(rest)
        .map(|c| c[1].trim().to_string())
        .or(serving_for);
    let rest = ABSENCE.replace_all(rest, "").into_owned();
    let rest = SUBSTITUTE.replace_all(&rest, "");
    // A segment that only gives the seat or the items called for is no
    // description ("…, ersättare", "…, punkt 4 och 5").
    let mut seat = None;
    let mut items = None;
    let rest: Vec<&str> = rest
        .split(',')
        .filter(|segment| {
            if let Some(s) = seat_word(segment) {
                seat = Some(s);
                return false;
            }
            if let Some(i) = items_statement(segment) {
                items = i;
                return false;
            }
            true
        })
        .collect();
    let rest = rest.join(",");
    let mut participant = Participant {
        name,
        party: party.clone(),
        organisation: None,
        side: side.map(str::to_string),
        category: category.unwrap_or(if party.is_some() {
            Category::Politician
        } else {
            Category::Official
        }),
        role: None,
        invited: false,
        description: None,
        notified_absence,
        substitute_for,
        seat,
        items,
    };
    set_description(&mut participant, &rest);
    Some(participant)
}

/// Sets description, organisation and role from the text after the name.
pub fn set_description(participant: &mut Participant, text: &str) {
    let segments: Vec<&str> = text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    participant.role = segments.iter().find_map(|s| role_of_segment(s));
    participant.organisation = segments
        .iter()
        .find(|s| role_of_segment(s).is_none())
        .and_then(|s| organisation_of_segment(s));
    participant.description = (!segments.is_empty()).then(|| segments.join(", "));
}

/// Where a parenthesis left open at the end of a text begins.
fn open_paren(text: &str) -> Option<usize> {
    let at = text.rfind('(')?;
    (!text[at..].contains(')')).then_some(at)
}

/// A roster block read.
#[derive(Debug)]
pub struct Finished {
    /// The people, in reading order.
    pub people: Vec<Participant>,
    /// Lines inside the roster that read as no person: the notice is
    /// refused with them.
    pub unread: Vec<Unread>,
    /// Seats written vacant ("Vakant (SD)", "vakant, vice ordförande"):
    /// no person, and no fault of the notice; named for the secretary.
    pub vacant: Vec<Unread>,
}

/// People grouped under one heading in one column.
#[derive(Debug)]
struct Group {
    row: usize,
    column: usize,
    side: Option<String>,
    category: Option<Category>,
    tag: Tag,
    people: Vec<Participant>,
}

/// How the lines of a roster block are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// One person per line.
    Single,
    /// Two columns run together on each line (PDF text).
    TwoColumns,
    /// Tab-separated table rows.
    Table,
}

pub use super::Unread;

/// A roster being read: from its first heading to the first line that is
/// neither a person, a heading nor a continuation (and not followed by
/// one: a line not understood inside the roster is kept in `unread`).
#[derive(Debug)]
pub struct Block {
    layout: Layout,
    groups: Vec<Group>,
    current: Vec<usize>,
    row: usize,
    unread: Vec<Unread>,
    /// Per column: the last cell taken ended in a comma, so what wraps
    /// onto the next line is a new segment of the description.
    comma: Vec<bool>,
    /// Where (in characters) the right column of a two-column layout was
    /// last seen to begin: a line indented that far is the right column's
    /// alone, and a line is cut there where its columns touch.
    right_at: Option<usize>,
    /// The row of the last line taken.
    taken_row: usize,
    /// The people read so far.
    count: usize,
    /// Seats written vacant.
    vacant: Vec<Unread>,
    /// The number of the line being fed.
    line: usize,
}

impl Block {
    /// Starts a block at a heading or a table header.
    pub fn start(line: &str) -> Option<Block> {
        let cleaned = clean(line).text;
        // Headings side by side: "Ledamöter⇥Ersättare" (a Word table) or
        // "Ledamöter        Ersättare" (columns of a PDF's text).
        let (layout, cells): (Layout, Vec<String>) = if line.contains('\t') {
            (
                Layout::Table,
                line.split('\t').map(|c| clean(c).text).collect(),
            )
        } else {
            let cells = split_columns(line);
            (
                Layout::TwoColumns,
                cells.iter().map(|c| clean(c).text).collect(),
            )
        };
        let filled = cells.iter().filter(|c| !c.is_empty()).count();
        if filled >= 2
            && cells
                .iter()
                .filter(|c| !c.is_empty())
                .all(|c| matches!(heading(c), Some(Heading::Category { .. })))
        {
            let mut block = Block::new(layout);
            for (column, cell) in cells.iter().enumerate() {
                if let Some(Heading::Category { category, tag, .. }) = heading(cell) {
                    block.open_group(column, None, category, tag);
                }
            }
            return Some(block);
        }
        // Short headings side by side, no person among them: each
        // column's heading ("Styrgrupp Region⇥Styrgrupp Kommun"), a side
        // where one is named; in a PDF's columns, only headings naming
        // their side (other text is set in columns too).
        {
            let any_person = cells.iter().any(|c| split_name(c).is_some());
            let names_side = |c: &String| {
                SIDE.is_match(c)
                    || c.rsplit(' ').next().is_some_and(|w| {
                        let w = w.to_lowercase();
                        [
                            "region",
                            "regionen",
                            "kommun",
                            "kommunen",
                            "kommuner",
                            "kommunerna",
                        ]
                        .contains(&w.as_str())
                    })
            };
            let sides =
                layout == Layout::Table || cells.iter().filter(|c| !c.is_empty()).all(names_side);
            if filled >= 2
                && sides
                && !any_person
                && cells.iter().all(|c| c.split_whitespace().count() <= 5)
            {
                let mut block = Block::new(layout);
                for (column, cell) in cells.iter().enumerate() {
                    let side = SIDE
                        .captures(cell)
                        .map(|c| c[1].to_string())
                        .or_else(|| (!cell.is_empty()).then(|| cell.clone()));
                    block.open_group(column, side, None, Tag::default());
                }
                return Some(block);
            }
        }
        match heading(&cleaned)? {
            Heading::Sides(sides) if sides.len() >= 2 => {
                let mut block = Block::new(Layout::TwoColumns);
                for (column, side) in sides.into_iter().enumerate().take(2) {
                    block.open_group(column, Some(side), None, Tag::default());
                }
                Some(block)
            }
            Heading::Sides(sides) => {
                let mut block = Block::new(Layout::Single);
                block.open_group(0, sides.into_iter().next(), None, Tag::default());
                Some(block)
            }
            Heading::Category {
                category,
                resets_side: _,
                tag,
            } => {
                let mut block = Block::new(Layout::Single);
                block.open_group(0, None, category, tag);
                Some(block)
            }
            Heading::Called => {
                let mut block = Block::new(Layout::Single);
                block.open_group(0, None, None, Tag::default());
                Some(block)
            }
        }
    }

    fn new(layout: Layout) -> Block {
        Block {
            layout,
            groups: Vec::new(),
            current: Vec::new(),
            row: 0,
            unread: Vec::new(),
            comma: Vec::new(),
            right_at: None,
            taken_row: 0,
            count: 0,
            vacant: Vec::new(),
            line: 0,
        }
    }

    fn open_group(
        &mut self,
        column: usize,
        side: Option<String>,
        category: Option<Category>,
        tag: Tag,
    ) {
        if self.current.len() <= column {
            self.current.resize(column + 1, usize::MAX);
        }
        self.groups.push(Group {
            row: self.row,
            column,
            side,
            category,
            tag,
            people: Vec::new(),
        });
        self.current[column] = self.groups.len() - 1;
    }

    /// The line's cells, as this block's layout splits them.
    fn cells(&self, line: &str) -> Vec<String> {
        match self.layout {
            Layout::Single => vec![line.to_string()],
            Layout::Table => line.split('\t').map(str::to_string).collect(),
            Layout::TwoColumns => two_columns(line, self.right_at).0,
        }
    }

    /// Takes line `number` if it belongs to the roster; `false` ends the
    /// block (unless [`Block::keep`] keeps it). A line of markup alone
    /// (`<b>`, `</td>`) is as good as blank; a cell not understood on a
    /// line otherwise taken is kept as [`Unread`].
    pub fn feed(&mut self, line: &str, number: usize) -> bool {
        self.row += 1;
        self.line = number;
        if clean(line).text.is_empty() {
            return true;
        }
        if self.layout == Layout::TwoColumns {
            self.right_at = two_columns(line, self.right_at).1.or(self.right_at);
        }
        let mut took = false;
        let mut unread = Vec::new();
        let cells = self.cells(line);
        // Both columns on the line: a word alone in one of them is the
        // entry above it wrapped, not the roster's end.
        let paired = cells.iter().filter(|c| !clean(c).text.is_empty()).count() >= 2;
        for (column, cell) in cells.iter().enumerate() {
            let text = clean(cell).text;
            if text.is_empty() {
                continue;
            }
            if self.cell(column, &text, paired) {
                if self.comma.len() <= column {
                    self.comma.resize(column + 1, false);
                }
                self.comma[column] = text.ends_with(',');
                took = true;
            } else {
                unread.push(Unread { line: number, text });
            }
        }
        if took {
            self.unread.extend(unread);
            self.taken_row = self.row;
        }
        took
    }

    /// Whether `line` reads as roster content (a heading, a person, or a
    /// name behind stray characters, in one of its cells): a line refused
    /// just before it was inside the roster, not its end.
    pub fn accepts(&self, line: &str) -> bool {
        self.cells(line).iter().any(|cell| {
            let text = clean(cell).text;
            heading(&text).is_some() || reads_as_name(&text)
        })
    }

    /// Keeps a refused line inside the roster as [`Unread`] (the roster
    /// goes on after it).
    pub fn keep(&mut self, line: &str, number: usize) {
        self.unread.push(Unread {
            line: number,
            text: clean(line).text,
        });
    }

    /// Whether a cell goes on with the entry above it in its column: it
    /// begins in lower case or with "(förhinder)", or it is a word that is
    /// no name ("Kommunförbundet", an organisation wrapped in a PDF) beside
    /// the other column's text or after an entry with an organisation
    /// ("Ann-Sofie Rundberg, Västra" "Götalandsregionen").
    fn continues(&self, column: usize, text: &str, paired: bool) -> bool {
        let Some(last) = self.last_in(column) else {
            return false;
        };
        // One word, but for the marks that may wrap with it.
        let bare = SUBSTITUTE
            .replace_all(&ABSENCE.replace_all(text, ""), "")
            .to_string();
        let word = !reads_as_name(text) && bare.split_whitespace().count() == 1;
        // Right under the entry (no blank line between) and no heading.
        let wrapped = self.taken_row + 1 == self.row
            && (last.organisation.is_some() || last.description.is_some())
            && !super::is_agenda_heading(text);
        text.starts_with(|c: char| c.is_lowercase() || c == '(') || (word && (paired || wrapped))
    }

    /// Whether the entry above in this column ends in a parenthesis left
    /// open, so the cell goes on with it whatever it reads as: "…,
    /// Svenljunga kommun (ersätter" "Monika Holmgren vid behov)".
    fn mark_open(&self, column: usize, paired: bool) -> bool {
        (paired || self.taken_row + 1 == self.row)
            && self
                .last_in(column)
                .and_then(|p| p.description.as_deref())
                .and_then(open_paren)
                .is_some()
    }

    /// The last person read in a column's current group.
    fn last_in(&self, column: usize) -> Option<&Participant> {
        self.current
            .get(column)
            .and_then(|g| self.groups.get(*g))
            .and_then(|g| g.people.last())
    }

    fn cell(&mut self, column: usize, text: &str, paired: bool) -> bool {
        // A column with no group yet: past the end, or skipped over when a
        // later column opened one (marked usize::MAX).
        if self.current.get(column).is_none_or(|&g| g == usize::MAX) {
            let side = self
                .current
                .first()
                .and_then(|g| self.groups.get(*g))
                .and_then(|g| g.side.clone());
            self.open_group(column, side, None, Tag::default());
        }
        let group = &self.groups[self.current[column]];
        match heading(text) {
            Some(Heading::Sides(sides)) => {
                let side = sides.into_iter().next();
                self.open_group(column, side, None, Tag::default());
                return true;
            }
            Some(Heading::Category {
                category,
                resets_side,
                tag,
            }) => {
                let side = if resets_side {
                    None
                } else {
                    group.side.clone()
                };
                self.open_group(column, side, category, tag);
                return true;
            }
            Some(Heading::Called) => {
                self.open_group(column, None, None, Tag::default());
                return true;
            }
            None => {}
        }
        if text
            .split(|c: char| !c.is_alphabetic())
            .next()
            .is_some_and(|w| w.eq_ignore_ascii_case("vakant"))
        {
            self.vacant.push(Unread {
                line: self.line,
                text: text.to_string(),
            });
            return true;
        }
        let open = self.mark_open(column, paired);
        if !open && let Some(mut p) = person(text, group.category, group.side.as_deref()) {
            // A seat or items written after the name are the person's own.
            p.seat = p.seat.or(group.tag.seat);
            p.invited = p.category == Category::Guest;
            if p.items.is_none() {
                p.items.clone_from(&group.tag.items);
            }
            let index = self.current[column];
            self.groups[index].people.push(p);
            self.count += 1;
            return true;
        }
        if open || self.continues(column, text, paired) {
            let index = self.current[column];
            if let Some(last) = self.groups[index].people.last_mut() {
                // A mark begun on the line above is read whole.
                let mut text = text.to_string();
                if let Some(d) = last.description.clone()
                    && let Some(at) = open_paren(&d)
                {
                    text = format!("{} {text}", &d[at..]);
                    let before = d[..at].trim().to_string();
                    set_description(last, &before);
                    if before.is_empty() {
                        last.description = None;
                    }
                }
                let text = text.as_str();
                // The marks may be what wrapped: "(förhinder)", "(ersätter
                // Lena Moberg vid behov)".
                last.notified_absence |= ABSENCE.is_match(text);
                if let Some(c) = SUBSTITUTE.captures(text) {
                    last.substitute_for = Some(c[1].trim().to_string());
                }
                let rest = SUBSTITUTE
                    .replace_all(&ABSENCE.replace_all(text, ""), "")
                    .trim()
                    .to_string();
                if !rest.is_empty() {
                    let after_comma = self.comma.get(column).copied().unwrap_or(false);
                    let joined = match &last.description {
                        Some(d) if after_comma => format!("{d}, {rest}"),
                        Some(d) => format!("{d} {rest}"),
                        None => rest,
                    };
                    set_description(last, &joined);
                }
            }
            return true;
        }
        false
    }

    /// How many people the block has read so far (kept as they come: the
    /// import asks after every line).
    pub fn people(&self) -> usize {
        self.count
    }

    /// The people of the block in reading order: column by column within
    /// each band of headings, with the lines not understood and the seats
    /// written vacant.
    pub fn finish(mut self) -> Finished {
        self.groups.sort_by_key(|g| (g.row, g.column));
        Finished {
            people: self.groups.into_iter().flat_map(|g| g.people).collect(),
            unread: self.unread,
            vacant: self.vacant,
        }
    }
}

/// A line of a two-column layout cut into its columns, and where its right
/// column began when a gap of spaces showed it. Where the right column is
/// known (`right_at`, in characters): a line indented that far is the
/// right column's alone; a line whose columns touch is cut at the space
/// nearest that place. Otherwise [`split_columns`].
fn two_columns(line: &str, right_at: Option<usize>) -> (Vec<String>, Option<usize>) {
    let chars: Vec<char> = line.trim_end().chars().collect();
    let indent = chars.iter().take_while(|c| **c == ' ').count();
    if let Some(at) = right_at {
        if indent + 2 >= at && indent > 0 {
            return (vec![String::new(), chars[indent..].iter().collect()], None);
        }
        // A gap of two spaces or more near `at` is the columns' own.
        let gap = DOUBLE_SPACE.find(line).is_some();
        if !gap && chars.len() > at {
            let near = (at.saturating_sub(2)..=(at + 1).min(chars.len() - 1))
                .find(|i| chars[*i] == ' ' && *i > indent);
            if let Some(cut) = near {
                let left: String = chars[..cut].iter().collect();
                let right: String = chars[cut + 1..].iter().collect();
                if split_name(right.trim()).is_some() || right.starts_with(char::is_lowercase) {
                    return (
                        vec![left.trim().to_string(), right.trim().to_string()],
                        None,
                    );
                }
            }
        }
    }
    let cells = split_columns(line);
    let seen = match DOUBLE_SPACE.captures(line.trim_end()) {
        Some(c) if cells.len() == 2 && indent == 0 => {
            c.get(1).map(|m| line[..m.end()].chars().count())
        }
        _ => None,
    };
    (cells, seen)
}

/// Splits a line holding two columns: at a tab, at a run of spaces, or
/// where a second "Förnamn Efternamn," begins after a complete first entry.
fn split_columns(line: &str) -> Vec<String> {
    let trimmed = line.trim();
    if let Some((left, right)) = trimmed.split_once('\t') {
        return vec![left.to_string(), right.to_string()];
    }
    if let Some(c) = DOUBLE_SPACE.captures(trimmed) {
        let gap = c.get(1).map_or(0..0, |m| m.range());
        return vec![
            trimmed[..gap.start].to_string(),
            trimmed[gap.end..].to_string(),
        ];
    }
    let text = clean(trimmed).text;
    // A roster entry's first column is a few words: looking further for
    // where the second begins would make a long line cost its square.
    for (at, _) in text.match_indices(' ').take(12) {
        let (left, right) = (text[..at].trim(), text[at..].trim());
        let balanced = left.matches('(').count() == left.matches(')').count();
        // "Johan Berglind (S) för Bo Nilsson (S)" is one entry.
        if balanced
            && !left.ends_with(',')
            && !left.ends_with(" för")
            && split_name(left).is_some()
            && split_name(right).is_some()
        {
            return vec![left.to_string(), right.to_string()];
        }
    }
    vec![text]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Role;

    #[test]
    fn person_with_party_organisation_and_role() {
        let p = person(
            "Marina Johansson (S), Göteborgsregionen, vice ordförande",
            Some(Category::Politician),
            Some("VGK"),
        )
        .unwrap();
        assert_eq!(p.name, "Marina Johansson");
        assert_eq!(p.party.as_deref(), Some("S"));
        assert_eq!(p.organisation.as_deref(), Some("Göteborgsregionen"));
        assert_eq!(p.role, Some(Role::ViceChair));
        assert_eq!(
            p.description.as_deref(),
            Some("Göteborgsregionen, vice ordförande")
        );
        let p = person(
            "Lars Holmin (M), vice ordförande Regionstyrelsen",
            None,
            None,
        )
        .unwrap();
        assert_eq!(p.role, None);
        assert_eq!(p.category, Category::Politician);
    }

    #[test]
    fn seat_items_and_serving_for_after_the_name() {
        let p = person("Bengt Åkerlund (S), ersättare", None, None).unwrap();
        assert_eq!((p.seat, p.description), (Some(Seat::Deputy), None));
        let p = person("Maria Öberg, ekonomichef, punkt 4 och 5", None, None).unwrap();
        assert_eq!(p.items, Some(vec!["4".to_string(), "5".to_string()]));
        assert_eq!(p.description.as_deref(), Some("ekonomichef"));
        let p = person("Johan Berglind (S) för Bo Nilsson (S)", None, None).unwrap();
        assert_eq!(p.substitute_for.as_deref(), Some("Bo Nilsson"));
        assert_eq!(p.description, None);
    }

    #[test]
    fn absence_and_substitute_marks() {
        let p = person(
            "Karin Looström Muth, Västra Götalandsregionen (förhinder)",
            None,
            None,
        )
        .unwrap();
        assert!(p.notified_absence);
        assert_eq!(p.organisation.as_deref(), Some("Västra Götalandsregionen"));
        let p = person(
            "Sebastian Nydén, Svenljunga kommun (ersätter Monika Holmgren vid behov)",
            None,
            None,
        )
        .unwrap();
        assert_eq!(p.substitute_for.as_deref(), Some("Monika Holmgren"));
        assert!(!p.notified_absence);
        assert_eq!(p.description.as_deref(), Some("Svenljunga kommun"));
    }

    #[test]
    fn columns_run_together_are_split_after_a_complete_entry() {
        assert_eq!(
            split_columns(
                "Axel Josefsson (M), Göteborgsregionen Johnny Magnusson, ordförande Regionstyrelsen, ordförande"
            ),
            vec![
                "Axel Josefsson (M), Göteborgsregionen",
                "Johnny Magnusson, ordförande Regionstyrelsen, ordförande"
            ]
        );
        assert_eq!(
            split_columns(
                "Kristoffer Svensson, Skaraborg Johanna Karlsson Deucher, VGR, sekreterare"
            ),
            vec![
                "Kristoffer Svensson, Skaraborg",
                "Johanna Karlsson Deucher, VGR, sekreterare"
            ]
        );
        assert_eq!(
            split_columns("Martin Carling (C), Fyrbodal"),
            vec!["Martin Carling (C), Fyrbodal"]
        );
        assert_eq!(
            split_columns("Anneli Assmundson Bjerde, beredning  Kaarina Sundelin, VGR"),
            vec![
                "Anneli Assmundson Bjerde, beredning",
                "Kaarina Sundelin, VGR"
            ]
        );
    }

    #[test]
    fn headings() {
        assert_eq!(
            heading("För Västra Götalandsregionen (VGR)"),
            Some(Heading::Sides(vec!["VGR".into()]))
        );
        assert_eq!(
            heading(
                "För Västra Götalands fyra kommunalförbund (VGK) För Västra Götalandsregionen (VGR)"
            ),
            Some(Heading::Sides(vec!["VGK".into(), "VGR".into()]))
        );
        assert!(matches!(
            heading("Adjungerade punkt 10 och 11"),
            Some(Heading::Category {
                category: Some(Category::Adjunct),
                ..
            })
        ));
        assert_eq!(heading("Information och dialog"), None);
        let category = |text: &str| match heading(text) {
            Some(Heading::Category { category, tag, .. }) => Some((category, tag.seat)),
            _ => None,
        };
        assert_eq!(category("Övriga"), Some((Some(Category::Official), None)));
        assert_eq!(
            category("Närvarande"),
            Some((Some(Category::Official), None))
        );
        assert_eq!(category("Inbjudna"), Some((Some(Category::Guest), None)));
        assert_eq!(category("Suppleanter"), Some((None, Some(Seat::Deputy))));
        assert_eq!(
            category("Ordinarie ledamöter"),
            Some((None, Some(Seat::Member)))
        );
        assert_eq!(
            category("Nämndsekreterare"),
            Some((Some(Category::Administration), None))
        );
        assert_eq!(heading("Kallade"), Some(Heading::Called));
        assert_eq!(heading("Övriga frågor"), None);
        assert_eq!(heading("Sekreterare: Elin Forsberg"), None);
    }
}
