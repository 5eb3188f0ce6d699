//! Layouts before reading: a notice's tables (Markdown pipe tables, Word
//! tables as tab-separated cells, columns aligned with spaces by
//! `pdftotext -layout`), list numbers standing apart from their titles,
//! "§ 5" and "Punkt 5" numbers and labels without a colon are rewritten
//! into the lines the readers after this take ("5. Titel (kl. 09.10–09.40)",
//! "Föredragande: …", "Tid: …", a roster heading and one person per line).
//! Every rewritten line keeps the number of the line it came from; a cell
//! that fits no column is not dropped but kept on a line of its own, to be
//! read or reported.

use std::sync::LazyLock;

use regex::Regex;

use super::agenda::is_unnumbered;
use super::markup::{clean, pattern};
use super::names::split_name;
use super::source::Line;

static SECTION_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    pattern(
        r"^(#{1,6}\s+)?(?:\*\*)?(?:§|[Pp]unkt|[Ä]rende)\s*(\d{1,3})\.?(?:\*\*)?(?:\s+|\t+)(.+)$",
    )
});
/// A table's number cell: "5", "5.", "§ 5", "Punkt 5".
static ITEM_NUMBER: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"^(?:§|[Pp]unkt)?\s*\d{1,3}[.)]?$"));
static LONE_NUMBER: LazyLock<Regex> = LazyLock::new(|| pattern(r"^(\d{1,2})[.)]?$"));
static HEAD_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    pattern(
        r"(?i)^(datum|tid|plats|lokal|sammanträdeslokal|mötesform|ordförande|sekreterare)(?:\t+|\s{2,})(\S.*)$",
    )
});
/// A line that begins with a label ("Föredragande: …", "Dnr: …").
static LABELLED: LazyLock<Regex> = LazyLock::new(|| pattern(r"^[\p{L} ]+:(?:\s|$)"));
static WIDE_GAP: LazyLock<Regex> = LazyLock::new(|| pattern(r"\s{3,}"));
static PAGE_FURNITURE: LazyLock<Regex> = LazyLock::new(|| {
    pattern(r"(?i)^(?:sida\s+)?\d{1,3}\s*(?:av\s*\d{1,3}|/\s*\d{1,3}|\(\d{1,3}\))$")
});

/// What a table column holds, from its header cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Column {
    Number,
    Title,
    Diary,
    Presenter,
    Time,
    /// People, under the header's words ("Ledamot", "Ersättare", "Namn").
    Name(String),
    Party,
    Role,
    Items,
    Other,
}

/// The column a header cell names.
pub(super) fn column(header: &str) -> Column {
    let lower = clean(header).text.to_lowercase();
    let lower = lower.trim_end_matches(':');
    // "Ersättare 2", "2:e ersättare": a name column like "Ersättare".
    let numbered = seat_column(lower);
    if numbered != lower
        && let Column::Name(_) = column(numbered)
    {
        return Column::Name(seat_column(&clean(header).text).to_string());
    }
    match lower {
        "nr" | "nr." | "§" | "punkt" | "nummer" | "#" => Column::Number,
        "ärende" | "ärenden" | "rubrik" | "ämne" | "dagordning" => Column::Title,
        "dnr" | "diarienummer" | "dnr." => Column::Diary,
        "föredragande" | "ansvarig" | "föredragare" => Column::Presenter,
        "tid" | "kl." | "kl" | "klockan" | "tidpunkt" => Column::Time,
        "parti" => Column::Party,
        "roll" | "funktion" | "titel" | "uppdrag" | "befattning" => Column::Role,
        "kallas till" | "punkter" | "deltar i" | "närvarar vid" => Column::Items,
        "namn"
        | "ledamot"
        | "ledamöter"
        | "ersättare"
        | "suppleant"
        | "suppleanter"
        | "ordinarie"
        | "ordinarie ledamöter"
        | "personlig ersättare" => Column::Name(clean(header).text),
        _ => Column::Other,
    }
}

/// A name column's header without its number: "Ersättare 2" and "2:e
/// ersättare" → "Ersättare"/"ersättare".
fn seat_column(header: &str) -> &str {
    let header = header.trim();
    let without_number = header
        .rsplit_once(' ')
        .filter(|(_, n)| n.chars().all(|c| c.is_ascii_digit()))
        .map_or(header, |(base, _)| base);
    without_number
        .split_once(' ')
        .filter(|(ordinal, _)| {
            let o = ordinal.to_lowercase();
            o.ends_with(":e") || o.ends_with(":a") || o == "förste" || o == "andre" || o == "tredje"
        })
        .map_or(without_number, |(_, base)| base)
}

/// Whether header cells make a table this module rewrites: an agenda
/// (a number and a title column) or a roster with a party or role column.
pub(super) fn is_table_header(columns: &[Column]) -> bool {
    let has = |c: &Column| columns.contains(c);
    let names = columns.iter().any(|c| matches!(c, Column::Name(_)));
    (has(&Column::Title) && (has(&Column::Number) || has(&Column::Time)))
        || (names && (has(&Column::Party) || has(&Column::Role) || has(&Column::Items)))
}

/// Rewrites the lines of a document (see the module's documentation).
pub fn normalise(lines: Vec<Line>) -> Vec<Line> {
    let lines = tables(lines);
    let mut out: Vec<Line> = Vec::with_capacity(lines.len());
    let mut index = 0;
    while index < lines.len() {
        let line = &lines[index];
        index += 1;
        let raw = line.text.trim_start_matches('\u{c}');
        let trimmed = raw.trim();
        if let Some((label, value)) = head_label(trimmed) {
            out.push(at(line.number, format!("{label}: {value}")));
            continue;
        }
        if let Some(c) = SECTION_NUMBER.captures(trimmed) {
            let hashes = c.get(1).map_or("", |m| m.as_str());
            out.push(at(
                line.number,
                format!("{hashes}{}. {}", &c[2], c[3].trim()),
            ));
            continue;
        }
        let cleaned = clean(raw);
        if LONE_NUMBER.is_match(&cleaned.text) && cleaned.heading == 0 {
            // Numbers alone on their lines, then as many titles ("1." "2."
            // "Val av justerare" "Godkännande …", a PDF's text): paired.
            let text_at = |i: usize| clean(&lines[i].text).text;
            // `index` is past this line already. The run of numbers, then
            // as many lines: read only so far (a document of numbers alone
            // costs no more than reading it).
            let mut filled: Vec<usize> = Vec::new();
            // Breaks and sub-items among the titles, which take no number:
            // (the title they follow, their line).
            let mut unnumbered: Vec<(usize, usize)> = Vec::new();
            let mut run = 0;
            for i in index - 1..lines.len() {
                let text = text_at(i);
                if text.is_empty() {
                    continue;
                }
                if run == filled.len() && LONE_NUMBER.is_match(&text) {
                    run += 1;
                } else if filled.len() >= 2 * run {
                    break;
                } else if filled.len() > run && is_unnumbered(&text) {
                    unnumbered.push((filled.len() - run - 1, i));
                    continue;
                }
                filled.push(i);
                if filled.len() >= 2 * run && run < filled.len() {
                    break;
                }
            }
            // A bare page number ("2") before a page break is the page's
            // footer, no item.
            let footer = !cleaned.text.ends_with(['.', ')'])
                && filled
                    .get(1)
                    .is_none_or(|i| lines[*i].text.starts_with('\u{c}'));
            let titles = &filled[run.min(filled.len())..];
            if !footer
                && titles.len() == run
                && titles.iter().all(|i| !LABELLED.is_match(&text_at(*i)))
            {
                for (k, &number_at) in filled[..run].iter().enumerate() {
                    let digits = text_at(number_at).trim_end_matches(['.', ')']).to_string();
                    let mut title = text_at(titles[k]);
                    index = titles[k] + 1;
                    // One number alone: its title may wrap onto the next
                    // line, going on in lower case, or after a comma or a
                    // little word ("för").
                    while run == 1
                        && let Some(more) = lines.get(index).map(|l| clean(&l.text).text)
                        && !more.is_empty()
                        && (more.starts_with(char::is_lowercase) || unfinished(&title))
                        && !more.starts_with('(')
                        && !LABELLED.is_match(&more)
                    {
                        title.push(' ');
                        title.push_str(&more);
                        index += 1;
                    }
                    out.push(at(lines[number_at].number, format!("{digits}. {title}")));
                    for &(_, line) in unnumbered.iter().filter(|(after, _)| *after == k) {
                        out.push(lines[line].clone());
                    }
                }
                continue;
            }
        }
        out.push(at(line.number, raw.to_string()));
    }
    out
}

/// Whether a cleaned line is an item's number alone ("5", "5.", "§ 5",
/// "Punkt 5").
pub fn is_item_number(text: &str) -> bool {
    ITEM_NUMBER.is_match(text)
}

/// Whether a title line stops where it cannot end: after a comma or a
/// preposition or conjunction ("Ändring av detaljplan för").
pub fn unfinished(title: &str) -> bool {
    let last = title.rsplit(' ').next().unwrap_or_default();
    title.ends_with(',')
        || matches!(
            last,
            "för" | "av" | "och" | "i" | "om" | "på" | "till" | "med" | "vid" | "från" | "samt"
        )
}

/// A head label without its colon: "Tid⇥…", "Plats      …" (a table or
/// aligned columns), or with one space where the value cannot be read
/// otherwise: a date or time after "Datum"/"Tid", a capitalised place
/// after "Plats"/"Lokal", a name alone after "Ordförande"/"Sekreterare".
fn head_label(line: &str) -> Option<(&str, &str)> {
    if let Some(c) = HEAD_LABEL.captures(line) {
        let (label, value) = (c.get(1)?, c.get(2)?);
        return Some((label.as_str(), value.as_str().trim()));
    }
    let (label, value) = line.split_once(' ')?;
    let value = value.trim();
    let fits = match label.to_lowercase().as_str() {
        "datum" | "tid" => {
            value.starts_with(|c: char| c.is_ascii_digit() || c.is_uppercase())
                && value.chars().any(|c| c.is_ascii_digit())
        }
        "plats" | "lokal" | "sammanträdeslokal" => value.starts_with(char::is_uppercase),
        "ordförande" | "sekreterare" => {
            split_name(value).is_some_and(|(name, _)| name.len() == value.len())
        }
        _ => false,
    };
    fits.then_some((label, value))
}

/// Whether a cleaned line is a page's furniture: "Sida 1 av 2", "2 (3)".
pub fn is_furniture(text: &str) -> bool {
    PAGE_FURNITURE.is_match(text)
}

fn at(number: usize, text: String) -> Line {
    Line { number, text }
}

/// The cells of a line of a table of this kind.
#[derive(Debug, Clone, Copy)]
enum Cells {
    Pipe,
    Tab,
    /// Columns starting at these character positions.
    Aligned,
}

fn pipe_cells(text: &str) -> Vec<String> {
    let t = text.trim();
    let t = t.strip_prefix('|').unwrap_or(t);
    let t = t.strip_suffix('|').unwrap_or(t);
    t.split('|').map(|c| c.trim().to_string()).collect()
}

fn is_pipe_separator(text: &str) -> bool {
    let t = text.trim();
    t.starts_with('|') && t.chars().all(|c| matches!(c, '|' | '-' | ':' | ' '))
}

/// The runs of an aligned line: text set apart from the next by two
/// spaces or more, as (start, end) in characters.
fn runs(chars: &[char]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == ' ' {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && !(chars[i] == ' ' && chars.get(i + 1).is_none_or(|c| *c == ' ')) {
            i += 1;
        }
        out.push((start, i));
    }
    out
}

/// The start positions (in characters) of the columns of an aligned
/// header line, and its cells.
fn aligned_header(text: &str) -> Option<(Vec<usize>, Vec<String>)> {
    let chars: Vec<char> = text.chars().collect();
    let (starts, cells): (Vec<usize>, Vec<String>) = runs(&chars)
        .into_iter()
        .map(|(start, end)| (start, chars[start..end].iter().collect()))
        .unzip();
    (cells.len() >= 2).then_some((starts, cells))
}

/// Cuts an aligned line at the columns' start positions. Words set apart
/// by two spaces or more are a cell's text; one that runs over a column's
/// start with a single space there ("2026/08 samhällsbyggnadschef", the
/// columns set close) is cut at that space. Each piece belongs to the
/// column whose start is nearest.
fn aligned_cells(text: &str, starts: &[usize]) -> Vec<String> {
    let mut cells = vec![String::new(); starts.len()];
    let chars: Vec<char> = text.chars().collect();
    for (start, i) in runs(&chars) {
        let mut cuts = vec![start];
        for &column in starts.iter().filter(|c| **c > start + 1 && **c < i) {
            if let Some(space) = (column.saturating_sub(3)..=column)
                .rev()
                .find(|q| chars[*q] == ' ')
            {
                cuts.push(space + 1);
            }
        }
        cuts.push(i);
        for piece in cuts.windows(2) {
            let word: String = chars[piece[0]..piece[1]].iter().collect::<String>();
            let word = word.trim();
            if word.is_empty() {
                continue;
            }
            let column = starts
                .iter()
                .enumerate()
                .min_by_key(|(_, s)| s.abs_diff(piece[0]))
                .map_or(0, |(k, _)| k);
            if !cells[column].is_empty() {
                cells[column].push(' ');
            }
            cells[column].push_str(word);
        }
    }
    cells
}

/// Finds the tables and rewrites each; other lines pass unchanged.
fn tables(lines: Vec<Line>) -> Vec<Line> {
    let mut out = Vec::with_capacity(lines.len());
    let mut index = 0;
    while index < lines.len() {
        let line = &lines[index];
        let text = line.text.trim_start_matches('\u{c}');
        let (kind, header, mut starts) = if text.trim_start().starts_with('|') {
            (Cells::Pipe, pipe_cells(text), Vec::new())
        } else if text.contains('\t') {
            (
                Cells::Tab,
                text.split('\t').map(|c| c.trim().to_string()).collect(),
                Vec::new(),
            )
        } else if let Some((starts, cells)) = aligned_header(text) {
            (Cells::Aligned, cells, starts)
        } else {
            out.push(line.clone());
            index += 1;
            continue;
        };
        let columns: Vec<Column> = header.iter().map(|h| column(h)).collect();
        // People side by side in a Markdown table ("Ledamot | Ersättare |
        // Ersättare 2"), their parties in their cells; a Word table's and
        // a PDF's columns of names are the roster reader's.
        let names_side_by_side = matches!(kind, Cells::Pipe)
            && columns
                .iter()
                .filter(|c| matches!(c, Column::Name(_)))
                .count()
                >= 2;
        if !is_table_header(&columns) && !names_side_by_side {
            out.push(line.clone());
            index += 1;
            continue;
        }
        index += 1;
        let mut rows: Vec<(usize, Vec<String>)> = Vec::new();
        // Page footers met inside the table, passed on as they are.
        let mut furniture = Vec::new();
        let same_header =
            |cells: &[String]| cells.iter().map(|c| column(c)).collect::<Vec<_>>() == columns;
        let number_at = columns.iter().position(|c| *c == Column::Number);
        while index < lines.len() {
            let text = lines[index].text.trim_start_matches('\u{c}');
            let number = lines[index].number;
            let cells = match kind {
                Cells::Pipe if is_pipe_separator(text) => {
                    index += 1;
                    continue;
                }
                Cells::Pipe if text.trim_start().starts_with('|') => pipe_cells(text),
                Cells::Tab if text.contains('\t') => {
                    text.split('\t').map(|c| c.trim().to_string()).collect()
                }
                // Without a number column (a roster) a blank line ends the
                // table; an agenda's rows may stand a blank line apart.
                Cells::Aligned if text.trim().is_empty() && number_at.is_none() => break,
                Cells::Aligned if text.trim().is_empty() => {
                    index += 1;
                    continue;
                }
                // A page break's footer: the table goes on on the next page.
                Cells::Aligned if PAGE_FURNITURE.is_match(text.trim()) => {
                    furniture.push(lines[index].clone());
                    index += 1;
                    continue;
                }
                Cells::Aligned => {
                    // The header again on the next page, its columns where
                    // that page has them.
                    if let Some((at, _)) = aligned_header(text).filter(|(_, h)| same_header(h)) {
                        starts = at;
                        index += 1;
                        continue;
                    }
                    let cells = aligned_cells(text, &starts);
                    // Text where the numbers stand that is no number (a
                    // closing line at the margin): the table has ended.
                    let stray = number_at
                        .and_then(|at| cells.get(at))
                        .is_some_and(|c| !c.is_empty() && !ITEM_NUMBER.is_match(c));
                    if stray {
                        break;
                    }
                    cells
                }
                _ => break,
            };
            // The header again at the top of the next page.
            if !same_header(&cells) {
                rows.push((number, cells));
            }
            index += 1;
        }
        out.extend(furniture);
        if matches!(kind, Cells::Aligned) {
            rows = join_wrapped(rows, &columns);
        }
        if columns.contains(&Column::Title) {
            agenda_rows(line.number, &columns, &rows, &mut out);
        } else {
            roster_rows(&columns, &rows, &mut out);
        }
    }
    out
}

/// Rows of an aligned table whose text wrapped onto the next line (no
/// number and no time of their own) joined to the row above.
fn join_wrapped(rows: Vec<(usize, Vec<String>)>, columns: &[Column]) -> Vec<(usize, Vec<String>)> {
    let mut out: Vec<(usize, Vec<String>)> = Vec::new();
    let empty = |cells: &[String], c: &Column| {
        columns
            .iter()
            .position(|x| x == c)
            .is_none_or(|i| cells.get(i).is_none_or(String::is_empty))
    };
    for (number, cells) in rows {
        // A row without a number goes on with the one above: its title or
        // presenter wrapped, or its time ("08.40–" / "09.10"); a break
        // ("Paus", with its time) is a row of its own.
        let time_open = out.last().is_some_and(|(_, previous)| {
            columns
                .iter()
                .position(|c| *c == Column::Time)
                .and_then(|i| previous.get(i))
                .is_some_and(|t| t.trim_end().ends_with(['–', '-', '—']))
        });
        let wraps = if columns.contains(&Column::Title) {
            empty(&cells, &Column::Number)
                && (empty(&cells, &Column::Time) || empty(&cells, &Column::Title) || time_open)
                && !super::agenda::is_break(&cells.join(" "))
        } else {
            // A roster's row goes on when no cell of it begins a name or a
            // role: "ordförande", "(förhinder)", "1:e vice".
            cells
                .iter()
                .all(|c| c.is_empty() || !c.starts_with(char::is_uppercase))
        };
        match out.last_mut() {
            Some((_, previous)) if wraps => {
                for (p, c) in previous.iter_mut().zip(cells) {
                    if !c.is_empty() {
                        if !p.is_empty() {
                            p.push(' ');
                        }
                        p.push_str(&c);
                    }
                }
            }
            _ => out.push((number, cells)),
        }
    }
    out
}

fn cell(columns: &[Column], cells: &[String], wanted: &Column) -> String {
    columns
        .iter()
        .position(|c| c == wanted)
        .and_then(|i| cells.get(i))
        .cloned()
        .unwrap_or_default()
}

/// An agenda table's rows as items: "5. Titel (kl. 09.10–09.40)" and
/// "Föredragande: …"; a row without a number is a break or a line of text.
fn agenda_rows(
    header: usize,
    columns: &[Column],
    rows: &[(usize, Vec<String>)],
    out: &mut Vec<Line>,
) {
    // The header row itself ("Nr | Ärende | …") is read as a blank line.
    out.push(at(header, String::new()));
    for (number, cells) in rows {
        let cleaned: Vec<String> = cells.iter().map(|c| clean(c).text).collect();
        let get = |c: &Column| cell(columns, &cleaned, c);
        let digits: String = get(&Column::Number)
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        let title = get(&Column::Title);
        let time = get(&Column::Time);
        let presenter = get(&Column::Presenter);
        let mut line = match (digits.is_empty(), title.is_empty()) {
            (false, _) => format!("{digits}. {title}"),
            (true, false) => title,
            (true, true) => String::new(),
        };
        if !time.is_empty() {
            line.push_str(&format!(" (kl. {time})"));
        }
        out.push(at(*number, line));
        if !presenter.is_empty() {
            out.push(at(*number, format!("Föredragande: {presenter}")));
        }
        // Every other cell (a party, a role, one past the header's columns)
        // on a line of its own, to be read or named; the diary number is
        // left out by design (the corpus's judgement call 10).
        for (i, text) in cleaned.iter().enumerate() {
            let taken = matches!(
                columns.get(i),
                Some(
                    Column::Number
                        | Column::Title
                        | Column::Time
                        | Column::Presenter
                        | Column::Diary
                )
            );
            if !taken && !text.is_empty() {
                out.push(at(*number, text.clone()));
            }
        }
    }
    out.push(at(header, String::new()));
}

/// A roster table's rows as roster lines: each name column in turn under
/// its header as a heading ("Ledamot", "Ersättare"; not "Namn"), each
/// person "Namn (Parti), roll, punkt 4 och 5"; with a role column, the
/// seat or group a row's role names is its heading.
fn roster_rows(columns: &[Column], rows: &[(usize, Vec<String>)], out: &mut Vec<Line>) {
    let name_columns: Vec<usize> = columns
        .iter()
        .enumerate()
        .filter(|(_, c)| matches!(c, Column::Name(_)))
        .map(|(i, _)| i)
        .collect();
    for (k, &name_at) in name_columns.iter().enumerate() {
        // This name column's own cells run to the next name column.
        let until = name_columns.get(k + 1).copied().unwrap_or(columns.len());
        let header = match &columns[name_at] {
            Column::Name(h) if !h.eq_ignore_ascii_case("namn") => Some(h.clone()),
            _ => None,
        };
        if let Some(h) = &header {
            out.push(at(rows.first().map_or(0, |r| r.0), h.clone()));
        }
        for (number, cells) in rows {
            let cleaned: Vec<String> = cells.iter().map(|c| clean(c).text).collect();
            let Some(name_cell) = cleaned.get(name_at).filter(|c| !c.is_empty()) else {
                continue;
            };
            let mut party = None;
            let mut role = Vec::new();
            let mut rest = Vec::new();
            for (i, c) in columns.iter().enumerate() {
                let in_group =
                    i > name_at && i < until || (name_columns.len() == 1 && i != name_at);
                let text = cleaned.get(i).cloned().unwrap_or_default();
                if !in_group || text.is_empty() {
                    continue;
                }
                match c {
                    Column::Party => party = Some(text),
                    Column::Role => role.push(text),
                    _ => rest.push(text),
                }
            }
            if !role.is_empty() && header.is_none() {
                out.push(at(*number, role_heading(&role.join(", "))));
            }
            let mut person = match split_name(name_cell) {
                Some((name, rest_at)) => {
                    let after = name_cell[rest_at..].trim();
                    let party = party.map(|p| format!(" ({p})")).unwrap_or_default();
                    match after {
                        "" => format!("{name}{party}"),
                        a if a.starts_with('(') => format!("{name}{party} {a}"),
                        a => format!("{name}{party}, {}", a.trim_start_matches(',').trim()),
                    }
                }
                None => name_cell.clone(),
            };
            let described: Vec<String> = role
                .iter()
                .flat_map(|r| r.split(',').map(|s| s.trim().to_string()))
                .filter(|s| !s.is_empty() && super::roster::seat_word(s).is_none())
                .chain(rest)
                .collect();
            for d in described {
                person.push_str(", ");
                person.push_str(&d);
            }
            out.push(at(*number, person));
        }
    }
    out.push(at(rows.last().map_or(0, |r| r.0), String::new()));
}

/// The heading for a row of a roster table with a role column: its seat
/// ("Ledamot, arbetstagarrepresentant" → "Ledamot"), "Sekreterare", or
/// "Kallade" (no seat or group of its own).
fn role_heading(role: &str) -> String {
    let words: Vec<&str> = role.split(',').map(str::trim).collect();
    if let Some(seat) = words.iter().find_map(|w| super::roster::seat_word(w)) {
        return match seat {
            crate::model::Seat::Member => "Ledamot".to_string(),
            crate::model::Seat::Deputy => "Ersättare".to_string(),
        };
    }
    if words
        .iter()
        .any(|w| w.to_lowercase().ends_with("sekreterare"))
    {
        return "Sekreterare".to_string();
    }
    "Kallade".to_string()
}

/// The head's lines laid out in columns by `pdftotext -layout` keep their
/// left part ("Barn- och utbildningsnämnden      2026-11-12"): the right
/// is a page header's date or mark.
pub fn head_left(text: &str) -> (&str, Option<&str>) {
    let trimmed = text.trim_end();
    match WIDE_GAP.find(trimmed.trim_start()) {
        Some(gap) if !trimmed.trim_start()[..gap.start()].is_empty() => {
            let t = trimmed.trim_start();
            (&t[..gap.start()], Some(t[gap.end()..].trim()))
        }
        _ => (trimmed, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<Line> {
        text.lines()
            .enumerate()
            .map(|(i, t)| Line {
                number: i + 1,
                text: t.to_string(),
            })
            .collect()
    }

    fn texts(text: &str) -> Vec<String> {
        normalise(lines(text))
            .into_iter()
            .map(|l| l.text)
            .filter(|t| !t.is_empty())
            .collect()
    }

    #[test]
    fn a_pipe_agenda_table_becomes_items_with_times_and_presenters() {
        let t = texts(
            "| Nr | Ärende | Dnr | Föredragande | Tid |\n|---|---|---|---|---|\n| 3 | Information | KS 2026/1 | Henrik Sandell, kommundirektör | 08.40–09.10 | bilaga 2 |\n| | Paus | | | 10.20–10.40 |\n",
        );
        // The diary number is left out; a cell past the header is a line.
        assert_eq!(
            t,
            vec![
                "3. Information (kl. 08.40–09.10)",
                "Föredragande: Henrik Sandell, kommundirektör",
                "bilaga 2",
                "Paus (kl. 10.20–10.40)"
            ]
        );
    }

    #[test]
    fn a_roster_table_reads_column_by_column_with_parties() {
        let t = texts(
            "| Ledamot | Parti | Ersättare | Parti |\n|---|---|---|---|\n| Karin Almqvist, ordförande | S | Johan Berglind | S |\n| Birgitta Lund (förhinder) | M | Gustav Mattsson | M |\n",
        );
        assert_eq!(
            t,
            vec![
                "Ledamot",
                "Karin Almqvist (S), ordförande",
                "Birgitta Lund (M) (förhinder)",
                "Ersättare",
                "Johan Berglind (S)",
                "Gustav Mattsson (M)"
            ]
        );
    }

    #[test]
    fn a_role_column_gives_each_row_its_seat() {
        let t = texts(
            "| Roll | Namn | Parti |\n|---|---|---|\n| Ledamot, arbetstagarrepresentant | Håkan Rydberg | |\n| VD | Mikael Tornberg | |\n",
        );
        assert_eq!(
            t,
            vec![
                "Ledamot",
                "Håkan Rydberg, arbetstagarrepresentant",
                "Kallade",
                "Mikael Tornberg, VD"
            ]
        );
    }

    #[test]
    fn numbers_apart_section_signs_and_labels_without_colon() {
        let t = texts(
            "1.\n\nMötets öppnande\n### § 5 VD-rapport\nPunkt 3\tEkonomi\nTid\tTisdag kl. 13.15\nPlats      Rummet\nSida 1 av 2\n",
        );
        assert_eq!(
            t,
            vec![
                "1. Mötets öppnande",
                "### 5. VD-rapport",
                "3. Ekonomi",
                "Tid: Tisdag kl. 13.15",
                "Plats: Rummet",
                "Sida 1 av 2"
            ]
        );
    }

    #[test]
    fn an_aligned_table_joins_wrapped_rows() {
        let t = texts(
            " Nr   Ärende                 Föredragande        Tid\n\n 4    Kvalitetsrapport       Jimmy Persson,      09.10–09.40\n      2025/2026              kvalitetsstrateg\n      Paus                                       10.00–10.20\n",
        );
        assert_eq!(
            t,
            vec![
                "4. Kvalitetsrapport 2025/2026 (kl. 09.10–09.40)",
                "Föredragande: Jimmy Persson, kvalitetsstrateg",
                "Paus (kl. 10.00–10.20)"
            ]
        );
    }
}
