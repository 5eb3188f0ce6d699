//! The kiosk: the Slint screen for the room and the door, and the wiring
//! around it.
//!
//! - [`view`] turns the engine's state into what the screen shows (pure);
//! - [`desk`] turns taps, buttons, touches and PINs into events, door
//!   answers and questions (pure; the events go through a journal first);
//! - [`station`] is the input thread's worker: the desk with its store;
//! - [`config`] reads `config/kiosk.toml`; [`launch`] opens the store, the
//!   card key and the reader from it; [`headless`] runs without a screen;
//! - [`room`] is the screen's side: the meeting and what it has been told;
//!   [`name_search`] narrows its name list to the letters typed;
//! - [`adapters`] copies a view into the `ui/*.slint` globals (the only code
//!   touching generated types);
//! - [`render`] draws a view headless to PNG; [`window`] runs the live kiosk;
//! - [`watchdog`] pings systemd while both the screen and the input thread turn.

pub mod adapters;
pub mod clock;
pub mod config;
pub mod desk;
pub mod headless;
pub mod launch;
pub mod name_search;
pub mod render;
pub mod room;
pub mod station;
pub mod view;
pub mod watchdog;
pub mod window;

use motesskylt_core::model::time::Lang;

/// Types generated from `ui/kiosk.slint`.
#[allow(missing_docs, clippy::all, clippy::pedantic)]
pub mod ui {
    slint::include_modules!();
}

/// Switches the screen's words to `lang` (bundled translations; English is
/// the source language).
pub fn select_language(lang: Lang) {
    // Cannot fail: the build bundles every language of `Lang` (build.rs
    // stops when ui/translations is missing) and English needs no bundle.
    let _ = slint::select_bundled_translation(lang.code());
}
