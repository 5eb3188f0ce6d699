//! The meeting's clock: the only place the kiosk reads the time.

use chrono::{DateTime, Utc};

/// The meeting's clock: the wall clock, or a clock set to another moment
/// and/or run faster (the demo's `--speed`, a rehearsal's `--clock`). The
/// only place the kiosk reads the time.
#[derive(Debug, Clone, Copy, Default)]
pub struct Clock {
    /// The wall time when the clock was set, and the meeting time it was
    /// set to; `None` is the wall clock.
    pub set: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// How many times faster than the wall clock.
    pub speed: u32,
}

impl Clock {
    /// A clock running `speed` times faster than the wall clock from now.
    pub fn fast(speed: u32) -> Self {
        let now = Utc::now();
        Clock {
            set: (speed > 1).then_some((now, now)),
            speed,
        }
    }

    /// A clock showing `moment` now and running `speed` times faster.
    pub fn starting_at(moment: DateTime<Utc>, speed: u32) -> Self {
        Clock {
            set: Some((Utc::now(), moment)),
            speed,
        }
    }

    /// The meeting's time now.
    pub fn now(&self) -> DateTime<Utc> {
        let wall = Utc::now();
        match self.set {
            Some((wall_start, start)) => {
                start + (meeting_clock(wall_start, wall, self.speed) - wall_start)
            }
            None => wall,
        }
    }
}

/// The meeting time at `wall` of a clock started at `started` and running
/// `speed` times faster than the wall clock.
pub fn meeting_clock(started: DateTime<Utc>, wall: DateTime<Utc>, speed: u32) -> DateTime<Utc> {
    started + (wall - started) * i32::try_from(speed.max(1)).unwrap_or(i32::MAX)
}
