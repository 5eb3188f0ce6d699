//! The exports' tables, a header row first, every cell text as the
//! minutes write it; [`super::csv`] and [`super::xlsx`] write them.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::agenda::AgendaRow;
use super::attendance::{AttendanceRow, category_sv, seat_sv, source_sv};
use motesskylt_core::model::time::{clock_sv, local_time};

fn clock(at: Option<DateTime<Utc>>, tz: Tz) -> String {
    at.map(|t| clock_sv(local_time(t, tz).time()))
        .unwrap_or_default()
}

/// The attendance list: name, party, organisation, category, present at
/// the meeting (the minutes' rule: "ja" or "nej"), first in, last out,
/// every stay, the items present for, how, corrected; then (issue 20,
/// after the older columns so that what reads those keeps working) the
/// seat ("Ledamot", "Ersättare"), whom they served for as a deputy and
/// from when ("Bo Ek från 09.05"), the items they were recused from
/// ("3, 5") and whether they took part remotely ("ja"). A cell that does
/// not apply is empty.
pub fn attendance(rows: &[AttendanceRow], agenda: &[AgendaRow], tz: Tz) -> Vec<Vec<String>> {
    let mut table = vec![
        [
            "Namn",
            "Parti",
            "Organisation",
            "Kategori",
            "Närvarande",
            "Första in",
            "Sista ut",
            "Närvaro",
            "Närvarande vid",
            "Källa",
            "Korrigerad",
            "Uppdrag",
            "Tjänstgör för",
            "Jäv",
            "Distans",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for row in rows {
        let p = row.participant;
        table.push(vec![
            p.name.clone(),
            p.party.clone().unwrap_or_default(),
            p.organisation.clone().unwrap_or_default(),
            category_sv(p.category).to_string(),
            if row.at_meeting.is_some() {
                "ja"
            } else {
                "nej"
            }
            .to_string(),
            clock(row.first_in(), tz),
            clock(row.last_out(), tz),
            row.intervals_sv(tz),
            row.items_sv(agenda),
            row.sources
                .iter()
                .map(|s| source_sv(*s))
                .collect::<Vec<_>>()
                .join(", "),
            if row.corrected { "ja" } else { "" }.to_string(),
            seat_sv(p.seat).to_string(),
            row.served_for_sv(tz),
            row.recused_sv(),
            if row.remote { "ja" } else { "" }.to_string(),
        ]);
    }
    table
}

/// The agenda with planned and actual times.
pub fn agenda(rows: &[AgendaRow], tz: Tz) -> Vec<Vec<String>> {
    let mut table = vec![
        [
            "Punkt",
            "Rubrik",
            "Planerad start",
            "Planerat slut",
            "Faktisk start",
            "Faktiskt slut",
            "Tid",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for row in rows {
        table.push(vec![
            row.number.clone().unwrap_or_default(),
            row.title.clone(),
            clock(row.planned.map(|p| p.0), tz),
            clock(row.planned.map(|p| p.1), tz),
            clock(row.actual.map(|a| a.0), tz),
            clock(row.actual.map(|a| a.1), tz),
            row.times_sv(tz),
        ]);
    }
    table
}
