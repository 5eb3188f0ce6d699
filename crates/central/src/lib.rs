//! The central store that every kiosk of a region reports to
//! (`motesskylt central`):
//!
//! - [`db`]: its storage, on SQLite or PostgreSQL behind one trait;
//! - [`drive`]: a room's meeting driven from the server (controls,
//!   messages) and what the room shows now;
//! - [`api`]: the device API (enrolment, push, pull, live stream) over axum;
//! - [`server`]: opening the storage, serving, stopping gracefully;
//! - [`config`] reads `config/central.toml`;
//! - [`secret`]: device tokens and one-time codes, kept hashed;
//! - [`limit`]: failed attempts, the client behind a proxy, open files;
//! - [`metrics`]: the counters of `/metrics`;
//! - [`schedule`]: rooms' schedules (meeting ids, no overlaps, moves,
//!   replacements, cancellations);
//! - [`state`]: what the API and the pages share;
//! - [`web`]: the secretary's pages;
//! - [`export`]: a meeting's event log with corrected moments;
//! - [`validate`]: what a device may push, checked field by field.

pub mod api;
pub mod config;
pub mod db;
pub mod drive;
pub mod export;
pub mod limit;
pub mod metrics;
pub mod schedule;
pub mod secret;
pub mod server;
pub mod state;
pub mod validate;
pub mod web;
