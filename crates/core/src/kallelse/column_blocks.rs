//! Columns read one after another. Text copied out of a PDF without its
//! layout (a PDF viewer's copy, `pdftotext` without `-layout`) gives a
//! table column by column: each header cell alone between blank lines,
//! then each column's cells as a block of lines. Where the rows can be put
//! back together for certain, they are, into the tab-separated rows the
//! table reader takes:
//!
//! - a table whose columns have as many cells each ("Ledamot", "Parti",
//!   "Ersättare", "Parti", then four blocks of eleven lines);
//! - side-by-side lists under headings of their own ("Ledamöter",
//!   "Ersättare", then the two lists);
//! - head labels and their values ("Datum:" "Tid:" then the two values).
//!
//! A table whose columns differ in length (an empty cell, a cell wrapped
//! onto two lines) cannot be put back: which time or presenter belongs to
//! which item is lost with the layout. Such a notice is refused at the
//! table's header, saying what to import instead; guessing would show the
//! secretary a meeting with times on the wrong items.

use std::ops::Range;

use super::ImportError;
use super::header::is_bare_label;
use super::layout::{Column, column, is_item_number, is_table_header};
use super::source::Line;

/// Puts a text's columns back together (see the module's documentation).
pub fn join(lines: Vec<Line>) -> Result<Vec<Line>, ImportError> {
    let blocks = blocks(&lines);
    let mut out = Vec::with_capacity(lines.len());
    // Lines before this index are in `out` (or were replaced there).
    let mut copied = 0;
    let mut b = 0;
    while b < blocks.len() {
        // The header words: blocks of one word alone; the first may end a
        // block under a heading ("Övriga kallade" "Namn") when another
        // follows.
        let alone = |block: &Range<usize>| {
            (block.len() == 1 && header_word(&lines[block.start]).is_some()).then_some(block.start)
        };
        let mut heads: Vec<usize> = blocks[b..].iter().map_while(alone).collect();
        let last = blocks[b].end - 1;
        if heads.is_empty() && header_word(&lines[last]).is_some() {
            let more: Vec<usize> = blocks[b + 1..].iter().map_while(alone).collect();
            if !more.is_empty() {
                heads = std::iter::once(last).chain(more).collect();
            }
        }
        let k = heads.len();
        let headers: Vec<Column> = heads
            .iter()
            .filter_map(|h| header_word(&lines[*h]))
            .collect();
        let words: Vec<&str> = heads.iter().map(|h| text(&lines[*h])).collect();
        let cells = blocks
            .get(b + k..b + 2 * k)
            .filter(|cells| cells.iter().all(|c| alone(c).is_none()));
        // A number and a title column whose first cell stands alone: the
        // table read row by row, a block a cell ("Nr" "Ärende" "1." "Val
        // av justerare" "2." …), its numbers paired with titles after
        // this. With more columns, a row's empty cells leave no trace.
        let by_rows = headers
            .iter()
            .all(|c| matches!(c, Column::Number | Column::Title))
            && cells
                .and_then(|cells| cells.first())
                .is_some_and(|c| c.len() == 1);
        if k >= 2 && !by_rows {
            let first = &lines[heads[0]];
            let lists = headers.iter().all(|c| matches!(c, Column::Name(_)));
            // Columns of one cell each could as well be one row's cells
            // read in order as the first row of columns: not for certain.
            let rows = cells
                .filter(|cells| cells[0].len() >= 2)
                .filter(|cells| cells.iter().all(|c| c.len() == cells[0].len()))
                .filter(|_| is_table_header(&headers));
            let Some(cells) = cells.filter(|_| lists || rows.is_some()) else {
                return Err(ImportError::ColumnsApart {
                    line: first.number,
                    header: words.join(", "),
                });
            };
            out.extend_from_slice(&lines[copied..heads[0]]);
            if lists {
                // Each heading, then its list, then a blank line.
                for (heading, list) in heads.iter().zip(cells) {
                    out.push(lines[*heading].clone());
                    out.extend_from_slice(&lines[list.clone()]);
                    out.push(Line {
                        number: lines[list.end - 1].number,
                        text: String::new(),
                    });
                }
            } else {
                out.push(Line {
                    number: first.number,
                    text: words.join("\t"),
                });
                for r in 0..cells[0].len() {
                    let row: Vec<&str> = cells.iter().map(|c| text(&lines[c.start + r])).collect();
                    out.push(Line {
                        number: lines[cells[0].start + r].number,
                        text: row.join("\t"),
                    });
                }
            }
            copied = cells[k - 1].end;
            b += 2 * k;
            continue;
        }
        // An agenda's numbers read apart from their titles and in pieces
        // ("Punkt 4" "Punkt 5" each alone, their titles elsewhere).
        let numbers = |block: &Range<usize>| block.clone().all(|i| is_item_number(text(&lines[i])));
        if let Some(next) = blocks.get(b + 1)
            && numbers(&blocks[b])
            && numbers(next)
        {
            let words: Vec<&str> = blocks[b]
                .clone()
                .chain(next.clone())
                .map(|i| text(&lines[i]))
                .collect();
            return Err(ImportError::ColumnsApart {
                line: lines[blocks[b].start].number,
                header: words.join(", "),
            });
        }
        // One heading twice on a line each ("Förtroendevalda"
        // "Förtroendevalda"): two columns' headings, their lines woven
        // together after them.
        if let Some(twice) = blocks[b].clone().skip(1).find(|&i| {
            let (line, before) = (text(&lines[i]), text(&lines[i - 1]));
            line == before && is_heading_like(line)
        }) {
            return Err(ImportError::ColumnsApart {
                line: lines[twice - 1].number,
                header: format!("{0}, {0}", text(&lines[twice])),
            });
        }
        // The labels ending a block ("Kommunfullmäktige" "Datum:" "Tid:"),
        // their values the next block.
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
            && !values.clone().any(|i| is_bare_label(text(&lines[i])))
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

/// A line's text without a page break before it and without spaces around.
fn text(line: &Line) -> &str {
    line.text.trim_start_matches('\u{c}').trim()
}

/// A line that can be a heading: a few words, capitalised, no digits.
fn is_heading_like(text: &str) -> bool {
    text.starts_with(char::is_uppercase)
        && text.split_whitespace().count() <= 4
        && !text.contains(|c: char| c.is_ascii_digit())
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
/// "Föredragande"). Only plain text: a Markdown heading, a table's row or
/// a bold line is read elsewhere.
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

    #[test]
    fn a_table_read_row_by_row_is_left_to_the_number_pairing() {
        let text = "Kallelse\nValnämnden\n\nDatum: 2026-11-17\nTid: 15.00–17.00\n\nKallade\nAnna Berg (S)\n\nFöredragningslista\n\nNr\n\nÄrende\n\n1.\n\nVal av justerare\n\n2.\n\nÖvriga frågor\n";
        let meeting = import_bytes(text.as_bytes()).unwrap();
        let titles: Vec<&str> = meeting.items.iter().map(|i| i.title.as_str()).collect();
        assert_eq!(titles, ["Val av justerare", "Övriga frågor"]);
    }
}
