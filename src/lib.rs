//! The `motesskylt` binary's own parts: the demo (its meeting, cards and
//! keys) and nothing else; the commands are in `main.rs` and `commands/`,
//! the work in the `crates/`.

#![warn(missing_docs)]

#[cfg(feature = "kiosk")]
pub mod demo;
