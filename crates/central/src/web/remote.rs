//! A personal link for taking part remotely (distansdeltagande): the
//! secretary sends it to one participant, who opens it on the meeting's
//! day and checks in with one press, without signing in. The link names
//! the meeting and the person and carries a keyed hash of both under the
//! server's key ([`crate::secret::CodeKey`]): nothing is stored, and a
//! link works for that person and that meeting only. The check-in is
//! `checked_in` with `"remote": true`, done by "länk: NAME", audited.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use maud::{Markup, html};
use serde::Deserialize;

use super::layout::{Section, notice, page, tr};
use super::meetings::{Record, logged_events, record_held};
use super::{Language, PageError, WebState, html_page, percent_encode};
use crate::db::{CentralDb, MeetingEntry};
use crate::secret::CodeKey;
use motesskylt_core::attendance::{Names, presence};
use motesskylt_core::model::event::without_withdrawn;
use motesskylt_core::model::time::{Lang, local_time};
use motesskylt_core::model::{Event, EventKind, Meeting, Source};
use motesskylt_core::progress::{Phase, Schedule, screen_state, with_plan};

/// How long before the planned start a link opens: as the door's window.
const OPENS_BEFORE_MINUTES: i64 = 30;

/// The link's secret for `person` at `meeting`: 32 hex digits of the
/// keyed hash.
pub fn token(key: &CodeKey, meeting: &str, person: &str) -> String {
    let hashed = key.hash(&format!("distans\n{meeting}\n{person}"));
    hashed
        .trim_start_matches("hmac:")
        .chars()
        .take(32)
        .collect()
}

/// The link's path (the secretary's page makes it absolute).
pub fn link(key: &CodeKey, meeting: &str, person: &str) -> String {
    format!(
        "/remote/{}?p={}&t={}",
        percent_encode(meeting),
        percent_encode(person),
        token(key, meeting, person)
    )
}

/// Equal without telling by its timing where two secrets differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0, |d, (x, y)| d | (x ^ y)) == 0
}

/// The link's query (and the form's fields).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LinkQuery {
    /// The person, as the notice writes them.
    p: String,
    /// The link's secret.
    t: String,
    /// `en` or `sv`; none: the reader's choice (Swedish first).
    lang: String,
}

impl LinkQuery {
    /// The language the link names, if it names one.
    fn named(&self) -> Option<Lang> {
        match self.lang.as_str() {
            "en" => Some(Lang::En),
            "sv" => Some(Lang::Sv),
            _ => None,
        }
    }

    /// The page's language: the link's, or else `reader`'s choice (the
    /// page's language switch).
    fn lang(&self, reader: Lang) -> Lang {
        self.named().unwrap_or(reader)
    }
}

/// Where the person stands with the link at `now`.
enum Standing {
    /// Not the meeting's day, or too early: when it opens.
    NotYet(DateTime<Utc>),
    /// The meeting is over (or another day's), or cancelled.
    Over,
    /// Checked in already.
    In,
    /// May check in.
    Open,
}

/// The meeting and person a link names, or "not found" for anything else
/// (a wrong secret says no more than a wrong meeting).
async fn resolve(
    state: &WebState,
    key: &str,
    query: &LinkQuery,
) -> Result<(MeetingEntry, usize), PageError> {
    let entry = state
        .app
        .db
        .meeting(key)
        .await?
        .ok_or(PageError::NotFound)?;
    let person = entry
        .meeting
        .participants
        .iter()
        .position(|p| p.name == query.p)
        .ok_or(PageError::NotFound)?;
    if !same(&query.t, &token(&state.app.code_key, key, &query.p)) {
        return Err(PageError::NotFound);
    }
    Ok((entry, person))
}

fn standing(
    m: &Meeting,
    cancelled: bool,
    events: &[Event],
    person: usize,
    now: DateTime<Utc>,
    tz: chrono_tz::Tz,
) -> Standing {
    let schedule = Schedule::new(m, tz);
    let opens = schedule.planned_start - chrono::Duration::minutes(OPENS_BEFORE_MINUTES);
    let today = local_time(now, tz).date();
    if cancelled || today > m.date {
        return Standing::Over;
    }
    if today < m.date || now < opens {
        return Standing::NotYet(opens);
    }
    let state = screen_state(m, &schedule, Some(&with_plan(&schedule, events)), now);
    if state.phase == Phase::After {
        return Standing::Over;
    }
    let names = Names::new(m);
    if presence(
        &names,
        m.participants.len(),
        &without_withdrawn(events),
        now,
    )[person]
        .present
    {
        Standing::In
    } else {
        Standing::Open
    }
}

fn link_page(
    state: &WebState,
    entry: &MeetingEntry,
    person: &str,
    query: &LinkQuery,
    standing: &Standing,
    reader: Lang,
) -> Markup {
    let lang = query.lang(reader);
    let m = &entry.meeting;
    let clock = |t: DateTime<Utc>| lang.clock(local_time(t, state.tz).time());
    let body = html! {
        h1 { (m.body) " " (lang.date(m.date)) }
        p.sub { (lang.clock(m.start)) "–" (lang.clock(m.end)) @if let Some(place) = &m.location { " · " (place) } }
        section.card {
            h2 { (person) }
            @match standing {
                Standing::NotYet(opens) => {
                    p { (tr(lang, "Du kan checka in på distans från", "You can check in remotely from")) " " (lang.date(local_time(*opens, state.tz).date())) " " (clock(*opens)) "." }
                }
                Standing::Over => {
                    (notice("error", tr(lang, "Mötet är avslutat eller inställt; länken gäller inte längre.", "The meeting has ended or is cancelled; the link no longer works.")))
                }
                Standing::In => {
                    (notice("ok", tr(lang, "Du är incheckad. Sekreteraren ser att du deltar på distans.", "You are checked in. The secretary sees that you take part remotely.")))
                }
                Standing::Open => {
                    p { (tr(lang, "Tryck när du är med i mötet på distans. Du räknas som närvarande och för beslutförhet.", "Press when you have joined the meeting remotely. You count as present and for quorum.")) }
                    form method="post" {
                        input type="hidden" name="p" value=(person);
                        input type="hidden" name="t" value=(query.t);
                        input type="hidden" name="lang" value=(query.named().map_or("", Lang::code));
                        button.big type="submit" { (tr(lang, "Jag deltar på distans nu", "I am taking part remotely now")) }
                    }
                }
            }
        }
    };
    page(lang, &m.body, None, Section::SignIn, body)
}

/// `GET /remote/{key}?p=…&t=…`: the person's page.
pub async fn show(
    State(state): State<WebState>,
    Path(key): Path<String>,
    Language(reader): Language,
    Query(query): Query<LinkQuery>,
) -> Result<Response, PageError> {
    let (entry, person) = resolve(&state, &key, &query).await?;
    let events = logged_events(&state, &key).await?;
    let now = (state.app.now)();
    let standing = standing(
        &entry.meeting,
        entry.cancelled,
        &events,
        person,
        now,
        state.tz,
    );
    Ok(html_page(link_page(
        &state, &entry, &query.p, &query, &standing, reader,
    )))
}

/// `POST /remote/{key}`: the check-in. Only while the link is open; a
/// second press changes nothing.
pub async fn check_in(
    State(state): State<WebState>,
    Path(key): Path<String>,
    Language(reader): Language,
    Form(form): Form<LinkQuery>,
) -> Result<Response, PageError> {
    let (entry, person) = resolve(&state, &key, &form).await?;
    let now = (state.app.now)();
    let _one_at_a_time = state.app.pages_events.lock().await;
    let events = logged_events(&state, &key).await?;
    let standing = standing(
        &entry.meeting,
        entry.cancelled,
        &events,
        person,
        now,
        state.tz,
    );
    if !matches!(standing, Standing::Open) {
        let markup = link_page(&state, &entry, &form.p, &form, &standing, reader);
        return Ok((StatusCode::CONFLICT, html_page(markup)).into_response());
    }
    let who = format!("länk: {}", form.p);
    let p = &entry.meeting.participants[person];
    record_held(
        &state,
        Record {
            who: &who,
            action: "remote_check_in",
            detail: format!("{} incheckad på distans via sin länk", p.name),
            key: &key,
            room: &entry.room,
            event: Event::new(
                now,
                state.tz,
                EventKind::CheckedIn {
                    person: p.name.clone(),
                    source: Source::Secretary,
                    substitute_for: p.substitute_for.clone(),
                    correction: None,
                    remote: true,
                },
            )
            .by(&who),
        },
    )
    .await?;
    let back = format!(
        "/remote/{}?p={}&t={}&lang={}",
        percent_encode(&key),
        percent_encode(&form.p),
        form.t,
        form.named().map_or("", Lang::code)
    );
    Ok(Redirect::to(&back).into_response())
}

/// The secretary's list of links on the meeting page, one per person
/// called.
pub fn links(state: &WebState, entry: &MeetingEntry, lang: Lang) -> Markup {
    html! {
        details #remote-links {
            summary { (tr(lang, "Länkar för distansdeltagande", "Links for taking part remotely")) }
            p.sub { (tr(lang, "Skicka länken till den som deltar på distans: hen checkar in själv på mötesdagen, utan att logga in. Länken gäller bara den personen och det här mötet.", "Send the link to whoever takes part remotely: they check in by themselves on the meeting's day, without signing in. The link is for that person and this meeting only.")) }
            ul.links {
                @for (_, p) in entry.meeting.called() {
                    li { (p.name) ": " a href=(link(&state.app.code_key, &entry.key, &p.name)) { (tr(lang, "personlig länk", "personal link")) } }
                }
            }
        }
    }
}
