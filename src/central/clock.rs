//! Device clocks as the central store sees them. A Pi has no real-time
//! clock: after a power cut without network its wall clock may be minutes
//! or days off until NTP answers. The central store estimates each
//! device's offset from request and response times, and corrects the
//! events a device recorded before its clock was synchronised — flagged,
//! never silently.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// One exchange with a device: its wall clock when it sent the request,
/// and the server's clock when the request arrived and when the answer
/// left (as in NTP, the device's clock when the answer arrived is the
/// fourth time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exchange {
    /// The device's clock when it sent the request.
    pub device_sent: DateTime<Utc>,
    /// The server's clock when the request arrived.
    pub server_received: DateTime<Utc>,
    /// The server's clock when the answer left.
    pub server_sent: DateTime<Utc>,
    /// The device's clock when the answer arrived.
    pub device_received: DateTime<Utc>,
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
    /// The NTP estimate: offset = ((t2 − t1) + (t3 − t4)) / 2, within
    /// half the round trip spent on the network.
    pub fn offset(&self) -> Offset {
        let there = self.server_received - self.device_sent;
        let back = self.server_sent - self.device_received;
        let round_trip =
            (self.device_received - self.device_sent) - (self.server_sent - self.server_received);
        Offset {
            offset: (there + back) / 2,
            within: round_trip.max(Duration::zero()) / 2,
        }
    }
}

/// The best estimate from several exchanges: the one with the shortest
/// round trip (the least time for the network to blur it).
pub fn best(exchanges: &[Exchange]) -> Option<Offset> {
    exchanges
        .iter()
        .map(Exchange::offset)
        .min_by_key(|o| o.within)
}

/// A device's clock offset as measured during one boot, with its clock
/// synchronised or not (a clock stepped by NTP has another offset).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BootOffset {
    /// The device's boot id.
    pub boot: String,
    /// Whether its clock was synchronised.
    pub synced: bool,
    /// Add this many milliseconds to the device's clock to get the server's.
    pub offset_ms: i64,
    /// The offset is right within this many milliseconds.
    pub within_ms: i64,
}

/// The moment of an event as recorded by a device (`at`, `boot`,
/// `clock_synced`), given the offsets measured for that device: as
/// recorded when its clock was synchronised; else moved by the offset
/// measured in the same boot while its clock was not synchronised, and
/// flagged; left as recorded, flagged, when there is no such measurement.
pub fn corrected(
    at: DateTime<Utc>,
    boot: &str,
    clock_synced: bool,
    offsets: &[BootOffset],
) -> Moment {
    let measured = offsets
        .iter()
        .filter(|o| o.boot == boot && !o.synced)
        .min_by_key(|o| o.within_ms)
        .map(|o| Offset {
            offset: Duration::milliseconds(o.offset_ms),
            within: Duration::milliseconds(o.within_ms),
        });
    moment(at, clock_synced, measured)
}

/// An event's moment as the central store shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Moment {
    /// The moment.
    pub at: DateTime<Utc>,
    /// It was corrected by the device's offset (shown as such).
    pub corrected: bool,
}

/// The moment of an event the device recorded at `at`: as recorded when its
/// clock was synchronised; else moved by the device's estimated offset and
/// flagged; left as recorded, flagged, when no offset is known.
pub fn moment(at: DateTime<Utc>, clock_synced: bool, offset: Option<Offset>) -> Moment {
    match (clock_synced, offset) {
        (true, _) => Moment {
            at,
            corrected: false,
        },
        (false, Some(offset)) => Moment {
            at: at + offset.offset,
            corrected: true,
        },
        (false, None) => Moment {
            at,
            corrected: true,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_780_000_000 + s, 0).unwrap()
    }

    #[test]
    fn a_device_three_days_behind_is_measured_within_half_the_round_trip() {
        let behind = Duration::days(3);
        // 200 ms there, 100 ms on the server, 300 ms back.
        let exchange = Exchange {
            device_sent: t(0) - behind,
            server_received: t(0) + Duration::milliseconds(200),
            server_sent: t(0) + Duration::milliseconds(300),
            device_received: t(0) - behind + Duration::milliseconds(600),
        };
        let offset = exchange.offset();
        assert_eq!(offset.within, Duration::milliseconds(250));
        let error = (offset.offset - behind).num_milliseconds().abs();
        assert!(error <= 250, "{error} ms off");
    }

    #[test]
    fn the_shortest_round_trip_wins_and_only_unsynced_events_move() {
        let slow = Exchange {
            device_sent: t(0),
            server_received: t(65),
            server_sent: t(65),
            device_received: t(10),
        };
        let quick = Exchange {
            device_sent: t(100),
            server_received: t(160),
            server_sent: t(160),
            device_received: t(100),
        };
        let offset = best(&[slow, quick]).unwrap();
        assert_eq!(offset.offset, Duration::seconds(60));
        assert_eq!(
            moment(t(5), false, Some(offset)),
            Moment {
                at: t(65),
                corrected: true
            }
        );
        assert_eq!(
            moment(t(5), true, Some(offset)),
            Moment {
                at: t(5),
                corrected: false
            }
        );
        assert!(moment(t(5), false, None).corrected);
        assert_eq!(best(&[]), None);
    }

    #[test]
    fn an_unsynced_event_takes_the_offset_of_its_own_boot_before_the_ntp_step() {
        let offsets = [
            BootOffset {
                boot: "b1".into(),
                synced: false,
                offset_ms: 3_600_000,
                within_ms: 40,
            },
            // The same boot after NTP stepped the clock: no longer relevant
            // to what was recorded before.
            BootOffset {
                boot: "b1".into(),
                synced: true,
                offset_ms: 0,
                within_ms: 5,
            },
            BootOffset {
                boot: "b0".into(),
                synced: false,
                offset_ms: -60_000,
                within_ms: 10,
            },
        ];
        assert_eq!(
            corrected(t(0), "b1", false, &offsets),
            Moment {
                at: t(3600),
                corrected: true
            }
        );
        assert_eq!(corrected(t(0), "b0", false, &offsets).at, t(-60));
        assert_eq!(
            corrected(t(0), "b2", false, &offsets),
            Moment {
                at: t(0),
                corrected: true
            }
        );
        assert!(!corrected(t(0), "b1", true, &offsets).corrected);
    }
}
