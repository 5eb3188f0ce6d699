//! Issue 16, point 13: every answer of the central server carries the
//! pages' security headers (CSP, X-Frame-Options, nosniff), the plain 404
//! of an unknown address and the device API's errors included.

mod common;

use motesskylt_central::config::ServerConfig;
use reqwest::StatusCode;

#[tokio::test]
async fn the_404_and_every_error_carry_the_security_headers() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::Server::start(
        ServerConfig::default(),
        common::sqlite(dir.path()),
        chrono::Utc::now,
    )
    .await;
    let (http, base) = (&server.http, &server.base);
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
    server.running.stop().await.unwrap();
}
