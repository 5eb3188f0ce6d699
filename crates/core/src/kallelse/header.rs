//! The notice's head: title and body, "Datum:", "Tid:", "Mötesform:" and the
//! lists after "Kallade:" and "Inbjudna:".

use std::sync::LazyLock;

use chrono::{NaiveDate, NaiveTime};
use regex::Regex;

use super::markup::pattern;
use crate::model::DocumentKind;
use crate::model::time::month_from_swedish;

static LABEL: LazyLock<Regex> = LazyLock::new(|| {
    pattern(
        r"(?i)^(datum|tid|mötesform|plats|lokal|sammanträdeslokal|sammanträde|möteslokal|kallade|inbjudna|ordförande|sekreterare|mötessekreterare|nämndsekreterare)\s*:\s*(.*)$",
    )
});
static DATE_WORDS: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"(\d{1,2})\s+([A-Za-zÅÄÖåäö]+)\.?\s+(\d{4})"));
static DATE_ISO: LazyLock<Regex> = LazyLock::new(|| pattern(r"(\d{4})-(\d{1,2})-(\d{1,2})"));
static TIME_SPAN: LazyLock<Regex> = LazyLock::new(|| {
    pattern(
        r"(?:kl\.?\s*)?(\d{1,2})[.:](\d{2})(?:\s*(?:[–—-]|till)\s*(?:kl\.?\s*)?(\d{1,2})[.:](\d{2}))?",
    )
});

/// A label line of the head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Label {
    /// "Datum:"
    Date,
    /// "Tid:"
    Time,
    /// "Plats:", "Lokal:", "Sammanträdeslokal:", "Sammanträde:"
    Place,
    /// "Mötesform:": the place only where no other is given.
    Form,
    /// "Ordförande:" with the chair's name.
    Chair,
    /// "Sekreterare:" with the secretary's name.
    Secretary,
    /// "Kallade:"
    Called,
    /// "Inbjudna:"
    Invited,
}

impl Label {
    /// The label's word as a notice writes it.
    pub fn word(self) -> &'static str {
        match self {
            Label::Date => "Datum",
            Label::Time => "Tid",
            Label::Place => "Plats",
            Label::Form => "Mötesform",
            Label::Chair => "Ordförande",
            Label::Secretary => "Sekreterare",
            Label::Called => "Kallade",
            Label::Invited => "Inbjudna",
        }
    }
}

/// Splits "Datum: 4 juni 2026" into the label and its value.
pub fn label(text: &str) -> Option<(Label, String)> {
    let c = LABEL.captures(text)?;
    let which = match c[1].to_lowercase().as_str() {
        "datum" => Label::Date,
        "tid" => Label::Time,
        "kallade" => Label::Called,
        "inbjudna" => Label::Invited,
        "mötesform" => Label::Form,
        "ordförande" => Label::Chair,
        "sekreterare" | "mötessekreterare" | "nämndsekreterare" => Label::Secretary,
        _ => Label::Place,
    };
    Some((which, c[2].trim().to_string()))
}

/// Whether a line is a head label alone, with or without its colon
/// ("Tid", "Datum:"), its value elsewhere.
pub fn is_bare_label(text: &str) -> bool {
    let word = text.trim().trim_end_matches(':').trim_end();
    !word.is_empty()
        && !word.contains(':')
        && label(&format!("{word}:")).is_some_and(|(which, value)| {
            value.is_empty() && !matches!(which, Label::Called | Label::Invited)
        })
}

/// What reading a date or time value found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value<T> {
    /// A valid value.
    Valid(T),
    /// Something that looks like one but is not a real date or time.
    Invalid,
    /// Nothing that looks like one.
    Missing,
}

/// "4 juni 2026", "torsdag 4 juni 2026", "2026-06-04".
pub fn date(text: &str) -> Value<NaiveDate> {
    if let Some(c) = DATE_ISO.captures(text) {
        let parts = (c[1].parse(), c[2].parse(), c[3].parse());
        if let (Ok(y), Ok(m), Ok(d)) = parts {
            return NaiveDate::from_ymd_opt(y, m, d).map_or(Value::Invalid, Value::Valid);
        }
        return Value::Invalid;
    }
    if let Some(c) = DATE_WORDS.captures(text) {
        let Some(month) = month_from_swedish(&c[2]) else {
            return Value::Invalid;
        };
        if let (Ok(d), Ok(y)) = (c[1].parse(), c[3].parse()) {
            return NaiveDate::from_ymd_opt(y, month, d).map_or(Value::Invalid, Value::Valid);
        }
        return Value::Invalid;
    }
    Value::Missing
}

static DAY_MONTH: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"(?:^|\s)(\d{1,2})/(\d{1,2})(?:$|\s|,)"));
static YEAR: LazyLock<Regex> = LazyLock::new(|| pattern(r"\b(20\d\d)\b"));

/// "torsdag 12/11": the day and month of a date written without its year.
pub fn day_month(text: &str) -> Option<(u32, u32)> {
    let c = DAY_MONTH.captures(text)?;
    Some((c[1].parse().ok()?, c[2].parse().ok()?))
}

/// The first year ("2026") a line names: the year of a date written
/// without one, from a head line like "Sammanträde 2026".
pub fn year(text: &str) -> Option<i32> {
    YEAR.captures(text)?[1].parse().ok()
}

/// "13.00 – 15.30", "13:00-14.40", "kl. 13.00": start and optional end.
pub fn time_span(text: &str) -> Value<(NaiveTime, Option<NaiveTime>)> {
    let Some(c) = TIME_SPAN.captures(text) else {
        return Value::Missing;
    };
    let at = |h: usize, m: usize| -> Option<NaiveTime> {
        NaiveTime::from_hms_opt(
            c.get(h)?.as_str().parse().ok()?,
            c.get(m)?.as_str().parse().ok()?,
            0,
        )
    };
    match (at(1, 2), c.get(3).is_some(), at(3, 4)) {
        (Some(start), false, _) => Value::Valid((start, None)),
        (Some(start), true, Some(end)) => Value::Valid((start, Some(end))),
        _ => Value::Invalid,
    }
}

/// The kind of document a head line names by its first word, if any:
/// "Kallelse", "KUNGÖRELSE", "Dagordning –", "Föredragningslista" give a
/// notice, "Protokoll" and "Mötesanteckningar" minutes; "Sammanträde 2026"
/// names the occasion (`Some(None)`).
fn kind_of(first: &str) -> Option<Option<DocumentKind>> {
    let first = first.to_lowercase();
    let first = first.trim_matches(|c: char| !c.is_alphanumeric());
    let is = |prefixes: &[&str]| prefixes.iter().any(|p| first.starts_with(p));
    if is(&["kallelse", "kungörelse", "dagordning", "föredragningslista"]) {
        Some(Some(DocumentKind::Notice))
    } else if is(&["mötesanteckning", "minnesanteckning", "protokoll"]) {
        Some(Some(DocumentKind::Minutes))
    } else if first == "sammanträde" || first == "sammanträdet" {
        Some(None)
    } else {
        None
    }
}

/// The head's lines before its labels: the kind of document, the body
/// and what describes it. A line naming the kind ("Kallelse till
/// sammanträde", "KUNGÖRELSE") is no body or description, but names the
/// body when it goes on with one ("Kallelse SRO", "Dagordning –
/// Styrgrupp för digital välfärd").
pub fn head(lines: &[String]) -> (DocumentKind, String, Option<String>) {
    let mut kind = None;
    let mut body: Option<String> = None;
    let mut description = Vec::new();
    for line in lines {
        let mut words = line.split_whitespace();
        let Some(named) = words.next().and_then(kind_of) else {
            match body {
                None => body = Some(line.clone()),
                Some(_) => description.push(line.clone()),
            }
            continue;
        };
        kind = kind.or(named);
        let rest: Vec<&str> = words
            .skip_while(|w| {
                matches!(
                    w.to_lowercase().as_str(),
                    "till" | "för" | "från" | "vid" | "-" | "–"
                )
            })
            .collect();
        // "Sammanträde 2026", "Kallelse till styrelsemöte nr 6/2026": the
        // occasion, no body.
        let occasion = rest.first().is_none_or(|w| {
            let w = w.to_lowercase();
            w.starts_with("sammanträde")
                || w.starts_with("styrelsemöte")
                || w == "möte"
                || w == "nr"
                || w.starts_with(|c: char| c.is_ascii_digit())
        });
        if body.is_none() && !occasion {
            body = Some(rest.join(" "));
        }
    }
    let description = Some(description.join(" ")).filter(|d| !d.is_empty());
    (
        kind.unwrap_or(DocumentKind::Notice),
        body.unwrap_or_default(),
        description,
    )
}

/// Whether a "Kallade:" value refers elsewhere ("Se lista", "enligt bilaga").
pub fn refers_to_list(value: &str) -> bool {
    let lower = value.to_lowercase();
    lower.is_empty()
        || lower.starts_with("se ")
        || lower.contains("lista")
        || lower.contains("bilaga")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_every_form_the_seeds_use() {
        let june = NaiveDate::from_ymd_opt(2026, 6, 4).unwrap();
        assert_eq!(date("4 juni 2026"), Value::Valid(june));
        assert_eq!(date("torsdag 4 juni 2026"), Value::Valid(june));
        assert_eq!(date("2026-06-04"), Value::Valid(june));
        assert_eq!(date("31 juni 2026"), Value::Invalid);
        assert_eq!(date("4 jumi 2026"), Value::Invalid);
        assert_eq!(date("snart"), Value::Missing);
        assert_eq!(day_month("torsdag 12/11"), Some((12, 11)));
        assert_eq!(day_month("nr 6/2026"), None);
        assert_eq!(year("Sammanträde 2026"), Some(2026));
    }

    #[test]
    fn time_spans() {
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
        assert_eq!(
            time_span("13:00-14.40"),
            Value::Valid((t(13, 0), Some(t(14, 40))))
        );
        assert_eq!(
            time_span("kl. 13.00 – 15.30"),
            Value::Valid((t(13, 0), Some(t(15, 30))))
        );
        assert_eq!(
            time_span("08:00 – 09.00"),
            Value::Valid((t(8, 0), Some(t(9, 0))))
        );
        assert_eq!(time_span("kl 13.00"), Value::Valid((t(13, 0), None)));
        assert_eq!(time_span("13.00 – 25.00"), Value::Invalid);
        assert_eq!(time_span("efter lunch"), Value::Missing);
    }

    #[test]
    fn titles() {
        let head_of =
            |lines: &[&str]| head(&lines.iter().map(|l| l.to_string()).collect::<Vec<_>>());
        assert_eq!(
            head_of(&["Kallelse SRO"]),
            (DocumentKind::Notice, "SRO".into(), None)
        );
        assert_eq!(
            head_of(&["Mötesanteckning", "SRO"]),
            (DocumentKind::Minutes, "SRO".into(), None)
        );
        assert_eq!(
            head_of(&["Kallelse till SRO"]),
            (DocumentKind::Notice, "SRO".into(), None)
        );
        assert_eq!(
            head_of(&["KUNGÖRELSE", "Kommunfullmäktige"]),
            (DocumentKind::Notice, "Kommunfullmäktige".into(), None)
        );
        assert_eq!(
            head_of(&["Kultur- och fritidsnämnden", "Sammanträde 2026", "Kallelse"]),
            (
                DocumentKind::Notice,
                "Kultur- och fritidsnämnden".into(),
                None
            )
        );
        assert_eq!(
            head_of(&[
                "Kommunfastigheter AB",
                "Kallelse till styrelsemöte nr 6/2026"
            ]),
            (DocumentKind::Notice, "Kommunfastigheter AB".into(), None)
        );
        assert_eq!(
            head_of(&["Sammanträde 2026", "Kultur- och fritidsnämnden"]),
            (
                DocumentKind::Notice,
                "Kultur- och fritidsnämnden".into(),
                None
            )
        );
        assert_eq!(
            head_of(&["Regionala samverkansrådet", "Ett organ för samverkan"]),
            (
                DocumentKind::Notice,
                "Regionala samverkansrådet".into(),
                Some("Ett organ för samverkan".into())
            )
        );
    }
}
