//! `GET /metrics`: the server's counters in Prometheus' text format, for
//! the configured bearer token (`metrics_token`) or an administrator
//! signed in to the pages. Anyone else gets 401 when a token is set
//! (naming the scheme) and 404 when none is.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{PageError, Signed, WebState};
use crate::db::CentralDb;
use crate::secret;

/// `GET /metrics`.
pub async fn metrics(
    State(state): State<WebState>,
    headers: HeaderMap,
    signed: Result<Signed, PageError>,
) -> Result<Response, PageError> {
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let by_token = match (&state.app.metrics_token, presented) {
        // Compared as hashes: no early exit on the first wrong character.
        (Some(expected), Some(token)) => secret::hash_exact(token) == *expected,
        _ => false,
    };
    let by_admin = signed.as_ref().is_ok_and(Signed::is_admin);
    if !(by_token || by_admin) {
        if state.app.metrics_token.is_some() {
            return Ok((
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer realm=\"motesskylt\"")],
                "/metrics: nyckel saknas eller är fel (Authorization: Bearer …)\n",
            )
                .into_response());
        }
        return Err(PageError::NotFound);
    }
    let devices = state.app.db.devices().await?;
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.app.metrics.render(&devices),
    )
        .into_response())
}
