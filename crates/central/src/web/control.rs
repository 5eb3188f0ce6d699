//! The secretary's controls: the meeting driven from the table (a laptop
//! or a phone) rather than the door. On the meeting page and on a
//! phone-sized control page: where the meeting stands (time left and over
//! time as big as the kiosk shows them), big buttons for every control,
//! undo, and messages to the room. Every press goes through
//! [`crate::drive`], as the control API's do.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, NaiveTime, Utc};
use maud::{Markup, html};
use serde::Deserialize;

use super::layout::{Problems, Section, notice, tr};
use super::{PageError, Signed, WebState, html_page, meeting_path, visible};
use crate::db::MeetingEntry;
use crate::drive::{self, DriveError, Driver};
use motesskylt_core::attendance::quorum::before_next;
use motesskylt_core::model::time::{Lang, local_instant, local_time};
use motesskylt_core::progress::control::{Command, MAX_MINUTES, Refusal};
use motesskylt_core::progress::message::{MAX_CHARS, MessageProblem, showing};
use motesskylt_core::progress::report::{StatusReport, countdown, status_at};
use motesskylt_core::progress::{Phase, Schedule, item_spans_at, with_plan};

/// Seconds before an item's end when the time left turns to "Snart slut",
/// as on the kiosk.
pub const WRAP_UP_S: i64 = 120;

/// A control form: the command's word, its minutes where it takes them,
/// and the page to go back to.
#[derive(Deserialize)]
pub struct ControlForm {
    csrf: String,
    command: String,
    /// Minutes of an unplanned break or more time ("" when not given).
    #[serde(default)]
    minutes: String,
    /// `control` to return to the control page, else the meeting page.
    #[serde(default)]
    back: String,
}

/// A message form.
#[derive(Deserialize)]
pub struct MessageForm {
    csrf: String,
    text: String,
    /// "HH:MM" on the meeting's day, or empty.
    #[serde(default)]
    until: String,
    #[serde(default)]
    back: String,
}

/// What was typed into the control forms, shown again when refused.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entered {
    /// The minutes of "Mer tid" or "Oplanerad paus" (empty: the default 5).
    pub minutes: String,
    /// The message to the room.
    pub message: String,
    /// The message's "shown until".
    pub until: String,
}

/// Withdrawing a message: the moment it was posted.
#[derive(Deserialize)]
pub struct WithdrawMessageForm {
    csrf: String,
    posted: String,
    #[serde(default)]
    back: String,
}

fn back_to(key: &str, back: &str) -> String {
    if back == "control" {
        format!("{}/control", meeting_path(key))
    } else {
        format!("{}#control", meeting_path(key))
    }
}

/// `GET /meetings/{key}/control`: the control page, phone-sized.
pub async fn page(
    State(state): State<WebState>,
    signed: Signed,
    Path(key): Path<String>,
) -> Result<Response, PageError> {
    let entry = visible(&state, &signed, &key).await?;
    let none = Problems::new(signed.lang);
    Ok(control_page(
        &state,
        &signed,
        &entry,
        &none,
        &Entered::default(),
        StatusCode::OK,
    )
    .await)
}

async fn control_page(
    state: &WebState,
    signed: &Signed,
    entry: &MeetingEntry,
    problems: &Problems,
    entered: &Entered,
    status: StatusCode,
) -> Response {
    let lang = signed.lang;
    let body = html! {
        div.controlpage {
            p.sub { a href=(meeting_path(&entry.key)) { "← " (entry.meeting.body) " " (lang.date(entry.meeting.date)) } }
            // As on the meeting page: a change made elsewhere is said in
            // one line (live.js).
            p.sr-only role="status" data-announcer {}
            (controls(state, signed, entry, problems, entered, "control").await)
            // Below the controls, which stay where a thumb expects them.
            p {
                button.secondary type="button" hidden data-pause aria-pressed="false" {
                    (tr(lang, "Pausa uppdateringen", "Pause updates"))
                }
            }
        }
    };
    let title = format!(
        "{} – {}",
        tr(lang, "Styr mötet", "Run the meeting"),
        entry.meeting.body
    );
    (status, signed.page(&title, Section::Meetings, body)).into_response()
}

/// The controls as the meeting page and the control page show them: the
/// live panel, the buttons, the message form. `back` is where a press
/// returns (`control` or the meeting page).
pub async fn controls(
    state: &WebState,
    signed: &Signed,
    entry: &MeetingEntry,
    problems: &Problems,
    entered: &Entered,
    back: &str,
) -> Markup {
    let lang = signed.lang;
    // A field's `aria-invalid` and `aria-describedby`.
    let bad = |name: &str| problems.on(&field(name, back));
    let path = meeting_path(&entry.key);
    let panel_markup = match panel_of(state, entry, lang, &signed.viewer.csrf, back).await {
        Ok(markup) => markup,
        Err(_) => {
            html! { (notice("error", tr(lang, "Läget går inte att läsa just nu.", "The meeting's state cannot be read right now."))) }
        }
    };
    let button = |command: &str, label: &str, class: &str| {
        html! {
            form.control method="post" action=(format!("{path}/control")) {
                input type="hidden" name="csrf" value=(signed.viewer.csrf);
                input type="hidden" name="back" value=(back);
                button.big class=(class) type="submit" name="command" value=(command) { (label) }
            }
        }
    };
    let today = local_time((state.app.now)(), state.tz).date();
    if today != entry.meeting.date || entry.cancelled {
        let why = if entry.cancelled {
            tr(
                lang,
                "Mötet är inställt; det går inte att styra.",
                "The meeting is cancelled; it cannot be run.",
            )
        } else {
            tr(
                lang,
                "Mötet styrs härifrån på mötesdagen: start, nästa punkt, paus, mer tid, avslut och meddelanden till rummet.",
                "The meeting is run from here on its day: start, next item, break, more time, end and messages to the room.",
            )
        };
        return html! {
            section.card #control aria-labelledby="control-title" {
                h2 #control-title { (tr(lang, "Styr mötet", "Run the meeting")) }
                p.sub { (why) }
            }
        };
    }
    html! {
        section.card #control aria-labelledby="control-title" {
            h2 #control-title { (tr(lang, "Styr mötet", "Run the meeting")) }
            (problems.summary(None, None))
            div data-live=(format!("{path}/control/panel?back={back}")) data-events=(format!("{path}/live")) data-every="1000" {
                (panel_markup)
            }
            div.buttons {
                (button("start", tr(lang, "Starta mötet", "Start the meeting"), ""))
                (button("next", tr(lang, "Nästa punkt ▶", "Next item ▶"), ""))
                (button("previous", tr(lang, "◀ Föregående", "◀ Previous"), "secondary"))
                (button("planned-break", tr(lang, "Planerad paus", "Planned break"), "secondary"))
                (button("resume", tr(lang, "Återuppta", "Resume"), ""))
                (button("end", tr(lang, "Avsluta mötet", "End the meeting"), "danger"))
                (button("undo", tr(lang, "↶ Ångra senaste", "↶ Undo last"), "secondary"))
            }
            div.buttons {
                form.control.inline method="post" action=(format!("{path}/control")) {
                    input type="hidden" name="csrf" value=(signed.viewer.csrf);
                    input type="hidden" name="back" value=(back);
                    div {
                        @let (wrong, why) = bad("minutes");
                        label for=(field("minutes", back)) { (tr(lang, "Minuter", "Minutes")) }
                        input.minutes #(field("minutes", back)) aria-invalid=[wrong] aria-describedby=[why] type="number" name="minutes" min="1" max=(MAX_MINUTES) value=(if entered.minutes.is_empty() { "5" } else { &entered.minutes }) inputmode="numeric";
                    }
                    button.big.secondary type="submit" name="command" value="extend" { (tr(lang, "Mer tid", "More time")) }
                    button.big.secondary type="submit" name="command" value="break" { (tr(lang, "Oplanerad paus", "Unplanned break")) }
                }
            }
            form.message method="post" action=(format!("{path}/message")) {
                input type="hidden" name="csrf" value=(signed.viewer.csrf);
                input type="hidden" name="back" value=(back);
                div.inline {
                    div.grow {
                        @let (wrong, why) = bad("message");
                        label for=(field("message", back)) { (tr(lang, "Meddelande till rummet", "Message to the room")) }
                        input.wide #(field("message", back)) aria-invalid=[wrong] aria-describedby=[why] type="text" name="text" maxlength=(MAX_CHARS) required value=(entered.message) placeholder=(tr(lang, "Vi återupptar 14.40", "We resume at 14:40"));
                    }
                    div {
                        @let (wrong, why) = bad("until");
                        label for=(field("until", back)) { (tr(lang, "Visas till (valfritt)", "Shown until (optional)")) }
                        input #(field("until", back)) aria-invalid=[wrong] aria-describedby=[why] type="time" name="until" value=(entered.until);
                    }
                    button type="submit" { (tr(lang, "Visa i rummet", "Show in the room")) }
                }
            }
            @if back != "control" {
                p { a href=(format!("{path}/control")) { (tr(lang, "Öppna styrsidan för mobilen", "Open the control page for a phone")) } }
            }
        }
    }
}

/// `?back=` of the live part: the page its forms return to.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PanelQuery {
    back: String,
}

/// `GET /meetings/{key}/control/panel`: the live part of the controls.
pub async fn panel(
    State(state): State<WebState>,
    signed: Signed,
    Path(key): Path<String>,
    Query(query): Query<PanelQuery>,
) -> Result<Response, PageError> {
    let entry = visible(&state, &signed, &key).await?;
    let back = if query.back == "control" {
        "control"
    } else {
        "meeting"
    };
    let markup = panel_of(&state, &entry, signed.lang, &signed.viewer.csrf, back).await?;
    Ok(html_page(markup))
}

async fn panel_of(
    state: &WebState,
    entry: &MeetingEntry,
    lang: Lang,
    csrf: &str,
    back: &str,
) -> Result<Markup, PageError> {
    let now = (state.app.now)();
    let events = drive::events(&state.app, &entry.key).await?;
    let schedule = Schedule::new(&entry.meeting, state.tz);
    let status = status_at(&entry.meeting, &schedule, &events, now);
    let messages = showing(&events, now);
    // Warned when the next item would start without quorum: with the
    // changes of who serves waiting for the running item, and without
    // those recused from the next one.
    let spans = item_spans_at(
        &entry.meeting,
        &schedule,
        &with_plan(&schedule, &events),
        now,
    );
    let unmet_next = status
        .next
        .as_ref()
        .filter(|_| status.phase != Phase::After)
        .filter(|next| {
            next.number.as_deref().is_some_and(|number| {
                before_next(&entry.meeting, &events, &spans, number, now).is_some_and(|q| !q.met)
            })
        });
    Ok(html! {
        (status_panel(&status, lang))
        @if let Some(next) = unmet_next {
            (notice("warn", &format!(
                "{} {}{}",
                tr(lang, "Nämnden är inte beslutsför. Nästa punkt startar utan beslutförhet:", "The body has no quorum. The next item starts without quorum:"),
                next.number.as_deref().map(|n| format!("{n} ")).unwrap_or_default(),
                next.title
            )))
        }
        @for m in &messages {
            div.roommessage {
                span { b { (tr(lang, "Meddelande i rummet: ", "Message in the room: ")) } (m.text)
                    @if let Some(until) = m.until { " " span.muted { "(" (tr(lang, "till", "until")) " " (lang.clock(local_time(until, state.tz).time())) ")" } } }
                form.inline method="post" action=(format!("{}/message/withdraw", meeting_path(&entry.key))) {
                    input type="hidden" name="csrf" value=(csrf);
                    input type="hidden" name="back" value=(back);
                    input type="hidden" name="posted" value=(m.posted.to_rfc3339());
                    button.secondary type="submit" { (tr(lang, "Ta bort", "Withdraw")) }
                }
            }
        }
    })
}

/// Where the meeting stands, big: the running entry, time left (or over
/// time, or "Snart slut"), the projected end against the plan, the next.
pub fn status_panel(status: &StatusReport, lang: Lang) -> Markup {
    let (phase, class) = match status.phase {
        Phase::Before => (tr(lang, "Ej börjat", "Not started"), "before"),
        Phase::Item => (tr(lang, "Pågår", "In progress"), "item"),
        Phase::Break => (tr(lang, "Paus", "Break"), "break"),
        Phase::After => (tr(lang, "Avslutat", "Ended"), "after"),
    };
    let (time, time_label, time_class) = if status.overtime_s > 0 && status.phase != Phase::Before {
        (
            format!("+{}", countdown(status.overtime_s)),
            tr(lang, "Övertid", "Over time"),
            "over",
        )
    } else if matches!(status.phase, Phase::Item | Phase::Break) && status.remaining_s <= WRAP_UP_S
    {
        (
            countdown(status.remaining_s),
            tr(lang, "Snart slut", "Ending soon"),
            "soon",
        )
    } else if status.phase == Phase::Before {
        (
            countdown(status.remaining_s),
            tr(lang, "till start", "to the start"),
            "",
        )
    } else {
        (countdown(status.remaining_s), tr(lang, "kvar", "left"), "")
    };
    let offset_min = status.offset_s / 60;
    // Said by a screen reader when it changes (live.js): the phase, the
    // item, "Snart slut" or "Övertid", the quorum; never the seconds.
    let mut said = phase.to_string();
    if let Some(item) = &status.item {
        said.push_str(": ");
        if let Some(n) = &item.number {
            said.push_str(&format!("{n} "));
        }
        said.push_str(&item.title);
    }
    if !time_class.is_empty() && status.phase != Phase::After {
        said.push_str(&format!(". {time_label}"));
    }
    if let (Some(q), Phase::Item | Phase::Break) = (&status.quorum, status.phase) {
        said.push_str(&format!(". {}", q.said(lang)));
    }
    html! {
        div class=(format!("panel {class}")) data-phase=(phase_word(status.phase)) data-key="panel" data-announce=(said) {
            p.phase { (phase) }
            @if let Some(item) = &status.item {
                p.current {
                    @if let Some(n) = &item.number { span.num { (n) " " } }
                    (item.title)
                }
                @if !item.presenters.is_empty() { p.muted { (item.presenters.join(", ")) } }
            }
            @if status.phase != Phase::After {
                p class=(format!("time {time_class}")) {
                    span.digits data-remaining=(status.remaining_s) data-overtime=(status.overtime_s) { (time) }
                    " " span.timelabel { (time_label) }
                }
                p.plan {
                    (tr(lang, "Beräknat slut", "Projected end")) " " b { (status.projected_end.replace(':', if lang == Lang::Sv { "." } else { ":" })) }
                    " · "
                    @if offset_min > 0 { span.behind { (offset_min) " " (tr(lang, "min efter planen", "min behind plan")) } }
                    @else if offset_min < 0 { (-offset_min) " " (tr(lang, "min före planen", "min ahead of plan")) }
                    @else { (tr(lang, "enligt planen", "on plan")) }
                }
                @if let Some(next) = &status.next {
                    p.next { (tr(lang, "Nästa: ", "Next: ")) @if let Some(n) = &next.number { (n) " " } (next.title) }
                }
            }
            // While the meeting runs, as on the kiosk.
            @if let (Some(q), Phase::Item | Phase::Break) = (&status.quorum, status.phase) {
                p.quorum.met[q.met].unmet[!q.met] { (q.said(lang)) }
            }
        }
    }
}

fn phase_word(phase: Phase) -> &'static str {
    match phase {
        Phase::Before => "before",
        Phase::Item => "item",
        Phase::Break => "break",
        Phase::After => "after",
    }
}

/// The id of the control form's field `name` on the page `back` returns
/// to (the meeting page and the control page each have their own).
fn field(name: &str, back: &str) -> String {
    let page = if back == "control" {
        "control"
    } else {
        "meeting"
    };
    format!("{name}-{page}")
}

/// What the page says when a control or a message was refused, tied to
/// the field it is about.
fn drive_problem(error: DriveError, lang: Lang, back: &str) -> Result<Problems, PageError> {
    let about = match &error {
        DriveError::Refused(Refusal::Minutes) => Some(field("minutes", back)),
        DriveError::Message(MessageProblem::EndPassed) => Some(field("until", back)),
        DriveError::Message(_) => Some(field("message", back)),
        _ => None,
    };
    let fields: Vec<&str> = about.iter().map(String::as_str).collect();
    let text: String = match error {
        DriveError::Refused(refusal) => refusal.said(lang),
        DriveError::Message(problem) => match (problem, lang) {
            (MessageProblem::Empty, Lang::En) => "Message: write what the room should read.".into(),
            (MessageProblem::TooLong(n), Lang::En) => {
                format!("Message: {n} characters; at most {MAX_CHARS} fit on the screen.")
            }
            (MessageProblem::EndPassed, Lang::En) => {
                "Shown until: that time has passed; choose a later time today, or none.".into()
            }
            (MessageProblem::TooLong(n), Lang::Sv) => {
                format!("Meddelande: {n} tecken; högst {MAX_CHARS} får plats på skärmen.")
            }
            (MessageProblem::Empty, Lang::Sv) => "Meddelande: skriv vad rummet ska läsa.".into(),
            (MessageProblem::EndPassed, Lang::Sv) => {
                "Visas till: tiden har redan passerat; välj en senare tid i dag, eller ingen."
                    .into()
            }
        },
        DriveError::NoSuchMessage => tr(
            lang,
            "Meddelandet visas inte längre.",
            "The message no longer shows.",
        )
        .into(),
        DriveError::NoMeeting => tr(
            lang,
            "Rummet har inget möte just nu.",
            "The room has no meeting now.",
        )
        .into(),
        DriveError::Busy => tr(
            lang,
            "En annan ändring kom emellan; försök igen.",
            "Another change came in between; try again.",
        )
        .into(),
        DriveError::Db(e) => return Err(PageError::Db(e)),
    };
    Ok(Problems::one(lang, &fields, text))
}

/// Answers a form: back to the page on success, the page again with the
/// problem (409) otherwise; nothing is recorded then.
async fn answer(
    state: &WebState,
    signed: &Signed,
    entry: &MeetingEntry,
    back: &str,
    result: Result<(), DriveError>,
    entered: Entered,
) -> Result<Response, PageError> {
    match result {
        Ok(()) => Ok(Redirect::to(&back_to(&entry.key, back)).into_response()),
        Err(error) => {
            let problem = drive_problem(error, signed.lang, back)?;
            refused(state, signed, entry, back, problem, entered).await
        }
    }
}

/// The page again with `problem` and what was `entered`, as 409:
/// nothing was recorded.
async fn refused(
    state: &WebState,
    signed: &Signed,
    entry: &MeetingEntry,
    back: &str,
    problem: Problems,
    entered: Entered,
) -> Result<Response, PageError> {
    if back == "control" {
        let page = control_page(
            state,
            signed,
            entry,
            &problem,
            &entered,
            StatusCode::CONFLICT,
        );
        return Ok(page.await);
    }
    super::meetings::refused_on_page(
        state,
        signed,
        entry,
        super::meetings::Card::Control(entered),
        problem,
    )
    .await
}

/// `POST /meetings/{key}/control`: a control pressed on the pages.
pub async fn press(
    State(state): State<WebState>,
    signed: Signed,
    Path(key): Path<String>,
    Form(form): Form<ControlForm>,
) -> Result<Response, PageError> {
    signed.check(&form.csrf)?;
    let entry = visible(&state, &signed, &key).await?;
    let minutes = form.minutes.trim();
    let entered = Entered {
        minutes: minutes.chars().take(8).collect(),
        ..Entered::default()
    };
    let minutes = if minutes.is_empty() {
        None
    } else {
        match minutes.parse::<u32>() {
            Ok(m) => Some(m),
            Err(_) => {
                return answer(
                    &state,
                    &signed,
                    &entry,
                    &form.back,
                    Err(Refusal::Minutes.into()),
                    entered,
                )
                .await;
            }
        }
    };
    let Some(command) = Command::parse(&form.command, minutes) else {
        return Err(PageError::Refused {
            sv: format!(
                "Okänt styrkommando \"{}\".",
                form.command.chars().take(40).collect::<String>()
            ),
            en: format!(
                "Unknown control \"{}\".",
                form.command.chars().take(40).collect::<String>()
            ),
        });
    };
    // "Unplanned break" and "More time" share a form: an unplanned break
    // carries the minutes typed; the planned one carries none.
    let driver = Driver {
        name: &signed.viewer.user.name,
    };
    let result = drive::press(
        &state.app,
        state.tz,
        &entry,
        command,
        driver,
        (state.app.now)(),
    )
    .await
    .map(|_| ());
    answer(&state, &signed, &entry, &form.back, result, entered).await
}

/// The moment a message ends: "HH:MM" on the meeting's day.
fn until_of(
    text: &str,
    entry: &MeetingEntry,
    state: &WebState,
) -> Result<Option<DateTime<Utc>>, ()> {
    let text = text.trim().replace('.', ":");
    if text.is_empty() {
        return Ok(None);
    }
    let time = NaiveTime::parse_from_str(&text, "%H:%M").map_err(|_| ())?;
    Ok(Some(local_instant(entry.meeting.date, time, state.tz)))
}

/// `POST /meetings/{key}/message`: a message to the room.
pub async fn post_message(
    State(state): State<WebState>,
    signed: Signed,
    Path(key): Path<String>,
    Form(form): Form<MessageForm>,
) -> Result<Response, PageError> {
    signed.check(&form.csrf)?;
    let entry = visible(&state, &signed, &key).await?;
    let entered = Entered {
        message: form.text.chars().take(2 * MAX_CHARS).collect(),
        until: form.until.trim().chars().take(8).collect(),
        ..Entered::default()
    };
    let Ok(until) = until_of(&form.until, &entry, &state) else {
        let problem = Problems::one(
            signed.lang,
            &[&field("until", &form.back)],
            tr(
                signed.lang,
                "Visas till: skriv en tid som 14:40, eller lämna tomt.",
                "Shown until: write a time such as 14:40, or leave it empty.",
            ),
        );
        return refused(&state, &signed, &entry, &form.back, problem, entered).await;
    };
    let driver = Driver {
        name: &signed.viewer.user.name,
    };
    let result = drive::post_message(
        &state.app,
        state.tz,
        &entry,
        &form.text,
        until,
        driver,
        (state.app.now)(),
    )
    .await;
    answer(&state, &signed, &entry, &form.back, result, entered).await
}

/// `POST /meetings/{key}/message/withdraw`.
pub async fn withdraw_message(
    State(state): State<WebState>,
    signed: Signed,
    Path(key): Path<String>,
    Form(form): Form<WithdrawMessageForm>,
) -> Result<Response, PageError> {
    signed.check(&form.csrf)?;
    let entry = visible(&state, &signed, &key).await?;
    let Ok(posted) = DateTime::parse_from_rfc3339(form.posted.trim()) else {
        return answer(
            &state,
            &signed,
            &entry,
            &form.back,
            Err(DriveError::NoSuchMessage),
            Entered::default(),
        )
        .await;
    };
    let driver = Driver {
        name: &signed.viewer.user.name,
    };
    let result = drive::withdraw_message(
        &state.app,
        state.tz,
        &entry,
        posted.with_timezone(&Utc),
        driver,
        (state.app.now)(),
    )
    .await;
    answer(
        &state,
        &signed,
        &entry,
        &form.back,
        result,
        Entered::default(),
    )
    .await
}
