//! Device tokens and enrolment codes: made from the system's randomness,
//! kept only as SHA-256 hashes.

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

/// The hash kept for a token or a code. A code is read leniently: case,
/// spaces and dashes do not matter.
pub fn hash(secret: &str) -> String {
    let normal: String = secret
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    Sha256::digest(normal.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_read_leniently_and_tokens_differ() {
        let code = new_code().unwrap();
        assert_eq!(code.len(), 9);
        assert_eq!(hash(&code), hash(&code.to_lowercase().replace('-', " ")));
        assert_ne!(new_token().unwrap(), new_token().unwrap());
        assert_eq!(new_token().unwrap().len(), 64);
    }
}
