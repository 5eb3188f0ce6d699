//! Device clocks as the central store sees them. A Pi has no real-time
//! clock: after a power cut without network its wall clock may be minutes
//! or days off until NTP answers, and then it jumps. The central store
//! measures each device's clock from request and response times, as NTP
//! does — its wall clock, and the server's time at which the boot's
//! monotonic clock (time since boot) read zero — and corrects the events
//! a device recorded before its clock was synchronised from their time
//! since boot: flagged, never silently.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// One exchange with a device: its clocks when it sent the request, the
/// server's clock when the request arrived and when the answer left, and
/// the device's clocks when the answer arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exchange {
    /// The device's wall clock when it sent the request.
    pub device_sent: DateTime<Utc>,
    /// The server's clock when the request arrived.
    pub server_received: DateTime<Utc>,
    /// The server's clock when the answer left.
    pub server_sent: DateTime<Utc>,
    /// The device's wall clock when the answer arrived.
    pub device_received: DateTime<Utc>,
    /// The device's time since boot (ms) when it sent the request.
    #[serde(default)]
    pub device_sent_mono_ms: Option<i64>,
    /// The device's time since boot (ms) when the answer arrived.
    #[serde(default)]
    pub device_received_mono_ms: Option<i64>,
}

/// How far a device's clock is off, and how sure that is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Offset {
    /// Add this to the device's clock to get the server's.
    pub offset: Duration,
    /// Half the round trip: the offset is right within this.
    pub within: Duration,
}

impl Exchange {
    /// The time spent on the network (the round trip less the server's
    /// time); negative when a clock jumped during the exchange.
    fn network(&self) -> Duration {
        (self.device_received - self.device_sent) - (self.server_sent - self.server_received)
    }

    /// The NTP estimate of the wall clock's offset: ((t2 − t1) + (t3 − t4))
    /// / 2, within half the time on the network. `None` for an exchange
    /// during which a clock jumped.
    pub fn offset(&self) -> Option<Offset> {
        let network = self.network();
        if network < Duration::zero() {
            return None;
        }
        let there = self.server_received - self.device_sent;
        let back = self.server_sent - self.device_received;
        Some(Offset {
            offset: (there + back) / 2,
            within: network / 2,
        })
    }

    /// The server's time (Unix ms) at which the device's time since boot
    /// read zero, within how many ms; `None` without the device's
    /// monotonic readings or when they do not fit.
    pub fn boot_zero_ms(&self) -> Option<(i64, i64)> {
        let (sent, received) = (self.device_sent_mono_ms?, self.device_received_mono_ms?);
        let server_ms = (self.server_sent - self.server_received).num_milliseconds();
        let network = (received - sent) - server_ms;
        if network < 0 {
            return None;
        }
        let server_mid = self.server_received.timestamp_millis() + server_ms / 2;
        let device_mid = sent + (received - sent) / 2;
        Some((server_mid - device_mid, network / 2))
    }
}

/// The exchange that measures best: the shortest time on the network
/// (the least for the network to blur), among those without a jump.
pub fn best(exchanges: &[Exchange]) -> Option<&Exchange> {
    exchanges
        .iter()
        .filter_map(|e| e.offset().map(|o| (e, o.within)))
        .min_by_key(|(_, within)| *within)
        .map(|(e, _)| e)
}

/// A device's clock as measured during one boot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BootClock {
    /// The device's boot id.
    pub boot: String,
    /// Add this many milliseconds to the device's wall clock to get the
    /// server's (as measured; NTP may have moved the wall clock since).
    pub offset_ms: i64,
    /// The server's time (Unix ms) at which this boot's time since boot
    /// read zero: an event's moment is this plus its `mono_ms`, whatever
    /// the wall clock said. `None` when the device did not send it.
    pub zero_ms: Option<i64>,
    /// The measurement is right within this many milliseconds.
    pub within_ms: i64,
}

impl BootClock {
    /// What the best of `exchanges` measures of the device's clock during
    /// `boot`.
    pub fn measure(boot: &str, exchanges: &[Exchange]) -> Option<BootClock> {
        let exchange = best(exchanges)?;
        let offset = exchange.offset()?;
        Some(BootClock {
            boot: boot.to_string(),
            offset_ms: offset.offset.num_milliseconds(),
            zero_ms: exchange.boot_zero_ms().map(|(zero, _)| zero),
            within_ms: offset.within.num_milliseconds(),
        })
    }
}

/// An event's moment as the central store shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Moment {
    /// The moment.
    pub at: DateTime<Utc>,
    /// Not as the device recorded it, or recorded with an untrusted clock
    /// (shown as such).
    pub corrected: bool,
}

/// The moment of an event a device recorded `mono_ms` after boot `boot`,
/// when its wall clock read `wall`, for the moment `at` (the same moment
/// for a tap; earlier for the plan's progress recorded at the first
/// control, which keeps the plan's times): as recorded when its clock was
/// synchronised; else `at` moved by how far the wall clock was off, from
/// the boot's measured zero and its time since boot, flagged; left as
/// recorded, flagged, when that boot was never measured.
pub fn corrected(
    at: DateTime<Utc>,
    wall: DateTime<Utc>,
    mono_ms: i64,
    boot: &str,
    clock_synced: bool,
    clocks: &[BootClock],
) -> Moment {
    if clock_synced {
        return Moment {
            at,
            corrected: false,
        };
    }
    let measured = clocks
        .iter()
        .filter(|c| c.boot == boot)
        .min_by_key(|c| c.within_ms)
        .and_then(|c| c.zero_ms)
        .filter(|_| mono_ms >= 0)
        .and_then(|zero| zero.checked_add(mono_ms))
        .and_then(DateTime::from_timestamp_millis)
        .and_then(|recorded| at.checked_add_signed(recorded - wall));
    Moment {
        at: measured.unwrap_or(at),
        corrected: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(ms: i64) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(1_780_000_000_000 + ms).unwrap()
    }

    /// An exchange with a device whose wall clock is `behind` the server's
    /// and whose boot began at server time `t(boot_at)`: `there` ms on
    /// the way there, 100 ms on the server, `back` ms on the way back.
    fn exchange(behind: Duration, boot_at: i64, sent: i64, there: i64, back: i64) -> Exchange {
        let received = sent + there + 100 + back;
        Exchange {
            device_sent: t(sent) - behind,
            server_received: t(sent + there),
            server_sent: t(sent + there + 100),
            device_received: t(received) - behind,
            device_sent_mono_ms: Some(sent - boot_at),
            device_received_mono_ms: Some(received - boot_at),
        }
    }

    #[test]
    fn a_device_three_days_behind_is_measured_within_half_the_round_trip() {
        let behind = Duration::days(3);
        let slow = exchange(behind, -60_000, 0, 200, 300);
        let offset = slow.offset().unwrap();
        assert_eq!(offset.within, Duration::milliseconds(250));
        let error = (offset.offset - behind).num_milliseconds().abs();
        assert!(error <= 250, "{error} ms off");
        let (zero, within) = slow.boot_zero_ms().unwrap();
        assert!((zero - t(-60_000).timestamp_millis()).abs() <= within);

        let quick = exchange(behind, -60_000, 5_000, 10, 10);
        assert_eq!(best(&[slow, quick]), Some(&quick));
        let clock = BootClock::measure("b1", &[slow, quick]).unwrap();
        assert_eq!(clock.offset_ms, behind.num_milliseconds());
        assert_eq!(clock.zero_ms, Some(t(-60_000).timestamp_millis()));
        assert_eq!(clock.within_ms, 10);
    }

    #[test]
    fn an_exchange_during_a_clock_jump_measures_nothing() {
        let mut jumped = exchange(Duration::zero(), 0, 0, 10, 10);
        jumped.device_received = jumped.device_sent - Duration::hours(1);
        assert_eq!(jumped.offset(), None);
        assert_eq!(best(&[jumped]), None);
        let mut mono = exchange(Duration::zero(), 0, 0, 10, 10);
        mono.device_received_mono_ms = Some(-5);
        assert_eq!(mono.boot_zero_ms(), None);
    }

    #[test]
    fn unsynced_events_are_placed_by_time_since_boot_even_after_an_ntp_step() {
        // Measured after NTP set the wall clock right: the boot's zero
        // still places what was recorded before, when the clock was a
        // day behind.
        let clocks = [
            BootClock {
                boot: "b1".into(),
                offset_ms: 0,
                zero_ms: Some(t(-60_000).timestamp_millis()),
                within_ms: 8,
            },
            BootClock {
                boot: "b0".into(),
                offset_ms: 0,
                zero_ms: None,
                within_ms: 8,
            },
        ];
        let recorded = t(0) - Duration::days(1);
        assert_eq!(
            corrected(recorded, recorded, 60_000, "b1", false, &clocks),
            Moment {
                at: t(0),
                corrected: true
            }
        );
        // The plan's progress recorded with the first control keeps its
        // distance from the moment of recording.
        assert_eq!(
            corrected(
                recorded - Duration::minutes(20),
                recorded,
                60_000,
                "b1",
                false,
                &clocks
            ),
            Moment {
                at: t(0) - Duration::minutes(20),
                corrected: true
            }
        );
        // No measurement of that boot: as recorded, flagged.
        for boot in ["b0", "b2"] {
            assert_eq!(
                corrected(recorded, recorded, 60_000, boot, false, &clocks),
                Moment {
                    at: recorded,
                    corrected: true
                }
            );
        }
        assert_eq!(
            corrected(recorded, recorded, 60_000, "b1", true, &clocks),
            Moment {
                at: recorded,
                corrected: false
            }
        );
        // Absurd numbers do not panic.
        let absurd = [BootClock {
            zero_ms: Some(i64::MAX),
            ..clocks[0].clone()
        }];
        assert!(corrected(recorded, recorded, 60_000, "b1", false, &absurd).corrected);
    }
}
