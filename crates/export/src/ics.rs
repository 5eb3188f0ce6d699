//! The meeting as an iCalendar file (RFC 5545) for calendars: one event
//! with the meeting's times, place and agenda.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use motesskylt_core::model::Meeting;
use motesskylt_core::model::time::{clock_sv, local_instant};

/// Escapes a text value (backslash, semicolon, comma, newline).
fn text(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace("\r\n", "\\n")
        .replace('\n', "\\n")
}

/// Folds a content line at 75 octets (never inside a character).
fn fold(line: &str) -> String {
    let mut out = String::new();
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
    out
}

fn utc(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

/// The meeting `id` as iCalendar; `now` is the file's time stamp. The
/// event's UID is the meeting's id: one body's two meetings on one day are
/// two events in a calendar, and a moved meeting stays the same one.
pub fn calendar(id: &str, meeting: &Meeting, tz: Tz, now: DateTime<Utc>) -> String {
    room_calendar(
        None,
        &[Booked {
            id,
            meeting,
            cancelled: false,
        }],
        tz,
        now,
    )
}

/// One meeting of a room's calendar.
#[derive(Debug, Clone, Copy)]
pub struct Booked<'a> {
    /// The meeting's id (the event's UID).
    pub id: &'a str,
    /// The meeting.
    pub meeting: &'a Meeting,
    /// Cancelled: kept in the calendar as cancelled, so subscribers see it
    /// go rather than silently vanish.
    pub cancelled: bool,
}

/// A room's meetings as one calendar (a subscription: `name` is the
/// calendar's name).
pub fn room_calendar(
    name: Option<&str>,
    meetings: &[Booked],
    tz: Tz,
    now: DateTime<Utc>,
) -> String {
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".into(),
        format!(
            "PRODID:-//motesskylt//motesskylt {}//SV",
            env!("CARGO_PKG_VERSION")
        ),
        "CALSCALE:GREGORIAN".into(),
        "METHOD:PUBLISH".into(),
    ];
    if let Some(name) = name {
        lines.push(format!("X-WR-CALNAME:{}", text(name)));
    }
    for booked in meetings {
        lines.extend(event(booked, tz, now));
    }
    lines.push("END:VCALENDAR".to_string());
    lines.iter().map(|l| fold(l)).collect()
}

fn event(booked: &Booked, tz: Tz, now: DateTime<Utc>) -> Vec<String> {
    let meeting = booked.meeting;
    let agenda: Vec<String> = meeting
        .items
        .iter()
        .map(|e| {
            let number = e
                .number
                .as_ref()
                .map(|n| format!("{n}. "))
                .unwrap_or_default();
            format!(
                "{} – {} {number}{}",
                clock_sv(e.start),
                clock_sv(e.end),
                e.title
            )
        })
        .collect();
    let summary = match &meeting.body_description {
        Some(description) => format!("{} – {description}", meeting.body),
        None => meeting.body.clone(),
    };
    let mut lines = vec![
        "BEGIN:VEVENT".to_string(),
        format!("UID:{}@motesskylt", booked.id),
        format!("DTSTAMP:{}", utc(now)),
        format!(
            "DTSTART:{}",
            utc(local_instant(meeting.date, meeting.start, tz))
        ),
        format!(
            "DTEND:{}",
            utc(local_instant(meeting.date, meeting.end, tz))
        ),
        format!("SUMMARY:{}", text(&summary)),
    ];
    if booked.cancelled {
        lines.push("STATUS:CANCELLED".into());
    }
    if let Some(location) = &meeting.location {
        lines.push(format!("LOCATION:{}", text(location)));
    }
    lines.push(format!(
        "DESCRIPTION:{}",
        text(&format!("Dagordning\n{}", agenda.join("\n")))
    ));
    lines.push("END:VEVENT".to_string());
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_fold_at_75_octets_without_splitting_a_letter_and_text_is_escaped() {
        let long = format!("DESCRIPTION:{}", "å".repeat(60));
        for line in fold(&long).split("\r\n").filter(|l| !l.is_empty()) {
            assert!(line.len() <= 75, "{} octets", line.len());
        }
        assert_eq!(text("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
    }
}
