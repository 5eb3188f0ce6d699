//! Columns read one after another. Text copied out of a PDF without its
//! layout (a PDF viewer's copy, `pdftotext` without `-layout`) gives a
//! table column by column: each header cell alone between blank lines,
//! then each column's cells as a block of lines. This pass runs on plain
//! text only (a Word file's tables and a PDF read with `-layout` keep
//! their rows). Where the rows can be put back together for certain, they
//! are, into the tab-separated rows the table reader takes:
//!
//! - a table whose columns have as many cells each ("Ledamot", "Parti",
//!   "Ersättare", "Parti", then four blocks of eleven lines);
//! - side-by-side lists of people under headings of their own
//!   ("Ledamöter", "Ersättare", then the two lists);
//! - head labels and their values, each value fitting its label
//!   ("Datum:" "Tid:" then a date and a time).
//!
//! Where they cannot, the notice is refused (`ImportError::ColumnsApart`)
//! at the first line of what was taken apart, saying to import the PDF
//! or the Word file instead: guessing would show the secretary a meeting
//! with times on the wrong items. That is
//!
//! - a table whose columns differ in length (an empty cell, a cell
//!   wrapped onto two lines): which time or presenter belongs to which
//!   item is lost with the layout;
//! - an agenda's "Punkt 4" "Punkt 5" standing alone, their titles
//!   elsewhere;
//! - a roster's heading twice, a line each ("Förtroendevalda"
//!   "Förtroendevalda"): two columns woven together line by line.
//!
//! Anything else (a heading alone, numbers alone before their titles) is
//! left as it stands for the readers after this.

use std::ops::Range;

use super::ImportError;
use super::header::{self, Label, Value, is_bare_label};
use super::layout::{Column, column, is_item_number, is_table_header};
use super::names::{reads_as_name, split_name};
use super::roster::heading;
use super::source::Line;

/// Puts a text's columns back together (see the module's documentation).
/// Only for plain text: a Word file's tables and a PDF read with its
/// layout keep their rows.
pub fn join(lines: Vec<Line>) -> Result<Vec<Line>, ImportError> {
    let blocks = blocks(&lines);
    // Each block's header word when it is one alone, and its last line's
    // when it has more: worked out once, each run of them walked once.
    let alone: Vec<Option<Column>> = blocks
        .iter()
        .map(|block| (block.len() == 1).then(|| header_word(&lines[block.start]))?)
        .collect();
    let ends_with: Vec<Option<Column>> = blocks
        .iter()
        .map(|block| (block.len() > 1).then(|| header_word(&lines[block.end - 1]))?)
        .collect();
    let run = |from: usize| {
        alone
            .get(from..)
            .map_or(0, |a| a.iter().take_while(|c| c.is_some()).count())
    };
    let mut out = Vec::with_capacity(lines.len());
    // Lines before this index are in `out` (or were replaced there).
    let mut copied = 0;
    let mut b = 0;
    while b < blocks.len() {
        // The header words: blocks of one word alone; the first may end a
        // block under a heading ("Övriga kallade" "Namn") when another
        // follows.
        let (heads, headers): (Vec<usize>, Vec<Column>) = match run(b) {
            0 if ends_with[b].is_some() && run(b + 1) > 0 => std::iter::once(b)
                .chain(b + 1..b + 1 + run(b + 1))
                .map(|i| {
                    let line = if i == b {
                        blocks[b].end - 1
                    } else {
                        blocks[i].start
                    };
                    (
                        line,
                        alone[i]
                            .clone()
                            .or_else(|| ends_with[i].clone())
                            .unwrap_or(Column::Other),
                    )
                })
                .unzip(),
            k if k >= 2 => (b..b + k)
                .map(|i| (blocks[i].start, alone[i].clone().unwrap_or(Column::Other)))
                .unzip(),
            _ => (Vec::new(), Vec::new()),
        };
        let k = heads.len();
        let words: Vec<&str> = heads.iter().map(|h| text(&lines[*h])).collect();
        if k >= 2 {
            match columns(&lines, &blocks[b + k..], &headers) {
                Columns::Leave => {}
                Columns::Apart => {
                    return Err(apart(&lines[heads[0]], &words));
                }
                Columns::Join(joined) => {
                    out.extend_from_slice(&lines[copied..heads[0]]);
                    if joined == Joined::Lists {
                        // Each heading, then its list, then a blank line.
                        for (heading, list) in heads.iter().zip(&blocks[b + k..b + 2 * k]) {
                            out.push(lines[*heading].clone());
                            out.extend_from_slice(&lines[list.clone()]);
                            out.push(Line {
                                number: lines[list.end - 1].number,
                                text: String::new(),
                            });
                        }
                    } else {
                        out.push(Line {
                            number: lines[heads[0]].number,
                            text: words.join("\t"),
                        });
                        let cells = &blocks[b + k..b + 2 * k];
                        for r in 0..cells[0].len() {
                            let row: Vec<&str> =
                                cells.iter().map(|c| text(&lines[c.start + r])).collect();
                            out.push(Line {
                                number: lines[cells[0].start + r].number,
                                text: row.join("\t"),
                            });
                        }
                    }
                    copied = blocks[b + 2 * k - 1].end;
                    b += 2 * k;
                    continue;
                }
            }
            b += k;
            continue;
        }
        // An agenda's "Punkt 4" "Punkt 5" each alone, their titles
        // elsewhere: the numbers' column read apart and in pieces. (Plain
        // numbers "1." "2." before their titles are paired after this.)
        let numbers = |block: &Range<usize>| {
            block.clone().all(|i| {
                let t = text(&lines[i]);
                is_item_number(t) && !t.starts_with(|c: char| c.is_ascii_digit())
            })
        };
        if let Some(next) = blocks.get(b + 1)
            && numbers(&blocks[b])
            && numbers(next)
        {
            let words: Vec<&str> = blocks[b]
                .clone()
                .chain(next.clone())
                .map(|i| text(&lines[i]))
                .collect();
            return Err(apart(&lines[blocks[b].start], &words));
        }
        // A roster's heading twice, a line each ("Förtroendevalda"
        // "Förtroendevalda"): two columns' headings, their lines woven
        // together after them.
        if let Some(twice) = blocks[b].clone().skip(1).find(|&i| {
            let (line, before) = (text(&lines[i]), text(&lines[i - 1]));
            line == before && heading(line).is_some()
        }) {
            return Err(apart(&lines[twice - 1], &[text(&lines[twice]); 2]));
        }
        // The labels ending a block ("Kommunfullmäktige" "Datum:" "Tid:"),
        // their values the next block, each fitting its label.
        let block = &blocks[b];
        let bare = block
            .clone()
            .rev()
            .take_while(|i| is_bare_label(text(&lines[*i])))
            .count();
        let labels = block.end - bare..block.end;
        if let Some(values) = blocks.get(b + 1)
            && bare > 0
            && values.len() == bare
            && labels
                .clone()
                .zip(values.clone())
                .all(|(l, v)| fits(text(&lines[l]), text(&lines[v])))
        {
            out.extend_from_slice(&lines[copied..labels.start]);
            for (label, value) in labels.clone().zip(values.clone()) {
                out.push(Line {
                    number: lines[label].number,
                    text: format!(
                        "{}: {}",
                        text(&lines[label]).trim_end_matches(':'),
                        text(&lines[value])
                    ),
                });
            }
            copied = values.end;
            b += 2;
            continue;
        }
        b += 1;
    }
    out.extend_from_slice(&lines[copied..]);
    Ok(out)
}

/// What the blocks after a run of header words are.
enum Columns {
    /// Not a table's columns (or a table read row by row): as they are.
    Leave,
    /// Columns that can be put back together.
    Join(Joined),
    /// A table's columns that cannot.
    Apart,
}

#[derive(PartialEq, Eq)]
enum Joined {
    /// Each heading's list of people.
    Lists,
    /// A table's cells, row by row.
    Rows,
}

/// How the blocks after the header words `headers` (as many as there are
/// headers, taken from `after`) read.
fn columns(lines: &[Line], after: &[Range<usize>], headers: &[Column]) -> Columns {
    let k = headers.len();
    let cells = after.get(..k).filter(|cells| {
        cells
            .iter()
            .all(|c| !(c.len() == 1 && header_word(&lines[c.start]).is_some()))
    });
    if headers.iter().all(|c| matches!(c, Column::Name(_))) {
        // Headings of lists side by side ("Ledamöter" "Ersättare"), each
        // list of people; anything else ("Ersättare" with no one under
        // it, then the agenda) is read as it stands.
        let people = cells.is_some_and(|cells| {
            cells
                .iter()
                .all(|c| c.clone().all(|i| reads_as_name(text(&lines[i]))))
        });
        return if people {
            Columns::Join(Joined::Lists)
        } else {
            Columns::Leave
        };
    }
    // A table's header, or the rest of one ("Dnr" "Föredragande" "Tid"
    // after "Nr" "Ärende" and their cells): two columns of a row's details.
    let details = headers
        .iter()
        .filter(|c| {
            matches!(
                c,
                Column::Diary
                    | Column::Presenter
                    | Column::Time
                    | Column::Party
                    | Column::Role
                    | Column::Items
            )
        })
        .count();
    if !is_table_header(headers) {
        // The rest of a table: its rows cannot be matched with the
        // columns before.
        return if details >= 2 {
            Columns::Apart
        } else {
            Columns::Leave
        };
    }
    // A number and a title column whose first cell stands alone: the
    // table read row by row, a block a cell ("Nr" "Ärende" "1." "Val av
    // justerare" "2." …), its numbers paired with titles after this. With
    // more columns, a row's empty cells leave no trace.
    let first = cells.and_then(|cells| cells.first()).map_or(0, Range::len);
    if headers
        .iter()
        .all(|c| matches!(c, Column::Number | Column::Title))
        && first == 1
    {
        return Columns::Leave;
    }
    // Columns of one cell each could as well be one row's cells read in
    // order as the first row of columns: not for certain.
    if cells.is_some_and(|cells| first >= 2 && cells.iter().all(|c| c.len() == first)) {
        Columns::Join(Joined::Rows)
    } else {
        Columns::Apart
    }
}

/// The refusal of the table or columns beginning at `line`.
fn apart(line: &Line, words: &[&str]) -> ImportError {
    ImportError::ColumnsApart {
        line: line.number,
        header: words.join(", "),
    }
}

/// Whether a value a block apart fits its bare label: a date after
/// "Datum", a time after "Tid", a place (no sentence) after "Plats", a
/// name after "Ordförande".
fn fits(label: &str, value: &str) -> bool {
    let Some((which, _)) = header::label(&format!("{}:", label.trim_end_matches(':'))) else {
        return false;
    };
    match which {
        Label::Date => matches!(header::date(value), Value::Valid(_)),
        Label::Time => matches!(header::time_span(value), Value::Valid(_)),
        Label::Chair | Label::Secretary => {
            split_name(value).is_some_and(|(name, _)| name.len() == value.len())
        }
        _ => {
            value.starts_with(char::is_uppercase)
                && !value.ends_with(['.', '!', '?'])
                && !is_bare_label(value)
        }
    }
}

/// A line's text without a page break before it and without spaces around.
fn text(line: &Line) -> &str {
    line.text.trim_start_matches('\u{c}').trim()
}

/// The runs of non-blank lines, as ranges of indices.
fn blocks(lines: &[Line]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, line) in lines.iter().enumerate() {
        match (text(line).is_empty(), start) {
            (false, None) => start = Some(i),
            (true, Some(s)) => {
                out.push(s..i);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(s..lines.len());
    }
    out
}

/// The column of a line that is one table header word alone ("Parti",
/// "Föredragande"); not a Markdown heading, a table's row or a bold line,
/// which are read elsewhere.
fn header_word(line: &Line) -> Option<Column> {
    let word = text(line);
    if word.contains(['#', '|', '\t', '*', ':']) {
        return None;
    }
    match column(word) {
        Column::Other => None,
        c => Some(c),
    }
}

#[cfg(test)]
mod tests {
    use crate::kallelse::{ImportError, import_bytes};
    use crate::model::{Meeting, Seat};

    /// A notice around `middle` (roster and agenda as a PDF viewer copies
    /// them), read.
    fn read(middle: &str) -> Result<Meeting, Vec<ImportError>> {
        let text = format!(
            "Kallelse\nValnämnden\n\nDatum: 2026-11-17\nTid: 15.00–17.00\n\n{middle}\n\nÄrenden\n1. Öppnande\n2. Övriga frågor\n"
        );
        import_bytes(text.as_bytes())
    }

    fn party_and_seat(meeting: &Meeting, name: &str) -> (Option<String>, Option<Seat>) {
        let p = meeting
            .participants
            .iter()
            .find(|p| p.name == name)
            .unwrap_or_else(|| panic!("{name} not read: {:?}", meeting.participants));
        (p.party.clone(), p.seat)
    }

    #[test]
    fn a_table_whose_columns_follow_each_other_reads_row_by_row() {
        let meeting = read(
            "Ledamöter och ersättare\nLedamot\n\nParti\n\nErsättare\n\nParti\n\nAnna Berg\nBo Ek\n\nS\nM\n\nCarl Dahl\nDora Ås\n\nS\nM",
        )
        .unwrap();
        assert_eq!(meeting.participants.len(), 4);
        assert_eq!(
            party_and_seat(&meeting, "Bo Ek"),
            (Some("M".into()), Some(Seat::Member))
        );
        assert_eq!(
            party_and_seat(&meeting, "Dora Ås"),
            (Some("M".into()), Some(Seat::Deputy))
        );
    }

    #[test]
    fn lists_side_by_side_keep_their_own_headings() {
        let meeting =
            read("Ledamöter\n\nErsättare\n\nAnna Berg (S)\nBo Ek (M)\n\nCarl Dahl (S)").unwrap();
        assert_eq!(
            party_and_seat(&meeting, "Bo Ek"),
            (Some("M".into()), Some(Seat::Member))
        );
        assert_eq!(
            party_and_seat(&meeting, "Carl Dahl"),
            (Some("S".into()), Some(Seat::Deputy))
        );
    }

    #[test]
    fn head_labels_get_their_values_from_the_next_block() {
        let text = "KUNGÖRELSE\nValnämnden\nDatum:\nTid:\nLokal:\n\ntorsdag 26 november 2026\n18.30–22.00\nStadshuset\n\nKallade\nAnna Berg (S)\n\nÄrenden\n1. Öppnande\n";
        let meeting = import_bytes(text.as_bytes()).unwrap();
        assert_eq!(meeting.date.to_string(), "2026-11-26");
        assert_eq!(meeting.start.to_string(), "18:30:00");
        assert_eq!(meeting.location.as_deref(), Some("Stadshuset"));
    }

    /// The refusal, with its line, of a notice that must not be read.
    fn apart(middle: &str) -> (usize, String) {
        let problems = read(middle).expect_err("read, though its rows cannot be told");
        problems
            .iter()
            .find_map(|p| match p {
                ImportError::ColumnsApart { line, header } => Some((*line, header.clone())),
                _ => None,
            })
            .unwrap_or_else(|| panic!("refused otherwise: {problems:?}"))
    }

    #[test]
    fn columns_of_different_lengths_are_refused_at_their_header() {
        // Three parties for four names: whose party is missing is lost.
        let (line, header) =
            apart("Kallade\nNamn\n\nParti\n\nAnna Berg\nBo Ek\nCarl Dahl\nDora Ås\n\nS\nM\nS");
        assert_eq!((line, header.as_str()), (8, "Namn, Parti"));
        let message =
            read("Kallade\nNamn\n\nParti\n\nAnna Berg\nBo Ek\n\nS").unwrap_err()[0].to_string();
        assert!(message.contains("importera PDF-filen"), "{message}");
    }

    #[test]
    fn one_cell_per_column_is_no_certain_row() {
        apart("Kallade\nNamn\n\nParti\n\nAnna Berg\n\nS");
    }

    #[test]
    fn numbers_apart_from_their_titles_and_headings_twice_are_refused() {
        let (line, header) =
            apart("Kallade\nAnna Berg (S)\n\nPunkt 4\n\nPunkt 5\n\nVal av justerare");
        assert_eq!((line, header.as_str()), (10, "Punkt 4, Punkt 5"));
        let (line, _) = apart("Kallade\nFörtroendevalda\nFörtroendevalda\nAnna Berg (S) Bo Ek (M)");
        assert_eq!(line, 8);
    }

    /// The items' titles, with "(break)" for a break.
    fn titles(meeting: &Meeting) -> Vec<String> {
        meeting
            .items
            .iter()
            .map(|i| match &i.number {
                Some(n) => format!("{n}. {}", i.title),
                None => format!("({})", i.title),
            })
            .collect()
    }

    #[test]
    fn ordinary_notices_with_lines_alone_still_read() {
        let head = "Kallelse\nValnämnden\n\nDatum: 2026-11-17\nTid: 15.00–17.00\n\n";
        let read = |rest: &str| {
            import_bytes(format!("{head}{rest}").as_bytes())
                .unwrap_or_else(|e| panic!("{rest:?} refused: {e:?}"))
        };
        // A line twice, a heading twice.
        let m = read("Kallade\nAnna Berg (S)\nAnna Berg (S)\n\nÄrenden\n1. Öppnande\n");
        assert_eq!(m.participants.len(), 1);
        // Two agenda headings, an empty section's heading alone.
        let m = read("Kallade\nAnna Berg (S)\n\nDagordning\n\nÄrenden\n\n1. Öppnande\n");
        assert_eq!(titles(&m), ["1. Öppnande"]);
        let m = read("Ledamöter\nAnna Berg (S)\n\nErsättare\n\nÄrenden\n\n1. Öppnande\n");
        assert_eq!(titles(&m), ["1. Öppnande"]);
        // Numbers alone, then their titles.
        let m = read("Kallade\nAnna Berg (S)\n\n1.\n\n2.\n\nVal av justerare\n\nÖvriga frågor\n");
        assert_eq!(titles(&m), ["1. Val av justerare", "2. Övriga frågor"]);
        // A numbered title that begins with a break's word is an item.
        let m = read(
            "Kallade\nAnna Berg (S)\n\n1.\n2.\n3.\n\nBudget\nLunch med besök på skolan\nÖvriga frågor\n",
        );
        assert_eq!(
            titles(&m),
            [
                "1. Budget",
                "2. Lunch med besök på skolan",
                "3. Övriga frågor"
            ]
        );
        // An empty label is not given the next paragraph for its value.
        let text = "Kallelse\nValnämnden\nDatum: 2026-11-17\nTid: 15.00–17.00\nPlats:\n\nVälkomna till mötet.\n\nKallade\nAnna Berg (S)\n\n1. Öppnande\n";
        assert_eq!(import_bytes(text.as_bytes()).unwrap().location, None);
    }

    #[test]
    fn a_break_among_a_run_of_titles_takes_no_number() {
        let m = read("Kallade\nAnna Berg (S)\n\n1.\n2.\n3.\n\nÖppnande\nPaus 20 minuter\nBudget\na) Drift\nÖvriga frågor").unwrap();
        assert_eq!(
            titles(&m)[..4],
            ["1. Öppnande", "(Paus)", "2. Budget", "3. Övriga frågor"]
        );
        assert_eq!(m.items[2].sub_items.len(), 1);
    }

    #[test]
    fn a_table_read_row_by_row_is_left_to_the_number_pairing() {
        let text = "Kallelse\nValnämnden\n\nDatum: 2026-11-17\nTid: 15.00–17.00\n\nKallade\nAnna Berg (S)\n\nFöredragningslista\n\nNr\n\nÄrende\n\n1.\n\nVal av justerare\n\n2.\n\nÖvriga frågor\n";
        let meeting = import_bytes(text.as_bytes()).unwrap();
        let titles: Vec<&str> = meeting.items.iter().map(|i| i.title.as_str()).collect();
        assert_eq!(titles, ["Val av justerare", "Övriga frågor"]);
    }
}
