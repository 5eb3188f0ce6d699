//! A room over HTTP (the contract's "The room over HTTP"): its screen as a
//! web page for a TV, a projector, a foyer or a remote participant, live by
//! server-sent events; its `now` as JSON and its control endpoint for
//! integrations (a Stream Deck, Companion, a script); its meetings as a
//! calendar subscription; and the tokens an administrator hands out for
//! them. Who may see a room is set per room: `open`, `token` or
//! `signed-in` (the default: the room's secretaries and administrators).
//! Every refusal is a "not found" that changes nothing.

use std::convert::Infallible;

use axum::Form;
use axum::Json;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::sse::{Event as SseEvent, Sse};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use futures_util::Stream;
use maud::{DOCTYPE, Markup, html};
use serde::Deserialize;

use super::layout::{Problems, Section, scroll, tr};
use super::{Language, PageError, Signed, WebState, html_page, percent_encode};
use crate::db::{CentralDb, RoomToken};
use crate::drive::{self, DriveError, Driver, RoomNow};
use crate::secret;
use motesskylt_core::model::time::{Lang, local_time};
use motesskylt_core::progress::control::Command;
use motesskylt_core::progress::timeline::{Standing, timeline};
use motesskylt_core::progress::{Phase, screen_state};
use motesskylt_core::room::DoorState;

/// Who may see a room's screen and `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone who can reach the server.
    Open,
    /// A link with a screen token of the room (or the room's people
    /// signed in).
    Token,
    /// The room's secretaries and administrators, signed in.
    SignedIn,
}

impl Access {
    /// The word of `room add --screen` and the rooms page.
    pub fn parse(word: &str) -> Option<Access> {
        match word {
            "open" => Some(Access::Open),
            "token" => Some(Access::Token),
            "signed-in" => Some(Access::SignedIn),
            _ => None,
        }
    }
}

/// A token's purpose.
pub const SCREEN: &str = "screen";
/// A control token's purpose.
pub const CONTROL: &str = "control";

/// `?token=` on a screen link, and `?lang=en` for a screen that shows
/// English without anyone choosing it (a TV has no one at its keyboard).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TokenQuery {
    token: String,
    lang: String,
}

/// The screen's language: `?lang=`, else the reader's choice (Swedish
/// first).
async fn screen_language(parts: &mut Parts, state: &WebState, query: &TokenQuery) -> Lang {
    if let Ok(lang) = query.lang.parse() {
        return lang;
    }
    Language::from_request_parts(parts, state)
        .await
        .map_or(Lang::Sv, |Language(lang)| lang)
}

/// The signed-in reader, if any (a room screen is also for those who are
/// not).
async fn signed(parts: &mut Parts, state: &WebState) -> Option<Signed> {
    Signed::from_request_parts(parts, state).await.ok()
}

/// The bearer token of a request, or `?token=`.
fn presented(headers: &HeaderMap, query: &TokenQuery) -> Option<String> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty());
    bearer
        .map(str::to_string)
        .or_else(|| Some(query.token.trim().to_string()).filter(|t| !t.is_empty()))
}

/// Whether `token` is a live token of `room` for `purpose`.
async fn token_valid(
    state: &WebState,
    room: &str,
    purpose: &str,
    token: Option<&str>,
) -> Result<Option<RoomToken>, PageError> {
    let Some(token) = token else {
        return Ok(None);
    };
    Ok(state
        .app
        .db
        .room_token(&secret::hash_exact(token))
        .await?
        .filter(|t| t.room == room && t.purpose == purpose && t.revoked.is_none()))
}

/// Whether a signed-in reader is one of the room's people: an
/// administrator, or a secretary of the body whose meeting the room holds.
fn may_see_room(signed: Option<&Signed>, now: &RoomNow) -> bool {
    signed.is_some_and(|s| {
        s.is_admin()
            || now
                .target
                .as_ref()
                .is_some_and(|t| s.viewer.may_see(&t.meeting.body))
    })
}

/// How a reader came to see a room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Granted {
    /// The room is open, or a screen link was given.
    ToAnyone,
    /// As one of the room's people, signed in.
    AsReader,
}

/// The room as its screen and `now` show it, when the reader may see it.
async fn seen(
    state: &WebState,
    room: &str,
    signed: Option<&Signed>,
    token: Option<&str>,
) -> Result<RoomNow, PageError> {
    seen_as(state, room, signed, token)
        .await
        .map(|(now, _)| now)
}

async fn seen_as(
    state: &WebState,
    room: &str,
    signed: Option<&Signed>,
    token: Option<&str>,
) -> Result<(RoomNow, Granted), PageError> {
    if !state.app.db.rooms().await?.iter().any(|r| r == room) {
        return Err(PageError::NotFound);
    }
    let access = state
        .app
        .db
        .room(room)
        .await?
        .and_then(|r| Access::parse(&r.screen))
        .unwrap_or(Access::SignedIn);
    let now = drive::room_now(&state.app, state.tz, room, (state.app.now)()).await?;
    let granted = match access {
        Access::Open => Some(Granted::ToAnyone),
        Access::Token if token_valid(state, room, SCREEN, token).await?.is_some() => {
            Some(Granted::ToAnyone)
        }
        Access::Token | Access::SignedIn => may_see_room(signed, &now).then_some(Granted::AsReader),
    };
    match granted {
        Some(granted) => Ok((now, granted)),
        None => Err(PageError::NotFound),
    }
}

/// The query that carries a screen token and the language on to the
/// screen's parts.
fn carried(token: Option<&str>, lang: Lang) -> String {
    let token = token.map_or_else(String::new, |t| format!("token={}&", percent_encode(t)));
    format!("?{token}lang={}", lang.code())
}

/// A visit to the room's screen: what it shows, in which language, and
/// the screen link's token to carry on.
async fn visit(
    state: &WebState,
    room: &str,
    query: &TokenQuery,
    parts: &mut Parts,
) -> Result<(RoomNow, Lang, Option<String>), PageError> {
    let reader = signed(parts, state).await;
    let lang = screen_language(parts, state, query).await;
    let token = presented(&parts.headers, query);
    let now = seen(state, room, reader.as_ref(), token.as_deref()).await?;
    Ok((now, lang, token))
}

/// `GET /rooms/{room}/screen`: the room screen.
pub async fn screen(
    State(state): State<WebState>,
    Path(room): Path<String>,
    Query(query): Query<TokenQuery>,
    mut parts: Parts,
) -> Result<Response, PageError> {
    let (now, lang, token) = visit(&state, &room, &query, &mut parts).await?;
    let base = format!("/rooms/{}/screen", percent_encode(&room));
    let carry = carried(token.as_deref(), lang);
    let title = now
        .target
        .as_ref()
        .map_or_else(|| room.clone(), |t| t.meeting.body.clone());
    let room_title = now.title.clone().unwrap_or_else(|| room.clone());
    let markup = html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " – " (room_title) }
                link rel="stylesheet" href="/assets/screen.css";
                script src="/assets/live.js" defer {}
                noscript { meta http-equiv="refresh" content="30"; }
            }
            body.screen {
                main data-live=(format!("{base}/part{carry}")) data-events=(format!("{base}/live{carry}")) data-every="1000" {
                    (screen_markup(&state, &room, &now, lang))
                }
            }
        }
    };
    Ok(html_page(markup))
}

/// `GET /rooms/{room}/screen/part`: the live part of the screen.
pub async fn screen_part(
    State(state): State<WebState>,
    Path(room): Path<String>,
    Query(query): Query<TokenQuery>,
    mut parts: Parts,
) -> Result<Response, PageError> {
    let (now, lang, _) = visit(&state, &room, &query, &mut parts).await?;
    Ok(html_page(screen_markup(&state, &room, &now, lang)))
}

/// `GET /rooms/{room}/screen/live`: `changed` whenever the room has news.
pub async fn screen_live(
    State(state): State<WebState>,
    Path(room): Path<String>,
    Query(query): Query<TokenQuery>,
    mut parts: Parts,
) -> Result<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>, PageError> {
    let reader = signed(&mut parts, &state).await;
    let token = presented(&parts.headers, &query);
    seen(&state, &room, reader.as_ref(), token.as_deref()).await?;
    Ok(super::meetings::room_stream(state, room))
}

/// The screen's content: the room, the meeting, where it stands (big), the
/// message, and the whole agenda with planned, actual and expected times.
fn screen_markup(state: &WebState, room: &str, now: &RoomNow, lang: Lang) -> Markup {
    let tz = state.tz;
    let clock = |t: DateTime<Utc>| lang.clock(local_time(t, tz).time());
    let room_title = now.title.as_deref().unwrap_or(room);
    let Some(((meeting, schedule, events), target)) = now.schedule(tz).zip(now.target.as_ref())
    else {
        return html! {
            header.screenhead { span.room { (room_title) } }
            section.hero.free { p.phase { (tr(lang, "Ledigt", "Free")) } p.big { (tr(lang, "Inget möte inbokat", "No meeting booked")) } }
        };
    };
    let at = (state.app.now)();
    let engine = screen_state(meeting, &schedule, Some(&events), at);
    let lines = timeline(meeting, &schedule, &events, &engine);
    // A TV does not scroll: the items done before the last one fold into
    // one line.
    let done = lines
        .iter()
        .take_while(|l| l.standing == Standing::Done)
        .count();
    let hidden = if done == lines.len() {
        0
    } else {
        done.saturating_sub(1)
    };
    let status = now.status.as_ref();
    html! {
        header.screenhead {
            span.room { (room_title) }
            span.meeting { (meeting.body) " · " (lang.date(meeting.date)) " " (lang.clock(meeting.start)) "–" (lang.clock(meeting.end)) }
            span.clock { (clock(at)) }
        }
        div.columns {
        div.left {
        @match (&target.door, status) {
            (DoorState::Cancelled, _) => {
                section.hero.cancelled { p.phase { (tr(lang, "Inställt", "Cancelled")) } p.big { (tr(lang, "Mötet är inställt", "The meeting is cancelled")) } }
            }
            (_, None) => {
                section.hero.free {
                    p.phase { (tr(lang, "Ledigt", "Free")) }
                    p.big { (tr(lang, "Inget mer möte inbokat", "No more meetings booked")) }
                }
            }
            (DoorState::Free, Some(_)) => {
                section.hero.free {
                    p.phase { (tr(lang, "Ledigt", "Free")) }
                    p.big { (tr(lang, "Nästa möte", "Next meeting")) " " (lang.date(meeting.date)) " " (lang.clock(meeting.start)) }
                }
            }
            (DoorState::Open, Some(status)) => {
                section.hero { (super::control::status_panel(status, lang)) }
            }
        }
        @if let Some(message) = engine.message.as_ref().filter(|_| status.is_some()) {
            section.roommessage role="status" {
                b { (tr(lang, "Meddelande", "Message")) ": " } (message.text)
                @if let Some(until) = message.until { " " span.muted { "(" (tr(lang, "till", "until")) " " (clock(until)) ")" } }
            }
        }
        }
        @if target.door == DoorState::Open {
            section.agenda {
                h2 { (tr(lang, "Dagordning", "Agenda")) }
                table {
                    thead { tr {
                        th { (tr(lang, "Punkt", "Item")) }
                        th { (tr(lang, "Planerat", "Planned")) }
                        th { (tr(lang, "Började", "Started")) }
                        th { (tr(lang, "Beräknat", "Expected")) }
                        th { (tr(lang, "Läge", "Status")) }
                    } }
                    tbody {
                        @if hidden > 0 {
                            tr.done { td colspan="5" { (tr(lang, "Klara tidigare: ", "Done before: ")) (hidden) } }
                        }
                        @for line in lines.iter().skip(hidden) {
                            @let entry = &meeting.items[line.index];
                            @let (word, class) = match line.standing {
                                Standing::Done => (tr(lang, "Klar", "Done"), "done"),
                                Standing::Now => (if engine.phase == Phase::Break { tr(lang, "Paus nu", "Break now") } else { tr(lang, "Pågår", "Now") }, "now"),
                                Standing::Next => (tr(lang, "Nästa", "Next"), "next"),
                                Standing::Later => ("", "later"),
                            };
                            tr class=(class) {
                                td { @if let Some(n) = &entry.number { span.num { (n) " " } } (entry.title) }
                                td.num { (clock(line.planned)) }
                                td.num { @if let Some(s) = line.started { (clock(s)) } }
                                td.num { @if let Some(e) = line.expected { (clock(e)) } }
                                td.state { (word) }
                            }
                        }
                    }
                }
            }
        }
        }
    }
}

/// `GET /api/v1/rooms/{room}/now`: the `state` line as JSON, under the
/// screen's access rule.
pub async fn now_json(
    State(state): State<WebState>,
    Path(room): Path<String>,
    Query(query): Query<TokenQuery>,
    mut parts: Parts,
) -> Response {
    let reader = signed(&mut parts, &state).await;
    let token = presented(&parts.headers, &query);
    match seen(&state, &room, reader.as_ref(), token.as_deref()).await {
        Ok(now) => Json(now.line()).into_response(),
        Err(error) => api_refusal(error),
    }
}

fn api_refusal(error: PageError) -> Response {
    let (status, code, message) = match error {
        PageError::Db(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "centralen når inte sin lagring just nu; försök igen".to_string(),
        ),
        _ => (
            StatusCode::NOT_FOUND,
            "not_found",
            "rummet finns inte, eller nyckeln gäller inte för det".to_string(),
        ),
    };
    (
        status,
        Json(serde_json::json!({"error": code, "message": message})),
    )
        .into_response()
}

/// A control over the API: `{"command": "next"}`, with `minutes` for
/// `break` and `extend`.
#[derive(Deserialize)]
pub struct ControlRequest {
    command: String,
    #[serde(default)]
    minutes: Option<u32>,
}

/// `POST /api/v1/rooms/{room}/control`: a control pressed by an
/// integration with the room's control token (`Authorization: Bearer`).
/// It drives the meeting the room's door holds, as the door would.
pub async fn control_api(
    State(state): State<WebState>,
    Path(room): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let fail = |status: StatusCode, code: &str, message: String| {
        (
            status,
            Json(serde_json::json!({"error": code, "message": message})),
        )
            .into_response()
    };
    let token = presented(&headers, &TokenQuery::default());
    let found = match token_valid(&state, &room, CONTROL, token.as_deref()).await {
        Ok(Some(found)) => found,
        Ok(None) => return api_refusal(PageError::NotFound),
        Err(error) => return api_refusal(error),
    };
    let request: ControlRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(e) => {
            return fail(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_request",
                format!(
                    "kroppen ska vara {{\"command\": \"next\"}} (och \"minutes\" för break och extend): {e}"
                ),
            );
        }
    };
    let Some(command) = Command::parse(&request.command, request.minutes) else {
        return fail(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_command",
            "command ska vara start, next, previous, break, resume, extend, end eller undo".into(),
        );
    };
    let at = (state.app.now)();
    let now = match drive::room_now(&state.app, state.tz, &room, at).await {
        Ok(now) => now,
        Err(e) => return api_refusal(PageError::Db(e)),
    };
    let entry = match now.open_meeting() {
        Some(target) => match state.app.db.meeting(&target.id).await {
            Ok(Some(entry)) => entry,
            Ok(None) => {
                return fail(
                    StatusCode::CONFLICT,
                    "no_meeting",
                    DriveError::NoMeeting.to_string(),
                );
            }
            Err(e) => return api_refusal(PageError::Db(e)),
        },
        None => {
            return fail(
                StatusCode::CONFLICT,
                "no_meeting",
                DriveError::NoMeeting.to_string(),
            );
        }
    };
    let name = format!("nyckel: {}", found.name);
    match drive::press(
        &state.app,
        state.tz,
        &entry,
        command,
        Driver { name: &name },
        at,
    )
    .await
    {
        Ok(said) => {
            let after = drive::room_now(&state.app, state.tz, &room, at).await;
            let mut line = after.map(|n| n.line()).unwrap_or_default();
            line["done"] = said.into();
            Json(line).into_response()
        }
        Err(DriveError::Db(e)) => api_refusal(PageError::Db(e)),
        Err(DriveError::Refused(refusal)) => {
            fail(StatusCode::CONFLICT, "refused", refusal.to_string())
        }
        Err(other) => fail(StatusCode::CONFLICT, "refused", other.to_string()),
    }
}

/// `GET /rooms/{room}/calendar.ics`: the room's meetings as a calendar
/// subscription, under the screen's access rule (calendar programs pass
/// a screen link's `?token=`).
pub async fn calendar(
    State(state): State<WebState>,
    Path(room): Path<String>,
    Query(query): Query<TokenQuery>,
    mut parts: Parts,
) -> Result<Response, PageError> {
    let reader = signed(&mut parts, &state).await;
    let token = presented(&parts.headers, &query);
    let (_, granted) = seen_as(&state, &room, reader.as_ref(), token.as_deref()).await?;
    let meetings = crate::schedule::schedule(state.app.db.as_ref(), Some(&room), None).await?;
    // A secretary who sees the room as one of its people sees their own
    // bodies' meetings in its calendar, not the others' agendas.
    let theirs = |body: &str| {
        granted == Granted::ToAnyone || reader.as_ref().is_some_and(|r| r.viewer.may_see(body))
    };
    let booked: Vec<motesskylt_export::ics::Booked> = meetings
        .iter()
        .filter(|m| theirs(&m.meeting.body))
        .map(|m| motesskylt_export::ics::Booked {
            id: &m.key,
            meeting: &m.meeting,
            cancelled: m.cancelled,
        })
        .collect();
    let body =
        motesskylt_export::ics::room_calendar(Some(&room), &booked, state.tz, (state.app.now)());
    Ok((
        [(header::CONTENT_TYPE, "text/calendar; charset=utf-8")],
        body,
    )
        .into_response())
}

/// The form making a room's token.
#[derive(Deserialize)]
pub struct NewTokenForm {
    csrf: String,
    purpose: String,
    name: String,
}

/// The form revoking one.
#[derive(Deserialize)]
pub struct RevokeTokenForm {
    csrf: String,
    id: String,
}

/// The form setting who may see a room's screen.
#[derive(Deserialize)]
pub struct AccessForm {
    csrf: String,
    screen: String,
}

/// `GET /rooms/{room}`: a room's screen access and tokens (administrators).
pub async fn room_page(
    State(state): State<WebState>,
    signed: Signed,
    Path(room): Path<String>,
) -> Result<Response, PageError> {
    signed.admin()?;
    room_page_with(&state, &signed, &room, Made::Nothing).await
}

/// What the room page shows after a token form.
enum Made<'a> {
    /// Nothing was asked.
    Nothing,
    /// A new token: its purpose and its secret, shown once.
    Token(&'static str, String),
    /// The name typed for a token, refused (422).
    Refused(&'a str, Problems),
}

async fn room_page_with(
    state: &WebState,
    signed: &Signed,
    room: &str,
    made: Made<'_>,
) -> Result<Response, PageError> {
    let lang = signed.lang;
    if !state.app.db.rooms().await?.iter().any(|r| r == room) {
        return Err(PageError::NotFound);
    }
    let record = state.app.db.room(room).await?;
    let access = record
        .as_ref()
        .map_or("signed-in", |r| r.screen.as_str())
        .to_string();
    let tokens = state.app.db.room_tokens(room).await?;
    let path = format!("/rooms/{}", percent_encode(room));
    let (token, typed, problems) = match made {
        Made::Nothing => (None, "", Problems::new(lang)),
        Made::Token(purpose, secret) => (Some((purpose, secret)), "", Problems::new(lang)),
        Made::Refused(typed, problems) => (None, typed, problems),
    };
    let choice = |value: &str, label: &str| {
        html! { label.check { input type="radio" name="screen" value=(value) checked[access == value]; " " (label) } }
    };
    let body = html! {
        h1 { (tr(lang, "Rum", "Room")) " " (room) }
        p.sub {
            a href=(format!("{path}/screen")) { (tr(lang, "Rummets skärm", "The room's screen")) }
            " · "
            a href=(format!("{path}/calendar.ics")) { (tr(lang, "Kalender (.ics)", "Calendar (.ics)")) }
        }
        @if let Some((purpose, secret)) = &token {
            // The focus lands here: it is shown once.
            section.card role="status" tabindex="-1" autofocus {
                h2 { (tr(lang, "Ny nyckel", "New token")) }
                p { (tr(lang, "Kopiera den nu: den visas bara en gång och sparas bara som kontrollsumma.", "Copy it now: it is shown once and kept only as a checksum.")) }
                @if *purpose == SCREEN {
                    p { code.wide { (format!("{path}/screen?token={secret}")) } }
                } @else {
                    p { code.wide { (secret) } }
                    pre { (format!("curl -X POST -H 'Authorization: Bearer {secret}' -H 'Content-Type: application/json' -d '{{\"command\":\"next\"}}' https://…/api/v1/rooms/{}/control", percent_encode(room))) }
                }
            }
        }
        section.card {
            h2 { (tr(lang, "Vem ser rummets skärm", "Who sees the room's screen")) }
            form method="post" action=(format!("{path}/access")) {
                input type="hidden" name="csrf" value=(signed.viewer.csrf);
                (choice("signed-in", tr(lang, "Inloggade: rummets sekreterare och administratörer", "Signed in: the room's secretaries and administrators")))
                (choice("token", tr(lang, "Med länk: den som har en skärmlänk nedan", "By link: whoever has a screen link below")))
                (choice("open", tr(lang, "Öppen: alla som når servern", "Open: anyone who can reach the server")))
                p { button type="submit" { (tr(lang, "Spara", "Save")) } }
            }
        }
        section.card {
            h2 { (tr(lang, "Nycklar", "Tokens")) }
            p.sub { (tr(lang, "Skärmlänkar för en tv eller foajéskärm, och styrnycklar för en Stream Deck eller ett skript (nästa, paus, avsluta).", "Screen links for a TV or a foyer screen, and control tokens for a Stream Deck or a script (next, break, end).")) }
            (problems.summary(None, None))
            form.inline method="post" action=(format!("{path}/tokens")) {
                input type="hidden" name="csrf" value=(signed.viewer.csrf);
                div {
                    @let (wrong, why) = problems.on("token-name");
                    label for="token-name" { (tr(lang, "Namn", "Name")) }
                    input #token-name type="text" name="name" required maxlength="80" value=(typed) placeholder=(tr(lang, "Tv i sal B", "TV in room B")) aria-invalid=[wrong] aria-describedby=[why];
                }
                div {
                    label for="token-purpose" { (tr(lang, "Typ", "Kind")) }
                    select #token-purpose name="purpose" {
                        option value=(SCREEN) { (tr(lang, "Skärmlänk", "Screen link")) }
                        option value=(CONTROL) { (tr(lang, "Styrnyckel", "Control token")) }
                    }
                }
                button type="submit" { (tr(lang, "Skapa", "Create")) }
            }
            @if !tokens.is_empty() {
                (scroll(tr(lang, "Skärmlänkar", "Screen links"), html! {
                    table {
                        thead { tr { th { (tr(lang, "Namn", "Name")) } th { (tr(lang, "Typ", "Kind")) } th { (tr(lang, "Skapad", "Created")) } th { (tr(lang, "Läge", "Status")) } th {} } }
                        tbody {
                            @for t in &tokens {
                                tr {
                                    td { (t.name) }
                                    td { @if t.purpose == SCREEN { (tr(lang, "Skärmlänk", "Screen link")) } @else { (tr(lang, "Styrnyckel", "Control token")) } }
                                    td.num { (lang.date(local_time(t.created, state.tz).date())) " " (t.created_by) }
                                    td { @if t.revoked.is_some() { span.state.absent { (tr(lang, "Återkallad", "Revoked")) } } @else { span.state.in { (tr(lang, "Gäller", "Valid")) } } }
                                    td {
                                        @if t.revoked.is_none() {
                                            form method="post" action=(format!("{path}/tokens/revoke")) {
                                                input type="hidden" name="csrf" value=(signed.viewer.csrf);
                                                input type="hidden" name="id" value=(t.id);
                                                button.danger type="submit" { (tr(lang, "Återkalla", "Revoke")) }
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
    };
    let page = signed.page(
        &format!("{} {room}", tr(lang, "Rum", "Room")),
        Section::Rooms,
        body,
    );
    Ok((problems.status(), page).into_response())
}

/// `POST /rooms/{room}/access`.
pub async fn set_access(
    State(state): State<WebState>,
    signed: Signed,
    Path(room): Path<String>,
    Form(form): Form<AccessForm>,
) -> Result<Response, PageError> {
    signed.admin()?;
    signed.check(&form.csrf)?;
    if !state.app.db.rooms().await?.iter().any(|r| r == &room) {
        return Err(PageError::NotFound);
    }
    if Access::parse(&form.screen).is_none() {
        return Err(PageError::Refused {
            sv: "Vem ser skärmen: välj inloggade, med länk eller öppen.".into(),
            en: "Who sees the screen: choose signed in, by link or open.".into(),
        });
    }
    state
        .audit(
            &signed.viewer.user.name,
            "room",
            None,
            format!("rummet {room}: skärmen {}", form.screen),
        )
        .await?;
    state
        .app
        .db
        .set_room(&room, None, Some(&form.screen), (state.app.now)())
        .await?;
    Ok(Redirect::to(&format!("/rooms/{}", percent_encode(&room))).into_response())
}

/// `POST /rooms/{room}/tokens`: a new token, shown once.
pub async fn new_token(
    State(state): State<WebState>,
    signed: Signed,
    Path(room): Path<String>,
    Form(form): Form<NewTokenForm>,
) -> Result<Response, PageError> {
    signed.admin()?;
    signed.check(&form.csrf)?;
    if !state.app.db.rooms().await?.iter().any(|r| r == &room) {
        return Err(PageError::NotFound);
    }
    let name = form.name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() || name.chars().count() > 80 {
        let lang = signed.lang;
        let problem = Problems::one(
            lang,
            &["token-name"],
            tr(
                lang,
                "Namn: skriv vad nyckeln är till för (högst 80 tecken), t.ex. \"Tv i sal B\".",
                "Name: write what the token is for (at most 80 characters), e.g. \"TV in room B\".",
            ),
        );
        return room_page_with(&state, &signed, &room, Made::Refused(&form.name, problem)).await;
    }
    let purpose = match form.purpose.as_str() {
        SCREEN => SCREEN,
        CONTROL => CONTROL,
        _ => {
            return Err(PageError::Refused {
                sv: "Typ: välj skärmlänk eller styrnyckel.".into(),
                en: "Kind: choose screen link or control token.".into(),
            });
        }
    };
    let secret_text = secret::new_token()?;
    let now = (state.app.now)();
    let what = if purpose == SCREEN {
        "skärmlänk"
    } else {
        "styrnyckel"
    };
    state
        .audit(
            &signed.viewer.user.name,
            "room_token",
            None,
            format!("rummet {room}: {what} \"{name}\" skapad"),
        )
        .await?;
    state
        .app
        .db
        .add_room_token(&RoomToken {
            id: uuid::Uuid::now_v7().to_string(),
            hash: secret::hash_exact(&secret_text),
            room: room.clone(),
            purpose: purpose.to_string(),
            name,
            created: now,
            created_by: signed.viewer.user.name.clone(),
            revoked: None,
        })
        .await?;
    room_page_with(&state, &signed, &room, Made::Token(purpose, secret_text)).await
}

/// `POST /rooms/{room}/tokens/revoke`.
pub async fn revoke_token(
    State(state): State<WebState>,
    signed: Signed,
    Path(room): Path<String>,
    Form(form): Form<RevokeTokenForm>,
) -> Result<Response, PageError> {
    signed.admin()?;
    signed.check(&form.csrf)?;
    let Some(token) = state
        .app
        .db
        .room_tokens(&room)
        .await?
        .into_iter()
        .find(|t| t.id == form.id && t.revoked.is_none())
    else {
        return Err(PageError::NotFound);
    };
    state
        .audit(
            &signed.viewer.user.name,
            "room_token",
            None,
            format!("rummet {room}: nyckeln \"{}\" återkallad", token.name),
        )
        .await?;
    state
        .app
        .db
        .revoke_room_token(&room, &token.id, (state.app.now)())
        .await?;
    Ok(Redirect::to(&format!("/rooms/{}", percent_encode(&room))).into_response())
}

/// The room screen's stylesheet: dark, large, calm; for reading at a
/// distance.
pub const SCREEN_STYLE: &str = r#"
:root { --ink:#f3f5f8; --muted:#b8c0cc; --bg:#10151d; --card:#1a212c; --line:#2c3543;
  --accent:#7fb2ff; --ok:#5fd38d; --warn:#ffc35c; --bad:#ff8a80; font-family:"Noto Sans","Segoe UI",system-ui,sans-serif; }
* { box-sizing:border-box; }
body.screen { margin:0; background:var(--bg); color:var(--ink); font-size:clamp(16px, 1.6vw, 28px); line-height:1.35; }
main { padding:2vw 3vw; }
.screenhead { display:flex; gap:2vw; align-items:baseline; flex-wrap:wrap; border-bottom:2px solid var(--line); padding-bottom:1vw; }
.screenhead .room { font-weight:700; font-size:1.3em; }
.screenhead .meeting { color:var(--muted); flex:1; }
.screenhead .clock { font-size:1.6em; font-weight:700; font-variant-numeric:tabular-nums; }
.hero { margin:2vw 0; }
.hero .phase, .panel .phase { text-transform:uppercase; letter-spacing:.08em; font-weight:700; color:var(--muted); margin:0; }
.hero .big { font-size:2.4em; font-weight:700; margin:.2em 0; }
.panel { border-left:.4em solid var(--accent); padding-left:1em; }
.panel.break { border-color:var(--warn); } .panel.before, .panel.after { border-color:var(--muted); }
.panel .current { font-size:1.8em; font-weight:700; margin:.1em 0; }
.panel .muted, .muted { color:var(--muted); }
.panel .digits { font-size:4em; font-weight:700; font-variant-numeric:tabular-nums; line-height:1; }
.panel .timelabel { font-size:1.4em; font-weight:700; }
.panel .time.soon { color:var(--warn); } .panel .time.over { color:var(--bad); }
.panel .behind { color:var(--bad); font-weight:700; }
.panel .plan, .panel .next { font-size:1.2em; margin:.3em 0; }
.panel .quorum { font-size:1.3em; font-weight:700; margin:.5em 0 0; }
.panel .quorum.unmet { color:#fff; background:var(--bad); border-radius:.3em; padding:.2em .6em; display:inline-block; }
.roommessage { background:var(--card); border-left:.35em solid var(--accent); border-radius:.4em; padding:.6em 1em; font-size:1.4em; margin:1vw 0; }
.roommessage b { color:var(--accent); }
@media (min-width: 1200px) {
  .columns { display:grid; grid-template-columns:1.25fr 1fr; gap:3vw; align-items:start; }
  .columns .agenda { font-size:.8em; }
  .columns .agenda table { table-layout:fixed; }
.agenda th:not(:first-child), .agenda td:not(:first-child) { width:6em; }
.agenda th { font-size:.8em; letter-spacing:0; text-transform:none; }
.agenda td:first-child { white-space:nowrap; overflow:hidden; text-overflow:ellipsis; }
.panel .current { display:-webkit-box; -webkit-line-clamp:3; -webkit-box-orient:vertical; overflow:hidden; }
.agenda h2 { margin-top:2vw; }
}
.agenda table { table-layout:fixed; }
.agenda th:not(:first-child), .agenda td:not(:first-child) { width:6em; }
.agenda th { font-size:.8em; letter-spacing:0; text-transform:none; }
.agenda td:first-child { white-space:nowrap; overflow:hidden; text-overflow:ellipsis; }
.panel .current { display:-webkit-box; -webkit-line-clamp:3; -webkit-box-orient:vertical; overflow:hidden; }
.agenda h2 { font-size:1.1em; text-transform:uppercase; letter-spacing:.08em; color:var(--muted); margin:1.5vw 0 .5vw; }
table { width:100%; border-collapse:collapse; }
th, td { text-align:left; padding:.35em .6em; border-bottom:1px solid var(--line); }
th { color:var(--muted); font-size:.8em; text-transform:uppercase; letter-spacing:.06em; }
td.num { font-variant-numeric:tabular-nums; white-space:nowrap; }
tr.done td { color:var(--muted); }
tr.now td { background:#22324a; font-weight:700; }
tr.now td.state { color:var(--accent); }
tr.next td.state { color:var(--ink); }
.num { font-variant-numeric:tabular-nums; }
"#;
