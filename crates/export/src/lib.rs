//! Exports of a meeting for the minutes, in the formats Swedish offices
//! use (issue #6):
//!
//! - [`attendance`]: who was there when, and for which items; their seat,
//!   whom a deputy served for, recusals and remote attendance (issue 20);
//! - [`agenda`]: the agenda with planned and actual times;
//! - [`table`]: both as tables of text, as the minutes write them;
//! - [`csv`]: the tables as CSV that opens right in Excel with Swedish
//!   settings; [`xlsx`]: as Excel workbooks; [`pdf`]: the attendance list
//!   printable for the signed minutes;
//! - [`ics`]: the meeting as iCalendar for calendars.
//!
//! All pure: the meeting, its events and the time zone in, bytes out;
//! [`render`] is the one entry the command line and the pages share.

pub mod agenda;
pub mod attendance;
pub mod csv;
pub mod ics;
pub mod pdf;
pub mod table;
pub mod xlsx;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use thiserror::Error;

use motesskylt_core::model::{Event, Meeting};

/// An export that could not be written.
#[derive(Debug, Error)]
pub enum ExportError {
    /// The workbook writer failed.
    #[error("Excel-filen gick inte att skriva: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
}

/// The exports made from a meeting and its events (the event log itself
/// is written by whoever holds the events: a kiosk's store or the central
/// store).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The attendance paragraph for the minutes.
    Minutes,
    /// Attendance list, CSV for Excel.
    AttendanceCsv,
    /// Agenda with planned and actual times, CSV for Excel.
    AgendaCsv,
    /// Attendance list as an Excel workbook.
    AttendanceXlsx,
    /// Agenda as an Excel workbook.
    AgendaXlsx,
    /// Attendance list as a printable PDF.
    AttendancePdf,
    /// The meeting as iCalendar.
    Ics,
}

impl Format {
    /// Every format, in the order the pages offer them.
    pub const ALL: [Format; 7] = [
        Format::Minutes,
        Format::AttendanceCsv,
        Format::AttendanceXlsx,
        Format::AttendancePdf,
        Format::AgendaCsv,
        Format::AgendaXlsx,
        Format::Ics,
    ];

    /// The name on the command line and in addresses (`attendance-csv`).
    pub fn slug(self) -> &'static str {
        match self {
            Format::Minutes => "minutes",
            Format::AttendanceCsv => "attendance-csv",
            Format::AgendaCsv => "agenda-csv",
            Format::AttendanceXlsx => "attendance-xlsx",
            Format::AgendaXlsx => "agenda-xlsx",
            Format::AttendancePdf => "attendance-pdf",
            Format::Ics => "ics",
        }
    }

    /// The format a slug names.
    pub fn from_slug(slug: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.slug() == slug)
    }

    /// The file name for meeting `key` (`SRO-2026-06-04-narvaro.csv`).
    pub fn file_name(self, key: &str) -> String {
        let (what, ext) = match self {
            Format::Minutes => ("protokoll", "txt"),
            Format::AttendanceCsv => ("narvaro", "csv"),
            Format::AgendaCsv => ("dagordning", "csv"),
            Format::AttendanceXlsx => ("narvaro", "xlsx"),
            Format::AgendaXlsx => ("dagordning", "xlsx"),
            Format::AttendancePdf => ("narvaro", "pdf"),
            Format::Ics => ("kalender", "ics"),
        };
        format!("{key}-{what}.{ext}")
    }

    /// The media type.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Minutes => "text/plain; charset=utf-8",
            Format::AttendanceCsv | Format::AgendaCsv => "text/csv; charset=utf-8",
            Format::AttendanceXlsx | Format::AgendaXlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
            Format::AttendancePdf => "application/pdf",
            Format::Ics => "text/calendar; charset=utf-8",
        }
    }
}

/// Writes `meeting` with its `events` in `format`; `now` stamps the
/// calendar and the printed list.
pub fn render(
    format: Format,
    id: &str,
    meeting: &Meeting,
    events: &[Event],
    tz: Tz,
    now: DateTime<Utc>,
) -> Result<Vec<u8>, ExportError> {
    let rows = agenda::agenda(meeting, events, tz);
    let people = || attendance::attendance(meeting, events, &rows, tz);
    Ok(match format {
        Format::Minutes => attendance::paragraph(meeting, events, tz).into_bytes(),
        Format::AttendanceCsv => csv::attendance(&people(), &rows, tz),
        Format::AgendaCsv => csv::agenda(&rows, tz),
        Format::AttendanceXlsx => {
            xlsx::workbook("Närvaro", &table::attendance(&people(), &rows, tz))?
        }
        Format::AgendaXlsx => xlsx::workbook("Dagordning", &table::agenda(&rows, tz))?,
        Format::AttendancePdf => pdf::attendance(meeting, &people(), &rows, tz, now),
        Format::Ics => ics::calendar(id, meeting, tz, now).into_bytes(),
    })
}
