//! Issue 16, point 13: every answer of the central server carries the
//! pages' security headers (CSP, X-Frame-Options, nosniff), the plain 404
//! of an unknown address and the device API's errors included.

use std::sync::Arc;

use motesskylt_central::api::Now;
use motesskylt_central::config::ServerConfig;
use motesskylt_central::db::{AnyDb, SqliteDb};
use motesskylt_central::server;
use reqwest::StatusCode;

#[tokio::test]
async fn the_404_and_every_error_carry_the_security_headers() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let db = AnyDb::Sqlite(SqliteDb::open(&dir.path().join("central.sqlite")).unwrap());
    let config = ServerConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        ..ServerConfig::default()
    };
    let now: Now = Arc::new(chrono::Utc::now);
    let running = server::start(&config, db, now, std::future::pending())
        .await
        .unwrap();
    let base = format!("http://{}", running.addr);
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let answers = [
        (
            http.get(format!("{base}/no/such/page")),
            StatusCode::NOT_FOUND,
        ),
        (
            http.get(format!("{base}/api/v1/nothing")),
            StatusCode::NOT_FOUND,
        ),
        (
            http.post(format!("{base}/api/v1/events")).body("{}"),
            StatusCode::UNAUTHORIZED,
        ),
        (
            http.delete(format!("{base}/meetings")),
            StatusCode::METHOD_NOT_ALLOWED,
        ),
        (http.get(format!("{base}/login")), StatusCode::OK),
    ];
    for (request, status) in answers {
        let response = request.send().await.unwrap();
        let what = format!("{} {}", response.url(), response.status());
        assert_eq!(response.status(), status, "{what}");
        let headers = response.headers();
        assert_eq!(headers["x-frame-options"], "DENY", "{what}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{what}");
        assert!(
            headers["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("frame-ancestors 'none'"),
            "{what}"
        );
    }
    running.stop().await.unwrap();
}
