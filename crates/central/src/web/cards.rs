//! The card registry: which card belongs to whom, as registered at the
//! doors of the viewer's bodies' meetings; a new card, which the next
//! unknown tap at the meeting's door within ten minutes becomes; and
//! withdrawing a card (lost, or registered to the wrong person). Cards
//! are always registered at the door: the card's UID never leaves the
//! kiosk, only its keyed hash does.

use std::collections::BTreeMap;

use axum::Form;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use maud::html;
use serde::Deserialize;

use super::layout::{Section, notice, scroll, tr};
use super::meetings::{Record, record};
use super::{PageError, Signed, WebState};
use crate::db::{CARD_TYPES, CentralDb, MeetingEntry};
use motesskylt_core::model::event::Authority;
use motesskylt_core::model::event::CARD_EXPECTED_MINUTES;
use motesskylt_core::model::time::{Lang, local_time};
use motesskylt_core::model::{Event, EventKind};

/// A registered card as the pages show it.
struct Card {
    person: String,
    card: String,
    at: DateTime<Utc>,
    device: String,
    meeting: String,
    room: String,
    by: Authority,
}

/// The cards registered now at the meetings the viewer may see, by
/// person: every registration and revocation folded in time order. Only
/// the card events are read (by type, in the query), never the rest of
/// the meetings' logs.
async fn registry(state: &WebState, signed: &Signed) -> Result<Vec<Card>, PageError> {
    let rooms: BTreeMap<String, String> = state
        .app
        .db
        .meetings()
        .await?
        .into_iter()
        .filter(|entry| signed.viewer.may_see(&entry.meeting.body))
        .map(|entry| (entry.key, entry.room))
        .collect();
    let mut changes = Vec::new();
    for wire in state.app.db.events_of_types(CARD_TYPES, None).await? {
        if let Some(room) = rooms.get(&wire.meeting) {
            changes.push((wire, room.clone()));
        }
    }
    changes.sort_by_key(|(wire, _)| wire.event.instant());
    let mut cards: BTreeMap<String, Card> = BTreeMap::new();
    for (wire, room) in changes {
        let at = wire.event.instant();
        match wire.event.kind {
            EventKind::CardEnrolled { person, card, by } => {
                cards.insert(
                    card.clone(),
                    Card {
                        person,
                        card,
                        at,
                        device: wire.device,
                        meeting: wire.meeting,
                        room,
                        by,
                    },
                );
            }
            EventKind::CardRevoked { card, .. } => {
                cards.remove(&card);
            }
            _ => {}
        }
    }
    let mut cards: Vec<Card> = cards.into_values().collect();
    cards.sort_by(|a, b| a.person.cmp(&b.person).then(a.at.cmp(&b.at)));
    Ok(cards)
}

/// A meeting whose door can take a new card now, with those doors.
struct Open {
    entry: MeetingEntry,
    /// The kiosks enrolled in the meeting's room (not revoked): the doors
    /// that wait for the card, and the only ones that take it.
    doors: Vec<String>,
}

/// The viewer's meetings of today, whose doors can take a new card, by
/// start. A card is awaited for [`CARD_EXPECTED_MINUTES`]: a later day's
/// meeting is shown at no door in that time, and listing it put the same
/// person under several meetings, the first of them often another room's.
async fn coming(state: &WebState, signed: &Signed) -> Result<Vec<Open>, PageError> {
    let today = local_time((state.app.now)(), state.tz).date();
    let devices = state.app.db.devices().await?;
    let mut open: Vec<Open> = state
        .app
        .db
        .meetings()
        .await?
        .into_iter()
        .filter(|m| m.meeting.date == today && signed.viewer.may_see(&m.meeting.body))
        .map(|entry| Open {
            doors: devices
                .iter()
                .filter(|d| d.room == entry.room && d.revoked.is_none())
                .map(|d| d.name.clone())
                .collect(),
            entry,
        })
        .collect();
    open.sort_by(|a, b| {
        (a.entry.meeting.start, &a.entry.key).cmp(&(b.entry.meeting.start, &b.entry.key))
    });
    Ok(open)
}

/// "dorr-a och dorr-b" / "dorr-a and dorr-b".
fn doors_text(lang: Lang, doors: &[String]) -> String {
    match doors {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} {} {last}", rest.join(", "), tr(lang, "och", "and")),
    }
}

/// What the page says after a card was asked for: the newest
/// `card_expected` for `name` in the meeting `key`, the doors that wait
/// and until when.
async fn awaited(
    state: &WebState,
    signed: &Signed,
    target: &str,
) -> Result<Option<String>, PageError> {
    let lang = signed.lang;
    let Some((key, name)) = target.split_once('|') else {
        return Ok(None);
    };
    let Some(open) = coming(state, signed)
        .await?
        .into_iter()
        .find(|o| o.entry.key == key)
    else {
        return Ok(None);
    };
    let since = state
        .app
        .db
        .events_of_types(&["card_expected"], Some(key))
        .await?
        .into_iter()
        .filter_map(|w| match &w.event.kind {
            EventKind::CardExpected { person, .. } if person == name => Some(w.event.instant()),
            _ => None,
        })
        .max();
    let Some(since) = since else {
        return Ok(None);
    };
    let until = lang.clock(
        local_time(
            since + chrono::Duration::minutes(CARD_EXPECTED_MINUTES),
            state.tz,
        )
        .time(),
    );
    let doors = doors_text(lang, &open.doors);
    let room = &open.entry.room;
    Ok(Some(match lang {
        Lang::Sv => format!(
            "Be {name} blippa sitt nya kort vid dörren i rummet {room} ({doors}) före kl. {until}. Kortet registreras där utan PIN-kod; andra dörrar tar inte emot det."
        ),
        Lang::En => format!(
            "Ask {name} to tap their new card at the door in the room {room} ({doors}) before {until}. It is registered there without the PIN; other doors do not take it."
        ),
    }))
}

/// `GET /cards`.
pub async fn list(
    State(state): State<WebState>,
    signed: Signed,
    Query(done): Query<Done>,
) -> Result<Response, PageError> {
    let lang = signed.lang;
    let cards = registry(&state, &signed).await?;
    let coming = coming(&state, &signed).await?;
    let awaited = match &done.expected {
        Some(target) => awaited(&state, &signed, target).await?,
        None => None,
    };
    let by = |by: Authority| match by {
        Authority::Pin => tr(
            lang,
            "sekreterarens PIN vid dörren",
            "the secretary's PIN at the door",
        ),
        Authority::AdminCard => tr(
            lang,
            "administratörskort vid dörren",
            "an admin card at the door",
        ),
        Authority::Secretary => tr(
            lang,
            "sekreteraren, på sidorna",
            "the secretary, on the pages",
        ),
    };
    let body = html! {
        h1 { (tr(lang, "Kort", "Cards")) }
        p.sub { (tr(lang,
            "Kort registreras vid dörren: den som blippar ett okänt kort väljer sitt namn och sekreteraren bekräftar med PIN-koden, eller så väljer du personen under Nytt kort. Kortets nummer lämnar aldrig kiosken. Här ser du vilka kort som gäller och kan återkalla ett kort som tappats bort eller hamnat hos fel person.",
            "Cards are registered at the door: whoever taps an unknown card picks their name and the secretary confirms with the PIN, or you choose the person under New card. The card's number never leaves the kiosk. Here you see which cards are valid and can revoke one that was lost or went to the wrong person.")) }
        @if let Some(text) = &awaited {
            (notice("ok", text))
        }
        section.card {
            h2 { (tr(lang, "Nytt kort", "New card")) }
            @if coming.is_empty() {
                p.sub { (tr(lang,
                    "Inget av dina organ har möte i dag. Ett nytt kort väntas vid dörren till dagens möte.",
                    "None of your bodies meets today. A new card is awaited at the door of today's meeting.")) }
            } @else {
                p.sub { (tr(lang,
                    "Välj personen och be hen blippa det nya kortet inom 10 minuter vid dörren som står vid namnet: nästa okända kort där blir hens. Andra dörrar tar inte emot det.",
                    "Choose the person and ask them to tap the new card within 10 minutes at the door named beside them: the next unknown card there becomes theirs. Other doors do not take it.")) }
                form.inline method="post" action="/cards/expect" {
                    input type="hidden" name="csrf" value=(signed.viewer.csrf);
                    div {
                        label for="target" { (tr(lang, "Person", "Person")) }
                        select #target name="target" required {
                            option value="" { (tr(lang, "Välj …", "Choose …")) }
                            @for o in &coming {
                                @let m = &o.entry.meeting;
                                @let doors = if o.doors.is_empty() {
                                    tr(lang, "ingen kiosk i rummet", "no kiosk in the room").to_string()
                                } else {
                                    format!("{} {}", tr(lang, "dörr", "door"), doors_text(lang, &o.doors))
                                };
                                optgroup label=(format!("{} {} {} · {} {} · {doors}", m.body, tr(lang, "kl.", "at"), lang.clock(m.start), tr(lang, "rum", "room"), o.entry.room)) {
                                    @for p in &m.participants {
                                        option value=(format!("{}|{}", o.entry.key, p.name)) disabled[o.doors.is_empty()] {
                                            (p.name) " (" (o.entry.room) ": " (doors) ")"
                                        }
                                    }
                                }
                            }
                        }
                    }
                    button type="submit" { (tr(lang, "Vänta på kortet vid dörren", "Wait for the card at the door")) }
                }
            }
        }
        @if cards.is_empty() {
            (notice("ok", tr(lang, "Inga registrerade kort ännu.", "No cards registered yet.")))
        } @else {
            (scroll(tr(lang, "Registrerade kort", "Registered cards"), html! {
                table {
                    thead { tr {
                        th { (tr(lang, "Person", "Person")) } th { (tr(lang, "Kort", "Card")) }
                        th { (tr(lang, "Registrerat", "Registered")) } th { (tr(lang, "Var", "Where")) }
                        th { (tr(lang, "Godkänt av", "Allowed by")) } th {}
                    } }
                    tbody {
                        @for card in &cards {
                            tr {
                                td { (card.person) }
                                td.num { code { (card.card.chars().take(8).collect::<String>()) "…" } }
                                td.num { (local_time(card.at, state.tz).format("%Y-%m-%d %H.%M")) }
                                td { (card.room) " · " span.nowrap { (card.device) } }
                                td { (by(card.by)) }
                                td {
                                    form method="post" action="/cards/revoke" {
                                        input type="hidden" name="csrf" value=(signed.viewer.csrf);
                                        input type="hidden" name="card" value=(card.card);
                                        button.danger type="submit" { (tr(lang, "Återkalla", "Revoke")) }
                                    }
                                }
                            }
                        }
                    }
                }
            }))
        }
    };
    Ok(signed.page(tr(lang, "Kort", "Cards"), Section::Cards, body))
}

/// What `?expected=` after the form says.
#[derive(Deserialize, Default)]
pub struct Done {
    expected: Option<String>,
}

/// The new-card form: `KEY|name`.
#[derive(Deserialize)]
pub struct ExpectForm {
    csrf: String,
    target: String,
}

/// `POST /cards/expect`: a `card_expected` event in the meeting, so the
/// room's kiosks register the next unknown card to the person; audited.
pub async fn expect(
    State(state): State<WebState>,
    signed: Signed,
    Form(form): Form<ExpectForm>,
) -> Result<Response, PageError> {
    signed.check(&form.csrf)?;
    let (key, name) = form
        .target
        .split_once('|')
        .ok_or_else(|| PageError::Bad("välj en person i listan".into()))?;
    let Open { entry, doors } = coming(&state, &signed)
        .await?
        .into_iter()
        .find(|o| o.entry.key == key)
        .ok_or(PageError::NotFound)?;
    // An expectation no door would take is refused, not stored in silence.
    if doors.is_empty() {
        return Err(PageError::Refused {
            sv: format!(
                "Person: rummet {} har ingen kiosk som kan ta emot kortet; registrera en kiosk i rummet först (Kiosker).",
                entry.room
            ),
            en: format!(
                "Person: the room {} has no kiosk to take the card; enrol a kiosk in the room first (Kiosks).",
                entry.room
            ),
        });
    }
    let person = entry
        .meeting
        .participants
        .iter()
        .find(|p| p.name == name)
        .ok_or_else(|| PageError::Bad(format!("\"{name}\" finns inte i mötets deltagarlista")))?;
    let event = Event::new(
        (state.app.now)(),
        state.tz,
        EventKind::CardExpected {
            person: person.name.clone(),
            by: signed.viewer.user.name.clone(),
        },
    );
    record(
        &state,
        Record {
            who: &signed.viewer.user.name,
            action: "card_expect",
            detail: format!(
                "nytt kort väntas för {} i rummet {} ({})",
                person.name,
                entry.room,
                doors.join(", ")
            ),
            key,
            room: &entry.room,
            event,
        },
    )
    .await?;
    let query = super::percent_encode(&format!("{key}|{}", person.name));
    Ok(Redirect::to(&format!("/cards?expected={query}")).into_response())
}

/// The revocation form.
#[derive(Deserialize)]
pub struct RevokeForm {
    csrf: String,
    card: String,
}

/// `POST /cards/revoke`: a `card_revoked` event in the meeting where the
/// card was registered, so the room's kiosks learn it; audited.
pub async fn revoke(
    State(state): State<WebState>,
    signed: Signed,
    Form(form): Form<RevokeForm>,
) -> Result<Response, PageError> {
    signed.check(&form.csrf)?;
    let cards = registry(&state, &signed).await?;
    let card = cards
        .into_iter()
        .find(|c| c.card == form.card)
        .ok_or(PageError::NotFound)?;
    let detail = format!(
        "kortet {}… för {} återkallat",
        card.card.chars().take(8).collect::<String>(),
        card.person
    );
    let event = Event::new(
        (state.app.now)(),
        state.tz,
        EventKind::CardRevoked {
            person: card.person,
            card: card.card,
            by: signed.viewer.user.name.clone(),
        },
    );
    record(
        &state,
        Record {
            who: &signed.viewer.user.name,
            action: "card_revoke",
            detail,
            key: &card.meeting,
            room: &card.room,
            event,
        },
    )
    .await?;
    Ok(Redirect::to("/cards").into_response())
}
