//! The PN532 driver over a real serial port (a pty) against the emulated
//! PN532: frames, timeouts, aborts, corruption and an unplugged reader.

use std::thread;
use std::time::{Duration, Instant};

use motesskylt_hw::pn532::emulator::{Counts, Emulator};
use motesskylt_hw::pn532::{Pn532, Uart};
use motesskylt_hw::{CardReader, ReaderError, Uid};

/// Long enough for a card that is on the reader to be answered.
const POLL: Duration = Duration::from_millis(1000);
/// For polls that are expected to find nothing.
const EMPTY_POLL: Duration = Duration::from_millis(150);
/// Generous bound: only there to catch a hang.
const HANG: Duration = Duration::from_secs(5);

fn uid(hex: &str) -> Uid {
    Uid::from_hex(hex).expect("test UID")
}

fn reader(emulator: &Emulator) -> Pn532<Uart> {
    let path = emulator.path().to_str().expect("pty path is UTF-8");
    Pn532::open_uart(path).expect("open the emulator's pty")
}

/// Waits (bounded) until the emulator's counts satisfy `done`: the host's
/// abort ACK is written without an answer, so the chip may see it a moment
/// after `poll` has returned.
fn wait_for_counts(emulator: &Emulator, done: impl Fn(Counts) -> bool) -> Counts {
    let started = Instant::now();
    loop {
        let counts = emulator.counts();
        if done(counts) || started.elapsed() > HANG {
            return counts;
        }
        thread::sleep(Duration::from_millis(2));
    }
}

fn setup() -> (Emulator, Pn532<Uart>) {
    let emulator = Emulator::start().expect("start the emulator");
    let reader = reader(&emulator);
    (emulator, reader)
}

#[test]
fn reads_four_and_seven_byte_uids() {
    let (emulator, mut reader) = setup();
    assert_eq!(
        reader.describe(),
        format!("PN532 på {}", emulator.path().display())
    );

    emulator.tap(uid("04A1B2C3"));
    assert_eq!(reader.poll(POLL).unwrap(), Some(uid("04A1B2C3")));
    // Wake-up and SAMConfiguration first, then InListPassiveTarget.
    assert_eq!(emulator.commands_seen(), 2);

    emulator.tap(uid("04112233445566"));
    assert_eq!(reader.poll(POLL).unwrap(), Some(uid("04112233445566")));
    // Configured once: one more command only.
    assert_eq!(emulator.commands_seen(), 3);

    emulator.tap(uid("0102030405060708090A"));
    assert_eq!(
        reader.poll(POLL).unwrap(),
        Some(uid("0102030405060708090A"))
    );
}

#[test]
fn firmware_version_is_read() {
    let (_emulator, mut reader) = setup();
    let version = reader.firmware_version().unwrap();
    assert_eq!(
        (
            version.ic,
            version.version,
            version.revision,
            version.support
        ),
        (0x32, 0x01, 0x06, 0x07)
    );
}

#[test]
fn no_card_is_none_after_an_abort_and_the_reader_still_works() {
    let (emulator, mut reader) = setup();
    let started = Instant::now();
    assert_eq!(reader.poll(EMPTY_POLL).unwrap(), None);
    let took = started.elapsed();
    assert!(took >= EMPTY_POLL, "returned before its timeout: {took:?}");
    assert!(took < HANG, "hung: {took:?}");
    assert_eq!(
        wait_for_counts(&emulator, |c| c.aborts > 0),
        Counts {
            commands: 2,
            nacks: 0,
            aborts: 1
        }
    );

    // A tapped card is read by the next poll, and only once.
    emulator.tap(uid("DEADBEEF"));
    assert_eq!(reader.poll(POLL).unwrap(), Some(uid("DEADBEEF")));
    assert_eq!(reader.poll(EMPTY_POLL).unwrap(), None);
    assert_eq!(wait_for_counts(&emulator, |c| c.aborts > 1).aborts, 2);
}

#[test]
fn a_card_arriving_during_a_poll_is_read_by_that_poll() {
    let (emulator, mut reader) = setup();
    thread::scope(|scope| {
        scope.spawn(|| {
            thread::sleep(Duration::from_millis(50));
            emulator.tap(uid("0A0B0C0D"));
        });
        assert_eq!(reader.poll(HANG).unwrap(), Some(uid("0A0B0C0D")));
    });
    assert_eq!(emulator.counts().aborts, 0);
}

#[test]
fn a_card_held_on_the_reader_is_returned_every_poll() {
    let (emulator, mut reader) = setup();
    emulator.present(uid("04C0FFEE"));
    for _ in 0..3 {
        assert_eq!(reader.poll(POLL).unwrap(), Some(uid("04C0FFEE")));
    }
    emulator.remove();
    assert_eq!(reader.poll(EMPTY_POLL).unwrap(), None);
}

#[test]
fn one_corrupted_response_is_recovered_with_a_nack_two_are_a_protocol_error() {
    let (emulator, mut reader) = setup();
    emulator.present(uid("04A1B2C3"));
    assert_eq!(reader.poll(POLL).unwrap(), Some(uid("04A1B2C3")));

    // One bad DCS: the driver NACKs, the chip sends the response again.
    emulator.corrupt_next(1);
    assert_eq!(reader.poll(POLL).unwrap(), Some(uid("04A1B2C3")));
    assert_eq!(emulator.counts().nacks, 1);

    // The resent response is bad as well: the driver gives up.
    emulator.corrupt_next(2);
    match reader.poll(POLL) {
        Err(ReaderError::Protocol(_)) => {}
        other => panic!("expected a protocol error, got {other:?}"),
    }
    // Asked for a resend once, not more.
    assert_eq!(emulator.counts().nacks, 2);

    // And the next poll reads the card again.
    assert_eq!(reader.poll(POLL).unwrap(), Some(uid("04A1B2C3")));
}

#[test]
fn a_muted_reader_times_out_and_recovers_when_it_speaks_again() {
    let (emulator, mut reader) = setup();
    emulator.present(uid("04A1B2C3"));
    emulator.mute(true);
    let started = Instant::now();
    assert!(matches!(reader.poll(POLL), Err(ReaderError::Timeout)));
    assert!(started.elapsed() < HANG);
    assert!(
        emulator.commands_seen() >= 1,
        "the command reached the chip"
    );

    emulator.mute(false);
    assert_eq!(reader.poll(POLL).unwrap(), Some(uid("04A1B2C3")));
}

#[test]
fn unplugging_mid_read_is_a_device_error_and_a_new_reader_works() {
    let (emulator, mut reader) = setup();
    // Configure first, so that the poll below waits for a card.
    assert_eq!(reader.poll(EMPTY_POLL).unwrap(), None);

    let started = Instant::now();
    let result = thread::scope(|scope| {
        scope.spawn(|| {
            thread::sleep(Duration::from_millis(100));
            emulator.unplug();
        });
        reader.poll(Duration::from_secs(30))
    });
    let took = started.elapsed();
    match result {
        Err(ReaderError::Device { device, .. }) => {
            assert_eq!(device, emulator.path().to_str().unwrap());
        }
        other => panic!("expected a device error, got {other:?}"),
    }
    assert!(took < HANG, "the unplug was noticed only after {took:?}");
    // Still unplugged: still a device error, at once and without a panic.
    assert!(matches!(reader.poll(POLL), Err(ReaderError::Device { .. })));
    drop(reader);
    drop(emulator);

    let (emulator, mut reader) = setup();
    emulator.tap(uid("04A1B2C3"));
    assert_eq!(reader.poll(POLL).unwrap(), Some(uid("04A1B2C3")));
}

#[test]
fn reopening_the_same_emulator_works() {
    let emulator = Emulator::start().unwrap();
    emulator.present(uid("04A1B2C3"));
    let mut first = reader(&emulator);
    assert_eq!(first.poll(POLL).unwrap(), Some(uid("04A1B2C3")));
    drop(first);
    let mut second = reader(&emulator);
    assert_eq!(second.poll(POLL).unwrap(), Some(uid("04A1B2C3")));
}

#[test]
fn opening_a_missing_port_is_a_device_error() {
    match Pn532::open_uart("/dev/finns-inte") {
        Err(ReaderError::Device { device, .. }) => assert_eq!(device, "/dev/finns-inte"),
        other => panic!("expected a device error, got {:?}", other.map(|_| ())),
    }
}
