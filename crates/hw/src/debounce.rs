//! Debouncing for mechanical buttons, pure: the caller passes the time in.
//!
//! A [`Debouncer`] follows one button. Feed it raw levels ("pressed or
//! not") as samples or at every edge with [`Debouncer::sample`]; it reports
//! an [`Edge`] once the raw level has differed from the last reported level
//! and stayed the same for the whole window (default
//! [`DEFAULT_WINDOW`], 30 ms). Bounces shorter than the window never come
//! through, and a press held through the window comes through exactly once.
//!
//! Between samples the level is taken to be the last one fed, so a caller
//! that only sees edges can call [`Debouncer::tick`] (or sleep until
//! [`Debouncer::deadline`]) to learn that a level has settled.

use std::time::{Duration, Instant};

/// How long a level must hold before it counts, unless configured otherwise.
pub const DEFAULT_WINDOW: Duration = Duration::from_millis(30);

/// A debounced change of a button.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edge {
    /// The button went down and stayed down for the window.
    Pressed,
    /// The button came up and stayed up for the window.
    Released,
}

/// Debounce state for one button.
#[derive(Debug, Clone)]
pub struct Debouncer {
    window: Duration,
    /// The last reported level (`true` = pressed).
    stable: bool,
    /// The last raw level fed in.
    raw: bool,
    /// When `raw` last changed; `None` until the first change.
    since: Option<Instant>,
}

impl Default for Debouncer {
    /// A released button with the [`DEFAULT_WINDOW`].
    fn default() -> Self {
        Debouncer::new(DEFAULT_WINDOW, false)
    }
}

impl Debouncer {
    /// A debouncer with the given window, starting at level `pressed`
    /// without reporting it (so a button held at start-up is not a press).
    pub fn new(window: Duration, pressed: bool) -> Self {
        Debouncer {
            window,
            stable: pressed,
            raw: pressed,
            since: None,
        }
    }

    /// The window a level must hold for.
    pub fn window(&self) -> Duration {
        self.window
    }

    /// The debounced level: `true` while the button counts as pressed.
    pub fn is_pressed(&self) -> bool {
        self.stable
    }

    /// Feeds the raw level seen at `at` (a periodic sample or an edge).
    /// Returns the debounced change, if the level has now held for the
    /// window. Times must not go backwards; an earlier `at` is treated as
    /// "no time has passed".
    pub fn sample(&mut self, pressed: bool, at: Instant) -> Option<Edge> {
        if pressed != self.raw {
            self.raw = pressed;
            self.since = Some(at);
        }
        self.tick(at)
    }

    /// Checks at `at` whether the last level fed has held long enough,
    /// without a new sample. Returns the change once, like [`sample`](Self::sample).
    pub fn tick(&mut self, at: Instant) -> Option<Edge> {
        if self.raw == self.stable {
            return None;
        }
        let since = self.since?;
        if at.saturating_duration_since(since) >= self.window {
            self.stable = self.raw;
            Some(if self.stable {
                Edge::Pressed
            } else {
                Edge::Released
            })
        } else {
            None
        }
    }

    /// When the pending change will count if the level does not change
    /// again; `None` when nothing is pending.
    pub fn deadline(&self) -> Option<Instant> {
        if self.raw == self.stable {
            return None;
        }
        self.since.map(|since| since + self.window)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn a_press_counts_only_after_the_window() {
        let t0 = Instant::now();
        let mut d = Debouncer::default();
        assert_eq!(d.sample(true, t0), None);
        assert_eq!(d.sample(true, t0 + ms(29)), None);
        assert!(!d.is_pressed());
        assert_eq!(d.sample(true, t0 + ms(30)), Some(Edge::Pressed));
        assert!(d.is_pressed());
        // Reported once, however long it is held.
        assert_eq!(d.sample(true, t0 + ms(31)), None);
        assert_eq!(d.sample(true, t0 + ms(5000)), None);
    }

    #[test]
    fn a_release_counts_only_after_the_window() {
        let t0 = Instant::now();
        let mut d = Debouncer::new(ms(30), true);
        assert_eq!(d.sample(false, t0), None);
        assert_eq!(d.tick(t0 + ms(20)), None);
        assert_eq!(d.tick(t0 + ms(30)), Some(Edge::Released));
        assert_eq!(d.tick(t0 + ms(60)), None);
        assert!(!d.is_pressed());
    }

    #[test]
    fn a_bounce_restarts_the_window() {
        let t0 = Instant::now();
        let mut d = Debouncer::default();
        assert_eq!(d.sample(true, t0), None);
        assert_eq!(d.sample(false, t0 + ms(10)), None);
        assert_eq!(d.sample(true, t0 + ms(15)), None);
        // 30 ms after the first edge but only 25 ms after the last one.
        assert_eq!(d.tick(t0 + ms(40)), None);
        assert_eq!(d.deadline(), Some(t0 + ms(45)));
        assert_eq!(d.tick(t0 + ms(45)), Some(Edge::Pressed));
        assert_eq!(d.deadline(), None);
    }

    #[test]
    fn a_button_held_at_start_is_not_a_press() {
        let t0 = Instant::now();
        let mut d = Debouncer::new(ms(30), true);
        assert_eq!(d.sample(true, t0), None);
        assert_eq!(d.sample(true, t0 + ms(100)), None);
        assert_eq!(d.deadline(), None);
    }

    #[test]
    fn sparse_samples_take_the_level_as_constant_between_them() {
        let t0 = Instant::now();
        let mut d = Debouncer::default();
        assert_eq!(d.sample(true, t0), None);
        assert_eq!(d.sample(true, t0 + ms(100)), Some(Edge::Pressed));
    }

    /// Gaps between edges, each strictly shorter than the window (in µs).
    fn short_gaps(window_us: u64, max_len: usize) -> impl Strategy<Value = Vec<u64>> {
        proptest::collection::vec(0..window_us, 0..max_len)
    }

    proptest! {
        /// Any bouncing that settles back to released, with every level
        /// held for less than the window, never yields a press (or any
        /// edge), however densely it is sampled.
        #[test]
        fn short_bounces_never_press(
            window_ms in 5u64..60,
            gaps in short_gaps(5_000, 40),
            extra_samples in proptest::collection::vec(0u64..5_000, 0..40),
        ) {
            let window_us = window_ms * 1000;
            // Rescale the gaps under this window.
            let gaps: Vec<u64> = gaps.iter().map(|g| g * window_us / 5_000).collect();
            let t0 = Instant::now();
            let mut d = Debouncer::new(Duration::from_micros(window_us), false);
            let mut t = 0u64;
            let mut level = false;
            let mut edges = Vec::new();
            // An even number of toggles, so the last level is "released".
            let toggles = gaps.len() & !1;
            for (i, gap) in gaps.iter().take(toggles).enumerate() {
                // Samples in between see the current level.
                if let Some(s) = extra_samples.get(i) {
                    let at = t + s * gap / 5_000;
                    edges.extend(d.sample(level, t0 + Duration::from_micros(at)));
                }
                t += gap;
                level = !level;
                edges.extend(d.sample(level, t0 + Duration::from_micros(t)));
            }
            prop_assert!(!level);
            // Long after, released all along.
            edges.extend(d.tick(t0 + Duration::from_micros(t + 10 * window_us)));
            edges.extend(d.sample(false, t0 + Duration::from_micros(t + 20 * window_us)));
            prop_assert_eq!(edges, Vec::<Edge>::new());
            prop_assert!(!d.is_pressed());
        }

        /// Bouncing (each level shorter than the window) that ends pressed
        /// and then holds for at least the window yields exactly one
        /// press and no release, with any sampling during the hold.
        #[test]
        fn a_stable_press_yields_exactly_one_press(
            window_ms in 5u64..60,
            gaps in short_gaps(5_000, 40),
            hold_extra_us in 0u64..200_000,
            hold_samples in proptest::collection::vec(0u64..1_000, 0..30),
        ) {
            let window_us = window_ms * 1000;
            let gaps: Vec<u64> = gaps.iter().map(|g| g * window_us / 5_000).collect();
            let t0 = Instant::now();
            let mut d = Debouncer::new(Duration::from_micros(window_us), false);
            let mut t = 0u64;
            let mut level = false;
            let mut edges = Vec::new();
            // Bounce, then make sure the last edge goes down.
            for gap in &gaps {
                t += gap;
                level = !level;
                edges.extend(d.sample(level, t0 + Duration::from_micros(t)));
            }
            if !level {
                level = true;
                edges.extend(d.sample(level, t0 + Duration::from_micros(t)));
            }
            prop_assert_eq!(&edges, &Vec::<Edge>::new());
            // Hold: samples spread over the hold, then the end of it.
            let hold = window_us + hold_extra_us;
            let mut offsets: Vec<u64> = hold_samples.iter().map(|s| s * hold / 1_000).collect();
            offsets.sort_unstable();
            for offset in offsets {
                edges.extend(d.sample(true, t0 + Duration::from_micros(t + offset)));
            }
            edges.extend(d.sample(true, t0 + Duration::from_micros(t + hold)));
            edges.extend(d.tick(t0 + Duration::from_micros(t + hold + 1)));
            prop_assert_eq!(edges, vec![Edge::Pressed]);
            prop_assert!(d.is_pressed());
        }
    }
}
