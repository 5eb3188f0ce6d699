//! A meeting's place in its room's schedule on the meeting page: moved as a
//! whole (a new date or start; every time shifts by the same amount) or
//! cancelled, each audited and sent to the room's kiosks at once.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{NaiveDate, NaiveTime};
use maud::{Markup, html};
use serde::Deserialize;

use super::layout::{notice, tr};
use super::meeting_path;
use super::{PageError, Signed, WebState, visible};
use crate::db::MeetingEntry;
use crate::schedule::{self, ScheduleError};

/// The meeting page's card: the meeting's id, and its move and cancel
/// forms (or that it is cancelled).
pub fn card(signed: &Signed, entry: &MeetingEntry) -> Markup {
    let lang = signed.lang;
    let m = &entry.meeting;
    let path = meeting_path(&entry.key);
    html! {
        section.card #schedule {
            h2 { (tr(lang, "Tid och rum", "Time and room")) }
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
                            label for="move-date" { (tr(lang, "Nytt datum", "New date")) }
                            input #move-date type="date" name="date" value=(m.date.to_string()) required;
                        }
                        div {
                            label for="move-start" { (tr(lang, "Ny starttid", "New start")) }
                            input #move-start type="time" name="start" value=(m.start.format("%H:%M").to_string()) required;
                        }
                        div { button type="submit" { (tr(lang, "Flytta mötet", "Move the meeting")) } }
                    }
                    p.sub { (tr(lang, "Hela mötet flyttas: varje punkt och paus lika mycket.", "The whole meeting moves: every item and break by the same amount.")) }
                }
                form method="post" action=(format!("{path}/cancel")) {
                    input type="hidden" name="csrf" value=(signed.viewer.csrf);
                    label.check {
                        input type="checkbox" name="confirm" value="yes" required;
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

/// A refusal of the schedule as the page's error.
fn refused(error: ScheduleError, signed: &Signed) -> PageError {
    match error {
        ScheduleError::Db(e) => e.into(),
        other => PageError::Bad(refusal_text(&other, signed)),
    }
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
    let date = NaiveDate::parse_from_str(form.date.trim(), "%Y-%m-%d").map_err(|_| {
        PageError::Bad(
            tr(
                lang,
                "Nytt datum: skriv ett datum, t.ex. 2026-06-04",
                "New date: write a date, e.g. 2026-06-04",
            )
            .into(),
        )
    })?;
    let start = NaiveTime::parse_from_str(form.start.trim(), "%H:%M").map_err(|_| {
        PageError::Bad(
            tr(
                lang,
                "Ny starttid: skriv en tid, t.ex. 13:30",
                "New start: write a time, e.g. 13:30",
            )
            .into(),
        )
    })?;
    let now = (state.app.now)();
    let moved = schedule::shift(&*state.app.db, &key, Some(date), Some(start), now)
        .await
        .map_err(|e| refused(e, &signed))?;
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
        return Err(PageError::Bad(
            tr(
                signed.lang,
                "Kryssa i rutan för att ställa in mötet",
                "Tick the box to cancel the meeting",
            )
            .into(),
        ));
    }
    schedule::cancel(&*state.app.db, &key, (state.app.now)())
        .await
        .map_err(|e| refused(e, &signed))?;
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
