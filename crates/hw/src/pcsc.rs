//! PC/SC card readers, such as the ACS ACR122U, through `pcscd` (feature
//! `pcsc`).
//!
//! [`PcscReader`] waits for a card with `SCardGetStatusChange`, connects
//! to it and asks for its UID with the standard contactless GET DATA
//! command ([`GET_UID_APDU`], `FF CA 00 00 00`). The answer is checked by
//! the pure [`parse_uid_response`].

use std::ffi::CString;
use std::time::{Duration, Instant};

use pcsc::{
    Context, Disposition, Error as PcscError, Protocols, ReaderState, Scope, ShareMode, State,
};

use super::{CardReader, ReaderError, Uid};

/// The PC/SC library itself, for what drives a reader directly (the
/// end-to-end test's side of the virtual reader): the same version as the
/// reader's, without a dependency of its own.
pub use ::pcsc as api;

/// GET DATA for the UID of the card in the field (PC/SC part 3,
/// "pseudo-APDU" for contactless cards): CLA `FF`, INS `CA`, P1 `00` (UID),
/// P2 `00`, Le `00` (all of it).
pub const GET_UID_APDU: [u8; 5] = [0xFF, 0xCA, 0x00, 0x00, 0x00];

/// The longest UID accepted (ISO 14443-A triple size).
const MAX_UID_LEN: usize = 10;

/// What the device is called in errors before a reader has been chosen.
const SERVICE: &str = "PC/SC";

/// Reads the answer to [`GET_UID_APDU`]: the UID followed by the status
/// word `90 00`. Any other status word is an error that names it: `63 00`
/// (the card gave no UID) is the card's ([`ReaderError::Card`]), others
/// such as `6A 81` (the reader does not support the command) the reader's
/// ([`ReaderError::Protocol`]).
pub fn parse_uid_response(response: &[u8]) -> Result<Uid, ReaderError> {
    let Some((data, sw)) = response.split_last_chunk::<2>() else {
        return Err(ReaderError::Protocol(format!(
            "för kort svar på GET DATA ({} byte)",
            response.len()
        )));
    };
    match *sw {
        [0x90, 0x00] => {
            if data.is_empty() {
                Err(ReaderError::Protocol("tomt UID i svaret (SW 90 00)".into()))
            } else if data.len() > MAX_UID_LEN {
                Err(ReaderError::Protocol(format!(
                    "för långt UID i svaret ({} byte)",
                    data.len()
                )))
            } else {
                Ok(Uid(data.to_vec()))
            }
        }
        [0x63, 0x00] => Err(ReaderError::Card("kortet gav inget UID (SW 63 00)".into())),
        [0x6A, 0x81] => Err(ReaderError::Protocol(
            "läsaren kan inte läsa UID (SW 6A 81)".into(),
        )),
        [sw1, sw2] => Err(ReaderError::Protocol(format!(
            "oväntat svar på GET DATA (SW {sw1:02X} {sw2:02X})"
        ))),
    }
}

/// Turns a PC/SC error into a [`ReaderError`] for `device` (the reader's
/// name, or "PC/SC" before one is chosen), with a hint where one helps.
pub fn reader_error(error: PcscError, device: &str) -> ReaderError {
    let reason = match error {
        PcscError::NoService | PcscError::ServiceStopped => {
            "PC/SC-tjänsten svarar inte; starta pcscd (sudo systemctl enable --now pcscd)".into()
        }
        PcscError::NoReadersAvailable => {
            "ingen PC/SC-läsare hittades; är läsaren ansluten? starta pcscd (sudo systemctl enable --now pcscd)"
                .into()
        }
        PcscError::UnknownReader | PcscError::ReaderUnavailable => {
            "läsaren försvann (utdragen?)".into()
        }
        PcscError::NoAccess => "behörighet saknas till pcscd (polkit)".into(),
        PcscError::UnresponsiveCard
        | PcscError::UnpoweredCard
        | PcscError::UnsupportedCard
        | PcscError::ProtoMismatch => {
            return ReaderError::Card(format!("kortet svarar inte ({error})"));
        }
        other => format!("PC/SC-fel: {other}"),
    };
    ReaderError::Device {
        device: device.to_string(),
        reason,
    }
}

/// Whether the error means the card left before it could be read.
fn card_gone(error: PcscError) -> bool {
    matches!(
        error,
        PcscError::NoSmartcard | PcscError::RemovedCard | PcscError::ResetCard
    )
}

/// A PC/SC reader. A card is read once when it arrives; while it stays on
/// the reader, [`poll`](CardReader::poll) returns `Ok(None)`.
pub struct PcscReader {
    context: Context,
    /// The reader's name and the last state `pcscd` reported for it.
    state: ReaderState,
    /// Whether a card was present at the last change.
    card_present: bool,
    /// `pcscd`'s insertion/removal count at the last change.
    event_count: Option<u32>,
}

impl std::fmt::Debug for PcscReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PcscReader")
            .field("reader", &self.state.name())
            .field("card_present", &self.card_present)
            .finish_non_exhaustive()
    }
}

impl PcscReader {
    /// Connects to `pcscd` and picks the first reader whose name contains
    /// `name_contains` (case-insensitive), or the first reader when `None`.
    pub fn open(name_contains: Option<&str>) -> Result<Self, ReaderError> {
        let context =
            Context::establish(Scope::User).map_err(|error| reader_error(error, SERVICE))?;
        let readers = context
            .list_readers_owned()
            .map_err(|error| reader_error(error, SERVICE))?;
        let name = choose_reader(&readers, name_contains)?;
        Ok(PcscReader {
            context,
            state: ReaderState::new(name, State::UNAWARE),
            card_present: false,
            event_count: None,
        })
    }

    /// The chosen reader's name as `pcscd` gives it.
    pub fn reader_name(&self) -> String {
        self.state.name().to_string_lossy().into_owned()
    }

    fn error(&self, error: PcscError) -> ReaderError {
        reader_error(error, &self.reader_name())
    }

    /// Connects to the card and asks for its UID. `Ok(None)` if the card
    /// left before it could be read.
    fn read_uid(&self) -> Result<Option<Uid>, ReaderError> {
        let card = match self
            .context
            .connect(self.state.name(), ShareMode::Shared, Protocols::ANY)
        {
            Ok(card) => card,
            Err(error) if card_gone(error) => return Ok(None),
            Err(error) => return Err(self.error(error)),
        };
        let mut buffer = [0u8; pcsc::MAX_BUFFER_SIZE];
        let result = match card.transmit(&GET_UID_APDU, &mut buffer) {
            Ok(response) => parse_uid_response(response).map(Some),
            Err(error) if card_gone(error) => Ok(None),
            Err(error) => Err(self.error(error)),
        };
        // Leave the card powered for the next tap; an error here changes
        // nothing for the UID already read.
        let _ = card.disconnect(Disposition::LeaveCard);
        result
    }
}

/// Picks a reader by name substring (case-insensitive) or the first one.
fn choose_reader(readers: &[CString], name_contains: Option<&str>) -> Result<CString, ReaderError> {
    let wanted = name_contains.map(str::to_lowercase);
    let found = readers.iter().find(|name| match &wanted {
        Some(wanted) => name.to_string_lossy().to_lowercase().contains(wanted),
        None => true,
    });
    match (found, name_contains) {
        (Some(name), _) => Ok(name.clone()),
        (None, None) => Err(reader_error(PcscError::NoReadersAvailable, SERVICE)),
        (None, Some(wanted)) => {
            let present: Vec<String> = readers
                .iter()
                .map(|name| name.to_string_lossy().into_owned())
                .collect();
            Err(ReaderError::Device {
                device: SERVICE.into(),
                reason: format!(
                    "ingen läsare vars namn innehåller «{wanted}» (anslutna: {})",
                    if present.is_empty() {
                        "inga".to_string()
                    } else {
                        present.join(", ")
                    }
                ),
            })
        }
    }
}

impl CardReader for PcscReader {
    fn poll(&mut self, timeout: Duration) -> Result<Option<Uid>, ReaderError> {
        let deadline = Instant::now() + timeout;
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            let changed = self
                .context
                .get_status_change(remaining, std::slice::from_mut(&mut self.state));
            match changed {
                Ok(()) => {}
                Err(PcscError::Timeout) => return Ok(None),
                Err(error) => return Err(self.error(error)),
            }
            let event = self.state.event_state();
            let count = self.state.event_count();
            self.state.sync_current_state();
            if event.intersects(State::UNKNOWN | State::UNAVAILABLE | State::IGNORE) {
                return Err(self.error(PcscError::ReaderUnavailable));
            }
            let present = event.contains(State::PRESENT);
            let new_card =
                present && (!self.card_present || self.event_count.is_some_and(|c| c != count));
            self.card_present = present;
            self.event_count = Some(count);
            if new_card {
                if event.contains(State::MUTE) {
                    return Err(ReaderError::Card(
                        "kortet svarar inte (okänd korttyp?)".into(),
                    ));
                }
                match self.read_uid()? {
                    Some(uid) => return Ok(Some(uid)),
                    None => continue,
                }
            }
            // A change that brings no new card (removal, our own connect
            // setting INUSE): wait on until the deadline.
            if remaining.is_zero() {
                return Ok(None);
            }
        }
    }

    fn describe(&self) -> String {
        format!("PC/SC-läsare «{}»", self.reader_name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn protocol_message(result: Result<Uid, ReaderError>) -> String {
        match result {
            Err(ReaderError::Protocol(message)) => message,
            other => panic!("expected a protocol error, got {other:?}"),
        }
    }

    fn card_message(result: Result<Uid, ReaderError>) -> String {
        match result {
            Err(ReaderError::Card(message)) => message,
            other => panic!("expected a card error, got {other:?}"),
        }
    }

    #[test]
    fn a_four_and_a_seven_byte_uid_are_read() {
        assert_eq!(
            parse_uid_response(&[0x04, 0xA1, 0xB2, 0xC3, 0x90, 0x00]).unwrap(),
            Uid(vec![0x04, 0xA1, 0xB2, 0xC3])
        );
        assert_eq!(
            parse_uid_response(&[0x04, 0x65, 0x9A, 0xE2, 0xB4, 0x3C, 0x80, 0x90, 0x00])
                .unwrap()
                .to_string(),
            "04659AE2B43C80"
        );
    }

    #[test]
    fn status_word_63_00_is_named_as_the_cards_problem() {
        let message = card_message(parse_uid_response(&[0x63, 0x00]));
        assert!(message.contains("SW 63 00"), "{message}");
        // Data before a failing status word is not taken as a UID.
        let message = card_message(parse_uid_response(&[0x04, 0xA1, 0x63, 0x00]));
        assert!(message.contains("SW 63 00"), "{message}");
    }

    #[test]
    fn other_status_words_are_named_in_hex() {
        let message = protocol_message(parse_uid_response(&[0x6A, 0x81]));
        assert!(message.contains("SW 6A 81"), "{message}");
        let message = protocol_message(parse_uid_response(&[0x6E, 0x00]));
        assert_eq!(message, "oväntat svar på GET DATA (SW 6E 00)");
        let message = protocol_message(parse_uid_response(&[0x04, 0x90, 0x01]));
        assert!(message.contains("SW 90 01"), "{message}");
    }

    #[test]
    fn short_empty_and_over_long_answers_are_refused() {
        assert!(protocol_message(parse_uid_response(&[])).contains("0 byte"));
        assert!(protocol_message(parse_uid_response(&[0x90])).contains("1 byte"));
        assert!(protocol_message(parse_uid_response(&[0x90, 0x00])).contains("tomt UID"));
        let mut long = vec![0x11; 11];
        long.extend([0x90, 0x00]);
        assert!(protocol_message(parse_uid_response(&long)).contains("11 byte"));
        let mut ten = vec![0x11; 10];
        ten.extend([0x90, 0x00]);
        assert_eq!(parse_uid_response(&ten).unwrap().0.len(), 10);
    }

    #[test]
    fn a_missing_service_or_reader_points_at_pcscd() {
        for error in [
            PcscError::NoService,
            PcscError::ServiceStopped,
            PcscError::NoReadersAvailable,
        ] {
            match reader_error(error, "PC/SC") {
                ReaderError::Device { device, reason } => {
                    assert_eq!(device, "PC/SC");
                    assert!(reason.contains("starta pcscd"), "{reason}");
                }
                other => panic!("expected a device error, got {other:?}"),
            }
        }
        assert!(matches!(
            reader_error(PcscError::UnresponsiveCard, "ACR122U"),
            ReaderError::Card(_)
        ));
    }

    #[test]
    fn readers_are_chosen_by_case_insensitive_substring_or_first() {
        let readers = [
            CString::new("Yubico YubiKey OTP+FIDO+CCID 00 00").unwrap(),
            CString::new("ACS ACR122U PICC Interface 01 00").unwrap(),
        ];
        assert_eq!(choose_reader(&readers, Some("acr122")).unwrap(), readers[1]);
        assert_eq!(choose_reader(&readers, None).unwrap(), readers[0]);
        match choose_reader(&readers, Some("omnikey")) {
            Err(ReaderError::Device { reason, .. }) => {
                assert!(reason.contains("omnikey"), "{reason}");
                assert!(reason.contains("ACS ACR122U"), "{reason}");
            }
            other => panic!("expected a device error, got {other:?}"),
        }
        match choose_reader(&[], None) {
            Err(ReaderError::Device { reason, .. }) => {
                assert!(reason.contains("starta pcscd"), "{reason}")
            }
            other => panic!("expected a device error, got {other:?}"),
        }
    }
}
