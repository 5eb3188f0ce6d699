//! The secretary's pages, served by the central server beside the device
//! API: sign-in, the meetings, importing a notice, the meeting page with
//! its live attendance board, corrections, exports, and (for
//! administrators) kiosks, rooms and the audit log.
//!
//! Server-rendered HTML (maud), no JavaScript framework: a small script
//! refreshes the live parts. Every page but sign-in needs a session; every
//! form carries the session's CSRF token; a secretary sees only their
//! bodies' meetings (another body's meeting is "not found").
//!
//! - [`auth`]: passwords, sessions, the sign-in limit;
//! - [`layout`]: the frame, the style, the live script;
//! - [`signin`], [`meetings`], [`import`], [`cards`], [`admin`]: the pages;
//! - [`metrics`]: `/metrics` for Prometheus.

pub mod admin;
pub mod auth;
pub mod cards;
pub mod control;
pub mod formal;
pub mod import;
pub mod layout;
pub mod meetings;
pub mod metrics;
pub mod remote;
pub mod room;
pub mod schedule;
pub mod signin;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono_tz::Tz;
use maud::html;
use thiserror::Error;
use tower_http::timeout::TimeoutLayer;

use crate::db::{AuditEntry, CentralDb, DbError};
use crate::state::AppState;
use auth::{COOKIE, Sessions, SignInLimiter, Viewer};
use layout::{Section, page, tr};
use motesskylt_core::model::time::Lang;

/// The language cookie's name.
const LANG_COOKIE: &str = "motesskylt_lang";

/// The largest notice upload.
const UPLOAD_BYTES: usize = 10 * 1024 * 1024;

/// What the pages share.
#[derive(Clone)]
pub struct WebState {
    /// The server's state (storage, changes, clock).
    pub app: AppState,
    /// Open sessions.
    pub sessions: Sessions,
    /// Failed sign-ins.
    pub limiter: SignInLimiter,
    /// How long an enrolment code made on the pages stays valid.
    pub code_valid_hours: i64,
    /// The meetings' time zone.
    pub tz: Tz,
    /// Password checks running at once (each takes memory).
    pub hashing: Arc<tokio::sync::Semaphore>,
    /// Notices read at once ([`import::IMPORTS_AT_ONCE`]).
    pub imports: Arc<tokio::sync::Semaphore>,
    /// Where the region publishes its accessibility statement
    /// (`accessibility_statement`): every page links to it.
    pub statement: Option<Arc<str>>,
}

impl WebState {
    /// The pages' state over the server's.
    pub fn new(app: AppState, code_valid_hours: i64, tz: Tz) -> WebState {
        WebState {
            sessions: Sessions::new(app.db.clone()),
            limiter: SignInLimiter::new(app.db.clone()),
            app,
            code_valid_hours,
            tz,
            hashing: Arc::new(tokio::sync::Semaphore::new(4)),
            imports: Arc::new(tokio::sync::Semaphore::new(import::IMPORTS_AT_ONCE)),
            statement: None,
        }
    }

    /// Every page links to the accessibility statement at `url`.
    pub fn with_statement(mut self, url: Option<&str>) -> WebState {
        self.statement = url.map(Arc::from);
        self
    }

    /// Appends to the audit log. Called before the action it records: an
    /// action that cannot be audited is refused (a failure after the
    /// entry leaves an entry for an attempt, never an action unaudited).
    async fn audit(
        &self,
        who: &str,
        action: &str,
        meeting: Option<&str>,
        detail: String,
    ) -> Result<(), PageError> {
        self.app
            .db
            .audit(&AuditEntry {
                at: (self.app.now)(),
                who: who.to_string(),
                action: action.to_string(),
                meeting: meeting.map(str::to_string),
                detail,
            })
            .await?;
        Ok(())
    }
}

/// Why a page could not be shown.
#[derive(Debug, Error)]
pub enum PageError {
    /// Not signed in (or the session ended).
    #[error("logga in först")]
    SignIn,
    /// No such thing, or not theirs to see.
    #[error("sidan finns inte, eller hör till ett organ du inte arbetar för")]
    NotFound,
    /// Administrators only.
    #[error("den här sidan är till för administratörer")]
    AdminOnly,
    /// A form without this session's CSRF token.
    #[error("formuläret har gått ut; ladda om sidan och försök igen")]
    Csrf,
    /// A bad request, said in words.
    #[error("{0}")]
    Bad(String),
    /// A bad request, said in Swedish and in English.
    #[error("{sv}")]
    Refused {
        /// In Swedish.
        sv: String,
        /// In English.
        en: String,
    },
    /// The storage failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// An export failed.
    #[error(transparent)]
    Export(#[from] motesskylt_export::ExportError),
    /// No randomness.
    #[error(transparent)]
    Random(#[from] crate::secret::RandomError),
}

impl From<auth::SessionError> for PageError {
    fn from(error: auth::SessionError) -> PageError {
        match error {
            auth::SessionError::Random(e) => PageError::Random(e),
            auth::SessionError::Db(e) => PageError::Db(e),
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let status = match &self {
            PageError::SignIn => return Redirect::to("/login").into_response(),
            PageError::NotFound => StatusCode::NOT_FOUND,
            PageError::AdminOnly | PageError::Csrf => StatusCode::FORBIDDEN,
            PageError::Bad(_) | PageError::Refused { .. } => StatusCode::BAD_REQUEST,
            PageError::Db(e) => {
                tracing::error!(%e, "page failed");
                StatusCode::SERVICE_UNAVAILABLE
            }
            PageError::Export(_) | PageError::Random(_) => {
                tracing::error!(error = %self, "page failed");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        let lang = layout::FRAME.try_with(|f| f.lang).unwrap_or_default();
        // What has no English words is said in Swedish, marked so (3.1.2).
        let (text, said_in) = match (&self, lang) {
            (PageError::NotFound, Lang::En) => (
                "The page does not exist, or belongs to a body you do not work for.".to_string(),
                Lang::En,
            ),
            (PageError::AdminOnly, Lang::En) => {
                ("This page is for administrators.".to_string(), Lang::En)
            }
            (PageError::Csrf, Lang::En) => (
                "The form has expired; reload the page and try again.".to_string(),
                Lang::En,
            ),
            (PageError::Refused { en, .. }, Lang::En) => (en.clone(), Lang::En),
            (PageError::Db(_), Lang::En) => (
                "The central store does not answer; try again in a moment.".to_string(),
                Lang::En,
            ),
            _ => (self.to_string(), Lang::Sv),
        };
        let body = page(
            lang,
            tr(lang, "Fel", "Error"),
            None,
            Section::SignIn,
            html! {
                h1 { (status.as_u16()) }
                p.notice.error role="alert" lang=(said_in.code()) { (text) }
                p { a href="/meetings" { (tr(lang, "Till mötena", "To the meetings")) } }
            },
        );
        (status, axum::response::Html(body.into_string())).into_response()
    }
}

/// Handles a request with its pages' frame at hand ([`layout::FRAME`]):
/// a layer over every route, the unknown addresses' 404 included.
pub async fn with_frame(
    axum::extract::State(state): axum::extract::State<WebState>,
    Language(lang): Language,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let frame = layout::Frame {
        lang,
        statement: state.statement.clone(),
    };
    layout::FRAME.scope(frame, next.run(request)).await
}

/// The meeting `key` if the viewer may see it; "not found" otherwise, so
/// another body's meetings are not even confirmed to exist.
pub async fn visible(
    state: &WebState,
    signed: &Signed,
    key: &str,
) -> Result<crate::db::MeetingEntry, PageError> {
    state
        .app
        .db
        .meeting(key)
        .await?
        .filter(|m| signed.viewer.may_see(&m.meeting.body))
        .ok_or(PageError::NotFound)
}

/// A meeting's address (`/meetings/Göteborg-2026-06-04` percent-encoded,
/// as a Location header must be ASCII).
pub fn meeting_path(key: &str) -> String {
    format!("/meetings/{}", percent_encode(key))
}

/// `text` percent-encoded for an address or a header (RFC 3986's
/// unreserved characters as they are).
pub(crate) fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A cookie's value.
fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The reader's language (the cookie; Swedish first).
#[derive(Debug, Clone, Copy)]
pub struct Language(pub Lang);

impl<S: Send + Sync> FromRequestParts<S> for Language {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Language(
            cookie(&parts.headers, LANG_COOKIE)
                .and_then(|v| v.parse().ok())
                .unwrap_or_default(),
        ))
    }
}

/// A signed-in reader: every page but sign-in takes one.
pub struct Signed {
    /// Who.
    pub viewer: Viewer,
    /// In which language.
    pub lang: Lang,
}

impl Signed {
    /// Refuses a form without this session's CSRF token.
    pub fn check(&self, csrf: &str) -> Result<(), PageError> {
        // Compared as hashes: no early exit on the first wrong character.
        use crate::secret::hash;
        if !csrf.is_empty() && hash(csrf) == hash(&self.viewer.csrf) {
            Ok(())
        } else {
            Err(PageError::Csrf)
        }
    }

    /// A whole page for this reader: `title`, their navigation with
    /// `section` current, and `body`.
    pub fn page(&self, title: &str, section: Section, body: maud::Markup) -> Response {
        html_page(page(self.lang, title, Some(&self.viewer), section, body))
    }

    /// Whether they are an administrator.
    pub fn is_admin(&self) -> bool {
        self.viewer.is_admin()
    }

    /// Refuses anyone but an administrator.
    pub fn admin(&self) -> Result<(), PageError> {
        if self.viewer.is_admin() {
            Ok(())
        } else {
            Err(PageError::AdminOnly)
        }
    }
}

impl FromRequestParts<WebState> for Signed {
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &WebState,
    ) -> Result<Self, Self::Rejection> {
        let Language(lang) = Language::from_request_parts(parts, state)
            .await
            .unwrap_or(Language(Lang::Sv));
        let token = cookie(&parts.headers, COOKIE).ok_or(PageError::SignIn)?;
        let found = state
            .sessions
            .find(token, (state.app.now)())
            .await?
            .ok_or(PageError::SignIn)?;
        let user = state
            .app
            .db
            .user(&found.user)
            .await?
            .filter(|u| found.same_password(&u.password_hash))
            .ok_or(PageError::SignIn)?;
        Ok(Signed {
            viewer: Viewer {
                user,
                csrf: found.csrf,
            },
            lang,
        })
    }
}

/// An HTML page as a response.
fn html_page(markup: maud::Markup) -> Response {
    axum::response::Html(markup.into_string()).into_response()
}

/// The pages' routes.
pub fn router(state: WebState, timeout: Duration) -> Router {
    let timed = Router::new()
        .route("/", get(|| async { Redirect::to("/meetings") }))
        .route("/login", get(signin::form).post(signin::submit))
        .route("/logout", post(signin::sign_out))
        .route("/lang/{lang}", get(signin::language))
        .route("/meetings", get(meetings::list))
        .route("/meetings/{key}", get(meetings::show))
        .route("/meetings/{key}/board", get(meetings::board))
        .route("/meetings/{key}/corrections", post(meetings::correct))
        .route("/meetings/{key}/formal", post(formal::submit))
        .route("/remote/{key}", get(remote::show).post(remote::check_in))
        .route("/meetings/{key}/move", post(schedule::move_meeting))
        .route(
            "/meetings/{key}/control",
            get(control::page).post(control::press),
        )
        .route("/meetings/{key}/control/panel", get(control::panel))
        .route("/meetings/{key}/message", post(control::post_message))
        .route(
            "/meetings/{key}/message/withdraw",
            post(control::withdraw_message),
        )
        .route("/meetings/{key}/cancel", post(schedule::cancel_meeting))
        .route(
            "/meetings/{key}/corrections/withdraw",
            post(meetings::withdraw),
        )
        .route("/meetings/{key}/export/{format}", get(meetings::export))
        .route(
            "/import",
            get(import::form)
                .post(import::upload)
                .layer(DefaultBodyLimit::max(UPLOAD_BYTES)),
        )
        .route("/import/save", post(import::save))
        .route("/cards", get(cards::list))
        .route("/cards/revoke", post(cards::revoke))
        .route("/cards/expect", post(cards::expect))
        .route("/devices", get(admin::devices))
        .route("/devices/code", post(admin::new_code))
        .route("/devices/{name}/revoke", post(admin::revoke))
        .route("/rooms", get(admin::rooms).post(admin::add_room))
        .route("/rooms/{room}", get(room::room_page))
        .route("/rooms/{room}/access", post(room::set_access))
        .route("/rooms/{room}/tokens", post(room::new_token))
        .route("/rooms/{room}/tokens/revoke", post(room::revoke_token))
        .route("/rooms/{room}/screen", get(room::screen))
        .route("/rooms/{room}/screen/part", get(room::screen_part))
        .route("/rooms/{room}/calendar.ics", get(room::calendar))
        .route("/api/v1/rooms/{room}/now", get(room::now_json))
        .route("/api/v1/rooms/{room}/control", post(room::control_api))
        .route("/audit", get(admin::audit))
        .route("/metrics", get(metrics::metrics))
        .route(
            "/assets/style.css",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
                    layout::STYLE,
                )
            }),
        )
        .route(
            "/assets/screen.css",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
                    room::SCREEN_STYLE,
                )
            }),
        )
        .route(
            "/assets/live.js",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
                    layout::LIVE,
                )
            }),
        )
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ));
    Router::new()
        .route("/meetings/{key}/live", get(meetings::live))
        .route("/rooms/{room}/screen/live", get(room::screen_live))
        .merge(timed)
        .route("/favicon.ico", get(|| async { StatusCode::NO_CONTENT }))
        .layer(axum::middleware::map_response(secure_headers))
        .with_state(state)
}

/// Headers every page gets: no framing, no sniffing, scripts only from
/// this server, nothing cached. The central server puts them on every
/// answer (the 404 of an unknown address and the API's errors too).
pub async fn secure_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in [
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; script-src 'self'; style-src 'self'; frame-ancestors 'none'; form-action 'self'",
        ),
    ] {
        headers.insert(name, header::HeaderValue::from_static(value));
    }
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(header::HeaderValue::from_static("no-store"));
    response
}
