//! Device tokens and enrolment codes: made from the system's randomness,
//! kept only hashed: a token (256 bits) as its SHA-256, a code (about 40
//! bits, few enough to try them all against a copied hash) as its HMAC
//! under the server's own key ([`CodeKey`], a file beside the store).

use std::io::Write;
use std::path::{Path, PathBuf};

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use thiserror::Error;

/// The system's randomness failed.
#[derive(Debug, Error)]
#[error("slumptal gick inte att få från systemet: {0}")]
pub struct RandomError(String);

/// `N` random bytes from the system.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], RandomError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| RandomError(e.to_string()))?;
    Ok(bytes)
}

/// A new device token: 32 random bytes in hex.
pub fn new_token() -> Result<String, RandomError> {
    Ok(random_bytes::<32>()?
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// Letters that cannot be mistaken for each other when read aloud or
/// typed from a note (no 0/O, 1/I/L).
const CODE_LETTERS: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// A new one-time enrolment code, `XXXX-XXXX` (about 40 bits).
pub fn new_code() -> Result<String, RandomError> {
    let bytes = random_bytes::<8>()?;
    let letters: String = bytes
        .iter()
        .map(|b| CODE_LETTERS[usize::from(*b) % CODE_LETTERS.len()] as char)
        .collect();
    Ok(format!("{}-{}", &letters[..4], &letters[4..]))
}

/// A secret read leniently: case, spaces and dashes do not matter.
fn normal(secret: &str) -> String {
    secret
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The hash kept for a token (read leniently, as [`CodeKey::hash`]).
pub fn hash(secret: &str) -> String {
    hex(&Sha256::digest(normal(secret).as_bytes()))
}

/// The SHA-256 (hex) of a secret compared byte for byte, such as a bearer
/// token: unlike [`hash`], case and punctuation count.
pub fn hash_exact(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// The server's key file could not be read or made.
#[derive(Debug, Error)]
pub enum KeyError {
    /// Reading or writing the file failed.
    #[error(
        "{path}: serverns nyckelfil går inte att använda ({reason}); ändra server.secret_file i central.toml"
    )]
    File {
        /// The file.
        path: PathBuf,
        /// What the system said.
        reason: String,
    },
    /// The file holds something else than a key.
    #[error(
        "{0}: serverns nyckelfil ska innehålla 64 hexadecimala tecken; ta bort den så görs en ny (gamla engångskoder slutar då gälla)"
    )]
    Malformed(PathBuf),
    /// No randomness for a new key.
    #[error(transparent)]
    Random(#[from] RandomError),
}

/// The server's secret key for the enrolment codes' hashes: 32 random
/// bytes in a file of its own (mode 0600), made at the first start. A
/// copy of the store alone does not let anyone try every code offline.
#[derive(Clone)]
pub struct CodeKey([u8; 32]);

impl std::fmt::Debug for CodeKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CodeKey(…)")
    }
}

impl CodeKey {
    /// The key in `path`, made (and written, mode 0600) when the file does
    /// not exist.
    pub fn load_or_create(path: &Path) -> Result<CodeKey, KeyError> {
        let failed = |e: std::io::Error| KeyError::File {
            path: path.to_path_buf(),
            reason: e.to_string(),
        };
        match std::fs::read_to_string(path) {
            Ok(text) => Self::parse(text.trim()).ok_or_else(|| KeyError::Malformed(path.into())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = CodeKey(random_bytes::<32>()?);
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(failed)?;
                }
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create_new(true);
                std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
                match options.open(path) {
                    Ok(mut file) => {
                        file.write_all(format!("{}\n", hex(&key.0)).as_bytes())
                            .and_then(|()| file.sync_all())
                            .map_err(failed)?;
                        tracing::info!(path = %path.display(), "made the server's key for enrolment codes");
                        Ok(key)
                    }
                    // Another process made it first: use theirs.
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                        Self::load_or_create(path)
                    }
                    Err(e) => Err(failed(e)),
                }
            }
            Err(e) => Err(failed(e)),
        }
    }

    fn parse(text: &str) -> Option<CodeKey> {
        if text.len() != 64 || !text.is_ascii() {
            return None;
        }
        let mut key = [0u8; 32];
        for (i, byte) in key.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
        }
        Some(CodeKey(key))
    }

    /// A key for tests and the demo, never written anywhere.
    pub fn from_bytes(bytes: [u8; 32]) -> CodeKey {
        CodeKey(bytes)
    }

    /// The hash kept for an enrolment code: HMAC-SHA-256 under this key,
    /// prefixed `hmac:` (codes kept by older versions as plain SHA-256
    /// are no longer accepted). Read leniently: case, spaces and dashes
    /// do not matter.
    pub fn hash(&self, code: &str) -> String {
        // A key of any length is accepted: HMAC pads or hashes it.
        let mut mac = match Hmac::<Sha256>::new_from_slice(&self.0) {
            Ok(mac) => mac,
            Err(_) => unreachable!("HMAC takes a key of any length"),
        };
        mac.update(normal(code).as_bytes());
        format!("hmac:{}", hex(&mac.finalize().into_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bearer_token_is_compared_exactly() {
        assert_ne!(hash_exact("abcDEF-123"), hash_exact("ABCdef123"));
        assert_ne!(hash_exact("!!!!"), hash_exact("????"));
        assert_eq!(hash_exact("abc"), hash_exact("abc"));
        // The codes' hash forgives case and punctuation; tokens must not.
        assert_eq!(hash("abc-def"), hash("ABCDEF"));
    }

    #[test]
    fn codes_read_leniently_and_tokens_differ() {
        let code = new_code().unwrap();
        assert_eq!(code.len(), 9);
        assert_eq!(hash(&code), hash(&code.to_lowercase().replace('-', " ")));
        assert_ne!(new_token().unwrap(), new_token().unwrap());
        assert_eq!(new_token().unwrap().len(), 64);
    }

    #[test]
    fn code_hashes_need_the_key_which_is_kept_in_its_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/central.key");
        let key = CodeKey::load_or_create(&path).unwrap();
        let again = CodeKey::load_or_create(&path).unwrap();
        assert_eq!(key.hash("k7qx m2pd"), again.hash("K7QX-M2PD"));
        assert!(key.hash("K7QX-M2PD").starts_with("hmac:"));
        assert_ne!(
            key.hash("K7QX-M2PD"),
            hash("K7QX-M2PD"),
            "not the plain hash"
        );
        let other = CodeKey::from_bytes([7; 32]);
        assert_ne!(key.hash("K7QX-M2PD"), other.hash("K7QX-M2PD"));
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        std::fs::write(&path, "nope").unwrap();
        assert!(matches!(
            CodeKey::load_or_create(&path),
            Err(KeyError::Malformed(_))
        ));
    }
}
