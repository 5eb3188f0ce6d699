//! The NXP PN532 NFC reader, speaking its frame protocol (UM0701-02).
//!
//! [`Pn532`] is the driver: it wakes the chip, puts it in normal mode with
//! `SAMConfiguration`, and on every [`CardReader::poll`] sends
//! `InListPassiveTarget` for one ISO 14443-A target at 106 kbps and returns
//! the card's UID. When no card comes before the poll's timeout it aborts the
//! command with an ACK frame, as the manual describes, and returns `Ok(None)`.
//!
//! The driver talks through a [`Transport`]: [`Uart`] (HSU, 115200 8N1) here,
//! and I2C and SPI on the Raspberry Pi in `pi` (feature `pi`). [`frame`] has
//! the pure frame encoding and decoding, [`emulator`] a PN532 on a
//! pseudo-terminal for the tests and the demo.
//!
//! Exchange: the host sends a command frame and waits [`ACK_TIMEOUT`] for the
//! PN532's ACK, then for the response frame. A response with a bad data
//! checksum is asked for again once with a NACK; a second bad one is a
//! [`ReaderError::Protocol`]. Garbage on the line is skipped up to the next
//! start code `00 FF`. Any error makes the next poll wake and configure the
//! chip again.

pub mod emulator;
pub mod frame;
#[cfg(feature = "pi")]
pub mod pi;

use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

use serialport::{ClearBuffer, DataBits, FlowControl, Parity, SerialPort, StopBits};

use super::{CardReader, ReaderError, Uid};
use frame::{Decoded, Frame, FrameError};

/// Command code `GetFirmwareVersion`.
pub const GET_FIRMWARE_VERSION: u8 = 0x02;
/// Command code `SAMConfiguration`.
pub const SAM_CONFIGURATION: u8 = 0x14;
/// Command code `InListPassiveTarget`.
pub const IN_LIST_PASSIVE_TARGET: u8 = 0x4A;

/// The HSU wake-up sent before the first command: `55 55` and a long run of
/// zeros, so that a PN532 in power-down or low-VBat mode is awake when the
/// command frame arrives (UM0701-02 §7.2.11, as libnfc does it).
pub const HSU_WAKE_UP: [u8; 16] = [
    0x55, 0x55, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
];

/// How long the PN532 has to acknowledge a command (it takes about a
/// millisecond; the margin is for a loaded system).
pub const ACK_TIMEOUT: Duration = Duration::from_millis(200);

/// How long the PN532 has to answer a command that does not wait for a
/// card, or to send a response again after a NACK.
pub const RESPONSE_TIMEOUT: Duration = Duration::from_millis(500);

/// Baud rate of the PN532's HSU after reset.
pub const UART_BAUD: u32 = 115_200;

/// How the driver reaches the chip: a byte stream with deadlines.
pub trait Transport: Send {
    /// Bytes sent right before the first command after opening or after an
    /// error, to wake the chip up. None by default.
    fn wake_up(&self) -> &'static [u8] {
        &[]
    }

    /// Writes all of `bytes`.
    fn write_all(&mut self, bytes: &[u8]) -> Result<(), ReaderError>;

    /// Reads what arrives into `buf`, waiting until `deadline` at most;
    /// `Ok(0)` means nothing came before the deadline. A device that is gone
    /// is a [`ReaderError::Device`].
    fn read(&mut self, buf: &mut [u8], deadline: Instant) -> Result<usize, ReaderError>;

    /// Where the chip is, e.g. `/dev/ttyAMA0`.
    fn name(&self) -> &str;
}

/// A PN532 on a serial port (HSU): 115200 baud, 8N1, no flow control.
pub struct Uart {
    port: Box<dyn SerialPort>,
    path: String,
}

impl std::fmt::Debug for Uart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Uart").field("path", &self.path).finish()
    }
}

impl Uart {
    /// Opens `path` (e.g. `/dev/ttyAMA0`, `/dev/ttyUSB0`) raw at 115200 8N1
    /// and drops anything already waiting in it.
    pub fn open(path: &str) -> Result<Uart, ReaderError> {
        let device = |e: serialport::Error| ReaderError::Device {
            device: path.to_string(),
            reason: e.to_string(),
        };
        let port = serialport::new(path, UART_BAUD)
            .data_bits(DataBits::Eight)
            .parity(Parity::None)
            .stop_bits(StopBits::One)
            .flow_control(FlowControl::None)
            .timeout(Duration::from_millis(50))
            .open()
            .map_err(device)?;
        port.clear(ClearBuffer::All).map_err(device)?;
        Ok(Uart {
            port,
            path: path.to_string(),
        })
    }

    fn device_error(&self, reason: impl ToString) -> ReaderError {
        ReaderError::Device {
            device: self.path.clone(),
            reason: reason.to_string(),
        }
    }
}

impl Transport for Uart {
    fn wake_up(&self) -> &'static [u8] {
        &HSU_WAKE_UP
    }

    fn write_all(&mut self, bytes: &[u8]) -> Result<(), ReaderError> {
        self.port
            .set_timeout(RESPONSE_TIMEOUT)
            .map_err(|e| self.device_error(e))?;
        match self.port.write_all(bytes) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::TimedOut => Err(ReaderError::Timeout),
            Err(e) => Err(self.device_error(e)),
        }
    }

    fn read(&mut self, buf: &mut [u8], deadline: Instant) -> Result<usize, ReaderError> {
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(0);
            }
            self.port
                .set_timeout(left)
                .map_err(|e| self.device_error(e))?;
            match self.port.read(buf) {
                // A terminal that reads end of file has been hung up.
                Ok(0) => return Err(self.device_error("porten stängdes (EOF)")),
                Ok(n) => return Ok(n),
                // Loop to check the deadline again.
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
                    ) => {}
                Err(e) => return Err(self.device_error(e)),
            }
        }
    }

    fn name(&self) -> &str {
        &self.path
    }
}

/// What `GetFirmwareVersion` says about the chip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FirmwareVersion {
    /// The IC: `0x32` for a PN532.
    pub ic: u8,
    /// Firmware version.
    pub version: u8,
    /// Firmware revision.
    pub revision: u8,
    /// Supported protocols: bit 0 ISO/IEC 14443 type A, bit 1 type B, bit 2
    /// ISO 18092.
    pub support: u8,
}

/// The PN532 driver over a [`Transport`].
#[derive(Debug)]
pub struct Pn532<T: Transport> {
    transport: T,
    /// Bytes read but not yet decoded.
    rx: Vec<u8>,
    /// Woken and in normal mode (`SAMConfiguration` done).
    configured: bool,
}

impl Pn532<Uart> {
    /// Opens a PN532 on the serial port `path`; the chip is woken and
    /// configured on first use.
    pub fn open_uart(path: &str) -> Result<Self, ReaderError> {
        Ok(Pn532::new(Uart::open(path)?))
    }
}

impl<T: Transport> Pn532<T> {
    /// A driver for the PN532 behind `transport`; nothing is sent yet.
    pub fn new(transport: T) -> Self {
        Pn532 {
            transport,
            rx: Vec::new(),
            configured: false,
        }
    }

    /// The transport, e.g. to look at it in a test.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// Asks the chip for its firmware version (and wakes and configures it
    /// first if needed).
    pub fn firmware_version(&mut self) -> Result<FirmwareVersion, ReaderError> {
        let result = self.try_firmware_version();
        self.after(result)
    }

    fn try_firmware_version(&mut self) -> Result<FirmwareVersion, ReaderError> {
        self.ensure_configured()?;
        let data = self.command(GET_FIRMWARE_VERSION, &[], Instant::now() + RESPONSE_TIMEOUT)?;
        match data.as_slice() {
            [_, ic, version, revision, support, ..] => Ok(FirmwareVersion {
                ic: *ic,
                version: *version,
                revision: *revision,
                support: *support,
            }),
            _ => Err(ReaderError::Protocol(
                "för kort svar på GetFirmwareVersion".into(),
            )),
        }
    }

    fn try_poll(&mut self, timeout: Duration) -> Result<Option<Uid>, ReaderError> {
        let deadline = Instant::now() + timeout;
        self.ensure_configured()?;
        // MaxTg 1, BrTy 0x00: one ISO 14443-A target at 106 kbps.
        self.send(IN_LIST_PASSIVE_TARGET, &[0x01, 0x00])?;
        match self.response(IN_LIST_PASSIVE_TARGET, deadline)? {
            Some(data) => parse_target(&data),
            None => {
                // No card in time: an ACK from the host aborts the command.
                self.rx.clear();
                self.transport.write_all(&frame::ACK)?;
                Ok(None)
            }
        }
    }

    /// After an error, start over with a wake-up and `SAMConfiguration`.
    fn after<R>(&mut self, result: Result<R, ReaderError>) -> Result<R, ReaderError> {
        if result.is_err() {
            self.configured = false;
            self.rx.clear();
        }
        result
    }

    fn ensure_configured(&mut self) -> Result<(), ReaderError> {
        if !self.configured {
            // Normal mode; timeout 1 s (virtual card mode only); use P70_IRQ.
            self.command(
                SAM_CONFIGURATION,
                &[0x01, 0x14, 0x01],
                Instant::now() + RESPONSE_TIMEOUT,
            )?;
            self.configured = true;
        }
        Ok(())
    }

    /// Sends command `code` with `params` and returns its response, which
    /// must come before `deadline`.
    fn command(
        &mut self,
        code: u8,
        params: &[u8],
        deadline: Instant,
    ) -> Result<Vec<u8>, ReaderError> {
        self.send(code, params)?;
        self.response(code, deadline)?.ok_or(ReaderError::Timeout)
    }

    /// Sends a command frame (after the wake-up if the chip is not
    /// configured yet) and waits for its ACK.
    fn send(&mut self, code: u8, params: &[u8]) -> Result<(), ReaderError> {
        let mut data = Vec::with_capacity(1 + params.len());
        data.push(code);
        data.extend_from_slice(params);
        let frame = frame::encode(frame::HOST_TO_PN532, &data)
            .map_err(|e| ReaderError::Protocol(e.to_string()))?;
        let mut bytes = Vec::with_capacity(HSU_WAKE_UP.len() + frame.len());
        if !self.configured {
            bytes.extend_from_slice(self.transport.wake_up());
        }
        bytes.extend_from_slice(&frame);
        self.rx.clear();
        self.transport.write_all(&bytes)?;
        let deadline = Instant::now() + ACK_TIMEOUT;
        loop {
            match self.next_frame(deadline)? {
                None => return Err(ReaderError::Timeout),
                Some(Ok(Frame::Ack)) => return Ok(()),
                Some(Ok(Frame::Error)) => {
                    return Err(ReaderError::Protocol(
                        "PN532 rapporterar fel i kommandot".into(),
                    ));
                }
                // A late response to an aborted command, or a broken frame
                // from before: not ours, skip it.
                Some(_) => {}
            }
        }
    }

    /// Waits for the response to command `code` until `deadline`; `None`
    /// when it did not come. A response with a bad data checksum is asked
    /// for once more with a NACK.
    fn response(&mut self, code: u8, deadline: Instant) -> Result<Option<Vec<u8>>, ReaderError> {
        let expected = code.wrapping_add(1);
        let mut deadline = deadline;
        let mut nacked = false;
        loop {
            match self.next_frame(deadline)? {
                None if nacked => return Err(ReaderError::Timeout),
                None => return Ok(None),
                Some(Ok(Frame::Information { tfi, data }))
                    if tfi == frame::PN532_TO_HOST && data.first() == Some(&expected) =>
                {
                    return Ok(Some(data));
                }
                Some(Ok(Frame::Error)) => {
                    return Err(ReaderError::Protocol(
                        "PN532 rapporterar fel i kommandot".into(),
                    ));
                }
                // A second ACK is harmless.
                Some(Ok(Frame::Ack)) => {}
                // Only the frame's kind and size: its data may hold a UID.
                Some(Ok(other)) => {
                    let what = match &other {
                        Frame::Information { tfi, data } => format!(
                            "informationsram TFI {tfi:#04x}, kommando {:#04x?}, {} byte",
                            data.first(),
                            data.len()
                        ),
                        Frame::Nack => "NACK".to_string(),
                        _ => "annan ram".to_string(),
                    };
                    return Err(ReaderError::Protocol(format!(
                        "oväntad ram i stället för svar {expected:#04x}: {what}"
                    )));
                }
                Some(Err(FrameError::DataChecksum)) if !nacked => {
                    nacked = true;
                    self.rx.clear();
                    self.transport.write_all(&frame::NACK)?;
                    deadline = Instant::now() + RESPONSE_TIMEOUT;
                }
                // Most likely a false start code in line noise: resynchronise.
                Some(Err(FrameError::LengthChecksum { .. })) => {}
                Some(Err(e)) => return Err(ReaderError::Protocol(e.to_string())),
            }
        }
    }

    /// The next frame, or a broken one, or `None` at the deadline.
    fn next_frame(
        &mut self,
        deadline: Instant,
    ) -> Result<Option<Result<Frame, FrameError>>, ReaderError> {
        let mut chunk = [0u8; 64];
        loop {
            match frame::decode(&self.rx) {
                Decoded::Frame { frame, used } => {
                    self.rx.drain(..used);
                    return Ok(Some(Ok(frame)));
                }
                Decoded::Invalid { error, used } => {
                    self.rx.drain(..used);
                    return Ok(Some(Err(error)));
                }
                Decoded::Incomplete { skip } => {
                    self.rx.drain(..skip);
                }
            }
            let n = self.transport.read(&mut chunk, deadline)?;
            if n == 0 {
                return Ok(None);
            }
            self.rx.extend_from_slice(&chunk[..n]);
        }
    }
}

/// The UID in an `InListPassiveTarget` response for type A:
/// `4B NbTg Tg SENS_RES(2) SEL_RES NFCIDLength NFCID…` (an ATS may follow).
fn parse_target(data: &[u8]) -> Result<Option<Uid>, ReaderError> {
    match data {
        [_, 0, ..] => Ok(None),
        [
            _,
            _nb_tg,
            _tg,
            _sens_res_hi,
            _sens_res_lo,
            _sel_res,
            len,
            rest @ ..,
        ] => {
            let len = usize::from(*len);
            if !matches!(len, 4 | 7 | 10) {
                return Err(ReaderError::Card(format!(
                    "UID med {len} byte (ska vara 4, 7 eller 10)"
                )));
            }
            match rest.get(..len) {
                Some(uid) => Ok(Some(Uid(uid.to_vec()))),
                None => Err(ReaderError::Card("UID:n är avkortad".into())),
            }
        }
        _ => Err(ReaderError::Protocol(
            "för kort svar på InListPassiveTarget".into(),
        )),
    }
}

impl<T: Transport> CardReader for Pn532<T> {
    fn poll(&mut self, timeout: Duration) -> Result<Option<Uid>, ReaderError> {
        let result = self.try_poll(timeout);
        self.after(result)
    }

    fn describe(&self) -> String {
        format!("PN532 på {}", self.transport.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;

    /// Replays `reads` chunk by chunk (nothing left: the deadline passed)
    /// and records what is written.
    #[derive(Default)]
    struct Scripted {
        reads: VecDeque<Vec<u8>>,
        writes: Vec<Vec<u8>>,
    }

    impl Transport for Scripted {
        fn wake_up(&self) -> &'static [u8] {
            &HSU_WAKE_UP
        }

        fn write_all(&mut self, bytes: &[u8]) -> Result<(), ReaderError> {
            self.writes.push(bytes.to_vec());
            Ok(())
        }

        fn read(&mut self, buf: &mut [u8], _deadline: Instant) -> Result<usize, ReaderError> {
            let Some(mut chunk) = self.reads.pop_front() else {
                return Ok(0);
            };
            let n = chunk.len().min(buf.len());
            buf[..n].copy_from_slice(&chunk[..n]);
            if n < chunk.len() {
                self.reads.push_front(chunk.split_off(n));
            }
            Ok(n)
        }

        fn name(&self) -> &str {
            "skript"
        }
    }

    fn response(data: &[u8]) -> Vec<u8> {
        frame::encode(frame::PN532_TO_HOST, data).unwrap()
    }

    #[test]
    fn resynchronises_on_garbage_and_skips_a_stale_response_before_the_ack() {
        let mut transport = Scripted::default();
        // SAMConfiguration: garbage, ACK and response in one chunk.
        let mut chunk = vec![0x13, 0x37, 0xFF];
        chunk.extend_from_slice(&frame::ACK);
        chunk.extend(response(&[0x15]));
        transport.reads.push_back(chunk);
        // InListPassiveTarget: a late answer to an aborted command first,
        // then the ACK, then the response split in the middle.
        let mut chunk = response(&[0x4B, 0x00]);
        chunk.extend_from_slice(&frame::ACK);
        chunk.extend([0x00, 0xFF, 0x00]);
        let target = response(&[0x4B, 0x01, 0x01, 0x00, 0x04, 0x08, 0x04, 1, 2, 3, 4]);
        chunk.extend_from_slice(&target[..7]);
        transport.reads.push_back(chunk);
        transport.reads.push_back(target[7..].to_vec());

        let mut reader = Pn532::new(transport);
        assert_eq!(
            reader.poll(Duration::from_secs(1)).unwrap(),
            Some(Uid(vec![1, 2, 3, 4]))
        );
        let writes = &reader.transport().writes;
        assert_eq!(writes.len(), 2);
        assert!(writes[0].starts_with(&HSU_WAKE_UP));
        assert_eq!(
            writes[0][HSU_WAKE_UP.len()..],
            frame::encode(frame::HOST_TO_PN532, &[0x14, 0x01, 0x14, 0x01]).unwrap()
        );
        assert_eq!(
            writes[1],
            frame::encode(frame::HOST_TO_PN532, &[0x4A, 0x01, 0x00]).unwrap()
        );
        assert_eq!(reader.describe(), "PN532 på skript");
    }

    #[test]
    fn no_response_aborts_with_an_ack() {
        let mut transport = Scripted::default();
        transport.reads.push_back(frame::ACK.to_vec());
        transport.reads.push_back(response(&[0x15]));
        transport.reads.push_back(frame::ACK.to_vec());
        let mut reader = Pn532::new(transport);
        assert_eq!(reader.poll(Duration::ZERO).unwrap(), None);
        assert_eq!(reader.transport().writes.last().unwrap(), &frame::ACK);
    }

    #[test]
    fn extended_and_error_frames_are_protocol_errors_and_the_chip_is_woken_again() {
        let extended = vec![
            0x00, 0x00, 0xFF, 0xFF, 0xFF, 0x00, 0x02, 0xFE, 0xD5, 0x4B, 0xE0, 0x00,
        ];
        for bad in [extended, frame::ERROR.to_vec()] {
            let mut transport = Scripted::default();
            transport.reads.push_back(frame::ACK.to_vec());
            transport.reads.push_back(response(&[0x15]));
            transport.reads.push_back(frame::ACK.to_vec());
            transport.reads.push_back(bad);
            transport.reads.push_back(frame::ACK.to_vec());
            let mut reader = Pn532::new(transport);
            assert!(matches!(
                reader.poll(Duration::from_secs(1)),
                Err(ReaderError::Protocol(_))
            ));
            // Next time: wake-up and SAMConfiguration again.
            let _ = reader.poll(Duration::from_secs(1));
            let writes = &reader.transport().writes;
            assert!(writes[2].starts_with(&HSU_WAKE_UP), "{writes:02X?}");
        }
    }

    #[test]
    fn a_missing_ack_is_a_timeout() {
        let mut reader = Pn532::new(Scripted::default());
        assert!(matches!(
            reader.poll(Duration::from_secs(1)),
            Err(ReaderError::Timeout)
        ));
    }

    #[test]
    fn parses_targets_of_every_uid_length() {
        let four = [0x4B, 0x01, 0x01, 0x00, 0x04, 0x08, 0x04, 1, 2, 3, 4];
        assert_eq!(parse_target(&four).unwrap(), Some(Uid(vec![1, 2, 3, 4])));
        let seven = [
            0x4B, 0x01, 0x01, 0x00, 0x44, 0x00, 0x07, 1, 2, 3, 4, 5, 6, 7,
        ];
        assert_eq!(
            parse_target(&seven).unwrap(),
            Some(Uid(vec![1, 2, 3, 4, 5, 6, 7]))
        );
        // An ATS after the UID is ignored.
        let mut ten = vec![0x4B, 0x01, 0x01, 0x00, 0x84, 0x20, 0x0A];
        ten.extend(1..=10);
        ten.extend([0x05, 0x78, 0x80, 0x70, 0x02]);
        assert_eq!(parse_target(&ten).unwrap(), Some(Uid((1..=10).collect())));
    }

    #[test]
    fn no_target_is_none_and_broken_targets_are_errors() {
        assert_eq!(parse_target(&[0x4B, 0x00]).unwrap(), None);
        // A broken answer is the reader's problem…
        for broken in [&[0x4B][..], &[0x4B, 0x01, 0x01, 0x00, 0x04, 0x08]] {
            assert!(
                matches!(parse_target(broken), Err(ReaderError::Protocol(_))),
                "{broken:02X?}"
            );
        }
        // …a strange or cut-off UID is the card's.
        for odd in [
            &[0x4B, 0x01, 0x01, 0x00, 0x04, 0x08, 0x04, 1, 2, 3][..],
            &[0x4B, 0x01, 0x01, 0x00, 0x04, 0x08, 0x05, 1, 2, 3, 4, 5],
        ] {
            assert!(
                matches!(parse_target(odd), Err(ReaderError::Card(_))),
                "{odd:02X?}"
            );
        }
    }
}
