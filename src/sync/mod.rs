//! Sync between kiosks and the central store: the wire types both sides
//! speak ([`wire`]) and the kiosk's side, pushing its outbox ([`client`]).
//! The server's HTTP API arrives with the rest of issue #5.

pub mod client;
pub mod wire;
