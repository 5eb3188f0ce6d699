//! Sync between kiosks and the central store: the wire types both sides
//! speak ([`wire`]). The kiosk's client and the server arrive with the rest
//! of issue #5.

pub mod wire;
