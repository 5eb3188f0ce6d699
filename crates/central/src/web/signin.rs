//! Signing in and out, and the language switch.

use std::net::SocketAddr;

use axum::Form;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::auth::{COOKIE, hash_password, password_matches};
use super::layout::{Section, page, tr};
use super::{LANG_COOKIE, Language, PageError, Signed, WebState, cookie, html_page};
use crate::db::CentralDb;
use motesskylt_core::model::time::Lang;

/// The sign-in form; `problem` above it, and with `wrong` the fields
/// marked as what it is about (a wrong name or password, not a wait).
fn sign_in_page(lang: Lang, name: &str, problem: Option<&str>, wrong: bool) -> Markup {
    page(
        lang,
        tr(lang, "Logga in", "Sign in"),
        None,
        Section::SignIn,
        html! {
            section.card.narrow {
                h1 { (tr(lang, "Logga in", "Sign in")) }
                p.sub { (tr(lang, "Mötessekreterarens sidor för närvaro och protokoll.", "The meeting secretary's pages for attendance and minutes.")) }
                @let problems = match problem {
                    Some(text) => super::layout::Problems::one(lang, if wrong { &["name", "password"] } else { &[] }, text),
                    None => super::layout::Problems::new(lang),
                };
                (problems.summary(None, None))
                @let (wrong, why) = problems.on("password");
                form method="post" action="/login" {
                    label for="name" { (tr(lang, "Användarnamn", "User name")) }
                    input #name type="text" name="name" value=(name) autocomplete="username" required autofocus[problem.is_none()]
                        aria-invalid=[wrong] aria-describedby=[why.as_deref()];
                    label for="password" { (tr(lang, "Lösenord", "Password")) }
                    input #password type="password" name="password" autocomplete="current-password" required
                        aria-invalid=[wrong] aria-describedby=[why.as_deref()];
                    p { button type="submit" { (tr(lang, "Logga in", "Sign in")) } }
                }
            }
        },
    )
}

/// `GET /login`.
pub async fn form(Language(lang): Language) -> Response {
    html_page(sign_in_page(lang, "", None, false))
}

/// The sign-in form.
#[derive(Deserialize)]
pub struct Credentials {
    name: String,
    password: String,
}

/// `POST /login`: checks the password (at most five failures per name
/// from one address, and twenty per address, in 15 minutes; the address is
/// the client's behind a trusted proxy), opens a session and sets its
/// cookie.
pub async fn submit(
    State(state): State<WebState>,
    Language(lang): Language,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<Credentials>,
) -> Result<Response, PageError> {
    let now = (state.app.now)();
    let name = form.name.trim();
    let client = state.app.proxies.client(peer.ip(), &headers);
    if let Err(until) = state.limiter.attempt(client, name, now).await? {
        state
            .app
            .metrics
            .sign_in_failures
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        tracing::warn!(user = ?name, ip = %client, "sign-in refused: too many failures");
        let minutes = ((until - now).num_seconds() + 59) / 60;
        let text = match lang {
            Lang::Sv => {
                format!("För många misslyckade inloggningar. Försök igen om {minutes} minuter.")
            }
            Lang::En => format!("Too many failed sign-ins. Try again in {minutes} minutes."),
        };
        return Ok((
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, (minutes * 60).to_string())],
            axum::response::Html(sign_in_page(lang, name, Some(&text), false).into_string()),
        )
            .into_response());
    }
    let user = state.app.db.user(name).await?;
    let hash = user
        .as_ref()
        .map_or_else(|| decoy_hash().to_string(), |u| u.password_hash.clone());
    let password = form.password.clone();
    // Each check takes ~19 MiB for a moment: a few at a time.
    let matches = match state.hashing.acquire().await {
        Ok(_permit) => tokio::task::spawn_blocking(move || password_matches(&password, &hash))
            .await
            .unwrap_or(false),
        Err(_) => false,
    };
    let Some(user) = user.filter(|_| matches) else {
        tracing::warn!(user = ?name, ip = %client, "failed sign-in");
        state
            .app
            .metrics
            .sign_in_failures
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let text = tr(
            lang,
            "Fel användarnamn eller lösenord.",
            "Wrong user name or password.",
        );
        return Ok((
            StatusCode::UNAUTHORIZED,
            axum::response::Html(sign_in_page(lang, name, Some(text), true).into_string()),
        )
            .into_response());
    };
    if let Err(lost) = state.limiter.succeeded(client, name).await {
        tracing::warn!(%lost, user = ?name, "a sign-in still counts as a failure");
    }
    let token = state
        .sessions
        .open(&user.name, &user.password_hash, now)
        .await?;
    state
        .audit(
            &user.name,
            "sign_in",
            None,
            format!("inloggad från {client}"),
        )
        .await?;
    Ok((
        [(
            header::SET_COOKIE,
            format!(
                "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict{}",
                secure(&headers)
            ),
        )],
        Redirect::to("/meetings"),
    )
        .into_response())
}

/// An argon2 hash of a random password no one knows, checked when the
/// name is unknown so that the answer takes as long.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| {
        let password = crate::secret::new_token().unwrap_or_else(|_| "x".repeat(40));
        hash_password(&password).unwrap_or_default()
    })
}

/// `; Secure` when the page was reached over HTTPS through a proxy that
/// says so, so the cookie never travels in the clear.
fn secure(headers: &HeaderMap) -> &'static str {
    let https = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"));
    if https { "; Secure" } else { "" }
}

/// The sign-out form.
#[derive(Deserialize)]
pub struct SignOut {
    csrf: String,
}

/// `POST /logout`.
pub async fn sign_out(
    State(state): State<WebState>,
    signed: Signed,
    headers: HeaderMap,
    Form(form): Form<SignOut>,
) -> Result<Response, PageError> {
    signed.check(&form.csrf)?;
    if let Some(token) = cookie(&headers, COOKIE) {
        state.sessions.close(token).await?;
    }
    Ok((
        [(
            header::SET_COOKIE,
            format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
        )],
        Redirect::to("/login"),
    )
        .into_response())
}

/// `GET /lang/{sv|en}`: remembers the language and goes back.
pub async fn language(Path(code): Path<String>, headers: HeaderMap) -> Result<Response, PageError> {
    let lang: Lang = code
        .parse()
        .map_err(|_| PageError::Bad(format!("okänt språk {code}; välj sv eller en")))?;
    // Back to the page the switch was on, if it was ours.
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let back = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.split_once("://").map(|(_, rest)| rest))
        .and_then(|r| r.split_once('/').map(|(h, path)| (h, format!("/{path}"))))
        .filter(|(h, path)| Some(*h) == host && !path.starts_with("//") && !path.contains('\\'))
        .map_or_else(|| "/meetings".to_string(), |(_, path)| path);
    Ok((
        [(
            header::SET_COOKIE,
            format!(
                "{LANG_COOKIE}={}; Path=/; SameSite=Lax; Max-Age=31536000",
                lang.code()
            ),
        )],
        Redirect::to(&back),
    )
        .into_response())
}
