//! The device API, version 1 (`docs/api/openapi.yaml`): enrolment, push,
//! pull, the live stream, and `/healthz`. Every error answer is JSON
//! ([`ApiError`]) with a stable code and a message a person can act on;
//! storage failures are logged, not shown.

pub use crate::state::{AppState, Now};
use std::collections::BTreeSet;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{ConnectInfo, DefaultBodyLimit, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use futures_util::Stream;
use tokio::sync::broadcast;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use super::db::{AuditEntry, CentralDb, Cursor, DbError, DeviceRecord, MeetingNames, Told};
use super::secret;
use super::validate::{self, Refusal};
use motesskylt_core::clock::BootClock;
use motesskylt_core::model::Meeting;
use motesskylt_core::model::meeting_key;
use motesskylt_core::wire::{
    ApiError, EnrolRequest, EnrolResponse, PushRequest, PushResponse, WireEvent,
};

/// Failed enrolments allowed per client address within 15 minutes.
const ENROL_FAILURES_PER_ADDRESS: usize = 10;

/// Failed enrolments allowed from all addresses together within 15
/// minutes: about 10,000 guesses a day at most, against codes of 40 bits
/// that live a day.
const ENROL_FAILURES_IN_ALL: usize = 100;

/// Limits of the API.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Requests (but the live stream) taking longer get 408.
    pub timeout: Duration,
    /// The largest body, in bytes (413 above).
    pub body_bytes: usize,
}

/// The device API's routes.
pub fn router(state: AppState, limits: Limits) -> Router {
    let timed = Router::new()
        .route("/healthz", get(healthz))
        .route("/api/v1/enrol", post(enrol))
        .route("/api/v1/events", post(push))
        .route("/api/v1/meetings/{key}", put(put_meeting))
        .route("/api/v1/meetings/{key}/events", get(meeting_events))
        .route("/api/v1/pull", get(pull))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            limits.timeout,
        ));
    Router::new()
        .route("/api/v1/live", get(live))
        .merge(timed)
        .layer(DefaultBodyLimit::max(limits.body_bytes))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// The API's answer to an address it does not have.
pub fn not_found() -> Response {
    Failure::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "den adressen finns inte i API:t (se docs/api/openapi.yaml)",
    )
    .into_response()
}

/// An error answer.
#[derive(Debug)]
pub struct Failure {
    status: StatusCode,
    body: ApiError,
    /// Seconds until it may be tried again (`Retry-After`).
    retry_after: Option<i64>,
}

impl Failure {
    fn new(status: StatusCode, error: &str, message: impl Into<String>) -> Failure {
        Failure {
            status,
            body: ApiError {
                error: error.to_string(),
                message: message.into(),
            },
            retry_after: None,
        }
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(seconds));
        }
        response
    }
}

impl From<DbError> for Failure {
    fn from(error: DbError) -> Failure {
        match error {
            DbError::CodeUnknown => {
                Failure::new(StatusCode::FORBIDDEN, "code_unknown", error.to_string())
            }
            DbError::CodeUsed => Failure::new(StatusCode::CONFLICT, "code_used", error.to_string()),
            DbError::CodeExpired => {
                Failure::new(StatusCode::GONE, "code_expired", error.to_string())
            }
            DbError::NameTaken(_) => {
                Failure::new(StatusCode::CONFLICT, "name_taken", error.to_string())
            }
            DbError::SeqConflict { .. } => {
                Failure::new(StatusCode::CONFLICT, "seq_conflict", error.to_string())
            }
            DbError::OtherRoom { meeting, .. } => Failure::new(
                StatusCode::FORBIDDEN,
                "other_room",
                format!("mötet {meeting} hör till ett annat rum"),
            ),
            other => {
                tracing::error!(error = %other, "storage failed");
                Failure::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "storage",
                    "centrallagringen svarar inte just nu; försök igen om en stund",
                )
            }
        }
    }
}

fn json_failure(rejection: JsonRejection) -> Failure {
    let status = rejection.status();
    let error = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "content_type",
        StatusCode::UNPROCESSABLE_ENTITY => "invalid",
        _ => "bad_request",
    };
    Failure::new(
        status,
        error,
        format!("begäran går inte att läsa: {}", rejection.body_text()),
    )
}

fn query_failure(rejection: QueryRejection) -> Failure {
    Failure::new(
        StatusCode::BAD_REQUEST,
        "bad_request",
        rejection.body_text(),
    )
}

/// The device behind the request's token.
pub struct Device(pub DeviceRecord);

impl FromRequestParts<AppState> for Device {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Device, Failure> {
        let token = bearer(&parts.headers).ok_or_else(|| {
            Failure::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "enhetens nyckel saknas (Authorization: Bearer …); registrera enheten med en engångskod",
            )
        })?;
        let device = state
            .db
            .device(&secret::hash(token))
            .await?
            .ok_or_else(|| {
                Failure::new(
                    StatusCode::UNAUTHORIZED,
                    "unauthorized",
                    "okänd nyckel; registrera enheten på nytt med en engångskod",
                )
            })?;
        if device.revoked.is_some() {
            return Err(Failure::new(
                StatusCode::UNAUTHORIZED,
                "revoked",
                "enhetens nyckel är återkallad; registrera den på nytt med en engångskod",
            ));
        }
        Ok(Device(device))
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// `/healthz`: 200 `{"status":"ok"}` when the store answers and can be
/// written; otherwise 503 with the reason.
async fn healthz(State(state): State<AppState>) -> Response {
    match state.db.healthy().await {
        Ok(()) => Json(serde_json::json!({"status": "ok"})).into_response(),
        Err(error) => {
            tracing::error!(%error, "health check failed");
            let status = match error {
                DbError::ReadOnly(_) => "storage read-only",
                _ => "storage unavailable",
            };
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({"status": status, "reason": error.to_string()})),
            )
                .into_response()
        }
    }
}

/// A device name as the event log can carry it.
fn valid_device_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

async fn enrol(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Json<EnrolRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<EnrolResponse>), Failure> {
    let Json(request) = body.map_err(json_failure)?;
    if !valid_device_name(&request.device) {
        return Err(Failure::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            "device: ett namn på högst 64 tecken av a–z, 0–9, - _ och . (t.ex. dorr-konferens-1)",
        ));
    }
    let token = secret::new_token().map_err(|e| {
        tracing::error!(%e, "no randomness");
        Failure::new(StatusCode::SERVICE_UNAVAILABLE, "random", e.to_string())
    })?;
    let now = (state.now)();
    let client = state.proxies.client(peer.ip(), &headers);
    let keys = [
        (format!("address:{client}"), ENROL_FAILURES_PER_ADDRESS),
        ("all".to_string(), ENROL_FAILURES_IN_ALL),
    ];
    if let Err(until) = state.enrolments.attempt(&keys, now).await? {
        state.metrics.enrol_failures.fetch_add(1, Ordering::Relaxed);
        tracing::warn!(%client, device = %request.device, "enrolment refused: too many wrong codes");
        let seconds = (until - now).num_seconds().max(1);
        let mut failure = Failure::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            format!(
                "för många felaktiga engångskoder; försök igen om {} minuter",
                (seconds + 59) / 60
            ),
        );
        failure.retry_after = Some(seconds);
        return Err(failure);
    }
    let keys: Vec<String> = keys.into_iter().map(|(key, _)| key).collect();
    let enrolled = state
        .db
        .enrol(
            &state.code_key.hash(&request.code),
            &request.device,
            &secret::hash(&token),
            now,
        )
        .await;
    let room = match enrolled {
        Ok(room) => {
            // Enrolled, the code spent: the token must reach the device.
            if let Err(lost) = state.enrolments.succeeded(&keys).await {
                tracing::warn!(%lost, "an enrolment still counts as a failure");
            }
            room
        }
        Err(error @ (DbError::CodeUnknown | DbError::CodeUsed | DbError::CodeExpired)) => {
            state.metrics.enrol_failures.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(%client, device = %request.device, %error, "enrolment with a wrong code");
            return Err(error.into());
        }
        Err(error) => {
            // Not a guess: the code was right or never looked at.
            if let Err(lost) = state.enrolments.succeeded(&keys).await {
                tracing::warn!(%lost, "an enrolment not a guess still counts as a failure");
            }
            return Err(error.into());
        }
    };
    tracing::info!(device = %request.device, %room, "device enrolled");
    state
        .db
        .audit(&AuditEntry {
            at: now,
            who: request.device.clone(),
            action: "enrol".into(),
            meeting: None,
            detail: format!("kiosken registrerade sig i rummet {room}"),
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(EnrolResponse {
            device: request.device,
            room,
            token,
        }),
    ))
}

/// Checks that every event is the device's, in its room's meetings, a
/// door's to record and valid field by field ([`validate`]); the batch is
/// refused whole at the first event that is not.
async fn check_events(
    state: &AppState,
    device: &DeviceRecord,
    events: &[WireEvent],
) -> Result<(), Failure> {
    // Each meeting's names and awaited cards, read once per batch.
    let mut checked: Vec<(&str, MeetingNames, Option<BTreeSet<String>>)> = Vec::new();
    for (index, event) in events.iter().enumerate() {
        if !device.owns(&event.device) {
            return Err(Failure::new(
                StatusCode::FORBIDDEN,
                "other_device",
                format!(
                    "händelse {} är enheten {}s, inte {}s; en enhet skickar bara sina egna",
                    event.id, event.device, device.name
                ),
            ));
        }
        if event.device != events[0].device {
            return Err(Failure::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "mixed_devices",
                "en sändning får bara innehålla händelser från en och samma lagring (device)",
            ));
        }
        let place = match checked.iter().position(|(m, ..)| *m == event.meeting) {
            Some(place) => place,
            None => {
                match state.db.meeting_room(&event.meeting).await? {
                    Some(room) if room == device.room => {}
                    Some(_) => {
                        return Err(Failure::new(
                            StatusCode::FORBIDDEN,
                            "other_room",
                            format!("mötet {} hör till ett annat rum", event.meeting),
                        ));
                    }
                    None => {
                        return Err(Failure::new(
                            StatusCode::UNPROCESSABLE_ENTITY,
                            "unknown_meeting",
                            format!(
                                "mötet {} är okänt; skicka det först (PUT /api/v1/meetings/{})",
                                event.meeting, event.meeting
                            ),
                        ));
                    }
                }
                let names = state.db.meeting_names(&event.meeting).await?;
                checked.push((&event.meeting, names, None));
                checked.len() - 1
            }
        };
        let (_, names, expected) = &mut checked[place];
        if validate::needs_expected_cards(event) && expected.is_none() {
            let asked = state
                .db
                .events_of_types(&["card_expected"], Some(&event.meeting))
                .await?
                .into_iter()
                .filter_map(|w| match w.event.kind {
                    motesskylt_core::model::EventKind::CardExpected { person, .. } => Some(person),
                    _ => None,
                })
                .collect();
            *expected = Some(asked);
        }
        let none = BTreeSet::new();
        let known = validate::Known {
            names,
            expected_cards: expected.as_ref().unwrap_or(&none),
        };
        validate::check(index, event, known).map_err(|refusal| match refusal {
            Refusal::NotTheDoors { .. } => {
                Failure::new(StatusCode::FORBIDDEN, "not_door_event", refusal.to_string())
            }
            Refusal::Invalid { .. } => Failure::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_event",
                refusal.to_string(),
            ),
        })?;
    }
    Ok(())
}

async fn push(
    State(state): State<AppState>,
    Device(device): Device,
    body: Result<Json<PushRequest>, JsonRejection>,
) -> Result<Json<PushResponse>, Failure> {
    let received = (state.now)();
    let Json(request) = body.map_err(json_failure)?;
    if let Some(showing) = request
        .showing
        .as_deref()
        .filter(|s| !s.is_empty() && !motesskylt_core::model::identity::is_meeting_id(s))
    {
        return Err(Failure::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_showing",
            format!(
                "showing: \"{showing}\" är inget mötes-id (bokstäver, siffror och bindestreck; tomt när rummet är ledigt)"
            ),
        ));
    }
    check_events(&state, &device, &request.events).await?;
    let epoch = request
        .events
        .first()
        .map_or(device.name.as_str(), |e| e.device.as_str());
    let ack = state.db.push(epoch, &request.events, received).await?;
    state.metrics.pushes.fetch_add(1, Ordering::Relaxed);
    state
        .metrics
        .events_ingested
        .fetch_add(ack.added as u64, Ordering::Relaxed);
    if !request.events.is_empty() {
        // Even a batch the store had already: its first answer may have been
        // lost before the room was told. Nobody listening is fine.
        state.changed(&device.room);
    }
    let clock = BootClock::measure(&request.boot, &request.clock);
    state
        .db
        .seen(
            &device.name,
            received,
            clock.as_ref(),
            Told {
                pending: request.pending.filter(|n| *n >= 0),
                showing: request.showing.as_deref(),
            },
        )
        .await?;
    Ok(Json(PushResponse {
        added: ack.added,
        acked_seq: ack.acked_seq,
        received,
        sent: (state.now)(),
    }))
}

async fn put_meeting(
    State(state): State<AppState>,
    Device(device): Device,
    Path(key): Path<String>,
    body: Result<Json<Meeting>, JsonRejection>,
) -> Result<Json<serde_json::Value>, Failure> {
    let Json(meeting) = body.map_err(json_failure)?;
    if meeting_key(&meeting) != key {
        return Err(Failure::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "key_mismatch",
            format!("mötet har nyckeln {}, inte {key}", meeting_key(&meeting)),
        ));
    }
    let changed = state
        .db
        .put_meeting(&device.room, &key, &meeting, (state.now)())
        .await?;
    if changed {
        state.changed(&device.room);
    }
    Ok(Json(serde_json::json!({"key": key, "changed": changed})))
}

async fn meeting_events(
    State(state): State<AppState>,
    Device(device): Device,
    Path(key): Path<String>,
) -> Result<Json<Vec<WireEvent>>, Failure> {
    match state.db.meeting_room(&key).await? {
        None => Err(Failure::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("mötet {key} finns inte"),
        )),
        Some(room) if room != device.room => Err(Failure::new(
            StatusCode::FORBIDDEN,
            "other_room",
            format!("mötet {key} hör till ett annat rum"),
        )),
        Some(_) => Ok(Json(state.db.events(&key).await?)),
    }
}

async fn pull(
    State(state): State<AppState>,
    Device(device): Device,
    since: Result<Query<Cursor>, QueryRejection>,
) -> Result<Json<super::db::Pulled>, Failure> {
    let Query(since) = since.map_err(query_failure)?;
    state
        .db
        .seen(&device.name, (state.now)(), None, Told::default())
        .await?;
    Ok(Json(
        state.db.pull(&device.room, &device.name, since).await?,
    ))
}

/// The live stream: `event: sync` whenever the room's meetings or events
/// change (and at once when something changed since the cursor given);
/// the device then pulls. It ends when the server stops or the device's
/// token is revoked.
async fn live(
    State(state): State<AppState>,
    headers: HeaderMap,
    Device(device): Device,
    since: Result<Query<Cursor>, QueryRejection>,
) -> Result<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>, Failure> {
    let Query(since) = since.map_err(query_failure)?;
    let token_hash = bearer(&headers).map(secret::hash).unwrap_or_default();
    let changes = state.changes.subscribe();
    let behind = state
        .db
        .pull(&device.room, &device.name, since)
        .await?
        .cursor
        != since;
    let stream = futures_util::stream::unfold(
        (state, device, token_hash, changes, behind),
        |(state, device, token_hash, mut changes, behind)| async move {
            let mut stopping = state.stopping.clone();
            if !behind {
                loop {
                    tokio::select! {
                        _ = stopping.wait_for(|s| *s) => return None,
                        change = changes.recv() => match change {
                            Ok(room) if room != device.room => continue,
                            Err(broadcast::error::RecvError::Closed) => return None,
                            // The room changed (or changes were missed).
                            _ => break,
                        },
                    }
                }
                match state.db.device(&token_hash).await {
                    Ok(Some(current)) if current.revoked.is_none() => {}
                    _ => return None,
                }
            }
            let event = SseEvent::default().event("sync").data("{\"changed\":true}");
            Some((Ok(event), (state, device, token_hash, changes, false)))
        },
    );
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}
