//! USB keyboard-wedge card readers: readers that show up as a keyboard and
//! "type" a card's UID followed by Enter.
//!
//! [`WedgeDecoder`] is pure: it is fed key events with their time and
//! yields a [`Uid`] on Enter or keypad Enter, or a [`WedgeReject`] saying
//! why the typed text was not a UID. [`EvdevWedge`] reads a Linux input
//! device (`/dev/input/by-id/…-event-kbd`), grabs it exclusively so the
//! digits never reach the kiosk's own keyboard input, and feeds the decoder.
//!
//! What the decoder accepts:
//!
//! - digits from the main row or the keypad, and `A`–`F` (hex only); Shift,
//!   Caps Lock and Num Lock are ignored, so `Shift`+`A` and `a` are both `A`;
//! - key presses only: releases and autorepeats (value 2) are ignored;
//! - [`WedgeFormat::Hex`] (the usual default, `04A1B2C3`: 4 to 10 bytes, an
//!   even number of digits) or the ten-digit decimal formats of many cheap
//!   readers, [`WedgeFormat::Decimal`] and [`WedgeFormat::DecimalReversed`];
//! - keys no more than [`DEFAULT_MAX_GAP`] apart (configurable): a reader
//!   types a UID within a few tens of milliseconds, so a longer pause means
//!   the earlier keys were a fragment and they are dropped.
//!
//! Any other key spoils the current entry, which is then rejected at Enter
//! ([`WedgeReject::UnexpectedKey`]); so is an entry that is too long or too
//! short. When the kernel reports lost events (`SYN_DROPPED`), everything
//! up to the next Enter (or pause) is rejected as one
//! [`WedgeReject::EventsLost`]: the keys after the loss are the tail of a
//! UID whose middle is gone.
//!
//! # Fixture format (tests)
//!
//! The unit tests replay recordings from `tests/fixtures/wedge/*.txt`. A
//! recording is text, one `input_event` per line:
//!
//! ```text
//! # comment; blank lines are skipped, "#" also ends a line early
//! 1717500000.100000 4 4 458977    # sec.usec type code value (decimal)
//! 1717500000.100000 1 42 1        # EV_KEY KEY_LEFTSHIFT press
//! 1717500000.100000 0 0 0         # EV_SYN SYN_REPORT
//! ```
//!
//! Lines as `evtest` prints them may be pasted unchanged (after deleting
//! or commenting out evtest's device description at the top):
//! `Event: time 1717500000.100000, type 1 (EV_KEY), code 42 (KEY_LEFTSHIFT), value 1`,
//! `Event: time 1717500000.100000, -------------- SYN_REPORT ------------`,
//! `Event: time 1717500000.100000, >>>>>>>>>>>>>> SYN_DROPPED <<<<<<<<<<<<`
//! (evtest prints `MSC_SCAN` values in hex; they are ignored anyway).

use std::collections::VecDeque;
use std::fmt;
use std::fs::OpenOptions;
use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::{Duration, Instant, SystemTime};

use evdev::KeyCode;
use evdev::raw_stream::RawDevice;
use nix::errno::Errno;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use serde::Deserialize;
use thiserror::Error;

use super::{CardReader, ReaderError, Uid};

/// Keys further apart than this end the entry typed so far.
pub const DEFAULT_MAX_GAP: Duration = Duration::from_millis(500);

/// Fewest hex digits accepted: a 4-byte UID.
const HEX_MIN_DIGITS: usize = 8;
/// Most hex digits accepted: a 10-byte UID.
const HEX_MAX_DIGITS: usize = 20;
/// The decimal formats are always ten digits (a zero-padded `u32`).
const DECIMAL_DIGITS: usize = 10;

/// `input_event` types and codes the decoder looks at.
const EV_SYN: u16 = 0;
const EV_KEY: u16 = 1;
const SYN_DROPPED: u16 = 3;

/// How a wedge reader types the UID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WedgeFormat {
    /// Hex digits in UID byte order, `04A1B2C3` (4 to 10 bytes). The
    /// common factory setting.
    #[default]
    Hex,
    /// Ten decimal digits: a 4-byte UID read as a big-endian number (first
    /// UID byte most significant), `04A1B2C3` → `0077705923`.
    Decimal,
    /// Ten decimal digits: a 4-byte UID read as a little-endian number
    /// (first UID byte least significant), `04A1B2C3` → `3283263748`. What
    /// many readers sold as "10-digit" or "reversed" print.
    DecimalReversed,
}

impl FromStr for WedgeFormat {
    type Err = String;

    /// `hex`, `decimal` or `decimal-reversed`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "hex" => Ok(WedgeFormat::Hex),
            "decimal" => Ok(WedgeFormat::Decimal),
            "decimal-reversed" => Ok(WedgeFormat::DecimalReversed),
            other => Err(format!(
                "okänt format för kortläsaren: {other:?} (hex, decimal eller decimal-reversed)"
            )),
        }
    }
}

/// Why typed text was not taken as a UID. The messages are Swedish: they
/// go to the log (and could reach the screen).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum WedgeReject {
    /// A key that is not part of the format (first one, Linux key code).
    #[error("oväntad tangent (kod {code}) i kortnumret")]
    UnexpectedKey {
        /// The Linux key code, e.g. 12 for `KEY_MINUS`.
        code: u16,
    },
    /// More digits than the format allows.
    #[error("för långt kortnummer: {digits} tecken, högst {max}")]
    TooLong {
        /// Digits typed.
        digits: usize,
        /// Most the format allows.
        max: usize,
    },
    /// Fewer digits than the format needs.
    #[error("för kort kortnummer: {digits} tecken, minst {min}")]
    TooShort {
        /// Digits typed.
        digits: usize,
        /// Fewest the format allows.
        min: usize,
    },
    /// An odd number of hex digits is not whole bytes.
    #[error("udda antal hexsiffror i kortnumret ({digits})")]
    OddLength {
        /// Digits typed.
        digits: usize,
    },
    /// A ten-digit decimal number above 4294967295 is not 4 bytes.
    #[error("decimalt kortnummer större än 4294967295")]
    OutOfRange,
    /// The keys stopped for longer than the allowed gap before Enter.
    #[error("kortnumret avbröts efter {digits} tecken (paus i inmatningen)")]
    Interrupted {
        /// Keys typed before the pause.
        digits: usize,
    },
    /// The kernel dropped input events (`SYN_DROPPED`) mid-entry.
    #[error("tangenthändelser tappades mitt i kortnumret")]
    EventsLost,
}

/// What a key is to the decoder.
enum Key {
    /// A digit value, 0 to 15.
    Digit(u8),
    /// Enter or keypad Enter.
    Enter,
    /// Shift, Caps Lock, Num Lock: ignored.
    Modifier,
    /// Anything else.
    Other,
}

fn classify(code: KeyCode) -> Key {
    let digit = match code {
        KeyCode::KEY_0 | KeyCode::KEY_KP0 => 0,
        KeyCode::KEY_1 | KeyCode::KEY_KP1 => 1,
        KeyCode::KEY_2 | KeyCode::KEY_KP2 => 2,
        KeyCode::KEY_3 | KeyCode::KEY_KP3 => 3,
        KeyCode::KEY_4 | KeyCode::KEY_KP4 => 4,
        KeyCode::KEY_5 | KeyCode::KEY_KP5 => 5,
        KeyCode::KEY_6 | KeyCode::KEY_KP6 => 6,
        KeyCode::KEY_7 | KeyCode::KEY_KP7 => 7,
        KeyCode::KEY_8 | KeyCode::KEY_KP8 => 8,
        KeyCode::KEY_9 | KeyCode::KEY_KP9 => 9,
        KeyCode::KEY_A => 10,
        KeyCode::KEY_B => 11,
        KeyCode::KEY_C => 12,
        KeyCode::KEY_D => 13,
        KeyCode::KEY_E => 14,
        KeyCode::KEY_F => 15,
        KeyCode::KEY_ENTER | KeyCode::KEY_KPENTER => return Key::Enter,
        KeyCode::KEY_LEFTSHIFT
        | KeyCode::KEY_RIGHTSHIFT
        | KeyCode::KEY_CAPSLOCK
        | KeyCode::KEY_NUMLOCK => return Key::Modifier,
        _ => return Key::Other,
    };
    Key::Digit(digit)
}

/// Turns key events from a wedge reader into UIDs. Pure: time is passed in
/// as a [`Duration`] since any fixed origin (the evdev event timestamps,
/// in [`EvdevWedge`]).
#[derive(Debug, Clone)]
pub struct WedgeDecoder {
    format: WedgeFormat,
    max_gap: Duration,
    /// Digit values of the current entry, at most the format's maximum.
    digits: Vec<u8>,
    /// Digit keys pressed in the current entry, including any beyond the
    /// maximum.
    typed: usize,
    /// The first key of the current entry that does not belong to the format.
    unexpected: Option<u16>,
    /// Events were lost since the entry began (or while idle).
    lost: bool,
    /// When the last key was pressed.
    last_press: Option<Duration>,
}

impl WedgeDecoder {
    /// A decoder for `format`, with the [`DEFAULT_MAX_GAP`].
    pub fn new(format: WedgeFormat) -> Self {
        WedgeDecoder {
            format,
            max_gap: DEFAULT_MAX_GAP,
            digits: Vec::with_capacity(HEX_MAX_DIGITS),
            typed: 0,
            unexpected: None,
            lost: false,
            last_press: None,
        }
    }

    /// The same decoder with another longest pause allowed between keys.
    pub fn with_max_gap(mut self, max_gap: Duration) -> Self {
        self.max_gap = max_gap;
        self
    }

    /// The format it decodes.
    pub fn format(&self) -> WedgeFormat {
        self.format
    }

    /// Whether an entry has been started and not finished.
    pub fn is_idle(&self) -> bool {
        self.typed == 0 && self.unexpected.is_none() && !self.lost
    }

    /// Feeds one raw `input_event` (type, code, value) at its time `at`:
    /// key events go to [`feed_key`](Self::feed_key), `SYN_DROPPED` to
    /// [`events_lost`](Self::events_lost), everything else is ignored.
    pub fn feed_event(
        &mut self,
        type_: u16,
        code: u16,
        value: i32,
        at: Duration,
    ) -> Option<Result<Uid, WedgeReject>> {
        match (type_, code) {
            (EV_KEY, _) => self.feed_key(KeyCode::new(code), value, at),
            (EV_SYN, SYN_DROPPED) => {
                self.events_lost(at);
                None
            }
            _ => None,
        }
    }

    /// Feeds one key event: `value` 1 is a press, 0 a release, 2 an
    /// autorepeat (only presses count). Returns a UID or a rejection when
    /// an entry ends: at Enter, or at a key after a pause longer than the
    /// allowed gap (then [`WedgeReject::Interrupted`] for the fragment
    /// before it; the key itself starts a new entry). Enter on an empty
    /// entry returns nothing.
    pub fn feed_key(
        &mut self,
        code: KeyCode,
        value: i32,
        at: Duration,
    ) -> Option<Result<Uid, WedgeReject>> {
        if value != 1 {
            return None;
        }
        let interrupted = match self.last_press {
            // A clock that went backwards counts as a pause too.
            Some(last) if at < last || at - last > self.max_gap => self.interrupt(),
            _ => None,
        };
        self.last_press = Some(at);
        match classify(code) {
            Key::Enter => match interrupted {
                Some(reject) => Some(Err(reject)),
                None => self.finish(),
            },
            Key::Digit(digit) => {
                if digit >= 10 && self.format != WedgeFormat::Hex {
                    self.unexpected.get_or_insert(code.code());
                } else {
                    self.typed += 1;
                    if self.digits.len() < self.max_digits() {
                        self.digits.push(digit);
                    }
                }
                interrupted.map(Err)
            }
            Key::Modifier => interrupted.map(Err),
            Key::Other => {
                self.unexpected.get_or_insert(code.code());
                interrupted.map(Err)
            }
        }
    }

    /// Ends an entry that has had no key for longer than the allowed gap
    /// at time `now`, returning [`WedgeReject::Interrupted`] (or
    /// [`WedgeReject::EventsLost`]) for it; `None` when there is nothing to
    /// end. Lets a caller report a fragment without waiting for the next key.
    pub fn expire(&mut self, now: Duration) -> Option<WedgeReject> {
        let idle_since = self.last_press.unwrap_or(Duration::ZERO);
        if now < idle_since || now - idle_since > self.max_gap {
            self.interrupt()
        } else {
            None
        }
    }

    /// Input events were lost (`SYN_DROPPED`, at time `at`): the entry
    /// under way, or the next one if none is, will be rejected as
    /// [`WedgeReject::EventsLost`] when it ends. The loss counts as a key
    /// at `at`, so keys right after it belong to the spoiled entry even
    /// after a long idle time.
    pub fn events_lost(&mut self, at: Duration) {
        self.lost = true;
        self.last_press = Some(at);
    }

    fn interrupt(&mut self) -> Option<WedgeReject> {
        if self.is_idle() {
            return None;
        }
        let reject = if self.lost {
            WedgeReject::EventsLost
        } else {
            WedgeReject::Interrupted { digits: self.typed }
        };
        self.reset();
        Some(reject)
    }

    fn reset(&mut self) {
        self.digits.clear();
        self.typed = 0;
        self.unexpected = None;
        self.lost = false;
    }

    fn max_digits(&self) -> usize {
        match self.format {
            WedgeFormat::Hex => HEX_MAX_DIGITS,
            WedgeFormat::Decimal | WedgeFormat::DecimalReversed => DECIMAL_DIGITS,
        }
    }

    fn min_digits(&self) -> usize {
        match self.format {
            WedgeFormat::Hex => HEX_MIN_DIGITS,
            WedgeFormat::Decimal | WedgeFormat::DecimalReversed => DECIMAL_DIGITS,
        }
    }

    /// Enter: the entry as a UID or why not; `None` for an empty entry.
    fn finish(&mut self) -> Option<Result<Uid, WedgeReject>> {
        if self.is_idle() {
            return None;
        }
        let result = self.check();
        self.reset();
        Some(result)
    }

    fn check(&self) -> Result<Uid, WedgeReject> {
        if self.lost {
            return Err(WedgeReject::EventsLost);
        }
        if let Some(code) = self.unexpected {
            return Err(WedgeReject::UnexpectedKey { code });
        }
        let (min, max) = (self.min_digits(), self.max_digits());
        if self.typed > max {
            return Err(WedgeReject::TooLong {
                digits: self.typed,
                max,
            });
        }
        if self.typed < min {
            return Err(WedgeReject::TooShort {
                digits: self.typed,
                min,
            });
        }
        match self.format {
            WedgeFormat::Hex => {
                if !self.digits.len().is_multiple_of(2) {
                    return Err(WedgeReject::OddLength {
                        digits: self.digits.len(),
                    });
                }
                Ok(Uid(self
                    .digits
                    .chunks(2)
                    .map(|pair| pair[0] << 4 | pair[1])
                    .collect()))
            }
            WedgeFormat::Decimal | WedgeFormat::DecimalReversed => {
                // Ten decimal digits fit in a u64 (at most 9 999 999 999).
                let number = self.digits.iter().fold(0u64, |n, &d| n * 10 + u64::from(d));
                let number = u32::try_from(number).map_err(|_| WedgeReject::OutOfRange)?;
                Ok(Uid(if self.format == WedgeFormat::Decimal {
                    number.to_be_bytes().to_vec()
                } else {
                    number.to_le_bytes().to_vec()
                }))
            }
        }
    }
}

/// A keyboard-wedge reader on a Linux input device, grabbed exclusively.
///
/// A misread (garbage, over-long, cut short) is written to the log
/// (stderr) and [`poll`](CardReader::poll) goes on waiting: it is not an
/// error, because `runner` closes and reopens a reader on any error, and a
/// closed wedge is not grabbed, so the next card's digits would reach the
/// kiosk's keyboard input meanwhile. The card is simply tapped again. A
/// device that disappears gives [`ReaderError::Device`].
pub struct EvdevWedge {
    device: RawDevice,
    path: PathBuf,
    decoder: WedgeDecoder,
    /// UIDs decoded but not yet returned (one `read` may hold several).
    pending: VecDeque<Uid>,
}

impl fmt::Debug for EvdevWedge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EvdevWedge")
            .field("path", &self.path)
            .field("name", &self.device.name())
            .field("decoder", &self.decoder)
            .finish_non_exhaustive()
    }
}

impl EvdevWedge {
    /// Opens the input device at `path` (best a stable
    /// `/dev/input/by-id/usb-…-event-kbd` link, or `/dev/input/eventN`),
    /// checks that it has an Enter key and grabs it so no other program,
    /// the kiosk's own keyboard input included, sees its keys.
    ///
    /// Uses evdev's raw stream (not the synchronising `evdev::Device`) so
    /// that `SYN_DROPPED` reaches the decoder, which drops the entry,
    /// instead of synthesised key events filling in for the lost ones.
    pub fn open(path: impl AsRef<Path>, decoder: WedgeDecoder) -> Result<Self, ReaderError> {
        let path = path.as_ref();
        let device_error = |reason: String| ReaderError::Device {
            device: path.display().to_string(),
            reason,
        };
        let file = OpenOptions::new()
            .read(true)
            .custom_flags(nix::libc::O_NONBLOCK)
            .open(path)
            .map_err(|error| device_error(open_reason(&error)))?;
        let mut device = RawDevice::from_fd(OwnedFd::from(file))
            .map_err(|error| device_error(format!("är ingen inmatningsenhet (evdev): {error}")))?;
        let has_enter = device.supported_keys().is_some_and(|keys| {
            keys.contains(KeyCode::KEY_ENTER) || keys.contains(KeyCode::KEY_KPENTER)
        });
        if !has_enter {
            return Err(device_error(
                "är inget tangentbord (ingen Enter-tangent); välj läsarens …-event-kbd".into(),
            ));
        }
        device.grab().map_err(|error| {
            device_error(if error.raw_os_error() == Some(Errno::EBUSY as i32) {
                "används redan exklusivt av ett annat program".into()
            } else {
                format!("kan inte tas exklusivt: {error}")
            })
        })?;
        Ok(EvdevWedge {
            device,
            path: path.to_path_buf(),
            decoder,
            pending: VecDeque::new(),
        })
    }

    fn log_misread(&self, reject: &WedgeReject) {
        tracing::warn!("{}: kortet lästes fel: {reject}", self.describe());
    }

    fn device_error(&self, reason: impl Into<String>) -> ReaderError {
        ReaderError::Device {
            device: self.path.display().to_string(),
            reason: reason.into(),
        }
    }

    /// Waits up to `timeout` for the device to be readable. `Ok(false)` on
    /// timeout; an error when the device is gone.
    fn wait_readable(&self, timeout: Duration) -> Result<bool, ReaderError> {
        // Whole milliseconds, rounded up so a short remainder does not spin.
        let millis = timeout.as_micros().div_ceil(1000);
        let timeout =
            PollTimeout::try_from(millis.min(i32::MAX as u128)).unwrap_or(PollTimeout::MAX);
        let mut fds = [PollFd::new(self.device.as_fd(), PollFlags::POLLIN)];
        match poll(&mut fds, timeout) {
            Ok(0) => Ok(false),
            Ok(_) => {
                let revents = fds[0].revents().unwrap_or(PollFlags::empty());
                if revents.intersects(PollFlags::POLLERR | PollFlags::POLLHUP | PollFlags::POLLNVAL)
                {
                    Err(self.device_error("enheten försvann (utdragen?)"))
                } else {
                    Ok(true)
                }
            }
            // A signal: let the caller look again.
            Err(Errno::EINTR) => Ok(true),
            Err(errno) => Err(self.device_error(format!("poll misslyckades: {errno}"))),
        }
    }

    /// Reads everything the kernel has and feeds it to the decoder.
    fn read_available(&mut self) -> Result<(), ReaderError> {
        loop {
            let events = match self.device.fetch_events() {
                Ok(events) => events,
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => {
                    let reason = if error.raw_os_error() == Some(Errno::ENODEV as i32) {
                        "enheten försvann (utdragen?)".to_string()
                    } else {
                        format!("läsfel: {error}")
                    };
                    return Err(ReaderError::Device {
                        device: self.path.display().to_string(),
                        reason,
                    });
                }
            };
            let mut count = 0usize;
            let mut misreads = Vec::new();
            for event in events {
                count += 1;
                let at = since_epoch(event.timestamp());
                match self
                    .decoder
                    .feed_event(event.event_type().0, event.code(), event.value(), at)
                {
                    Some(Ok(uid)) => self.pending.push_back(uid),
                    Some(Err(reject)) => misreads.push(reject),
                    None => {}
                }
            }
            for reject in misreads {
                self.log_misread(&reject);
            }
            if count == 0 {
                // End of file; should not happen for evdev, avoid spinning.
                return Ok(());
            }
        }
    }
}

/// evdev timestamps are `CLOCK_REALTIME`, like [`SystemTime`]; a time
/// before 1970 cannot happen on a running system and maps to zero (the
/// decoder treats a clock that goes backwards as a pause).
fn since_epoch(time: SystemTime) -> Duration {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
}

fn open_reason(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::NotFound => "finns inte (är läsaren ansluten?)".into(),
        io::ErrorKind::PermissionDenied => {
            "behörighet saknas (lägg användaren i gruppen input)".into()
        }
        _ => format!("kan inte öppnas: {error}"),
    }
}

impl CardReader for EvdevWedge {
    fn poll(&mut self, timeout: Duration) -> Result<Option<Uid>, ReaderError> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(uid) = self.pending.pop_front() {
                return Ok(Some(uid));
            }
            let remaining = deadline.saturating_duration_since(Instant::now());
            if !self.wait_readable(remaining)? {
                // Nothing more came: log a fragment left hanging.
                if let Some(reject) = self.decoder.expire(since_epoch(SystemTime::now())) {
                    self.log_misread(&reject);
                }
                return Ok(None);
            }
            self.read_available()?;
            if self.pending.is_empty() && remaining.is_zero() {
                return Ok(None);
            }
        }
    }

    fn describe(&self) -> String {
        match self.device.name() {
            Some(name) => format!("USB-kortläsare «{name}» på {}", self.path.display()),
            None => format!("USB-kortläsare på {}", self.path.display()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One recorded `input_event`.
    #[derive(Debug, Clone, Copy)]
    struct Recorded {
        at: Duration,
        type_: u16,
        code: u16,
        value: i32,
    }

    fn parse_time(text: &str) -> Result<Duration, String> {
        let (sec, usec) = text.split_once('.').ok_or("time without '.'")?;
        if usec.len() != 6 {
            return Err("time needs six-digit microseconds".into());
        }
        let sec: u64 = sec.parse().map_err(|_| "bad seconds")?;
        let usec: u64 = usec.parse().map_err(|_| "bad microseconds")?;
        Ok(Duration::from_secs(sec) + Duration::from_micros(usec))
    }

    fn number<T: TryFrom<i64>>(text: &str, radix_hex: bool) -> Result<T, String> {
        let value = if radix_hex {
            i64::from_str_radix(text, 16)
        } else {
            text.parse::<i64>()
        }
        .map_err(|_| format!("not a number: {text:?}"))?;
        T::try_from(value).map_err(|_| format!("out of range: {text:?}"))
    }

    /// One line of the fixture format (see the module documentation);
    /// `None` for blank and comment lines.
    fn parse_line(raw_line: &str) -> Result<Option<Recorded>, String> {
        let line = raw_line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            return Ok(None);
        }
        let Some(rest) = line.strip_prefix("Event: time ") else {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let [time, type_, code, value] = fields[..] else {
                return Err("expected `sec.usec type code value`".into());
            };
            return Ok(Some(Recorded {
                at: parse_time(time)?,
                type_: number(type_, false)?,
                code: number(code, false)?,
                value: number(value, false)?,
            }));
        };
        // evtest: "Event: time T, <event>"
        let (time, rest) = rest.split_once(',').ok_or("no ',' after the time")?;
        let at = parse_time(time.trim())?;
        let rest = rest.trim();
        let syn = |code: u16| {
            Ok(Some(Recorded {
                at,
                type_: EV_SYN,
                code,
                value: 0,
            }))
        };
        if rest.starts_with(">>>") && rest.contains("SYN_DROPPED") {
            return syn(SYN_DROPPED);
        }
        if rest.starts_with("---") && rest.contains("SYN_REPORT") {
            return syn(0);
        }
        // "type 1 (EV_KEY), code 42 (KEY_LEFTSHIFT), value 1"
        let token_after = |key: &str| -> Result<&str, String> {
            let start = rest.find(key).ok_or(format!("no {key:?}"))? + key.len();
            Ok(rest[start..].split([' ', ',']).next().unwrap_or(""))
        };
        let type_: u16 = number(token_after("type ")?, false)?;
        let code: u16 = number(token_after("code ")?, false)?;
        // evtest prints MSC_SCAN (4) and MSC_RAW (3) values in hex.
        let hex_value = type_ == 4 && (code == 3 || code == 4);
        Ok(Some(Recorded {
            at,
            type_,
            code,
            value: number(token_after("value ")?, hex_value)?,
        }))
    }

    /// Parses a whole recording, naming the line of any error.
    fn parse_recording(text: &str) -> Vec<Recorded> {
        text.lines()
            .enumerate()
            .filter_map(|(number, line)| {
                parse_line(line)
                    .unwrap_or_else(|error| panic!("line {}: {error}: {line:?}", number + 1))
            })
            .collect()
    }

    fn replay(name: &str, decoder: &mut WedgeDecoder) -> Vec<Result<Uid, WedgeReject>> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures/wedge")
            .join(name);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        let events = parse_recording(&text);
        assert!(!events.is_empty(), "{name} holds no events");
        events
            .iter()
            .filter_map(|e| decoder.feed_event(e.type_, e.code, e.value, e.at))
            .collect()
    }

    fn hex(text: &str) -> Uid {
        Uid::from_hex(text).unwrap()
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// Presses (and releases) `keys` 16 ms apart from `start`, then Enter.
    fn type_keys(
        decoder: &mut WedgeDecoder,
        keys: &[KeyCode],
        start: Duration,
    ) -> Vec<Result<Uid, WedgeReject>> {
        let mut out = Vec::new();
        let mut at = start;
        for &key in keys.iter().chain([KeyCode::KEY_ENTER].iter()) {
            out.extend(decoder.feed_key(key, 1, at));
            out.extend(decoder.feed_key(key, 0, at + ms(8)));
            at += ms(16);
        }
        out
    }

    use KeyCode as K;
    const UID_04A1B2C3: [KeyCode; 8] = [
        K::KEY_0,
        K::KEY_4,
        K::KEY_A,
        K::KEY_1,
        K::KEY_B,
        K::KEY_2,
        K::KEY_C,
        K::KEY_3,
    ];

    #[test]
    fn recorded_hex_uid_with_shift_and_syn_reports() {
        let mut decoder = WedgeDecoder::new(WedgeFormat::Hex);
        assert_eq!(
            replay("hex-4byte.txt", &mut decoder),
            vec![Ok(hex("04A1B2C3"))]
        );
        assert!(decoder.is_idle());
    }

    #[test]
    fn recorded_seven_byte_uid_in_lower_case() {
        let mut decoder = WedgeDecoder::new(WedgeFormat::Hex);
        assert_eq!(
            replay("hex-7byte.txt", &mut decoder),
            vec![Ok(hex("04659AE2B43C80"))]
        );
    }

    #[test]
    fn recorded_keypad_digits_and_keypad_enter() {
        let mut decoder = WedgeDecoder::new(WedgeFormat::Hex);
        assert_eq!(
            replay("keypad-enter.txt", &mut decoder),
            vec![Ok(hex("04A1B2C3"))]
        );
    }

    #[test]
    fn recorded_ten_digit_decimal_in_both_byte_orders() {
        let mut decoder = WedgeDecoder::new(WedgeFormat::Decimal);
        assert_eq!(
            replay("decimal-10.txt", &mut decoder),
            vec![Ok(hex("04A1B2C3"))]
        );
        let mut decoder = WedgeDecoder::new(WedgeFormat::DecimalReversed);
        assert_eq!(
            replay("decimal-10.txt", &mut decoder),
            vec![Ok(hex("C3B2A104"))]
        );
    }

    #[test]
    fn recorded_garbage_is_rejected_and_the_next_card_reads() {
        let mut decoder = WedgeDecoder::new(WedgeFormat::Hex);
        assert_eq!(
            replay("garbage.txt", &mut decoder),
            vec![
                Err(WedgeReject::UnexpectedKey {
                    code: K::KEY_MINUS.code()
                }),
                Ok(hex("04A1B2C3")),
            ]
        );
    }

    #[test]
    fn recorded_over_long_input_is_rejected_and_the_next_card_reads() {
        let mut decoder = WedgeDecoder::new(WedgeFormat::Hex);
        assert_eq!(
            replay("overlong.txt", &mut decoder),
            vec![
                Err(WedgeReject::TooLong {
                    digits: 24,
                    max: 20
                }),
                Ok(hex("04A1B2C3")),
            ]
        );
    }

    #[test]
    fn recorded_pause_mid_uid_drops_the_fragment() {
        let mut decoder = WedgeDecoder::new(WedgeFormat::Hex);
        assert_eq!(
            replay("pause-mid-uid.txt", &mut decoder),
            vec![
                Err(WedgeReject::Interrupted { digits: 4 }),
                Ok(hex("04A1B2C3")),
            ]
        );
    }

    #[test]
    fn recorded_autorepeat_is_ignored() {
        let mut decoder = WedgeDecoder::new(WedgeFormat::Hex);
        assert_eq!(
            replay("autorepeat.txt", &mut decoder),
            vec![Ok(hex("04A1B2C3"))]
        );
    }

    #[test]
    fn recorded_evtest_output_with_syn_dropped() {
        // "04A", lost events, the tail "2C3" + Enter: one rejection, then
        // the next card reads.
        let mut decoder = WedgeDecoder::new(WedgeFormat::Hex);
        assert_eq!(
            replay("evtest-dropped.txt", &mut decoder),
            vec![Err(WedgeReject::EventsLost), Ok(hex("04A1B2C3"))]
        );
    }

    #[test]
    fn a_pause_shorter_than_the_gap_keeps_the_entry() {
        let mut decoder = WedgeDecoder::new(WedgeFormat::Hex);
        let mut out = Vec::new();
        for (i, &key) in UID_04A1B2C3.iter().enumerate() {
            // 300 ms between the 4th and 5th key, 16 ms elsewhere.
            let at = ms(16 * i as u64) + if i >= 4 { ms(300) } else { ms(0) };
            out.extend(decoder.feed_key(key, 1, at));
        }
        out.extend(decoder.feed_key(K::KEY_ENTER, 1, ms(700)));
        assert_eq!(out, vec![Ok(hex("04A1B2C3"))]);

        // The same pause with a 200 ms gap configured cuts it.
        let mut decoder = WedgeDecoder::new(WedgeFormat::Hex).with_max_gap(ms(200));
        let mut out = Vec::new();
        for (i, &key) in UID_04A1B2C3.iter().enumerate() {
            let at = ms(16 * i as u64) + if i >= 4 { ms(300) } else { ms(0) };
            out.extend(decoder.feed_key(key, 1, at));
        }
        out.extend(decoder.feed_key(K::KEY_ENTER, 1, ms(500)));
        assert_eq!(
            out,
            vec![
                Err(WedgeReject::Interrupted { digits: 4 }),
                Err(WedgeReject::TooShort { digits: 4, min: 8 }),
            ]
        );
    }

    #[test]
    fn empty_enter_is_ignored_and_short_or_odd_entries_are_rejected() {
        let mut decoder = WedgeDecoder::new(WedgeFormat::Hex);
        assert_eq!(type_keys(&mut decoder, &[], ms(0)), vec![]);
        assert_eq!(
            type_keys(&mut decoder, &UID_04A1B2C3[..6], ms(100)),
            vec![Err(WedgeReject::TooShort { digits: 6, min: 8 })]
        );
        let mut odd = UID_04A1B2C3.to_vec();
        odd.push(K::KEY_D);
        assert_eq!(
            type_keys(&mut decoder, &odd, ms(400)),
            vec![Err(WedgeReject::OddLength { digits: 9 })]
        );
        // Ten bytes is the most; shift around them changes nothing.
        let mut ten = UID_04A1B2C3.to_vec();
        ten.extend([K::KEY_RIGHTSHIFT]);
        ten.extend(&UID_04A1B2C3);
        ten.extend([K::KEY_D, K::KEY_E, K::KEY_F, K::KEY_0]);
        assert_eq!(
            type_keys(&mut decoder, &ten, ms(800)),
            vec![Ok(hex("04A1B2C304A1B2C3DEF0"))]
        );
    }

    #[test]
    fn decimal_rejects_letters_wrong_lengths_and_numbers_above_u32() {
        let digits = |text: &str| -> Vec<KeyCode> {
            text.chars()
                .map(|c| match c {
                    '0' => K::KEY_0,
                    'A' => K::KEY_A,
                    d => KeyCode::new(d.to_digit(10).unwrap() as u16 + 1),
                })
                .collect()
        };
        let mut decoder = WedgeDecoder::new(WedgeFormat::Decimal);
        assert_eq!(
            type_keys(&mut decoder, &digits("4294967295"), ms(0)),
            vec![Ok(hex("FFFFFFFF"))]
        );
        assert_eq!(
            type_keys(&mut decoder, &digits("4294967296"), ms(1000)),
            vec![Err(WedgeReject::OutOfRange)]
        );
        assert_eq!(
            type_keys(&mut decoder, &digits("77705923"), ms(2000)),
            vec![Err(WedgeReject::TooShort { digits: 8, min: 10 })]
        );
        assert_eq!(
            type_keys(&mut decoder, &digits("00777059230"), ms(3000)),
            vec![Err(WedgeReject::TooLong {
                digits: 11,
                max: 10
            })]
        );
        assert_eq!(
            type_keys(&mut decoder, &digits("007770592A"), ms(4000)),
            vec![Err(WedgeReject::UnexpectedKey {
                code: K::KEY_A.code()
            })]
        );
    }

    #[test]
    fn expire_reports_a_hanging_fragment_once() {
        let mut decoder = WedgeDecoder::new(WedgeFormat::Hex);
        assert_eq!(decoder.feed_key(K::KEY_0, 1, ms(1000)), None);
        assert_eq!(decoder.feed_key(K::KEY_4, 1, ms(1016)), None);
        assert_eq!(decoder.expire(ms(1400)), None);
        assert_eq!(
            decoder.expire(ms(1600)),
            Some(WedgeReject::Interrupted { digits: 2 })
        );
        assert_eq!(decoder.expire(ms(2600)), None);
        assert!(decoder.is_idle());
        // Nothing left over: a whole UID reads cleanly afterwards.
        assert_eq!(
            type_keys(&mut decoder, &UID_04A1B2C3, ms(3000)),
            vec![Ok(hex("04A1B2C3"))]
        );
    }

    #[test]
    fn a_clock_going_backwards_starts_a_new_entry() {
        let mut decoder = WedgeDecoder::new(WedgeFormat::Hex);
        assert_eq!(decoder.feed_key(K::KEY_0, 1, ms(5000)), None);
        assert_eq!(
            decoder.feed_key(K::KEY_0, 1, ms(1000)),
            Some(Err(WedgeReject::Interrupted { digits: 1 }))
        );
    }

    #[test]
    fn events_lost_spoil_everything_up_to_enter_or_a_pause() {
        // Lost while idle: the keys that follow may be a tail, so the entry
        // up to Enter is rejected once.
        let mut decoder = WedgeDecoder::new(WedgeFormat::Hex);
        assert_eq!(decoder.feed_event(EV_SYN, SYN_DROPPED, 0, ms(0)), None);
        assert_eq!(
            type_keys(&mut decoder, &UID_04A1B2C3, ms(10)),
            vec![Err(WedgeReject::EventsLost)]
        );
        assert!(decoder.is_idle());
        // Lost, then nothing: reported once the gap has passed.
        decoder.events_lost(ms(150));
        assert_eq!(decoder.expire(ms(400)), None);
        assert_eq!(decoder.expire(ms(900)), Some(WedgeReject::EventsLost));
        assert_eq!(decoder.expire(ms(1900)), None);
        // Lost mid-entry, then a pause: the next card is clean.
        assert_eq!(decoder.feed_key(K::KEY_0, 1, ms(2000)), None);
        decoder.events_lost(ms(2008));
        let mut out = vec![];
        out.extend(decoder.feed_key(K::KEY_4, 1, ms(2016)));
        out.extend(type_keys(&mut decoder, &UID_04A1B2C3, ms(3000)));
        assert_eq!(out, vec![Err(WedgeReject::EventsLost), Ok(hex("04A1B2C3"))]);
        // Idle for a long time, then a read whose start was lost: the tail
        // after the loss is not taken for a new entry.
        assert_eq!(decoder.feed_event(EV_SYN, SYN_DROPPED, 0, ms(60_000)), None);
        assert_eq!(
            type_keys(&mut decoder, &UID_04A1B2C3[3..], ms(60_010)),
            vec![Err(WedgeReject::EventsLost)]
        );
        assert!(decoder.is_idle());
    }

    #[test]
    fn formats_parse_from_configuration_text() {
        assert_eq!("hex".parse(), Ok(WedgeFormat::Hex));
        assert_eq!(" Decimal ".parse(), Ok(WedgeFormat::Decimal));
        assert_eq!("decimal-reversed".parse(), Ok(WedgeFormat::DecimalReversed));
        assert!("bcd".parse::<WedgeFormat>().is_err());
        assert_eq!(WedgeFormat::default(), WedgeFormat::Hex);
    }

    #[test]
    fn rejections_read_in_swedish() {
        let reject = WedgeReject::TooLong {
            digits: 24,
            max: 20,
        };
        assert_eq!(
            reject.to_string(),
            "för långt kortnummer: 24 tecken, högst 20"
        );
        assert_eq!(
            WedgeReject::UnexpectedKey { code: 12 }.to_string(),
            "oväntad tangent (kod 12) i kortnumret"
        );
    }

    #[test]
    fn opening_a_missing_device_names_it() {
        let error = EvdevWedge::open(
            "/dev/input/by-id/finns-inte-event-kbd",
            WedgeDecoder::new(WedgeFormat::Hex),
        )
        .unwrap_err();
        match error {
            ReaderError::Device { device, reason } => {
                assert_eq!(device, "/dev/input/by-id/finns-inte-event-kbd");
                assert!(reason.contains("finns inte"), "{reason}");
            }
            other => panic!("expected a device error, got {other:?}"),
        }
    }

    #[test]
    fn opening_a_file_that_is_not_an_input_device_fails() {
        let file = tempfile::NamedTempFile::new().unwrap();
        let error = EvdevWedge::open(file.path(), WedgeDecoder::new(WedgeFormat::Hex)).unwrap_err();
        match error {
            ReaderError::Device { reason, .. } => {
                assert!(reason.contains("ingen inmatningsenhet"), "{reason}")
            }
            other => panic!("expected a device error, got {other:?}"),
        }
    }

    #[test]
    fn fixture_parser_reads_both_line_forms() {
        let events = parse_recording(
            "# comment\n\
             1717500000.000100 1 30 1  # KEY_A\n\
             Event: time 1717500000.000200, type 1 (EV_KEY), code 30 (KEY_A), value 0\n\
             Event: time 1717500000.000200, type 4 (EV_MSC), code 4 (MSC_SCAN), value 700e1\n\
             Event: time 1717500000.000200, -------------- SYN_REPORT ------------\n\
             Event: time 1717500000.000300, >>>>>>>>>>>>>> SYN_DROPPED <<<<<<<<<<<<\n",
        );
        let flat: Vec<(u128, u16, u16, i32)> = events
            .iter()
            .map(|e| (e.at.as_micros(), e.type_, e.code, e.value))
            .collect();
        assert_eq!(
            flat,
            vec![
                (1_717_500_000_000_100, 1, 30, 1),
                (1_717_500_000_000_200, 1, 30, 0),
                (1_717_500_000_000_200, 4, 4, 0x700e1),
                (1_717_500_000_000_200, 0, 0, 0),
                (1_717_500_000_000_300, 0, 3, 0),
            ]
        );
        // Malformed lines are errors, not silently skipped.
        assert!(parse_line("1717500000.000100 1 30").is_err());
        assert!(parse_line("1717500000.1 1 30 1").is_err());
        assert!(parse_line("1717500000.000100 1 KEY_A 1").is_err());
        assert!(parse_line("Event: time 1717500000.000100, type 1 (EV_KEY)").is_err());
    }
}
