//! Backups of the central store, as the README's "Backups" says to take
//! and restore them: on SQLite `motesskylt central backup FILE` while the
//! server runs and pushes go on, the file put in a new server's place; on
//! PostgreSQL (`TEST_DATABASE_URL`; skipped with a notice without it)
//! `pg_dump -Fc` and `pg_restore` into a new database. The new server
//! has the meetings, events, devices, rooms and audit log the old one had
//! when the backup was taken, and its kiosk goes on pushing there.

mod common;

use std::path::Path;
use std::process::Command;

use common::{Server, database_url, meeting, server_time, wire};
use motesskylt_central::config::ServerConfig;
use motesskylt_central::db::{
    AnyDb, AuditEntry, CentralDb, DeviceRecord, MeetingEntry, PostgresDb, SqliteDb,
};
use motesskylt_core::model::meeting_key;
use motesskylt_core::wire::WireEvent;
use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

const BIN: &str = env!("CARGO_BIN_EXE_motesskylt");

/// What a restore must bring back.
#[derive(Debug, PartialEq)]
struct Contents {
    meetings: Vec<MeetingEntry>,
    events: Vec<WireEvent>,
    audit: Vec<AuditEntry>,
    devices: Vec<DeviceRecord>,
    rooms: Vec<String>,
}

impl Contents {
    async fn of(db: &AnyDb, key: &str) -> Contents {
        Contents {
            meetings: db.meetings().await.unwrap(),
            events: db.events(key).await.unwrap(),
            audit: db.audit_log(10_000).await.unwrap(),
            devices: db.devices().await.unwrap(),
            rooms: db.rooms().await.unwrap(),
        }
    }
}

/// A meeting, a kiosk with `events` check-ins pushed from seq `from`, and
/// audit lines: what a backup is taken of. Returns the kiosk's token.
async fn meeting_under_way(
    server: &Server,
    token: Option<String>,
    from: i64,
    events: i64,
) -> String {
    let meeting = meeting();
    let key = meeting_key(&meeting);
    let token = match token {
        Some(token) => token,
        None => {
            let token = server.enrol("rum-1", "dorr-1").await;
            let (status, body) = server
                .send(
                    server
                        .http
                        .put(server.url(&format!("/api/v1/meetings/{key}")))
                        .bearer_auth(&token)
                        .json(&meeting),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
            token
        }
    };
    for seq in from..from + events {
        let (status, body) = server
            .send(
                server
                    .http
                    .post(server.url("/api/v1/events"))
                    .bearer_auth(&token)
                    .json(&json!({"sent": server_time(), "events": [wire("dorr-1", seq, &key)]})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        server
            .db()
            .audit(&AuditEntry {
                at: server_time(),
                who: "anna".into(),
                action: "correction".into(),
                meeting: Some(key.clone()),
                detail: format!("rättelse {seq}: Helen Eliasson incheckad 12.55"),
            })
            .await
            .unwrap();
    }
    token
}

/// The kiosk pushes its next event to the restored server: its token, its
/// acknowledgement and the meeting's room are all there.
async fn goes_on(server: &Server, token: &str, seq: i64) {
    let key = meeting_key(&meeting());
    let (status, body) = server
        .send(
            server
                .http
                .post(server.url("/api/v1/events"))
                .bearer_auth(token)
                .json(&json!({"sent": server_time(), "events": [wire("dorr-1", seq, &key)]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["acked_seq"], seq,
        "the acknowledgement goes on from the backup's"
    );
}

fn config(dir: &Path) -> ServerConfig {
    ServerConfig {
        database: dir.join("central.sqlite"),
        secret_file: Some(dir.join("central.key")),
        ..ServerConfig::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_backup_taken_while_serving_restores_into_a_new_server() {
    let scratch = tempfile::tempdir().unwrap();
    let (old_dir, new_dir) = (scratch.path().join("old"), scratch.path().join("new"));
    std::fs::create_dir_all(&old_dir).unwrap();
    std::fs::create_dir_all(&new_dir).unwrap();
    let db = AnyDb::Sqlite(SqliteDb::open(&old_dir.join("central.sqlite")).unwrap());
    let old = Server::start(config(&old_dir), db, server_time).await;
    let token = meeting_under_way(&old, None, 1, 40).await;
    let key = meeting_key(&meeting());

    let toml = old_dir.join("central.toml");
    std::fs::write(
        &toml,
        format!(
            "[server]\nlisten = \"127.0.0.1:0\"\ndatabase = \"{}\"\n",
            old_dir.join("central.sqlite").display()
        ),
    )
    .unwrap();
    let backup = scratch.path().join("backups/central-2026-06-04.sqlite");
    let run = move |file: &Path| {
        Command::new(BIN)
            .args(["central", "--config"])
            .arg(&toml)
            .arg("backup")
            .arg(file)
            .output()
            .unwrap()
    };
    // Into a folder that is not there: said, and nothing left behind.
    let refused = run(&backup);
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("central-2026-06-04.sqlite"), "{said}");
    assert!(!backup.parent().unwrap().exists(), "nothing made");

    std::fs::create_dir_all(backup.parent().unwrap()).unwrap();
    // Onto a folder, or onto the store itself: refused, nothing written.
    for (wrong, said) in [
        (backup.parent().unwrap().to_path_buf(), "är en mapp"),
        (old_dir.join("central.sqlite"), "är centrallagringen själv"),
        (
            old_dir.join("central.sqlite-wal"),
            "är centrallagringen själv",
        ),
    ] {
        let refused = run(&wrong);
        assert_eq!(refused.status.code(), Some(1), "{refused:?}");
        let text = String::from_utf8_lossy(&refused.stderr);
        assert!(text.contains(said), "{text}");
    }
    assert_eq!(
        std::fs::read_dir(backup.parent().unwrap()).unwrap().count(),
        0
    );
    // An older backup of the same name is replaced.
    std::fs::write(&backup, "en gammal kopia").unwrap();
    // Pushes go on while the backup is taken.
    let busy = {
        let (http, url, token, key) = (
            old.http.clone(),
            old.url("/api/v1/events"),
            token.clone(),
            key.clone(),
        );
        tokio::spawn(async move {
            for seq in 41..=140 {
                let answer = http
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&json!({"sent": server_time(), "events": [wire("dorr-1", seq, &key)]}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(answer.status(), StatusCode::OK);
            }
        })
    };
    let taken = tokio::task::spawn_blocking({
        let backup = backup.clone();
        let run = run.clone();
        move || run(&backup)
    })
    .await
    .unwrap();
    busy.await.unwrap();
    assert!(taken.status.success(), "{taken:?}");
    let line = String::from_utf8(taken.stdout).unwrap();
    let names: Vec<_> = std::fs::read_dir(backup.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, [backup.file_name().unwrap()], "no partial copy left");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&backup).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "readable by its owner only");

    // Restored: the file in a new server's place. It holds the store as
    // it was at one moment: everything but some of the last pushes.
    std::fs::copy(&backup, new_dir.join("central.sqlite")).unwrap();
    std::fs::copy(old_dir.join("central.key"), new_dir.join("central.key")).unwrap();
    let db = AnyDb::Sqlite(SqliteDb::open(&new_dir.join("central.sqlite")).unwrap());
    let new = Server::start(config(&new_dir), db, server_time).await;
    let (was, is) = (
        Contents::of(old.db(), &key).await,
        Contents::of(new.db(), &key).await,
    );
    let n = is.events.len();
    assert!((40..=140).contains(&n), "{n} events in the backup");
    assert_eq!(
        is.events,
        was.events[..n],
        "the first {n} events, each whole"
    );
    assert_eq!(
        (&is.meetings, &is.audit, &is.rooms),
        (&was.meetings, &was.audit, &was.rooms)
    );
    let names = |c: &Contents| {
        c.devices
            .iter()
            .map(|d| (d.name.clone(), d.room.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&is), names(&was));
    assert!(
        line.contains(&format!(
            "möten: 1, händelser: {n}, rader i loggen: {}",
            was.audit.len()
        )),
        "{line}"
    );
    goes_on(&new, &token, n as i64 + 1).await;
    old.running.stop().await.unwrap();
    new.running.stop().await.unwrap();
}

/// `pg_dump` or `pg_restore` as the README gives them.
fn pg(program: &str, args: &[&str]) {
    let out = Command::new(program).args(args).output().unwrap();
    assert!(out.status.success(), "{program} {args:?}: {out:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pg_dump_restores_into_a_new_server() {
    let Some(url) = database_url("a_pg_dump_restores_into_a_new_server") else {
        return;
    };
    let suffix = Uuid::now_v7().simple().to_string();
    let (from, to) = (format!("t_backup_{suffix}"), format!("t_restore_{suffix}"));
    let admin = common::admin(&url).await;
    // One statement each: CREATE DATABASE runs outside a transaction.
    for name in [&from, &to] {
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap();
    }
    let in_database = |name: &str| common::url_of_database(&url, None, name);
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path();
    let key = meeting_key(&meeting());

    let db = AnyDb::Postgres(PostgresDb::connect(&in_database(&from)).await.unwrap());
    let old = Server::start(config(dir), db, server_time).await;
    let token = meeting_under_way(&old, None, 1, 40).await;
    let dump = dir.join("central.dump");
    pg(
        "pg_dump",
        &["-Fc", "-f", dump.to_str().unwrap(), &in_database(&from)],
    );
    let at_backup = Contents::of(old.db(), &key).await;
    meeting_under_way(&old, Some(token.clone()), 41, 5).await;
    old.running.stop().await.unwrap();

    pg(
        "pg_restore",
        &[
            "--no-owner",
            "--exit-on-error",
            "--single-transaction",
            "-d",
            &in_database(&to),
            dump.to_str().unwrap(),
        ],
    );
    let db = AnyDb::Postgres(PostgresDb::connect(&in_database(&to)).await.unwrap());
    let new = Server::start(config(dir), db, server_time).await;
    assert_eq!(Contents::of(new.db(), &key).await, at_backup);
    assert_eq!(at_backup.events.len(), 40);
    goes_on(&new, &token, 41).await;
    new.running.stop().await.unwrap();
    for name in [&from, &to] {
        admin
            .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
            .await
            .unwrap();
    }
}
