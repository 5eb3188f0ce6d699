//! Limits that keep one client from spoiling the server for the others:
//! failed attempts counted per key in a sliding window ([`Failures`]),
//! the client's address behind configured reverse proxies
//! ([`TrustedProxies`]), and the process's own file-handle limit
//! ([`raise_fd_limit`]).

use std::net::IpAddr;
use std::str::FromStr;
use std::sync::Arc;

use axum::http::HeaderMap;
use chrono::{DateTime, Duration, Utc};
use thiserror::Error;

use crate::db::{Allowance, AnyDb, CentralDb, DbError};

/// Failed attempts per key (an address, a name and address, …), each key
/// with its own allowance within one window, counted in the store: every
/// server on it, and the same one after a restart, counts the same.
#[derive(Debug, Clone)]
pub struct Failures {
    db: Arc<AnyDb>,
    /// Told before every key, so that two limits never share one.
    scope: &'static str,
    window: Duration,
}

impl Failures {
    /// Counts failures within `window`, under keys of `scope` (`signin`,
    /// `enrol`).
    pub fn new(db: Arc<AnyDb>, scope: &'static str, window: Duration) -> Failures {
        Failures { db, scope, window }
    }

    /// Starts an attempt under every `(key, allowed)`: refused with the
    /// moment it may be tried again when a key has had `allowed` failures
    /// within the window; otherwise counted as a failure under every key
    /// at once (in one step, so parallel attempts cannot all slip through
    /// a slow check) until [`Self::succeeded`].
    pub async fn attempt(
        &self,
        keys: &[(String, usize)],
        now: DateTime<Utc>,
    ) -> Result<Result<(), DateTime<Utc>>, DbError> {
        let allowances: Vec<Allowance> = keys
            .iter()
            .map(|(key, allowed)| Allowance {
                key: self.key(key),
                allowed: *allowed,
            })
            .collect();
        Ok(self
            .db
            .attempt(&allowances, now - self.window, now)
            .await?
            .map_err(|first| first + self.window))
    }

    /// The attempt under `keys` succeeded: it no longer counts.
    pub async fn succeeded(&self, keys: &[String]) -> Result<(), DbError> {
        let keys: Vec<String> = keys.iter().map(|key| self.key(key)).collect();
        self.db.attempt_succeeded(&keys).await
    }

    /// Forgets every failure under `key`.
    pub async fn forget(&self, key: &str) -> Result<(), DbError> {
        self.db.forget_failures(&self.key(key)).await
    }

    fn key(&self, key: &str) -> String {
        format!("{}:{key}", self.scope)
    }
}

/// A trusted proxy address or network in `trusted_proxies` that cannot be read.
#[derive(Debug, Error)]
#[error("\"{0}\" är ingen IP-adress eller nätverk (t.ex. \"127.0.0.1\" eller \"10.0.0.0/8\")")]
pub struct ProxyError(String);

/// An address or a network (`10.0.0.0/8`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Net {
    addr: IpAddr,
    bits: u8,
}

impl FromStr for Net {
    type Err = ProxyError;

    fn from_str(text: &str) -> Result<Net, ProxyError> {
        let bad = || ProxyError(text.to_string());
        let (addr, bits) = match text.split_once('/') {
            Some((addr, bits)) => (addr, Some(bits.parse::<u8>().map_err(|_| bad())?)),
            None => (text, None),
        };
        let addr: IpAddr = addr.trim().parse().map_err(|_| bad())?;
        let most = if addr.is_ipv4() { 32 } else { 128 };
        let bits = bits.unwrap_or(most);
        if bits > most {
            return Err(bad());
        }
        Ok(Net { addr, bits })
    }
}

impl Net {
    fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) if self.addr.is_ipv4() => match v6.to_ipv4_mapped() {
                Some(v4) => IpAddr::V4(v4),
                None => return false,
            },
            other => other,
        };
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.bits)).unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.bits))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// The reverse proxies whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<Net>);

impl TrustedProxies {
    /// Reads `trusted_proxies` (addresses or networks).
    pub fn parse(list: &[String]) -> Result<TrustedProxies, ProxyError> {
        list.iter()
            .map(|s| s.parse())
            .collect::<Result<_, _>>()
            .map(TrustedProxies)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(ip))
    }

    /// The client's address: the connection's `peer`, or, when that is a
    /// trusted proxy, the address it forwarded for (`X-Forwarded-For`,
    /// read from the right past every trusted proxy). A header from
    /// anyone else is ignored: it is what a client says of itself.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let mut client = peer.to_canonical();
        if !self.trusts(client) {
            return client;
        }
        let forwarded: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        for hop in forwarded.iter().rev() {
            match hop.parse::<IpAddr>() {
                Ok(ip) => {
                    client = ip.to_canonical();
                    if !self.trusts(client) {
                        break;
                    }
                }
                // Garbage where an address should be: stop at the last
                // address a trusted proxy vouched for.
                Err(_) => break,
            }
        }
        client
    }
}

/// Raises the process's soft limit on open files to its hard limit (a
/// service gets 1,024 by default, too few for many kiosks and pages at
/// once); returns the soft limit now in force.
pub fn raise_fd_limit() -> u64 {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    match getrlimit(Resource::RLIMIT_NOFILE) {
        Ok((soft, hard)) => {
            if soft < hard {
                match setrlimit(Resource::RLIMIT_NOFILE, hard, hard) {
                    Ok(()) => return hard,
                    Err(error) => {
                        tracing::warn!(%error, soft, hard, "the open-file limit could not be raised");
                    }
                }
            }
            soft
        }
        Err(error) => {
            tracing::warn!(%error, "the open-file limit could not be read");
            1024
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_for_counts_only_from_trusted_proxies() {
        let proxies = TrustedProxies::parse(&["127.0.0.1".into(), "10.0.0.0/8".into()]).unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            "1.2.3.4, 203.0.113.9, 10.1.2.3".parse().unwrap(),
        );
        let local: IpAddr = [127, 0, 0, 1].into();
        assert_eq!(
            proxies.client(local, &headers),
            IpAddr::from([203, 0, 113, 9])
        );
        let stranger: IpAddr = [198, 51, 100, 1].into();
        assert_eq!(proxies.client(stranger, &headers), stranger);
        let mapped: IpAddr = "::ffff:127.0.0.1".parse().unwrap();
        assert_eq!(
            proxies.client(mapped, &headers),
            IpAddr::from([203, 0, 113, 9])
        );
        headers.insert("x-forwarded-for", "nonsense".parse().unwrap());
        assert_eq!(proxies.client(local, &headers), local);
        assert!(TrustedProxies::parse(&["10.0.0.0/33".into()]).is_err());
        assert!(TrustedProxies::parse(&["localhost".into()]).is_err());
    }

    #[tokio::test]
    async fn failures_block_per_key_and_outlive_the_limiter() {
        let folder = tempfile::tempdir().unwrap();
        let db = Arc::new(AnyDb::Sqlite(
            crate::db::SqliteDb::open(&folder.path().join("central.sqlite")).unwrap(),
        ));
        let failures = Failures::new(db.clone(), "test", Duration::minutes(15));
        let t0 = chrono::DateTime::parse_from_rfc3339("2026-06-04T11:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let keys = |n: &str| vec![(format!("pair:{n}"), 2), ("ip".to_string(), 3)];
        let attempt = |keys: Vec<(String, usize)>| {
            let failures = failures.clone();
            async move { failures.attempt(&keys, t0).await.unwrap() }
        };
        assert!(attempt(keys("a")).await.is_ok());
        assert!(attempt(keys("a")).await.is_ok());
        assert_eq!(attempt(keys("a")).await, Err(t0 + Duration::minutes(15)));
        assert!(attempt(keys("b")).await.is_ok());
        assert!(attempt(keys("c")).await.is_err(), "the address is spent");
        failures.succeeded(&["ip".to_string()]).await.unwrap();
        assert!(attempt(keys("c")).await.is_ok());
        // Another limiter on the same store (a restarted server, another
        // server) counts the same; another scope counts apart.
        let again = Failures::new(db.clone(), "test", Duration::minutes(15));
        assert!(again.attempt(&keys("a"), t0).await.unwrap().is_err());
        let other = Failures::new(db, "other", Duration::minutes(15));
        assert!(other.attempt(&keys("a"), t0).await.unwrap().is_ok());
        // Past the window, the failures no longer count.
        let later = t0 + Duration::minutes(15) + Duration::seconds(1);
        assert!(again.attempt(&keys("a"), later).await.unwrap().is_ok());
    }
}
