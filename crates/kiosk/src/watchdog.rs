//! systemd's watchdog for the kiosk: pinged only while both of the kiosk's
//! loops turn. Each tick (from the screen's loop, or the headless kiosk's
//! timer) sends the input thread a heartbeat; the next tick pings systemd
//! only if the input thread has answered it. A screen that freezes stops
//! the ticks; an input thread that hangs on its store or has died stops the
//! answers. Either way systemd restarts the kiosk.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::mpsc::UnboundedSender;

use motesskylt_daemon::service::Notifier;

/// A heartbeat for the input thread to answer.
#[derive(Debug, Clone)]
pub struct Heartbeat {
    number: u64,
    answered: Arc<AtomicU64>,
}

impl Heartbeat {
    /// The input thread has taken this heartbeat from its queue.
    pub fn answer(&self) {
        self.answered.store(self.number, Ordering::Release);
    }
}

impl PartialEq for Heartbeat {
    fn eq(&self, other: &Self) -> bool {
        self.number == other.number && Arc::ptr_eq(&self.answered, &other.answered)
    }
}

/// The kiosk's side of systemd's watchdog.
#[derive(Debug)]
pub struct Watchdog<M> {
    service: Notifier,
    input: UnboundedSender<M>,
    /// The input thread's message that carries a heartbeat.
    beat: fn(Heartbeat) -> M,
    sent: u64,
    answered: Arc<AtomicU64>,
}

impl<M> Watchdog<M> {
    /// A watchdog pinging `service` while `input`'s thread answers the
    /// heartbeats it gets as `beat`.
    pub fn new(service: Notifier, input: UnboundedSender<M>, beat: fn(Heartbeat) -> M) -> Self {
        Watchdog {
            service,
            input,
            beat,
            sent: 0,
            answered: Arc::new(AtomicU64::new(0)),
        }
    }

    /// One tick: pings systemd if the last heartbeat was answered, then
    /// sends the next. Returns `false` once the input thread has stopped
    /// taking messages (nothing more to watch).
    pub fn tick(&mut self) -> bool {
        if self.answered.load(Ordering::Acquire) == self.sent
            && let Err(error) = self.service.alive()
        {
            tracing::warn!("{error}");
        }
        if self.answered.load(Ordering::Acquire) == self.sent {
            self.sent += 1;
            let beat = Heartbeat {
                number: self.sent,
                answered: self.answered.clone(),
            };
            return self.input.send((self.beat)(beat)).is_ok();
        }
        !self.input.is_closed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::station::Message;
    use std::os::unix::net::UnixDatagram;
    use std::time::Duration;

    #[test]
    fn systemd_is_pinged_only_while_the_input_thread_answers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notify");
        let systemd = UnixDatagram::bind(&path).unwrap();
        systemd.set_nonblocking(true).unwrap();
        let pings = || {
            let mut buffer = [0u8; 64];
            std::iter::from_fn(|| systemd.recv(&mut buffer).ok()).count()
        };
        let service = Notifier::new(path.to_str().unwrap(), Some(Duration::from_secs(2))).unwrap();
        let (input, mut queue) = tokio::sync::mpsc::unbounded_channel();
        let mut watchdog = Watchdog::new(service, input, Message::Heartbeat);

        assert!(watchdog.tick());
        assert_eq!(pings(), 1, "the first tick pings");
        // The input thread is busy: nothing answers, no pings.
        assert!(watchdog.tick());
        assert!(watchdog.tick());
        assert_eq!(pings(), 0, "no answer, no ping");
        // It takes its messages again: the heartbeat (sent once) is answered.
        let Ok(Message::Heartbeat(beat)) = queue.try_recv() else {
            panic!("a heartbeat was sent")
        };
        assert!(queue.try_recv().is_err(), "one heartbeat waits at a time");
        beat.answer();
        assert!(watchdog.tick());
        assert_eq!(pings(), 1, "answered: pinged again");
        // The input thread is gone.
        drop(queue);
        assert!(!watchdog.tick());
    }
}
