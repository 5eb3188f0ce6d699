//! motesskylt's core: pure, no I/O beyond the card key's file and, for a
//! PDF notice, poppler's `pdftotext` run on its bytes; time taken as an
//! argument.
//!
//! [`kallelse`] reads a meeting notice into a [`model::Meeting`],
//! [`progress`] says where the meeting stands at any moment, [`attendance`]
//! folds check-ins into presence and writes the attendance paragraph for
//! the minutes, [`cards`] keeps registered cards as keyed hashes, [`wire`]
//! is what kiosks and the central server say to each other, [`room`]
//! which of a room's meetings its door shows, and [`clock`]
//! how the central server measures a device's clock.

#![warn(missing_docs)]

pub mod attendance;
pub mod cards;
pub mod clock;
pub mod kallelse;
pub mod minutes;
pub mod model;
pub mod progress;
pub mod room;
pub mod wire;
