//! Limits that keep one client from spoiling the server for the others:
//! failed attempts counted per key in a sliding window ([`Failures`]),
//! the client's address behind configured reverse proxies
//! ([`TrustedProxies`]), and the process's own file-handle limit
//! ([`raise_fd_limit`]).

use std::collections::HashMap;
use std::net::IpAddr;
use std::str::FromStr;
use std::sync::Mutex;

use axum::http::HeaderMap;
use chrono::{DateTime, Duration, Utc};
use thiserror::Error;

/// Failed attempts per key (an address, a name and address, …), each key
/// with its own allowance within one window.
#[derive(Debug)]
pub struct Failures {
    window: Duration,
    times: Mutex<HashMap<String, Vec<DateTime<Utc>>>>,
}

impl Failures {
    /// Counts failures within `window`.
    pub fn new(window: Duration) -> Failures {
        Failures {
            window,
            times: Mutex::default(),
        }
    }

    /// Starts an attempt under every `(key, allowed)`: refused with the
    /// moment it may be tried again when a key has had `allowed` failures
    /// within the window; otherwise counted as a failure under every key
    /// at once (in one step, so parallel attempts cannot all slip through
    /// a slow check) until [`Self::succeeded`].
    pub fn attempt(
        &self,
        keys: &[(String, usize)],
        now: DateTime<Utc>,
    ) -> Result<(), DateTime<Utc>> {
        let mut times = self.lock();
        let window = self.window;
        times.retain(|_, t| {
            t.retain(|at| *at + window > now);
            !t.is_empty()
        });
        let blocked = keys
            .iter()
            .filter_map(|(key, allowed)| times.get(key).filter(|t| t.len() >= *allowed))
            .filter_map(|t| t.first().map(|first| *first + window))
            .max();
        if let Some(until) = blocked {
            return Err(until);
        }
        for (key, _) in keys {
            times.entry(key.clone()).or_default().push(now);
        }
        Ok(())
    }

    /// The attempt under `keys` succeeded: it no longer counts.
    pub fn succeeded(&self, keys: &[String]) {
        let mut times = self.lock();
        for key in keys {
            if let Some(t) = times.get_mut(key) {
                t.pop();
                if t.is_empty() {
                    times.remove(key);
                }
            }
        }
    }

    /// Forgets every failure under `key`.
    pub fn forget(&self, key: &str) {
        self.lock().remove(key);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Vec<DateTime<Utc>>>> {
        // A panic elsewhere while holding the lock leaves the map whole.
        self.times.lock().unwrap_or_else(|p| p.into_inner())
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

    #[test]
    fn failures_block_per_key() {
        let failures = Failures::new(Duration::minutes(15));
        let t0 = Utc::now();
        let keys = |n: &str| vec![(format!("pair:{n}"), 2), ("ip".to_string(), 3)];
        assert!(failures.attempt(&keys("a"), t0).is_ok());
        assert!(failures.attempt(&keys("a"), t0).is_ok());
        assert_eq!(
            failures.attempt(&keys("a"), t0),
            Err(t0 + Duration::minutes(15))
        );
        assert!(failures.attempt(&keys("b"), t0).is_ok());
        assert!(
            failures.attempt(&keys("c"), t0).is_err(),
            "the address is spent"
        );
        failures.succeeded(&["ip".to_string()]);
        assert!(failures.attempt(&keys("c"), t0).is_ok());
    }
}
