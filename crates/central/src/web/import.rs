//! Importing a notice: upload (.md, .txt or .docx), see what was
//! understood, fix titles, times and people, choose the room, save. The
//! importer's problems are shown with their line numbers. At most
//! [`IMPORTS_AT_ONCE`] uploads and previews are handled at once (each
//! holds a notice in memory); more are answered 503 with `Retry-After`.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{FromRequestParts, Multipart, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{NaiveDate, NaiveTime};
use maud::{Markup, html};

use super::layout::{self, Section, tr};
use super::{Language, PageError, Signed, WebState};
use crate::db::{CentralDb, MeetingEntry};
use motesskylt_core::kallelse::import_bytes;
use motesskylt_core::model::meeting_key;
use motesskylt_core::model::time::Lang;
use motesskylt_core::model::{Meeting, Presenter, Timing};

/// Uploads and previews handled at once: each holds a notice (up to the
/// upload limit) and the meeting read from it.
pub const IMPORTS_AT_ONCE: usize = 2;

/// Seconds a reader is asked to wait when every import is taken.
const BUSY_RETRY_SECONDS: u32 = 5;

/// One of the [`IMPORTS_AT_ONCE`] places, taken before the upload or the
/// preview's form is read and held until its page is made.
pub struct ImportSlot {
    _permit: tokio::sync::OwnedSemaphorePermit,
}

impl FromRequestParts<WebState> for ImportSlot {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &WebState,
    ) -> Result<Self, Self::Rejection> {
        match state.imports.clone().try_acquire_owned() {
            Ok(permit) => Ok(ImportSlot { _permit: permit }),
            Err(_) => {
                let Ok(Language(lang)) = Language::from_request_parts(parts, state).await;
                tracing::warn!(
                    at_once = IMPORTS_AT_ONCE,
                    "an import was refused: the server is reading other notices"
                );
                Err(busy(lang))
            }
        }
    }
}

/// The page for an import refused while others are read: 503, try again.
fn busy(lang: Lang) -> Response {
    let body = layout::page(
        lang,
        tr(lang, "Upptaget", "Busy"),
        None,
        Section::Import,
        html! {
            h1 { (tr(lang, "Försök igen om en stund", "Try again in a moment")) }
            (layout::notice("warn", tr(lang,
                "Servern läser andra kallelser just nu. Vänta några sekunder och skicka kallelsen igen; inget har sparats.",
                "The server is reading other notices right now. Wait a few seconds and send the notice again; nothing was saved.")))
            p { a.button href="/import" { (tr(lang, "Till importen", "To the import")) } }
        },
    );
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::RETRY_AFTER, BUSY_RETRY_SECONDS.to_string())],
        axum::response::Html(body.into_string()),
    )
        .into_response()
}

fn upload_form(signed: &Signed, problems: &[String]) -> Markup {
    let lang = signed.lang;
    html! {
        h1 { (tr(lang, "Importera kallelse", "Import a notice")) }
        p.sub { (tr(lang, "Välj kallelsen som Word-fil (.docx), Markdown (.md) eller text (.txt). Du ser vad som lästes innan något sparas.", "Choose the notice as a Word file (.docx), Markdown (.md) or text (.txt). You see what was read before anything is saved.")) }
        @if !problems.is_empty() {
            div.notice.error role="alert" {
                p { b { (tr(lang, "Kallelsen gick inte att läsa:", "The notice could not be read:")) } }
                ul.problems { @for p in problems { li { (p) } } }
                p { (tr(lang, "Rätta dokumentet och ladda upp det igen.", "Fix the document and upload it again.")) }
            }
        }
        section.card {
            form method="post" action="/import" enctype="multipart/form-data" {
                input type="hidden" name="csrf" value=(signed.viewer.csrf);
                label for="notice" { (tr(lang, "Kallelse", "Notice")) }
                input #notice type="file" name="notice" accept=".docx,.md,.txt,text/plain,text/markdown" required;
                p { button type="submit" { (tr(lang, "Läs kallelsen", "Read the notice")) } }
            }
        }
    }
}

/// `GET /import`.
pub async fn form(signed: Signed) -> Response {
    let lang = signed.lang;
    signed.page(
        tr(lang, "Importera kallelse", "Import notice"),
        Section::Import,
        upload_form(&signed, &[]),
    )
}

/// `POST /import`: reads the uploaded notice and shows the preview.
pub async fn upload(
    State(state): State<WebState>,
    signed: Signed,
    _slot: ImportSlot,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let lang = signed.lang;
    let bad = |e: axum::extract::multipart::MultipartError| {
        PageError::Bad(format!("uppladdningen avbröts ({e}); försök igen"))
    };
    let (mut csrf, mut file, mut file_name) = (String::new(), None, String::new());
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        match field.name() {
            Some("csrf") => csrf = field.text().await.map_err(bad)?,
            Some("notice") => {
                file_name = field.file_name().unwrap_or("kallelse").to_string();
                file = Some(field.bytes().await.map_err(bad)?);
            }
            _ => {}
        }
    }
    signed.check(&csrf)?;
    let bytes = file.filter(|b| !b.is_empty()).ok_or_else(|| {
        PageError::Bad("ingen fil kom med; välj kallelsen och försök igen".into())
    })?;
    // Reading a .docx is work: off the server's threads.
    let read = tokio::task::spawn_blocking(move || import_bytes(&bytes))
        .await
        .map_err(|e| PageError::Bad(format!("kallelsen gick inte att läsa: {e}")))?;
    let body = match read {
        Ok(meeting) if !signed.viewer.may_see(&meeting.body) => {
            let text = format!(
                "{file_name}: {} {}",
                tr(
                    lang,
                    "Du arbetar inte för organet",
                    "You do not work for the body"
                ),
                meeting.body
            );
            upload_form(&signed, &[text])
        }
        Ok(meeting) => preview(&state, &signed, &meeting, &[]).await?,
        Err(problems) => {
            let lines: Vec<String> = problems
                .iter()
                .map(|p| match p.line() {
                    Some(line) => format!("{file_name}:{line}: {p}"),
                    None => format!("{file_name}: {p}"),
                })
                .collect();
            upload_form(&signed, &lines)
        }
    };
    Ok(signed.page(
        tr(lang, "Importera kallelse", "Import notice"),
        Section::Import,
        body,
    ))
}

/// The editable preview of a read (or edited) meeting.
async fn preview(
    state: &WebState,
    signed: &Signed,
    meeting: &Meeting,
    problems: &[String],
) -> Result<Markup, PageError> {
    let lang = signed.lang;
    let rooms = state.app.db.rooms().await?;
    let key = meeting_key(meeting);
    // A meeting only a kiosk uploaded does not hold its room: the
    // secretary's import decides (the kiosk's room is only suggested).
    let existing = state.app.db.meeting(&key).await?;
    let kiosk_room = existing
        .as_ref()
        .filter(|e| !e.from_pages)
        .map(|e| e.room.clone());
    let existing_room = existing
        .as_ref()
        .filter(|e| e.from_pages)
        .map(|e| e.room.clone());
    let second = existing
        .as_ref()
        .filter(|old| is_second_meeting(&old.meeting, meeting));
    let json = serde_json::to_string(meeting).map_err(|e| PageError::Bad(e.to_string()))?;
    let hhmm = |t: NaiveTime| t.format("%H:%M").to_string();
    Ok(html! {
        h1 { (tr(lang, "Granska kallelsen", "Check the notice")) }
        p.sub {
            (tr(lang, "Så här lästes kallelsen. Rätta det som blivit fel och spara.", "This is how the notice was read. Fix what is wrong and save."))
            " " (meeting.participants.len()) " " (tr(lang, "deltagare", "participants"))
            ", " (meeting.items.len()) " " (tr(lang, "punkter på dagordningen", "agenda entries")) "."
        }
        @if !problems.is_empty() {
            div.notice.error role="alert" {
                p { b { (tr(lang, "Rätta detta innan du sparar:", "Fix this before saving:")) } }
                ul.problems { @for p in problems { li { (p) } } }
            }
        }
        form method="post" action="/import/save" {
            input type="hidden" name="csrf" value=(signed.viewer.csrf);
            input type="hidden" name="meeting" value=(json);
            section.card {
                h2 { (tr(lang, "Mötet", "The meeting")) }
                div.grid {
                    div { label for="body" { (tr(lang, "Organ", "Body")) } input #body type="text" name="body" value=(meeting.body) required; }
                    div { label for="date" { (tr(lang, "Datum", "Date")) } input #date type="date" name="date" value=(meeting.date.to_string()) required; }
                    div { label for="start" { (tr(lang, "Börjar", "Starts")) } input #start type="time" name="start" value=(hhmm(meeting.start)) required; }
                    div { label for="end" { (tr(lang, "Slutar", "Ends")) } input #end type="time" name="end" value=(hhmm(meeting.end)) required; }
                }
                label for="location" { (tr(lang, "Plats", "Place")) }
                input.wide #location type="text" name="location" value=(meeting.location.as_deref().unwrap_or(""));
                label for="room" { (tr(lang, "Rum (kiosken som visar mötet)", "Room (the kiosk that shows the meeting)")) }
                @if let Some(room) = &existing_room {
                    input #room type="text" name="room" value=(room) readonly;
                    @if let Some(old) = second {
                        (layout::notice("error", &second_meeting_text(lang, old)))
                        label.check {
                            input type="checkbox" name="replace" value="yes";
                            " " (tr(lang, "Det är samma möte med nya tider: ersätt mötet", "It is the same meeting with new times: replace the meeting"))
                            " " (lang.clock(old.meeting.start)) "–" (lang.clock(old.meeting.end))
                        }
                    } @else {
                        (layout::notice("warn", &format!("{} {}–{} {} {room}.",
                            tr(lang, "Mötet finns redan, kl.", "The meeting exists already, at"),
                            lang.clock(existing.as_ref().map_or(meeting.start, |e| e.meeting.start)),
                            lang.clock(existing.as_ref().map_or(meeting.end, |e| e.meeting.end)),
                            tr(lang, "i rummet; det du sparar blir en ny version av det och ersätter den gamla i", "in the room; what you save becomes a new version of it and replaces the old one in"))))
                    }
                } @else {
                    input #room type="text" name="room" list="rooms" value=[kiosk_room.as_deref()] required;
                    @if let Some(room) = &kiosk_room {
                        (layout::notice("warn", &format!("{} {room}. {}",
                            tr(lang, "Bara kiosken har skickat mötet, i rummet", "Only the kiosk has sent the meeting, in the room"),
                            tr(lang, "Det du sparar ersätter kioskens version; välj ett annat rum om mötet hålls där (kiosken där ser det då inte längre).", "What you save replaces the kiosk's version; choose another room if the meeting is held there (that kiosk then no longer sees it)."))))
                        @if let Some(old) = second {
                            (layout::notice("error", &second_meeting_text(lang, old)))
                            label.check {
                                input type="checkbox" name="replace" value="yes";
                                " " (tr(lang, "Det är samma möte med nya tider: ersätt mötet", "It is the same meeting with new times: replace the meeting"))
                                " " (lang.clock(old.meeting.start)) "–" (lang.clock(old.meeting.end))
                            }
                        }
                    }
                    datalist #rooms { @for r in &rooms { option value=(r) {} } }
                }
            }
            section.card {
                h2 { (tr(lang, "Dagordning", "Agenda")) }
                table.edit {
                    thead { tr { th { "#" } th { (tr(lang, "Rubrik", "Title")) } th { (tr(lang, "Från", "From")) } th { (tr(lang, "Till", "To")) } th { (tr(lang, "Föredragande (kommatecken emellan)", "Presenters (comma separated)")) } } }
                    tbody {
                        @for (i, item) in meeting.items.iter().enumerate() {
                            tr {
                                td.num { (item.number.as_deref().unwrap_or("")) }
                                td.title { input type="text" name=(format!("item.{i}.title")) value=(item.title) aria-label=(tr(lang, "Rubrik", "Title")) required; }
                                td { input type="time" name=(format!("item.{i}.start")) value=(hhmm(item.start)) aria-label=(tr(lang, "Från", "From")) required; }
                                td { input type="time" name=(format!("item.{i}.end")) value=(hhmm(item.end)) aria-label=(tr(lang, "Till", "To")) required; }
                                td { input type="text" name=(format!("item.{i}.presenters")) value=(item.presenters.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", ")) aria-label=(tr(lang, "Föredragande", "Presenters")); }
                            }
                        }
                    }
                }
            }
            section.card {
                h2 { (tr(lang, "Deltagare", "Participants")) }
                table.edit {
                    thead { tr { th { (tr(lang, "Namn", "Name")) } th { (tr(lang, "Parti", "Party")) } th { (tr(lang, "Organisation", "Organisation")) } } }
                    tbody {
                        @for (i, p) in meeting.participants.iter().enumerate() {
                            tr {
                                td { input type="text" name=(format!("person.{i}.name")) value=(p.name) aria-label=(tr(lang, "Namn", "Name")) required; }
                                td { input type="text" name=(format!("person.{i}.party")) value=(p.party.as_deref().unwrap_or("")) aria-label=(tr(lang, "Parti", "Party")); }
                                td { input type="text" name=(format!("person.{i}.organisation")) value=(p.organisation.as_deref().unwrap_or("")) aria-label=(tr(lang, "Organisation", "Organisation")); }
                            }
                        }
                    }
                }
            }
            p { button type="submit" { (tr(lang, "Spara mötet", "Save the meeting")) } " " a.button.secondary href="/import" { (tr(lang, "Börja om", "Start over")) } }
        }
    })
}

/// Whether `new`, of the same body and day as `old` (the same key), is
/// another meeting rather than a new version of `old`: their planned
/// times do not overlap (one body does not hold two meetings at once).
fn is_second_meeting(old: &Meeting, new: &Meeting) -> bool {
    !(new.start < old.end && old.start < new.end)
}

/// Why a second meeting of a body on a day is refused, naming the first.
fn second_meeting_text(lang: Lang, old: &MeetingEntry) -> String {
    let m = &old.meeting;
    match lang {
        Lang::Sv => format!(
            "{} har redan ett möte {} kl. {}–{} i rummet {}. Två möten i samma organ samma dag kan inte hållas isär ännu: det här skulle ersätta det första. Spara inte det andra mötet nu; är det samma möte med nya tider, kryssa i rutan nedan.",
            m.body,
            lang.date(m.date),
            lang.clock(m.start),
            lang.clock(m.end),
            old.room
        ),
        Lang::En => format!(
            "{} already has a meeting on {} at {}–{} in the room {}. Two meetings of one body on one day cannot be kept apart yet: this one would replace the first. Do not save the second meeting now; if it is the same meeting with new times, tick the box below.",
            m.body,
            lang.date(m.date),
            lang.clock(m.start),
            lang.clock(m.end),
            old.room
        ),
    }
}

/// A preview that cannot be saved: the meeting as edited (when the form
/// still holds it) and what must be fixed.
type Refused = (Option<Meeting>, Vec<String>);

/// The meeting as read, with the preview's edits applied; every field
/// that cannot be taken is named.
fn apply_edits(
    fields: &HashMap<String, String>,
    lang: Lang,
) -> Result<(Meeting, String), Box<Refused>> {
    let json = fields
        .get("meeting")
        .map(String::as_str)
        .unwrap_or_default();
    let Ok(mut meeting) = serde_json::from_str::<Meeting>(json) else {
        return Err(Box::new((
            None,
            vec![
                tr(
                    lang,
                    "Formuläret är skadat; ladda upp kallelsen igen.",
                    "The form is damaged; upload the notice again.",
                )
                .to_string(),
            ],
        )));
    };
    let mut problems = Vec::new();
    let get = |name: &str| fields.get(name).map(|v| v.trim()).unwrap_or_default();
    let time = |name: &str, what: String, problems: &mut Vec<String>| {
        NaiveTime::parse_from_str(get(name), "%H:%M")
            .map_err(|_| {
                problems.push(format!(
                    "{what}: {} \"{}\"",
                    tr(lang, "klockslaget går inte att läsa:", "unreadable time:"),
                    get(name)
                ))
            })
            .ok()
    };
    let body = get("body");
    if body.is_empty() {
        problems.push(
            tr(
                lang,
                "Organ: skriv organets förkortning, t.ex. SRO",
                "Body: write the body's short name, e.g. SRO",
            )
            .to_string(),
        );
    }
    meeting.body = body.to_string();
    match NaiveDate::parse_from_str(get("date"), "%Y-%m-%d") {
        Ok(date) => meeting.date = date,
        Err(_) => problems.push(format!(
            "{}: \"{}\"",
            tr(lang, "Datum går inte att läsa", "Unreadable date"),
            get("date")
        )),
    }
    let meeting_word = tr(lang, "Mötet", "The meeting");
    if let Some(t) = time(
        "start",
        format!("{meeting_word} {}", tr(lang, "börjar", "starts")),
        &mut problems,
    ) {
        meeting.start = t;
    }
    if let Some(t) = time(
        "end",
        format!("{meeting_word} {}", tr(lang, "slutar", "ends")),
        &mut problems,
    ) {
        meeting.end = t;
    }
    if meeting.end <= meeting.start {
        problems.push(
            tr(
                lang,
                "Mötet slutar före det börjar; rätta tiderna.",
                "The meeting ends before it starts; fix the times.",
            )
            .to_string(),
        );
    }
    let location = get("location");
    meeting.location = (!location.is_empty()).then(|| location.to_string());
    let mut previous_end: Option<NaiveTime> = None;
    for (i, item) in meeting.items.iter_mut().enumerate() {
        let what = match &item.number {
            Some(n) => format!("{} {n}", tr(lang, "Punkt", "Item")),
            None => item.title.clone(),
        };
        let title = get(&format!("item.{i}.title"));
        if title.is_empty() {
            problems.push(format!(
                "{what}: {}",
                tr(lang, "rubriken saknas", "the title is missing")
            ));
        } else {
            item.title = title.to_string();
        }
        let start = time(&format!("item.{i}.start"), what.clone(), &mut problems);
        let end = time(&format!("item.{i}.end"), what.clone(), &mut problems);
        if let (Some(start), Some(end)) = (start, end) {
            if (start, end) != (item.start, item.end) {
                item.timing = Timing::Explicit;
            }
            if end < start {
                problems.push(format!(
                    "{what}: {}",
                    tr(lang, "slutar före den börjar", "ends before it starts")
                ));
            }
            if previous_end.is_some_and(|p| start < p) {
                problems.push(format!(
                    "{what}: {}",
                    tr(
                        lang,
                        "börjar före föregående punkt slutar",
                        "starts before the previous entry ends"
                    )
                ));
            }
            item.start = start;
            item.end = end;
            item.minutes = u32::try_from((end - start).num_minutes()).unwrap_or(0);
            previous_end = Some(end);
        }
        let presenters: Vec<&str> = get(&format!("item.{i}.presenters"))
            .split(',')
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .collect();
        let old: Vec<&str> = item.presenters.iter().map(|p| p.name.as_str()).collect();
        if presenters != old {
            item.presenters = presenters
                .iter()
                .map(|name| Presenter {
                    name: name.to_string(),
                    organisation: item
                        .presenters
                        .iter()
                        .find(|p| p.name == *name)
                        .and_then(|p| p.organisation.clone()),
                })
                .collect();
        }
    }
    for (i, person) in meeting.participants.iter_mut().enumerate() {
        let name = get(&format!("person.{i}.name"));
        if name.is_empty() {
            problems.push(format!(
                "{} {}: {}",
                tr(lang, "Deltagare", "Participant"),
                i + 1,
                tr(lang, "namnet saknas", "the name is missing")
            ));
        } else {
            person.name = name.to_string();
        }
        let optional = |v: &str| (!v.is_empty()).then(|| v.to_string());
        person.party = optional(get(&format!("person.{i}.party")));
        person.organisation = optional(get(&format!("person.{i}.organisation")));
    }
    let mut seen = std::collections::HashSet::new();
    for person in &meeting.participants {
        if !seen.insert(person.name.as_str()) {
            problems.push(format!(
                "{} {}",
                person.name,
                tr(
                    lang,
                    "står två gånger i deltagarlistan; ge var och en sitt eget namn",
                    "is in the list twice; give each person their own name"
                )
            ));
        }
    }
    let room = get("room").to_string();
    if room.is_empty() || room.chars().count() > 64 {
        problems.push(
            tr(
                lang,
                "Rum: välj rummet vars kiosk ska visa mötet",
                "Room: choose the room whose kiosk shows the meeting",
            )
            .to_string(),
        );
    }
    if problems.is_empty() {
        Ok((meeting, room))
    } else {
        Err(Box::new((Some(meeting), problems)))
    }
}

/// The preview again (or the upload form, when the meeting is lost) with
/// what must be fixed.
async fn again(
    state: &WebState,
    signed: &Signed,
    meeting: Option<Meeting>,
    problems: Vec<String>,
) -> Result<Response, PageError> {
    let lang = signed.lang;
    let body = match meeting {
        Some(m) => preview(state, signed, &m, &problems).await?,
        None => upload_form(signed, &problems),
    };
    let title = tr(lang, "Importera kallelse", "Import notice");
    Ok((
        axum::http::StatusCode::UNPROCESSABLE_ENTITY,
        signed.page(title, Section::Import, body),
    )
        .into_response())
}

/// `POST /import/save`: saves the meeting for its room (a new version
/// when it exists), tells the room's kiosks, and audits it.
pub async fn save(
    State(state): State<WebState>,
    signed: Signed,
    _slot: ImportSlot,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let lang = signed.lang;
    let fields: HashMap<String, String> = fields.into_iter().collect();
    signed.check(fields.get("csrf").map(String::as_str).unwrap_or_default())?;
    let (meeting, room) = match apply_edits(&fields, lang) {
        Ok(edited) => edited,
        Err(refused) => {
            let (meeting, problems) = *refused;
            return again(&state, &signed, meeting, problems).await;
        }
    };
    if !signed.viewer.may_see(&meeting.body) {
        let text = format!(
            "{} {}",
            tr(
                lang,
                "Du arbetar inte för organet",
                "You do not work for the body"
            ),
            meeting.body
        );
        return again(&state, &signed, Some(meeting), vec![text]).await;
    }
    let key = meeting_key(&meeting);
    // Bodies whose names differ only in punctuation share a key: the
    // meeting under it must be this body's. A meeting only another room's
    // kiosk has uploaded is no body's word: the secretary's import takes
    // its place (and its key) there.
    let existing = state
        .app
        .db
        .meeting(&key)
        .await?
        .filter(|old| old.from_pages || old.room == room);
    if let Some(old) = &existing
        && (old.meeting.body != meeting.body || !signed.viewer.may_see(&old.meeting.body))
    {
        let text = format!(
            "{} ({key})",
            tr(
                lang,
                "Ett annat organs möte har redan samma förkortning och datum; be administratören om hjälp",
                "Another body's meeting already has this short name and date; ask the administrator"
            )
        );
        return again(&state, &signed, Some(meeting), vec![text]).await;
    }
    // Only administrators add rooms; a secretary picks one that exists.
    if !signed.viewer.is_admin() && !state.app.db.rooms().await?.contains(&room) {
        let text = tr(
            lang,
            "Rum: välj ett rum som finns (administratören lägger till nya rum)",
            "Room: choose an existing room (the administrator adds new ones)",
        )
        .to_string();
        return again(&state, &signed, Some(meeting), vec![text]).await;
    }
    // Until meetings have their own identity, one body's two meetings on
    // one day share a key: a second one would silently replace the first.
    if let Some(old) = &existing
        && is_second_meeting(&old.meeting, &meeting)
        && fields.get("replace").map(String::as_str) != Some("yes")
    {
        let text = format!(
            "{} {} {}",
            tr(lang, "Mötet sparades inte:", "The meeting was not saved:"),
            old.meeting.body,
            tr(
                lang,
                "har redan ett annat möte samma dag (se Rum nedan).",
                "already has another meeting that day (see Room below)."
            )
        );
        return again(&state, &signed, Some(meeting), vec![text]).await;
    }
    if let Some(owner) = existing.as_ref().map(|old| &old.room)
        && *owner != room
    {
        let text = format!(
            "{} {owner}",
            tr(
                lang,
                "Mötet finns redan i ett annat rum:",
                "The meeting is already in another room:"
            )
        );
        return again(&state, &signed, Some(meeting), vec![text]).await;
    }
    // Audited first: what cannot be audited is not done.
    state
        .audit(
            &signed.viewer.user.name,
            "import",
            Some(&key),
            format!(
                "kallelsen sparad för rummet {room} ({} deltagare, {} punkter)",
                meeting.participants.len(),
                meeting.items.len()
            ),
        )
        .await?;
    let now = (state.app.now)();
    state
        .app
        .db
        .import_meeting(&room, &key, &meeting, now)
        .await?;
    state.app.db.add_room(&room, now).await?;
    let _ = state.app.changes.send(room.clone());
    Ok(Redirect::to(&format!(
        "{}?done=import",
        super::meetings::meeting_path(&key)
    ))
    .into_response())
}
