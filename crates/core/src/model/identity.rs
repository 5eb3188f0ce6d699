//! A meeting's identity and its place in time: the id that names it
//! everywhere (pages, API, exports, events), and moving a whole meeting to
//! another date or start.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeDelta};
use thiserror::Error;

use super::Meeting;

/// The longest id accepted (a stem of a long body name is cut to fit).
pub const MAX_ID_LEN: usize = 80;

/// The id a new meeting is first offered: its body, date and start in
/// letters, digits and dashes, e.g. `SRO-2026-06-04-1300` (å, ä and ö as
/// a and o, so it is safe in a URL as written). The store makes it unique
/// (`-2`, `-3`, … when taken) and keeps it when the meeting moves: an id is
/// never worked out again from the meeting's content.
pub fn meeting_id_stem(meeting: &Meeting) -> String {
    let mut body = String::new();
    for c in meeting.body.chars().flat_map(fold) {
        if c.is_ascii_alphanumeric() {
            body.push(c);
        } else if !body.is_empty() && !body.ends_with('-') {
            body.push('-');
        }
    }
    let body = body.trim_end_matches('-');
    let body = if body.is_empty() { "mote" } else { body };
    let tail = format!(
        "-{}-{}",
        meeting.date.format("%Y-%m-%d"),
        meeting.start.format("%H%M")
    );
    // Leave room for the tail and a `-NN` suffix.
    let room = MAX_ID_LEN - tail.len() - 4;
    let body = &body[..body.len().min(room)];
    format!("{}{tail}", body.trim_end_matches('-'))
}

/// `c` in ASCII where a Swedish (or nearby) letter has an obvious one.
fn fold(c: char) -> impl Iterator<Item = char> {
    let folded: &str = match c {
        'å' | 'ä' | 'à' | 'á' | 'â' | 'ã' => "a",
        'Å' | 'Ä' | 'À' | 'Á' | 'Â' | 'Ã' => "A",
        'ö' | 'ø' | 'ó' | 'ò' | 'ô' => "o",
        'Ö' | 'Ø' | 'Ó' | 'Ò' | 'Ô' => "O",
        'é' | 'è' | 'ê' | 'ë' => "e",
        'É' | 'È' | 'Ê' | 'Ë' => "E",
        'ü' | 'ú' => "u",
        'Ü' | 'Ú' => "U",
        'æ' => "ae",
        'Æ' => "AE",
        _ => "",
    };
    let own = folded.is_empty().then_some(c);
    folded.chars().chain(own)
}

/// Whether `text` can be a meeting's id: 1 to [`MAX_ID_LEN`] ASCII letters,
/// digits, `-`, `_` and `.`, not starting with a dot (ids from before
/// meetings had their own, such as `SRO-2026-06-04`, are ids too).
pub fn is_meeting_id(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= MAX_ID_LEN
        && !text.starts_with('.')
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Why a meeting cannot be moved.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MoveError {
    /// The move would carry part of the meeting past midnight.
    #[error(
        "mötet kan inte flyttas dit: \"{title}\" skulle sluta efter midnatt; välj en tidigare starttid"
    )]
    PastMidnight {
        /// The first entry (or the meeting itself) that would.
        title: String,
    },
}

/// `meeting` moved to start at `date` and `start` (each defaults to the
/// meeting's own): every time in it (the meeting's, every item's and
/// break's) shifts by the same amount, so the agenda keeps its shape.
pub fn moved(
    meeting: &Meeting,
    date: Option<NaiveDate>,
    start: Option<NaiveTime>,
) -> Result<Meeting, MoveError> {
    let from = NaiveDateTime::new(meeting.date, meeting.start);
    let to = NaiveDateTime::new(date.unwrap_or(meeting.date), start.unwrap_or(meeting.start));
    let shift = to - from;
    let target_date = to.date();
    let shifted = |time: NaiveTime, title: &str| -> Result<NaiveTime, MoveError> {
        let moved = NaiveDateTime::new(meeting.date, time) + shift;
        // An end at 24:00 is written 00:00 of the next day: not a meeting's.
        if moved.date() != target_date {
            return Err(MoveError::PastMidnight {
                title: title.to_string(),
            });
        }
        Ok(moved.time())
    };
    let mut out = meeting.clone();
    out.date = target_date;
    out.start = to.time();
    out.end = shifted(meeting.end, &meeting.body)?;
    for entry in &mut out.items {
        entry.start = shifted(entry.start, &entry.title)?;
        entry.end = shifted(entry.end, &entry.title)?;
    }
    Ok(out)
}

/// The meeting's planned span as local date-times (start, end).
pub fn span(meeting: &Meeting) -> (NaiveDateTime, NaiveDateTime) {
    let start = NaiveDateTime::new(meeting.date, meeting.start);
    let mut end = NaiveDateTime::new(meeting.date, meeting.end);
    if end < start {
        // A meeting written to end before it starts ends the next day.
        end += TimeDelta::days(1);
    }
    (start, end)
}

/// Whether two meetings' planned spans share any time (touching ends,
/// 10.00–12.00 and 12.00–15.00, do not).
pub fn overlap(a: &Meeting, b: &Meeting) -> bool {
    let (a_start, a_end) = span(a);
    let (b_start, b_end) = span(b);
    a_start < b_end && b_start < a_end
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AgendaEntry, EntryType, Timing};

    fn meeting(body: &str, start: &str, end: &str) -> Meeting {
        let t = |s: &str| NaiveTime::parse_from_str(s, "%H:%M").unwrap();
        Meeting {
            body: body.into(),
            body_description: None,
            document: Default::default(),
            date: NaiveDate::from_ymd_opt(2026, 6, 4).unwrap(),
            start: t(start),
            end: t(end),
            location: None,
            participants: vec![],
            items: vec![AgendaEntry {
                entry_type: EntryType::Item,
                number: Some("1".into()),
                title: "Mötets öppnande".into(),
                start: t(start),
                end: t(end),
                minutes: 5,
                timing: Timing::Explicit,
                presenters: vec![],
                proposal: None,
                documents: vec![],
                parts: vec![],
                sub_items: vec![],
                line: 1,
            }],
        }
    }

    #[test]
    fn the_stem_names_body_date_and_start_in_url_safe_letters() {
        assert_eq!(
            meeting_id_stem(&meeting("SRO", "13:00", "15:30")),
            "SRO-2026-06-04-1300"
        );
        let stem = meeting_id_stem(&meeting("Styrgruppen för Vård & Hälsa", "09:05", "10:00"));
        assert_eq!(stem, "Styrgruppen-for-Vard-Halsa-2026-06-04-0905");
        assert!(is_meeting_id(&stem));
        let long = meeting_id_stem(&meeting(&"Nämnd ".repeat(40), "09:00", "10:00"));
        assert!(
            is_meeting_id(&long) && long.len() <= MAX_ID_LEN - 4,
            "{long}"
        );
        assert!(long.ends_with("-2026-06-04-0900"));
        assert_eq!(
            meeting_id_stem(&meeting("§§", "09:00", "10:00")),
            "mote-2026-06-04-0900"
        );
    }

    #[test]
    fn ids_are_plain_url_segments() {
        assert!(is_meeting_id("SRO-2026-06-04"));
        assert!(is_meeting_id("SRO-2026-06-04-1300-2"));
        for bad in ["", "../x", "a/b", "a b", ".hidden", "å", &"x".repeat(81)] {
            assert!(!is_meeting_id(bad), "{bad:?}");
        }
    }

    #[test]
    fn a_move_shifts_every_time_by_the_same_amount() {
        let m = meeting("SRO", "13:00", "15:30");
        let day = NaiveDate::from_ymd_opt(2026, 6, 5).unwrap();
        let at = NaiveTime::from_hms_opt(9, 30, 0).unwrap();
        let moved = moved(&m, Some(day), Some(at)).unwrap();
        assert_eq!(moved.date, day);
        assert_eq!(
            (moved.start, moved.end),
            (at, NaiveTime::from_hms_opt(12, 0, 0).unwrap())
        );
        assert_eq!(moved.items[0].start, at);
        assert_eq!(
            moved.items[0].end,
            NaiveTime::from_hms_opt(12, 0, 0).unwrap()
        );
        // Only the date: the clock times stay.
        let same_time = super::moved(&m, Some(day), None).unwrap();
        assert_eq!((same_time.start, same_time.end), (m.start, m.end));
    }

    #[test]
    fn a_move_past_midnight_is_refused_naming_what_would_spill() {
        let m = meeting("SRO", "13:00", "15:30");
        let late = NaiveTime::from_hms_opt(23, 0, 0).unwrap();
        assert!(matches!(
            moved(&m, None, Some(late)),
            Err(MoveError::PastMidnight { .. })
        ));
    }

    #[test]
    fn touching_meetings_do_not_overlap() {
        let morning = meeting("SRO", "09:00", "12:00");
        let afternoon = meeting("SRO", "12:00", "15:00");
        let lunch = meeting("SRO", "11:30", "13:00");
        assert!(!overlap(&morning, &afternoon));
        assert!(overlap(&morning, &lunch) && overlap(&lunch, &afternoon));
    }
}
