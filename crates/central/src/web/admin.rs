//! For administrators: kiosks (enrolment codes, last contact, clock,
//! revocation), rooms, and the audit log.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use maud::html;
use serde::Deserialize;

use super::layout::{Problems, Section, notice, scroll, tr};
use super::{PageError, Signed, WebState};
use crate::db::CentralDb;
use crate::secret;
use motesskylt_core::model::time::{Lang, local_time};

fn when(at: Option<DateTime<Utc>>, state: &WebState, lang: Lang) -> String {
    at.map(|t| {
        let local = local_time(t, state.tz);
        format!("{} {}", lang.date(local.date()), lang.clock(local.time()))
    })
    .unwrap_or_else(|| "–".into())
}

/// "2026-06-04 13.05", for long lists.
fn short_when(at: DateTime<Utc>, state: &WebState) -> String {
    local_time(at, state.tz)
        .format("%Y-%m-%d %H.%M")
        .to_string()
}

/// `GET /devices`.
pub async fn devices(State(state): State<WebState>, signed: Signed) -> Result<Response, PageError> {
    devices_page(&state, &signed, None).await
}

/// A room name the form refused: what was typed and why (in the page's
/// language).
type Refused<'a> = Option<(&'a str, Problems)>;

/// The room a form names, or what was typed with why it is refused.
fn room_name(typed: &str, lang: Lang) -> Result<&str, (&str, Problems)> {
    crate::schedule::room_name(typed).map_err(|e| {
        let why = format!("{}: {}", tr(lang, "Rum", "Room"), e.message(lang));
        (typed, Problems::one(lang, &["room"], why))
    })
}

/// The kiosks page; `refused` puts a refused room name back in its field
/// with the reason (422).
async fn devices_page(
    state: &WebState,
    signed: &Signed,
    refused: Refused<'_>,
) -> Result<Response, PageError> {
    signed.admin()?;
    let lang = signed.lang;
    let (typed, problems) = refused.unwrap_or_else(|| ("", Problems::new(lang)));
    let (bad, why) = problems.on("room");
    let devices = state.app.db.devices().await?;
    let rooms = state.app.db.rooms().await?;
    let body = html! {
        h1 { (tr(lang, "Kiosker", "Kiosks")) }
        p.sub { (tr(lang, "Varje kiosk registreras med en engångskod för sitt rum.", "Each kiosk enrols with a one-time code for its room.")) }
        section.card {
            h2 { (tr(lang, "Registrera en kiosk", "Enrol a kiosk")) }
            (problems.summary(None, None))
            form.inline method="post" action="/devices/code" {
                input type="hidden" name="csrf" value=(signed.viewer.csrf);
                div {
                    label for="room" { (tr(lang, "Rum", "Room")) }
                    input #room type="text" name="room" list="rooms" required value=(typed) aria-invalid=[bad] aria-describedby=[why];
                    datalist #rooms { @for r in &rooms { option value=(r) {} } }
                }
                button type="submit" { (tr(lang, "Skapa engångskod", "Make a one-time code")) }
            }
        }
        (scroll(tr(lang, "Kiosker", "Kiosks"), html! {
            table {
                thead { tr {
                    th { (tr(lang, "Kiosk", "Kiosk")) } th { (tr(lang, "Rum", "Room")) } th { (tr(lang, "Visar", "Shows")) } th { (tr(lang, "Senast hörd", "Last seen")) }
                    th { (tr(lang, "Mottagna händelser", "Events received")) } th { (tr(lang, "Ej skickade", "Unsent")) } th { (tr(lang, "Klocka", "Clock")) } th { (tr(lang, "Läge", "State")) } th {}
                } }
                tbody {
                    @for d in &devices {
                        tr {
                            td.nowrap { (d.name) }
                            td { (d.room) }
                            td {
                                @match d.showing.as_deref() {
                                    None => { "–" }
                                    Some("") => { (tr(lang, "Ledigt", "Free")) }
                                    Some(id) => { a href=(super::meeting_path(id)) { (id) } }
                                }
                            }
                            td.num { (when(d.last_seen, state, lang)) }
                            td.num { (d.acked_seq) }
                            td.num {
                                @match d.pending {
                                    Some(0) => { span.state.in { "0" } }
                                    Some(n) => { span.state.left { (n) } }
                                    None => { "–" }
                                }
                            }
                            td.num {
                                @match d.offset_ms {
                                    Some((offset, within)) => { (format!("{:+.1} s (±{:.1})", offset as f64 / 1000.0, within as f64 / 1000.0)) }
                                    None => { "–" }
                                }
                            }
                            td {
                                @if d.revoked.is_some() { span.state.absent { (tr(lang, "Återkallad", "Revoked")) } }
                                @else { span.state.in { (tr(lang, "Aktiv", "Active")) } }
                            }
                            td {
                                @if d.revoked.is_none() {
                                    form method="post" action=(format!("/devices/{}/revoke", d.name)) {
                                        input type="hidden" name="csrf" value=(signed.viewer.csrf);
                                        button.danger type="submit" { (tr(lang, "Återkalla", "Revoke")) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }))
    };
    let page = signed.page(tr(lang, "Kiosker", "Kiosks"), Section::Devices, body);
    Ok((problems.status(), page).into_response())
}

/// A form with a room.
#[derive(Deserialize)]
pub struct RoomForm {
    csrf: String,
    room: String,
}

/// `POST /devices/code`: a one-time code for a room, shown once.
pub async fn new_code(
    State(state): State<WebState>,
    signed: Signed,
    Form(form): Form<RoomForm>,
) -> Result<Response, PageError> {
    signed.admin()?;
    signed.check(&form.csrf)?;
    let lang = signed.lang;
    let room = match room_name(&form.room, signed.lang) {
        Ok(room) => room,
        Err(refused) => return devices_page(&state, &signed, Some(refused)).await,
    };
    let now = (state.app.now)();
    let code = secret::new_code()?;
    let expires = now + chrono::Duration::hours(state.code_valid_hours);
    state
        .audit(
            &signed.viewer.user.name,
            "enrol_code",
            None,
            format!("engångskod för rummet {room}"),
        )
        .await?;
    state
        .app
        .db
        .add_code(&state.app.code_key.hash(&code), room, expires, now)
        .await?;
    state.app.db.add_room(room, now).await?;
    let body = html! {
        h1 { (tr(lang, "Engångskod", "One-time code")) }
        section.card {
            p { (tr(lang, "Skriv koden i kioskens kiosk.toml (enrol_code) eller på kioskens skärm. Den visas bara nu och gäller till", "Put the code in the kiosk's kiosk.toml (enrol_code) or on its screen. It is shown only now and is valid until")) " " (when(Some(expires), &state, lang)) "." }
            p.code #code { (code) }
            p { (tr(lang, "Rum:", "Room:")) " " b { (room) } }
        }
        p { a href="/devices" { (tr(lang, "Tillbaka till kioskerna", "Back to the kiosks")) } }
    };
    Ok(signed.page(
        tr(lang, "Engångskod", "One-time code"),
        Section::Devices,
        body,
    ))
}

/// A form with only the CSRF token.
#[derive(Deserialize)]
pub struct Confirm {
    csrf: String,
}

/// `POST /devices/{name}/revoke`.
pub async fn revoke(
    State(state): State<WebState>,
    signed: Signed,
    Path(name): Path<String>,
    Form(form): Form<Confirm>,
) -> Result<Response, PageError> {
    signed.admin()?;
    signed.check(&form.csrf)?;
    if !state.app.db.devices().await?.iter().any(|d| d.name == name) {
        return Err(PageError::NotFound);
    }
    state
        .audit(
            &signed.viewer.user.name,
            "revoke",
            None,
            format!("kiosken {name} återkallad"),
        )
        .await?;
    state.app.db.revoke(&name, (state.app.now)()).await?;
    Ok(Redirect::to("/devices").into_response())
}

/// `GET /rooms`.
pub async fn rooms(State(state): State<WebState>, signed: Signed) -> Result<Response, PageError> {
    rooms_page(&state, &signed, None).await
}

/// The rooms page; `refused` puts a refused room name back in its field
/// with the reason (422).
async fn rooms_page(
    state: &WebState,
    signed: &Signed,
    refused: Refused<'_>,
) -> Result<Response, PageError> {
    signed.admin()?;
    let lang = signed.lang;
    let (typed, problems) = refused.unwrap_or_else(|| ("", Problems::new(lang)));
    let (bad, why) = problems.on("room");
    let rooms = state.app.db.rooms().await?;
    let devices = state.app.db.devices().await?;
    let meetings = state.app.db.meetings().await?;
    let body = html! {
        h1 { (tr(lang, "Rum", "Rooms")) }
        section.card {
            (problems.summary(None, None))
            form.inline method="post" action="/rooms" {
                input type="hidden" name="csrf" value=(signed.viewer.csrf);
                div {
                    label for="room" { (tr(lang, "Nytt rum", "New room")) }
                    input #room type="text" name="room" required value=(typed) aria-invalid=[bad] aria-describedby=[why];
                }
                button type="submit" { (tr(lang, "Lägg till", "Add")) }
            }
        }
        @if rooms.is_empty() { (notice("ok", tr(lang, "Inga rum ännu.", "No rooms yet."))) }
        (scroll(tr(lang, "Rum", "Rooms"), html! {
            table {
                thead { tr { th { (tr(lang, "Rum", "Room")) } th { (tr(lang, "Kiosker", "Kiosks")) } th { (tr(lang, "Möten", "Meetings")) } } }
                tbody {
                    @for room in &rooms {
                        tr {
                            td { a href=(format!("/rooms/{}", super::percent_encode(room))) { (room) } }
                            td { (devices.iter().filter(|d| &d.room == room && d.revoked.is_none()).map(|d| d.name.as_str()).collect::<Vec<_>>().join(", ")) }
                            td.num { (meetings.iter().filter(|m| &m.room == room).count()) }
                        }
                    }
                }
            }
        }))
    };
    let page = signed.page(tr(lang, "Rum", "Rooms"), Section::Rooms, body);
    Ok((problems.status(), page).into_response())
}

/// `POST /rooms`.
pub async fn add_room(
    State(state): State<WebState>,
    signed: Signed,
    Form(form): Form<RoomForm>,
) -> Result<Response, PageError> {
    signed.admin()?;
    signed.check(&form.csrf)?;
    let room = match room_name(&form.room, signed.lang) {
        Ok(room) => room,
        Err(refused) => return rooms_page(&state, &signed, Some(refused)).await,
    };
    state
        .audit(
            &signed.viewer.user.name,
            "room",
            None,
            format!("rummet {room} tillagt"),
        )
        .await?;
    state.app.db.add_room(room, (state.app.now)()).await?;
    Ok(Redirect::to("/rooms").into_response())
}

/// An audit line's action in words.
fn action_word(action: &str, lang: Lang) -> &str {
    match action {
        "correction" => tr(lang, "Rättelse", "Correction"),
        "export" => tr(lang, "Export", "Export"),
        "import" => tr(lang, "Import", "Import"),
        "enrol_code" => tr(lang, "Engångskod", "One-time code"),
        "enrol" => tr(lang, "Kiosk registrerad", "Kiosk enrolled"),
        "revoke" => tr(lang, "Kiosk återkallad", "Kiosk revoked"),
        "room" => tr(lang, "Rum", "Room"),
        "sign_in" => tr(lang, "Inloggning", "Sign-in"),
        "card_revoke" => tr(lang, "Kort återkallat", "Card revoked"),
        "card_expect" => tr(lang, "Nytt kort väntas", "New card expected"),
        "control" => tr(lang, "Styrning", "Control"),
        "message" => tr(lang, "Meddelande", "Message"),
        "message_withdrawn" => tr(lang, "Meddelande borttaget", "Message withdrawn"),
        "room_token" => tr(lang, "Rummets nyckel", "Room token"),
        other => other,
    }
}

/// `GET /audit`: the newest 500 lines.
pub async fn audit(State(state): State<WebState>, signed: Signed) -> Result<Response, PageError> {
    signed.admin()?;
    let lang = signed.lang;
    let entries = state.app.db.audit_log(500).await?;
    let body = html! {
        h1 { (tr(lang, "Logg", "Audit log")) }
        p.sub { (tr(lang, "Rättelser, registreringar, importer, exporter och inloggningar, det senaste först. Misslyckade inloggningar finns i serverns logg.", "Corrections, enrolments, imports, exports and sign-ins, newest first. Failed sign-ins are in the server's log.")) }
        (scroll(tr(lang, "Logg", "Audit log"), html! {
            table {
                thead { tr { th { (tr(lang, "När", "When")) } th { (tr(lang, "Vem", "Who")) } th { (tr(lang, "Vad", "What")) } th { (tr(lang, "Möte", "Meeting")) } th { (tr(lang, "Detaljer", "Details")) } } }
                tbody {
                    @for e in &entries {
                        tr {
                            td.num { (short_when(e.at, &state)) }
                            td { (e.who) }
                            td { (action_word(&e.action, lang)) }
                            td.nowrap { (e.meeting.as_deref().unwrap_or("")) }
                            // Details are written in Swedish, whatever the page's language.
                            td lang="sv" { (e.detail) }
                        }
                    }
                }
            }
        }))
    };
    Ok(signed.page(tr(lang, "Logg", "Audit log"), Section::Audit, body))
}
