//! The card registry: which card belongs to whom. A card is known by a keyed
//! hash of its UID (HMAC-SHA-256 with the site's card key), never by the UID
//! itself, so a copied store or log does not give away card numbers. The
//! registry is a fold over `card_enrolled` events.

use std::collections::HashMap;
use std::fmt;
use std::io::Write;
use std::path::Path;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use thiserror::Error;

use crate::model::{Event, EventKind};

/// Bytes in a card key.
const KEY_LEN: usize = 32;

/// Hex digits kept of a card's hash (128 bits: collisions are not a concern
/// for a region's cards, and the hash stays short in logs).
const HASH_HEX_LEN: usize = 32;

/// Errors of the card key.
#[derive(Debug, Error)]
pub enum CardKeyError {
    /// The key file exists but cannot be read or has the wrong content.
    #[error(
        "kortnyckeln {path} går inte att använda: {reason}; kopiera in samma nyckel som de andra kioskerna har, eller ta bort filen för att skapa en ny (då måste alla kort registreras om)"
    )]
    Unusable {
        /// The key file.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// A new key could not be written.
    #[error("kortnyckeln {path} kunde inte skapas: {reason}")]
    Create {
        /// The key file.
        path: String,
        /// What the system said.
        reason: String,
    },
}

/// The site's secret for hashing card UIDs. Every kiosk and the central
/// store of one site share it, so a card enrolled at one door is known at
/// all of them.
#[derive(Clone)]
pub struct CardKey([u8; KEY_LEN]);

impl std::fmt::Debug for CardKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CardKey(…)")
    }
}

impl CardKey {
    /// A key from its bytes.
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> Self {
        CardKey(bytes)
    }

    /// Reads the key file (64 hex digits); a missing file is an error.
    pub fn load(path: &Path) -> Result<Self, CardKeyError> {
        let shown = path.display().to_string();
        match std::fs::read_to_string(path) {
            Ok(text) => Self::parse(text.trim()).ok_or_else(|| CardKeyError::Unusable {
                path: shown,
                reason: format!("filen ska innehålla {} hextecken", KEY_LEN * 2),
            }),
            Err(e) => Err(CardKeyError::Unusable {
                path: shown,
                reason: e.to_string(),
            }),
        }
    }

    /// Reads the key file (64 hex digits), creating it with a fresh random
    /// key (mode 0600) when it does not exist.
    pub fn load_or_create(path: &Path) -> Result<Self, CardKeyError> {
        if path.exists() {
            return Self::load(path);
        }
        let create = |reason: std::io::Error| CardKeyError::Create {
            path: path.display().to_string(),
            reason: reason.to_string(),
        };
        let mut bytes = [0u8; KEY_LEN];
        std::fs::File::open("/dev/urandom")
            .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut bytes))
            .map_err(create)?;
        let key = CardKey(bytes);
        write_private(path, &key.to_hex()).map_err(create)?;
        Ok(key)
    }

    fn parse(hex: &str) -> Option<Self> {
        if hex.len() != KEY_LEN * 2 {
            return None;
        }
        let bytes: Vec<u8> = (0..KEY_LEN)
            .map(|i| u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok())
            .collect::<Option<_>>()?;
        bytes.try_into().ok().map(CardKey)
    }

    fn to_hex(&self) -> String {
        hex(&self.0)
    }

    /// The keyed hash of a card UID, as stored and logged.
    pub fn hash(&self, uid: &Uid) -> CardHash {
        // HMAC accepts keys of any length; 32 bytes never fails.
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(&uid.0);
        let mut digest = hex(&mac.finalize().into_bytes());
        digest.truncate(HASH_HEX_LEN);
        CardHash(digest)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes a file readable only by its owner, atomically (temp file + rename).
pub fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let temp = path.with_extension("tmp");
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&temp)?;
    file.write_all(text.as_bytes())?;
    file.write_all(b"\n")?;
    file.sync_all()?;
    std::fs::rename(&temp, path)
}

/// A card's keyed hash (hex), as stored in `card_enrolled` events.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CardHash(pub String);

impl std::fmt::Display for CardHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Which card belongs to whom: the latest enrolment of each card wins, and
/// a revocation forgets the card.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    owners: HashMap<CardHash, String>,
}

impl Registry {
    /// Folds the `card_enrolled` and `card_revoked` events of `events` in
    /// order.
    pub fn from_events<'a>(events: impl IntoIterator<Item = &'a Event>) -> Self {
        let mut registry = Registry::default();
        for event in events {
            registry.apply(event);
        }
        registry
    }

    /// Takes in one event (only enrolments and revocations matter).
    pub fn apply(&mut self, event: &Event) {
        match &event.kind {
            EventKind::CardEnrolled { person, card, .. } => {
                self.owners.insert(CardHash(card.clone()), person.clone());
            }
            EventKind::CardRevoked { card, .. } => {
                self.owners.remove(&CardHash(card.clone()));
            }
            _ => {}
        }
    }

    /// Whose card this is (the name as imported), if anyone's.
    pub fn owner(&self, card: &CardHash) -> Option<&str> {
        self.owners.get(card).map(String::as_str)
    }

    /// How many cards are registered.
    pub fn len(&self) -> usize {
        self.owners.len()
    }

    /// Whether no card is registered.
    pub fn is_empty(&self) -> bool {
        self.owners.is_empty()
    }
}

/// A card's UID as the reader gave it (4, 7 or 10 bytes for ISO 14443-A).
/// Never stored: the store keeps a keyed hash of it (`cards`).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Uid(pub Vec<u8>);

impl fmt::Debug for Uid {
    /// Only the length: a UID in a debug print would reach logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Uid({} bytes)", self.0.len())
    }
}

impl fmt::Display for Uid {
    /// Upper-case hex without separators, e.g. `04A1B2C3`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in &self.0 {
            write!(f, "{byte:02X}")?;
        }
        Ok(())
    }
}

impl Uid {
    /// Reads hex like `04A1B2C3` or `04:a1:b2:c3`; `None` unless it is 1 to
    /// 10 whole bytes.
    pub fn from_hex(text: &str) -> Option<Uid> {
        let digits: Vec<char> = text
            .chars()
            .filter(|c| !matches!(c, ':' | '-' | ' '))
            .collect();
        if digits.is_empty() || !digits.len().is_multiple_of(2) || digits.len() > 20 {
            return None;
        }
        digits
            .chunks(2)
            .map(|pair| {
                let hi = pair[0].to_digit(16)?;
                let lo = pair[1].to_digit(16)?;
                // Two hex digits are at most 255.
                Some((hi * 16 + lo) as u8)
            })
            .collect::<Option<Vec<u8>>>()
            .map(Uid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::event::Authority;
    use chrono::DateTime;

    #[test]
    fn hashes_depend_on_the_key_and_never_show_the_uid() {
        let uid = Uid(vec![0x04, 0xA1, 0xB2, 0xC3]);
        let a = CardKey::from_bytes([1; 32]).hash(&uid);
        let b = CardKey::from_bytes([2; 32]).hash(&uid);
        assert_ne!(a, b);
        assert_eq!(a, CardKey::from_bytes([1; 32]).hash(&uid));
        assert_eq!(a.0.len(), 32);
        assert!(!a.0.to_uppercase().contains("04A1B2C3"));
    }

    #[test]
    fn a_key_file_is_created_private_and_read_back() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("card.key");
        let created = CardKey::load_or_create(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let read = CardKey::load_or_create(&path).unwrap();
        let uid = Uid(vec![1, 2, 3, 4]);
        assert_eq!(created.hash(&uid), read.hash(&uid));
        std::fs::write(&path, "not a key").unwrap();
        let error = CardKey::load_or_create(&path).unwrap_err().to_string();
        assert!(
            error.contains("card.key") && error.contains("64 hextecken"),
            "{error}"
        );
    }

    #[test]
    fn the_latest_enrolment_of_a_card_wins() {
        let enrol = |person: &str, card: &str| Event {
            at: DateTime::parse_from_rfc3339("2026-06-04T12:50:00+02:00").unwrap(),
            kind: EventKind::CardEnrolled {
                person: person.into(),
                card: card.into(),
                by: Authority::Pin,
            },
            user: None,
            confirmed: None,
        };
        let registry =
            Registry::from_events(&[enrol("A", "aa"), enrol("B", "bb"), enrol("C", "aa")]);
        assert_eq!(registry.owner(&CardHash("aa".into())), Some("C"));
        assert_eq!(registry.owner(&CardHash("bb".into())), Some("B"));
        assert_eq!(registry.owner(&CardHash("cc".into())), None);
        assert_eq!(registry.len(), 2);
    }

    #[test]
    fn a_revoked_card_is_unknown_until_registered_again() {
        let at = DateTime::parse_from_rfc3339("2026-06-04T12:50:00+02:00").unwrap();
        let enrol = |person: &str| Event {
            at,
            kind: EventKind::CardEnrolled {
                person: person.into(),
                card: "aa".into(),
                by: Authority::Pin,
            },
            user: None,
            confirmed: None,
        };
        let revoke = Event {
            at,
            kind: EventKind::CardRevoked {
                person: "A".into(),
                card: "aa".into(),
                by: "anna".into(),
            },
            user: None,
            confirmed: None,
        };
        let registry = Registry::from_events(&[enrol("A"), revoke.clone()]);
        assert_eq!(registry.owner(&CardHash("aa".into())), None);
        assert!(registry.is_empty());
        let registry = Registry::from_events(&[enrol("A"), revoke, enrol("B")]);
        assert_eq!(registry.owner(&CardHash("aa".into())), Some("B"));
    }
}
