//! The room over HTTP (issue 19), on a real server on loopback with a real
//! SQLite store: the secretary's controls and messages on the pages, the
//! room screen, `now`, the calendar and the control API, each under its
//! access rule (anonymous, wrong token, revoked token, another body's
//! secretary: refused, and nothing changed), and every control an event
//! with who did it, audited.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::Duration;
use common::{Session, meeting, utc};
use motesskylt_central::config::ServerConfig;
use motesskylt_central::db::{CentralDb, Role};
use motesskylt_core::model::EventKind;
use motesskylt_core::model::event::Corrected;
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, COOKIE, LOCATION};
use serde_json::{Value, json};

const KEY: &str = "SRO-2026-06-04";
const ROOM: &str = "sal-b";

/// The server, its store's directory and its clock (seconds after 13:40 on
/// the meeting's day, moved by the test).
struct Room {
    server: common::Server,
    clock: Arc<AtomicI64>,
    _dir: tempfile::TempDir,
}

struct Answer {
    status: StatusCode,
    location: String,
    body: String,
}

impl Room {
    async fn start() -> Room {
        let dir = tempfile::tempdir().unwrap();
        let db = common::sqlite(dir.path());
        common::add_users(
            &db,
            &[
                ("anna", Role::Secretary, vec!["SRO"]),
                ("bo", Role::Secretary, vec!["KSL"]),
                ("admin", Role::Admin, vec![]),
            ],
        )
        .await;
        let start = utc("2026-06-04T13:40:00+02:00");
        db.put_meeting(ROOM, KEY, &meeting(), start).await.unwrap();
        let clock = Arc::new(AtomicI64::new(0));
        let ticks = clock.clone();
        let server = common::Server::start(ServerConfig::default(), db, move || {
            start + Duration::milliseconds(ticks.load(Ordering::SeqCst))
        })
        .await;
        Room {
            server,
            clock,
            _dir: dir,
        }
    }

    /// Moves the server's clock on by `seconds`.
    fn wait(&self, seconds: i64) {
        self.clock.fetch_add(seconds * 1000, Ordering::SeqCst);
    }

    async fn answer(request: reqwest::RequestBuilder) -> Answer {
        let response = request.send().await.unwrap();
        Answer {
            status: response.status(),
            location: response
                .headers()
                .get(LOCATION)
                .map(|v| v.to_str().unwrap().to_string())
                .unwrap_or_default(),
            body: response.text().await.unwrap_or_default(),
        }
    }

    async fn get(&self, session: Option<&Session>, path: &str) -> Answer {
        let mut request = self.server.http.get(self.server.url(path));
        if let Some(s) = session {
            request = request.header(COOKIE, &s.cookie);
        }
        Self::answer(request).await
    }

    async fn post(&self, session: &Session, path: &str, form: &[(&str, &str)]) -> Answer {
        let mut fields = vec![("csrf", session.csrf.as_str())];
        fields.extend_from_slice(form);
        Self::answer(
            self.server
                .http
                .post(self.server.url(path))
                .header(COOKIE, &session.cookie)
                .form(&fields),
        )
        .await
    }

    async fn press(&self, token: &str, body: Value) -> (StatusCode, Value) {
        self.server
            .send(
                self.server
                    .http
                    .post(self.server.url(&format!("/api/v1/rooms/{ROOM}/control")))
                    .header(AUTHORIZATION, format!("Bearer {token}"))
                    .json(&body),
            )
            .await
    }

    async fn now(&self, session: Option<&Session>, query: &str) -> (StatusCode, Value) {
        let mut request = self
            .server
            .http
            .get(self.server.url(&format!("/api/v1/rooms/{ROOM}/now{query}")));
        if let Some(s) = session {
            request = request.header(COOKIE, &s.cookie);
        }
        self.server.send(request).await
    }

    /// What a refusal must not change: the meeting's events and the audit log.
    async fn snapshot(&self) -> (usize, usize) {
        let db = self.server.db();
        (
            db.events(KEY).await.unwrap().len(),
            db.audit_log(1000).await.unwrap().len(),
        )
    }

    /// A new token of the room, made by the administrator: its secret.
    async fn token(&self, admin: &Session, purpose: &str, name: &str) -> String {
        let made = self
            .post(
                admin,
                &format!("/rooms/{ROOM}/tokens"),
                &[("purpose", purpose), ("name", name)],
            )
            .await;
        assert_eq!(made.status, StatusCode::OK, "{}", made.body);
        let hex = |s: &str| s.len() == 64 && s.chars().all(|c| c.is_ascii_hexdigit());
        made.body
            .split(|c: char| !c.is_ascii_hexdigit())
            .find(|s| hex(s) && !made.body.contains(&format!("value=\"{s}\"")))
            .expect("the new token, shown once")
            .to_string()
    }

    async fn token_id(&self, name: &str) -> String {
        self.server
            .db()
            .room_tokens(ROOM)
            .await
            .unwrap()
            .into_iter()
            .find(|t| t.name == name)
            .unwrap()
            .id
    }
}

fn phase(now: &Value) -> &str {
    now["state"]["phase"].as_str().unwrap_or_default()
}

fn item(now: &Value) -> &str {
    now["state"]["item"]["number"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn the_secretary_drives_the_meeting_from_the_pages_and_each_press_is_an_audited_event() {
    let room = Room::start().await;
    let anna = room.server.sign_in("anna").await;
    let bo = room.server.sign_in("bo").await;
    let path = format!("/meetings/{KEY}/control");

    // The control page: the meeting as the engine has it (item 5 by plan
    // at 13:40), with the buttons.
    let page = room.get(Some(&anna), &path).await;
    assert_eq!(page.status, StatusCode::OK);
    for text in [
        "Nästa punkt",
        "Oplanerad paus",
        "Mer tid",
        "Ångra senaste",
        "Meddelande till rummet",
    ] {
        assert!(page.body.contains(text), "{text}");
    }
    let (_, now) = room.now(Some(&anna), "").await;
    assert_eq!((phase(&now), item(&now)), ("item", "5"));

    // Another body's secretary, and a form without the session's token:
    // refused, nothing changed.
    let before = room.snapshot().await;
    let theirs = room.post(&bo, &path, &[("command", "next")]).await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    let forged = Room::answer(
        room.server
            .http
            .post(room.server.url(&path))
            .header(COOKIE, &anna.cookie)
            .form(&[("csrf", "x"), ("command", "next")]),
    )
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(room.snapshot().await, before);

    // Next: item 6, by anna, audited.
    let next = room
        .post(&anna, &path, &[("command", "next"), ("back", "control")])
        .await;
    assert_eq!(next.status, StatusCode::SEE_OTHER, "{}", next.body);
    assert_eq!(next.location, format!("/meetings/{KEY}/control"));
    let (_, now) = room.now(Some(&anna), "").await;
    assert_eq!(item(&now), "6");
    let events = room.server.db().events(KEY).await.unwrap();
    let last = events.last().unwrap();
    assert_eq!(last.event.kind, EventKind::ItemStarted { item: "6".into() });
    assert_eq!(last.event.user.as_deref(), Some("anna"));
    let audit = room.server.db().audit_log(1).await.unwrap();
    assert_eq!(
        (audit[0].who.as_str(), audit[0].action.as_str()),
        ("anna", "control")
    );
    assert!(
        audit[0].detail.starts_with("punkt 6 startad"),
        "{}",
        audit[0].detail
    );

    // An unplanned break of 10 minutes, resume, 5 minutes more, undo.
    room.wait(60);
    let at_break = room.now(Some(&anna), "").await.1["state"]["remaining_s"]
        .as_i64()
        .unwrap();
    room.post(&anna, &path, &[("command", "break"), ("minutes", "10")])
        .await;
    room.wait(30);
    let (_, now) = room.now(Some(&anna), "").await;
    assert_eq!(phase(&now), "break");
    assert_eq!(now["state"]["remaining_s"], 10 * 60 - 30);
    room.post(&anna, &path, &[("command", "resume")]).await;
    let (_, now) = room.now(Some(&anna), "").await;
    assert_eq!((phase(&now), item(&now)), ("item", "6"));
    assert_eq!(now["state"]["remaining_s"].as_i64().unwrap(), at_break);
    room.wait(1);
    room.post(&anna, &path, &[("command", "extend"), ("minutes", "5")])
        .await;
    assert_eq!(
        room.now(Some(&anna), "").await.1["state"]["remaining_s"]
            .as_i64()
            .unwrap(),
        at_break - 1 + 300
    );
    room.wait(1);
    room.post(&anna, &path, &[("command", "undo")]).await;
    assert_eq!(
        room.now(Some(&anna), "").await.1["state"]["remaining_s"]
            .as_i64()
            .unwrap(),
        at_break - 2
    );

    // A control that does not apply says why and records nothing.
    let before = room.snapshot().await;
    let refused = room
        .post(&anna, &path, &[("command", "resume"), ("back", "control")])
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(
        refused.body.contains("Det pågår ingen paus."),
        "{}",
        refused.body
    );
    // Refused on the meeting page: the whole page again, with why.
    let on_page = room.post(&anna, &path, &[("command", "resume")]).await;
    assert_eq!(on_page.status, StatusCode::CONFLICT);
    assert!(on_page.body.contains("Det pågår ingen paus."));
    assert!(
        on_page.body.contains("Rätta närvaro"),
        "the rest of the meeting page"
    );
    let zero = room
        .post(&anna, &path, &[("command", "extend"), ("minutes", "0")])
        .await;
    assert_eq!(zero.status, StatusCode::CONFLICT);
    assert!(
        zero.body
            .contains("Minuter: skriv ett antal minuter, 1–240.")
    );
    // Tied to its field, which keeps what was typed (3.3.1).
    assert!(
        zero.body.contains(
            "<a href=\"#minutes-meeting\" id=\"problem-1\">Minuter: skriv ett antal minuter"
        ),
        "{}",
        zero.body
    );
    assert!(
        zero.body.contains(
            "id=\"minutes-meeting\" aria-invalid=\"true\" aria-describedby=\"problem-1\" type=\"number\" name=\"minutes\" min=\"1\" max=\"240\" value=\"0\""
        ),
        "{}",
        zero.body
    );
    assert_eq!(room.snapshot().await, before);
    // A message shown until a time that cannot be read: the message typed
    // stays in its field, the time is marked.
    let unread = room
        .post(
            &anna,
            &format!("/meetings/{KEY}/message"),
            &[
                ("text", "Kaffe i foajén"),
                ("until", "25.99"),
                ("back", "control"),
            ],
        )
        .await;
    assert_eq!(unread.status, StatusCode::CONFLICT);
    assert!(
        unread.body.contains("value=\"Kaffe i foajén\"")
            && unread
                .body
                .contains("id=\"until-control\" aria-invalid=\"true\" aria-describedby=\"problem-1\" type=\"time\" name=\"until\" value=\"25.99\""),
        "{}",
        unread.body
    );
    assert_eq!(room.snapshot().await, before);

    // A message to the room shows on `now` and the screen until withdrawn.
    let posted = room
        .post(
            &anna,
            &format!("/meetings/{KEY}/message"),
            &[("text", "Vi återupptar 14.40"), ("until", "14:40")],
        )
        .await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.body);
    let (_, now) = room.now(Some(&anna), "").await;
    assert_eq!(
        now["state"]["message"],
        json!({"text": "Vi återupptar 14.40", "until": "14:40"})
    );
    let screen = room
        .get(Some(&anna), &format!("/rooms/{ROOM}/screen"))
        .await;
    assert!(screen.body.contains("Vi återupptar 14.40"));
    let audit = room.server.db().audit_log(1).await.unwrap();
    assert_eq!(audit[0].action, "message");
    let panel = room.get(Some(&anna), &format!("{path}/panel")).await.body;
    let posted_at = panel
        .split("name=\"posted\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_string();
    room.wait(1);
    let withdrawn = room
        .post(
            &anna,
            &format!("/meetings/{KEY}/message/withdraw"),
            &[("posted", &posted_at)],
        )
        .await;
    assert_eq!(
        withdrawn.status,
        StatusCode::SEE_OTHER,
        "{}",
        withdrawn.body
    );
    assert!(
        room.now(Some(&anna), "").await.1["state"]
            .get("message")
            .is_none()
    );

    // End.
    room.post(&anna, &path, &[("command", "end")]).await;
    assert_eq!(phase(&room.now(Some(&anna), "").await.1), "after");
}

#[tokio::test]
async fn the_room_screen_now_calendar_and_control_api_keep_their_access_rules() {
    let room = Room::start().await;
    let anna = room.server.sign_in("anna").await;
    let bo = room.server.sign_in("bo").await;
    let admin = room.server.sign_in("admin").await;
    let screen = format!("/rooms/{ROOM}/screen");
    let calendar = format!("/rooms/{ROOM}/calendar.ics");
    let before = room.snapshot().await;

    // Signed-in (the default): the room's secretary and administrators.
    for (who, session) in [("anna", Some(&anna)), ("admin", Some(&admin))] {
        let page = room.get(session, &screen).await;
        assert_eq!(page.status, StatusCode::OK, "{who}");
        assert!(page.body.contains("Dagordning"), "{who}");
        assert_eq!(room.now(session, "").await.0, StatusCode::OK, "{who}");
        let ics = room.get(session, &calendar).await;
        assert!(ics.body.contains(&format!("UID:{KEY}@motesskylt")), "{who}");
    }
    for (who, session) in [("anonymous", None), ("bo", Some(&bo))] {
        assert_eq!(
            room.get(session, &screen).await.status,
            StatusCode::NOT_FOUND,
            "{who}"
        );
        assert_eq!(
            room.get(session, &format!("{screen}/part")).await.status,
            StatusCode::NOT_FOUND,
            "{who}"
        );
        assert_eq!(
            room.now(session, "").await.0,
            StatusCode::NOT_FOUND,
            "{who}"
        );
        assert_eq!(
            room.get(session, &calendar).await.status,
            StatusCode::NOT_FOUND,
            "{who}"
        );
    }
    assert_eq!(
        room.get(None, "/rooms/no-such-room/screen").await.status,
        StatusCode::NOT_FOUND
    );

    // Token: a screen link the administrator hands out.
    let link = room.token(&admin, "screen", "Tv i sal B").await;
    let access = room
        .post(
            &admin,
            &format!("/rooms/{ROOM}/access"),
            &[("screen", "token")],
        )
        .await;
    assert_eq!(access.status, StatusCode::SEE_OTHER);
    assert_eq!(
        room.get(None, &format!("{screen}?token={link}"))
            .await
            .status,
        StatusCode::OK
    );
    let (status, now) = room.now(None, &format!("?token={link}")).await;
    assert_eq!(
        (status, now["meeting"]["id"].as_str()),
        (StatusCode::OK, Some(KEY))
    );
    assert_eq!(
        room.get(None, &format!("{screen}?token=wrong"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(room.get(None, &screen).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        room.get(Some(&bo), &screen).await.status,
        StatusCode::NOT_FOUND
    );
    let id = room.token_id("Tv i sal B").await;
    room.post(
        &admin,
        &format!("/rooms/{ROOM}/tokens/revoke"),
        &[("id", &id)],
    )
    .await;
    assert_eq!(
        room.get(None, &format!("{screen}?token={link}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // Open: anyone.
    room.post(
        &admin,
        &format!("/rooms/{ROOM}/access"),
        &[("screen", "open")],
    )
    .await;
    let swedish = room.get(None, &screen).await;
    assert_eq!(swedish.status, StatusCode::OK);
    assert!(swedish.body.contains("Dagordning") && swedish.body.contains("kvar"));
    // A TV shows English by its link; the live part keeps the language.
    let english = room.get(None, &format!("{screen}?lang=en")).await;
    assert!(
        english.body.contains("Agenda") && english.body.contains("left"),
        "{}",
        english.body
    );
    assert!(english.body.contains("/screen/part?lang=en"));
    assert_eq!(room.now(None, "").await.0, StatusCode::OK);
    // A secretary may not set who sees a room.
    let theirs = room
        .post(
            &anna,
            &format!("/rooms/{ROOM}/access"),
            &[("screen", "signed-in")],
        )
        .await;
    assert_eq!(theirs.status, StatusCode::FORBIDDEN);

    // Forms without the session's token change nothing.
    let before_forms = room.snapshot().await;
    for (path, form) in [
        (format!("/meetings/{KEY}/message"), vec![("text", "Hej")]),
        (
            format!("/meetings/{KEY}/message/withdraw"),
            vec![("posted", "2026-06-04T13:40:00+02:00")],
        ),
        (
            format!("/meetings/{KEY}/control"),
            vec![("command", "next")],
        ),
        (
            format!("/rooms/{ROOM}/tokens"),
            vec![("purpose", "control"), ("name", "x")],
        ),
        (
            format!("/rooms/{ROOM}/access"),
            vec![("screen", "signed-in")],
        ),
    ] {
        let mut fields = vec![("csrf", "forged")];
        fields.extend(form);
        let forged = Room::answer(
            room.server
                .http
                .post(room.server.url(&path))
                .header(COOKIE, &admin.cookie)
                .form(&fields),
        )
        .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(room.snapshot().await, before_forms);
    assert_eq!(room.server.db().room_tokens(ROOM).await.unwrap().len(), 1);

    // The control API: only with a live control token of the room.
    let key = room.token(&admin, "control", "Stream Deck").await;
    let watching = room.token(&admin, "screen", "Foajén").await;
    assert_eq!(
        room.snapshot().await.0,
        before.0,
        "no event from reading or refusing"
    );
    // Another room's control token.
    room.server
        .db()
        .add_room("sal-c", utc("2026-06-04T12:00:00+02:00"))
        .await
        .unwrap();
    let made = room
        .post(
            &admin,
            "/rooms/sal-c/tokens",
            &[("purpose", "control"), ("name", "C")],
        )
        .await;
    assert_eq!(made.status, StatusCode::OK);
    let elsewhere = made
        .body
        .split(|c: char| !c.is_ascii_hexdigit())
        .find(|s| s.len() == 64 && !made.body.contains(&format!("value=\"{s}\"")))
        .unwrap()
        .to_string();
    let audited = room.snapshot().await;
    for (who, token) in [
        ("no token", ""),
        ("wrong", "0000"),
        ("a screen link", watching.as_str()),
        ("another room's", elsewhere.as_str()),
    ] {
        let (status, _) = room.press(token, json!({"command": "next"})).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{who}");
    }
    // A control token is no screen link; a revoked link opens nothing.
    room.post(
        &admin,
        &format!("/rooms/{ROOM}/access"),
        &[("screen", "token")],
    )
    .await;
    assert_eq!(
        room.get(None, &format!("{screen}?token={key}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        room.now(None, &format!("?token={key}")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        room.now(None, &format!("?token={link}")).await.0,
        StatusCode::NOT_FOUND,
        "revoked"
    );
    assert_eq!(
        room.get(None, &format!("{calendar}?token={link}"))
            .await
            .status,
        StatusCode::NOT_FOUND,
        "revoked"
    );
    assert_eq!(
        room.get(None, &format!("{calendar}?token={watching}"))
            .await
            .status,
        StatusCode::OK
    );
    let audited = (audited.0, audited.1 + 1);
    assert_eq!(room.snapshot().await, audited);
    let (status, pressed) = room.press(&key, json!({"command": "next"})).await;
    assert_eq!(status, StatusCode::OK, "{pressed}");
    assert_eq!(item(&pressed), "6");
    let last = room.server.db().events(KEY).await.unwrap().pop().unwrap();
    assert_eq!(last.event.user.as_deref(), Some("nyckel: Stream Deck"));
    room.wait(1);
    let (status, refused) = room.press(&key, json!({"command": "resume"})).await;
    assert_eq!(
        (status, refused["error"].as_str()),
        (StatusCode::CONFLICT, Some("refused"))
    );
    let (status, _) = room.press(&key, json!({"command": "dance"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, broke) = room
        .press(&key, json!({"command": "break", "minutes": 10}))
        .await;
    assert_eq!((status, phase(&broke)), (StatusCode::OK, "break"));
    let id = room.token_id("Stream Deck").await;
    room.post(
        &admin,
        &format!("/rooms/{ROOM}/tokens/revoke"),
        &[("id", &id)],
    )
    .await;
    let after = room.snapshot().await;
    let (status, _) = room.press(&key, json!({"command": "end"})).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "revoked");
    assert_eq!(room.snapshot().await, after);
    // Tokens are kept as their SHA-256 only.
    let sha = |secret: &str| {
        use sha2::{Digest, Sha256};
        Sha256::digest(secret.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    let stored: Vec<String> = room
        .server
        .db()
        .room_tokens(ROOM)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.hash)
        .collect();
    for secret in [&key, &link, &watching] {
        assert!(stored.contains(&sha(secret)), "{secret} kept as its hash");
        assert!(!stored.contains(secret));
    }

    // In the evening KSL meets in the room: its secretary sees the room,
    // and in its calendar only KSL's meetings, not SRO's agenda.
    let mut ksl = meeting();
    ksl.body = "KSL".into();
    ksl.start = chrono::NaiveTime::from_hms_opt(18, 0, 0).unwrap();
    ksl.end = chrono::NaiveTime::from_hms_opt(19, 0, 0).unwrap();
    ksl.items.clear();
    room.server
        .db()
        .put_meeting(
            ROOM,
            "KSL-2026-06-04",
            &ksl,
            utc("2026-06-04T13:40:00+02:00"),
        )
        .await
        .unwrap();
    room.post(
        &admin,
        &format!("/rooms/{ROOM}/access"),
        &[("screen", "signed-in")],
    )
    .await;
    room.wait(4 * 3600);
    assert_eq!(room.get(Some(&bo), &screen).await.status, StatusCode::OK);
    assert_eq!(
        room.get(Some(&anna), &screen).await.status,
        StatusCode::NOT_FOUND
    );
    let theirs = room.get(Some(&bo), &calendar).await.body;
    assert!(theirs.contains("UID:KSL-2026-06-04@motesskylt"), "{theirs}");
    assert!(!theirs.contains(&format!("UID:{KEY}@")), "{theirs}");
    let all = room.get(Some(&admin), &calendar).await.body;
    assert!(all.contains("UID:KSL-2026-06-04@") && all.contains(&format!("UID:{KEY}@")));
}

/// Issue 20, point 6: the secretary's personal link for a remote
/// participant. The meeting page lists one per person; the link checks
/// that person in remotely with one press, without signing in, once; a
/// link altered in any part (another person, another meeting, another
/// secret) is "not found" and changes nothing; after the meeting it no
/// longer works.
#[tokio::test]
async fn a_personal_link_checks_one_person_in_remotely() {
    let room = Room::start().await;
    let anna = room.server.sign_in("anna").await;
    let page = room.get(Some(&anna), &format!("/meetings/{KEY}")).await;
    let m = common::meeting();
    let person = m.called().nth(3).unwrap().1.name.clone();
    let encoded: String = url_encode(&person);
    let start = page
        .body
        .find(&format!("/remote/{KEY}?p={encoded}&amp;t="))
        .unwrap_or_else(|| panic!("no link for {person}: {}", page.body));
    let link = page.body[start..]
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    let secret = link.rsplit("t=").next().unwrap().to_string();
    assert_eq!(secret.len(), 32);

    // Altered links: nothing shown, nothing recorded.
    let before = room.snapshot().await;
    let other = url_encode(&m.called().nth(4).unwrap().1.name);
    for altered in [
        format!("/remote/{KEY}?p={other}&t={secret}"),
        format!("/remote/{KEY}-2?p={encoded}&t={secret}"),
        format!("/remote/{KEY}?p={encoded}&t={}", "0".repeat(32)),
        format!("/remote/{KEY}?p={encoded}"),
    ] {
        assert_eq!(
            room.get(None, &altered).await.status,
            StatusCode::NOT_FOUND,
            "{altered}"
        );
        let (path, query) = altered.split_once('?').unwrap();
        let fields: Vec<(String, String)> = query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_string(), url_decode(v)))
            .collect();
        let posted = Room::answer(room.server.http.post(room.server.url(path)).form(&fields)).await;
        assert_eq!(posted.status, StatusCode::NOT_FOUND, "POST {altered}");
    }
    assert_eq!(room.snapshot().await, before, "nothing changed");

    // The person's page, without signing in; the press checks them in.
    let shown = room.get(None, &link).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert!(
        shown.body.contains("Jag deltar på distans nu"),
        "{}",
        shown.body
    );
    // The link names no language: the page's language switch decides.
    // Signed out, only the language switch's cookie.
    let reader = Session {
        cookie: "motesskylt_lang=en".into(),
        csrf: String::new(),
    };
    let english = room.get(Some(&reader), &link).await.body;
    assert!(
        english.contains("<html lang=\"en\">")
            && english.contains("I am taking part remotely now")
            && english.contains("name=\"lang\" value=\"\""),
        "{english}"
    );
    let fields = [
        ("p", person.as_str()),
        ("t", secret.as_str()),
        ("lang", "sv"),
    ];
    let path = format!("/remote/{KEY}");
    let pressed = Room::answer(room.server.http.post(room.server.url(&path)).form(&fields)).await;
    assert_eq!(pressed.status, StatusCode::SEE_OTHER, "{}", pressed.body);
    let last = room.server.db().events(KEY).await.unwrap().pop().unwrap();
    assert_eq!(
        last.event.user.as_deref(),
        Some(format!("länk: {person}").as_str())
    );
    assert!(
        matches!(&last.event.kind, EventKind::CheckedIn { person: p, remote: true, .. } if *p == person),
        "{:?}",
        last.event
    );
    assert!(room.get(None, &link).await.body.contains("Du är incheckad"));
    // Once: a second press records nothing.
    let after = room.snapshot().await;
    let again = Room::answer(room.server.http.post(room.server.url(&path)).form(&fields)).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(room.snapshot().await, after);
    // The minutes name them.
    let minutes = room
        .get(Some(&anna), &format!("/meetings/{KEY}/export/minutes"))
        .await;
    assert!(
        minutes
            .body
            .contains(&format!("Deltar på distans: {person}.")),
        "{}",
        minutes.body
    );
    // The next day the link is over.
    room.wait(24 * 3600);
    let over = room.get(None, &link).await;
    assert!(
        over.body.contains("länken gäller inte längre"),
        "{}",
        over.body
    );
}

fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn url_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// Issue 20 on the pages: the formal-attendance card's requests are
/// checked (not a deputy, no such item, twice the same recusal, another
/// body's secretary, an unknown action: refused, nothing recorded); the
/// control page warns when the next item would start without quorum,
/// counted for that item (a recusal for it counts, though the running
/// item has quorum); a remote check-in on the correction form is one
/// `checked_in` with `remote`, and refused for someone already in.
#[tokio::test]
async fn formal_attendance_on_the_pages_is_checked_and_the_next_item_is_warned_of() {
    let room = Room::start().await;
    let anna = room.server.sign_in("anna").await;
    let bo = room.server.sign_in("bo").await;
    let m = common::meeting();
    let members: Vec<String> = m
        .participants
        .iter()
        .filter(|p| p.seat == Some(motesskylt_core::model::Seat::Member))
        .map(|p| p.name.clone())
        .collect();
    assert_eq!(members.len(), 13, "the SRO's politicians are its members");
    let formal = format!("/meetings/{KEY}/formal");
    let before = room.snapshot().await;
    let refused = room
        .post(
            &anna,
            &formal,
            &[
                ("action", "serve"),
                ("deputy", &members[0]),
                ("member", &members[1]),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(
        refused.body.contains(&format!(
            "Ersättare: {} är inte ersättare enligt kallelsen",
            members[0]
        )),
        "{}",
        refused.body
    );
    let refused = room
        .post(
            &anna,
            &formal,
            &[
                ("action", "recuse"),
                ("person", &members[0]),
                ("item", "99"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(
        refused
            .body
            .contains("Punkt: &quot;99&quot; finns inte i dagordningen"),
        "{}",
        refused.body
    );
    let unknown = room.post(&anna, &formal, &[("action", "drop_table")]).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let other_body = room
        .post(
            &bo,
            &formal,
            &[("action", "recuse"), ("person", &members[0]), ("item", "6")],
        )
        .await;
    assert_eq!(other_body.status, StatusCode::NOT_FOUND);
    assert_eq!(room.snapshot().await, before, "nothing recorded");

    // 13.40, item 5 by plan, nobody in: the next item is warned of.
    let panel = format!("/meetings/{KEY}/control/panel?back=control");
    let warning = "Nästa punkt startar utan beslutförhet";
    assert!(room.get(Some(&anna), &panel).await.body.contains(warning));
    // Seven of thirteen members come (by hand): quorum, no warning.
    for name in &members[..7] {
        let answer = room
            .post(
                &anna,
                &format!("/meetings/{KEY}/corrections"),
                &[
                    ("person", name),
                    ("direction", "in"),
                    ("time", "13:30"),
                    ("reason", "glömde kortet"),
                ],
            )
            .await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    }
    let (_, now) = room.now(Some(&anna), "").await;
    assert_eq!(now["state"]["quorum"]["present"], 7, "{now}");
    assert!(!room.get(Some(&anna), &panel).await.body.contains(warning));
    // One of them is out of item 6: item 5 keeps its quorum, item 6 would not.
    let recused = room
        .post(
            &anna,
            &formal,
            &[("action", "recuse"), ("person", &members[0]), ("item", "6")],
        )
        .await;
    assert_eq!(recused.status, StatusCode::SEE_OTHER, "{}", recused.body);
    let (_, now) = room.now(Some(&anna), "").await;
    assert_eq!(now["state"]["quorum"]["met"], true, "{now}");
    assert!(room.get(Some(&anna), &panel).await.body.contains(warning));
    let again = room
        .post(
            &anna,
            &formal,
            &[("action", "recuse"), ("person", &members[0]), ("item", "6")],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(
        again.body.contains("har redan jäv i punkt 6"),
        "{}",
        again.body
    );
    // Taken back: item 6 would have its quorum again, the card no longer
    // lists the recusal, and a second take-back is refused.
    let take_back = [
        ("action", "withdraw_recusal"),
        ("person", members[0].as_str()),
        ("item", "6"),
    ];
    let back = room.post(&anna, &formal, &take_back).await;
    assert_eq!(back.status, StatusCode::SEE_OTHER, "{}", back.body);
    assert!(!room.get(Some(&anna), &panel).await.body.contains(warning));
    let last = room.server.db().events(KEY).await.unwrap().pop().unwrap();
    assert!(
        matches!(&last.event.kind, EventKind::CorrectionWithdrawn { person, withdrawn: Corrected::Recused, .. } if *person == members[0]),
        "{last:?}"
    );
    let page = room
        .get(Some(&anna), &format!("/meetings/{KEY}"))
        .await
        .body;
    assert!(
        !page.contains(&format!("Punkt 6: {}", members[0])),
        "{page}"
    );
    let twice = room.post(&anna, &formal, &take_back).await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    assert!(
        twice
            .body
            .contains("har inget jäv i punkt 6 att ta tillbaka"),
        "{}",
        twice.body
    );
    // Recused again for the rest of the test.
    let recused = room
        .post(
            &anna,
            &formal,
            &[("action", "recuse"), ("person", &members[0]), ("item", "6")],
        )
        .await;
    assert_eq!(recused.status, StatusCode::SEE_OTHER, "{}", recused.body);

    // Remote by hand: recorded with `remote`, refused for someone in.
    let correct = |name: &'static str| {
        vec![
            ("person", name),
            ("direction", "in"),
            ("time", "13:35"),
            ("reason", "deltar via Teams"),
            ("remote", "yes"),
        ]
    };
    let far: &'static str = Box::leak(members[8].clone().into_boxed_str());
    let answer = room
        .post(
            &anna,
            &format!("/meetings/{KEY}/corrections"),
            &correct(far),
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let last = room.server.db().events(KEY).await.unwrap().pop().unwrap();
    assert!(
        matches!(&last.event.kind, EventKind::CheckedIn { person, remote: true, .. } if person == far)
    );
    let here: &'static str = Box::leak(members[1].clone().into_boxed_str());
    let before = room.snapshot().await;
    let refused = room
        .post(
            &anna,
            &format!("/meetings/{KEY}/corrections"),
            &correct(here),
        )
        .await;
    assert!(
        refused
            .body
            .contains("är redan incheckad kl. 13.35; checka ut hen först"),
        "{}",
        refused.body
    );
    assert_eq!(room.snapshot().await, before);
}
