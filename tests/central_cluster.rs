//! Two central servers on one PostgreSQL database (`TEST_DATABASE_URL`,
//! e.g. postgres://postgres@127.0.0.1/test; skipped with a notice without
//! it; `.ci/run` runs it), as behind a load balancer: a session opened on
//! one is good on the other and outlives its server, a sign-in limit
//! reached on one holds on the other, and a push taken by one reaches a
//! live stream on the other within a second.

mod common;

use std::time::{Duration, Instant};

use common::{PASSWORD, Server, add_users, database_url, drop_schema, meeting, server_time, wire};
use motesskylt_central::config::ServerConfig;
use motesskylt_central::db::{AnyDb, PostgresDb, Role};
use motesskylt_core::model::meeting_key;
use reqwest::StatusCode;
use reqwest::header::COOKIE;
use serde_json::json;
use uuid::Uuid;

/// A server on the test's schema; both share the enrolment codes' key, as
/// the servers of one installation must.
async fn server(url: &str, schema: &str, dir: &std::path::Path) -> Server {
    let db = PostgresDb::connect_in_schema(url, Some(schema))
        .await
        .unwrap();
    let config = ServerConfig {
        secret_file: Some(dir.join("central.key")),
        ..ServerConfig::default()
    };
    Server::start(config, AnyDb::Postgres(db), server_time).await
}

/// A sign-in of `name` through the trusted proxy for the client `ip`.
async fn sign_in(server: &Server, ip: &str, name: &str, password: &str) -> reqwest::Response {
    server
        .http
        .post(server.url("/login"))
        .header("x-forwarded-for", ip)
        .form(&[("name", name), ("password", password)])
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_share_sessions_limits_and_live_changes() {
    let Some(url) = database_url("two_servers_share_sessions_limits_and_live_changes") else {
        return;
    };
    let schema = format!("t_cluster_{}", Uuid::now_v7().simple());
    let dir = tempfile::tempdir().unwrap();
    let a = server(&url, &schema, dir.path()).await;
    let b = server(&url, &schema, dir.path()).await;
    add_users(a.db(), &[("anna", Role::Secretary, vec!["SRO"])]).await;

    // Signed in on one, the session is good on the other.
    let session = a.sign_in("anna").await;
    let page = |server: &Server| {
        server
            .http
            .get(server.url("/meetings"))
            .header(COOKIE, &session.cookie)
            .send()
    };
    assert_eq!(page(&b).await.unwrap().status(), StatusCode::OK);
    // And outlives the server that opened it.
    a.running.stop().await.unwrap();
    let a = server(&url, &schema, dir.path()).await;
    assert_eq!(page(&a).await.unwrap().status(), StatusCode::OK);
    let out = b
        .http
        .post(b.url("/logout"))
        .header(COOKIE, &session.cookie)
        .form(&[("csrf", session.csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        page(&a).await.unwrap().status(),
        StatusCode::SEE_OTHER,
        "signed out on one, out on both"
    );

    // Five failures on one: the right password waits on the other too.
    let stranger = "203.0.113.9";
    for _ in 0..5 {
        let failed = sign_in(&a, stranger, "anna", "fel lösenord!").await;
        assert_eq!(failed.status(), StatusCode::UNAUTHORIZED);
    }
    let right = sign_in(&b, stranger, "anna", PASSWORD).await;
    assert_eq!(right.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(
        right
            .text()
            .await
            .unwrap()
            .contains("Försök igen om 15 minuter")
    );
    let elsewhere = sign_in(&b, "198.51.100.7", "anna", PASSWORD).await;
    assert_eq!(elsewhere.status(), StatusCode::SEE_OTHER);

    // A kiosk enrolled on one listens on the other; a push to the first
    // reaches it within a second.
    let token = a.enrol("rum-1", "dorr-1").await;
    let meeting = meeting();
    let key = meeting_key(&meeting);
    let (status, _) = a
        .send(
            a.http
                .put(a.url(&format!("/api/v1/meetings/{key}")))
                .bearer_auth(&token)
                .json(&meeting),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let mut live = b
        .http
        .get(b.url("/api/v1/live?events=0&meetings=0"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), StatusCode::OK);
    // Behind its cursor: told at once.
    let first = live.chunk().await.unwrap().unwrap();
    assert!(String::from_utf8_lossy(&first).contains("event: sync"));
    // The meeting's arrival may still come through the schedules' watch
    // (a second's poll): past it, only a push wakes the stream.
    while tokio::time::timeout(Duration::from_millis(2500), live.chunk())
        .await
        .is_ok()
    {}
    let (status, body) = a
        .send(
            a.http
                .post(a.url("/api/v1/events"))
                .bearer_auth(&token)
                .json(&json!({"sent": server_time(), "events": [wire("dorr-1", 1, &key)]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let pushed = Instant::now();
    let told = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            let chunk = live.chunk().await.unwrap().unwrap();
            if String::from_utf8_lossy(&chunk).contains("event: sync") {
                return pushed.elapsed();
            }
        }
    })
    .await
    .expect("the other server's live stream heard of the push");
    assert!(
        told < Duration::from_secs(1),
        "heard {told:?} after the push"
    );
    drop(live);
    a.running.stop().await.unwrap();
    b.running.stop().await.unwrap();
    drop_schema(&url, &schema).await;
}

/// Upgrades one server at a time: a newer release's migration that
/// expands leaves an older server running and able to start again; one
/// that contracts makes the older refuse to start, saying why. Servers
/// starting at once on a new database take turns at the migrations.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_server_runs_on_an_expanded_schema_and_refuses_a_contracted_one() {
    let Some(url) = database_url("an_older_server_runs_on_an_expanded_schema") else {
        return;
    };
    let schema = format!("t_upgrade_{}", Uuid::now_v7().simple());
    let older = motesskylt_central::db::postgres::MIGRATIONS;
    // The schema itself first (tests only: a server's schema is public).
    common::admin(&url)
        .await
        .batch_execute(&format!("CREATE SCHEMA \"{schema}\""))
        .await
        .unwrap();
    let (one, two) = tokio::join!(
        PostgresDb::connect_release(&url, Some(&schema), 2, older),
        PostgresDb::connect_release(&url, Some(&schema), 2, older),
    );
    let (one, _two) = (one.unwrap(), two.unwrap());
    let dir = tempfile::tempdir().unwrap();
    let config = ServerConfig {
        secret_file: Some(dir.path().join("central.key")),
        ..ServerConfig::default()
    };
    let old = Server::start(config, AnyDb::Postgres(one), server_time).await;
    let token = old.enrol("rum-1", "dorr-1").await;
    let meeting = meeting();
    let key = meeting_key(&meeting);
    let put = old
        .http
        .put(old.url(&format!("/api/v1/meetings/{key}")))
        .bearer_auth(&token)
        .json(&meeting);
    assert_eq!(old.send(put).await.0, StatusCode::OK);
    let push = |seq: i64| {
        old.http
            .post(old.url("/api/v1/events"))
            .bearer_auth(&token)
            .json(&json!({"sent": server_time(), "events": [wire("dorr-1", seq, &key)]}))
    };
    assert_eq!(old.send(push(1)).await.0, StatusCode::OK);

    // The next release adds a column, and the older server goes on.
    let mut expanded = older.to_vec();
    expanded.push("ALTER TABLE events ADD COLUMN reader_note text NOT NULL DEFAULT ''");
    PostgresDb::connect_release(&url, Some(&schema), 1, &expanded)
        .await
        .unwrap();
    let (status, body) = old.send(push(2)).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the older server after the expansion: {body}"
    );
    assert_eq!(body["acked_seq"], 2);
    PostgresDb::connect_release(&url, Some(&schema), 1, older)
        .await
        .expect("the older release starts on the expanded schema");

    // The release after removes it: the older one may no longer start.
    let mut contracted = expanded.clone();
    contracted.push("-- contract: reader_note is read by no release since the last\nALTER TABLE events DROP COLUMN reader_note");
    PostgresDb::connect_release(&url, Some(&schema), 1, &contracted)
        .await
        .unwrap();
    let refused = PostgresDb::connect_release(&url, Some(&schema), 1, older)
        .await
        .expect_err("the older release refuses a contracted schema")
        .to_string();
    let (newest, known) = (older.len() + 2, older.len());
    for said in [
        format!("databasens schema (version {newest}) kommer från motesskylt "),
        format!("schema {known}): installera motesskylt "),
    ] {
        assert!(refused.contains(&said), "{refused}");
    }
    PostgresDb::connect_release(&url, Some(&schema), 1, &expanded)
        .await
        .expect_err("nor the release that expanded it");
    old.running.stop().await.unwrap();
    drop_schema(&url, &schema).await;
}
