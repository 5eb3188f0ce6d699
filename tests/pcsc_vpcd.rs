#![cfg(feature = "pcsc")]
//! End-to-end test of [`PcscReader`] through the real `pcsc` crate,
//! `libpcsclite` and `pcscd`, against the virtual reader of vsmartcard's
//! `vpcd` driver.
//!
//! `vpcd` adds readers to `pcscd` ("Virtual PCD 00 00" listens on TCP port
//! 35963, see `/etc/reader.conf.d/vpcd`). A virtual card is a TCP client
//! of that port: connecting puts the card on the reader, closing the
//! connection takes it away. Each message either way is a 2-byte
//! big-endian length and a payload; a 1-byte payload from `vpcd` is a
//! control (0 power off, 1 power on, 2 reset, 4 "send your ATR"), a longer
//! one is an APDU the card answers. `pcscd` asks for the ATR every few
//! hundred milliseconds to see whether the card is still there.
//!
//! Needs a running `pcscd` with `vpcd`: run `.ci/pcsc-test`, which
//! installs both and starts `pcscd` for the test. Plain `cargo test`
//! compiles this file to nothing (it needs `--features pcsc`).

use std::ffi::{CStr, CString};
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use motesskylt_hw::pcsc::api::{Context, Error as PcscError, ReaderState, Scope, State};
use motesskylt_hw::pcsc::{GET_UID_APDU, PcscReader};
use motesskylt_hw::{CardReader, ReaderError, Uid};

/// The first virtual reader `vpcd` adds, and the port it waits on.
const READER: &str = "Virtual PCD 00 00";
const VPCD_PORT: u16 = 35963;

/// ATR of a contactless storage card (MIFARE Classic 1K) as a PC/SC
/// part 3 reader presents it.
const ATR: [u8; 20] = [
    0x3B, 0x8F, 0x80, 0x01, 0x80, 0x4F, 0x0C, 0xA0, 0x00, 0x00, 0x03, 0x06, 0x03, 0x00, 0x01, 0x00,
    0x00, 0x00, 0x00, 0x6A,
];

/// How long `pcscd` may take to notice a card arriving or leaving (it
/// polls `vpcd` every 400 ms).
const NOTICE: Duration = Duration::from_secs(5);

const HOW_TO_RUN: &str = "run this test with .ci/pcsc-test, which installs pcscd and \
     vsmartcard-vpcd and starts pcscd (or: apt-get install pcscd vsmartcard-vpcd; \
     pcscd --foreground & cargo test --features pcsc --test pcsc_vpcd)";

const UID4: [u8; 4] = [0x04, 0xA1, 0xB2, 0xC3];
const UID7: [u8; 7] = [0x04, 0x65, 0x9A, 0xE2, 0xB4, 0x3C, 0x80];

/// What a virtual card has been asked.
#[derive(Debug, Default)]
struct CardLog {
    /// `vpcd`'s "send your ATR" (at power-on and at each presence check).
    atr_requests: usize,
    /// APDUs, in order.
    apdus: Vec<Vec<u8>>,
}

/// A card on the virtual reader, answered from its own thread.
struct VirtualCard {
    stream: TcpStream,
    log: Arc<Mutex<CardLog>>,
    thread: Option<JoinHandle<io::Result<()>>>,
}

impl VirtualCard {
    /// Puts on the reader a card that answers GET DATA with its UID and
    /// `90 00`.
    fn with_uid(uid: &[u8]) -> VirtualCard {
        let mut answer = uid.to_vec();
        answer.extend([0x90, 0x00]);
        VirtualCard::answering(answer)
    }

    /// Puts on the reader a card that answers GET DATA with `answer`
    /// (other APDUs with `6D 00`, "instruction not supported").
    fn answering(get_data_answer: Vec<u8>) -> VirtualCard {
        let stream = TcpStream::connect(("127.0.0.1", VPCD_PORT)).unwrap_or_else(|error| {
            panic!("cannot reach vpcd on 127.0.0.1:{VPCD_PORT} ({error}); {HOW_TO_RUN}")
        });
        stream.set_nodelay(true).expect("TCP_NODELAY");
        let log = Arc::new(Mutex::new(CardLog::default()));
        let thread = {
            let stream = stream.try_clone().expect("clone the card's socket");
            let log = Arc::clone(&log);
            thread::spawn(move || serve(stream, &get_data_answer, &log))
        };
        VirtualCard {
            stream,
            log,
            thread: Some(thread),
        }
    }

    fn atr_requests(&self) -> usize {
        lock(&self.log).atr_requests
    }

    fn apdus(&self) -> Vec<Vec<u8>> {
        lock(&self.log).apdus.clone()
    }

    /// Takes the card away (closes the connection) and checks that it
    /// followed the protocol while it was on the reader.
    fn remove(mut self) {
        let _ = self.stream.shutdown(Shutdown::Both);
        let thread = self.thread.take().expect("the card's thread");
        match thread.join() {
            Ok(Ok(())) => {}
            Ok(Err(error)) => panic!("the virtual card failed: {error}"),
            Err(_) => panic!("the virtual card's thread panicked"),
        }
    }
}

impl Drop for VirtualCard {
    fn drop(&mut self) {
        let _ = self.stream.shutdown(Shutdown::Both);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The card's side of the `vpcd` protocol, until the connection closes.
fn serve(mut stream: TcpStream, get_data_answer: &[u8], log: &Mutex<CardLog>) -> io::Result<()> {
    loop {
        let mut length = [0u8; 2];
        match stream.read_exact(&mut length) {
            Ok(()) => {}
            // Closed by `remove` (or by pcscd going away): the card is gone.
            Err(error)
                if matches!(
                    error.kind(),
                    io::ErrorKind::UnexpectedEof | io::ErrorKind::ConnectionReset
                ) =>
            {
                return Ok(());
            }
            Err(error) => return Err(error),
        }
        let mut message = vec![0u8; usize::from(u16::from_be_bytes(length))];
        match stream.read_exact(&mut message) {
            Ok(()) => {}
            Err(error) if error.kind() == io::ErrorKind::UnexpectedEof => return Ok(()),
            Err(error) => return Err(error),
        }
        let answer: &[u8] = match message.as_slice() {
            // Power off, power on, reset: no answer.
            [0..=2] => continue,
            [4] => {
                lock(log).atr_requests += 1;
                &ATR
            }
            [control] => {
                return Err(io::Error::other(format!("unknown vpcd control {control}")));
            }
            apdu => {
                lock(log).apdus.push(apdu.to_vec());
                if apdu == GET_UID_APDU {
                    get_data_answer
                } else {
                    &[0x6D, 0x00]
                }
            }
        };
        let length = u16::try_from(answer.len()).expect("short answer");
        let mut reply = length.to_be_bytes().to_vec();
        reply.extend_from_slice(answer);
        match stream.write_all(&reply) {
            Ok(()) => {}
            // Taken away while answering.
            Err(error)
                if matches!(
                    error.kind(),
                    io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset
                ) =>
            {
                return Ok(());
            }
            Err(error) => return Err(error),
        }
    }
}

/// One test at a time: they share the one virtual reader.
fn exclusive() -> MutexGuard<'static, ()> {
    static READER_IN_USE: Mutex<()> = Mutex::new(());
    lock(&READER_IN_USE)
}

/// The virtual reader's full name as `pcscd` gives it, or a failure that
/// says how to run the test.
fn virtual_reader(context: &Context) -> CString {
    let readers = match context.list_readers_owned() {
        Ok(readers) => readers,
        Err(PcscError::NoReadersAvailable) => Vec::new(),
        Err(error) => panic!("pcscd does not answer ({error}); {HOW_TO_RUN}"),
    };
    readers
        .iter()
        .find(|name| name.to_string_lossy().contains(READER))
        .cloned()
        .unwrap_or_else(|| {
            let present: Vec<_> = readers.iter().map(|n| n.to_string_lossy()).collect();
            panic!(
                "pcscd has no reader «{READER}» (readers: {present:?}); is vsmartcard-vpcd \
                 installed, and was pcscd started after it? {HOW_TO_RUN}"
            )
        })
}

/// Waits until `pcscd` itself says whether a card is on the reader, seen
/// from a context of its own.
fn wait_for_card_on_reader(context: &Context, reader: &CStr, present: bool) {
    if !card_on_reader_within(context, reader, present) {
        panic!(
            "pcscd did not see the card {} within {NOTICE:?}",
            if present { "arrive" } else { "leave" }
        );
    }
}

/// Whether `pcscd` says within [`NOTICE`] that a card is (`present`) or is
/// not on the reader.
fn card_on_reader_within(context: &Context, reader: &CStr, present: bool) -> bool {
    let deadline = Instant::now() + NOTICE;
    let mut state = ReaderState::new(reader.to_owned(), State::UNAWARE);
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        match context.get_status_change(remaining, std::slice::from_mut(&mut state)) {
            Ok(()) => {}
            Err(PcscError::Timeout) => return false,
            Err(error) => panic!("pcscd: {error}"),
        }
        if state.event_state().contains(State::PRESENT) == present {
            return true;
        }
        state.sync_current_state();
    }
}

/// An empty virtual reader, opened through [`PcscReader::open`].
struct Setup {
    context: Context,
    name: CString,
    reader: PcscReader,
}

fn setup() -> Setup {
    let context = Context::establish(Scope::User)
        .unwrap_or_else(|error| panic!("pcscd is not running ({error}); {HOW_TO_RUN}"));
    let name = virtual_reader(&context);
    // A card left by an earlier test would be read as a new card here.
    assert!(
        card_on_reader_within(&context, &name, false),
        "a card stays on «{READER}»: is another vpcd client (such as vicc) connected \
         to port {VPCD_PORT}?"
    );
    let reader = PcscReader::open(Some(READER)).expect("open the virtual reader");
    assert_eq!(reader.reader_name(), name.to_string_lossy());
    Setup {
        context,
        name,
        reader,
    }
}

/// Polls as the kiosk's runner does until the reader reports something.
fn next_report(reader: &mut PcscReader) -> Result<Uid, ReaderError> {
    let deadline = Instant::now() + NOTICE;
    while Instant::now() < deadline {
        if let Some(uid) = reader.poll(Duration::from_millis(250))? {
            return Ok(uid);
        }
    }
    panic!("no card reported within {NOTICE:?}");
}

#[test]
fn a_four_and_a_seven_byte_uid_are_read_from_the_card() {
    let _reader_in_use = exclusive();
    let Setup {
        context,
        name,
        mut reader,
    } = setup();

    let card = VirtualCard::with_uid(&UID4);
    let uid = next_report(&mut reader).expect("the 4-byte card");
    assert_eq!(uid, Uid(UID4.to_vec()));
    assert_eq!(uid.to_string(), "04A1B2C3");
    assert_eq!(card.apdus(), vec![GET_UID_APDU.to_vec()]);
    card.remove();
    wait_for_card_on_reader(&context, &name, false);

    let card = VirtualCard::with_uid(&UID7);
    let uid = next_report(&mut reader).expect("the 7-byte card");
    assert_eq!(uid.to_string(), "04659AE2B43C80");
    assert_eq!(card.apdus(), vec![GET_UID_APDU.to_vec()]);
    card.remove();
}

#[test]
fn a_card_left_on_the_reader_is_reported_once() {
    let _reader_in_use = exclusive();
    let mut reader = setup().reader;

    let card = VirtualCard::with_uid(&UID4);
    assert_eq!(next_report(&mut reader).unwrap(), Uid(UID4.to_vec()));
    // Poll on while pcscd checks three more times that the card is still
    // there (each check asks for its ATR).
    let checked = card.atr_requests() + 3;
    let deadline = Instant::now() + NOTICE;
    while card.atr_requests() < checked {
        assert!(Instant::now() < deadline, "pcscd stopped checking the card");
        assert_eq!(
            reader.poll(Duration::from_millis(200)).unwrap(),
            None,
            "a card still on the reader was reported again"
        );
    }
    assert_eq!(card.apdus().len(), 1, "the card was read more than once");
    card.remove();
}

#[test]
fn a_card_taken_away_and_put_back_is_reported_again() {
    let _reader_in_use = exclusive();
    let Setup {
        context,
        name,
        mut reader,
    } = setup();

    let card = VirtualCard::with_uid(&UID7);
    assert_eq!(next_report(&mut reader).unwrap(), Uid(UID7.to_vec()));
    card.remove();
    wait_for_card_on_reader(&context, &name, false);
    // The card leaving is no card.
    assert_eq!(reader.poll(Duration::from_millis(100)).unwrap(), None);

    let card = VirtualCard::with_uid(&UID7);
    assert_eq!(next_report(&mut reader).unwrap(), Uid(UID7.to_vec()));
    card.remove();
}

#[test]
fn a_card_swapped_between_two_polls_is_reported() {
    let _reader_in_use = exclusive();
    let Setup {
        context,
        name,
        mut reader,
    } = setup();

    let card = VirtualCard::with_uid(&UID4);
    assert_eq!(next_report(&mut reader).unwrap(), Uid(UID4.to_vec()));
    // Taken away and another put on while nobody polls: the reader only
    // ever sees "card present", but pcscd's event count has moved on.
    card.remove();
    wait_for_card_on_reader(&context, &name, false);
    let card = VirtualCard::with_uid(&UID7);
    wait_for_card_on_reader(&context, &name, true);
    assert_eq!(next_report(&mut reader).unwrap(), Uid(UID7.to_vec()));
    card.remove();
}

#[test]
fn a_card_that_gives_no_uid_is_a_card_error() {
    let _reader_in_use = exclusive();
    let mut reader = setup().reader;

    let card = VirtualCard::answering(vec![0x63, 0x00]);
    match next_report(&mut reader) {
        Err(ReaderError::Card(message)) => assert!(message.contains("63 00"), "{message}"),
        other => panic!("expected a card error, got {other:?}"),
    }
    assert_eq!(card.apdus(), vec![GET_UID_APDU.to_vec()]);
    card.remove();
}
