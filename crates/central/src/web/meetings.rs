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

use super::layout::{Problems, Section, notice, saved, scroll, tr};
use super::{PageError, Signed, WebState, html_page, meeting_path, visible};
use crate::db::{CentralDb, MeetingEntry};
use crate::export::event_log;
use motesskylt_core::attendance::{Names, Presence, presence};
use motesskylt_core::model::event::{Corrected, without_withdrawn};
use motesskylt_core::model::time::{Lang, clock_sv, local_instant, local_time};
use motesskylt_core::model::{Correction, Event, EventKind, Source};
use motesskylt_core::progress::{Current, Phase, Schedule, screen_state, with_plan};
use motesskylt_export::agenda::{AgendaRow, agenda};
use motesskylt_export::attendance::{AttendanceRow, attendance, source_sv};
use motesskylt_export::{Format, render};

pub use crate::drive::PAGES_DEVICE;

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
            (scroll(tr(lang, "Möten", "Meetings"), html! {
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
                                td { (m.room) @if m.cancelled { " " span.state.absent { (tr(lang, "Inställt", "Cancelled")) } } }
                            }
                        }
                    }
                }
            }))
        }
    };
    Ok(signed.page(tr(lang, "Möten", "Meetings"), Section::Meetings, body))
}

/// The meeting's events from every device, clocks corrected, in order,
/// withdrawn corrections left out (the board, the minutes and every export
/// but the event log count them nowhere).
async fn events(state: &WebState, key: &str) -> Result<Vec<Event>, PageError> {
    Ok(without_withdrawn(&logged_events(state, key).await?))
}

/// The meeting's whole log as events (withdrawn corrections too).
pub(super) async fn logged_events(state: &WebState, key: &str) -> Result<Vec<Event>, PageError> {
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
    let entry = visible(&state, &signed, &key).await?;
    let body = meeting_page(&state, &signed, &entry, done.done.as_deref(), None).await?;
    let title = format!(
        "{} {}",
        entry.meeting.body,
        signed.lang.date(entry.meeting.date)
    );
    Ok(signed.page(&title, Section::Meetings, body))
}

/// The correction form as typed, shown again with what to fix (`problem`)
/// or what to confirm (`confirm`); or why a control did nothing
/// (`control`).
#[derive(Default)]
pub(super) struct Typed<'a> {
    form: Option<&'a CorrectionForm>,
    problem: Problems,
    confirm: Option<String>,
    control: Problems,
    /// What was typed into the control forms.
    entered: super::control::Entered,
    formal: Problems,
    schedule: Problems,
    /// What was typed into the move form.
    moved: super::schedule::MoveTyped,
}

/// The card of the meeting page a refusal belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Card {
    /// "Styr mötet", with what was typed into its forms.
    Control(super::control::Entered),
    /// "Beslutförhet och tjänstgöring".
    Formal,
    /// "Tid och rum", with what was typed into its move form.
    Schedule(super::schedule::MoveTyped),
}

/// The meeting page again (409) with why something asked for on one of
/// its cards did nothing, shown in that card.
pub(super) async fn refused_on_page(
    state: &WebState,
    signed: &Signed,
    entry: &MeetingEntry,
    card: Card,
    problem: Problems,
) -> Result<Response, PageError> {
    let typed = match card {
        Card::Control(entered) => Typed {
            control: problem,
            entered,
            ..Typed::default()
        },
        Card::Formal => Typed {
            formal: problem,
            ..Typed::default()
        },
        Card::Schedule(moved) => Typed {
            schedule: problem,
            moved,
            ..Typed::default()
        },
    };
    let body = meeting_page(state, signed, entry, None, Some(typed)).await?;
    let title = format!(
        "{} {}",
        entry.meeting.body,
        signed.lang.date(entry.meeting.date)
    );
    Ok((
        axum::http::StatusCode::CONFLICT,
        signed.page(&title, Section::Meetings, body),
    )
        .into_response())
}

/// The meeting page: the board, the correction form (empty, or as typed
/// with a problem or a question), the corrections made, the exports.
async fn meeting_page(
    state: &WebState,
    signed: &Signed,
    entry: &MeetingEntry,
    done: Option<&str>,
    typed: Option<Typed<'_>>,
) -> Result<Markup, PageError> {
    let lang = signed.lang;
    let key = &entry.key;
    let logged = logged_events(state, key).await?;
    let events = without_withdrawn(&logged);
    let now = (state.app.now)();
    let m = &entry.meeting;
    let typed = typed.unwrap_or_default();
    let form = typed.form;
    let local_now = local_time(now, state.tz).time();
    let time_value = form.map_or_else(|| local_now.format("%H:%M").to_string(), |f| f.time.clone());
    let date_value = form
        .and_then(|f| f.date.clone())
        .unwrap_or_else(|| m.date.to_string());
    let corrections = corrections(&logged);
    let clock = |t: DateTime<Utc>| lang.clock(local_time(t, state.tz).time());
    let controls = super::control::controls(
        state,
        signed,
        entry,
        &typed.control,
        &typed.entered,
        "meeting",
    )
    .await;
    Ok(html! {
        h1 { (m.body) " " (lang.date(m.date)) @if entry.cancelled { " – " (tr(lang, "inställt", "cancelled")) } }
        p.sub {
            (lang.clock(m.start)) "–" (lang.clock(m.end))
            @if let Some(place) = &m.location { " · " (place) }
            " · " (tr(lang, "rum", "room")) " " (entry.room)
        }
        @match done {
            Some("correction") => (saved(tr(lang, "Rättelsen är sparad och syns i närvarolistan.", "The correction is saved and shows in the attendance list."))),
            Some("withdrawn") => (saved(tr(lang, "Rättelsen är återkallad. Den räknas inte längre, men finns kvar i händelseloggen.", "The correction is withdrawn. It no longer counts, but stays in the event log."))),
            Some("import") => (saved(tr(lang, "Kallelsen är sparad. Kiosken i rummet hämtar den.", "The notice is saved. The room's kiosk picks it up."))),
            Some("moved") => (saved(tr(lang, "Mötet är flyttat. Kiosken i rummet visar de nya tiderna.", "The meeting is moved. The room's kiosk shows the new times."))),
            Some("cancelled") => (saved(tr(lang, "Mötet är inställt.", "The meeting is cancelled."))),
            _ => {}
        }
        div.liveline {
            // Said by a screen reader as people come and go; the button
            // stops the board's updates (both need live.js, which shows it).
            p.sr-only role="status" data-announcer {}
            button.secondary type="button" hidden data-pause aria-pressed="false" {
                (tr(lang, "Pausa uppdateringen", "Pause updates"))
            }
        }
        div data-live=(format!("{}/board", meeting_path(key))) data-events=(format!("{}/live", meeting_path(key))) {
            (board_markup(state, entry, &events, now, lang))
        }
        (controls)
        (super::formal::card(state, signed, entry, &events, now, &typed.formal))
        section.card #correct {
            h2 { (tr(lang, "Rätta närvaro", "Correct attendance")) }
            p.sub { (tr(lang, "Checka in eller ut någon för hand, på mötesdagen. Det som redan registrerats finns kvar; rättelsen sparas med ditt namn och skälet. En tid mer än en timme före mötets start eller efter dess slut måste bekräftas.", "Check someone in or out by hand, on the meeting's day. What was recorded stays; the correction is kept with your name and the reason. A time more than an hour before the meeting's start or after its end must be confirmed.")) }
            @let problems = &typed.problem;
            (problems.summary(None, None))
            @if let Some(question) = &typed.confirm {
                // Asked where the focus lands, like a problem.
                p.notice.warn role="alert" tabindex="-1" autofocus { (question) }
            }
            form method="post" action=(format!("{}/corrections", meeting_path(key))) {
                input type="hidden" name="csrf" value=(signed.viewer.csrf);
                div.inline {
                    div {
                        @let (wrong, why) = problems.on("person");
                        label for="person" { (tr(lang, "Person", "Person")) }
                        select #person name="person" required aria-invalid=[wrong] aria-describedby=[why] {
                            option value="" { (tr(lang, "Välj …", "Choose …")) }
                            @for p in &m.participants { option value=(p.name) selected[form.is_some_and(|f| f.person == p.name)] { (p.name) } }
                        }
                    }
                    div {
                        @let (wrong, why) = problems.on("direction");
                        label for="direction" { (tr(lang, "Vad", "What")) }
                        select #direction name="direction" aria-invalid=[wrong] aria-describedby=[why] {
                            option value="in" { (tr(lang, "Checka in", "Check in")) }
                            option value="out" selected[form.is_some_and(|f| f.direction == "out")] { (tr(lang, "Checka ut", "Check out")) }
                        }
                    }
                    div {
                        @let (wrong, why) = problems.on("date");
                        label for="date" { (tr(lang, "Datum", "Date")) }
                        input #date type="date" name="date" aria-invalid=[wrong] aria-describedby=[why] value=(date_value) min=(m.date.to_string()) max=(m.date.to_string()) required;
                    }
                    div {
                        @let (wrong, why) = problems.on("time");
                        label for="time" { (tr(lang, "Klockan", "At")) }
                        input #time type="text" name="time" aria-invalid=[wrong] aria-describedby=[why] value=(time_value) inputmode="numeric" pattern="[0-9]{1,2}[:.][0-9]{2}" placeholder="13:05" required;
                    }
                }
                @let (wrong, why) = problems.on("remote");
                label.check {
                    input #remote type="checkbox" name="remote" value="yes" aria-invalid=[wrong] aria-describedby=[why] checked[form.is_some_and(|f| f.remote.is_some())];
                    " " (tr(lang, "Deltar på distans (vid incheckning): räknas som närvarande och för beslutförhet", "Takes part remotely (when checking in): counted as present and for quorum"))
                }
                @let (wrong, why) = problems.on("reason");
                label for="reason" { (tr(lang, "Skäl", "Reason")) }
                input #reason type="text" name="reason" aria-invalid=[wrong] aria-describedby=[why] maxlength="300" required value=(form.map_or("", |f| f.reason.as_str())) placeholder=(tr(lang, "t.ex. glömde kortet", "e.g. forgot the card"));
                @if typed.confirm.is_some() {
                    label.check {
                        input type="checkbox" name="confirm" value="yes" required;
                        " " (tr(lang, "Ja, tiden stämmer: spara rättelsen ändå", "Yes, the time is right: save the correction anyway"))
                    }
                }
                p { button type="submit" { (tr(lang, "Spara rättelsen", "Save the correction")) } }
            }
            (super::remote::links(state, entry, lang))
            @if !corrections.is_empty() {
                h3 { (tr(lang, "Rättelser", "Corrections")) }
                (scroll(tr(lang, "Rättelser", "Corrections"), html! {
                    table.corrections {
                        thead { tr {
                            th { (tr(lang, "Person", "Person")) } th { (tr(lang, "Vad", "What")) } th { (tr(lang, "Klockan", "At")) }
                            th { (tr(lang, "Av, skäl", "By, reason")) } th {}
                        } }
                        tbody {
                            @for c in &corrections {
                                tr {
                                    td { (c.person) }
                                    td { (match c.kind { Corrected::CheckedIn => tr(lang, "incheckad", "checked in"), Corrected::CheckedOut => tr(lang, "utcheckad", "checked out"), Corrected::Recused => tr(lang, "jäv", "conflict of interest") }) }
                                    td.num { (clock(c.at)) }
                                    td { (c.by) ": " (c.reason) }
                                    td {
                                        @if let Some((by, reason)) = &c.withdrawn {
                                            span.state.absent { (tr(lang, "Återkallad", "Withdrawn")) } " " span.muted { (by) ": " (reason) }
                                        } @else {
                                            form.inline method="post" action=(format!("{}/corrections/withdraw", meeting_path(key))) {
                                                input type="hidden" name="csrf" value=(signed.viewer.csrf);
                                                input type="hidden" name="person" value=(c.person);
                                                input type="hidden" name="kind" value=(if c.kind == Corrected::CheckedIn { "in" } else { "out" });
                                                input type="hidden" name="at" value=(c.at_written);
                                                input type="text" name="reason" maxlength="300" required aria-label=(tr(lang, "Skäl", "Reason")) placeholder=(tr(lang, "skäl, t.ex. fel person", "reason, e.g. wrong person"));
                                                button.danger type="submit" { (tr(lang, "Återkalla", "Withdraw")) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }))
            }
        }
        (super::schedule::card(signed, entry, &typed.schedule, &typed.moved))
        section.card #exports {
            h2 { (tr(lang, "Exportera", "Export")) }
            ul.exports {
                @for format in Format::ALL {
                    li { a.button.secondary href=(format!("{}/export/{}", meeting_path(key), format.slug())) download { (format_label(format, lang)) } }
                }
                li { a.button.secondary href=(format!("{}/export/events", meeting_path(key))) download { (tr(lang, "Händelselogg (JSON Lines)", "Event log (JSON Lines)")) } }
            }
        }
    })
}

/// A correction by hand as the page lists it.
struct Made {
    person: String,
    kind: Corrected,
    at: DateTime<Utc>,
    /// Its `at` as written in the log (the withdrawal names it).
    at_written: String,
    by: String,
    reason: String,
    /// Withdrawn: by whom and why.
    withdrawn: Option<(String, String)>,
}

/// Every correction by hand in the log, in time order, with its
/// withdrawal if any.
fn corrections(events: &[Event]) -> Vec<Made> {
    let mut made: Vec<Made> = events
        .iter()
        .filter_map(|e| {
            let (kind, person) = Corrected::of(&e.kind)?;
            let correction = match &e.kind {
                EventKind::CheckedIn { correction, .. }
                | EventKind::CheckedOut { correction, .. } => correction.as_ref()?,
                _ => return None,
            };
            Some(Made {
                person: person.to_string(),
                kind,
                at: e.instant(),
                at_written: e.at.to_rfc3339(),
                by: correction.by.clone(),
                reason: correction.reason.clone(),
                withdrawn: None,
            })
        })
        .collect();
    for e in events {
        if let EventKind::CorrectionWithdrawn {
            person,
            withdrawn,
            withdrawn_at,
            by,
            reason,
            ..
        } = &e.kind
        {
            for m in made.iter_mut().filter(|m| {
                m.person == *person
                    && m.kind == *withdrawn
                    && m.at == withdrawn_at.with_timezone(&Utc)
            }) {
                m.withdrawn = Some((by.clone(), reason.clone()));
            }
        }
    }
    made.sort_by_key(|m| m.at);
    made
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

/// Where the meeting stands, the agenda and the attendance board: what
/// the schedule engine says at `now` ([`screen_state`] on the events the
/// room's kiosks work from, [`with_plan`]), as the kiosk shows it, in the
/// reader's clock style; the actual times are what was recorded.
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
    let people = attendance(m, events, &rows, tz);
    let schedule = Schedule::new(m, tz);
    let engine = screen_state(m, &schedule, Some(&with_plan(&schedule, events)), now);
    let presence = presence(schedule.names(), m.participants.len(), events, now);
    let clock = |t: DateTime<Utc>| lang.clock(local_time(t, tz).time());
    let called = |i: usize| m.participants.get(i).is_some_and(|p| !p.invited);
    let left = presence
        .iter()
        .enumerate()
        .filter(|(i, p)| called(*i) && !p.present && p.first_in.is_some())
        .count();
    let missing = presence
        .iter()
        .enumerate()
        .filter(|(i, p)| called(*i) && p.first_in.is_none())
        .count();
    let today = local_time(now, tz).date();
    // The kiosk shows the meeting's progress on its day only; before it
    // the meeting is coming, after it the meeting is over.
    let running_today = m.date == today && matches!(engine.phase, Phase::Item | Phase::Break);
    let over = m.date < today || engine.phase == Phase::After;
    let (phase, end_label, end, offset) = if m.date == today {
        match engine.phase {
            Phase::After => (
                tr(lang, "Avslutat", "Ended"),
                tr(lang, "slutade", "ended"),
                engine.ended_at.map(clock).unwrap_or_default(),
                None,
            ),
            phase => (
                match phase {
                    Phase::Before => tr(lang, "Ej börjat", "Not started"),
                    Phase::Break => tr(lang, "Paus", "Break"),
                    _ => tr(lang, "Pågår", "In progress"),
                },
                tr(lang, "beräknat slut", "projected end"),
                clock(engine.projected_end),
                Some(engine.offset_s),
            ),
        }
    } else if m.date > today {
        (
            tr(lang, "Kommande", "Coming"),
            tr(lang, "planerat slut", "planned end"),
            lang.clock(m.end),
            None,
        )
    } else {
        match engine.ended_at {
            Some(at) => (
                tr(lang, "Avslutat", "Ended"),
                tr(lang, "slutade", "ended"),
                clock(at),
                None,
            ),
            None => (
                tr(lang, "Avslutat", "Ended"),
                tr(lang, "planerat slut", "planned end"),
                lang.clock(m.end),
                None,
            ),
        }
    };
    // The row running now, as the engine says: the planned entry, or the
    // unplanned break that began when the running one did.
    let is_running = |row: &AgendaRow| {
        engine.phase != Phase::After
            && match engine.current {
                Some(Current::Planned(i)) => row.entry == Some(i),
                Some(Current::UnplannedBreak) => {
                    row.entry.is_none() && row.actual.map(|a| a.0) == engine.current_since
                }
                None => false,
            }
    };
    // Entries the engine has moved past (by the plan, when nobody drives
    // the meeting): done, as on the kiosk.
    let passed = |row: &AgendaRow| match (row.entry, engine.next) {
        (Some(i), Some(next)) => running_today && i < next,
        (Some(_), None) => running_today,
        (None, _) => false,
    };
    html! {
        section.card {
            div.counts {
                div { b { (phase) } span.muted { (tr(lang, "läge", "state")) } }
                div { b { (engine.present) " " (tr(lang, "av", "of")) " " (engine.expected) } span.muted { (tr(lang, "incheckade", "checked in")) } }
                div { b { (left) } span.muted { (tr(lang, "har gått", "have left")) } }
                div { b { (missing) } span.muted { (tr(lang, "ej kommit", "not come")) } }
                div {
                    b { (end) }
                    span.muted {
                        (end_label)
                        @if let Some(offset) = offset {
                            @if offset >= 60 { " · " (offset / 60) " " (tr(lang, "min efter plan", "min behind plan")) }
                            @else if offset <= -60 { " · " (-offset / 60) " " (tr(lang, "min före plan", "min ahead of plan")) }
                        }
                    }
                }
            }
        }
        h2 { (tr(lang, "Dagordning", "Agenda")) }
        (scroll(tr(lang, "Dagordning", "Agenda"), html! {
            table.agenda {
                thead { tr {
                    th { "#" } th { (tr(lang, "Punkt", "Item")) } th { (tr(lang, "Föredragande", "Presenters")) }
                    th { (tr(lang, "Planerat", "Planned")) } th { (tr(lang, "Faktiskt", "Actual")) } th { (tr(lang, "Läge", "State")) }
                } }
                tbody {
                    @for row in &rows {
                        @let presenters = row.entry.and_then(|i| m.items.get(i)).map(|item| item.presenters.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", ")).unwrap_or_default();
                        @let running = is_running(row);
                        tr {
                            td.num { (row.number.as_deref().unwrap_or("")) }
                            td { (row.title) }
                            td { (presenters) }
                            td.num { @if let Some((start, end)) = row.planned { (clock(start)) "–" (clock(end)) } }
                            td.num { (actual(row, running, &clock)) }
                            td { (item_state(row, running, passed(row), over, lang)) }
                        }
                    }
                }
            }
        }))
        h2 { (tr(lang, "Närvaro", "Attendance")) }
        (scroll(tr(lang, "Närvaro", "Attendance"), html! {
            table.board {
                thead { tr {
                    th { (tr(lang, "Namn", "Name")) } th { (tr(lang, "Parti / organisation", "Party / organisation")) }
                    th { (tr(lang, "Läge", "State")) } th { (tr(lang, "In och ut", "In and out")) } th { (tr(lang, "Källa", "Source")) }
                } }
                tbody {
                    @for (p, now_here) in people.iter().zip(&presence) {
                        tr data-person=(p.participant.name) data-announce=(announcement(p, now_here, now, &clock, lang)) {
                            td { (p.participant.name) @if p.participant.invited { " " span.muted { (tr(lang, "(inbjuden)", "(invited)")) } } }
                            td { (party_org(p)) }
                            td { (person_state(p, now_here, now, &clock, lang)) }
                            td.num { (stays(p, &clock)) }
                            td {
                                (p.sources.iter().map(|s| source_word(*s, lang)).collect::<Vec<_>>().join(", "))
                                @if p.corrected { " " span.badge { (tr(lang, "rättad", "corrected")) } }
                            }
                        }
                    }
                }
            }
        }))
    }
}

fn party_org(row: &AttendanceRow) -> String {
    let p = row.participant;
    [p.party.as_deref(), p.organisation.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every stay, "12.50–14.15, 14.40–" in the reader's clock style.
fn stays(row: &AttendanceRow, clock: &dyn Fn(DateTime<Utc>) -> String) -> String {
    row.intervals
        .iter()
        .map(|(start, end)| format!("{}–{}", clock(*start), end.map(clock).unwrap_or_default()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// How someone checked in or out, in the reader's language.
fn source_word(source: Source, lang: Lang) -> &'static str {
    match lang {
        Lang::Sv => source_sv(source),
        Lang::En => match source {
            Source::Nfc => "card",
            Source::Button => "button",
            Source::Touch => "screen",
            Source::Secretary => "secretary",
            Source::Import => "import",
        },
    }
}

/// The recorded times; a running entry has begun and not ended ("13.05–").
fn actual(row: &AgendaRow, running: bool, clock: &dyn Fn(DateTime<Utc>) -> String) -> String {
    match row.actual {
        Some((start, _)) if running => format!("{}–", clock(start)),
        Some((start, end)) => format!("{}–{}", clock(start), clock(end)),
        None => String::new(),
    }
}

fn item_state(row: &AgendaRow, running: bool, passed: bool, over: bool, lang: Lang) -> Markup {
    let (class, text) = if running {
        ("state now", tr(lang, "Pågår", "Running"))
    } else if row.actual.is_some() || passed {
        ("state done", tr(lang, "Klar", "Done"))
    } else if over {
        ("state absent", tr(lang, "Ej behandlad", "Not taken up"))
    } else {
        ("state absent", tr(lang, "Kommande", "Coming"))
    };
    html! { span class=(class) { (text) } }
}

/// When someone present came, at `now`: the start of their last stay
/// that has begun.
fn arrived(row: &AttendanceRow, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    row.intervals
        .iter()
        .rev()
        .map(|(start, _)| *start)
        .find(|start| *start <= now)
}

/// A row's state in one short line for a screen reader ("Helen Eliasson
/// incheckad 12.55"): live.js says it when it changes.
fn announcement(
    row: &AttendanceRow,
    now_here: &Presence,
    now: DateTime<Utc>,
    clock: &dyn Fn(DateTime<Utc>) -> String,
    lang: Lang,
) -> String {
    let name = &row.participant.name;
    if now_here.present {
        let since = arrived(row, now);
        let since = since.map(|s| format!(" {}", clock(s))).unwrap_or_default();
        format!("{name} {}{since}", tr(lang, "incheckad", "checked in"))
    } else if let Some(out) = now_here.left_at {
        format!(
            "{name} {} {}",
            tr(lang, "utcheckad", "checked out"),
            clock(out)
        )
    } else {
        format!("{name} {}", tr(lang, "ej kommit", "not arrived"))
    }
}

/// In (since their last arrival), left (when) or not come, at `now`, as
/// the engine's presence says.
fn person_state(
    row: &AttendanceRow,
    now_here: &Presence,
    now: DateTime<Utc>,
    clock: &dyn Fn(DateTime<Utc>) -> String,
    lang: Lang,
) -> Markup {
    if now_here.present {
        let since = arrived(row, now);
        html! { span.state.in { (tr(lang, "Inne", "In")) @if let Some(since) = since { " " span.muted { (tr(lang, "sedan", "since")) " " (clock(since)) } } } }
    } else if let Some(out) = now_here.left_at {
        html! { span.state.left { (tr(lang, "Gick", "Left")) " " span.muted { (clock(out)) } } }
    } else {
        html! { span.state.absent { (tr(lang, "Ej kommit", "Not come")) } }
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
    Ok(room_stream(state, entry.room))
}

/// A server-sent event `changed` whenever `room` has news, until the
/// server stops (the meeting page's board, the control panel, the room
/// screen).
pub(super) fn room_stream(
    state: WebState,
    room: String,
) -> Sse<impl Stream<Item = Result<SseEvent, Infallible>>> {
    let changes = state.app.changes.subscribe();
    let stream = futures_util::stream::unfold(
        (state, room, changes),
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
    Sse::new(stream).keep_alive(KeepAlive::default())
}

/// The correction form.
#[derive(Deserialize)]
pub struct CorrectionForm {
    csrf: String,
    person: String,
    direction: String,
    /// The meeting's day (the form's date field); absent means that day.
    date: Option<String>,
    time: String,
    reason: String,
    /// "yes" when a time outside the meeting's hours was confirmed.
    confirm: Option<String>,
    /// Present when the person takes part remotely (a check-in only).
    remote: Option<String>,
}

/// How far before the meeting's start and after its end a correction is
/// taken without asking: an hour, as late arrivals and early departures
/// are near the meeting; further out it is more likely a typing mistake
/// (23.59 for 13.59) and the secretary is asked to confirm it.
pub const CORRECTION_MARGIN_MINUTES: i64 = 60;

/// A correction form's problem, said in the reader's language and naming
/// the field.
fn said(lang: Lang, sv: String, en: String) -> String {
    match lang {
        Lang::Sv => sv,
        Lang::En => en,
    }
}

/// The hours a correction is taken in without asking: from the margin
/// before the planned (or earlier actual) start to the margin after the
/// planned (or later actual) end, as the engine has the meeting's start
/// and end from the log.
fn correction_hours(
    meeting: &motesskylt_core::model::Meeting,
    events: &[Event],
    tz: chrono_tz::Tz,
) -> (DateTime<Utc>, DateTime<Utc>) {
    let schedule = Schedule::new(meeting, tz);
    // Where the log leaves the meeting: after its last event.
    let last = events
        .iter()
        .map(Event::instant)
        .fold(schedule.planned_end, DateTime::max);
    let recorded = screen_state(meeting, &schedule, Some(events), last);
    let start = recorded
        .started_at
        .map_or(schedule.planned_start, |s| s.min(schedule.planned_start));
    let planned_end = schedule
        .planned_end
        .max(local_instant(meeting.date, meeting.end, tz));
    let end = recorded
        .ended_at
        .map_or(planned_end, |e| e.max(planned_end));
    let margin = chrono::Duration::minutes(CORRECTION_MARGIN_MINUTES);
    (start - margin, end + margin)
}

/// `POST /meetings/{key}/corrections`: a check-in or check-out by hand,
/// stored as an event with who and why (the events it corrects stay),
/// sent to the room's kiosks like any other event, and audited. Only on
/// the meeting's day; a time more than [`CORRECTION_MARGIN_MINUTES`]
/// outside the meeting's hours is saved only when confirmed. A problem
/// shows the form again as typed, with the field named.
pub async fn correct(
    State(state): State<WebState>,
    signed: Signed,
    Path(key): Path<String>,
    Form(form): Form<CorrectionForm>,
) -> Result<Response, PageError> {
    signed.check(&form.csrf)?;
    let lang = signed.lang;
    let entry = visible(&state, &signed, &key).await?;
    let meeting = &entry.meeting;
    // The page again with the form as typed: what is wrong (and the
    // fields it is about), or a question to confirm.
    let again = |problem: Option<(&[&str], String)>, confirm: Option<String>| {
        let (state, signed, entry, form) = (&state, &signed, &entry, &form);
        let problem = problem.map_or_else(
            || Problems::new(lang),
            |(fields, text)| Problems::one(lang, fields, text),
        );
        async move {
            let status = if !problem.is_empty() {
                axum::http::StatusCode::BAD_REQUEST
            } else {
                axum::http::StatusCode::OK
            };
            let body = meeting_page(
                state,
                signed,
                entry,
                None,
                Some(Typed {
                    form: Some(form),
                    problem,
                    confirm,
                    ..Typed::default()
                }),
            )
            .await?;
            let title = format!(
                "{} {}",
                entry.meeting.body,
                signed.lang.date(entry.meeting.date)
            );
            Ok::<Response, PageError>(
                (status, signed.page(&title, Section::Meetings, body)).into_response(),
            )
        }
    };
    let Some(person) = meeting.participants.iter().find(|p| p.name == form.person) else {
        let text = said(
            lang,
            format!(
                "Person: \"{}\" finns inte i mötets deltagarlista; välj en person i listan.",
                form.person
            ),
            format!(
                "Person: \"{}\" is not in the meeting's list; choose a person in the list.",
                form.person
            ),
        );
        return again(Some((&["person"], text)), None).await;
    };
    let reason = form.reason.trim();
    if reason.is_empty() || reason.chars().count() > 300 {
        let text = said(
            lang,
            "Skäl: skriv ett skäl till rättelsen (högst 300 tecken).".into(),
            "Reason: write a reason for the correction (at most 300 characters).".into(),
        );
        return again(Some((&["reason"], text)), None).await;
    }
    // The meeting's own day, nothing else.
    let typed_date = form
        .date
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty());
    if let Some(typed) = typed_date {
        match chrono::NaiveDate::parse_from_str(typed, "%Y-%m-%d") {
            Ok(date) if date == meeting.date => {}
            Ok(date) => {
                let text = said(
                    lang,
                    format!(
                        "Datum: en rättelse gäller mötesdagen, {}; {} är en annan dag. Rättelsen sparades inte.",
                        Lang::Sv.date(meeting.date),
                        Lang::Sv.date(date)
                    ),
                    format!(
                        "Date: a correction is for the meeting's day, {}; {} is another day. The correction was not saved.",
                        Lang::En.date(meeting.date),
                        Lang::En.date(date)
                    ),
                );
                return again(Some((&["date"], text)), None).await;
            }
            Err(_) => {
                let text = said(
                    lang,
                    format!(
                        "Datum: \"{typed}\" går inte att läsa; skriv t.ex. {}.",
                        meeting.date
                    ),
                    format!(
                        "Date: \"{typed}\" cannot be read; write e.g. {}.",
                        meeting.date
                    ),
                );
                return again(Some((&["date"], text)), None).await;
            }
        }
    }
    let typed_time = form.time.trim().replace('.', ":");
    let Ok(time) = chrono::NaiveTime::parse_from_str(&typed_time, "%H:%M") else {
        let text = said(
            lang,
            format!(
                "Klockan: \"{}\" går inte att läsa; skriv t.ex. 13:05.",
                form.time
            ),
            format!("At: \"{}\" cannot be read; write e.g. 13:05.", form.time),
        );
        return again(Some((&["time"], text)), None).await;
    };
    let remote = form.remote.as_deref() == Some("yes");
    if remote && form.direction != "in" {
        let text = said(
            lang,
            "Distans: distansdeltagande gäller en incheckning; välj Checka in, eller ta bort bocken för distans.".into(),
            "Remote: taking part remotely applies to a check-in; choose Check in, or untick remote.".into(),
        );
        return again(Some((&["remote"], text)), None).await;
    }
    let kind_word = match form.direction.as_str() {
        "in" if remote => "incheckad på distans",
        "in" => "incheckad",
        "out" => "utcheckad",
        other => {
            let text = said(
                lang,
                format!("Vad: \"{other}\" är varken Checka in eller Checka ut; välj en av dem."),
                format!("What: \"{other}\" is neither Check in nor Check out; choose one."),
            );
            return again(Some((&["direction"], text)), None).await;
        }
    };
    let at = local_instant(meeting.date, time, state.tz);
    let logged = events(&state, &key).await?;
    // A remote check-in starts a stay: someone in the room already is
    // checked out first (otherwise it would change nothing).
    let index = meeting
        .participants
        .iter()
        .position(|p| p.name == person.name);
    let already_in = index.is_some_and(|i| {
        presence(
            &Names::new(meeting),
            meeting.participants.len(),
            &without_withdrawn(&logged),
            at,
        )[i]
            .present
    });
    if remote && already_in {
        let text = said(
            lang,
            format!(
                "Distans: {} är redan incheckad kl. {}; checka ut hen först, och checka sedan in på distans.",
                person.name,
                clock_sv(local_time(at, state.tz).time())
            ),
            format!(
                "Remote: {} is already checked in at {}; check them out first, then check in remotely.",
                person.name,
                Lang::En.clock(local_time(at, state.tz).time())
            ),
        );
        return again(Some((&["person"], text)), None).await;
    }
    let (from, until) = correction_hours(meeting, &logged, state.tz);
    let outside = at < from || at > until;
    let confirmed = form.confirm.as_deref() == Some("yes");
    if outside && !confirmed {
        let clock = |t: DateTime<Utc>, l: Lang| l.clock(local_time(t, state.tz).time());
        let margin = chrono::Duration::minutes(CORRECTION_MARGIN_MINUTES);
        let (sv, en) = if at < from {
            (
                format!(
                    "mer än en timme före mötets start ({})",
                    clock(from + margin, Lang::Sv)
                ),
                format!(
                    "more than an hour before the meeting's start ({})",
                    clock(from + margin, Lang::En)
                ),
            )
        } else {
            (
                format!(
                    "mer än en timme efter mötets slut ({})",
                    clock(until - margin, Lang::Sv)
                ),
                format!(
                    "more than an hour after the meeting's end ({})",
                    clock(until - margin, Lang::En)
                ),
            )
        };
        let question = said(
            lang,
            format!(
                "Klockan {} ligger {sv}. Stämmer tiden? Kryssa i rutan och spara igen; annars rätta klockslaget. Inget är sparat än.",
                clock(at, Lang::Sv)
            ),
            format!(
                "{} is {en}. Is the time right? Tick the box and save again; otherwise correct the time. Nothing is saved yet.",
                clock(at, Lang::En)
            ),
        );
        return again(None, Some(question)).await;
    }
    let correction = Some(Correction {
        by: signed.viewer.user.name.clone(),
        reason: reason.to_string(),
    });
    let kind = if form.direction == "in" {
        EventKind::CheckedIn {
            person: person.name.clone(),
            source: Source::Secretary,
            substitute_for: person.substitute_for.clone(),
            correction,
            remote,
        }
    } else {
        EventKind::CheckedOut {
            person: person.name.clone(),
            source: Source::Secretary,
            correction,
        }
    };
    let detail = format!(
        "{} {kind_word} kl. {}{}; skäl: {reason}",
        person.name,
        clock_sv(local_time(at, state.tz).time()),
        if outside {
            " (utanför mötets tider, bekräftat)"
        } else {
            ""
        }
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

/// The form withdrawing a correction (every field may be missing: the
/// meeting is checked first, so another body's meeting stays "not found").
#[derive(Deserialize)]
#[serde(default)]
#[derive(Default)]
pub struct WithdrawForm {
    csrf: String,
    person: String,
    /// "in" or "out".
    kind: String,
    /// The correction's `at`, as the page wrote it.
    at: String,
    reason: String,
}

/// `POST /meetings/{key}/corrections/withdraw`: withdraws a correction by
/// hand made by mistake. The log is append-only: a `correction_withdrawn`
/// event naming it is recorded (sent to the room's kiosks, audited), and
/// from then on the correction counts nowhere (board, minutes, exports).
pub async fn withdraw(
    State(state): State<WebState>,
    signed: Signed,
    Path(key): Path<String>,
    Form(form): Form<WithdrawForm>,
) -> Result<Response, PageError> {
    signed.check(&form.csrf)?;
    let entry = visible(&state, &signed, &key).await?;
    let kind = match form.kind.as_str() {
        "in" => Corrected::CheckedIn,
        "out" => Corrected::CheckedOut,
        _ => return Err(PageError::NotFound),
    };
    let at =
        chrono::DateTime::parse_from_rfc3339(form.at.trim()).map_err(|_| PageError::NotFound)?;
    let made = corrections(&logged_events(&state, &key).await?)
        .into_iter()
        .find(|c| {
            c.person == form.person
                && c.kind == kind
                && c.at == at.with_timezone(&Utc)
                && c.withdrawn.is_none()
        })
        .ok_or(PageError::NotFound)?;
    let reason = form.reason.trim();
    if reason.is_empty() || reason.chars().count() > 300 {
        return Err(PageError::Refused {
            sv: "Skäl: skriv varför rättelsen återkallas (högst 300 tecken).".into(),
            en: "Reason: write why the correction is withdrawn (at most 300 characters).".into(),
        });
    }
    let detail = format!(
        "rättelsen {} {} kl. {} återkallad; skäl: {reason}",
        made.person,
        match kind {
            Corrected::CheckedIn => "incheckad",
            Corrected::CheckedOut => "utcheckad",
            Corrected::Recused => "jäv",
        },
        clock_sv(local_time(made.at, state.tz).time())
    );
    let event = Event::new(
        (state.app.now)(),
        state.tz,
        EventKind::CorrectionWithdrawn {
            person: made.person.clone(),
            withdrawn: kind,
            item: None,
            withdrawn_at: at,
            by: signed.viewer.user.name.clone(),
            reason: reason.to_string(),
        },
    );
    record(
        &state,
        Record {
            who: &signed.viewer.user.name,
            action: "correction_withdrawn",
            detail,
            key: &key,
            room: &entry.room,
            event,
        },
    )
    .await?;
    Ok(Redirect::to(&format!("{}?done=withdrawn", meeting_path(&key))).into_response())
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
    let _one_at_a_time = state.app.pages_events.lock().await;
    record_held(state, record).await
}

/// [`record`] while the caller holds `pages_events` (it checked the log
/// and must store before anyone else does).
pub(super) async fn record_held(state: &WebState, record: Record<'_>) -> Result<(), PageError> {
    state
        .audit(record.who, record.action, Some(record.key), record.detail)
        .await?;
    crate::drive::store(&state.app, record.key, &[record.event], (state.app.now)())
        .await
        .map_err(|e| match e {
            crate::drive::DriveError::Db(e) => PageError::Db(e),
            other => PageError::Bad(other.to_string()),
        })?;
    state.app.changed(record.room);
    Ok(())
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
        let (id, meeting, tz) = (key.clone(), entry.meeting.clone(), state.tz);
        let bytes =
            tokio::task::spawn_blocking(move || render(made, &id, &meeting, &events, tz, now))
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
