//! A meeting's place in its room's schedule on the meeting page: moved as a
//! whole (a new date or start; every time shifts by the same amount) or
//! cancelled, each audited and sent to the room's kiosks at once.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{NaiveDate, NaiveTime};
use maud::{Markup, html};
use serde::Deserialize;

use super::layout::{Problems, notice, tr};
use super::meeting_path;
use super::meetings::{Card, refused_on_page};
use super::{PageError, Signed, WebState, visible};
use crate::db::MeetingEntry;
use crate::schedule::{self, ScheduleError};

/// The meeting page's card: the meeting's id, and its move and cancel
/// forms (or that it is cancelled).
/// What was typed into the move form, shown again when refused (empty:
/// the meeting's own date and start).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MoveTyped {
    /// The new date as typed.
    pub date: String,
    /// The new start as typed.
    pub start: String,
}

/// The card "Tid och rum": move or cancel the meeting; `problems` and
/// `typed` when a form of it was refused.
pub fn card(
    signed: &Signed,
    entry: &MeetingEntry,
    problems: &Problems,
    typed: &MoveTyped,
) -> Markup {
    let lang = signed.lang;
    let m = &entry.meeting;
    let path = meeting_path(&entry.key);
    html! {
        section.card #schedule {
            h2 { (tr(lang, "Tid och rum", "Time and room")) }
            (problems.summary(None, None))
            p.sub {
                (tr(lang, "Mötets id", "The meeting's id")) ": " code { (entry.key) }
                " · " (tr(lang, "rum", "room")) " " (entry.room)
            }
            @if entry.cancelled {
                (notice("warn", tr(lang, "Mötet är inställt. Kiosken i rummet säger det; incheckningarna finns kvar. Importera kallelsen igen (ersätt mötet) för att hålla det ändå.", "The meeting is cancelled. The room's kiosk says so; the check-ins stay. Import the notice again (replacing the meeting) to hold it after all.")))
            } @else {
                form method="post" action=(format!("{path}/move")) {
                    input type="hidden" name="csrf" value=(signed.viewer.csrf);
                    div.inline {
                        div {
                            @let (wrong, why) = problems.on("move-date");
                            label for="move-date" { (tr(lang, "Nytt datum", "New date")) }
                            input #move-date type="date" name="date" value=(if typed.date.is_empty() { m.date.to_string() } else { typed.date.clone() }) required aria-invalid=[wrong] aria-describedby=[why];
                        }
                        div {
                            @let (wrong, why) = problems.on("move-start");
                            label for="move-start" { (tr(lang, "Ny starttid", "New start")) }
                            input #move-start type="time" name="start" value=(if typed.start.is_empty() { m.start.format("%H:%M").to_string() } else { typed.start.clone() }) required aria-invalid=[wrong] aria-describedby=[why];
                        }
                        div { button type="submit" { (tr(lang, "Flytta mötet", "Move the meeting")) } }
                    }
                    p.sub { (tr(lang, "Hela mötet flyttas: varje punkt och paus lika mycket.", "The whole meeting moves: every item and break by the same amount.")) }
                }
                form method="post" action=(format!("{path}/cancel")) {
                    input type="hidden" name="csrf" value=(signed.viewer.csrf);
                    @let (wrong, why) = problems.on("cancel-confirm");
                    label.check {
                        input #cancel-confirm type="checkbox" name="confirm" value="yes" required aria-invalid=[wrong] aria-describedby=[why];
                        " " (tr(lang, "Ja, mötet blir inte av", "Yes, the meeting will not take place"))
                    }
                    p { button.danger type="submit" { (tr(lang, "Ställ in mötet", "Cancel the meeting")) } }
                }
            }
        }
    }
}

/// The move form. Every field may be missing, so that a meeting the
/// viewer may not see is "not found" before the form is judged.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MoveForm {
    csrf: String,
    date: String,
    start: String,
}

/// The cancel form (fields may be missing, as in [`MoveForm`]).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CancelForm {
    csrf: String,
    /// "yes": the secretary ticked the box.
    confirm: Option<String>,
}

/// The meeting page again with why the schedule was not changed, in
/// the card "Tid och rum" and tied to `fields` (409: nothing changed).
async fn refused(
    state: &WebState,
    signed: &Signed,
    entry: &MeetingEntry,
    fields: &[&str],
    error: ScheduleError,
    typed: MoveTyped,
) -> Result<Response, PageError> {
    let text = match error {
        ScheduleError::Db(e) => return Err(e.into()),
        other => refusal_text(&other, signed),
    };
    let problem = Problems::one(signed.lang, fields, text);
    refused_on_page(state, signed, entry, Card::Schedule(typed), problem).await
}

/// What a refusal says to the viewer: a meeting in the way that belongs to
/// a body they do not work for is not described, only that the room is
/// taken.
pub fn refusal_text(error: &ScheduleError, signed: &Signed) -> String {
    match error {
        ScheduleError::Overlap { room, other } if !signed.viewer.may_see(&other.meeting.body) => {
            match signed.lang {
                motesskylt_core::model::time::Lang::Sv => format!(
                    "rummet {room} är upptaget av ett annat organs möte vid den tiden; välj en annan tid eller ett annat rum"
                ),
                motesskylt_core::model::time::Lang::En => format!(
                    "room {room} is taken by another body's meeting at that time; choose another time or room"
                ),
            }
        }
        other => other.message(signed.lang),
    }
}

/// `POST /meetings/{key}/move`.
pub async fn move_meeting(
    State(state): State<WebState>,
    signed: Signed,
    Path(key): Path<String>,
    Form(form): Form<MoveForm>,
) -> Result<Response, PageError> {
    let entry = visible(&state, &signed, &key).await?;
    signed.check(&form.csrf)?;
    let lang = signed.lang;
    let typed = MoveTyped {
        date: form.date.trim().chars().take(20).collect(),
        start: form.start.trim().chars().take(20).collect(),
    };
    let read = (
        NaiveDate::parse_from_str(&typed.date, "%Y-%m-%d"),
        NaiveTime::parse_from_str(&typed.start, "%H:%M"),
    );
    let (Ok(date), Ok(start)) = read else {
        let (field, text) = if read.0.is_err() {
            (
                "move-date",
                tr(
                    lang,
                    "Nytt datum: skriv ett datum, t.ex. 2026-06-04",
                    "New date: write a date, e.g. 2026-06-04",
                ),
            )
        } else {
            (
                "move-start",
                tr(
                    lang,
                    "Ny starttid: skriv en tid, t.ex. 13:30",
                    "New start: write a time, e.g. 13:30",
                ),
            )
        };
        let problem = Problems::one(lang, &[field], text);
        return refused_on_page(&state, &signed, &entry, Card::Schedule(typed), problem).await;
    };
    let now = (state.app.now)();
    let moved = match schedule::shift(&*state.app.db, &key, Some(date), Some(start), now).await {
        Ok(moved) => moved,
        Err(e) => {
            let fields = ["move-date", "move-start"];
            return refused(&state, &signed, &entry, &fields, e, typed).await;
        }
    };
    state
        .audit(
            &signed.viewer.user.name,
            "move",
            Some(&key),
            format!(
                "flyttat från {} kl. {} till {} kl. {}–{}",
                entry.meeting.date,
                entry.meeting.start.format("%H.%M"),
                moved.date,
                moved.start.format("%H.%M"),
                moved.end.format("%H.%M")
            ),
        )
        .await?;
    state.app.changed(&entry.room);
    Ok(Redirect::to(&format!("{}?done=moved", meeting_path(&key))).into_response())
}

/// `POST /meetings/{key}/cancel`.
pub async fn cancel_meeting(
    State(state): State<WebState>,
    signed: Signed,
    Path(key): Path<String>,
    Form(form): Form<CancelForm>,
) -> Result<Response, PageError> {
    let entry = visible(&state, &signed, &key).await?;
    signed.check(&form.csrf)?;
    if form.confirm.as_deref() != Some("yes") {
        let problem = Problems::one(
            signed.lang,
            &["cancel-confirm"],
            tr(
                signed.lang,
                "Kryssa i rutan för att ställa in mötet",
                "Tick the box to cancel the meeting",
            ),
        );
        let typed = MoveTyped::default();
        return refused_on_page(&state, &signed, &entry, Card::Schedule(typed), problem).await;
    }
    if let Err(e) = schedule::cancel(&*state.app.db, &key, (state.app.now)()).await {
        return refused(&state, &signed, &entry, &[], e, MoveTyped::default()).await;
    }
    state
        .audit(
            &signed.viewer.user.name,
            "cancel",
            Some(&key),
            "mötet inställt".into(),
        )
        .await?;
    state.app.changed(&entry.room);
    Ok(Redirect::to(&format!("{}?done=cancelled", meeting_path(&key))).into_response())
}
