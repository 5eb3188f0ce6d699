//! The kiosk's side of the device API over HTTP(S) (reqwest with rustls):
//! enrolment, push with the clock exchange, meeting upload, pull, and the
//! live stream.

use std::sync::{Mutex, Once};
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use super::client::{SyncError, Uplink};
use motesskylt_core::clock::Exchange;
use motesskylt_core::model::Meeting;
use motesskylt_core::wire::{
    ApiError, EnrolRequest, EnrolResponse, PushRequest, PushResponse, WireEvent,
};
use motesskylt_core::wire::{Cursor, Pulled, PushAck};

/// How long the live stream may stay silent before it counts as dead.
const LIVE_SILENCE: Duration = Duration::from_secs(45);

/// How many recent clock exchanges a push carries.
const EXCHANGES: usize = 8;

/// A connection to the central server for one enrolled device.
#[derive(Debug)]
pub struct Central {
    client: reqwest::Client,
    base: String,
    token: String,
    /// This boot's id.
    boot: String,
    /// Recent exchanges, all made with the clock in the state given (a
    /// step by NTP starts them over).
    exchanges: Mutex<(bool, Vec<Exchange>)>,
    /// What the kiosk's door shows, told with every push.
    showing: Showing,
}

/// The meeting the kiosk's door shows now: its id, or empty when the room
/// is free (`None`: not known yet). The station writes it; every push tells
/// the central server, so the administrator sees what each kiosk shows.
#[derive(Debug, Clone, Default)]
pub struct Showing(std::sync::Arc<std::sync::RwLock<Option<String>>>);

impl Showing {
    /// The door now shows the meeting `id` (`None`: the room is free).
    pub fn set(&self, id: Option<&str>) {
        if let Ok(mut shown) = self.0.write() {
            *shown = Some(id.unwrap_or_default().to_string());
        }
    }

    /// What the door shows, as last set.
    pub fn get(&self) -> Option<String> {
        self.0.read().ok().and_then(|shown| shown.clone())
    }
}

fn client(timeout: Option<Duration>) -> Result<reqwest::Client, SyncError> {
    static PROVIDER: Once = Once::new();
    PROVIDER.call_once(|| {
        // Fails only when another provider is installed already, which is
        // as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
    let mut builder = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .user_agent(concat!("motesskylt/", env!("CARGO_PKG_VERSION")));
    if let Some(timeout) = timeout {
        builder = builder.timeout(timeout);
    }
    builder
        .build()
        .map_err(|e| SyncError::Unreachable(e.to_string()))
}

fn unreachable(error: reqwest::Error) -> SyncError {
    SyncError::Unreachable(error.to_string())
}

async fn answer<T: DeserializeOwned>(response: reqwest::Response) -> Result<T, SyncError> {
    let status = response.status();
    if status.is_success() {
        return response.json().await.map_err(unreachable);
    }
    let message = match response.json::<ApiError>().await {
        Ok(error) => error.message,
        Err(_) => status.canonical_reason().unwrap_or("fel").to_string(),
    };
    Err(SyncError::Refused {
        status: status.as_u16(),
        message,
    })
}

fn query(since: Cursor) -> String {
    format!("events={}&meetings={}", since.events, since.meetings)
}

fn trim(base: &str) -> String {
    base.trim_end_matches('/').to_string()
}

/// Enrols this device at `base` with the secretary's one-time code.
pub async fn enrol(base: &str, code: &str, device: &str) -> Result<EnrolResponse, SyncError> {
    let response = client(Some(Duration::from_secs(15)))?
        .post(format!("{}/api/v1/enrol", trim(base)))
        .json(&EnrolRequest {
            code: code.to_string(),
            device: device.to_string(),
        })
        .send()
        .await
        .map_err(unreachable)?;
    answer(response).await
}

impl Central {
    /// A connection to `base` (`https://central.example`) with the device's token.
    pub fn new(base: &str, token: &str, showing: Showing) -> Result<Central, SyncError> {
        Ok(Central {
            client: client(Some(Duration::from_secs(30)))?,
            base: trim(base),
            token: token.to_string(),
            boot: motesskylt_store::Stamp::read(Utc::now()).boot,
            exchanges: Mutex::new((false, Vec::new())),
            showing,
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Pushes events (none: a heartbeat) and times the exchange for the
    /// server's estimate of this device's clock offset. The device's clock
    /// is read here, at the edge.
    pub async fn push_events(
        &self,
        events: &[WireEvent],
        pending: Option<usize>,
    ) -> Result<PushResponse, SyncError> {
        let synced = motesskylt_store::stamp::clock_synced();
        let clock = match self.exchanges.lock() {
            Ok(mut exchanges) => {
                if exchanges.0 != synced {
                    *exchanges = (synced, Vec::new());
                }
                exchanges.1.clone()
            }
            Err(_) => Vec::new(),
        };
        let sent = Utc::now();
        let sent_mono = motesskylt_store::stamp::since_boot_ms();
        let response = self
            .client
            .post(self.url("/api/v1/events"))
            .bearer_auth(&self.token)
            .json(&PushRequest {
                sent,
                clock,
                boot: self.boot.clone(),
                events: events.to_vec(),
                pending: pending.and_then(|n| i64::try_from(n).ok()),
                showing: self.showing.get(),
            })
            .send()
            .await
            .map_err(unreachable)?;
        let answered: PushResponse = answer(response).await?;
        let exchange = Exchange {
            device_sent: sent,
            server_received: answered.received,
            server_sent: answered.sent,
            device_received: Utc::now(),
            device_sent_mono_ms: Some(sent_mono).filter(|m| *m >= 0),
            device_received_mono_ms: Some(motesskylt_store::stamp::since_boot_ms())
                .filter(|m| *m >= 0),
        };
        if let Ok(mut exchanges) = self.exchanges.lock()
            && exchanges.0 == synced
        {
            exchanges.1.push(exchange);
            let excess = exchanges.1.len().saturating_sub(EXCHANGES);
            exchanges.1.drain(..excess);
        }
        Ok(answered)
    }

    /// Uploads a meeting this kiosk was given (it then belongs to the
    /// device's room).
    pub async fn put_meeting(&self, key: &str, meeting: &Meeting) -> Result<(), SyncError> {
        let response = self
            .client
            .put(self.url(&format!("/api/v1/meetings/{key}")))
            .bearer_auth(&self.token)
            .json(meeting)
            .send()
            .await
            .map_err(unreachable)?;
        answer::<serde_json::Value>(response).await.map(|_| ())
    }

    /// What changed in the room since `since`.
    pub async fn pull(&self, since: Cursor) -> Result<Pulled, SyncError> {
        let response = self
            .client
            .get(self.url(&format!("/api/v1/pull?{}", query(since))))
            .bearer_auth(&self.token)
            .send()
            .await
            .map_err(unreachable)?;
        answer(response).await
    }

    /// Follows the room's live stream from `since`, calling `changed` for
    /// every change announced; returns when the stream ends or fails.
    pub async fn follow(&self, since: Cursor, mut changed: impl FnMut()) -> Result<(), SyncError> {
        // No overall timeout: the stream stays open.
        let response = client(None)?
            .get(self.url(&format!("/api/v1/live?{}", query(since))))
            .bearer_auth(&self.token)
            .send()
            .await
            .map_err(unreachable)?;
        if !response.status().is_success() {
            return answer::<serde_json::Value>(response).await.map(|_| ());
        }
        let mut body = response.bytes_stream();
        let mut pending = Vec::new();
        // The server sends a keep-alive every 15 s: silence for longer is
        // a connection that died without closing (Wi-Fi, NAT).
        while let Some(chunk) = tokio::time::timeout(LIVE_SILENCE, body.next())
            .await
            .map_err(|_| SyncError::Unreachable("den direkta förbindelsen tystnade".into()))?
        {
            pending.extend_from_slice(&chunk.map_err(unreachable)?);
            // Events end with a blank line; only a `sync` event matters.
            while let Some(end) = pending.windows(2).position(|w| w == b"\n\n") {
                let event: Vec<u8> = pending.drain(..end + 2).collect();
                if event.starts_with(b"event: sync")
                    || event.windows(12).any(|w| w == b"\nevent: sync")
                {
                    changed();
                }
            }
        }
        Ok(())
    }
}

impl Uplink for Central {
    async fn push(
        &self,
        _device: &str,
        events: &[WireEvent],
        pending: usize,
        _now: DateTime<Utc>,
    ) -> Result<PushAck, SyncError> {
        let answered = self.push_events(events, Some(pending)).await?;
        Ok(PushAck {
            added: answered.added,
            acked_seq: answered.acked_seq,
        })
    }
}
