//! Clock times as meetings write them: local wall time on the meeting's date,
//! Swedish style ("kl. 13.05", "4 juni 2026"), and the `--at TIME` argument.

use chrono::{DateTime, Datelike, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use thiserror::Error;

/// The time zone used when nothing else is configured.
pub const DEFAULT_TIME_ZONE: Tz = chrono_tz::Europe::Stockholm;

const MONTHS_SV: [&str; 12] = [
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
];

const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A time argument that could not be understood.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum TimeError {
    /// Not one of the accepted forms.
    #[error(
        "tiden \"{0}\" går inte att läsa; skriv t.ex. \"13:20\", \"2026-06-04 13:20\" eller \"2026-06-04T13:20:00+02:00\""
    )]
    Unreadable(String),
    /// A local time that does not exist (skipped by daylight saving).
    #[error("tiden \"{0}\" finns inte i tidszonen {1} (sommartidsomställning)")]
    Nonexistent(String, Tz),
    /// A language that is not available.
    #[error("språket \"{0}\" finns inte; välj sv (svenska) eller en (engelska)")]
    UnknownLanguage(String),
}

/// Month number (1–12) from a Swedish month name, any case; "sept" style
/// abbreviations of at least three letters are accepted.
pub fn month_from_swedish(name: &str) -> Option<u32> {
    let lower = name.trim_end_matches('.').to_lowercase();
    if lower.chars().count() < 3 {
        return None;
    }
    MONTHS_SV
        .iter()
        .position(|m| *m == lower || m.starts_with(lower.as_str()))
        .map(|i| i as u32 + 1)
}

/// "4 juni 2026".
pub fn date_sv(date: NaiveDate) -> String {
    format!(
        "{} {} {}",
        date.day(),
        MONTHS_SV[date.month0() as usize],
        date.year()
    )
}

/// "4 June 2026".
pub fn date_en(date: NaiveDate) -> String {
    format!(
        "{} {} {}",
        date.day(),
        MONTHS_EN[date.month0() as usize],
        date.year()
    )
}

/// The language of what a user reads: Swedish first, English available.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Svenska (the default).
    #[default]
    Sv,
    /// English.
    En,
}

impl Lang {
    /// The language code used by the translation catalogues ("sv", "en").
    pub fn code(self) -> &'static str {
        match self {
            Lang::Sv => "sv",
            Lang::En => "en",
        }
    }

    /// A date as this language writes it: "4 juni 2026", "4 June 2026".
    pub fn date(self, date: NaiveDate) -> String {
        match self {
            Lang::Sv => date_sv(date),
            Lang::En => date_en(date),
        }
    }

    /// A clock time as this language writes it: "13.05" (Swedish), "13:05".
    pub fn clock(self, time: NaiveTime) -> String {
        match self {
            Lang::Sv => clock_sv(time),
            Lang::En => clock_iso(time),
        }
    }

    /// Every language, default first.
    pub const ALL: [Lang; 2] = [Lang::Sv, Lang::En];

    /// The other language (the demo's language key).
    pub fn toggled(self) -> Lang {
        match self {
            Lang::Sv => Lang::En,
            Lang::En => Lang::Sv,
        }
    }
}

impl std::str::FromStr for Lang {
    type Err = TimeError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_lowercase().as_str() {
            "sv" | "svenska" | "swedish" => Ok(Lang::Sv),
            "en" | "english" | "engelska" => Ok(Lang::En),
            _ => Err(TimeError::UnknownLanguage(text.to_string())),
        }
    }
}

/// "13.05", as Swedish documents write clock times.
pub fn clock_sv(time: NaiveTime) -> String {
    time.format("%H.%M").to_string()
}

/// "13:05", as the JSON contract writes clock times.
pub fn clock_iso(time: NaiveTime) -> String {
    time.format("%H:%M").to_string()
}

/// An instant written with the UTC offset `tz` has then (as events and
/// messages carry their moments).
pub fn with_offset(at: DateTime<Utc>, tz: Tz) -> DateTime<chrono::FixedOffset> {
    use chrono::Offset;
    at.with_timezone(&at.with_timezone(&tz).offset().fix())
}

/// The instant of a wall-clock time on a date in a zone. An ambiguous time
/// (the repeated hour in autumn) is the earlier one; a skipped time (spring)
/// is moved forward by the gap, as clocks on the wall do.
pub fn local_instant(date: NaiveDate, time: NaiveTime, tz: Tz) -> DateTime<Utc> {
    let naive = date.and_time(time);
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
        LocalResult::None => {
            let later = naive + chrono::Duration::hours(1);
            match tz.from_local_datetime(&later) {
                LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
                // Time zones never skip two hours in a row; fall back to
                // reading the wall time as UTC rather than failing.
                LocalResult::None => Utc.from_utc_datetime(&naive),
            }
        }
    }
}

/// The local wall time of an instant in a zone.
pub fn local_time(at: DateTime<Utc>, tz: Tz) -> NaiveDateTime {
    at.with_timezone(&tz).naive_local()
}

/// Parses a `--at` argument: `HH:MM` (on `date`), `YYYY-MM-DD HH:MM` (local
/// to `tz`), or RFC 3339 with an offset. Seconds and `.` as the hour
/// separator ("13.20") are accepted too.
pub fn parse_moment(text: &str, date: NaiveDate, tz: Tz) -> Result<DateTime<Utc>, TimeError> {
    let trimmed = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(trimmed) {
        return Ok(t.with_timezone(&Utc));
    }
    let unreadable = || TimeError::Unreadable(trimmed.to_string());
    let (day, clock) = match trimmed.split_once([' ', 'T']) {
        Some((d, c)) => (
            NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").map_err(|_| unreadable())?,
            c.trim(),
        ),
        None => (date, trimmed),
    };
    let clock = clock.replace('.', ":");
    let time = NaiveTime::parse_from_str(&clock, "%H:%M:%S")
        .or_else(|_| NaiveTime::parse_from_str(&clock, "%H:%M"))
        .map_err(|_| unreadable())?;
    match tz.from_local_datetime(&day.and_time(time)) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => Ok(t.with_timezone(&Utc)),
        LocalResult::None => Err(TimeError::Nonexistent(trimmed.to_string(), tz)),
    }
}

/// Serde for `NaiveTime` as "HH:MM", the contract's clock format.
pub mod hhmm {
    use chrono::NaiveTime;
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    /// Writes "13:05".
    pub fn serialize<S: Serializer>(time: &NaiveTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::clock_iso(*time))
    }

    /// Reads "13:05" (seconds allowed).
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveTime, D::Error> {
        let text = String::deserialize(d)?;
        NaiveTime::parse_from_str(&text, "%H:%M")
            .or_else(|_| NaiveTime::parse_from_str(&text, "%H:%M:%S"))
            .map_err(|_| D::Error::custom(format!("\"{text}\" is not a clock time HH:MM")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, 4).unwrap()
    }

    #[test]
    fn parses_every_documented_form_to_the_same_instant() {
        let tz = DEFAULT_TIME_ZONE;
        let expected = DateTime::parse_from_rfc3339("2026-06-04T13:20:00+02:00")
            .unwrap()
            .with_timezone(&Utc);
        for form in [
            "13:20",
            "13.20",
            "13:20:00",
            "2026-06-04 13:20",
            "2026-06-04T13:20",
            "2026-06-04T13:20:00+02:00",
            "2026-06-04T11:20:00Z",
        ] {
            assert_eq!(parse_moment(form, day(), tz), Ok(expected), "{form}");
        }
    }

    #[test]
    fn rejects_nonsense_and_names_it() {
        let err = parse_moment("kvart över", day(), DEFAULT_TIME_ZONE).unwrap_err();
        assert!(err.to_string().contains("kvart över"));
        assert!(parse_moment("25:00", day(), DEFAULT_TIME_ZONE).is_err());
    }

    #[test]
    fn skipped_spring_hour_is_an_error_for_arguments_and_moved_for_plans() {
        let spring = NaiveDate::from_ymd_opt(2026, 3, 29).unwrap();
        let tz = DEFAULT_TIME_ZONE;
        assert!(matches!(
            parse_moment("02:30", spring, tz),
            Err(TimeError::Nonexistent(..))
        ));
        let moved = local_instant(spring, NaiveTime::from_hms_opt(2, 30, 0).unwrap(), tz);
        assert_eq!(
            local_time(moved, tz).time(),
            NaiveTime::from_hms_opt(3, 30, 0).unwrap()
        );
    }

    #[test]
    fn swedish_dates_and_months() {
        assert_eq!(date_sv(day()), "4 juni 2026");
        assert_eq!(date_en(day()), "4 June 2026");
        assert_eq!(month_from_swedish("Juni"), Some(6));
        assert_eq!(month_from_swedish("sept."), Some(9));
        assert_eq!(month_from_swedish("ma"), None);
        assert_eq!(month_from_swedish("juno"), None);
        assert_eq!(clock_sv(NaiveTime::from_hms_opt(9, 5, 0).unwrap()), "09.05");
    }
}
