//! The meetings list, the meeting page (agenda with planned and actual
//! times, the live attendance board, corrections, exports), and the
//! exports themselves.

use std::convert::Infallible;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use futures_util::Stream;
use maud::{Markup, html};
use serde::Deserialize;
use tokio::sync::broadcast;
use uuid::Uuid;

use super::layout::{Section, notice, tr};
use super::{PageError, Signed, WebState, html_page};
use crate::central::db::{CentralDb, DbError, MeetingEntry};
use crate::central::export::event_log;
use crate::export::agenda::{AgendaRow, agenda};
use crate::export::attendance::{AttendanceRow, attendance, source_sv};
use crate::export::{Format, render};
use crate::model::time::{Lang, clock_sv, local_instant, local_time};
use crate::model::{Correction, Event, EventKind, Source};
use crate::progress::{Schedule, report, screen_state};
use crate::sync::wire::WireEvent;

/// The device name of the events the pages make (not a valid kiosk name,
/// so it can never be one).
pub const PAGES_DEVICE: &str = "central:sidor";

/// `GET /meetings`.
pub async fn list(State(state): State<WebState>, signed: Signed) -> Result<Response, PageError> {
    let lang = signed.lang;
    let meetings: Vec<MeetingEntry> = state
        .app
        .db
        .meetings()
        .await?
        .into_iter()
        .filter(|m| signed.viewer.may_see(&m.meeting.body))
        .collect();
    let body = html! {
        div.inline {
            div.grow {
                h1 { (tr(lang, "Möten", "Meetings")) }
                p.sub { (tr(lang, "Möten i de organ du arbetar för, det senaste först.", "Meetings of the bodies you work for, newest first.")) }
            }
            a.button href="/import" { (tr(lang, "Importera kallelse", "Import notice")) }
        }
        @if meetings.is_empty() {
            (notice("ok", tr(lang, "Inga möten ännu. Importera en kallelse för att börja.", "No meetings yet. Import a notice to begin.")))
        } @else {
            table {
                thead { tr {
                    th { (tr(lang, "Datum", "Date")) } th { (tr(lang, "Organ", "Body")) }
                    th { (tr(lang, "Tid", "Time")) } th { (tr(lang, "Plats", "Place")) } th { (tr(lang, "Rum", "Room")) }
                } }
                tbody {
                    @for m in &meetings {
                        tr {
                            td.num { a href=(meeting_path(&m.key)) { (lang.date(m.meeting.date)) } }
                            td { (m.meeting.body) }
                            td.num { (lang.clock(m.meeting.start)) "–" (lang.clock(m.meeting.end)) }
                            td { (m.meeting.location.as_deref().unwrap_or("")) }
                            td { (m.room) }
                        }
                    }
                }
            }
        }
    };
    Ok(signed.page(tr(lang, "Möten", "Meetings"), Section::Meetings, body))
}

/// The meeting `key` if the viewer may see it; "not found" otherwise, so
/// another body's meetings are not even confirmed to exist.
async fn visible(state: &WebState, signed: &Signed, key: &str) -> Result<MeetingEntry, PageError> {
    state
        .app
        .db
        .meeting(key)
        .await?
        .filter(|m| signed.viewer.may_see(&m.meeting.body))
        .ok_or(PageError::NotFound)
}

/// The meeting's events from every device, clocks corrected, in order.
async fn events(state: &WebState, key: &str) -> Result<Vec<Event>, PageError> {
    Ok(event_log(state.app.db.as_ref(), key, state.tz)
        .await?
        .into_iter()
        .filter_map(|line| serde_json::from_value(line).ok())
        .collect())
}

/// What `?done=` after a form says.
#[derive(Deserialize, Default)]
pub struct Done {
    done: Option<String>,
}

/// `GET /meetings/{key}`.
pub async fn show(
    State(state): State<WebState>,
    signed: Signed,
    Path(key): Path<String>,
    Query(done): Query<Done>,
) -> Result<Response, PageError> {
    let lang = signed.lang;
    let entry = visible(&state, &signed, &key).await?;
    let events = events(&state, &key).await?;
    let now = (state.app.now)();
    let m = &entry.meeting;
    let local_now = local_time(now, state.tz).time();
    let body = html! {
        h1 { (m.body) " " (lang.date(m.date)) }
        p.sub {
            (lang.clock(m.start)) "–" (lang.clock(m.end))
            @if let Some(place) = &m.location { " · " (place) }
            " · " (tr(lang, "rum", "room")) " " (entry.room)
        }
        @match done.done.as_deref() {
            Some("correction") => (notice("ok", tr(lang, "Rättelsen är sparad och syns i närvarolistan.", "The correction is saved and shows in the attendance list."))),
            Some("import") => (notice("ok", tr(lang, "Kallelsen är sparad. Kiosken i rummet hämtar den.", "The notice is saved. The room's kiosk picks it up."))),
            _ => {}
        }
        div data-live=(format!("{}/board", meeting_path(&key))) data-events=(format!("{}/live", meeting_path(&key))) {
            (board_markup(&state, &entry, &events, now, lang))
        }
        section.card #correct {
            h2 { (tr(lang, "Rätta närvaro", "Correct attendance")) }
            p.sub { (tr(lang, "Checka in eller ut någon för hand. Det som redan registrerats finns kvar; rättelsen sparas med ditt namn och skälet.", "Check someone in or out by hand. What was recorded stays; the correction is kept with your name and the reason.")) }
            form method="post" action=(format!("{}/corrections", meeting_path(&key))) {
                input type="hidden" name="csrf" value=(signed.viewer.csrf);
                div.inline {
                    div {
                        label for="person" { (tr(lang, "Person", "Person")) }
                        select #person name="person" required {
                            option value="" { (tr(lang, "Välj …", "Choose …")) }
                            @for p in &m.participants { option value=(p.name) { (p.name) } }
                        }
                    }
                    div {
                        label for="direction" { (tr(lang, "Vad", "What")) }
                        select #direction name="direction" {
                            option value="in" { (tr(lang, "Checka in", "Check in")) }
                            option value="out" { (tr(lang, "Checka ut", "Check out")) }
                        }
                    }
                    div {
                        label for="time" { (tr(lang, "Klockan", "At")) }
                        input #time type="time" name="time" value=(local_now.format("%H:%M").to_string()) required;
                    }
                }
                label for="reason" { (tr(lang, "Skäl", "Reason")) }
                input #reason type="text" name="reason" maxlength="300" required placeholder=(tr(lang, "t.ex. glömde kortet", "e.g. forgot the card"));
                p { button type="submit" { (tr(lang, "Spara rättelsen", "Save the correction")) } }
            }
        }
        section.card #exports {
            h2 { (tr(lang, "Exportera", "Export")) }
            ul.exports {
                @for format in Format::ALL {
                    li { a.button.secondary href=(format!("{}/export/{}", meeting_path(&key), format.slug())) download { (format_label(format, lang)) } }
                }
                li { a.button.secondary href=(format!("{}/export/events", meeting_path(&key))) download { (tr(lang, "Händelselogg (JSON Lines)", "Event log (JSON Lines)")) } }
            }
        }
    };
    let title = format!("{} {}", m.body, lang.date(m.date));
    Ok(signed.page(&title, Section::Meetings, body))
}

fn format_label(format: Format, lang: Lang) -> &'static str {
    match format {
        Format::Minutes => tr(lang, "Protokollstext", "Minutes paragraph"),
        Format::AttendanceCsv => tr(lang, "Närvaro (CSV)", "Attendance (CSV)"),
        Format::AttendanceXlsx => tr(lang, "Närvaro (Excel)", "Attendance (Excel)"),
        Format::AttendancePdf => tr(lang, "Närvarolista (PDF)", "Attendance list (PDF)"),
        Format::AgendaCsv => tr(lang, "Dagordning (CSV)", "Agenda (CSV)"),
        Format::AgendaXlsx => tr(lang, "Dagordning (Excel)", "Agenda (Excel)"),
        Format::Ics => tr(lang, "Kalender (.ics)", "Calendar (.ics)"),
    }
}

/// `GET /meetings/{key}/board`: the live part of the meeting page.
pub async fn board(
    State(state): State<WebState>,
    signed: Signed,
    Path(key): Path<String>,
) -> Result<Response, PageError> {
    let entry = visible(&state, &signed, &key).await?;
    let events = events(&state, &key).await?;
    let now = (state.app.now)();
    Ok(html_page(board_markup(
        &state,
        &entry,
        &events,
        now,
        signed.lang,
    )))
}

/// Where the meeting stands, the agenda and the attendance board.
fn board_markup(
    state: &WebState,
    entry: &MeetingEntry,
    events: &[Event],
    now: DateTime<Utc>,
    lang: Lang,
) -> Markup {
    let tz = state.tz;
    let m = &entry.meeting;
    let rows = agenda(m, events, tz);
    let people = attendance(m, events, &rows);
    let schedule = Schedule::new(m, tz);
    let status = report::status(m, &screen_state(m, &schedule, Some(events), now), tz);
    let current = status.item.as_ref().and_then(|i| i.number.clone());
    let clock = |t: DateTime<Utc>| clock_sv(local_time(t, tz).time());
    let inside = people.iter().filter(|p| is_in(p)).count();
    let left = people
        .iter()
        .filter(|p| !p.intervals.is_empty() && !is_in(p))
        .count();
    let missing = people
        .iter()
        .filter(|p| p.intervals.is_empty() && !p.participant.invited)
        .count();
    let today = local_time(now, tz).date();
    let ended_at = events
        .iter()
        .filter(|e| e.kind == EventKind::MeetingEnded)
        .map(Event::instant)
        .max();
    let over = m.date < today || ended_at.is_some();
    // The kiosk's view of "now" holds on the meeting's day only; before
    // it the meeting is coming, after it the meeting is over.
    let (phase, end_label, end, offset) = if m.date == today {
        let phase = match status.phase {
            crate::progress::Phase::Before => tr(lang, "Ej börjat", "Not started"),
            crate::progress::Phase::Item => tr(lang, "Pågår", "In progress"),
            crate::progress::Phase::Break => tr(lang, "Paus", "Break"),
            crate::progress::Phase::After => tr(lang, "Avslutat", "Ended"),
        };
        let end = status.projected_end.replace(':', ".");
        (
            phase,
            tr(lang, "beräknat slut", "projected end"),
            end,
            status.offset_s,
        )
    } else if m.date > today {
        let end = clock_sv(m.end);
        (
            tr(lang, "Kommande", "Coming"),
            tr(lang, "planerat slut", "planned end"),
            end,
            0,
        )
    } else {
        let (label, end) = match ended_at {
            Some(at) => (tr(lang, "slutade", "ended"), clock(at)),
            None => (tr(lang, "planerat slut", "planned end"), clock_sv(m.end)),
        };
        (tr(lang, "Avslutat", "Ended"), label, end, 0)
    };
    html! {
        section.card {
            div.counts {
                div { b { (phase) } span.muted { (tr(lang, "läge", "state")) } }
                div { b { (inside) } span.muted { (tr(lang, "inne nu", "in now")) } }
                div { b { (left) } span.muted { (tr(lang, "har gått", "have left")) } }
                div { b { (missing) } span.muted { (tr(lang, "ej kommit", "not come")) } }
                div {
                    b { (end) }
                    span.muted {
                        (end_label)
                        @if offset > 60 { " · " (offset / 60) " " (tr(lang, "min efter plan", "min behind plan")) }
                        @else if offset < -60 { " · " (-offset / 60) " " (tr(lang, "min före plan", "min ahead of plan")) }
                    }
                }
            }
        }
        h2 { (tr(lang, "Dagordning", "Agenda")) }
        table.agenda {
            thead { tr {
                th { "#" } th { (tr(lang, "Punkt", "Item")) } th { (tr(lang, "Föredragande", "Presenters")) }
                th { (tr(lang, "Planerat", "Planned")) } th { (tr(lang, "Faktiskt", "Actual")) } th { (tr(lang, "Läge", "State")) }
            } }
            tbody {
                @for row in &rows {
                    @let presenters = row.entry.and_then(|i| m.items.get(i)).map(|item| item.presenters.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", ")).unwrap_or_default();
                    @let running = row.actual.is_some() && row.number.is_some() && row.number == current && status.phase == crate::progress::Phase::Item;
                    tr {
                        td.num { (row.number.as_deref().unwrap_or("")) }
                        td { (row.title) }
                        td { (presenters) }
                        td.num { @if let Some((start, end)) = row.planned { (clock(start)) "–" (clock(end)) } }
                        td.num { (actual(row, &clock)) }
                        td { (item_state(row, running, over, lang)) }
                    }
                }
            }
        }
        h2 { (tr(lang, "Närvaro", "Attendance")) }
        table.board {
            thead { tr {
                th { (tr(lang, "Namn", "Name")) } th { (tr(lang, "Parti / organisation", "Party / organisation")) }
                th { (tr(lang, "Läge", "State")) } th { (tr(lang, "In och ut", "In and out")) } th { (tr(lang, "Källa", "Source")) }
            } }
            tbody {
                @for p in &people {
                    tr {
                        td { (p.participant.name) @if p.participant.invited { " " span.muted { (tr(lang, "(inbjuden)", "(invited)")) } } }
                        td { (party_org(p)) }
                        td { (person_state(p, &clock, lang)) }
                        td.num { (p.intervals_sv(tz)) }
                        td {
                            (p.sources.iter().map(|s| source_sv(*s)).collect::<Vec<_>>().join(", "))
                            @if p.corrected { " " span.badge { (tr(lang, "rättad", "corrected")) } }
                        }
                    }
                }
            }
        }
    }
}

fn is_in(row: &AttendanceRow) -> bool {
    row.intervals.last().is_some_and(|(_, out)| out.is_none())
}

fn party_org(row: &AttendanceRow) -> String {
    let p = row.participant;
    [p.party.as_deref(), p.organisation.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ")
}

fn actual(row: &AgendaRow, clock: &dyn Fn(DateTime<Utc>) -> String) -> String {
    match row.actual {
        Some((start, end)) => format!("{}–{}", clock(start), clock(end)),
        None => String::new(),
    }
}

fn item_state(row: &AgendaRow, running: bool, over: bool, lang: Lang) -> Markup {
    let (class, text) = if running {
        ("state now", tr(lang, "Pågår", "Running"))
    } else if row.actual.is_some() {
        ("state done", tr(lang, "Klar", "Done"))
    } else if over {
        ("state absent", tr(lang, "Ej behandlad", "Not taken up"))
    } else {
        ("state absent", tr(lang, "Kommande", "Coming"))
    };
    html! { span class=(class) { (text) } }
}

fn person_state(
    row: &AttendanceRow,
    clock: &dyn Fn(DateTime<Utc>) -> String,
    lang: Lang,
) -> Markup {
    match row.intervals.last() {
        Some((since, None)) => {
            html! { span.state.in { (tr(lang, "Inne", "In")) " " span.muted { (tr(lang, "sedan", "since")) " " (clock(*since)) } } }
        }
        Some((_, Some(out))) => {
            html! { span.state.left { (tr(lang, "Gick", "Left")) " " span.muted { (clock(*out)) } } }
        }
        None => html! { span.state.absent { (tr(lang, "Ej kommit", "Not come")) } },
    }
}

/// `GET /meetings/{key}/live`: a server-sent event `changed` whenever the
/// meeting's room has news (a push from a kiosk, a correction).
pub async fn live(
    State(state): State<WebState>,
    signed: Signed,
    Path(key): Path<String>,
) -> Result<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>, PageError> {
    let entry = visible(&state, &signed, &key).await?;
    let changes = state.app.changes.subscribe();
    let stream = futures_util::stream::unfold(
        (state, entry.room, changes),
        |(state, room, mut changes)| async move {
            let mut stopping = state.app.stopping.clone();
            loop {
                tokio::select! {
                    _ = stopping.wait_for(|s| *s) => return None,
                    change = changes.recv() => match change {
                        Ok(changed) if changed != room => continue,
                        Err(broadcast::error::RecvError::Closed) => return None,
                        _ => break,
                    },
                }
            }
            let event = SseEvent::default().event("changed").data("{}");
            Some((Ok(event), (state, room, changes)))
        },
    );
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// The correction form.
#[derive(Deserialize)]
pub struct CorrectionForm {
    csrf: String,
    person: String,
    direction: String,
    time: String,
    reason: String,
}

/// `POST /meetings/{key}/corrections`: a check-in or check-out by hand,
/// stored as an event with who and why (the events it corrects stay),
/// sent to the room's kiosks like any other event, and audited.
pub async fn correct(
    State(state): State<WebState>,
    signed: Signed,
    Path(key): Path<String>,
    Form(form): Form<CorrectionForm>,
) -> Result<Response, PageError> {
    signed.check(&form.csrf)?;
    let entry = visible(&state, &signed, &key).await?;
    let meeting = &entry.meeting;
    let Some(person) = meeting.participants.iter().find(|p| p.name == form.person) else {
        return Err(PageError::Bad(format!(
            "\"{}\" finns inte i mötets deltagarlista; välj en person i listan",
            form.person
        )));
    };
    let reason = form.reason.trim();
    if reason.is_empty() || reason.chars().count() > 300 {
        return Err(PageError::Bad(
            "skriv ett skäl till rättelsen (högst 300 tecken)".into(),
        ));
    }
    // A clock time on the meeting's own day, nothing else.
    let time = chrono::NaiveTime::parse_from_str(form.time.trim(), "%H:%M").map_err(|_| {
        PageError::Bad(format!(
            "klockslaget \"{}\" går inte att läsa; skriv t.ex. 13:05",
            form.time
        ))
    })?;
    let at = local_instant(meeting.date, time, state.tz);
    let correction = Some(Correction {
        by: signed.viewer.user.name.clone(),
        reason: reason.to_string(),
    });
    let (kind, what) = match form.direction.as_str() {
        "in" => (
            EventKind::CheckedIn {
                person: person.name.clone(),
                source: Source::Secretary,
                substitute_for: person.substitute_for.clone(),
                correction,
            },
            "incheckad",
        ),
        "out" => (
            EventKind::CheckedOut {
                person: person.name.clone(),
                source: Source::Secretary,
                correction,
            },
            "utcheckad",
        ),
        other => {
            return Err(PageError::Bad(format!(
                "okänd riktning {other}; välj in eller ut"
            )));
        }
    };
    let detail = format!(
        "{} {what} kl. {}; skäl: {reason}",
        person.name,
        clock_sv(local_time(at, state.tz).time())
    );
    record(
        &state,
        Record {
            who: &signed.viewer.user.name,
            action: "correction",
            detail,
            key: &key,
            room: &entry.room,
            event: Event::new(at, state.tz, kind),
        },
    )
    .await?;
    Ok(Redirect::to(&format!("{}?done=correction", meeting_path(&key))).into_response())
}

/// What the pages record in a meeting: who did it, the audit line, and
/// the event.
pub(super) struct Record<'a> {
    /// The signed-in person.
    pub who: &'a str,
    /// The audit action (`correction`, `card_revoke`, …).
    pub action: &'a str,
    /// The audit line's details.
    pub detail: String,
    /// The meeting's key.
    pub key: &'a str,
    /// Its room, told of the change.
    pub room: &'a str,
    /// The event.
    pub event: Event,
}

/// Records an event made on the pages: audited first (what cannot be
/// audited is not done), stored as the next of [`PAGES_DEVICE`], and the
/// room's kiosks and pages told.
pub(super) async fn record(state: &WebState, record: Record<'_>) -> Result<(), PageError> {
    state
        .audit(record.who, record.action, Some(record.key), record.detail)
        .await?;
    store_event(state, record.key, record.event, (state.app.now)()).await?;
    let _ = state.app.changes.send(record.room.to_string());
    Ok(())
}

/// Stores an event made on the pages as the next of [`PAGES_DEVICE`].
async fn store_event(
    state: &WebState,
    key: &str,
    event: Event,
    now: DateTime<Utc>,
) -> Result<(), PageError> {
    let _one_at_a_time = state.corrections.lock().await;
    // Another central server on the same database may take a number
    // between reading and writing: then read again.
    for _ in 0..3 {
        let seq = state.app.db.acked(PAGES_DEVICE).await? + 1;
        let wire = WireEvent {
            id: Uuid::now_v7(),
            device: PAGES_DEVICE.to_string(),
            seq,
            meeting: key.to_string(),
            wall: now,
            mono_ms: 0,
            boot: PAGES_DEVICE.to_string(),
            clock_synced: true,
            event: event.clone(),
        };
        match state.app.db.push(PAGES_DEVICE, &[wire], now).await {
            Ok(_) => return Ok(()),
            Err(DbError::SeqConflict { .. }) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(PageError::Bad(
        "rättelsen krockade med en annan; försök igen".into(),
    ))
}

/// A meeting's address (`/meetings/Göteborg-2026-06-04` percent-encoded,
/// as a Location header must be ASCII).
pub fn meeting_path(key: &str) -> String {
    format!("/meetings/{}", super::percent_encode(key))
}

/// `attachment; filename="…"` for a download: ASCII for old clients
/// (å, ä, ö as a, a, o), and the exact name as RFC 6266's `filename*`.
fn attachment(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| match c {
            'å' | 'ä' => 'a',
            'Å' | 'Ä' => 'A',
            'ö' => 'o',
            'Ö' => 'O',
            c if c.is_ascii_alphanumeric() || ".-_".contains(c) => c,
            _ => '-',
        })
        .collect();
    let encoded = super::percent_encode(name);
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// `GET /meetings/{key}/export/{format}`: a download, audited.
pub async fn export(
    State(state): State<WebState>,
    signed: Signed,
    Path((key, format)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let entry = visible(&state, &signed, &key).await?;
    let now = (state.app.now)();
    let (bytes, name, content_type) = if format == "events" {
        let lines: String = event_log(state.app.db.as_ref(), &key, state.tz)
            .await?
            .iter()
            .map(|line| line.to_string() + "\n")
            .collect();
        (
            lines.into_bytes(),
            format!("{key}-handelser.jsonl"),
            "application/x-ndjson",
        )
    } else {
        let made = Format::from_slug(&format).ok_or(PageError::NotFound)?;
        let events = events(&state, &key).await?;
        let (meeting, tz) = (entry.meeting.clone(), state.tz);
        let bytes = tokio::task::spawn_blocking(move || render(made, &meeting, &events, tz, now))
            .await
            .map_err(|e| PageError::Bad(format!("exporten avbröts: {e}")))??;
        (bytes, made.file_name(&key), made.content_type())
    };
    state
        .audit(
            &signed.viewer.user.name,
            "export",
            Some(&key),
            format!("{name} hämtad"),
        )
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_DISPOSITION, attachment(&name)),
        ],
        bytes,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_and_file_names_are_ascii_and_exact() {
        assert_eq!(meeting_path("SRO-2026-06-04"), "/meetings/SRO-2026-06-04");
        assert_eq!(
            meeting_path("GöR-2026-06-04"),
            "/meetings/G%C3%B6R-2026-06-04"
        );
        assert_eq!(
            attachment("GöR-2026-06-04-narvaro.csv"),
            "attachment; filename=\"GoR-2026-06-04-narvaro.csv\"; filename*=UTF-8''G%C3%B6R-2026-06-04-narvaro.csv"
        );
    }
}
