//! Who is signed in: passwords (argon2), sessions behind an HttpOnly
//! cookie, a CSRF token per session for every form, and a limit on failed
//! sign-ins per name and address, and per address.
//!
//! Sessions live in the server's memory: a restarted central server signs
//! everyone out (nothing else is lost; every change is in the store).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use chrono::{DateTime, Duration, Utc};
use thiserror::Error;

use crate::db::{Role, UserRecord};
use crate::limit::Failures;
use crate::secret::{self, RandomError};

/// The session cookie's name.
pub const COOKIE: &str = "motesskylt_session";

/// How long a session lasts without use.
const IDLE: Duration = Duration::hours(8);

/// How long a session lasts at most, used or not (a meeting page left
/// open refreshes itself).
const LONGEST: Duration = Duration::hours(12);

/// Failed sign-ins allowed for one name from one address within [`WINDOW`].
const MAX_FAILURES: usize = 5;

/// Failed sign-ins allowed from one address, whatever the names, within
/// [`WINDOW`].
const MAX_FAILURES_PER_ADDRESS: usize = 20;

/// The window of [`MAX_FAILURES`].
const WINDOW: Duration = Duration::minutes(15);

/// A password that could not be hashed or checked.
#[derive(Debug, Error)]
pub enum PasswordError {
    /// Too short to be safe.
    #[error("lösenordet är för kort; välj minst 10 tecken")]
    TooShort,
    /// No randomness for the salt.
    #[error(transparent)]
    Random(#[from] RandomError),
    /// The hasher failed.
    #[error("lösenordet gick inte att hasha: {0}")]
    Hash(String),
}

/// The argon2 hash (PHC string) of a new password.
pub fn hash_password(password: &str) -> Result<String, PasswordError> {
    if password.chars().count() < 10 {
        return Err(PasswordError::TooShort);
    }
    let salt = secret::random_bytes::<16>()?;
    Argon2::default()
        .hash_password_with_salt(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| PasswordError::Hash(e.to_string()))
}

/// Whether `password` is the one `hash` was made from.
pub fn password_matches(password: &str, hash: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), hash)
        .is_ok()
}

/// A signed-in person, as every page sees them (read from the store on
/// each request, so a changed role or body applies at once).
#[derive(Debug, Clone)]
pub struct Viewer {
    /// The person.
    pub user: UserRecord,
    /// Their session's CSRF token (every form carries it).
    pub csrf: String,
}

impl Viewer {
    /// Whether they may see a meeting of `body`.
    pub fn may_see(&self, body: &str) -> bool {
        self.user.role == Role::Admin || self.user.bodies.iter().any(|b| b == body)
    }

    /// Whether they are an administrator.
    pub fn is_admin(&self) -> bool {
        self.user.role == Role::Admin
    }
}

#[derive(Debug, Clone)]
struct Session {
    user: String,
    /// A fingerprint of the password the session was opened with: a
    /// changed password ends it.
    password: String,
    csrf: String,
    expires: DateTime<Utc>,
    ends: DateTime<Utc>,
}

/// A live session: who, and the CSRF token of its forms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The user's name.
    pub user: String,
    /// The session's CSRF token.
    pub csrf: String,
    password: String,
}

impl Found {
    /// Whether the session was opened with the password `hash` holds now.
    pub fn same_password(&self, hash: &str) -> bool {
        self.password == secret::hash(hash)
    }
}

/// The open sessions, by their token's hash.
#[derive(Debug, Default)]
pub struct Sessions {
    open: Mutex<HashMap<String, Session>>,
}

impl Sessions {
    /// Opens a session for `user`, whose password hash is
    /// `password_hash`; returns its token (for the cookie).
    pub fn open(
        &self,
        user: &str,
        password_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<String, RandomError> {
        let token = secret::new_token()?;
        let csrf = secret::new_token()?;
        let mut open = self.lock();
        open.retain(|_, s| s.expires.min(s.ends) > now);
        open.insert(
            secret::hash(&token),
            Session {
                user: user.to_string(),
                password: secret::hash(password_hash),
                csrf,
                expires: now + IDLE,
                ends: now + LONGEST,
            },
        );
        Ok(token)
    }

    /// A live session, which is kept open for another [`IDLE`] (at most
    /// [`LONGEST`] in all).
    pub fn find(&self, token: &str, now: DateTime<Utc>) -> Option<Found> {
        let mut open = self.lock();
        let session = open.get_mut(&secret::hash(token))?;
        if session.expires.min(session.ends) <= now {
            return None;
        }
        session.expires = now + IDLE;
        Some(Found {
            user: session.user.clone(),
            csrf: session.csrf.clone(),
            password: session.password.clone(),
        })
    }

    /// Ends a session.
    pub fn close(&self, token: &str) {
        self.lock().remove(&secret::hash(token));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        // A panic elsewhere while holding the lock leaves the map whole.
        self.open.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Failed sign-ins, per name and address and per address (the client's,
/// behind trusted proxies). Never per name alone: failures from
/// elsewhere never lock out someone signing in from their own address.
#[derive(Debug)]
pub struct SignInLimiter {
    failures: Failures,
}

impl Default for SignInLimiter {
    fn default() -> Self {
        SignInLimiter {
            failures: Failures::new(WINDOW),
        }
    }
}

impl SignInLimiter {
    /// Starts a sign-in: refused with the moment it may be tried again
    /// when `name` has failed [`MAX_FAILURES`] times from `ip`, or `ip`
    /// [`MAX_FAILURES_PER_ADDRESS`] times; otherwise counted as a failure
    /// at once (in one step, so parallel attempts cannot all slip through
    /// before the slow password check) until [`Self::succeeded`].
    pub fn attempt(&self, ip: IpAddr, name: &str, now: DateTime<Utc>) -> Result<(), DateTime<Utc>> {
        self.failures.attempt(
            &[
                (Self::pair_key(ip, name), MAX_FAILURES),
                (Self::ip_key(ip), MAX_FAILURES_PER_ADDRESS),
            ],
            now,
        )
    }

    /// The attempt succeeded: it does not count for the address, and the
    /// name's failures from there are forgotten.
    pub fn succeeded(&self, ip: IpAddr, name: &str) {
        self.failures.succeeded(&[Self::ip_key(ip)]);
        self.failures.forget(&Self::pair_key(ip, name));
    }

    fn ip_key(ip: IpAddr) -> String {
        format!("ip:{ip}")
    }

    fn pair_key(ip: IpAddr, name: &str) -> String {
        format!("name:{ip}:{}", name.to_lowercase())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_matches_only_its_hash() {
        let hash = hash_password("korrekt häst batteri").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(password_matches("korrekt häst batteri", &hash));
        assert!(!password_matches("korrekt hast batteri", &hash));
        assert!(!password_matches("x", "not a hash"));
        assert!(matches!(
            hash_password("kort"),
            Err(PasswordError::TooShort)
        ));
    }

    #[test]
    fn sessions_expire_when_idle_and_close() {
        let sessions = Sessions::default();
        let t0 = Utc::now();
        let token = sessions.open("anna", "$argon2id$a", t0).unwrap();
        let found = sessions.find(&token, t0 + Duration::hours(7)).unwrap();
        assert_eq!(found.user, "anna");
        assert_eq!(found.csrf.len(), token.len());
        assert_ne!(found.csrf, token);
        assert!(found.same_password("$argon2id$a"));
        assert!(
            !found.same_password("$argon2id$b"),
            "a new password ends it"
        );
        // Used at 7 h, so alive at 11 h; not after 8 idle hours, and not
        // past 12 hours however used.
        assert!(sessions.find(&token, t0 + Duration::hours(11)).is_some());
        assert!(sessions.find(&token, t0 + Duration::hours(12)).is_none());
        let idle = sessions.open("anna", "$argon2id$a", t0).unwrap();
        assert!(sessions.find(&idle, t0 + Duration::hours(8)).is_none());
        let other = sessions.open("anna", "$argon2id$a", t0).unwrap();
        sessions.close(&other);
        assert!(sessions.find(&other, t0).is_none());
        assert!(sessions.find("made-up", t0).is_none());
    }

    #[test]
    fn failures_block_the_name_from_that_address_and_a_busy_address() {
        let limiter = SignInLimiter::default();
        let t0 = Utc::now();
        let ip: IpAddr = [10, 0, 0, 1].into();
        let other: IpAddr = [10, 0, 0, 2].into();
        // A success does not count.
        limiter.attempt(ip, "anna", t0).unwrap();
        limiter.succeeded(ip, "anna");
        for i in 0..5 {
            limiter
                .attempt(ip, "anna", t0 + Duration::seconds(i))
                .unwrap();
        }
        assert_eq!(limiter.attempt(ip, "Anna", t0), Err(t0 + WINDOW));
        // Another name from there, and the name from elsewhere, still may.
        assert_eq!(limiter.attempt(ip, "bo", t0), Ok(()));
        assert_eq!(limiter.attempt(other, "anna", t0), Ok(()));
        // Made-up names spend the address's allowance, only its own.
        for i in 0..14 {
            limiter.attempt(ip, &format!("x{i}"), t0).unwrap();
        }
        assert_eq!(limiter.attempt(ip, "cecilia", t0), Err(t0 + WINDOW));
        assert_eq!(limiter.attempt(other, "cecilia", t0), Ok(()));
        let later = t0 + WINDOW + Duration::seconds(5);
        assert_eq!(limiter.attempt(ip, "anna", later), Ok(()));
    }
}
