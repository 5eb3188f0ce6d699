//! Polls a card reader on its own thread: reports each card once when it
//! arrives (not again while it lies on the reader), reports a reader that
//! fails, and reopens it until it answers again. The rest of the kiosk keeps
//! working meanwhile.

use std::time::Duration;

use super::{CardReader, ReaderError, Uid};

/// Empty polls in a row (at 250 ms, half a second) before a card counts as
/// taken away.
const EMPTY_POLLS_GONE: u32 = 2;

/// What the runner tells the kiosk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReaderEvent {
    /// A card arrived on the reader.
    Card(Uid),
    /// The reader stopped answering or could not be opened (the reason, for
    /// the log); the runner keeps retrying.
    Failed(String),
    /// The reader answers again after a failure.
    Recovered,
}

/// How often the runner polls and retries.
#[derive(Debug, Clone, Copy)]
pub struct Pacing {
    /// How long one poll waits for a card.
    pub poll: Duration,
    /// How long to wait before reopening a failed reader.
    pub retry: Duration,
}

impl Default for Pacing {
    fn default() -> Self {
        Pacing {
            poll: Duration::from_millis(250),
            retry: Duration::from_secs(2),
        }
    }
}

/// Runs until `report` returns `false` (the kiosk is closing) or, between
/// polls, `alive` does. `open` opens (or reopens) the reader.
pub fn run(
    mut open: impl FnMut() -> Result<Box<dyn CardReader>, ReaderError>,
    pacing: Pacing,
    alive: impl Fn() -> bool,
    mut report: impl FnMut(ReaderEvent) -> bool,
) {
    let mut failed = false;
    loop {
        let mut reader = match open() {
            Ok(reader) => reader,
            Err(error) => {
                if !failed && !report(ReaderEvent::Failed(error.to_string())) {
                    return;
                }
                failed = true;
                std::thread::sleep(pacing.retry);
                if !alive() {
                    return;
                }
                continue;
            }
        };
        let mut on_reader: Option<Uid> = None;
        let mut empty_polls = 0u32;
        loop {
            match reader.poll(pacing.poll) {
                Err(ReaderError::Card(why)) => {
                    // One card, not the reader: log it and go on.
                    tracing::warn!("{}: {}", reader.describe(), ReaderError::Card(why));
                }
                Ok(card) => {
                    if failed {
                        failed = false;
                        if !report(ReaderEvent::Recovered) {
                            return;
                        }
                    }
                    if let Some(uid) = &card
                        && on_reader.as_ref() != Some(uid)
                        && !report(ReaderEvent::Card(uid.clone()))
                    {
                        return;
                    }
                    // A card leaves only after EMPTY_POLLS_GONE empty polls
                    // in a row: one flickering at the edge of the field is
                    // not tapped again.
                    match card {
                        Some(uid) => {
                            on_reader = Some(uid);
                            empty_polls = 0;
                        }
                        None => {
                            empty_polls += 1;
                            if empty_polls >= EMPTY_POLLS_GONE {
                                on_reader = None;
                            }
                        }
                    }
                    if !alive() {
                        return;
                    }
                }
                Err(error) => {
                    if !failed
                        && !report(ReaderEvent::Failed(format!(
                            "{}: {error}",
                            reader.describe()
                        )))
                    {
                        return;
                    }
                    failed = true;
                    break;
                }
            }
        }
        drop(reader);
        std::thread::sleep(pacing.retry);
        if !alive() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;

    /// A reader that plays a script of poll results.
    struct Script(VecDeque<Poll>);

    impl CardReader for Script {
        fn poll(&mut self, _timeout: Duration) -> Result<Option<Uid>, ReaderError> {
            self.0.pop_front().unwrap_or(Ok(None))
        }
        fn describe(&self) -> String {
            "script".into()
        }
    }

    fn uid(n: u8) -> Uid {
        Uid(vec![4, n, n, n])
    }

    /// One poll's result, and one open's: a script of polls or a failure.
    type Poll = Result<Option<Uid>, ReaderError>;
    type Open = Result<Vec<Poll>, ReaderError>;

    /// Runs scripted readers (one per open) and collects what the kiosk
    /// sees until `limit` reports (or a bound on polls, against a hang).
    fn observe(opens: Vec<Open>, limit: usize) -> Vec<ReaderEvent> {
        let mut opens: VecDeque<_> = opens.into();
        let mut seen = Vec::new();
        let polls = std::cell::Cell::new(0);
        run(
            || match opens.pop_front() {
                Some(Ok(script)) => Ok(Box::new(Script(script.into())) as Box<dyn CardReader>),
                Some(Err(e)) => Err(e),
                None => Ok(Box::new(Script(VecDeque::new()))),
            },
            Pacing {
                poll: Duration::ZERO,
                retry: Duration::ZERO,
            },
            || {
                polls.set(polls.get() + 1);
                polls.get() < 10_000
            },
            |event| {
                seen.push(event);
                seen.len() < limit
            },
        );
        seen
    }

    #[test]
    fn a_card_held_on_the_reader_is_reported_once() {
        let seen = observe(
            vec![Ok(vec![
                Ok(Some(uid(1))),
                Ok(Some(uid(1))),
                Ok(Some(uid(1))),
                // One empty poll: flicker at the edge of the field.
                Ok(None),
                Ok(Some(uid(1))),
                // Two: the card was taken away, and comes back.
                Ok(None),
                Ok(None),
                Ok(Some(uid(1))),
                // A card that cannot be read is not a failing reader.
                Err(ReaderError::Card("SW 63 00".into())),
                Ok(Some(uid(2))),
            ])],
            3,
        );
        assert_eq!(
            seen,
            vec![
                ReaderEvent::Card(uid(1)),
                ReaderEvent::Card(uid(1)),
                ReaderEvent::Card(uid(2))
            ]
        );
    }

    #[test]
    fn a_failing_reader_is_reported_once_reopened_and_recovers() {
        let seen = observe(
            vec![
                Ok(vec![Ok(Some(uid(1))), Err(ReaderError::Timeout)]),
                Err(ReaderError::Device {
                    device: "/dev/ttyUSB0".into(),
                    reason: "No such file".into(),
                }),
                Err(ReaderError::Timeout),
                Ok(vec![Ok(None), Ok(Some(uid(3)))]),
            ],
            4,
        );
        assert_eq!(seen.len(), 4, "{seen:?}");
        assert_eq!(seen[0], ReaderEvent::Card(uid(1)));
        assert!(matches!(&seen[1], ReaderEvent::Failed(why) if why.contains("svarar inte")));
        assert_eq!(seen[2], ReaderEvent::Recovered);
        assert_eq!(seen[3], ReaderEvent::Card(uid(3)));
    }
}
