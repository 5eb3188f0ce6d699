//! An emulated PN532 on a pseudo-terminal, for the tests and the demo.
//!
//! [`Emulator::start`] opens a pty and speaks real PN532 frames on its
//! master side from a background thread; the driver (or another process)
//! opens [`Emulator::path`], the slave, like a serial port. It answers
//! `GetFirmwareVersion`, `SAMConfiguration` and `InListPassiveTarget` (one
//! type A target at 106 kbps) with an ACK and then the response, sends the
//! last response again on a NACK, and answers anything else with the error
//! frame. `InListPassiveTarget` is answered when a card is on the reader;
//! until then it is held, and an ACK from the host aborts it, as on the chip.
//!
//! The control methods take `&self` and may be called from any thread:
//! cards ([`present`](Emulator::present), [`tap`](Emulator::tap),
//! [`remove`](Emulator::remove)) and faults
//! ([`corrupt_next`](Emulator::corrupt_next), [`mute`](Emulator::mute),
//! [`unplug`](Emulator::unplug)).

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};

use nix::errno::Errno;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::pty::openpty;
use nix::sys::termios::{SetArg, cfmakeraw, tcgetattr, tcsetattr};
use nix::unistd::ttyname;

use super::frame::{self, Decoded, Frame};
use super::{GET_FIRMWARE_VERSION, IN_LIST_PASSIVE_TARGET, SAM_CONFIGURATION};
use crate::Uid;

/// What the emulated chip reports for `GetFirmwareVersion`: PN532 (0x32),
/// firmware 1.6, ISO 14443 A and B and ISO 18092.
pub const FIRMWARE: [u8; 4] = [0x32, 0x01, 0x06, 0x07];

/// How often the thread looks at the controls while the line is quiet.
const TICK: u8 = 5; // milliseconds

/// What the emulator has received, for assertions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Command frames from the host (also those swallowed while muted).
    pub commands: usize,
    /// NACK frames from the host (requests to send a response again).
    pub nacks: usize,
    /// ACK frames from the host that aborted a held `InListPassiveTarget`.
    pub aborts: usize,
}

/// The controls, shared with the thread.
#[derive(Default)]
struct State {
    card: Option<Uid>,
    /// The card leaves after one answer.
    tapped: bool,
    corrupt: usize,
    muted: bool,
    counts: Counts,
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    stop: AtomicBool,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        // The state stays consistent even if a holder panicked.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// An emulated PN532 on a pseudo-terminal. Dropping it stops the thread and
/// closes the pty.
pub struct Emulator {
    path: PathBuf,
    shared: Arc<Shared>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Emulator {
    /// Opens a pty, sets its slave raw and starts answering on the master.
    pub fn start() -> io::Result<Emulator> {
        let pty = openpty(None, None)?;
        let mut termios = tcgetattr(&pty.slave)?;
        cfmakeraw(&mut termios);
        tcsetattr(&pty.slave, SetArg::TCSANOW, &termios)?;
        let path = ttyname(&pty.slave)?;
        let shared = Arc::new(Shared::default());
        let thread = thread::Builder::new()
            .name("pn532-emulator".into())
            .spawn({
                let shared = Arc::clone(&shared);
                move || {
                    let mut chip = Chip {
                        master: File::from(pty.master),
                        _slave: pty.slave,
                        pending: false,
                        last_response: None,
                    };
                    // An I/O error on the master ends the emulator.
                    let _ = chip.run(&shared);
                }
            })?;
        Ok(Emulator {
            path,
            shared,
            thread: Mutex::new(Some(thread)),
        })
    }

    /// The slave side to open as a serial port, e.g. `/dev/pts/3`.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Puts a card on the reader; it stays until [`remove`](Self::remove).
    pub fn present(&self, uid: Uid) {
        let mut state = self.shared.state();
        state.card = Some(uid);
        state.tapped = false;
    }

    /// Puts a card on the reader for one `InListPassiveTarget` answer.
    pub fn tap(&self, uid: Uid) {
        let mut state = self.shared.state();
        state.card = Some(uid);
        state.tapped = true;
    }

    /// Takes the card off the reader.
    pub fn remove(&self) {
        self.shared.state().card = None;
    }

    /// Gives the next `n` response frames (resent ones included) a bad data
    /// checksum. ACK frames are not affected.
    pub fn corrupt_next(&self, n: usize) {
        self.shared.state().corrupt = n;
    }

    /// While muted, every frame from the host is swallowed unanswered.
    pub fn mute(&self, muted: bool) {
        self.shared.state().muted = muted;
    }

    /// Pulls the plug: stops the thread and closes the pty, so that the
    /// host's reads and writes fail. The emulator stays dead afterwards.
    pub fn unplug(&self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        let thread = self
            .thread
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(thread) = thread {
            // A panic in the thread has already been reported.
            let _ = thread.join();
        }
    }

    /// What has been received so far.
    pub fn counts(&self) -> Counts {
        self.shared.state().counts
    }

    /// Command frames received so far (`counts().commands`).
    pub fn commands_seen(&self) -> usize {
        self.counts().commands
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.unplug();
    }
}

/// The emulated chip, owned by the thread.
struct Chip {
    master: File,
    /// Kept open so that the master does not see a hang-up while no host has
    /// the slave open.
    _slave: OwnedFd,
    /// An `InListPassiveTarget` waits for a card.
    pending: bool,
    /// Sent again on a NACK.
    last_response: Option<Vec<u8>>,
}

impl Chip {
    fn run(&mut self, shared: &Shared) -> io::Result<()> {
        let mut rx = Vec::new();
        let mut buf = [0u8; 256];
        while !shared.stop.load(Ordering::Relaxed) {
            let mut fds = [PollFd::new(self.master.as_fd(), PollFlags::POLLIN)];
            match poll(&mut fds, PollTimeout::from(TICK)) {
                Ok(0) | Err(Errno::EINTR) => {}
                Ok(_) => {
                    let n = self.master.read(&mut buf)?;
                    if n == 0 {
                        return Ok(());
                    }
                    rx.extend_from_slice(&buf[..n]);
                }
                Err(e) => return Err(e.into()),
            }
            // Frames in, skipping the wake-up preamble and any garbage.
            loop {
                match frame::decode(&rx) {
                    Decoded::Frame { frame, used } => {
                        rx.drain(..used);
                        self.handle(frame, &mut shared.state())?;
                    }
                    Decoded::Invalid { used, .. } => {
                        rx.drain(..used);
                    }
                    Decoded::Incomplete { skip } => {
                        rx.drain(..skip);
                        break;
                    }
                }
            }
            self.answer_pending(&mut shared.state())?;
        }
        Ok(())
    }

    fn handle(&mut self, frame: Frame, state: &mut State) -> io::Result<()> {
        let command = matches!(&frame, Frame::Information { tfi, data }
            if *tfi == frame::HOST_TO_PN532 && !data.is_empty());
        if command {
            state.counts.commands += 1;
        }
        if state.muted {
            return Ok(());
        }
        match frame {
            Frame::Information { data, .. } if command => {
                self.master.write_all(&frame::ACK)?;
                // A new command replaces a held one.
                self.pending = false;
                match data.as_slice() {
                    [GET_FIRMWARE_VERSION] => {
                        let mut response = vec![GET_FIRMWARE_VERSION + 1];
                        response.extend_from_slice(&FIRMWARE);
                        self.respond(&response, state)
                    }
                    [SAM_CONFIGURATION, ..] => self.respond(&[SAM_CONFIGURATION + 1], state),
                    [IN_LIST_PASSIVE_TARGET, 1 | 2, 0x00, ..] => {
                        self.pending = true;
                        self.answer_pending(state)
                    }
                    _ => self.master.write_all(&frame::ERROR),
                }
            }
            Frame::Ack if self.pending => {
                self.pending = false;
                state.counts.aborts += 1;
                Ok(())
            }
            Frame::Nack => {
                state.counts.nacks += 1;
                match self.last_response.take() {
                    Some(last) => self.respond(&last, state),
                    None => Ok(()),
                }
            }
            _ => Ok(()),
        }
    }

    /// Answers a held `InListPassiveTarget` if a card is on the reader.
    fn answer_pending(&mut self, state: &mut State) -> io::Result<()> {
        if !self.pending || state.muted {
            return Ok(());
        }
        let Some(uid) = state.card.clone() else {
            return Ok(());
        };
        if state.tapped {
            state.card = None;
            state.tapped = false;
        }
        self.pending = false;
        self.respond(&target(&uid), state)
    }

    /// Sends a response frame, with a bad data checksum if so ordered.
    fn respond(&mut self, data: &[u8], state: &mut State) -> io::Result<()> {
        let mut bytes = frame::encode(frame::PN532_TO_HOST, data)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        if state.corrupt > 0 {
            state.corrupt -= 1;
            // DCS is second to last, before the postamble.
            let dcs = bytes.len() - 2;
            bytes[dcs] = bytes[dcs].wrapping_add(1);
        }
        self.last_response = Some(data.to_vec());
        self.master.write_all(&bytes)
    }
}

/// The `InListPassiveTarget` response for one type A target with `uid`:
/// `4B NbTg Tg SENS_RES(2) SEL_RES NFCIDLength NFCID`, SENS_RES giving the
/// UID size as a MIFARE Classic (4 bytes) or Ultralight/DESFire (7, 10)
/// would.
fn target(uid: &Uid) -> Vec<u8> {
    let (sens_res, sel_res) = match uid.0.len() {
        0..=4 => (0x04, 0x08),
        5..=7 => (0x44, 0x00),
        _ => (0x84, 0x00),
    };
    // A UID is at most 10 bytes (Uid::from_hex); clamp anything longer.
    let len = uid.0.len().min(usize::from(u8::MAX)) as u8;
    let mut data = vec![
        IN_LIST_PASSIVE_TARGET + 1,
        0x01,
        0x01,
        0x00,
        sens_res,
        sel_res,
        len,
    ];
    data.extend_from_slice(&uid.0[..usize::from(len)]);
    data
}
