//! Sync between kiosks and the central store:
//!
//! - [`wire`]: the types both sides speak (events and API bodies);
//! - [`client`]: pushing the outbox through any [`client::Uplink`];
//! - [`http`]: the device API over HTTP(S), as the kiosk calls it;
//! - [`agent`]: the kiosk's background sync: push, pull, live, backoff,
//!   and the status the screen shows.

pub mod agent;
pub mod client;
pub mod http;
