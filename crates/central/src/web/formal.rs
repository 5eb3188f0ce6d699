//! The meeting page's formal attendance (beslutförhet och tjänstgöring):
//! the quorum as the engine counts it, who serves for whom, the changes
//! the rules propose (confirmed with one press), and recusals (jäv). Every
//! request is checked by [`motesskylt_core::attendance::formal`] and
//! recorded as one audited event; a refusal shows the page again with why.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use maud::{Markup, html};
use serde::Deserialize;

use super::layout::{Problems, tr};
use super::meetings::{Card, Record, logged_events, record_held, refused_on_page};
use super::{PageError, Signed, WebState, meeting_path, visible};
use crate::db::MeetingEntry;
use motesskylt_core::attendance::formal::{Request, event_for, recusal_withdrawn};
use motesskylt_core::attendance::quorum::{
    ItemSpan, Proposal, proposals, serving, serving_as_asked,
};
use motesskylt_core::model::event::without_withdrawn;
use motesskylt_core::model::time::{Lang, local_time};
use motesskylt_core::model::{Event, EventKind, Meeting, Seat};
use motesskylt_core::progress::{Phase, Schedule, item_spans_at, screen_state, with_plan};

/// What the engine says about the meeting's formal attendance at `now`.
struct Formal {
    spans: Vec<ItemSpan>,
    started: Option<DateTime<Utc>>,
    quorum: Option<motesskylt_core::attendance::quorum::Quorum>,
    phase: Phase,
}

fn formal(m: &Meeting, events: &[Event], now: DateTime<Utc>, tz: chrono_tz::Tz) -> Formal {
    let schedule = Schedule::new(m, tz);
    let worked = with_plan(&schedule, events);
    let state = screen_state(m, &schedule, Some(&worked), now);
    Formal {
        spans: item_spans_at(m, &schedule, &worked, now),
        started: state.started_at,
        quorum: state.quorum,
        phase: state.phase,
    }
}

/// The card on the meeting page; nothing for a meeting without members or
/// deputies.
pub fn card(
    state: &WebState,
    signed: &Signed,
    entry: &MeetingEntry,
    events: &[Event],
    now: DateTime<Utc>,
    problems: &Problems,
) -> Markup {
    let m = &entry.meeting;
    if !m.participants.iter().any(|p| p.seat.is_some()) {
        return html! {};
    }
    let lang = signed.lang;
    let events = without_withdrawn(events);
    let f = formal(m, &events, now, state.tz);
    let name = |i: usize| m.participants[i].name.as_str();
    let now_serving = serving(m, &events, &f.spans, now);
    let asked = serving_as_asked(m, &events, &f.spans, now);
    let proposed = if f.phase == Phase::After {
        Vec::new()
    } else {
        proposals(m, &events, &f.spans, f.started, now)
    };
    // Serving now, or from the next item; one handing back at the next
    // item still serves until then.
    let mut listed: Vec<(usize, usize)> = now_serving.clone();
    listed.extend(asked.iter().filter(|pair| !now_serving.contains(pair)));
    let recusals: Vec<(&str, &str)> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Recused { person, item } => Some((person.as_str(), item.as_str())),
            _ => None,
        })
        .collect();
    let action = format!("{}/formal", meeting_path(&entry.key));
    let csrf = &signed.viewer.csrf;
    let waiting = tr(lang, "från nästa punkt", "from the next item");
    // One press: a deputy to serve for a member, or to hand back.
    let press = |action_word: &str,
                 deputy: usize,
                 member: Option<usize>,
                 label: &str,
                 secondary: bool| {
        html! {
            form.inline method="post" action=(action) {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="action" value=(action_word);
                input type="hidden" name="deputy" value=(name(deputy));
                @if let Some(member) = member { input type="hidden" name="member" value=(name(member)); }
                button.secondary[secondary] type="submit" { (label) }
            }
        }
    };
    html! {
        section.card #formal {
            h2 { (tr(lang, "Beslutförhet och tjänstgöring", "Quorum and who serves")) }
            (problems.summary(None, None))
            @if let Some(q) = f.quorum {
                p.quorum.met[q.met].unmet[!q.met] role="status" { strong { (q.said(lang)) } }
                @if !q.met && f.phase != Phase::After {
                    p.sub { (tr(lang, "Nämnden kan inte fatta beslut förrän fler ledamöter är på plats eller ersättare tjänstgör.", "The body cannot decide until more members are here or deputies serve.")) }
                }
            }
            p.sub { (tr(lang, "En ersättare går in och lämnar tillbaka mellan punkterna: det du bekräftar under en punkt gäller från nästa.", "A deputy takes over and hands back between items: what you confirm during an item applies from the next one.")) }
            @if !listed.is_empty() {
                h3 { (tr(lang, "Tjänstgörande ersättare", "Serving deputies")) }
                ul.serving {
                    @for (deputy, member) in &listed {
                        @let handing_back = !asked.contains(&(*deputy, *member));
                        li {
                            (name(*deputy)) " " (tr(lang, "ersätter", "serves for")) " " (name(*member))
                            @if !now_serving.contains(&(*deputy, *member)) { " " span.muted { "(" (waiting) ")" } }
                            @if handing_back { " " span.muted { "(" (tr(lang, "till nästa punkt", "until the next item")) ")" } }
                            " "
                            @if !handing_back { (press("hand_back", *deputy, None, tr(lang, "Avsluta tjänstgöringen", "End serving"), true)) }
                        }
                    }
                }
            }
            @if !proposed.is_empty() {
                h3 { (tr(lang, "Förslag", "Proposed")) }
                ul.proposals {
                    @for p in &proposed {
                        li {
                            @match p {
                                Proposal::Serve { deputy, member } => {
                                    (name(*member)) " " (tr(lang, "är frånvarande:", "is absent:")) " " strong { (name(*deputy)) " " (tr(lang, "tjänstgör", "serves")) }
                                    " "
                                    (press("serve", *deputy, Some(*member), tr(lang, "Bekräfta", "Confirm"), false))
                                }
                                Proposal::HandBack { deputy, member } => {
                                    (name(*member)) " " (tr(lang, "har kommit:", "has come:")) " " strong { (name(*deputy)) " " (tr(lang, "lämnar tillbaka", "hands back")) }
                                    " "
                                    (press("hand_back", *deputy, None, tr(lang, "Bekräfta", "Confirm"), false))
                                }
                            }
                        }
                    }
                }
            }
            details {
                summary { (tr(lang, "Annan ersättare", "Another deputy")) }
                form method="post" action=(action) {
                    input type="hidden" name="csrf" value=(csrf);
                    input type="hidden" name="action" value="serve";
                    div.inline {
                        div {
                            label for="formal-deputy" { (tr(lang, "Ersättare", "Deputy")) }
                            select #formal-deputy name="deputy" required {
                                option value="" { (tr(lang, "Välj …", "Choose …")) }
                                @for p in m.participants.iter().filter(|p| p.seat == Some(Seat::Deputy)) { option value=(p.name) { (p.name) } }
                            }
                        }
                        div {
                            label for="formal-member" { (tr(lang, "Ersätter ledamot", "Serves for member")) }
                            select #formal-member name="member" required {
                                option value="" { (tr(lang, "Välj …", "Choose …")) }
                                @for p in m.participants.iter().filter(|p| p.seat == Some(Seat::Member)) { option value=(p.name) { (p.name) } }
                            }
                        }
                    }
                    p { button type="submit" { (tr(lang, "Låt ersättaren tjänstgöra", "Let the deputy serve")) } }
                }
            }
            h3 { (tr(lang, "Jäv", "Conflicts of interest")) }
            @if !recusals.is_empty() {
                ul.recusals {
                    @for (person, item) in &recusals {
                        li {
                            (tr(lang, "Punkt", "Item")) " " (item) ": " (person) " "
                            form.inline method="post" action=(action) {
                                input type="hidden" name="csrf" value=(csrf);
                                input type="hidden" name="action" value="withdraw_recusal";
                                input type="hidden" name="person" value=(person);
                                input type="hidden" name="item" value=(item);
                                button.secondary type="submit" aria-label=(format!("{} {person}, {} {item}", tr(lang, "Ta tillbaka jävet för", "Take back the conflict of interest of"), tr(lang, "punkt", "item"))) { (tr(lang, "Ta tillbaka", "Take back")) }
                            }
                        }
                    }
                }
            }
            form method="post" action=(action) {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="action" value="recuse";
                div.inline {
                    div {
                        label for="formal-person" { (tr(lang, "Person", "Person")) }
                        select #formal-person name="person" required {
                            option value="" { (tr(lang, "Välj …", "Choose …")) }
                            @for p in m.called().map(|(_, p)| p) { option value=(p.name) { (p.name) } }
                        }
                    }
                    div {
                        label for="formal-item" { (tr(lang, "Punkt", "Item")) }
                        select #formal-item name="item" required {
                            option value="" { (tr(lang, "Välj …", "Choose …")) }
                            @for e in m.items.iter().filter(|e| !e.is_break()) {
                                @if let Some(n) = &e.number { option value=(n) { (n) ". " (e.title) } }
                            }
                        }
                    }
                }
                p { button type="submit" { (tr(lang, "Anmäl jäv för punkten", "Record the conflict for the item")) } }
            }
        }
    }
}

/// The formal-attendance form (every field may be missing: the meeting is
/// checked first, so another body's meeting stays "not found").
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct FormalForm {
    csrf: String,
    /// `serve`, `hand_back`, `recuse` or `withdraw_recusal`.
    action: String,
    deputy: String,
    member: String,
    person: String,
    item: String,
}

/// `POST /meetings/{key}/formal`.
pub async fn submit(
    State(state): State<WebState>,
    signed: Signed,
    Path(key): Path<String>,
    Form(form): Form<FormalForm>,
) -> Result<Response, PageError> {
    signed.check(&form.csrf)?;
    let entry = visible(&state, &signed, &key).await?;
    let lang = signed.lang;
    let request = match form.action.as_str() {
        "serve" => Request::Serve {
            deputy: form.deputy.clone(),
            member: form.member.clone(),
        },
        "hand_back" => Request::HandBack {
            deputy: form.deputy.clone(),
        },
        "recuse" => Request::Recuse {
            person: form.person.clone(),
            item: form.item.clone(),
        },
        "withdraw_recusal" => return withdraw_recusal(state, signed, entry, form).await,
        _ => return Err(PageError::NotFound),
    };
    let now = (state.app.now)();
    // Checked and stored under one lock: two presses at once cannot both
    // give a member a deputy.
    let _one_at_a_time = state.app.pages_events.lock().await;
    let events = without_withdrawn(&logged_events(&state, &key).await?);
    let f = formal(&entry.meeting, &events, now, state.tz);
    let kind = match event_for(&entry.meeting, &events, &f.spans, &request, now) {
        Ok(kind) => kind,
        Err(refusal) => {
            drop(_one_at_a_time);
            let problem = Problems::one(lang, &[], refusal.said(lang));
            return refused_on_page(&state, &signed, &entry, Card::Formal, problem).await;
        }
    };
    let clock = motesskylt_core::model::time::clock_sv(local_time(now, state.tz).time());
    // The words of the request as recorded (names as the notice spells them).
    let recorded = Request::of(&kind).unwrap_or(request);
    let detail = if recorded.is_swap() {
        format!("{} (bekräftat kl. {clock})", recorded.said(Lang::Sv))
    } else {
        recorded.said(Lang::Sv)
    };
    record_held(
        &state,
        Record {
            who: &signed.viewer.user.name,
            action: "formal",
            detail,
            key: &key,
            room: &entry.room,
            event: Event::new(now, state.tz, kind).by(&signed.viewer.user.name),
        },
    )
    .await?;
    Ok(Redirect::to(&format!("{}#formal", meeting_path(&key))).into_response())
}

/// A recusal taken back (recorded by mistake, or the person was not
/// disqualified after all): a `correction_withdrawn` naming it, audited;
/// from then on the person counts for that item again everywhere.
async fn withdraw_recusal(
    state: WebState,
    signed: Signed,
    entry: MeetingEntry,
    form: FormalForm,
) -> Result<Response, PageError> {
    let now = (state.app.now)();
    let user = signed.viewer.user.name.clone();
    let _one_at_a_time = state.app.pages_events.lock().await;
    let events = logged_events(&state, &entry.key).await?;
    let kind = match recusal_withdrawn(
        &events,
        form.person.trim(),
        form.item.trim(),
        &user,
        "jäv återtaget",
    ) {
        Ok(kind) => kind,
        Err(refusal) => {
            drop(_one_at_a_time);
            return refused_on_page(
                &state,
                &signed,
                &entry,
                Card::Formal,
                Problems::one(signed.lang, &[], refusal.said(signed.lang)),
            )
            .await;
        }
    };
    record_held(
        &state,
        Record {
            who: &user,
            action: "formal",
            detail: format!(
                "{} tillbakatagen",
                Request::Recuse {
                    person: form.person.trim().to_string(),
                    item: form.item.trim().to_string(),
                }
                .said(Lang::Sv)
            ),
            key: &entry.key,
            room: &entry.room,
            event: Event::new(now, state.tz, kind).by(&user),
        },
    )
    .await?;
    Ok(Redirect::to(&format!("{}#formal", meeting_path(&entry.key))).into_response())
}
