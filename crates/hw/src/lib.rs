//! The kiosk's hardware behind small traits: card readers ([`CardReader`]),
//! buttons ([`Buttons`]) and feedback ([`Feedback`]).
//!
//! Real readers: a PN532 over UART (and I2C/SPI on the Pi, feature `pi`)
//! in [`pn532`], USB keyboard-wedge readers through evdev in [`wedge`],
//! PC/SC readers such as the ACR122U in `pcsc` (feature `pcsc`). GPIO
//! buttons, buzzer and LED are in `gpio` (feature `pi`). [`runner`] polls a
//! reader on its own thread, reports a reader that stops answering and
//! reopens it.

pub mod debounce;
#[cfg(feature = "pi")]
pub mod gpio;
#[cfg(feature = "pcsc")]
pub mod pcsc;
pub mod pn532;
pub mod runner;
pub mod wedge;

use std::time::Duration;

use thiserror::Error;

pub use motesskylt_core::cards::Uid;

/// Why a reader could not read.
#[derive(Debug, Error)]
pub enum ReaderError {
    /// The device could not be opened or read (unplugged, no permission).
    #[error("kortläsaren {device} går inte att använda: {reason}")]
    Device {
        /// The device, e.g. `/dev/ttyAMA0`.
        device: String,
        /// What the system said.
        reason: String,
    },
    /// The reader answered something that does not follow its protocol.
    #[error("kortläsaren svarar fel: {0}")]
    Protocol(String),
    /// The reader did not answer in time.
    #[error("kortläsaren svarar inte")]
    Timeout,
    /// One card could not be read (a card type the reader cannot read, a
    /// card pulled away mid-read); the reader itself is fine.
    #[error("kortet kunde inte läsas: {0}")]
    Card(String),
}

/// A card reader, polled from its own thread.
pub trait CardReader: Send {
    /// Waits up to about `timeout` for a card in the field. `Ok(None)` when
    /// none came. A card held on the reader may be returned on every poll;
    /// [`runner`] reports it once.
    fn poll(&mut self, timeout: Duration) -> Result<Option<Uid>, ReaderError>;

    /// What the reader is, for the log and the screen ("PN532 på /dev/ttyAMA0").
    fn describe(&self) -> String;
}

/// A kiosk button (GPIO or keyboard).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Button {
    /// Start the meeting or the next agenda item.
    Next,
    /// Back to the previous agenda item.
    Previous,
    /// Start a break.
    Break,
    /// Confirm a check-in or check-out at the door.
    Confirm,
}

/// Buttons, polled from their own thread.
pub trait Buttons: Send {
    /// Waits up to about `timeout` for a press; a press is reported once,
    /// after debouncing.
    fn poll(&mut self, timeout: Duration) -> Result<Option<Button>, ReaderError>;
}

/// What the kiosk signals besides the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// A tap was recorded (short beep, green LED).
    Accepted,
    /// A tap needs another tap or was refused (two short beeps).
    Attention,
    /// Something is wrong (long beep, red LED).
    Error,
}

/// A buzzer and LEDs.
pub trait Feedback: Send {
    /// Gives a signal; must not block for long (a beep is at most 300 ms).
    fn signal(&mut self, signal: Signal);
}

/// Feedback for a kiosk without buzzer or LEDs.
#[derive(Debug, Default)]
pub struct Silent;

impl Feedback for Silent {
    fn signal(&mut self, _signal: Signal) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uids_read_and_print_as_hex() {
        let uid = Uid::from_hex("04:a1:B2:c3").unwrap();
        assert_eq!(uid.0, vec![0x04, 0xA1, 0xB2, 0xC3]);
        assert_eq!(uid.to_string(), "04A1B2C3");
        assert_eq!(Uid::from_hex("04A"), None);
        assert_eq!(Uid::from_hex("zz"), None);
        assert_eq!(Uid::from_hex(""), None);
    }
}
