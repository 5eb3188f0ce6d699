//! Running under systemd: telling the service manager that the kiosk or the
//! central server is ready, what it is doing, and (for the kiosk's
//! watchdog) that its main loop is still turning. This is the `sd_notify`
//! protocol: one datagram of `KEY=value` lines to the socket named in
//! `$NOTIFY_SOCKET`. Outside systemd nothing is sent.

use std::os::unix::net::{SocketAddr, UnixDatagram};
use std::time::Duration;

use thiserror::Error;

/// The service manager's socket cannot be used.
#[derive(Debug, Error)]
pub enum NotifyError {
    /// `$NOTIFY_SOCKET` names no usable socket address.
    #[error(
        "NOTIFY_SOCKET=\"{0}\" är ingen socket att meddela systemd på; starta tjänsten med systemctl, eller ta bort variabeln"
    )]
    Address(String),
    /// Sending the message failed.
    #[error("kunde inte meddela systemd: {0}")]
    Send(#[from] std::io::Error),
}

/// Where and how often to tell systemd; `None` from
/// [`Notifier::from_env`] when not started by systemd.
#[derive(Debug, Clone)]
pub struct Notifier {
    socket: SocketAddr,
    watchdog: Option<Duration>,
}

impl Notifier {
    /// The notifier systemd set up for this process, from `$NOTIFY_SOCKET`,
    /// `$WATCHDOG_USEC` and `$WATCHDOG_PID` (the watchdog is ours only when
    /// that PID is this process).
    pub fn from_env() -> Result<Option<Notifier>, NotifyError> {
        let Ok(socket) = std::env::var("NOTIFY_SOCKET") else {
            return Ok(None);
        };
        let pid_is_ours = std::env::var("WATCHDOG_PID")
            .map_or(true, |pid| pid.trim() == std::process::id().to_string());
        let watchdog = std::env::var("WATCHDOG_USEC")
            .ok()
            .and_then(|usec| usec.trim().parse::<u64>().ok())
            .filter(|&usec| usec > 0 && pid_is_ours)
            .map(Duration::from_micros);
        Notifier::new(&socket, watchdog).map(Some)
    }

    /// A notifier for the socket `address` (a path, or `@name` for the
    /// abstract namespace) with a watchdog of `watchdog`, if any.
    pub fn new(address: &str, watchdog: Option<Duration>) -> Result<Notifier, NotifyError> {
        let socket = if let Some(name) = address.strip_prefix('@') {
            abstract_address(name.as_bytes())
        } else if address.starts_with('/') {
            SocketAddr::from_pathname(address).ok()
        } else {
            None
        }
        .ok_or_else(|| NotifyError::Address(address.to_string()))?;
        Ok(Notifier { socket, watchdog })
    }

    /// How often to call [`Notifier::alive`]: half the watchdog's timeout,
    /// so one late ping is not yet fatal. `None` without a watchdog.
    pub fn ping_every(&self) -> Option<Duration> {
        self.watchdog.map(|timeout| timeout / 2)
    }

    /// The service is up (the kiosk's screen shows the meeting, the central
    /// server listens); `status` is shown by `systemctl status`.
    pub fn ready(&self, status: &str) -> Result<(), NotifyError> {
        self.send(&format!("READY=1\nSTATUS={}", one_line(status)))
    }

    /// A new status line for `systemctl status`.
    pub fn status(&self, status: &str) -> Result<(), NotifyError> {
        self.send(&format!("STATUS={}", one_line(status)))
    }

    /// The main loop is turning: resets the watchdog.
    pub fn alive(&self) -> Result<(), NotifyError> {
        self.send("WATCHDOG=1")
    }

    /// The service is shutting down on purpose.
    pub fn stopping(&self) -> Result<(), NotifyError> {
        self.send("STOPPING=1")
    }

    fn send(&self, message: &str) -> Result<(), NotifyError> {
        let socket = UnixDatagram::unbound()?;
        // Never wait for systemd: the kiosk's screen loop sends these.
        socket.set_nonblocking(true)?;
        socket.send_to_addr(message.as_bytes(), &self.socket)?;
        Ok(())
    }
}

#[cfg(target_os = "linux")]
fn abstract_address(name: &[u8]) -> Option<SocketAddr> {
    use std::os::linux::net::SocketAddrExt;
    SocketAddr::from_abstract_name(name).ok()
}

#[cfg(not(target_os = "linux"))]
fn abstract_address(_name: &[u8]) -> Option<SocketAddr> {
    None
}

/// A status is one line: a newline would start another key.
fn one_line(status: &str) -> String {
    status.replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listen() -> (tempfile::TempDir, UnixDatagram, String) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notify");
        let socket = UnixDatagram::bind(&path).unwrap();
        socket
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        (dir, socket, path.display().to_string())
    }

    fn receive(socket: &UnixDatagram) -> String {
        let mut buffer = [0u8; 512];
        let n = socket.recv(&mut buffer).unwrap();
        String::from_utf8(buffer[..n].to_vec()).unwrap()
    }

    #[test]
    fn messages_reach_the_socket_as_systemd_reads_them() {
        let (_dir, socket, path) = listen();
        let notifier = Notifier::new(&path, Some(Duration::from_secs(30))).unwrap();
        assert_eq!(notifier.ping_every(), Some(Duration::from_secs(15)));
        notifier.ready("Punkt 3\nav 9").unwrap();
        assert_eq!(receive(&socket), "READY=1\nSTATUS=Punkt 3 av 9");
        notifier.alive().unwrap();
        assert_eq!(receive(&socket), "WATCHDOG=1");
        notifier.status("12 inne").unwrap();
        assert_eq!(receive(&socket), "STATUS=12 inne");
        notifier.stopping().unwrap();
        assert_eq!(receive(&socket), "STOPPING=1");
    }

    #[test]
    fn an_abstract_socket_is_reached_by_its_name() {
        use std::os::linux::net::SocketAddrExt;
        let name = format!("motesskylt-test-{}", std::process::id());
        let socket =
            UnixDatagram::bind_addr(&SocketAddr::from_abstract_name(name.as_bytes()).unwrap())
                .unwrap();
        socket
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        Notifier::new(&format!("@{name}"), None)
            .unwrap()
            .alive()
            .unwrap();
        assert_eq!(receive(&socket), "WATCHDOG=1");
    }

    #[test]
    fn a_bad_address_is_named_and_a_missing_socket_is_an_error() {
        let error = Notifier::new("relative/path", None).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("NOTIFY_SOCKET=\"relative/path\"")
        );
        let gone = Notifier::new("/nonexistent/motesskylt/notify", None).unwrap();
        assert!(matches!(gone.alive(), Err(NotifyError::Send(_))));
        assert_eq!(gone.ping_every(), None);
    }
}
