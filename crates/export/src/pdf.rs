//! The attendance list as a printable PDF for the signed minutes: A4, one
//! row per participant in the notice's order under the notice's headings
//! (side and category), their stays and the items they were present for,
//! the secretary's corrections marked; the table's header repeated on
//! every page, "Sida N av M" and when it was printed in the footer.
//!
//! A meeting with seats (members and deputies, issue 20) is grouped as
//! Swedish minutes do instead: "Beslutande" (the members present at some
//! moment), "Tjänstgörande ersättare" (the deputies who served, each with
//! whom they stood in for), "Övriga närvarande" (everyone else present:
//! the other deputies, officials, guests) and "Frånvarande"; recusals
//! and remote attendance are noted. A meeting without seats is listed as
//! before.
//!
//! Written with `krilla`: the project's Noto Sans (regular and bold)
//! embedded as TrueType fonts cut to the glyphs the list uses, encoded
//! Identity-H with a ToUnicode map, so every character the font has
//! (Swedish, Finnish and Sami, Polish, Croatian … Greek and Cyrillic: å,
//! Ł, č, ŋ) prints and copies as written. Text is shaped with `rustybuzz`
//! (the font's kerning and accents), measured as shaped to wrap within
//! its column, shrinking a little first for a word wider than it, and
//! set as shaped.
//!
//! The document is PDF/A-2u (ISO 19005-2, level U: fonts embedded,
//! colours device independent, every glyph mapped to Unicode, XMP
//! metadata with the title, the language and the date), as krilla
//! writes and checks it. A list with a character that Noto Sans lacks (a
//! name in Chinese, say) cannot be: such a character would print as the
//! font's empty box (.notdef), which PDF/A forbids. That list is written
//! the same, as a plain PDF 1.7 without the PDF/A claim.

use std::borrow::Cow;

use chrono::{DateTime, Datelike, Offset, Timelike, Utc};
use chrono_tz::Tz;
use krilla::color::luma;
use krilla::configure::{Archival, ConfigurationBuilder};
use krilla::error::KrillaError;
use krilla::geom::{PathBuilder, Point};
use krilla::metadata::{DateTime as PdfDate, Metadata};
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{GlyphId, KrillaGlyph};
use krilla::{Document, SerializeSettings};
use thiserror::Error;

use super::agenda::AgendaRow;
use super::attendance::AttendanceRow;
use motesskylt_core::attendance::join_names;
use motesskylt_core::model::time::{clock_sv, date_sv, local_time};
use motesskylt_core::model::{Category, Meeting, Participant, Role, Seat};

/// A4 in points.
const PAGE_WIDTH: f32 = 595.28;
const PAGE_HEIGHT: f32 = 841.89;
/// The text block: 18 mm either side, the header from 18 mm below the top.
const LEFT: f32 = 51.0;
const RIGHT: f32 = PAGE_WIDTH - 51.0;
const TOP: f32 = PAGE_HEIGHT - 51.0;
/// The table stops above the footer.
const BOTTOM: f32 = 64.0;
/// The footer's baseline.
const FOOTER: f32 = 38.0;
/// Space between a column's text and the next column.
const GUTTER: f32 = 7.0;
/// Space above and below a row's text.
const PAD: f32 = 3.8;
/// A cell longer than this is cut (an ellipsis ends it), so a row always
/// fits on a page.
const MAX_LINES: usize = 12;

/// The table's columns: heading and width in points (together the text
/// block's width).
const COLUMNS: [(&str, f32); 6] = [
    ("Namn", 130.0),
    ("Parti", 32.0),
    ("Organisation", 118.0),
    ("Närvaro", 80.0),
    ("Närvarande vid", 86.0),
    ("Anm.", 47.28),
];

/// How a line of text looks.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Style {
    bold: bool,
    size: f32,
    /// Fill: 0 black … 1 white.
    gray: f32,
}

impl Style {
    /// The distance between baselines.
    fn leading(self) -> f32 {
        self.size * 1.3
    }
}

const TITLE: Style = Style {
    bold: true,
    size: 20.0,
    gray: 0.0,
};
const BODY_NAME: Style = Style {
    bold: true,
    size: 12.0,
    gray: 0.0,
};
const LABEL: Style = Style {
    bold: false,
    size: 8.5,
    gray: 0.42,
};
const VALUE: Style = Style {
    bold: false,
    size: 9.5,
    gray: 0.0,
};
const SUBTLE: Style = Style {
    bold: false,
    size: 9.0,
    gray: 0.35,
};
const HEADING: Style = Style {
    bold: true,
    size: 8.0,
    gray: 0.3,
};
const GROUP: Style = Style {
    bold: true,
    size: 9.0,
    gray: 0.0,
};
const CELL: Style = Style {
    bold: false,
    size: 9.0,
    gray: 0.0,
};
const CELL_NOTE: Style = Style {
    bold: false,
    size: 8.0,
    gray: 0.42,
};
const ABSENT: Style = Style {
    bold: false,
    size: 9.0,
    gray: 0.45,
};
const SMALL: Style = Style {
    bold: false,
    size: 8.0,
    gray: 0.42,
};

/// Why the list could not be written.
#[derive(Debug, Error)]
enum PdfError {
    /// A font compiled into the program did not parse.
    #[error("the embedded font {0} does not parse")]
    Font(&'static str),
    /// The page size was refused (A4 never is).
    #[error("the page size {0} × {1} pt was refused")]
    PageSize(f32, f32),
    /// The PDF/A configuration was refused.
    #[error("the PDF/A configuration was refused: {0:?}")]
    Configuration(krilla::configure::ConfigurationError),
    /// krilla could not write the document; with PDF/A, a validation
    /// error (a character the font lacks) comes here too.
    #[error("the PDF could not be written: {0}")]
    Write(#[from] KrillaError),
}

/// One cut of the family: the font krilla embeds and the face rustybuzz
/// shapes with, from the same data.
struct Font {
    pdf: krilla::text::Font,
    face: rustybuzz::Face<'static>,
}

impl Font {
    fn load(data: &'static [u8], name: &'static str) -> Result<Font, PdfError> {
        Ok(Font {
            pdf: krilla::text::Font::new(data.into(), 0).ok_or(PdfError::Font(name))?,
            face: rustybuzz::Face::from_slice(data, 0).ok_or(PdfError::Font(name))?,
        })
    }

    /// `text` shaped, as the text the glyphs stand for (control
    /// characters, which no font draws, as '?') and the glyphs, each
    /// with the part of that text it stands for and its advance and
    /// offsets in ems.
    fn shape<'t>(&self, text: &'t str) -> (Cow<'t, str>, Vec<KrillaGlyph>) {
        let text = if text.chars().any(char::is_control) {
            Cow::Owned(
                text.chars()
                    .map(|c| if c.is_control() { '?' } else { c })
                    .collect(),
            )
        } else {
            Cow::Borrowed(text)
        };
        let mut buffer = rustybuzz::UnicodeBuffer::new();
        buffer.push_str(&text);
        buffer.guess_segment_properties();
        let shaped = rustybuzz::shape(&self.face, &[], buffer);
        // Units per em and font units are far below f32's exact integers
        // (2^24).
        #[allow(clippy::cast_precision_loss)]
        let em = self.face.units_per_em().max(1) as f32;
        let at = |cluster: u32| usize::try_from(cluster).map_or(text.len(), |i| i.min(text.len()));
        // A cluster's text runs to where the next one (in the text's
        // order, whichever the direction) starts.
        let mut starts: Vec<usize> = shaped.glyph_infos().iter().map(|g| at(g.cluster)).collect();
        starts.sort_unstable();
        starts.dedup();
        let glyphs = shaped
            .glyph_infos()
            .iter()
            .zip(shaped.glyph_positions())
            .map(|(info, position)| {
                let start = at(info.cluster);
                let next = starts.partition_point(|&s| s <= start);
                let end = starts.get(next).copied().unwrap_or(text.len());
                #[allow(clippy::cast_precision_loss)]
                let ems = |units: i32| units as f32 / em;
                KrillaGlyph::new(
                    GlyphId::new(info.glyph_id),
                    ems(position.x_advance),
                    ems(position.x_offset),
                    ems(position.y_offset),
                    ems(position.y_advance),
                    start..end,
                    None,
                )
            })
            .collect();
        (text, glyphs)
    }

    /// The width of `text` at `size` points, as shaped.
    fn width(&self, text: &str, size: f32) -> f32 {
        self.shape(text).1.iter().map(|g| g.x_advance).sum::<f32>() * size
    }
}

/// The project's fonts (ui/fonts, SIL Open Font License).
const REGULAR: &[u8] = include_bytes!("../../../ui/fonts/NotoSans-Regular.ttf");
const BOLD: &[u8] = include_bytes!("../../../ui/fonts/NotoSans-Bold.ttf");

/// The two cuts of the one family.
struct Fonts {
    regular: Font,
    bold: Font,
}

impl Fonts {
    fn load() -> Result<Fonts, PdfError> {
        Ok(Fonts {
            regular: Font::load(REGULAR, "NotoSans-Regular")?,
            bold: Font::load(BOLD, "NotoSans-Bold")?,
        })
    }

    fn get(&self, style: Style) -> &Font {
        if style.bold {
            &self.bold
        } else {
            &self.regular
        }
    }

    fn width(&self, text: &str, style: Style) -> f32 {
        self.get(style).width(text, style.size)
    }

    /// `text` wrapped to `width` in `style`; a word wider than `width`
    /// first shrinks the type, to four fifths at most, before it is broken.
    fn fit(&self, text: &str, style: Style, width: f32) -> Vec<Line> {
        let smallest = style.size * 0.8;
        let mut fitted = style;
        while fitted.size > smallest
            && text
                .split_whitespace()
                .any(|word| self.width(word, fitted) > width)
        {
            fitted.size = (fitted.size - 0.25).max(smallest);
        }
        self.wrap(text, fitted, width)
    }

    /// `text` wrapped to `width` in `style`, as lines.
    fn wrap(&self, text: &str, style: Style, width: f32) -> Vec<Line> {
        wrap(text, width, |t| self.width(t, style))
            .into_iter()
            .map(|text| Line { style, text })
            .collect()
    }
}

/// The longest start of `word` no wider than `width` (at least one
/// character), moved back to just after a hyphen, dash or slash in it if
/// there is one.
fn fitting_prefix(word: &str, width: f32, measure: &impl Fn(&str) -> f32) -> usize {
    let mut end = 0;
    for (i, c) in word.char_indices() {
        let next = i + c.len_utf8();
        if end > 0 && measure(&word[..next]) > width {
            break;
        }
        end = next;
    }
    if end < word.len()
        && let Some((i, c)) = word[..end]
            .char_indices()
            .rev()
            .find(|(_, c)| matches!(c, '-' | '–' | '/'))
    {
        return i + c.len_utf8();
    }
    end
}

/// `text` in lines no wider than `width` as `measure` measures: broken
/// between words; a word wider than a line broken after a hyphen, dash or
/// slash in it, else between characters. Runs of whitespace become one
/// space; no text, no lines.
fn wrap(text: &str, width: f32, measure: impl Fn(&str) -> f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let joined = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if measure(&joined) <= width {
            line = joined;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        let mut rest = word;
        loop {
            let end = fitting_prefix(rest, width, &measure);
            if end == rest.len() {
                line = rest.to_string();
                break;
            }
            lines.push(rest[..end].to_string());
            rest = &rest[end..];
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// A line of text in its style.
#[derive(Debug, Clone, PartialEq)]
struct Line {
    style: Style,
    text: String,
}

/// The height of lines set one under the other.
fn height(lines: &[Line]) -> f32 {
    lines.iter().map(|l| l.style.leading()).sum()
}

/// Where a line's baseline is below its top: the capitals in the middle
/// of the line's height.
fn baseline(style: Style) -> f32 {
    (style.leading() + style.size * 0.714) / 2.0
}

/// How far a cell's first line is set down so that its baseline is the
/// row's, whatever its size.
fn cell_offset(cell: &[Line]) -> f32 {
    cell.first()
        .map_or(0.0, |line| (baseline(CELL) - baseline(line.style)).max(0.0))
}

/// What the table holds, in order.
enum Block {
    /// A heading from the notice ("VGK · Politiker"), kept with the row
    /// after it; and as repeated atop a page where its group goes on
    /// ("VGK · Politiker (forts.)").
    Group {
        heading: Vec<Line>,
        continued: Vec<Line>,
    },
    /// A participant: the lines of each column.
    Row([Vec<Line>; 6]),
    /// The summary and the key under the table.
    Notes(Vec<Line>),
}

/// Space above a group's heading, and between it and its first row.
const GROUP_ABOVE: f32 = 10.0;
const GROUP_BELOW: f32 = 1.0;
/// Space above the notes.
const NOTES_ABOVE: f32 = 12.0;

impl Block {
    fn height(&self) -> f32 {
        match self {
            Block::Group { heading, .. } => GROUP_ABOVE + height(heading) + GROUP_BELOW,
            Block::Row(cells) => {
                cells
                    .iter()
                    .map(|c| cell_offset(c) + height(c))
                    .fold(CELL.leading(), f32::max)
                    + 2.0 * PAD
            }
            Block::Notes(lines) => NOTES_ABOVE + height(lines),
        }
    }
}

/// The heading a participant stands under, as the notice groups them.
fn group_sv(p: &Participant) -> String {
    let kind = match p.category {
        _ if p.invited => "Inbjudna",
        Category::Politician => "Politiker",
        Category::Official => "Tjänstepersoner",
        Category::Adjunct => "Adjungerade",
        Category::Administration => "Administration",
        Category::Guest => "Inbjudna",
    };
    match &p.side {
        Some(side) => format!("{side} · {kind}"),
        None => kind.to_string(),
    }
}

/// Where someone stands in the list of a meeting with seats, as Swedish
/// minutes group those present; in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Standing {
    /// A member present at some moment of the meeting (beslutande).
    Deciding,
    /// A deputy who served for a member (by the minutes' rule, see
    /// [`AttendanceRow::served_for`]).
    Serving,
    /// Anyone else present: deputies who did not serve, officials,
    /// adjuncts, guests.
    Other,
    /// Not present at any moment of the meeting.
    Absent,
}

impl Standing {
    fn of(row: &AttendanceRow) -> Standing {
        if !row.served_for.is_empty() {
            Standing::Serving
        } else if row.at_meeting.is_none() {
            Standing::Absent
        } else if row.participant.seat == Some(Seat::Member) {
            Standing::Deciding
        } else {
            Standing::Other
        }
    }

    /// The heading the minutes give the group.
    fn heading(self) -> &'static str {
        match self {
            Standing::Deciding => "Beslutande",
            Standing::Serving => "Tjänstgörande ersättare",
            Standing::Other => "Övriga närvarande",
            Standing::Absent => "Frånvarande",
        }
    }
}

/// Whether the list is grouped as the minutes group a body with seats:
/// someone in the notice is a member or a deputy.
fn seated(rows: &[AttendanceRow]) -> bool {
    rows.iter().any(|r| r.participant.seat.is_some())
}

/// The rows in the order the list prints them, each with the heading it
/// stands under: with seats ([`seated`]) by [`Standing`], the notice's
/// order within each; without, in the notice's order under the notice's
/// headings ([`group_sv`]).
fn grouped<'r, 'a>(rows: &'r [AttendanceRow<'a>]) -> Vec<(String, &'r AttendanceRow<'a>)> {
    if !seated(rows) {
        return rows.iter().map(|r| (group_sv(r.participant), r)).collect();
    }
    let mut standing: Vec<(Standing, &AttendanceRow)> =
        rows.iter().map(|r| (Standing::of(r), r)).collect();
    // Stable: the notice's order within a group.
    standing.sort_by_key(|(s, _)| *s);
    standing
        .into_iter()
        .map(|(s, r)| (s.heading().to_string(), r))
        .collect()
}

/// The notes under a name in a list with seats: whom a serving deputy
/// stood in for ("ersätter Bo Ek och Eva Grön"); the seat of those whose
/// group does not say it ("ledamot", "ersättare").
fn seat_note(row: &AttendanceRow) -> Option<String> {
    let mut members: Vec<&str> = Vec::new();
    for (member, _) in &row.served_for {
        if !members.contains(&member.name.as_str()) {
            members.push(&member.name);
        }
    }
    match Standing::of(row) {
        Standing::Serving => Some(format!("ersätter {}", join_names(&members))),
        Standing::Deciding => None,
        Standing::Other | Standing::Absent => match row.participant.seat {
            Some(Seat::Member) => Some("ledamot".to_string()),
            Some(Seat::Deputy) => Some("ersättare".to_string()),
            None => None,
        },
    }
}

/// `lines` cut to [`MAX_LINES`], the last ending in an ellipsis.
fn clip(mut lines: Vec<Line>) -> Vec<Line> {
    if lines.len() > MAX_LINES {
        lines.truncate(MAX_LINES);
        if let Some(last) = lines.last_mut() {
            last.text.push('…');
        }
    }
    lines
}

/// The table's content: group headings, rows, notes.
fn blocks(fonts: &Fonts, rows: &[AttendanceRow], agenda: &[AgendaRow], tz: Tz) -> Vec<Block> {
    let width = |column: usize| COLUMNS[column].1 - GUTTER;
    let table_width = RIGHT - LEFT;
    let seated = seated(rows);
    let mut blocks = Vec::new();
    let mut group = None;
    for (heading, row) in grouped(rows) {
        let p = row.participant;
        if group.as_ref() != Some(&heading) {
            blocks.push(Block::Group {
                heading: fonts.wrap(&heading, GROUP, table_width),
                continued: fonts.wrap(&format!("{heading} (forts.)"), GROUP, table_width),
            });
            group = Some(heading);
        }
        let mut name = fonts.fit(&p.name, CELL, width(0));
        let role = match p.role {
            Some(Role::Chair) => Some("ordförande".to_string()),
            Some(Role::ViceChair) => Some("vice ordförande".to_string()),
            None => None,
        };
        // With seats, who served for whom by the log; without, whom the
        // notice names them for.
        let substitute = if seated {
            seat_note(row)
        } else {
            p.substitute_for.as_ref().map(|s| format!("ersätter {s}"))
        };
        for note in role.iter().chain(&substitute) {
            name.extend(fonts.wrap(note, CELL_NOTE, width(0)));
        }
        let presence = if row.at_meeting.is_none() {
            fonts.wrap("Frånvarande", ABSENT, width(3))
        } else {
            row.intervals_sv(tz)
                .split(", ")
                .flat_map(|stay| fonts.wrap(stay, CELL, width(3)))
                .collect()
        };
        let mut notes = Vec::new();
        if row.corrected {
            notes.extend(fonts.wrap("korr.", CELL, width(5)));
        }
        if p.notified_absence {
            notes.extend(fonts.wrap("förhinder", CELL_NOTE, width(5)));
        }
        if seated && row.remote {
            notes.extend(fonts.wrap("distans", CELL_NOTE, width(5)));
        }
        if seated && !row.recused.is_empty() {
            notes.extend(fonts.wrap(&format!("jäv {}", row.recused_sv()), CELL_NOTE, width(5)));
        }
        let cell = |text: Option<&String>, column: usize| {
            text.map(|t| fonts.fit(t, CELL, width(column)))
                .unwrap_or_default()
        };
        blocks.push(Block::Row([
            clip(name),
            clip(cell(p.party.as_ref(), 1)),
            clip(cell(p.organisation.as_ref(), 2)),
            clip(presence),
            clip(cell(Some(&row.items_sv(agenda)), 4)),
            clip(notes),
        ]));
    }
    let present = rows.iter().filter(|r| r.at_meeting.is_some()).count();
    let mut notes = fonts.wrap(
        &format!("Närvarande: {present} av {}.", rows.len()),
        SMALL,
        table_width,
    );
    if rows.iter().any(|r| r.corrected) {
        notes.extend(fonts.wrap(
            "korr. = närvaron registrerad eller ändrad av mötessekreteraren.",
            SMALL,
            table_width,
        ));
    }
    if rows.iter().any(|r| r.participant.notified_absence) {
        notes.extend(fonts.wrap(
            "förhinder = anmält förhinder enligt kallelsen.",
            SMALL,
            table_width,
        ));
    }
    if seated && rows.iter().any(|r| r.remote) {
        notes.extend(fonts.wrap("distans = deltar på distans.", SMALL, table_width));
    }
    if seated && rows.iter().any(|r| !r.recused.is_empty()) {
        notes.extend(fonts.wrap(
            "jäv = jävig i de angivna punkterna, deltar inte i dem.",
            SMALL,
            table_width,
        ));
    }
    blocks.push(Block::Notes(notes));
    blocks
}

/// The facts under the header: label and value.
fn facts(meeting: &Meeting) -> Vec<(&'static str, String)> {
    let mut facts = vec![
        ("Datum", date_sv(meeting.date)),
        (
            "Tid",
            format!("kl. {}–{}", clock_sv(meeting.start), clock_sv(meeting.end)),
        ),
    ];
    if let Some(place) = &meeting.location {
        facts.push(("Plats", place.clone()));
    }
    facts
}

/// Where the facts' values start.
const FACT_INDENT: f32 = 44.0;

/// What a page shows, in PDF's coordinates (points from the bottom
/// left).
#[derive(Debug, Clone, PartialEq)]
enum Mark {
    /// `text` with its baseline from (`x`, `y`).
    Text {
        x: f32,
        y: f32,
        style: Style,
        text: String,
    },
    /// A horizontal rule across the text block.
    Rule { y: f32, width: f32, gray: f32 },
}

/// One page's marks being laid out (a scratch canvas measures).
struct Canvas<'f> {
    fonts: &'f Fonts,
    marks: Vec<Mark>,
}

impl Canvas<'_> {
    /// `text` with its baseline at `y`.
    fn text(&mut self, x: f32, y: f32, style: Style, text: &str) {
        self.marks.push(Mark::Text {
            x,
            y,
            style,
            text: text.to_string(),
        });
    }

    /// `text` ending at `x`.
    fn text_right(&mut self, x: f32, y: f32, style: Style, text: &str) {
        let width = self.fonts.width(text, style);
        self.text(x - width, y, style, text);
    }

    /// Lines set from `top` down; returns where they end.
    fn lines(&mut self, x: f32, top: f32, lines: &[Line]) -> f32 {
        let mut y = top;
        for line in lines {
            self.text(x, y - baseline(line.style), line.style, &line.text);
            y -= line.style.leading();
        }
        y
    }

    /// A horizontal rule across the text block.
    fn rule(&mut self, y: f32, width: f32, gray: f32) {
        self.marks.push(Mark::Rule { y, width, gray });
    }
}

/// The table's header row, from `top`; returns where it ends.
fn column_heads(canvas: &mut Canvas, top: f32) -> f32 {
    let mut x = LEFT;
    let mut bottom = top;
    for (label, width) in COLUMNS {
        let lines = canvas.fonts.wrap(label, HEADING, width - GUTTER);
        bottom = bottom.min(canvas.lines(x, top, &lines));
        x += width;
    }
    let bottom = bottom - 3.0;
    canvas.rule(bottom, 0.8, 0.0);
    bottom
}

/// The height of the table's header row.
fn column_heads_height(fonts: &Fonts) -> f32 {
    COLUMNS
        .iter()
        .map(|(label, width)| height(&fonts.wrap(label, HEADING, width - GUTTER)))
        .fold(0.0, f32::max)
        + 3.0
}

/// Draws the first page's header (title, body, date, time, place);
/// returns where the table starts.
fn draw_first_header(canvas: &mut Canvas, meeting: &Meeting) -> f32 {
    let fonts = canvas.fonts;
    let width = RIGHT - LEFT;
    let mut y = canvas.lines(LEFT, TOP, &fonts.wrap("Närvarolista", TITLE, width)) - 4.0;
    y = canvas.lines(LEFT, y, &fonts.wrap(&meeting.body, BODY_NAME, width));
    if let Some(description) = &meeting.body_description {
        y = canvas.lines(LEFT, y, &fonts.wrap(description, SUBTLE, width));
    }
    y -= 8.0;
    for (label, value) in facts(meeting) {
        let lines = fonts.wrap(&value, VALUE, width - FACT_INDENT);
        canvas.text(LEFT, y - baseline(VALUE), LABEL, label);
        y = canvas.lines(LEFT + FACT_INDENT, y, &lines);
    }
    y - 16.0
}

/// The first page's header height (drawn into a scratch canvas).
fn first_header_height(fonts: &Fonts, meeting: &Meeting) -> f32 {
    let mut scratch = Canvas {
        fonts,
        marks: Vec::new(),
    };
    TOP - draw_first_header(&mut scratch, meeting)
}

/// The running header of the later pages.
fn draw_running_header(canvas: &mut Canvas, meeting: &Meeting) -> f32 {
    let text = format!(
        "Närvarolista · {} · {}",
        meeting.body,
        date_sv(meeting.date)
    );
    let lines = canvas.fonts.wrap(&text, SMALL, RIGHT - LEFT);
    let y = canvas.lines(LEFT, TOP, &lines);
    y - 14.0
}

/// The running header's height.
fn running_header_height(fonts: &Fonts, meeting: &Meeting) -> f32 {
    let mut scratch = Canvas {
        fonts,
        marks: Vec::new(),
    };
    TOP - draw_running_header(&mut scratch, meeting)
}

/// A block on a page: a group's heading `continued` atop a page.
#[derive(Clone, Copy)]
struct Placed<'a> {
    block: &'a Block,
    continued: bool,
}

impl Placed<'_> {
    fn height(self) -> f32 {
        match self.block {
            Block::Group { continued, .. } if self.continued => {
                GROUP_ABOVE + height(continued) + GROUP_BELOW
            }
            block => block.height(),
        }
    }
}

/// The blocks of each page: rows while they fit, a group's heading never
/// last on a page and repeated atop the next page when its rows go on
/// there, every page holding at least one block.
fn paginate(blocks: &[Block], first_room: f32, room: f32) -> Vec<Vec<Placed<'_>>> {
    let mut pages: Vec<Vec<Placed>> = vec![Vec::new()];
    let mut left = first_room;
    let mut group = None;
    for (i, block) in blocks.iter().enumerate() {
        let mut needed = block.height();
        if let Block::Group { .. } = block {
            group = Some(block);
            needed += blocks.get(i + 1).map_or(0.0, Block::height);
        }
        let page_empty = pages.last().is_none_or(Vec::is_empty);
        let mut placed = Vec::new();
        if needed > left && !page_empty {
            pages.push(Vec::new());
            left = room;
            if let (Block::Row(_), Some(group)) = (block, group) {
                placed.push(Placed {
                    block: group,
                    continued: true,
                });
            }
        }
        placed.push(Placed {
            block,
            continued: false,
        });
        for placed in placed {
            left -= placed.height();
            if let Some(page) = pages.last_mut() {
                page.push(placed);
            }
        }
    }
    pages
}

/// Draws a page's blocks from `top`.
fn draw_blocks(canvas: &mut Canvas, top: f32, blocks: &[Placed]) {
    let mut y = top;
    for &placed in blocks {
        match placed.block {
            Block::Group { heading, continued } => {
                let lines = if placed.continued { continued } else { heading };
                canvas.lines(LEFT, y - GROUP_ABOVE, lines);
            }
            Block::Row(cells) => {
                let mut x = LEFT;
                for (cell, (_, width)) in cells.iter().zip(COLUMNS) {
                    canvas.lines(x, y - PAD - cell_offset(cell), cell);
                    x += width;
                }
                canvas.rule(y - placed.height(), 0.4, 0.78);
            }
            Block::Notes(lines) => {
                canvas.lines(LEFT, y - NOTES_ABOVE, lines);
            }
        }
        y -= placed.height();
    }
}

/// The footer: when printed, and the page number.
fn draw_footer(canvas: &mut Canvas, printed: &str, page: usize, pages: usize) {
    canvas.rule(FOOTER + 11.0, 0.4, 0.6);
    canvas.text(LEFT, FOOTER, SMALL, printed);
    canvas.text_right(RIGHT, FOOTER, SMALL, &format!("Sida {page} av {pages}"));
}

/// A gray from 0 (black) to 1 (white) as krilla paints it.
fn gray(level: f32) -> luma::Color {
    // Clamped to 0 … 255 first: nothing is cut off.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let lightness = (level.clamp(0.0, 1.0) * 255.0).round() as u8;
    luma::Color::new(lightness)
}

/// Draws `marks` on a page (whose coordinates run down from the top
/// left, where the marks' run up from the bottom left).
fn draw(surface: &mut Surface, fonts: &Fonts, marks: &[Mark]) {
    for mark in marks {
        match mark {
            Mark::Text { x, y, style, text } => {
                let font = fonts.get(*style);
                let (text, glyphs) = font.shape(text);
                surface.set_stroke(None);
                surface.set_fill(Some(Fill {
                    paint: gray(style.gray).into(),
                    ..Fill::default()
                }));
                surface.draw_glyphs(
                    Point::from_xy(*x, PAGE_HEIGHT - y),
                    &glyphs,
                    font.pdf.clone(),
                    &text,
                    style.size,
                    false,
                );
            }
            Mark::Rule {
                y,
                width,
                gray: level,
            } => {
                let mut path = PathBuilder::new();
                path.move_to(LEFT, PAGE_HEIGHT - y);
                path.line_to(RIGHT, PAGE_HEIGHT - y);
                // A line between two points always makes a path.
                let Some(path) = path.finish() else {
                    continue;
                };
                surface.set_fill(None);
                surface.set_stroke(Some(Stroke {
                    paint: gray(*level).into(),
                    width: *width,
                    ..Stroke::default()
                }));
                surface.draw_path(&path);
            }
        }
    }
}

/// A PDF date: `at` in `tz`, with its offset from UTC.
fn pdf_date(at: DateTime<Utc>, tz: Tz) -> PdfDate {
    let local = at.with_timezone(&tz);
    let byte = |n: u32| u8::try_from(n).unwrap_or(0);
    let offset = local.offset().fix().local_minus_utc() / 60;
    PdfDate::new(u16::try_from(local.year()).unwrap_or(0))
        .month(byte(local.month()))
        .day(byte(local.day()))
        .hour(byte(local.hour()))
        .minute(byte(local.minute()))
        .second(byte(local.second()))
        .utc_offset_hour(i8::try_from(offset / 60).unwrap_or(0))
        .utc_offset_minute(u8::try_from((offset % 60).abs()).unwrap_or(0))
}

/// Each page's marks: the first page's header or the running header,
/// the table's header row, the page's blocks and the footer.
fn layout(
    fonts: &Fonts,
    meeting: &Meeting,
    rows: &[AttendanceRow],
    agenda: &[AgendaRow],
    tz: Tz,
    now: DateTime<Utc>,
) -> Vec<Vec<Mark>> {
    let printed_at = local_time(now, tz);
    let printed = format!(
        "Utskriven {} {}",
        printed_at.format("%Y-%m-%d"),
        clock_sv(printed_at.time())
    );
    let blocks = blocks(fonts, rows, agenda, tz);
    let heads = column_heads_height(fonts);
    let first_room = TOP - first_header_height(fonts, meeting) - heads - BOTTOM;
    let room = TOP - running_header_height(fonts, meeting) - heads - BOTTOM;
    let pages = paginate(&blocks, first_room, room);
    pages
        .iter()
        .enumerate()
        .map(|(number, blocks)| {
            let mut canvas = Canvas {
                fonts,
                marks: Vec::new(),
            };
            let top = if number == 0 {
                draw_first_header(&mut canvas, meeting)
            } else {
                draw_running_header(&mut canvas, meeting)
            };
            let has_table = blocks.iter().any(|b| !matches!(b.block, Block::Notes(_)));
            let top = if has_table || number == 0 {
                column_heads(&mut canvas, top)
            } else {
                top
            };
            draw_blocks(&mut canvas, top, blocks);
            draw_footer(&mut canvas, &printed, number + 1, pages.len());
            canvas.marks
        })
        .collect()
}

/// `pages` as a PDF document with `metadata`, meeting the `archival`
/// standard if one is given.
fn write(
    fonts: &Fonts,
    pages: &[Vec<Mark>],
    metadata: Metadata,
    archival: Option<Archival>,
) -> Result<Vec<u8>, PdfError> {
    let mut configuration = ConfigurationBuilder::new();
    if let Some(archival) = archival {
        configuration = configuration.with_archival_validator(archival);
    }
    let settings = SerializeSettings {
        configuration: configuration.finish().map_err(PdfError::Configuration)?,
        // No tag tree: the list is a table to print, not to read aloud.
        enable_tagging: false,
        ..SerializeSettings::default()
    };
    let mut document = Document::new_with(settings);
    document.set_metadata(metadata);
    for marks in pages {
        let size = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT)
            .ok_or(PdfError::PageSize(PAGE_WIDTH, PAGE_HEIGHT))?;
        let mut page = document.start_page_with(size);
        let mut surface = page.surface();
        draw(&mut surface, fonts, marks);
        surface.finish();
        page.finish();
    }
    Ok(document.finish()?)
}

/// The standard the list meets when it can (see the module's
/// documentation).
const ARCHIVAL: Archival = Archival::A2_U;

/// [`attendance`], or why it could not be written.
fn try_attendance(
    meeting: &Meeting,
    rows: &[AttendanceRow],
    agenda: &[AgendaRow],
    tz: Tz,
    now: DateTime<Utc>,
) -> Result<Vec<u8>, PdfError> {
    let fonts = Fonts::load()?;
    let pages = layout(&fonts, meeting, rows, agenda, tz, now);
    let metadata = Metadata::new()
        .title(format!(
            "Närvarolista {} {}",
            meeting.body,
            date_sv(meeting.date)
        ))
        .language("sv-SE".to_string())
        .creator("motesskylt".to_string())
        .producer("motesskylt (krilla)".to_string())
        .creation_date(pdf_date(now, tz));
    match write(&fonts, &pages, metadata.clone(), Some(ARCHIVAL)) {
        // Not PDF/A (a character the font lacks): the same pages without
        // the claim.
        Err(PdfError::Write(KrillaError::Validation(_))) => write(&fonts, &pages, metadata, None),
        written => written,
    }
}

/// The attendance list of `meeting` as a PDF document (A4; PDF/A-2u when
/// the font has every character): `rows` as
/// [`super::attendance::attendance`] makes them, `agenda` for the items'
/// numbers, times in `tz`; `now` is printed as when it was made.
pub fn attendance(
    meeting: &Meeting,
    rows: &[AttendanceRow],
    agenda: &[AgendaRow],
    tz: Tz,
    now: DateTime<Utc>,
) -> Vec<u8> {
    // Cannot fail: the fonts are compiled in and parse, A4 is a page size
    // and the configurations are krilla's own; past PDF/A's checks (which
    // fall back above) krilla refuses only fonts it cannot cut (these it
    // can, whichever glyphs: every test that writes a list shows it) and
    // PDF 1.4's limits (this is 1.7).
    try_attendance(meeting, rows, agenda, tz, now).expect("the attendance list is written as a PDF")
}

#[cfg(test)]
mod tests {
    use super::*;
    use motesskylt_core::model::time::DEFAULT_TIME_ZONE;

    /// The SRO's notice with some participants renamed.
    fn meeting_with(names: &[&str]) -> Meeting {
        let mut meeting =
            motesskylt_core::kallelse::import_bytes(motesskylt_testkit::SRO_NOTICE.as_bytes())
                .unwrap();
        for (participant, name) in meeting.participants.iter_mut().zip(names) {
            participant.name = name.to_string();
        }
        meeting
    }

    /// The attendance list of `meeting` (no one checked in) as a PDF.
    fn list(meeting: &Meeting) -> Vec<u8> {
        let tz = DEFAULT_TIME_ZONE;
        let agenda = super::super::agenda::agenda(meeting, &[], tz);
        let rows = super::super::attendance::attendance(meeting, &[], &agenda, tz);
        let now = "2026-06-04T14:05:00Z".parse().unwrap();
        attendance(meeting, &rows, &agenda, tz, now)
    }

    /// The text of a PDF by poppler's `pdftotext -layout`, from a file of
    /// its own in the temporary directory (the tests run side by side);
    /// `None` (with a notice) when it is not installed.
    fn pdftotext(pdf: &[u8]) -> Option<String> {
        static FILES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = FILES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!(
            "motesskylt-export-pdf-{}-{n}.pdf",
            std::process::id()
        ));
        std::fs::write(&path, pdf).unwrap();
        let out = std::process::Command::new("pdftotext")
            .arg("-layout")
            .arg(&path)
            .arg("-")
            .output();
        std::fs::remove_file(&path).unwrap();
        let out = match out {
            Ok(out) => out,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                use std::io::Write;
                let _ = writeln!(
                    std::io::stderr().lock(),
                    "NOTICE: a check skipped: pdftotext is not installed (apt-get install poppler-utils; .ci/run does)"
                );
                return None;
            }
            Err(e) => panic!("pdftotext: {e}"),
        };
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        Some(String::from_utf8(out.stdout).unwrap())
    }

    /// The XMP metadata's PDF/A identification: (part, conformance).
    fn pdfa_id(pdf: &[u8]) -> Option<(String, String)> {
        let raw = String::from_utf8_lossy(pdf);
        let field = |name: &str| {
            let tag = format!("<pdfaid:{name}>");
            let start = raw.find(&tag)? + tag.len();
            let end = raw[start..].find('<')? + start;
            Some(raw[start..end].to_string())
        };
        Some((field("part")?, field("conformance")?))
    }

    #[test]
    fn names_beyond_windows_1252_print_and_copy_as_written() {
        let names = [
            "Łukasz Nowak",
            "Dragana Novaković",
            "Áilu Maŋŋi",
            "Ŋuolja Čeč",
        ];
        let meeting = meeting_with(&names);
        let pdf = list(&meeting);
        assert!(pdf.starts_with(b"%PDF-") && pdf.ends_with(b"%%EOF"));
        let Some(text) = pdftotext(&pdf) else {
            return;
        };
        for name in names {
            let line = text
                .lines()
                .find(|l| l.contains(name))
                .unwrap_or_else(|| panic!("no line with {name}:\n{text}"));
            // In the name column, absent (no one checked in).
            assert!(line.trim_start().starts_with(name), "{line}");
            assert!(line.contains("Frånvarande"), "{line}");
        }
        assert!(!text.contains('?'), "{text}");
        // The rest as before: title, headings, footer.
        assert!(text.contains("Närvarolista"), "{text}");
        assert!(
            text.contains("Namn") && text.contains("Närvarande vid"),
            "{text}"
        );
        assert!(text.contains("Sida 1 av "), "{text}");
        assert!(text.contains("Utskriven 2026-06-04 16.05"), "{text}");
    }

    #[test]
    fn the_list_is_pdf_a_2u_with_its_metadata() {
        let pdf = list(&meeting_with(&["Łukasz Nowak", "Dragana Novaković"]));
        assert_eq!(pdfa_id(&pdf), Some(("2".to_string(), "U".to_string())));
        let raw = String::from_utf8_lossy(&pdf);
        assert!(raw.contains("%PDF-1.7"), "{}", &raw[..20]);
        // Title, language and date in the XMP metadata too.
        assert!(raw.contains("Närvarolista SRO 4 juni 2026"));
        assert!(raw.contains("sv-SE"));
        assert!(raw.contains("2026-06-04T16:05:00+02:00"));
        // The output intent PDF/A asks for.
        assert!(raw.contains("/OutputIntents") && raw.contains("/GTS_PDFA1"));
    }

    #[test]
    fn a_character_the_font_lacks_gives_a_plain_pdf_with_the_rest() {
        let pdf = list(&meeting_with(&["山田 太郎", "Łukasz Nowak"]));
        assert!(pdf.starts_with(b"%PDF-"));
        assert_eq!(pdfa_id(&pdf), None);
        let Some(text) = pdftotext(&pdf) else {
            return;
        };
        assert!(text.contains("Łukasz Nowak"), "{text}");
        assert!(text.contains("Närvarolista"), "{text}");
    }

    #[test]
    fn the_fonts_are_embedded_cut_to_what_the_list_uses() {
        let pdf = list(&meeting_with(&[]));
        let raw = String::from_utf8_lossy(&pdf);
        // Both cuts, subset-tagged, as TrueType programs.
        assert!(raw.contains("+NotoSans-Regular") && raw.contains("+NotoSans-Bold"));
        assert!(raw.contains("/FontFile2") && raw.contains("/ToUnicode"));
        // The whole list smaller than one whole font.
        assert!(pdf.len() < REGULAR.len() / 4, "{}", pdf.len());
    }

    #[test]
    fn the_embedded_fonts_parse_and_have_every_character() {
        let fonts = Fonts::load().unwrap();
        let wanted = (' '..='~')
            .chain('\u{a0}'..='\u{17f}')
            .chain("–—‘’‚“”„•…€·ŋŊ".chars());
        for font in [&fonts.regular, &fonts.bold] {
            for c in wanted.clone() {
                assert!(font.face.glyph_index(c).is_some(), "{c:?}");
                let (_, glyphs) = font.shape(&c.to_string());
                assert!(glyphs.iter().all(|g| g.glyph_id.to_u32() != 0), "{c:?}");
            }
            // Noto Sans: digits are tabular, 572/1000 em.
            assert_eq!(font.width("0", 1000.0).round(), 572.0);
            assert_eq!(font.width("0123456789", 1000.0).round(), 5720.0);
        }
        // Bold is wider; the title's size counts.
        assert!(fonts.width("Närvarolista", TITLE) > fonts.width("Närvarolista", CELL) * 2.0);
        assert!(fonts.bold.width("a", 10.0) > fonts.regular.width("a", 10.0));
    }

    #[test]
    fn shaped_glyphs_stand_for_their_text() {
        let fonts = Fonts::load().unwrap();
        // Decomposed ć (c and a combining acute) becomes the one glyph.
        let (text, glyphs) = fonts.regular.shape("Novakovic\u{301}");
        assert_eq!(glyphs.len(), 9);
        let last = glyphs.last().unwrap();
        assert_eq!(&text[last.text_range.clone()], "c\u{301}");
        // Every byte of the text stands under exactly one cluster, in order.
        let (text, glyphs) = fonts.bold.shape("Łukasz Nowak – Åsa Ŋ");
        let mut at = 0;
        for glyph in &glyphs {
            assert_eq!(glyph.text_range.start, at);
            at = glyph.text_range.end;
        }
        assert_eq!(at, text.len());
        // Control characters as '?'.
        assert_eq!(fonts.regular.shape("a\u{7}b").0, "a?b");
    }

    /// Kulturnämnden's meeting (members, deputies, officials; in
    /// `tests/fixtures/notices/`) with its log and more: Nora Sund
    /// (deputy) remote from 09.20; Mats Lind serving for Cecilia Dahl from
    /// 09.40 (asked during item 3); David Falk recused from items 4 and 5;
    /// Bo Ek in at 10.05, Lisa Ahl then serving for Eva Grön from 10.25.
    fn committee() -> (Meeting, Vec<motesskylt_core::model::Event>) {
        let notice =
            std::fs::read(motesskylt_testkit::fixture("notices/namnd-kallelse.md")).unwrap();
        let meeting = motesskylt_core::kallelse::import_bytes(&notice).unwrap();
        let log =
            std::fs::read_to_string(motesskylt_testkit::fixture("notices/namnd-events.jsonl"))
                .unwrap();
        let more = r#"
{"at":"2026-11-12T09:20:00+01:00","type":"checked_in","person":"Nora Sund","source":"secretary","remote":true}
{"at":"2026-11-12T09:30:00+01:00","type":"checked_in","person":"Mats Lind","source":"nfc"}
{"at":"2026-11-12T09:31:00+01:00","type":"substitute_started","person":"Mats Lind","for":"Cecilia Dahl"}
{"at":"2026-11-12T09:50:00+01:00","type":"recused","person":"David Falk","item":"5"}
{"at":"2026-11-12T10:00:00+01:00","type":"item_started","item":"5"}
{"at":"2026-11-12T10:05:00+01:00","type":"checked_in","person":"Bo Ek","source":"nfc"}
{"at":"2026-11-12T10:06:00+01:00","type":"substitute_started","person":"Lisa Ahl","for":"Eva Grön"}
{"at":"2026-11-12T10:25:00+01:00","type":"item_started","item":"6"}
{"at":"2026-11-12T10:30:00+01:00","type":"meeting_ended"}
"#;
        let events = motesskylt_core::model::event::parse_log(&format!("{log}\n{more}"))
            .unwrap()
            .into_iter()
            .map(|(_, e)| e)
            .collect();
        (meeting, events)
    }

    /// The table's content in words: "# heading", then each row as its
    /// name cell's lines joined by " / ", its remarks in brackets.
    fn outline(meeting: &Meeting, events: &[motesskylt_core::model::Event]) -> Vec<String> {
        let tz = DEFAULT_TIME_ZONE;
        let fonts = Fonts::load().unwrap();
        let agenda = super::super::agenda::agenda(meeting, events, tz);
        let rows = super::super::attendance::attendance(meeting, events, &agenda, tz);
        let text = |lines: &[Line]| {
            lines
                .iter()
                .map(|l| l.text.as_str())
                .collect::<Vec<_>>()
                .join(" / ")
        };
        blocks(&fonts, &rows, &agenda, tz)
            .iter()
            .filter_map(|block| match block {
                Block::Group { heading, .. } => Some(format!("# {}", text(heading))),
                Block::Row(cells) if cells[5].is_empty() => Some(text(&cells[0])),
                Block::Row(cells) => Some(format!("{} [{}]", text(&cells[0]), text(&cells[5]))),
                Block::Notes(_) => None,
            })
            .collect()
    }

    /// Issue 20, point 7: a body with seats is listed as Swedish minutes
    /// list it: the members present, the deputies who served (for whom),
    /// everyone else present, the absent; recusals and remote noted.
    #[test]
    fn a_body_with_seats_is_grouped_as_the_minutes_group_it() {
        let (meeting, events) = committee();
        assert_eq!(
            outline(&meeting, &events),
            [
                "# Beslutande",
                "Anna Berg / ordförande",
                "Bo Ek",
                "Cecilia Dahl / vice ordförande",
                "David Falk [jäv 4, 5]",
                "# Tjänstgörande ersättare",
                "Lisa Ahl / ersätter Bo Ek och Eva Grön",
                "Mats Lind / ersätter Cecilia Dahl",
                "# Övriga närvarande",
                "Nora Sund / ersättare [korr. / distans]",
                "Olle Vik",
                "# Frånvarande",
                "Eva Grön / ledamot [förhinder]",
                "Petra Ås",
            ]
        );
        // The keys under the table say what the remarks mean.
        let pdf = {
            let tz = DEFAULT_TIME_ZONE;
            let agenda = super::super::agenda::agenda(&meeting, &events, tz);
            let rows = super::super::attendance::attendance(&meeting, &events, &agenda, tz);
            attendance(
                &meeting,
                &rows,
                &agenda,
                tz,
                "2026-11-12T10:45:00Z".parse().unwrap(),
            )
        };
        assert_eq!(pdfa_id(&pdf), Some(("2".to_string(), "U".to_string())));
        let Some(text) = pdftotext(&pdf) else {
            return;
        };
        let at = |needle: &str| {
            text.find(needle)
                .unwrap_or_else(|| panic!("no {needle}:\n{text}"))
        };
        let order = [
            at("Beslutande"),
            at("Anna Berg"),
            at("David Falk"),
            at("Tjänstgörande ersättare"),
            at("Lisa Ahl"),
            at("ersätter Bo Ek och Eva Grön"),
            at("Mats Lind"),
            at("ersätter Cecilia Dahl"),
            at("Övriga närvarande"),
            at("Nora Sund"),
            at("Olle Vik"),
            at("Frånvarande\n"),
            at("Eva Grön "),
            at("Petra Ås"),
        ];
        assert!(order.is_sorted(), "{order:?}\n{text}");
        assert!(
            text.contains("jäv 4, 5") && text.contains("distans"),
            "{text}"
        );
        assert!(text.contains("distans = deltar på distans."), "{text}");
        assert!(text.contains("Närvarande: 8 av 10."), "{text}");
    }

    /// A body without seats keeps the notice's headings and order, and the
    /// notice's "ersätter" for a named deputy, however the log goes; no
    /// remarks for recusals or remote attendance.
    #[test]
    fn a_body_without_seats_keeps_the_notices_headings() {
        let (mut meeting, events) = committee();
        for p in &mut meeting.participants {
            p.seat = None;
        }
        assert_eq!(
            outline(&meeting, &events),
            [
                "# Politiker",
                "Anna Berg / ordförande",
                "Bo Ek",
                "Cecilia Dahl / vice ordförande",
                "David Falk",
                "Eva Grön [förhinder]",
                "Lisa Ahl / ersätter Bo Ek",
                "Mats Lind",
                "Nora Sund [korr.]",
                "# Tjänstepersoner",
                "Olle Vik",
                "Petra Ås",
            ]
        );
    }

    /// One unit a character.
    fn chars(text: &str) -> f32 {
        text.chars().count() as f32
    }

    #[test]
    fn text_wraps_between_words_and_long_words_at_hyphens_or_anywhere() {
        assert_eq!(
            wrap("Malin Swärd Davidsson", 12.0, chars),
            ["Malin Swärd", "Davidsson"]
        );
        assert_eq!(wrap("  Olof   Lundberg ", 20.0, chars), ["Olof Lundberg"]);
        assert_eq!(wrap("", 10.0, chars), Vec::<String>::new());
        // After the hyphen when the word is too long.
        assert_eq!(
            wrap("hälso-och-sjukvårdsdirektör VGR", 12.0, chars),
            ["hälso-och-", "sjukvårdsdir", "ektör VGR"]
        );
        // Anywhere else, never wider than the line.
        let lines = wrap("Ståhlbergssonsdottir", 6.0, chars);
        assert_eq!(lines, ["Ståhlb", "ergsso", "nsdott", "ir"]);
        // A line narrower than one character still advances.
        assert_eq!(wrap("åäö", 0.5, chars), ["å", "ä", "ö"]);
    }

    #[test]
    fn wrapped_cells_fit_their_columns_in_the_real_font() {
        let fonts = Fonts::load().unwrap();
        let text = "Hälso- och sjukvårdsnämnden, strategiska beredningsgruppen (SSN) Västra Götalandsregionen";
        for (_, width) in COLUMNS {
            let lines = fonts.wrap(text, CELL, width - GUTTER);
            assert!(lines.len() > 1);
            for line in &lines {
                assert!(fonts.width(&line.text, CELL) <= width - GUTTER, "{line:?}");
            }
            let joined: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
            assert_eq!(joined.concat().replace(' ', ""), text.replace(' ', ""));
        }
    }

    #[test]
    fn a_group_heading_is_never_last_on_a_page_and_repeated_where_it_goes_on() {
        let line = |text: &str| Line {
            style: CELL,
            text: text.to_string(),
        };
        let group = |name: &str| Block::Group {
            heading: vec![line(name)],
            continued: vec![line(&format!("{name} (forts.)"))],
        };
        let row = || Block::Row(std::array::from_fn(|_| vec![line("x")]));
        let r = row().height();
        let g = group("A").height();
        let show = |pages: Vec<Vec<Placed>>| -> Vec<Vec<String>> {
            pages
                .iter()
                .map(|page| {
                    page.iter()
                        .map(|p| match p.block {
                            Block::Group { heading, continued } => {
                                (if p.continued { continued } else { heading })[0]
                                    .text
                                    .clone()
                            }
                            Block::Row(cells) => cells[0][0].text.clone(),
                            Block::Notes(_) => "notes".to_string(),
                        })
                        .collect()
                })
                .collect()
        };
        // Room for the first group, two rows and the next heading, but not
        // its row: the heading goes with its row.
        let blocks = [group("A"), row(), row(), group("B"), row()];
        assert_eq!(
            show(paginate(&blocks, g + 2.0 * r + g + 1.0, 1000.0)),
            [vec!["A", "x", "x"], vec!["B", "x"]]
        );
        // A group split over two pages: its heading again, continued.
        let blocks = [group("A"), row(), row(), row(), group("B"), row()];
        assert_eq!(
            show(paginate(&blocks, g + 2.0 * r + 1.0, 1000.0)),
            [vec!["A", "x", "x"], vec!["A (forts.)", "x", "B", "x"]]
        );
        // Never an empty page, however little room.
        let pages = paginate(&blocks, 1.0, 1.0);
        assert!(pages.iter().all(|p| !p.is_empty()));
        // (the first group repeated thrice, the second once)
        assert_eq!(pages.iter().map(Vec::len).sum::<usize>(), 6 + 4);
    }
}
