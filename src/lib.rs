//! motesskylt: a meeting-room door terminal and room screen.
//!
//! The core is pure and takes time as an argument: [`kallelse`] reads a
//! meeting notice into a [`model::Meeting`], [`progress`] says where the
//! meeting stands at any moment, and [`attendance`] writes the attendance
//! paragraph for the minutes. [`kiosk`] is the Slint screen for the room
//! and the door, and [`demo`] runs it on an embedded meeting. The binary (`src/main.rs`) wires them to the command line of
//! `shared/contract.md`.

#![warn(missing_docs)]

pub mod attendance;
pub mod cards;
pub mod central;
pub mod config_file;
pub mod demo;
pub mod export;
pub mod hw;
pub mod kallelse;
pub mod kiosk;
pub mod logging;
pub mod model;
pub mod progress;
pub mod service;
pub mod store;
pub mod sync;
pub mod web;
