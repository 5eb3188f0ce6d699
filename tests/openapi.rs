//! Keeps `docs/api/openapi.yaml` honest. The OpenAPI file is written by
//! hand, so nothing else notices when a route or an error code is added to
//! `crates/central/src/api.rs` (or removed) and the document is not. This test
//! reads both as text and fails when they drift apart:
//!
//! - every `.route("…")` in the code is a path under `paths:` in the
//!   document, and every documented path is a route;
//! - every error code the API can answer with (`Failure::new(StatusCode::…,
//!   "code", …)` and the `json_failure` mapping) appears in the document.
//!
//! It does not check schemas or status codes; those are for review.

use std::collections::BTreeSet;
use std::path::Path;

use regex::Regex;

fn read(relative: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The paths the router serves. axum writes parameters as `{key}`, as
/// OpenAPI does, so no conversion is needed.
fn routes(api: &str) -> BTreeSet<String> {
    Regex::new(r#"\.route\(\s*"([^"]+)""#)
        .unwrap()
        .captures_iter(api)
        .map(|c| c[1].to_string())
        .collect()
}

/// The error codes the API answers with.
fn error_codes(api: &str) -> BTreeSet<String> {
    let failures = Regex::new(r#"Failure::new\(\s*StatusCode::[A-Z_]+,\s*"([a-z_]+)""#).unwrap();
    // `json_failure`: `StatusCode::PAYLOAD_TOO_LARGE => "too_large",` and `_ => "bad_request"`.
    let mapped = Regex::new(r#"(?:StatusCode::[A-Z_]+|_)\s*=>\s*"([a-z_]+)""#).unwrap();
    failures
        .captures_iter(api)
        .chain(mapped.captures_iter(api))
        .map(|c| c[1].to_string())
        .collect()
}

/// The keys under the document's top-level `paths:` (lines `  /path:`).
fn documented_paths(yaml: &str) -> BTreeSet<String> {
    let key = Regex::new(r"^  (/\S*):\s*$").unwrap();
    yaml.lines()
        .skip_while(|line| *line != "paths:")
        .skip(1)
        .take_while(|line| line.is_empty() || line.starts_with(' ') || line.starts_with('#'))
        .filter_map(|line| key.captures(line).map(|c| c[1].to_string()))
        .collect()
}

/// The API's routes: the device API's, and the room's under `/api/` that
/// the pages' router serves (they take a session as well as a token).
fn api_routes() -> BTreeSet<String> {
    let mut all = routes(&read("crates/central/src/api.rs"));
    all.extend(
        routes(&read("crates/central/src/web/mod.rs"))
            .into_iter()
            .filter(|r| r.starts_with("/api/")),
    );
    all
}

#[test]
fn the_openapi_document_lists_exactly_the_routes_of_the_code() {
    let code = api_routes();
    let documented = documented_paths(&read("docs/api/openapi.yaml"));
    assert!(code.len() >= 7, "found too few routes in api.rs: {code:?}");
    let undocumented: Vec<_> = code.difference(&documented).collect();
    let stale: Vec<_> = documented.difference(&code).collect();
    assert!(
        undocumented.is_empty(),
        "routes missing from docs/api/openapi.yaml: {undocumented:?}"
    );
    assert!(
        stale.is_empty(),
        "paths in docs/api/openapi.yaml that the router does not serve: {stale:?}"
    );
}

#[test]
fn the_openapi_document_names_every_error_code() {
    let mut codes = error_codes(&read("crates/central/src/api.rs"));
    // The room's: `fail(StatusCode::…, "code", …)` and the refusals'
    // `(StatusCode::…, "code", …)`.
    let room = read("crates/central/src/web/room.rs");
    let room_codes = Regex::new(r#"StatusCode::[A-Z_]+,\s*"([a-z_]+)""#).unwrap();
    let found: BTreeSet<String> = room_codes
        .captures_iter(&room)
        .map(|c| c[1].to_string())
        .collect();
    assert!(
        found.len() >= 6,
        "found too few error codes in room.rs: {found:?}"
    );
    codes.extend(found);
    let yaml = read("docs/api/openapi.yaml");
    assert!(
        codes.len() >= 10,
        "found too few error codes in api.rs: {codes:?}"
    );
    let missing: Vec<_> = codes
        .iter()
        .filter(|code| !Regex::new(&format!(r"\b{code}\b")).unwrap().is_match(&yaml))
        .collect();
    assert!(
        missing.is_empty(),
        "error codes missing from docs/api/openapi.yaml: {missing:?}"
    );
}
