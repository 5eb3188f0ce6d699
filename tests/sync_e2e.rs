//! Sync end to end with real processes on loopback: a `motesskylt central`
//! on SQLite and two headless kiosks of one room. Kiosk B follows A's
//! progress live; A works through an outage and its taps arrive once; the
//! central server is killed in the middle of A's backlog and nothing is
//! lost or doubled.

mod processes;

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use processes::{BIN, Kiosk, lines_of, notice};
use serde_json::Value;

/// A `motesskylt central` process, killed when dropped (a test that ends
/// or fails leaves no server behind).
struct Central {
    dir: PathBuf,
    child: Child,
    port: u16,
}

impl Central {
    fn config(dir: &Path, port: u16) -> PathBuf {
        let path = dir.join("central.toml");
        std::fs::write(
            &path,
            format!(
                "[server]\nlisten = \"127.0.0.1:{port}\"\ndatabase = \"{}\"\n",
                dir.join("central.sqlite").display()
            ),
        )
        .unwrap();
        path
    }

    fn start(dir: &Path, port: u16) -> Central {
        Self::start_with(dir, port, &[])
    }

    /// The server with `args` after `central --config …` (`--clock`).
    fn start_with(dir: &Path, port: u16, args: &[&str]) -> Central {
        let config = Self::config(dir, port);
        let mut child = Command::new(BIN)
            .args(["central", "--config"])
            .arg(&config)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(dir.join(format!("central-{port}.log"))).unwrap())
            .spawn()
            .unwrap();
        let line = lines_of(child.stdout.take().unwrap())
            .recv_timeout(Duration::from_secs(20))
            .expect("the central server says where it listens");
        let port = line.rsplit(':').next().unwrap().parse().unwrap();
        Central {
            dir: dir.to_path_buf(),
            child,
            port,
        }
    }

    fn code(&self, room: &str) -> String {
        let out = Command::new(BIN)
            .args(["central", "--config"])
            .arg(Self::config(&self.dir, self.port))
            .args(["code", "--room", room])
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .to_string()
    }

    fn kill(mut self) -> u16 {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
        self.port
    }

    /// (events, distinct (device, seq)) of a device in the central store.
    fn count(dir: &Path, device: &str) -> (i64, i64) {
        let db = rusqlite::Connection::open_with_flags(
            dir.join("central.sqlite"),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .unwrap();
        db.busy_timeout(Duration::from_secs(5)).unwrap();
        db.query_row(
            "SELECT COUNT(*), COUNT(DISTINCT seq) FROM events WHERE device = ?1",
            [device],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
    }
}

impl Drop for Central {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn two_kiosks_and_a_central_server_that_goes_away() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let central = Central::start(dir, 0);
    let port = central.port;
    let mut a = Kiosk::start(dir, "dorr-a", port, &central.code("rum-1"));
    let mut b = Kiosk::start(dir, "dorr-b", port, &central.code("rum-1"));
    a.until("A online", Kiosk::online);
    b.until("B online", Kiosk::online);

    // B shows A's progress within a second.
    let started = a.stored("next");
    let sent = Instant::now();
    assert!(!started.is_empty());
    b.until("A's progress at B", |b| {
        started.iter().all(|id| b.learned.contains(id))
    });
    let latency = sent.elapsed();
    assert!(
        latency < Duration::from_secs(1),
        "B followed A after {latency:?}"
    );

    // The central server goes away; A goes on taking check-ins.
    central.kill();
    let mut offline = Vec::new();
    for name in ["Marina Johansson", "Olof Lundberg", "Ulf Olsson"] {
        a.stored("open-picker");
        offline.extend(a.stored(&format!("pick {name}")));
    }
    assert_eq!(offline.len(), 3);
    a.until("A offline with its taps waiting", |a| {
        !a.online() && a.unsent() == 3
    });
    assert!(a.sync["offline_since"].is_string());

    // Back: everything arrives once, at the central store and at B.
    let central = Central::start(dir, port);
    a.until("A's outbox empty", |a| a.online() && a.unsent() == 0);
    b.until("A's taps at B", |b| {
        offline.iter().all(|id| b.learned.contains(id))
    });
    assert_eq!(Central::count(dir, "dorr-a"), (4, 4));

    // A backlog, and the central server killed while it is being pushed.
    let port = central.kill();
    let mut backlog = Vec::new();
    for _ in 0..250 {
        backlog.extend(a.stored("next"));
        backlog.extend(a.stored("previous"));
    }
    let total = 4 + backlog.len() as i64;
    let central = Central::start(dir, port);
    let mut seen = (0, 0);
    let deadline = Instant::now() + Duration::from_secs(30);
    while seen.0 <= 4 && Instant::now() < deadline {
        seen = Central::count(dir, "dorr-a");
        std::thread::sleep(Duration::from_millis(1));
    }
    central.kill();
    let (at_kill, _) = Central::count(dir, "dorr-a");
    assert!(
        at_kill > 4 && at_kill < total,
        "killed mid-push: {at_kill} of {total}"
    );
    let _central = Central::start(dir, port);
    a.until("A's backlog pushed", |a| a.online() && a.unsent() == 0);
    assert_eq!(
        Central::count(dir, "dorr-a"),
        (total, total),
        "nothing lost or doubled"
    );
    b.until("A's backlog at B", |b| {
        backlog.iter().all(|id| b.learned.contains(id))
    });
    let distinct: HashSet<&String> = b.learned.iter().collect();
    assert_eq!(
        distinct.len(),
        b.learned.len(),
        "B learned every event once"
    );
    assert_eq!(distinct.len() as i64, total);
}

/// All-in-one: the kiosk runs the central server itself (`serve`), enrols
/// with it over loopback and its taps reach the server's store.
#[test]
fn an_all_in_one_kiosk_serves_and_syncs_by_itself() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let central = Central::config(dir, 0);
    let serve = format!(
        "serve = \"{}\"\nroom = \"konferens-1\"\n",
        central.display()
    );
    let mut kiosk = Kiosk::run(dir, "dorr-ett", &serve);
    kiosk.until("online", Kiosk::online);
    kiosk.stored("open-picker");
    let tapped = kiosk.stored("pick Marina Johansson");
    assert_eq!(tapped.len(), 1);
    // The status line does not change (online, nothing unsent): watch the
    // server's store instead.
    let deadline = Instant::now() + Duration::from_secs(30);
    while Central::count(dir, "dorr-ett") != (1, 1) {
        assert!(
            Instant::now() < deadline,
            "the tap never reached the server"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // Enrolled in its configured room, with its token kept 0600.
    let token = dir.join("dorr-ett/device.token");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&token).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let devices = Command::new(BIN)
        .args(["central", "--config"])
        .arg(&central)
        .arg("devices")
        .output()
        .unwrap();
    let listing = String::from_utf8(devices.stdout).unwrap();
    assert!(
        listing.starts_with("dorr-ett\trum konferens-1\taktiv"),
        "{listing}"
    );
    // The tap was acknowledged with nothing left in the kiosk's outbox.
    assert!(listing.contains("\tej skickade 0\t"), "{listing}");
}

#[test]
fn the_secretarys_version_reaches_the_kiosk_and_stands_over_its_notice() {
    use motesskylt_central::db::{CentralDb, SqliteDb};
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let central = Central::start(dir, 0);
    let code = central.code("konferens-1");
    let mut a = Kiosk::start(dir, "dorr-a", central.port, &code);
    a.until("A online", |k| k.online());
    let original = "Samsjuklighetsreformen".to_string();
    a.until("A's own notice", |k| k.titles.contains(&original));

    // The secretary fixes a title on the pages (the same call as the
    // import's save, on the same store).
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let db = SqliteDb::open(&dir.join("central.sqlite")).unwrap();
    let key = "SRO-2026-06-04";
    let fixed = "Samsjuklighetsreformen – planering";
    runtime.block_on(async {
        let mut meeting = db
            .meeting(key)
            .await
            .unwrap()
            .expect("A uploaded its notice")
            .meeting;
        let item = meeting
            .items
            .iter_mut()
            .find(|i| i.title == original)
            .unwrap();
        item.title = fixed.into();
        db.import_meeting("konferens-1", key, &meeting, chrono::Utc::now())
            .await
            .unwrap();
    });
    // The running kiosk shows it within its idle round.
    a.until("the secretary's title at the door", |k| {
        k.titles.iter().any(|t| t == fixed)
    });

    // The body's morning meeting the same day, imported for the same
    // room, is a meeting of its own: the door keeps its meeting.
    let morning_title = "Morgonens enda punkt";
    let morning_id = runtime.block_on(async {
        let mut morning = motesskylt_core::model::identity::moved(
            &db.meeting(key).await.unwrap().unwrap().meeting,
            None,
            chrono::NaiveTime::from_hms_opt(8, 0, 0),
        )
        .unwrap();
        morning.items[0].title = morning_title.into();
        motesskylt_central::schedule::import(&db, "konferens-1", &morning, None, chrono::Utc::now())
            .await
            .unwrap()
            .id
    });
    assert_ne!(morning_id, key);

    // The secretary expects a new card for Olof Lundberg (as the cards
    // page stores it): the next unknown card at A's door becomes his.
    let expected = runtime.block_on(async {
        let at = chrono::DateTime::parse_from_rfc3339("2026-06-04T12:48:00+02:00")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let wire = motesskylt_core::wire::WireEvent {
            id: uuid::Uuid::now_v7(),
            device: "central:sidor".into(),
            seq: 1,
            meeting: key.into(),
            wall: at,
            mono_ms: 0,
            boot: "central:sidor".into(),
            clock_synced: true,
            event: motesskylt_core::model::Event::new(
                at,
                motesskylt_core::model::time::DEFAULT_TIME_ZONE,
                motesskylt_core::model::EventKind::CardExpected {
                    person: "Olof Lundberg".into(),
                    by: "anna".into(),
                },
            ),
        };
        db.push(
            "central:sidor",
            std::slice::from_ref(&wire),
            chrono::Utc::now(),
        )
        .await
        .unwrap();
        wire.id.to_string()
    });
    a.until("the expected card learned", |k| {
        k.learned.contains(&expected)
    });
    // Pulled in that round or before: the morning's title is not A's.
    assert!(
        !a.titles.iter().any(|t| t == morning_title),
        "{:?}",
        a.titles
    );
    assert!(a.titles.iter().any(|t| t == fixed), "{:?}", a.titles);
    let stored = a.stored("card 0badc0de");
    assert_eq!(stored.len(), 2, "registered and checked in: {stored:?}");

    // Restarted with its notice file unchanged, the kiosk shows the
    // secretary's version, and its upload does not undo it centrally.
    drop(a);
    let mut a = Kiosk::start(dir, "dorr-a", central.port, &code);
    a.until("the ready line", |k| !k.titles.is_empty());
    assert!(a.titles.iter().any(|t| t == fixed), "{:?}", a.titles);
    a.until("A online again", |k| k.online());
    let newest = runtime.block_on(db.meeting(key)).unwrap().unwrap().meeting;
    assert!(newest.items.iter().any(|i| i.title == fixed));
    drop(a);
    central.kill();
}

/// Issue 18, end to end: a kiosk with no notice, enrolled in a room,
/// follows the room's schedule as the central store has it. Two meetings
/// of one body in one room today and one tomorrow (and one in another
/// room): the door shows the morning's and takes its check-in; the
/// secretary cancels it and the door says so; restarted with the central
/// server gone, it moves by itself from the cancelled morning to "free"
/// until the afternoon, to the afternoon, to "free" until tomorrow; and
/// tomorrow it shows tomorrow's meeting.
#[test]
fn a_kiosk_without_a_notice_follows_its_rooms_schedule() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let central = Central::start(dir, 0);
    let config = Central::config(dir, central.port);
    let cli = |args: &[&str]| {
        let out = Command::new(BIN)
            .args(["central", "--config"])
            .arg(&config)
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {out:?}");
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    let notice = notice();
    let notice = notice.to_str().unwrap();
    let import = |room: &str, date: &str, start: &str| {
        cli(&[
            "meeting", "import", notice, "--room", room, "--date", date, "--start", start,
        ])
    };
    let morning = import("vanern", "2026-06-04", "09:00");
    let afternoon = import("vanern", "2026-06-04", "14:00");
    let tomorrow = import("vanern", "2026-06-05", "10:00");
    let elsewhere = import("vattern", "2026-06-04", "09:00");
    assert_eq!(
        [&morning, &afternoon, &tomorrow, &elsewhere].map(String::as_str),
        [
            "SRO-2026-06-04-0900",
            "SRO-2026-06-04-1400",
            "SRO-2026-06-05-1000",
            "SRO-2026-06-04-0900-2"
        ]
    );
    let code = central.code("vanern");
    // A quiet kiosk checks in only every minute: what reaches it sooner
    // came by the live stream.
    let sync = format!(
        "central = \"http://127.0.0.1:{}\"\nenrol_code = \"{code}\"\nbatch = 5\nidle_seconds = 60\nretry_max_seconds = 1\n",
        central.port
    );

    // No notice: the door holds nothing until the room's schedule comes.
    let mut door = Kiosk::spawn(dir, "dorr-v", &sync, &["--clock", "2026-06-04 09:30"]);
    door.until("the morning meeting at the door", |k| {
        k.shown.last() == Some(&(morning.clone(), "open".to_string()))
    });
    writeln!(door.stdin, "state").unwrap();
    let state = loop {
        let line = door.next(Duration::from_secs(20)).expect("state answers");
        if !line["state"].is_null() {
            break line;
        }
    };
    assert_eq!(state["meeting"]["id"], morning.as_str(), "{state}");
    assert_eq!(state["meeting"]["start"], "09:00");
    assert_eq!(state["state"]["phase"], "item", "{state}");
    // A check-in goes into the morning meeting, centrally too.
    door.stored("open-picker");
    let tap = door.stored("pick Olof Lundberg");
    assert_eq!(
        tap.len(),
        1,
        "{}",
        std::fs::read_to_string(dir.join("dorr-v.log")).unwrap()
    );
    door.until("the check-in sent", |k| k.online() && k.unsent() == 0);
    // IT sees what the door shows. (A sync line written before the tap
    // may arrive after its answer: the central server's word counts.)
    let deadline = Instant::now() + Duration::from_secs(20);
    let devices = loop {
        let devices = cli(&["devices"]);
        if devices.contains("kvitterat t.o.m. 1") || Instant::now() > deadline {
            break devices;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(
        devices.starts_with(&format!(
            "dorr-v\trum vanern\taktiv\tvisar {morning}\tsenast 20"
        )),
        "{devices}"
    );
    assert!(devices.contains("ej skickade 0"), "{devices}");
    let db = motesskylt_central::db::SqliteDb::open(&dir.join("central.sqlite")).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let events = runtime
        .block_on(motesskylt_central::db::CentralDb::events(&db, &morning))
        .unwrap();
    assert_eq!(
        events.iter().map(|e| e.id.to_string()).collect::<Vec<_>>(),
        tap
    );

    // The secretary cancels the morning on the command line (another
    // process): the server notices within a second and the room's live
    // stream tells the door, which says so and refuses taps.
    cli(&["meeting", "cancel", &morning]);
    door.until("the cancellation at the door", |k| {
        k.shown.last() == Some(&(morning.clone(), "cancelled".to_string()))
    });
    writeln!(door.stdin, "open-picker").unwrap();
    let refused = loop {
        let line = door.next(Duration::from_secs(20)).expect("an answer");
        if !line["door"].is_null() {
            break line;
        }
    };
    assert_eq!(refused["door"], "cancelled", "{refused}");
    drop(door);

    // Offline from here on: the kiosk runs on what its store knows, and
    // moves on by itself (an hour of meeting time a second).
    central.kill();
    let mut door = Kiosk::spawn(
        dir,
        "dorr-v",
        &sync,
        &["--clock", "2026-06-04 11:40", "--speed", "3600"],
    );
    door.until("tomorrow's meeting named as the next", |k| {
        k.shown.last() == Some(&(tomorrow.clone(), "free".to_string()))
    });
    let seen: Vec<(&str, &str)> = door
        .shown
        .iter()
        .map(|(m, d)| (m.as_str(), d.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            (morning.as_str(), "cancelled"),
            (afternoon.as_str(), "free"),
            (afternoon.as_str(), "open"),
            (tomorrow.as_str(), "free"),
        ],
        "the door's day"
    );
    // Free: a tap is told that no meeting is on, and when tomorrow's opens.
    writeln!(door.stdin, "open-picker").unwrap();
    let free = loop {
        let line = door.next(Duration::from_secs(20)).expect("an answer");
        if !line["door"].is_null() {
            break line;
        }
    };
    assert_eq!(free["door"], "no_meeting", "{free}");
    drop(door);
    let mut door = Kiosk::spawn(dir, "dorr-v", &sync, &["--clock", "2026-06-05 10:10"]);
    door.until("the ready line", |k| !k.shown.is_empty());
    assert_eq!(door.shown[0], (tomorrow.clone(), "open".to_string()));
}

/// Issue 19: a control pressed at the door and one on the secretary's
/// pages at the same moment, each deciding on what it knew: once each has
/// heard of the other's, the door's `state` and the room's `now` on the
/// central server are one state (the same event log folded in the same
/// order), whichever came first.
#[test]
fn a_press_at_the_door_and_one_on_the_pages_at_once_end_in_one_state() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let central = Central::start_with(dir, 0, &["--clock", "2026-06-04 13:20"]);
    let config = Central::config(dir, central.port);
    let cli = |args: &[&str]| {
        let out = Command::new(BIN)
            .args(["central", "--config"])
            .arg(&config)
            .args(args)
            .env("MOTESSKYLT_PASSWORD", "ett långt lösenord")
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {out:?}");
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    let notice = notice();
    let id = cli(&[
        "meeting",
        "import",
        notice.to_str().unwrap(),
        "--room",
        "vanern",
    ]);
    cli(&["user", "anna", "--body", "SRO"]);
    let code = central.code("vanern");
    let sync = format!(
        "central = \"http://127.0.0.1:{}\"\nenrol_code = \"{code}\"\nbatch = 5\nidle_seconds = 60\nretry_max_seconds = 1\n",
        central.port
    );
    let mut door = Kiosk::spawn(dir, "dorr-v", &sync, &["--clock", "2026-06-04 13:20"]);
    door.until("the meeting at the door, online", |k| {
        k.online() && k.shown.last() == Some(&(id.clone(), "open".to_string()))
    });

    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let base = format!("http://127.0.0.1:{}", central.port);
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let (cookie, csrf) = runtime.block_on(async {
        let signed = http
            .post(format!("{base}/login"))
            .form(&[("name", "anna"), ("password", "ett långt lösenord")])
            .send()
            .await
            .unwrap();
        let cookie = signed.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string();
        let page = http
            .get(format!("{base}/meetings/{id}/control"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let at = page.find("name=\"csrf\" value=\"").unwrap() + 19;
        (cookie, page[at..at + 64].to_string())
    });
    let now = || -> Value {
        runtime.block_on(async {
            http.get(format!("{base}/api/v1/rooms/vanern/now"))
                .header("cookie", &cookie)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap()
        })
    };
    let door_state = |door: &mut Kiosk| -> Value {
        writeln!(door.stdin, "state").unwrap();
        loop {
            let line = door.next(Duration::from_secs(20)).expect("state answers");
            if !line["state"].is_null() {
                return line;
            }
        }
    };
    let same = |door: &Value, central: &Value, what: &str| {
        for field in ["phase", "projected_end", "next"] {
            assert_eq!(
                door["state"][field], central["state"][field],
                "{what}: {field}\ndoor: {door}\ncentral: {central}"
            );
        }
        assert_eq!(
            door["state"]["item"], central["state"]["item"],
            "{what}: item"
        );
        // The two processes' clocks started at 13.20 a moment apart.
        let left = |v: &Value| v["state"]["remaining_s"].as_i64().unwrap();
        assert!(
            (left(door) - left(central)).abs() <= 5,
            "{what}: remaining\ndoor: {door}\ncentral: {central}"
        );
    };

    let mut door_events = Central::count(dir, "dorr-v").0;
    for (round, (at_door, on_pages)) in [("next", "break"), ("next", "next"), ("end", "undo")]
        .into_iter()
        .enumerate()
    {
        let before = door.learned.len();
        // At once: the door's button and the secretary's press.
        writeln!(door.stdin, "{at_door}").unwrap();
        door.stdin.flush().unwrap();
        let pressed = runtime.block_on(async {
            http.post(format!("{base}/meetings/{id}/control"))
                .header("cookie", &cookie)
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("command", on_pages),
                    ("minutes", ""),
                ])
                .send()
                .await
                .unwrap()
                .status()
        });
        assert!(
            pressed.is_redirection() || pressed.as_u16() == 409,
            "{on_pages}: {pressed}"
        );
        // The door's answer says what it stored; then both sides have
        // heard of the other's press: the door's events in the central
        // store, the pages' among what the door learned.
        let stored = loop {
            let line = door
                .next(Duration::from_secs(20))
                .expect("the door answers");
            if let Some(stored) = line["stored"].as_array() {
                break stored.len() as i64;
            }
        };
        door_events += stored;
        let deadline = Instant::now() + Duration::from_secs(30);
        while Central::count(dir, "dorr-v").0 < door_events || door.learned.len() <= before {
            assert!(
                Instant::now() < deadline,
                "round {round}: the presses did not cross within 30 s"
            );
            door.next(Duration::from_millis(100));
        }
        // Each screen folds what happened by its own clock, and the two
        // processes' clocks started at 13.20 a moment apart: the later
        // press shows on the slower clock when that clock reaches it.
        let deadline = Instant::now() + Duration::from_secs(5);
        let (at_the_door, at_central) = loop {
            let (door_now, central_now) = (door_state(&mut door), now());
            let agree = ["phase", "item", "projected_end"]
                .iter()
                .all(|f| door_now["state"][f] == central_now["state"][f]);
            if agree || Instant::now() > deadline {
                break (door_now, central_now);
            }
            std::thread::sleep(Duration::from_millis(200));
        };
        same(
            &at_the_door,
            &at_central,
            &format!("round {round}: {at_door} at the door, {on_pages} on the pages"),
        );
    }
}

/// Issue 20, end to end: a committee's notice (members, deputies,
/// officials) on a central server and a headless kiosk of its room, the
/// secretary on the pages. A member with regrets gets the deputy of her
/// party before the start; an absent member's named deputy is proposed
/// and confirmed during item 1 and serves from item 2; a recusal for item
/// 3; a member leaving during item 3 and a deputy taking over at item 4.
/// At every step the kiosk's `state`, the central server's `now` and the
/// meeting page say the same quorum, and the minutes name who served for
/// whom and who was out of which item.
#[test]
fn a_committee_meeting_with_deputies_a_recusal_and_quorum_agrees_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let started = Instant::now();
    let central = Central::start_with(dir, 0, &["--clock", "2026-11-12 08:50"]);
    let config = Central::config(dir, central.port);
    let cli = |args: &[&str]| {
        let out = Command::new(BIN)
            .args(["central", "--config"])
            .arg(&config)
            .args(args)
            .env("MOTESSKYLT_PASSWORD", "ett långt lösenord")
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {out:?}");
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    let notice =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/notices/namnd-kallelse.md");
    let id = cli(&[
        "meeting",
        "import",
        notice.to_str().unwrap(),
        "--room",
        "bryggan",
    ]);
    cli(&["user", "petra", "--body", "Kulturnämnden"]);
    let code = central.code("bryggan");
    let sync = format!(
        "central = \"http://127.0.0.1:{}\"\nenrol_code = \"{code}\"\nbatch = 5\nidle_seconds = 60\nretry_max_seconds = 1\n[door]\npin = \"2468\"\n",
        central.port
    );
    // The kiosk's clock set to the central server's, a moment ahead.
    let lead = started.elapsed().as_secs() + 1;
    let clock = format!("2026-11-12 08:{:02}:{:02}", 50 + lead / 60, lead % 60);
    let mut door = Kiosk::spawn(dir, "dorr-b", &sync, &["--clock", &clock]);
    door.until("the committee's meeting at the door, online", |k| {
        k.online() && k.shown.last() == Some(&(id.clone(), "open".to_string()))
    });
    for name in [
        "Anna Berg",
        "Cecilia Dahl",
        "David Falk",
        "Lisa Ahl",
        "Mats Lind",
        "Nora Sund",
        "Olle Vik",
    ] {
        door.stored("open-picker");
        assert_eq!(door.stored(&format!("pick {name}")).len(), 1, "{name}");
    }

    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let base = format!("http://127.0.0.1:{}", central.port);
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let cookie = runtime.block_on(async {
        let signed = http
            .post(format!("{base}/login"))
            .form(&[("name", "petra"), ("password", "ett långt lösenord")])
            .send()
            .await
            .unwrap();
        signed.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string()
    });
    let get = |path: &str| -> String {
        runtime.block_on(async {
            http.get(format!("{base}{path}"))
                .header("cookie", &cookie)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        })
    };
    let page = || get(&format!("/meetings/{id}"));
    let csrf = {
        let page = page();
        let at = page.find("name=\"csrf\" value=\"").unwrap() + 19;
        page[at..at + 64].to_string()
    };
    let post = |path: &str, form: &[(&str, &str)]| -> (u16, String) {
        let mut fields = vec![("csrf", csrf.as_str())];
        fields.extend_from_slice(form);
        runtime.block_on(async {
            let answer = http
                .post(format!("{base}{path}"))
                .header("cookie", &cookie)
                .form(&fields)
                .send()
                .await
                .unwrap();
            (answer.status().as_u16(), answer.text().await.unwrap())
        })
    };
    // A press or a confirmation on the pages, then heard at the door.
    let on_pages = |door: &mut Kiosk, path: &str, form: &[(&str, &str)]| {
        let before = door.learned.len();
        let (status, body) = post(path, form);
        assert_eq!(status, 303, "{path} {form:?}: {body}");
        door.until("the pages' event at the door", |k| k.learned.len() > before);
    };
    let formal = format!("/meetings/{id}/formal");
    let control = format!("/meetings/{id}/control");
    // The door's taps travel to the central server and the pages' events
    // to the door: asked again (for at most 20 s) until both have them.
    let quorum_everywhere = |door: &mut Kiosk, present: i64, step: &str| {
        let deadline = Instant::now() + Duration::from_secs(20);
        let (at_door, central) = loop {
            writeln!(door.stdin, "state").unwrap();
            let at_door = loop {
                let line = door.next(Duration::from_secs(20)).expect("state answers");
                if !line["state"].is_null() {
                    break line;
                }
            };
            let central: Value = serde_json::from_str(&get("/api/v1/rooms/bryggan/now")).unwrap();
            let agree = at_door["state"]["quorum"] == central["state"]["quorum"]
                && central["state"]["quorum"]["present"] == present;
            if agree || Instant::now() > deadline {
                break (at_door, central);
            }
            std::thread::sleep(Duration::from_millis(200));
        };
        let quorum = &central["state"]["quorum"];
        assert_eq!(
            at_door["state"]["quorum"], *quorum,
            "{step}: door {at_door}"
        );
        assert_eq!(quorum["members"], 5, "{step}: {quorum}");
        assert_eq!(quorum["needed"], 3, "{step}: {quorum}");
        assert_eq!(quorum["present"], present, "{step}: {quorum}");
        assert_eq!(quorum["met"], present >= 3, "{step}: {quorum}");
        let said = if present >= 3 {
            "Beslutsför"
        } else {
            "Inte beslutsför"
        };
        let line = format!("{said}: {present} av 5 ledamöter (minst 3)");
        assert!(
            page().contains(&line),
            "{step}: the meeting page lacks {line}"
        );
    };

    // Before the start: Eva Grön sent regrets; Nora Sund of her party is
    // proposed, confirmed, and serves at once.
    quorum_everywhere(&mut door, 3, "before the start");
    let html = page();
    assert!(
        html.contains("Eva Grön är frånvarande: <strong>Nora Sund tjänstgör"),
        "{html}"
    );
    assert!(
        !html.contains("Bo Ek är frånvarande"),
        "Bo Ek is not absent before the start"
    );
    on_pages(
        &mut door,
        &formal,
        &[
            ("action", "serve"),
            ("deputy", "Nora Sund"),
            ("member", "Eva Grön"),
        ],
    );
    quorum_everywhere(&mut door, 4, "Nora Sund serves for Eva Grön");

    // Started: Bo Ek is absent; his named deputy is proposed; confirmed
    // during item 1, she serves from item 2.
    on_pages(
        &mut door,
        &control,
        &[("command", "start"), ("back", "meeting")],
    );
    let html = page();
    assert!(
        html.contains("Bo Ek är frånvarande: <strong>Lisa Ahl tjänstgör"),
        "{html}"
    );
    on_pages(
        &mut door,
        &formal,
        &[
            ("action", "serve"),
            ("deputy", "Lisa Ahl"),
            ("member", "Bo Ek"),
        ],
    );
    assert!(page().contains("Lisa Ahl ersätter Bo Ek <span class=\"muted\">(från nästa punkt)"));
    quorum_everywhere(&mut door, 4, "Lisa Ahl asked for during item 1");
    let (status, refused) = post(
        &formal,
        &[
            ("action", "serve"),
            ("deputy", "Mats Lind"),
            ("member", "Bo Ek"),
        ],
    );
    assert_eq!(status, 409);
    assert!(
        refused.contains("Lisa Ahl tjänstgör redan för Bo Ek"),
        "{refused}"
    );
    // David Falk reports a conflict of interest in item 3 at the door; the
    // secretary confirms it there with the PIN, and it travels to the
    // central server like any tap.
    assert!(
        door.stored("recuse David Falk | 3").is_empty(),
        "asks first"
    );
    assert_eq!(door.stored("pin 2468").len(), 1);
    let deadline = Instant::now() + Duration::from_secs(20);
    let recusal = loop {
        let events = get(&format!("/meetings/{id}/export/events"));
        if let Some(line) = events.lines().find(|l| l.contains("\"recused\"")) {
            break serde_json::from_str::<Value>(line).unwrap();
        }
        assert!(
            Instant::now() < deadline,
            "the recusal never reached the central server: {events}"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(recusal["person"], "David Falk");
    assert_eq!(recusal["item"], "3");
    assert_eq!(recusal["confirmed"], "pin");
    assert_eq!(recusal["device"], "dorr-b");
    on_pages(
        &mut door,
        &control,
        &[("command", "next"), ("back", "meeting")],
    );
    quorum_everywhere(&mut door, 5, "item 2: Lisa Ahl serves");

    // Item 3: David Falk is out of it; Cecilia Dahl leaves; Mats Lind of
    // her party takes over from item 4.
    on_pages(
        &mut door,
        &control,
        &[("command", "next"), ("back", "meeting")],
    );
    quorum_everywhere(&mut door, 4, "item 3: David Falk recused");
    // Leaving: a pick asks, a second one a few seconds later checks out.
    let pick = |door: &mut Kiosk, name: &str| -> Value {
        writeln!(door.stdin, "open-picker\npick {name}").unwrap();
        door.stdin.flush().unwrap();
        let mut seen = Vec::new();
        loop {
            let line = door
                .next(Duration::from_secs(20))
                .unwrap_or_else(|| panic!("the door does not answer; it said {seen:#?}"));
            if line["person"] == name && line["door"].is_string() {
                return line;
            }
            seen.push(line);
        }
    };
    // (Her check-in was a moment ago: a tap within 2 s would be a repeat.)
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(pick(&mut door, "Cecilia Dahl")["door"], "already_in");
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(pick(&mut door, "Cecilia Dahl")["door"], "checked_out");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !page().contains("Cecilia Dahl är frånvarande: <strong>Mats Lind tjänstgör") {
        assert!(
            Instant::now() < deadline,
            "no proposal for Cecilia Dahl: {}",
            page()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    quorum_everywhere(&mut door, 3, "item 3: Cecilia Dahl left");
    on_pages(
        &mut door,
        &formal,
        &[
            ("action", "serve"),
            ("deputy", "Mats Lind"),
            ("member", "Cecilia Dahl"),
        ],
    );
    quorum_everywhere(&mut door, 3, "Mats Lind asked for during item 3");
    on_pages(
        &mut door,
        &control,
        &[("command", "next"), ("back", "meeting")],
    );
    quorum_everywhere(&mut door, 5, "item 4: Mats Lind serves, David Falk back");
    on_pages(
        &mut door,
        &control,
        &[("command", "end"), ("back", "meeting")],
    );

    let minutes = get(&format!("/meetings/{id}/export/minutes"));
    assert!(minutes.contains("Närvarande: Anna Berg, Cecilia Dahl, David Falk, Lisa Ahl, Mats Lind, Nora Sund och Olle Vik.\n"), "{minutes}");
    assert!(
        minutes.contains("Frånvaro: Bo Ek, Eva Grön och Petra Ås.\n"),
        "{minutes}"
    );
    assert!(
        minutes.contains("Tjänstgörande ersättare: Lisa Ahl (ersätter Bo Ek), Mats Lind (ersätter Cecilia Dahl) och Nora Sund (ersätter Eva Grön).\n"),
        "{minutes}"
    );
    assert!(minutes.contains("Jäv punkt 3: David Falk.\n"), "{minutes}");
    assert!(
        minutes.contains(": Cecilia Dahl.\n") && minutes.contains("Lämnar mötet klockan"),
        "{minutes}"
    );
    let db = rusqlite::Connection::open(dir.join("central.sqlite")).unwrap();
    let audited: Vec<String> = db
        .prepare("SELECT who || ': ' || detail FROM audit WHERE action = 'formal' ORDER BY pos")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(audited.len(), 4, "{audited:?}");
    assert!(
        audited[1].starts_with("petra: Lisa Ahl tjänstgör för Bo Ek"),
        "{audited:?}"
    );
    assert_eq!(
        audited[2],
        "dorr-b: David Falk har jäv i punkt 3 (bekräftat vid dörren med PIN-koden)"
    );
}
