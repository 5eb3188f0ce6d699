//! The attendance list as a printable PDF for the signed minutes: A4, one
//! row per participant in the notice's order under the notice's headings
//! (side and category), their stays and the items they were present for,
//! the secretary's corrections marked; the table's header repeated on
//! every page, "Sida N av M" and when it was printed in the footer.
//!
//! Written with `pdf-writer`; the project's Noto Sans (regular and bold)
//! embedded as TrueType fonts with WinAnsiEncoding, so every character of
//! Windows-1252 (å, ä, ö, é, the en dash) shows and copies right, and
//! anything else prints as '?'. The fonts are cut to those characters'
//! glyphs (`subset`: some 60 kB each instead of 500). Text is measured
//! with the font's own advance widths (`ttf-parser`) to wrap within its
//! column, shrinking a little first for a word wider than it.

use std::borrow::Cow;

use chrono::{DateTime, Datelike, Timelike, Utc};
use chrono_tz::Tz;
use pdf_writer::types::FontFlags;
use pdf_writer::{Content, Date, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use super::agenda::AgendaRow;
use super::attendance::AttendanceRow;
use motesskylt_core::model::time::{clock_sv, date_sv, local_time};
use motesskylt_core::model::{Category, Meeting, Participant, Role};

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

/// Windows-1252 (PDF's WinAnsiEncoding) for the 32 codes 0x80–0x9F that
/// differ from Latin-1; `None` where the code page has no character.
const CP1252_HIGH: [Option<char>; 32] = [
    Some('€'),
    None,
    Some('‚'),
    Some('ƒ'),
    Some('„'),
    Some('…'),
    Some('†'),
    Some('‡'),
    Some('ˆ'),
    Some('‰'),
    Some('Š'),
    Some('‹'),
    Some('Œ'),
    None,
    Some('Ž'),
    None,
    None,
    Some('\u{2018}'),
    Some('\u{2019}'),
    Some('\u{201c}'),
    Some('\u{201d}'),
    Some('•'),
    Some('–'),
    Some('—'),
    Some('˜'),
    Some('™'),
    Some('š'),
    Some('›'),
    Some('œ'),
    None,
    Some('ž'),
    Some('Ÿ'),
];

/// The character a Windows-1252 code shows; `None` for control codes and
/// the five codes without a character.
fn cp1252_char(code: u8) -> Option<char> {
    match code {
        0x20..=0x7e | 0xa0..=0xff => Some(char::from(code)),
        0x80..=0x9f => CP1252_HIGH[usize::from(code - 0x80)],
        _ => None,
    }
}

/// One character in Windows-1252: whitespace as a space, anything the code
/// page lacks as '?'.
fn cp1252(c: char) -> u8 {
    match c {
        ' '..='~' | '\u{a0}'..='\u{ff}' => c as u8,
        c if c.is_whitespace() => b' ',
        c => (0x80..=0x9f)
            .find(|&code| CP1252_HIGH[usize::from(code - 0x80)] == Some(c))
            .unwrap_or(b'?'),
    }
}

/// Text as Windows-1252 bytes (see [`cp1252`]).
fn encode(text: &str) -> Vec<u8> {
    text.chars().map(cp1252).collect()
}

/// The first and last code in a font's /Widths.
const FIRST_CHAR: u8 = 0x20;
const LAST_CHAR: u8 = 0xff;

/// An embedded TrueType font and its metrics in thousandths of an em.
struct Font {
    /// The name in a page's resources.
    resource: Name<'static>,
    /// The PostScript name (with a subset's tag when it is one).
    base_font: Name<'static>,
    /// The font program embedded: the glyphs of Windows-1252 only, or the
    /// whole font should that fail.
    data: Cow<'static, [u8]>,
    /// The advance width of each Windows-1252 code.
    widths: [f32; 256],
    ascent: f32,
    descent: f32,
    cap_height: f32,
    bbox: Rect,
    stem_v: f32,
}

impl Font {
    /// `names`: the PostScript name, whole and as a subset.
    fn load(
        data: &'static [u8],
        resource: &'static [u8],
        names: (&'static [u8], &'static [u8]),
        stem_v: f32,
    ) -> Font {
        // The fonts are compiled in (include_bytes!) and parse: the test
        // `the_embedded_fonts_parse_and_have_every_character` parses both,
        // so this cannot fail at run time.
        let face = ttf_parser::Face::parse(data, 0).expect("the embedded Noto Sans parses");
        let scale = 1000.0 / f32::from(face.units_per_em().max(1));
        let advance = |glyph| face.glyph_hor_advance(glyph).map(f32::from);
        let missing = advance(ttf_parser::GlyphId(0)).unwrap_or(500.0) * scale;
        let mut widths = [missing; 256];
        let mut glyphs = Vec::new();
        for code in FIRST_CHAR..=LAST_CHAR {
            let Some(glyph) = cp1252_char(code).and_then(|c| face.glyph_index(c)) else {
                continue;
            };
            glyphs.push(glyph.0);
            if let Some(width) = advance(glyph) {
                widths[usize::from(code)] = width * scale;
            }
        }
        let (data, base_font) = match subset::subset(data, &glyphs) {
            Some(subset) => (Cow::Owned(subset), names.1),
            None => (Cow::Borrowed(data), names.0),
        };
        let b = face.global_bounding_box();
        Font {
            resource: Name(resource),
            base_font: Name(base_font),
            data,
            widths,
            ascent: f32::from(face.ascender()) * scale,
            descent: f32::from(face.descender()) * scale,
            cap_height: face
                .capital_height()
                .map_or(700.0, |h| f32::from(h) * scale),
            bbox: Rect::new(
                f32::from(b.x_min) * scale,
                f32::from(b.y_min) * scale,
                f32::from(b.x_max) * scale,
                f32::from(b.y_max) * scale,
            ),
            stem_v,
        }
    }

    /// The width of `text` at `size` points.
    fn width(&self, text: &str, size: f32) -> f32 {
        encode(text)
            .iter()
            .map(|&code| self.widths[usize::from(code)])
            .sum::<f32>()
            * size
            / 1000.0
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
    fn load() -> Fonts {
        Fonts {
            regular: Font::load(
                REGULAR,
                b"R",
                (b"NotoSans-Regular", b"MSKLTR+NotoSans-Regular"),
                80.0,
            ),
            bold: Font::load(
                BOLD,
                b"B",
                (b"NotoSans-Bold", b"MSKLTB+NotoSans-Bold"),
                140.0,
            ),
        }
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
    let mut blocks = Vec::new();
    let mut group = None;
    for row in rows {
        let p = row.participant;
        let heading = group_sv(p);
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
        let substitute = p.substitute_for.as_ref().map(|s| format!("ersätter {s}"));
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

/// One page's content stream being drawn.
struct Canvas<'f> {
    fonts: &'f Fonts,
    content: Content,
}

impl Canvas<'_> {
    /// `text` with its baseline at `y`.
    fn text(&mut self, x: f32, y: f32, style: Style, text: &str) {
        let font = self.fonts.get(style);
        self.content
            .set_fill_gray(style.gray)
            .begin_text()
            .set_font(font.resource, style.size)
            .next_line(x, y)
            .show(Str(&encode(text)))
            .end_text();
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
        self.content
            .set_stroke_gray(gray)
            .set_line_width(width)
            .move_to(LEFT, y)
            .line_to(RIGHT, y)
            .stroke();
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
        content: Content::new(),
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
        content: Content::new(),
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

/// Writes the fonts' objects; each font's dictionary goes to its `Ref`.
fn write_font(pdf: &mut Pdf, font: &Font, id: Ref, descriptor: Ref, file: Ref) {
    let mut dict = pdf.indirect(id).dict();
    dict.pair(Name(b"Type"), Name(b"Font"));
    dict.pair(Name(b"Subtype"), Name(b"TrueType"));
    dict.pair(Name(b"BaseFont"), font.base_font);
    dict.pair(Name(b"FirstChar"), i32::from(FIRST_CHAR));
    dict.pair(Name(b"LastChar"), i32::from(LAST_CHAR));
    dict.insert(Name(b"Widths"))
        .array()
        .items(font.widths[usize::from(FIRST_CHAR)..].iter().copied());
    dict.pair(Name(b"FontDescriptor"), descriptor);
    dict.pair(Name(b"Encoding"), Name(b"WinAnsiEncoding"));
    dict.finish();

    pdf.font_descriptor(descriptor)
        .name(font.base_font)
        .flags(FontFlags::NON_SYMBOLIC)
        .bbox(font.bbox)
        .italic_angle(0.0)
        .ascent(font.ascent)
        .descent(font.descent)
        .cap_height(font.cap_height)
        .stem_v(font.stem_v)
        .font_file2(file);

    let length = i32::try_from(font.data.len()).unwrap_or(i32::MAX);
    pdf.stream(file, &font.data).pair(Name(b"Length1"), length);
}

/// A PDF date from a local time.
fn pdf_date(at: chrono::NaiveDateTime) -> Date {
    let byte = |n: u32| u8::try_from(n).unwrap_or(0);
    Date::new(u16::try_from(at.year()).unwrap_or(0))
        .month(byte(at.month()))
        .day(byte(at.day()))
        .hour(byte(at.hour()))
        .minute(byte(at.minute()))
        .second(byte(at.second()))
}

/// The attendance list of `meeting` as a PDF document (A4): `rows` as
/// [`super::attendance::attendance`] makes them, `agenda` for the items'
/// numbers, times in `tz`; `now` is printed as when it was made.
pub fn attendance(
    meeting: &Meeting,
    rows: &[AttendanceRow],
    agenda: &[AgendaRow],
    tz: Tz,
    now: DateTime<Utc>,
) -> Vec<u8> {
    let fonts = Fonts::load();
    let printed_at = local_time(now, tz);
    let printed = format!(
        "Utskriven {} {}",
        printed_at.format("%Y-%m-%d"),
        clock_sv(printed_at.time())
    );
    let blocks = blocks(&fonts, rows, agenda, tz);
    let heads = column_heads_height(&fonts);
    let first_room = TOP - first_header_height(&fonts, meeting) - heads - BOTTOM;
    let room = TOP - running_header_height(&fonts, meeting) - heads - BOTTOM;
    let pages = paginate(&blocks, first_room, room);

    let mut pdf = Pdf::new();
    let mut ids = Ref::new(1);
    let catalog = ids.bump();
    let tree = ids.bump();
    let info = ids.bump();
    let mut font_ids = Vec::new();
    for font in [&fonts.regular, &fonts.bold] {
        font_ids.push((font, ids.bump(), ids.bump(), ids.bump()));
    }
    let page_ids: Vec<(Ref, Ref)> = pages.iter().map(|_| (ids.bump(), ids.bump())).collect();

    let title = format!("Närvarolista {} {}", meeting.body, date_sv(meeting.date));
    pdf.document_info(info)
        .title(TextStr(&title))
        .creator(TextStr("motesskylt"))
        .producer(TextStr("motesskylt (pdf-writer)"))
        .creation_date(pdf_date(printed_at));
    pdf.catalog(catalog).pages(tree).lang(TextStr("sv-SE"));
    pdf.pages(tree)
        .kids(page_ids.iter().map(|(page, _)| *page))
        .count(i32::try_from(pages.len()).unwrap_or(i32::MAX));

    for (number, (blocks, (page_id, content_id))) in pages.iter().zip(&page_ids).enumerate() {
        let mut canvas = Canvas {
            fonts: &fonts,
            content: Content::new(),
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

        let mut page = pdf.page(*page_id);
        page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT))
            .parent(tree)
            .contents(*content_id);
        let mut resources = page.resources();
        let mut dict = resources.fonts();
        for (font, id, _, _) in &font_ids {
            dict.pair(font.resource, *id);
        }
        dict.finish();
        resources.finish();
        page.finish();
        pdf.stream(*content_id, &canvas.content.finish());
    }
    for (font, id, descriptor, file) in font_ids {
        write_font(&mut pdf, font, id, descriptor, file);
    }
    pdf.finish()
}

/// A TrueType font cut down to some glyphs, for embedding: the glyph ids
/// stay as they are (the others become empty), the layout tables a PDF
/// does not use are left out and the glyph names dropped (`post` 3.0).
mod subset {
    use std::collections::{BTreeMap, BTreeSet};

    /// The tables a PDF viewer may use of an embedded TrueType font.
    const KEEP: [&[u8; 4]; 13] = [
        b"OS/2", b"cmap", b"cvt ", b"fpgm", b"gasp", b"glyf", b"head", b"hhea", b"hmtx", b"loca",
        b"maxp", b"name", b"prep",
    ];

    fn u16_at(data: &[u8], at: usize) -> Option<u16> {
        let bytes = data.get(at..at.checked_add(2)?)?;
        Some(u16::from_be_bytes([bytes[0], bytes[1]]))
    }

    fn u32_at(data: &[u8], at: usize) -> Option<u32> {
        let bytes = data.get(at..at.checked_add(4)?)?;
        Some(u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
    }

    /// The OpenType checksum: the sum of the big-endian words, the last
    /// padded with zeros.
    pub(super) fn checksum(data: &[u8]) -> u32 {
        data.chunks(4)
            .map(|word| {
                let mut padded = [0; 4];
                padded[..word.len()].copy_from_slice(word);
                u32::from_be_bytes(padded)
            })
            .fold(0, u32::wrapping_add)
    }

    /// The glyphs a composite glyph is made of.
    fn components(glyph: &[u8]) -> Option<Vec<u16>> {
        const WORDS: u16 = 0x0001;
        const SCALE: u16 = 0x0008;
        const MORE: u16 = 0x0020;
        const X_AND_Y_SCALE: u16 = 0x0040;
        const TWO_BY_TWO: u16 = 0x0080;
        let mut found = Vec::new();
        // A simple glyph (or none) has a contour count of zero or more.
        if glyph.len() < 10 || u16_at(glyph, 0)? & 0x8000 == 0 {
            return Some(found);
        }
        let mut at = 10;
        loop {
            let flags = u16_at(glyph, at)?;
            found.push(u16_at(glyph, at + 2)?);
            at += 4 + if flags & WORDS != 0 { 4 } else { 2 };
            at += if flags & SCALE != 0 {
                2
            } else if flags & X_AND_Y_SCALE != 0 {
                4
            } else if flags & TWO_BY_TWO != 0 {
                8
            } else {
                0
            };
            if flags & MORE == 0 {
                return Some(found);
            }
        }
    }

    /// `font` with only the glyphs `keep` (with .notdef and the parts of
    /// composite glyphs); `None` if the font is not a TrueType font this
    /// reads.
    pub(super) fn subset(font: &[u8], keep: &[u16]) -> Option<Vec<u8>> {
        if u32_at(font, 0)? != 0x0001_0000 {
            return None;
        }
        let mut tables: BTreeMap<[u8; 4], &[u8]> = BTreeMap::new();
        for i in 0..usize::from(u16_at(font, 4)?) {
            let record = 12 + 16 * i;
            let tag: [u8; 4] = font.get(record..record + 4)?.try_into().ok()?;
            let offset = usize::try_from(u32_at(font, record + 8)?).ok()?;
            let length = usize::try_from(u32_at(font, record + 12)?).ok()?;
            tables.insert(tag, font.get(offset..offset.checked_add(length)?)?);
        }
        let head = *tables.get(b"head")?;
        let glyf = *tables.get(b"glyf")?;
        let loca = *tables.get(b"loca")?;
        let glyph_count = usize::from(u16_at(tables.get(b"maxp")?, 4)?);
        let long_offsets = u16_at(head, 50)? == 1;
        let offset = |glyph: usize| -> Option<usize> {
            if long_offsets {
                usize::try_from(u32_at(loca, 4 * glyph)?).ok()
            } else {
                Some(usize::from(u16_at(loca, 2 * glyph)?) * 2)
            }
        };
        let glyph = |id: u16| -> Option<&[u8]> {
            let id = usize::from(id);
            glyf.get(offset(id)?..offset(id + 1)?)
        };

        let mut wanted: BTreeSet<u16> = BTreeSet::new();
        let mut todo: Vec<u16> = keep.iter().copied().chain([0]).collect();
        while let Some(id) = todo.pop() {
            if usize::from(id) < glyph_count && wanted.insert(id) {
                todo.extend(components(glyph(id)?)?);
            }
        }

        let mut new_glyf = Vec::new();
        let mut new_loca = Vec::with_capacity(4 * (glyph_count + 1));
        for id in 0..glyph_count {
            new_loca.extend(u32::try_from(new_glyf.len()).ok()?.to_be_bytes());
            let id = u16::try_from(id).ok()?;
            if wanted.contains(&id) {
                new_glyf.extend_from_slice(glyph(id)?);
                new_glyf.resize(new_glyf.len().next_multiple_of(4), 0);
            }
        }
        new_loca.extend(u32::try_from(new_glyf.len()).ok()?.to_be_bytes());
        let mut new_head = head.to_vec();
        // Long offsets in loca; the whole font's checksum set below.
        new_head
            .get_mut(50..52)?
            .copy_from_slice(&1u16.to_be_bytes());
        new_head.get_mut(8..12)?.copy_from_slice(&[0; 4]);
        let mut post = tables.get(b"post")?.get(..32)?.to_vec();
        post[..4].copy_from_slice(&0x0003_0000u32.to_be_bytes());

        let mut out: BTreeMap<[u8; 4], Vec<u8>> = BTreeMap::new();
        for tag in KEEP {
            if let Some(data) = tables.get(tag) {
                out.insert(*tag, data.to_vec());
            }
        }
        out.insert(*b"glyf", new_glyf);
        out.insert(*b"loca", new_loca);
        out.insert(*b"head", new_head);
        out.insert(*b"post", post);

        let count = u16::try_from(out.len()).ok()?;
        let power = 1u16 << (15 - count.leading_zeros());
        let mut file = Vec::new();
        file.extend(0x0001_0000u32.to_be_bytes());
        file.extend(count.to_be_bytes());
        file.extend((power * 16).to_be_bytes());
        file.extend(u16::try_from(power.trailing_zeros()).ok()?.to_be_bytes());
        file.extend((count * 16 - power * 16).to_be_bytes());
        let mut offset = 12 + 16 * out.len();
        let mut head_at = None;
        for (tag, data) in &out {
            file.extend(tag);
            file.extend(checksum(data).to_be_bytes());
            file.extend(u32::try_from(offset).ok()?.to_be_bytes());
            file.extend(u32::try_from(data.len()).ok()?.to_be_bytes());
            if tag == b"head" {
                head_at = Some(offset);
            }
            offset += data.len().next_multiple_of(4);
        }
        for data in out.values() {
            file.extend(data);
            file.resize(file.len().next_multiple_of(4), 0);
        }
        let adjustment = 0xB1B0_AFBAu32.wrapping_sub(checksum(&file));
        let head_at = head_at?;
        file.get_mut(head_at + 8..head_at + 12)?
            .copy_from_slice(&adjustment.to_be_bytes());
        Some(file)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swedish_letters_and_the_en_dash_are_windows_1252() {
        assert_eq!(
            encode("Åsa Örgård–Éva €"),
            b"\xc5sa \xd6rg\xe5rd\x96\xc9va \x80"
        );
        assert_eq!(encode("”citat” … •"), b"\x94citat\x94 \x85 \x95");
        // Everything the code page lacks, and controls, as '?' (tabs and
        // line breaks as spaces).
        assert_eq!(encode("Łódź 日本 \u{2212}x"), b"?\xf3d? ?? ?x");
        assert_eq!(encode("a\tb\nc\u{7}"), b"a b c?");
        // Every code with a character round-trips.
        for code in 0x20..=0xffu8 {
            if let Some(c) = cp1252_char(code) {
                assert_eq!(cp1252(c), code, "{c:?}");
            }
        }
        assert_eq!(cp1252_char(0x81), None);
        assert_eq!(cp1252_char(0x96), Some('–'));
    }

    #[test]
    fn the_embedded_fonts_parse_and_have_every_character() {
        let fonts = Fonts::load();
        for font in [&fonts.regular, &fonts.bold] {
            let face = ttf_parser::Face::parse(&font.data, 0).unwrap();
            for code in FIRST_CHAR..=LAST_CHAR {
                if let Some(c) = cp1252_char(code) {
                    assert!(face.glyph_index(c).is_some(), "{c:?}");
                }
            }
            // Noto Sans: digits are tabular, 572/1000 em.
            assert_eq!(font.widths[usize::from(b'0')].round(), 572.0);
            assert!(font.ascent > 0.0 && font.descent < 0.0);
        }
        // Bold is wider; a space narrower than an M.
        assert!(fonts.width("Närvarolista", TITLE) > fonts.width("Närvarolista", CELL) * 2.0);
        assert!(fonts.bold.widths[usize::from(b'a')] > fonts.regular.widths[usize::from(b'a')]);
    }

    /// Counts an outline's segments.
    struct Segments(usize);

    impl ttf_parser::OutlineBuilder for Segments {
        fn move_to(&mut self, _: f32, _: f32) {
            self.0 += 1;
        }
        fn line_to(&mut self, _: f32, _: f32) {
            self.0 += 1;
        }
        fn quad_to(&mut self, _: f32, _: f32, _: f32, _: f32) {
            self.0 += 1;
        }
        fn curve_to(&mut self, _: f32, _: f32, _: f32, _: f32, _: f32, _: f32) {
            self.0 += 1;
        }
        fn close(&mut self) {
            self.0 += 1;
        }
    }

    #[test]
    fn the_embedded_fonts_are_cut_to_windows_1252_and_draw_it_the_same() {
        let fonts = Fonts::load();
        for (whole, font) in [(REGULAR, &fonts.regular), (BOLD, &fonts.bold)] {
            // Cut (an eighth of the size), tagged as a subset, checksummed.
            assert!(font.data.len() < whole.len() / 8, "{}", font.data.len());
            assert!(font.base_font.0.starts_with(b"MSKLT") && font.base_font.0.contains(&b'+'));
            assert_eq!(subset::checksum(&font.data), 0xB1B0_AFBA);
            let original = ttf_parser::Face::parse(whole, 0).unwrap();
            let cut = ttf_parser::Face::parse(&font.data, 0).unwrap();
            assert_eq!(cut.number_of_glyphs(), original.number_of_glyphs());
            for c in (FIRST_CHAR..=LAST_CHAR).filter_map(cp1252_char) {
                let glyph = original.glyph_index(c).unwrap();
                assert_eq!(cut.glyph_index(c), Some(glyph), "{c:?}");
                assert_eq!(
                    cut.glyph_hor_advance(glyph),
                    original.glyph_hor_advance(glyph)
                );
                let (mut a, mut b) = (Segments(0), Segments(0));
                assert_eq!(
                    cut.outline_glyph(glyph, &mut b),
                    original.outline_glyph(glyph, &mut a),
                    "{c:?}"
                );
                assert_eq!(a.0, b.0, "{c:?}");
                assert!(c == ' ' || c == '\u{a0}' || b.0 > 0, "{c:?}");
            }
            // What Windows-1252 lacks is left out.
            let other = original.glyph_index('Ł').unwrap();
            assert!(original.outline_glyph(other, &mut Segments(0)).is_some());
            assert!(cut.outline_glyph(other, &mut Segments(0)).is_none());
        }
        // Not a TrueType font: none (the whole font is embedded).
        assert_eq!(subset::subset(b"OTTO and more", &[1]), None);
        assert_eq!(subset::subset(&REGULAR[..400], &[1]), None);
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
        let fonts = Fonts::load();
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
