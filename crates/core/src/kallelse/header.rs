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

/// The title line: which kind of document, and the body's name when the
/// title carries it ("Kallelse SRO" → SRO; "Mötesanteckning" → none).
pub fn title(text: &str) -> (DocumentKind, Option<String>) {
    let mut words = text.split_whitespace();
    let first = words.next().unwrap_or_default().to_lowercase();
    let kind = if first.starts_with("kallelse")
        || first.starts_with("dagordning")
        || first.starts_with("föredragningslista")
    {
        Some(DocumentKind::Notice)
    } else if first.starts_with("mötesanteckning")
        || first.starts_with("minnesanteckning")
        || first.starts_with("protokoll")
    {
        Some(DocumentKind::Minutes)
    } else {
        None
    };
    match kind {
        Some(kind) => {
            let rest: Vec<&str> = words
                .skip_while(|w| {
                    matches!(
                        w.to_lowercase().as_str(),
                        "till" | "för" | "från" | "vid" | "-" | "–"
                    )
                })
                .collect();
            (kind, (!rest.is_empty()).then(|| rest.join(" ")))
        }
        None => (DocumentKind::Notice, Some(text.to_string())),
    }
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
        assert_eq!(
            title("Kallelse SRO"),
            (DocumentKind::Notice, Some("SRO".into()))
        );
        assert_eq!(title("Mötesanteckning"), (DocumentKind::Minutes, None));
        assert_eq!(
            title("Kallelse till SRO"),
            (DocumentKind::Notice, Some("SRO".into()))
        );
    }
}
