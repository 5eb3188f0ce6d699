//! Who is signed in: passwords (argon2), sessions behind an HttpOnly
//! cookie, a CSRF token per session for every form, and a limit on failed
//! sign-ins per name and address, and per address.
//!
//! Sessions and failures live in the store, so that several servers on
//! one database share them and a restart signs no one out.

use std::net::IpAddr;
use std::sync::Arc;

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use chrono::{DateTime, Duration, Utc};
use thiserror::Error;

use crate::db::{AnyDb, CentralDb, DbError, Role, SessionRecord, UserRecord};
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

/// A session that could not be opened.
#[derive(Debug, Error)]
pub enum SessionError {
    /// No randomness for its tokens.
    #[error(transparent)]
    Random(#[from] RandomError),
    /// The store did not take it.
    #[error(transparent)]
    Db(#[from] DbError),
}

/// The sessions, kept in the store by their token's hash: every server on
/// the store knows them, and a restart signs no one out.
#[derive(Debug, Clone)]
pub struct Sessions {
    db: Arc<AnyDb>,
}

impl Sessions {
    /// The sessions of `db`.
    pub fn new(db: Arc<AnyDb>) -> Sessions {
        Sessions { db }
    }

    /// Opens a session for `user`, whose password hash is
    /// `password_hash`; returns its token (for the cookie).
    pub async fn open(
        &self,
        user: &str,
        password_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<String, SessionError> {
        let token = secret::new_token()?;
        let session = SessionRecord {
            token_hash: secret::hash(&token),
            user: user.to_string(),
            password: secret::hash(password_hash),
            csrf: secret::new_token()?,
            expires: now + IDLE,
            ends: now + LONGEST,
        };
        self.db.open_session(&session, now).await?;
        Ok(token)
    }

    /// A live session, which is kept open for another [`IDLE`] (at most
    /// [`LONGEST`] in all).
    pub async fn find(&self, token: &str, now: DateTime<Utc>) -> Result<Option<Found>, DbError> {
        Ok(self
            .db
            .use_session(&secret::hash(token), now, now + IDLE)
            .await?
            .map(|session| Found {
                user: session.user,
                csrf: session.csrf,
                password: session.password,
            }))
    }

    /// Ends a session.
    pub async fn close(&self, token: &str) -> Result<(), DbError> {
        self.db.close_session(&secret::hash(token)).await
    }
}

/// Failed sign-ins, per name and address and per address (the client's,
/// behind trusted proxies). Never per name alone: failures from
/// elsewhere never lock out someone signing in from their own address.
#[derive(Debug, Clone)]
pub struct SignInLimiter {
    failures: Failures,
}

impl SignInLimiter {
    /// The limiter counting in `db`.
    pub fn new(db: Arc<AnyDb>) -> SignInLimiter {
        SignInLimiter {
            failures: Failures::new(db, "signin", WINDOW),
        }
    }

    /// Starts a sign-in: refused with the moment it may be tried again
    /// when `name` has failed [`MAX_FAILURES`] times from `ip`, or `ip`
    /// [`MAX_FAILURES_PER_ADDRESS`] times; otherwise counted as a failure
    /// at once (in one step, so parallel attempts cannot all slip through
    /// before the slow password check) until [`Self::succeeded`].
    pub async fn attempt(
        &self,
        ip: IpAddr,
        name: &str,
        now: DateTime<Utc>,
    ) -> Result<Result<(), DateTime<Utc>>, DbError> {
        self.failures
            .attempt(
                &[
                    (Self::pair_key(ip, name), MAX_FAILURES),
                    (Self::ip_key(ip), MAX_FAILURES_PER_ADDRESS),
                ],
                now,
            )
            .await
    }

    /// The attempt succeeded: it does not count for the address, and the
    /// name's failures from there are forgotten.
    pub async fn succeeded(&self, ip: IpAddr, name: &str) -> Result<(), DbError> {
        self.failures.succeeded(&[Self::ip_key(ip)]).await?;
        self.failures.forget(&Self::pair_key(ip, name)).await
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

    fn store() -> (tempfile::TempDir, Arc<AnyDb>) {
        let folder = tempfile::tempdir().unwrap();
        let db = crate::db::SqliteDb::open(&folder.path().join("central.sqlite")).unwrap();
        (folder, Arc::new(AnyDb::Sqlite(db)))
    }

    #[tokio::test]
    async fn sessions_expire_when_idle_close_and_outlive_the_server() {
        let (_folder, db) = store();
        let sessions = Sessions::new(db.clone());
        let t0 = Utc::now();
        let token = sessions.open("anna", "$argon2id$a", t0).await.unwrap();
        let found = sessions
            .find(&token, t0 + Duration::hours(7))
            .await
            .unwrap()
            .unwrap();
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
        let at = |hours| t0 + Duration::hours(hours);
        assert!(sessions.find(&token, at(11)).await.unwrap().is_some());
        assert!(sessions.find(&token, at(12)).await.unwrap().is_none());
        let idle = sessions.open("anna", "$argon2id$a", t0).await.unwrap();
        assert!(sessions.find(&idle, at(8)).await.unwrap().is_none());
        let other = sessions.open("anna", "$argon2id$a", t0).await.unwrap();
        // Another server on the store (or this one restarted) knows it.
        let restarted = Sessions::new(db);
        assert_eq!(
            restarted.find(&other, t0).await.unwrap().unwrap().csrf,
            sessions.find(&other, t0).await.unwrap().unwrap().csrf
        );
        restarted.close(&other).await.unwrap();
        assert!(sessions.find(&other, t0).await.unwrap().is_none());
        assert!(sessions.find("made-up", t0).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn failures_block_the_name_from_that_address_and_a_busy_address() {
        let (_folder, db) = store();
        let limiter = SignInLimiter::new(db);
        // Whole seconds: the store keeps milliseconds.
        let t0 = chrono::DateTime::parse_from_rfc3339("2026-06-04T11:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let ip: IpAddr = [10, 0, 0, 1].into();
        let other: IpAddr = [10, 0, 0, 2].into();
        let attempt = |ip, name: String, at| {
            let limiter = limiter.clone();
            async move { limiter.attempt(ip, &name, at).await.unwrap() }
        };
        // A success does not count.
        attempt(ip, "anna".into(), t0).await.unwrap();
        limiter.succeeded(ip, "anna").await.unwrap();
        for i in 0..5 {
            attempt(ip, "anna".into(), t0 + Duration::seconds(i))
                .await
                .unwrap();
        }
        assert_eq!(attempt(ip, "Anna".into(), t0).await, Err(t0 + WINDOW));
        // Another name from there, and the name from elsewhere, still may.
        assert_eq!(attempt(ip, "bo".into(), t0).await, Ok(()));
        assert_eq!(attempt(other, "anna".into(), t0).await, Ok(()));
        // Made-up names spend the address's allowance, only its own.
        for i in 0..14 {
            attempt(ip, format!("x{i}"), t0).await.unwrap();
        }
        assert_eq!(attempt(ip, "cecilia".into(), t0).await, Err(t0 + WINDOW));
        assert_eq!(attempt(other, "cecilia".into(), t0).await, Ok(()));
        let later = t0 + WINDOW + Duration::seconds(5);
        assert_eq!(attempt(ip, "anna".into(), later).await, Ok(()));
    }
}
