//! Importing a notice: upload (.md, .txt, .docx or .pdf), see what was
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

use super::layout::{self, Problems, Section, scroll, tr};
use super::{Language, PageError, Signed, WebState};
use crate::db::{CentralDb, MeetingEntry};
use crate::schedule::{self, ScheduleError};
use motesskylt_core::kallelse::{ImportError, Unread, read_bytes};

use motesskylt_core::model::meeting_key;
use motesskylt_core::model::time::Lang;
use motesskylt_core::model::{Meeting, Presenter, Seat, Timing};

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

/// The upload form; `problems` (about the field `notice`) say why the
/// last file could not be read.
fn upload_form(signed: &Signed, problems: &Problems) -> Markup {
    let lang = signed.lang;
    html! {
        h1 { (tr(lang, "Importera kallelse", "Import a notice")) }
        p.sub { (tr(lang, "Välj kallelsen som Word-fil (.docx), PDF (.pdf), Markdown (.md) eller text (.txt). Du ser vad som lästes innan något sparas.", "Choose the notice as a Word file (.docx), PDF (.pdf), Markdown (.md) or text (.txt). You see what was read before anything is saved.")) }
        @let (bad, why) = problems.on("notice");
        (problems.summary(
            Some(tr(lang, "Kallelsen gick inte att läsa:", "The notice could not be read:")),
            Some(tr(lang, "Rätta dokumentet och ladda upp det igen.", "Fix the document and upload it again.")),
        ))
        section.card {
            form method="post" action="/import" enctype="multipart/form-data" {
                input type="hidden" name="csrf" value=(signed.viewer.csrf);
                label for="notice" { (tr(lang, "Kallelse", "Notice")) }
                input #notice type="file" name="notice" accept=".docx,.pdf,.md,.txt,application/pdf,text/plain,text/markdown" required
                    aria-invalid=[bad] aria-describedby=[why];
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
        upload_form(&signed, &Problems::new(lang)),
    )
}

/// `POST /import`: reads the uploaded notice and shows the preview.
pub async fn upload(
    State(state): State<WebState>,
    signed: Signed,
    slot: ImportSlot,
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
    // Reading a .docx is work, a PDF a process: off the server's threads.
    // The slot goes with the work: a client gone does not free it while
    // pdftotext still runs.
    let read = tokio::task::spawn_blocking(move || {
        let _slot = slot;
        read_bytes(&bytes)
    })
    .await
    .map_err(|e| PageError::Bad(format!("kallelsen gick inte att läsa: {e}")))?;
    let body = match read {
        Ok(read) if !signed.viewer.may_see(&read.meeting.body) => {
            let text = format!(
                "{file_name}: {} {}",
                tr(
                    lang,
                    "Du arbetar inte för organet",
                    "You do not work for the body"
                ),
                read.meeting.body
            );
            upload_form(&signed, &Problems::one(lang, &["notice"], text))
        }
        Ok(read) => {
            let placed = Placement {
                unread: shown_unread(read.unread),
                ..Placement::default()
            };
            preview(
                &state,
                &signed,
                &read.meeting,
                &Problems::new(lang),
                &placed,
            )
            .await?
        }
        Err(problems) => {
            // The reader's failure is the server's to fix: in the log for IT.
            for p in &problems {
                if let ImportError::PdfReaderFailed(reason) = p {
                    tracing::error!(%reason, file = %file_name, "pdftotext failed");
                }
            }
            // The importer speaks Swedish.
            let mut lines = Problems::new(lang);
            for p in &problems {
                let text = match p.line() {
                    Some(line) => format!("{file_name}:{line}: {p}"),
                    None => format!("{file_name}: {p}"),
                };
                lines.add_said_in(Lang::Sv, &["notice"], text);
            }
            upload_form(&signed, &lines)
        }
    };
    Ok(signed.page(
        tr(lang, "Importera kallelse", "Import notice"),
        Section::Import,
        body,
    ))
}

/// The most lines not used that a preview lists, and the most characters
/// of each: the list is for reading and rides along in the form until
/// saved, within the form's size limit.
const MAX_UNREAD_SHOWN: usize = 200;
const MAX_UNREAD_CHARS: usize = 300;

/// The lines not used as the preview lists them: at most
/// [`MAX_UNREAD_SHOWN`], each cut at [`MAX_UNREAD_CHARS`] ("…"), and a last
/// line saying how many more there were.
fn shown_unread(unread: Vec<Unread>) -> Vec<Unread> {
    let more = unread.len().saturating_sub(MAX_UNREAD_SHOWN);
    let last_line = unread.last().map_or(0, |u| u.line);
    let mut shown: Vec<Unread> = unread.into_iter().take(MAX_UNREAD_SHOWN).map(cut).collect();
    if more > 0 {
        shown.push(Unread {
            line: last_line,
            text: format!("… och {more} rader till"),
        });
    }
    shown
}

/// The list as the form sent it back (the preview's own, or anything):
/// within the same bounds, and nothing added.
fn returned_unread(unread: Vec<Unread>) -> Vec<Unread> {
    unread
        .into_iter()
        .take(MAX_UNREAD_SHOWN + 1)
        .map(cut)
        .collect()
}

/// A line's text cut at [`MAX_UNREAD_CHARS`], with "…".
fn cut(u: Unread) -> Unread {
    match u.text.char_indices().nth(MAX_UNREAD_CHARS) {
        Some((at, _)) => Unread {
            line: u.line,
            text: format!("{}…", &u.text[..at]),
        },
        None => u,
    }
}

/// The editable preview of a read (or edited) meeting.
async fn preview(
    state: &WebState,
    signed: &Signed,
    meeting: &Meeting,
    problems: &Problems,
    placed: &Placement,
) -> Result<Markup, PageError> {
    let lang = signed.lang;
    let rooms = state.app.db.rooms().await?;
    // The room typed, or else the one whose kiosk uploaded this meeting
    // from its notice file (the same body and date): only suggested.
    let label = meeting_key(meeting);
    let kiosk_room = state
        .app
        .db
        .meetings()
        .await?
        .into_iter()
        .find(|e| !e.from_pages && !e.cancelled && meeting_key(&e.meeting) == label)
        .map(|e| e.room);
    let room = placed.room.clone().or_else(|| kiosk_room.clone());
    // The meeting in the way, offered for replacement to whoever may
    // change it.
    let conflict = placed
        .conflict
        .as_ref()
        .filter(|other| signed.viewer.may_see(&other.meeting.body));
    let json = serde_json::to_string(meeting).map_err(|e| PageError::Bad(e.to_string()))?;
    let unread_json =
        serde_json::to_string(&placed.unread).map_err(|e| PageError::Bad(e.to_string()))?;
    let hhmm = |t: NaiveTime| t.format("%H:%M").to_string();
    // A field's `aria-invalid` and `aria-describedby`; its id is its name.
    let bad = |id: &str| problems.on(id);
    Ok(html! {
        h1 { (tr(lang, "Granska kallelsen", "Check the notice")) }
        p.sub {
            (tr(lang, "Så här lästes kallelsen. Rätta det som blivit fel och spara.", "This is how the notice was read. Fix what is wrong and save."))
            " " (meeting.participants.len()) " " (tr(lang, "deltagare", "participants"))
            ", " (meeting.items.len()) " " (tr(lang, "punkter på dagordningen", "agenda entries")) "."
        }
        (problems.summary(Some(tr(lang, "Rätta detta innan du sparar:", "Fix this before saving:")), None))
        form method="post" action="/import/save" {
            input type="hidden" name="csrf" value=(signed.viewer.csrf);
            input type="hidden" name="meeting" value=(json);
            input type="hidden" name="unread" value=(unread_json);
            section.card {
                h2 { (tr(lang, "Mötet", "The meeting")) }
                div.grid {
                    div { @let (wrong, why) = bad("body"); label for="body" { (tr(lang, "Organ", "Body")) } input #body type="text" name="body" value=(meeting.body) required aria-invalid=[wrong] aria-describedby=[why]; }
                    div { @let (wrong, why) = bad("date"); label for="date" { (tr(lang, "Datum", "Date")) } input #date type="date" name="date" value=(meeting.date.to_string()) required aria-invalid=[wrong] aria-describedby=[why]; }
                    div { @let (wrong, why) = bad("start"); label for="start" { (tr(lang, "Börjar", "Starts")) } input #start type="time" name="start" value=(hhmm(meeting.start)) required aria-invalid=[wrong] aria-describedby=[why]; }
                    div { @let (wrong, why) = bad("end"); label for="end" { (tr(lang, "Slutar", "Ends")) } input #end type="time" name="end" value=(hhmm(meeting.end)) required aria-invalid=[wrong] aria-describedby=[why]; }
                }
                label for="location" { (tr(lang, "Plats", "Place")) }
                input.wide #location type="text" name="location" value=(meeting.location.as_deref().unwrap_or(""));
                label for="room" { (tr(lang, "Rum (kiosken som visar mötet)", "Room (the kiosk that shows the meeting)")) }
                @let (wrong, why) = bad("room");
                input #room type="text" name="room" list="rooms" value=[room.as_deref()] required aria-invalid=[wrong] aria-describedby=[why];
                datalist #rooms { @for r in &rooms { option value=(r) {} } }
                @if let Some(room) = &kiosk_room {
                    (layout::notice("warn", &format!("{} {room}. {}",
                        tr(lang, "Bara kiosken har skickat mötet, från sin kallelsefil, i rummet", "Only the kiosk has sent the meeting, from its notice file, in the room"),
                        tr(lang, "Sparat i det rummet blir det sekreterarens version av kioskens möte, med dess incheckningar; i ett annat rum blir det ett eget möte.", "Saved in that room it becomes the secretary's version of the kiosk's meeting, with its check-ins; in another room it is a meeting of its own."))))
                }
                @if let Some(other) = conflict {
                    label.check {
                        input type="checkbox" name="replace" value=(other.key);
                        " " (tr(lang, "Ersätt mötet", "Replace the meeting")) " " (other.key)
                        " (" (other.meeting.body) " " (lang.date(other.meeting.date)) " "
                        (lang.clock(other.meeting.start)) "–" (lang.clock(other.meeting.end)) ") "
                        (tr(lang, "med det här. Samma organs möte samma dag blir en ny version och behåller sina incheckningar; ett annat möte ställs in.", "with this one. The same body's meeting that day becomes a new version and keeps its check-ins; any other meeting is cancelled."))
                    }
                }
            }
            section.card {
                h2 { (tr(lang, "Dagordning", "Agenda")) }
                (scroll(tr(lang, "Dagordning", "Agenda"), html! {
                    table.edit {
                        thead { tr { th { "#" } th { (tr(lang, "Rubrik", "Title")) } th { (tr(lang, "Från", "From")) } th { (tr(lang, "Till", "To")) } th { (tr(lang, "Föredragande (kommatecken emellan)", "Presenters (comma separated)")) } } }
                        tbody {
                            @for (i, item) in meeting.items.iter().enumerate() {
                                tr {
                                    td.num { (item.number.as_deref().unwrap_or("")) }
                                    td.title { @let id = format!("item.{i}.title"); @let (wrong, why) = bad(&id); input type="text" name=(id) value=(item.title) aria-label=(tr(lang, "Rubrik", "Title")) required id=(id) aria-invalid=[wrong] aria-describedby=[why]; }
                                    td { @let id = format!("item.{i}.start"); @let (wrong, why) = bad(&id); input type="time" name=(id) value=(hhmm(item.start)) aria-label=(tr(lang, "Från", "From")) required id=(id) aria-invalid=[wrong] aria-describedby=[why]; }
                                    td { @let id = format!("item.{i}.end"); @let (wrong, why) = bad(&id); input type="time" name=(id) value=(hhmm(item.end)) aria-label=(tr(lang, "Till", "To")) required id=(id) aria-invalid=[wrong] aria-describedby=[why]; }
                                    td { @let id = format!("item.{i}.presenters"); @let (wrong, why) = bad(&id); input type="text" name=(id) value=(item.presenters.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", ")) aria-label=(tr(lang, "Föredragande", "Presenters")) id=(id) aria-invalid=[wrong] aria-describedby=[why]; }
                                }
                            }
                        }
                    }
                }))
            }
            @if !placed.unread.is_empty() {
                section.card #unread {
                    h2 { (tr(lang, "Rader som inte lästes in", "Lines not read")) }
                    p {
                        (tr(lang, "De här raderna i kallelsen blev varken deltagare, punkter eller uppgifter om mötet. Oftast är det sidfötter, diarienummer och underskrifter; står någon eller något här som ska med, lägg till det nedan.", "These lines of the notice became neither participants, agenda entries nor facts of the meeting. Mostly they are page footers, diary numbers and signatures; if someone or something here belongs in the meeting, add it below."))
                    }
                    ul.unread {
                        @for u in &placed.unread {
                            li { (tr(lang, "rad", "line")) " " (u.line) ": " span lang="sv" { (u.text) } }
                        }
                    }
                }
            }
            section.card {
                h2 { (tr(lang, "Deltagare", "Participants")) }
                (scroll(tr(lang, "Deltagare", "Participants"), html! {
                    table.edit {
                        thead { tr {
                            th { (tr(lang, "Namn", "Name")) } th { (tr(lang, "Parti", "Party")) } th { (tr(lang, "Organisation", "Organisation")) }
                            th { (tr(lang, "Roll", "Seat")) } th { (tr(lang, "Ersätter", "Deputy for")) } th { (tr(lang, "Bara punkt", "Items only")) } th { (tr(lang, "Förhinder", "Regrets")) }
                        } }
                        tbody {
                            @for (i, p) in meeting.participants.iter().enumerate() {
                                tr {
                                    td { @let id = format!("person.{i}.name"); @let (wrong, why) = bad(&id); input type="text" name=(id) value=(p.name) aria-label=(tr(lang, "Namn", "Name")) required id=(id) aria-invalid=[wrong] aria-describedby=[why]; }
                                    td { @let id = format!("person.{i}.party"); @let (wrong, why) = bad(&id); input type="text" name=(id) value=(p.party.as_deref().unwrap_or("")) aria-label=(tr(lang, "Parti", "Party")) id=(id) aria-invalid=[wrong] aria-describedby=[why]; }
                                    td { @let id = format!("person.{i}.organisation"); @let (wrong, why) = bad(&id); input type="text" name=(id) value=(p.organisation.as_deref().unwrap_or("")) aria-label=(tr(lang, "Organisation", "Organisation")) id=(id) aria-invalid=[wrong] aria-describedby=[why]; }
                                    td {
                                        @let id = format!("person.{i}.seat");
                                        @let (wrong, why) = bad(&id);
                                        select name=(id) aria-label=(tr(lang, "Roll", "Seat")) id=(id) aria-invalid=[wrong] aria-describedby=[why] {
                                            option value="" selected[p.seat.is_none()] { "–" }
                                            option value="member" selected[p.seat == Some(Seat::Member)] { (tr(lang, "Ledamot", "Member")) }
                                            option value="deputy" selected[p.seat == Some(Seat::Deputy)] { (tr(lang, "Ersättare", "Deputy")) }
                                        }
                                    }
                                    td { @let id = format!("person.{i}.for"); @let (wrong, why) = bad(&id); input type="text" name=(id) value=(p.substitute_for.as_deref().unwrap_or("")) aria-label=(tr(lang, "Ersätter ledamot", "Deputy for member")) id=(id) aria-invalid=[wrong] aria-describedby=[why]; }
                                    td { @let id = format!("person.{i}.items"); @let (wrong, why) = bad(&id); input type="text" name=(id) value=(p.items.as_ref().map(|items| items.join(", ")).unwrap_or_default()) aria-label=(tr(lang, "Kallad bara till punkterna, t.ex. 10, 11", "Called for these items only, e.g. 10, 11")) placeholder=(tr(lang, "alla", "all")) size="6" id=(id) aria-invalid=[wrong] aria-describedby=[why]; }
                                    td { input type="checkbox" name=(format!("person.{i}.regrets")) value="yes" checked[p.notified_absence] aria-label=(tr(lang, "Har anmält förhinder", "Sent regrets")); }
                                }
                            }
                        }
                    }
                }))
            }
            p { button type="submit" { (tr(lang, "Spara mötet", "Save the meeting")) } " " a.button.secondary href="/import" { (tr(lang, "Börja om", "Start over")) } }
        }
    })
}

/// Where the preview places the meeting: the room typed (kept when the
/// save is refused) and the room's meeting in the way, if any.
#[derive(Debug, Default)]
struct Placement {
    room: Option<String>,
    conflict: Option<MeetingEntry>,
    /// The notice's lines the import did not use, shown until saved.
    unread: Vec<Unread>,
}

/// A preview that cannot be saved: the meeting as edited (when the form
/// still holds it) and what must be fixed.
type Refused = (Option<Meeting>, Problems);

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
            Problems::one(
                lang,
                &["notice"],
                tr(
                    lang,
                    "Formuläret är skadat; ladda upp kallelsen igen.",
                    "The form is damaged; upload the notice again.",
                ),
            ),
        )));
    };
    let mut problems = Problems::new(lang);
    let get = |name: &str| fields.get(name).map(|v| v.trim()).unwrap_or_default();
    let time = |name: &str, what: String, problems: &mut Problems| {
        NaiveTime::parse_from_str(get(name), "%H:%M")
            .map_err(|_| {
                problems.add(
                    &[name],
                    format!(
                        "{what}: {} \"{}\"",
                        tr(lang, "klockslaget går inte att läsa:", "unreadable time:"),
                        get(name)
                    ),
                )
            })
            .ok()
    };
    let body = get("body");
    if body.is_empty() {
        problems.add(
            &["body"],
            tr(
                lang,
                "Organ: skriv organets förkortning, t.ex. SRO",
                "Body: write the body's short name, e.g. SRO",
            ),
        );
    }
    meeting.body = body.to_string();
    match NaiveDate::parse_from_str(get("date"), "%Y-%m-%d") {
        Ok(date) => meeting.date = date,
        Err(_) => problems.add(
            &["date"],
            format!(
                "{}: \"{}\"",
                tr(lang, "Datum går inte att läsa", "Unreadable date"),
                get("date")
            ),
        ),
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
        problems.add(
            &["start", "end"],
            tr(
                lang,
                "Mötet slutar före det börjar; rätta tiderna.",
                "The meeting ends before it starts; fix the times.",
            ),
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
            problems.add(
                &[&format!("item.{i}.title")],
                format!(
                    "{what}: {}",
                    tr(lang, "rubriken saknas", "the title is missing")
                ),
            );
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
                problems.add(
                    &[&format!("item.{i}.start"), &format!("item.{i}.end")],
                    format!(
                        "{what}: {}",
                        tr(lang, "slutar före den börjar", "ends before it starts")
                    ),
                );
            }
            if previous_end.is_some_and(|p| start < p) {
                problems.add(
                    &[&format!("item.{i}.start")],
                    format!(
                        "{what}: {}",
                        tr(
                            lang,
                            "börjar före föregående punkt slutar",
                            "starts before the previous entry ends"
                        )
                    ),
                );
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
    let meeting_items: Vec<String> = meeting
        .items
        .iter()
        .filter_map(|e| e.number.clone())
        .collect();
    for (i, person) in meeting.participants.iter_mut().enumerate() {
        let name = get(&format!("person.{i}.name"));
        if name.is_empty() {
            problems.add(
                &[&format!("person.{i}.name")],
                format!(
                    "{} {}: {}",
                    tr(lang, "Deltagare", "Participant"),
                    i + 1,
                    tr(lang, "namnet saknas", "the name is missing")
                ),
            );
        } else {
            person.name = name.to_string();
        }
        let optional = |v: &str| (!v.is_empty()).then(|| v.to_string());
        person.party = optional(get(&format!("person.{i}.party")));
        person.organisation = optional(get(&format!("person.{i}.organisation")));
        // The formal-attendance fields: a form without them (an older
        // page) keeps what the notice said.
        if let Some(seat) = fields.get(&format!("person.{i}.seat")) {
            person.seat = match seat.trim() {
                "member" => Some(Seat::Member),
                "deputy" => Some(Seat::Deputy),
                "" => None,
                other => {
                    problems.add(
                        &[&format!("person.{i}.seat")],
                        format!(
                            "{}: {} \"{other}\"",
                            person.name,
                            tr(
                                lang,
                                "okänd roll (Ledamot, Ersättare eller –):",
                                "unknown seat (Member, Deputy or –):"
                            )
                        ),
                    );
                    person.seat
                }
            };
            person.notified_absence = fields.contains_key(&format!("person.{i}.regrets"));
        }
        if let Some(named) = fields.get(&format!("person.{i}.for")) {
            person.substitute_for = optional(named.trim());
        }
        if let Some(items) = fields.get(&format!("person.{i}.items")) {
            let items: Vec<String> = items
                .split([',', ' '])
                .map(|n| n.trim().trim_end_matches('.'))
                .filter(|n| !n.is_empty() && *n != "och")
                .map(str::to_string)
                .collect();
            let known = |n: &String| meeting_items.iter().any(|m| m == n);
            if let Some(unknown) = items.iter().find(|n| !known(n)) {
                problems.add(
                    &[&format!("person.{i}.items")],
                    format!(
                        "{}: {} {unknown}",
                        person.name,
                        tr(
                            lang,
                            "punkten finns inte i dagordningen:",
                            "no such item in the agenda:"
                        )
                    ),
                );
            }
            person.items = (!items.is_empty()).then_some(items);
        }
    }
    // A deputy's member as the list spells them (any case or spacing).
    let named: Vec<(usize, String)> = meeting
        .participants
        .iter()
        .enumerate()
        .filter_map(|(i, p)| Some((i, p.substitute_for.clone()?)))
        .collect();
    for (i, written) in named {
        let deputy = meeting.participants[i].name.clone();
        let field = format!("person.{i}.for");
        match meeting.participant_index(&written) {
            Some(m) if meeting.participants[m].seat == Some(Seat::Member) => {
                meeting.participants[i].substitute_for = Some(meeting.participants[m].name.clone());
            }
            Some(m) => problems.add(
                &[&field],
                format!(
                "{deputy}: {} {}",
                meeting.participants[m].name,
                tr(
                    lang,
                    "är inte ledamot; en ersättare ersätter en ledamot (ändra rollen eller lämna Ersätter tomt)",
                    "is not a member; a deputy stands in for a member (change the seat, or leave Deputy for empty)"
                )
            )),
            None => problems.add(
                &[&field],
                format!(
                "{deputy}: {} {written}",
                tr(
                    lang,
                    "ersätter en ledamot som inte finns i listan; skriv ledamotens namn som i listan, eller lämna tomt:",
                    "is deputy for a member not in the list; write the member's name as in the list, or leave it empty:"
                )
            )),
        }
    }
    let mut seen = std::collections::HashSet::new();
    for (i, person) in meeting.participants.iter().enumerate() {
        if !seen.insert(person.name.as_str()) {
            problems.add(
                &[&format!("person.{i}.name")],
                format!(
                    "{} {}",
                    person.name,
                    tr(
                        lang,
                        "står två gånger i deltagarlistan; ge var och en sitt eget namn",
                        "is in the list twice; give each person their own name"
                    )
                ),
            );
        }
    }
    let room = get("room").to_string();
    if room.is_empty() || room.chars().count() > 64 {
        problems.add(
            &["room"],
            tr(
                lang,
                "Rum: välj rummet vars kiosk ska visa mötet",
                "Room: choose the room whose kiosk shows the meeting",
            ),
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
    problems: Problems,
    placed: &Placement,
) -> Result<Response, PageError> {
    let lang = signed.lang;
    let body = match meeting {
        Some(m) => preview(state, signed, &m, &problems, placed).await?,
        None => upload_form(signed, &problems),
    };
    let title = tr(lang, "Importera kallelse", "Import notice");
    Ok((
        axum::http::StatusCode::UNPROCESSABLE_ENTITY,
        signed.page(title, Section::Import, body),
    )
        .into_response())
}

/// `POST /import/save`: places the meeting in its room's schedule (a new
/// meeting with an id of its own, or, replacing one named, a new version
/// of it), tells the room's kiosks, and audits it.
pub async fn save(
    State(state): State<WebState>,
    signed: Signed,
    _slot: ImportSlot,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let lang = signed.lang;
    let fields: HashMap<String, String> = fields.into_iter().collect();
    signed.check(fields.get("csrf").map(String::as_str).unwrap_or_default())?;
    let typed = Placement {
        room: fields.get("room").map(|r| r.trim().to_string()),
        conflict: None,
        // Only shown again, escaped: a list that does not read is not shown.
        unread: returned_unread(
            fields
                .get("unread")
                .and_then(|u| serde_json::from_str::<Vec<Unread>>(u).ok())
                .unwrap_or_default(),
        ),
    };
    let (meeting, room) = match apply_edits(&fields, lang) {
        Ok(edited) => edited,
        Err(refused) => {
            let (meeting, problems) = *refused;
            return again(&state, &signed, meeting, problems, &typed).await;
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
        let problems = Problems::one(lang, &["body"], text);
        return again(&state, &signed, Some(meeting), problems, &typed).await;
    }
    // Only administrators add rooms; a secretary picks one that exists.
    if !signed.viewer.is_admin() && !state.app.db.rooms().await?.contains(&room) {
        let text = tr(
            lang,
            "Rum: välj ett rum som finns (administratören lägger till nya rum)",
            "Room: choose an existing room (the administrator adds new ones)",
        );
        let problems = Problems::one(lang, &["room"], text);
        return again(&state, &signed, Some(meeting), problems, &typed).await;
    }
    // A secretary replaces only their own bodies' meetings.
    let replace = fields
        .get("replace")
        .map(|r| r.trim())
        .filter(|r| !r.is_empty());
    if let Some(id) = replace
        && let Some(old) = state.app.db.meeting(id).await?
        && !signed.viewer.may_see(&old.meeting.body)
    {
        let text = format!(
            "{} {id}",
            tr(
                lang,
                "Du får inte ersätta mötet",
                "You may not replace the meeting"
            )
        );
        let problems = Problems::one(lang, &[], text);
        return again(&state, &signed, Some(meeting), problems, &typed).await;
    }
    let now = (state.app.now)();
    let done = match schedule::import(&*state.app.db, &room, &meeting, replace, now).await {
        Ok(done) => done,
        Err(ScheduleError::Db(e)) => return Err(e.into()),
        Err(refused) => {
            let text = format!(
                "{} {}",
                tr(lang, "Mötet sparades inte:", "The meeting was not saved:"),
                super::schedule::refusal_text(&refused, &signed)
            );
            let placed = Placement {
                conflict: match refused {
                    ScheduleError::Overlap { other, .. } => Some(*other),
                    _ => None,
                },
                ..typed
            };
            let problems = Problems::one(lang, &["room"], text);
            return again(&state, &signed, Some(meeting), problems, &placed).await;
        }
    };
    state
        .audit(
            &signed.viewer.user.name,
            "import",
            Some(&done.id),
            format!(
                "kallelsen sparad för rummet {room} ({} deltagare, {} punkter){}",
                meeting.participants.len(),
                meeting.items.len(),
                done.replaced
                    .as_ref()
                    .map(|old| format!("; ersätter {old}, som är inställt"))
                    .unwrap_or_default()
            ),
        )
        .await?;
    state.app.db.add_room(&room, now).await?;
    state.app.changed(&room);
    Ok(Redirect::to(&format!("{}?done=import", super::meeting_path(&done.id))).into_response())
}
