//! The notice import on the secretary's pages under load (issue 16,
//! point 7): a huge notice is refused with a small page naming the limit
//! (it used to become a preview fourteen times its size: 146 MiB for a
//! 10 MiB notice), a notice at the limits gives a preview in proportion,
//! and only a few notices are read at once (the others get 503 with
//! `Retry-After` and a page saying to try again).

mod common;

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use motesskylt_central::config::ServerConfig;
use motesskylt_central::db::Role;
use motesskylt_central::web::import::IMPORTS_AT_ONCE;
use motesskylt_core::kallelse::{MAX_PARTICIPANTS, MAX_TEXT_BYTES};
use reqwest::StatusCode;
use reqwest::header::COOKIE;

fn seed() -> String {
    String::from_utf8(include_bytes!("fixtures/seeds/000-kallelse-sro-2026-06-04.md").to_vec())
        .unwrap()
}

/// Seed 000 with `count` more politicians (distinct names) after its first.
fn with_people(count: usize) -> String {
    let first = [
        "Anna", "Bo", "Cecilia", "David", "Eva", "Fredrik", "Gun", "Hans", "Ida", "Johan",
    ];
    let last = [
        "Berg", "Ek", "Lind", "Holm", "Sjö", "Strand", "Nord", "Dahl", "Wall", "Björk",
    ];
    let mut people = String::new();
    for i in 0..count {
        people.push_str(&format!(
            "{} {} {}-{}son (S), Göteborgsregionen, ledamot {i}  \n",
            first[i % 10],
            last[(i / 10) % 10],
            last[(i / 100) % 10],
            last[(i / 1000) % 10],
        ));
    }
    let after = "Olof Lundberg (S), Göteborgsregionen  \n";
    seed().replacen(after, &format!("{after}{people}"), 1)
}

/// The server with an administrator signed in: the cookie and CSRF token
/// of the administrator's session.
struct Site {
    server: common::Server,
    cookie: String,
    csrf: String,
    _dir: tempfile::TempDir,
}

struct Answer {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    body: String,
}

impl Site {
    /// A server with an administrator, signed in.
    async fn start() -> Site {
        let dir = tempfile::tempdir().unwrap();
        let db = common::sqlite(dir.path());
        common::add_users(&db, &[("admin", Role::Admin, vec![])]).await;
        let server = common::Server::start(ServerConfig::default(), db, || {
            common::utc("2026-06-01T10:00:00+02:00")
        })
        .await;
        let common::Session { cookie, csrf } = server.sign_in("admin").await;
        Site {
            server,
            cookie,
            csrf,
            _dir: dir,
        }
    }

    /// The multipart body of an upload of `bytes` as kallelse.md.
    fn multipart(&self, bytes: &[u8]) -> (String, Vec<u8>) {
        let boundary = "----motesskylt-limits";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"notice\"; filename=\"kallelse.md\"\r\nContent-Type: text/markdown\r\n\r\n",
            self.csrf
        )
        .into_bytes();
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        (format!("multipart/form-data; boundary={boundary}"), body)
    }

    async fn upload(&self, bytes: &[u8]) -> Answer {
        let (content_type, body) = self.multipart(bytes);
        let response = self
            .server
            .http
            .post(self.server.url("/import"))
            .header(COOKIE, &self.cookie)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        Answer {
            status: response.status(),
            headers: response.headers().clone(),
            body: response.text().await.unwrap(),
        }
    }

    /// An upload whose body never finishes: its request holds an import
    /// place until the connection closes.
    fn stalled_upload(&self) -> std::net::TcpStream {
        let (content_type, body) = self.multipart(seed().as_bytes());
        let mut stream = std::net::TcpStream::connect(self.server.running.addr).unwrap();
        write!(
            stream,
            "POST /import HTTP/1.1\r\nHost: localhost\r\nCookie: {}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
            self.cookie,
            body.len()
        )
        .unwrap();
        stream.write_all(&body[..body.len() / 2]).unwrap();
        stream.flush().unwrap();
        stream
    }
}

#[tokio::test]
async fn a_huge_notice_is_refused_with_a_small_page_naming_the_limit() {
    let site = Site::start().await;
    // 10 MiB of people: the limit on the text answers first.
    let mut huge = with_people(0);
    let people = with_people(1000);
    while huge.len() < 10 * 1024 * 1024 - 200_000 {
        huge.push_str(&people);
    }
    let started = Instant::now();
    let answer = site.upload(huge.as_bytes()).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(
        answer.body.len() < 64 * 1024,
        "a {} byte notice gave a {} byte page",
        huge.len(),
        answer.body.len()
    );
    assert!(
        answer.body.contains(&format!(
            "kallelse.md: kallelsen har mer än {} kB text",
            MAX_TEXT_BYTES / 1024
        )),
        "{}",
        answer.body
    );
    assert!(started.elapsed() < Duration::from_secs(30));

    // Past the participants' limit: refused at the line where it passed.
    let over = with_people(MAX_PARTICIPANTS);
    // Ida Wickström (invited), Olof Lundberg and 999 more: the last of
    // them is one too many.
    let last = format!("ledamot {}  ", MAX_PARTICIPANTS - 2);
    let line = over.lines().position(|l| l.ends_with(&last)).unwrap() + 1;
    let answer = site.upload(over.as_bytes()).await;
    assert!(
        answer.body.contains(&format!(
            "kallelse.md:{line}: kallelsen har fler än {MAX_PARTICIPANTS} deltagare"
        )),
        "{}",
        answer.body
    );
    assert!(answer.body.len() < 64 * 1024);
}

#[tokio::test]
async fn a_notice_at_the_limits_gives_a_preview_in_proportion() {
    let site = Site::start().await;
    let full = with_people(MAX_PARTICIPANTS - 31);
    let answer = site.upload(full.as_bytes()).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(
        answer
            .body
            .contains(&format!("{MAX_PARTICIPANTS} deltagare")),
        "{}",
        &answer.body[..answer.body.len().min(4000)]
    );
    // Measured: a 71 kB notice of 1000 people gives a 0.7 MB preview
    // (inputs and the meeting as JSON for each); bounded by the limits.
    assert!(
        answer.body.len() < 2 * 1024 * 1024,
        "a {} byte notice gave a {} byte preview",
        full.len(),
        answer.body.len()
    );
}

#[tokio::test]
async fn only_a_few_notices_are_read_at_once_the_others_hear_busy() {
    let site = Site::start().await;
    let held: Vec<_> = (0..IMPORTS_AT_ONCE)
        .map(|_| site.stalled_upload())
        .collect();
    // The held uploads take their places as their headers arrive; the
    // probes below must not come first.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    let busy = loop {
        let answer = site.upload(seed().as_bytes()).await;
        if answer.status == StatusCode::SERVICE_UNAVAILABLE || Instant::now() > deadline {
            break answer;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(busy.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(busy.headers["retry-after"], "5");
    assert!(
        busy.body.contains("Servern läser andra kallelser just nu"),
        "{}",
        busy.body
    );
    assert_eq!(busy.headers["x-frame-options"], "DENY");
    // The places come back when the held uploads end.
    for mut stream in held {
        stream.shutdown(std::net::Shutdown::Both).unwrap();
        let mut rest = Vec::new();
        let _ = stream.read_to_end(&mut rest);
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let answer = site.upload(seed().as_bytes()).await;
        if answer.status == StatusCode::OK {
            assert!(answer.body.contains("Granska kallelsen"));
            break;
        }
        assert!(Instant::now() < deadline, "still {}", answer.status);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
