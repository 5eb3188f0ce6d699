//! Where and when an event was recorded, besides its wall time: the
//! kernel's boot id, the time since boot and whether the clock was
//! synchronised. The Pi has no real-time clock, so after a power cut its
//! wall time may be wrong until NTP answers; boot id + time since boot
//! still order a device's events and let the central store correct them.
//!
//! This is an edge of the program: the only place besides the kiosk's
//! clock that asks the system about time.

use chrono::{DateTime, Utc};

/// How an event's moment was known when it was recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    /// The device's clock when the event was written: the kiosk's clock,
    /// which a rehearsal sets (`--clock`), so that it and the events'
    /// moments agree; the central server corrects both by how far that
    /// clock was off, when it was not synchronised. (The event's own
    /// moment, `at`, may still differ: the plan recorded when the first
    /// button is pressed.)
    pub wall: DateTime<Utc>,
    /// Milliseconds since boot (CLOCK_BOOTTIME, counting suspend).
    pub mono_ms: i64,
    /// The kernel's boot id (changes at every boot).
    pub boot: String,
    /// Whether the kernel says the clock is synchronised (NTP).
    pub clock_synced: bool,
}

impl Stamp {
    /// Reads the system's boot id, time since boot and clock state, for an
    /// event written at `wall` (the caller reads the wall clock).
    pub fn read(wall: DateTime<Utc>) -> Stamp {
        Stamp {
            wall,
            mono_ms: since_boot_ms(),
            boot: boot_id(),
            clock_synced: clock_synced(),
        }
    }
}

/// Milliseconds since boot (CLOCK_BOOTTIME, counting suspend); -1 when
/// the kernel does not say.
pub fn since_boot_ms() -> i64 {
    use nix::time::{ClockId, clock_gettime};
    clock_gettime(ClockId::CLOCK_BOOTTIME)
        .map(|t| t.tv_sec() * 1000 + t.tv_nsec() / 1_000_000)
        .unwrap_or(-1)
}

fn boot_id() -> String {
    std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "unknown".to_string())
}

/// Whether the kernel says the clock is synchronised (adjtimex):
/// unsynchronised when STA_UNSYNC is set
/// or the call reports TIME_ERROR. Works with timesyncd, chrony and ntpd.
pub fn clock_synced() -> bool {
    // SAFETY: adjtimex with modes = 0 only reads the kernel's clock state
    // into the zeroed struct we own.
    let (state, status) = unsafe {
        let mut tx: libc::timex = std::mem::zeroed();
        let state = libc::adjtimex(&mut tx);
        (state, tx.status)
    };
    state != libc::TIME_ERROR && state >= 0 && status & libc::STA_UNSYNC == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stamp_carries_boot_id_and_time_since_boot() {
        let wall = Utc::now();
        let first = Stamp::read(wall);
        let second = Stamp::read(wall);
        assert_eq!(first.wall, wall);
        assert_eq!(first.boot, second.boot);
        assert_eq!(first.boot.len(), 36, "{}", first.boot);
        assert!(first.mono_ms > 0 && second.mono_ms >= first.mono_ms);
    }
}
