//! Word documents (.docx): the paragraphs of `word/document.xml` as lines,
//! with heading styles written as Markdown headings, automatic list numbers
//! written out ("1.", "a)") from `word/numbering.xml`, line breaks kept and
//! table rows as tab-separated cells.

use std::collections::HashMap;
use std::io::{Cursor, Read};

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::ImportError;

/// Largest XML part we read; a notice is a few hundred kilobytes at most.
const MAX_PART_BYTES: u64 = 32 * 1024 * 1024;

/// The text lines of a .docx file.
pub fn paragraphs(bytes: &[u8]) -> Result<Vec<String>, ImportError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| {
        ImportError::BrokenDocx(
            "filen är inte en hel Word-fil (zip-arkivet är trasigt eller avkortat)".into(),
        )
    })?;
    let document = read_part(&mut archive, "word/document.xml")?.ok_or_else(|| {
        ImportError::BrokenDocx("Word-filen saknar dokumenttext (word/document.xml)".into())
    })?;
    let numbering = match read_part(&mut archive, "word/numbering.xml")? {
        Some(xml) => Numbering::parse(&xml)?,
        None => Numbering::default(),
    };
    Walker::new(numbering).walk(&document)
}

fn read_part(
    archive: &mut zip::ZipArchive<Cursor<&[u8]>>,
    name: &str,
) -> Result<Option<String>, ImportError> {
    let file = match archive.by_name(name) {
        Ok(file) => file,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(_) => {
            return Err(ImportError::BrokenDocx(format!(
                "delen {name} i Word-filen går inte att läsa"
            )));
        }
    };
    let mut text = String::new();
    file.take(MAX_PART_BYTES)
        .read_to_string(&mut text)
        .map_err(|_| {
            ImportError::BrokenDocx(format!(
                "delen {name} i Word-filen är skadad eller avkortad"
            ))
        })?;
    Ok(Some(text))
}

fn xml_error(part: &str, position: u64) -> ImportError {
    ImportError::BrokenDocx(format!(
        "{part} i Word-filen är skadad (fel i XML vid tecken {position})"
    ))
}

fn attribute(element: &BytesStart<'_>, name: &[u8]) -> Option<String> {
    element
        .attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name)
        .and_then(|a| String::from_utf8(a.value.into_owned()).ok())
}

/// One level of a list definition.
#[derive(Debug, Clone, Default)]
struct Level {
    start: u32,
    format: String,
    text: String,
}

/// List definitions: abstract lists and the numbered instances using them.
#[derive(Debug, Default)]
struct Numbering {
    abstracts: HashMap<String, HashMap<u8, Level>>,
    instances: HashMap<String, (String, HashMap<u8, u32>)>,
}

impl Numbering {
    fn parse(xml: &str) -> Result<Self, ImportError> {
        let mut numbering = Numbering::default();
        let mut reader = Reader::from_str(xml);
        let mut abstract_id: Option<String> = None;
        let mut num_id: Option<String> = None;
        let mut level: Option<u8> = None;
        loop {
            let event = reader
                .read_event()
                .map_err(|_| xml_error("numreringen", reader.buffer_position()))?;
            match event {
                Event::Start(e) | Event::Empty(e) => match e.name().as_ref() {
                    b"w:abstractNum" => abstract_id = attribute(&e, b"w:abstractNumId"),
                    b"w:num" => {
                        num_id = attribute(&e, b"w:numId");
                        abstract_id = None;
                    }
                    b"w:lvl" | b"w:lvlOverride" => {
                        level = attribute(&e, b"w:ilvl").and_then(|v| v.parse().ok());
                    }
                    b"w:abstractNumId" => {
                        if let (Some(num), Some(value)) = (&num_id, attribute(&e, b"w:val")) {
                            numbering.instances.entry(num.clone()).or_default().0 = value;
                        }
                    }
                    b"w:startOverride" => {
                        if let (Some(num), Some(l), Some(value)) = (
                            &num_id,
                            level,
                            attribute(&e, b"w:val").and_then(|v| v.parse().ok()),
                        ) {
                            numbering
                                .instances
                                .entry(num.clone())
                                .or_default()
                                .1
                                .insert(l, value);
                        }
                    }
                    name @ (b"w:start" | b"w:numFmt" | b"w:lvlText") => {
                        if let (Some(id), Some(l), None) = (&abstract_id, level, &num_id) {
                            let value = attribute(&e, b"w:val").unwrap_or_default();
                            let entry = numbering
                                .abstracts
                                .entry(id.clone())
                                .or_default()
                                .entry(l)
                                .or_default();
                            match name {
                                b"w:start" => entry.start = value.parse().unwrap_or(1),
                                b"w:numFmt" => entry.format = value,
                                _ => entry.text = value,
                            }
                        }
                    }
                    _ => {}
                },
                Event::End(e) if e.name().as_ref() == b"w:num" => num_id = None,
                Event::End(e) if e.name().as_ref() == b"w:abstractNum" => abstract_id = None,
                Event::Eof => break,
                _ => {}
            }
        }
        Ok(numbering)
    }

    fn level(&self, num_id: &str, level: u8) -> Option<Level> {
        let (abstract_id, overrides) = self.instances.get(num_id)?;
        let mut found = self.abstracts.get(abstract_id)?.get(&level)?.clone();
        if let Some(start) = overrides.get(&level) {
            found.start = *start;
        }
        Some(found)
    }
}

fn format_counter(value: u32, format: &str) -> String {
    let letter = |base: u8| {
        let index = (value.max(1) - 1) % 26;
        // index < 26, so the addition stays within ASCII letters.
        char::from(base + index as u8).to_string()
    };
    match format {
        "lowerLetter" => letter(b'a'),
        "upperLetter" => letter(b'A'),
        "lowerRoman" => roman(value).to_lowercase(),
        "upperRoman" => roman(value),
        _ => value.to_string(),
    }
}

fn roman(mut value: u32) -> String {
    const TABLE: [(u32, &str); 13] = [
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ];
    let mut out = String::new();
    for (n, s) in TABLE {
        while value >= n {
            out.push_str(s);
            value -= n;
        }
    }
    out
}

/// Walks `document.xml`, keeping list counters as Word does.
struct Walker {
    numbering: Numbering,
    counters: HashMap<String, [Option<u32>; 9]>,
    lines: Vec<String>,
}

#[derive(Default)]
struct Paragraph {
    text: String,
    style: Option<String>,
    num_id: Option<String>,
    level: u8,
}

impl Walker {
    fn new(numbering: Numbering) -> Self {
        Walker {
            numbering,
            counters: HashMap::new(),
            lines: Vec::new(),
        }
    }

    fn walk(mut self, xml: &str) -> Result<Vec<String>, ImportError> {
        let mut reader = Reader::from_str(xml);
        let mut paragraph = Paragraph::default();
        let mut in_text = false;
        let mut in_run = false;
        let mut cells: Vec<String> = Vec::new();
        let mut cell = String::new();
        let mut table_depth = 0usize;
        loop {
            let event = reader
                .read_event()
                .map_err(|_| xml_error("dokumenttexten", reader.buffer_position()))?;
            match event {
                Event::Start(e) => match e.name().as_ref() {
                    b"w:p" => paragraph = Paragraph::default(),
                    b"w:r" => in_run = true,
                    b"w:t" => in_text = true,
                    b"w:tbl" => table_depth += 1,
                    b"w:tr" => cells.clear(),
                    b"w:tc" => cell.clear(),
                    // Hyperlinks are attached documents; write them as
                    // Markdown links so the agenda reader sees them alike.
                    b"w:hyperlink" => paragraph.text.push('['),
                    _ => self.properties(&e, &mut paragraph),
                },
                Event::Empty(e) => match e.name().as_ref() {
                    b"w:tab" if in_run => paragraph.text.push('\t'),
                    b"w:br" | b"w:cr" if in_run => paragraph.text.push('\n'),
                    _ => self.properties(&e, &mut paragraph),
                },
                Event::Text(t) if in_text => {
                    let text = t
                        .xml10_content()
                        .map_err(|_| xml_error("dokumenttexten", reader.buffer_position()))?;
                    paragraph.text.push_str(&text);
                }
                Event::GeneralRef(r) if in_text => {
                    let name = String::from_utf8_lossy(r.as_ref()).into_owned();
                    paragraph.text.push_str(match name.as_str() {
                        "amp" => "&",
                        "lt" => "<",
                        "gt" => ">",
                        "quot" => "\"",
                        "apos" => "'",
                        _ => "",
                    });
                }
                Event::End(e) => match e.name().as_ref() {
                    b"w:t" => in_text = false,
                    b"w:r" => in_run = false,
                    b"w:hyperlink" => paragraph.text.push_str("](#)"),
                    b"w:p" => {
                        let text = self.finish(std::mem::take(&mut paragraph));
                        if table_depth > 0 {
                            if !cell.is_empty() && !text.trim().is_empty() {
                                cell.push(' ');
                            }
                            cell.push_str(text.trim());
                        } else {
                            self.lines.extend(text.split('\n').map(str::to_string));
                        }
                    }
                    b"w:tc" => cells.push(std::mem::take(&mut cell).replace('\t', " ")),
                    b"w:tr" => self.lines.push(cells.join("\t")),
                    b"w:tbl" => table_depth = table_depth.saturating_sub(1),
                    _ => {}
                },
                Event::Eof => break,
                _ => {}
            }
        }
        Ok(self.lines)
    }

    fn properties(&self, element: &BytesStart<'_>, paragraph: &mut Paragraph) {
        match element.name().as_ref() {
            b"w:pStyle" => paragraph.style = attribute(element, b"w:val"),
            b"w:numId" => paragraph.num_id = attribute(element, b"w:val"),
            b"w:ilvl" => {
                paragraph.level = attribute(element, b"w:val")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0)
                    .min(8);
            }
            _ => {}
        }
    }

    /// The paragraph as a line: "## " for headings, list numbers written out.
    fn finish(&mut self, paragraph: Paragraph) -> String {
        let heading = paragraph.style.as_deref().and_then(heading_level);
        let prefix = match (&paragraph.num_id, heading) {
            (Some(num_id), _) if num_id != "0" => self.list_prefix(num_id, paragraph.level),
            (_, Some(level)) => format!("{} ", "#".repeat(level)),
            _ => String::new(),
        };
        if paragraph.text.trim().is_empty() {
            return String::new();
        }
        format!("{prefix}{}", paragraph.text)
    }

    fn list_prefix(&mut self, num_id: &str, level: u8) -> String {
        let Some(definition) = self.numbering.level(num_id, level) else {
            return "- ".into();
        };
        let indent = "  ".repeat(usize::from(level));
        if definition.format == "bullet" || definition.format == "none" {
            return format!("{indent}- ");
        }
        let counters = self.counters.entry(num_id.to_string()).or_default();
        let index = usize::from(level);
        counters[index] = Some(counters[index].map_or(definition.start, |c| c + 1));
        for deeper in counters.iter_mut().skip(index + 1) {
            *deeper = None;
        }
        let snapshot = *counters;
        let mut text = definition.text.clone();
        for (l, value) in snapshot.iter().enumerate().take(index + 1) {
            let format = self
                .numbering
                .level(num_id, l as u8)
                .map(|d| d.format)
                .unwrap_or_default();
            let shown = format_counter(value.unwrap_or(1), &format);
            text = text.replace(&format!("%{}", l + 1), &shown);
        }
        format!("{indent}{text} ")
    }
}

fn heading_level(style: &str) -> Option<usize> {
    let lower = style.to_lowercase();
    if lower == "title" || lower == "rubrik" {
        return Some(1);
    }
    let digits = lower
        .strip_prefix("heading")
        .or_else(|| lower.strip_prefix("rubrik"))?;
    digits.parse().ok().filter(|l| (1..=6).contains(l))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_are_formatted_like_word() {
        assert_eq!(format_counter(2, "lowerLetter"), "b");
        assert_eq!(format_counter(9, "decimal"), "9");
        assert_eq!(format_counter(4, "upperRoman"), "IV");
        assert_eq!(heading_level("Heading2"), Some(2));
        assert_eq!(heading_level("Rubrik3"), Some(3));
        assert_eq!(heading_level("BodyText"), None);
    }

    #[test]
    fn a_truncated_archive_is_a_clear_error() {
        let err = paragraphs(b"PK\x03\x04 not really a zip").unwrap_err();
        assert!(err.to_string().contains("Word-fil"), "{err}");
    }
}
