//! The schedule engine: where the meeting stands at a moment.
//!
//! Pure: [`screen_state`] takes the meeting's [`Schedule`], the event log
//! and `now`, and returns a [`ScreenState`]. Rules (see the contract):
//!
//! - an entry counts as started at its `item_started` (or `break_started`)
//!   event; items passed over are done; `meeting_started` starts item one;
//! - `remaining_s` counts down the current entry's planned length from when
//!   it actually started; past that it is 0 and `overtime_s` counts up;
//! - `projected_end` is when the meeting ends if the current entry ends at
//!   its planned length (or now, if already over) and everything after it
//!   keeps its planned length (planned gaps included);
//! - `offset_s` is `projected_end` minus the planned end of the last entry;
//! - events are applied in time order, not in arrival order, so an event
//!   synced late from another device never moves the meeting back;
//! - without events the meeting follows its plan exactly.

pub mod control;
pub mod message;
pub mod report;
pub mod timeline;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::attendance::quorum::{self, ItemSpan};
use crate::attendance::{self, Names};
use crate::model::event::without_withdrawn;
use crate::model::time::local_instant;
use crate::model::{Event, EventKind, Meeting};

/// One planned entry on the timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    /// Planned start.
    pub start: DateTime<Utc>,
    /// Planned end.
    pub end: DateTime<Utc>,
    /// Planned length in seconds.
    pub seconds: i64,
    /// Whether the entry is a break.
    pub is_break: bool,
}

/// A meeting prepared for fast state queries: the planned timeline in UTC,
/// participant lookup, and the event log of a meeting that follows its plan.
#[derive(Debug, Clone)]
pub struct Schedule {
    /// The meeting's time zone.
    pub tz: Tz,
    /// One slot per agenda entry, in order.
    pub slots: Vec<Slot>,
    /// Planned start of the meeting.
    pub planned_start: DateTime<Utc>,
    /// Planned end of the last entry (the meeting's end if none).
    pub planned_end: DateTime<Utc>,
    names: Names,
    plan_events: Vec<Event>,
}

impl Schedule {
    /// Prepares a meeting in a time zone.
    pub fn new(meeting: &Meeting, tz: Tz) -> Self {
        let slots: Vec<Slot> = meeting
            .items
            .iter()
            .map(|e| {
                let start = local_instant(meeting.date, e.start, tz);
                Slot {
                    start,
                    end: start + chrono::Duration::seconds(e.planned_seconds()),
                    seconds: e.planned_seconds(),
                    is_break: e.is_break(),
                }
            })
            .collect();
        let planned_start = local_instant(meeting.date, meeting.start, tz);
        let planned_end = slots
            .last()
            .map(|s| s.end)
            .unwrap_or_else(|| local_instant(meeting.date, meeting.end, tz));
        let mut plan_events = vec![Event::new(planned_start, tz, EventKind::MeetingStarted)];
        for (entry, slot) in meeting.items.iter().zip(&slots) {
            let kind = match &entry.number {
                Some(number) if !entry.is_break() => EventKind::ItemStarted {
                    item: number.clone(),
                },
                _ => EventKind::BreakStarted { minutes: None },
            };
            plan_events.push(Event::new(slot.start, tz, kind));
        }
        plan_events.push(Event::new(planned_end, tz, EventKind::MeetingEnded));
        Schedule {
            tz,
            slots,
            planned_start,
            planned_end,
            names: Names::new(meeting),
            plan_events,
        }
    }

    /// The events of a meeting that runs exactly to plan.
    pub fn plan_events(&self) -> &[Event] {
        &self.plan_events
    }

    /// Participant lookup by name.
    pub fn names(&self) -> &Names {
        &self.names
    }
}

/// The phase of the meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Not started yet.
    Before,
    /// An agenda item is running.
    Item,
    /// A break.
    Break,
    /// The meeting has ended.
    After,
}

/// What is running now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Current {
    /// A planned entry, by index into `meeting.items`.
    Planned(usize),
    /// A break that is not in the plan.
    UnplannedBreak,
}

/// Where the meeting stands at a moment: everything the room screen shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScreenState {
    /// The moment described.
    pub now: DateTime<Utc>,
    /// Before, item, break or after.
    pub phase: Phase,
    /// The running entry, in the item and break phases.
    pub current: Option<Current>,
    /// When the running entry started.
    pub current_since: Option<DateTime<Utc>>,
    /// Planned length of the running entry in seconds.
    pub current_seconds: i64,
    /// Seconds since the running entry started (0 when none runs).
    pub elapsed_s: i64,
    /// Seconds left of the running entry's planned length; before the
    /// meeting, seconds until the planned start.
    pub remaining_s: i64,
    /// Seconds past the running entry's planned length; before the meeting,
    /// seconds past the planned start without a start.
    pub overtime_s: i64,
    /// Projected end of the meeting.
    pub projected_end: DateTime<Utc>,
    /// `projected_end` minus the planned end, in seconds.
    pub offset_s: i64,
    /// The next planned entry (index into `meeting.items`).
    pub next: Option<usize>,
    /// When the meeting actually started, if it has.
    pub started_at: Option<DateTime<Utc>>,
    /// When the meeting ended, in the after phase.
    pub ended_at: Option<DateTime<Utc>>,
    /// Of those in `expected`, the ones checked in and not checked out.
    pub present: usize,
    /// Participants called (not the invited guests), those called for
    /// some items only while one of theirs runs.
    pub expected: usize,
    /// The newest message to the room showing now.
    pub message: Option<message::RoomMessage>,
    /// Whether the body may decide now, when it has members.
    pub quorum: Option<crate::attendance::quorum::Quorum>,
}

/// One stretch of the meeting as it was held: what ran, from when, until
/// when. A planned entry started again after another one has its own
/// stretch each time; an unplanned break is a stretch of its own and never
/// takes the place of a planned break.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Held {
    /// What ran.
    pub entry: Current,
    /// The planned entry the meeting stood at when this began (the one
    /// running, or the furthest reached): an unplanned break is recorded
    /// after it. `None` before the first entry.
    pub after: Option<usize>,
    /// When it began.
    pub start: DateTime<Utc>,
    /// When the next stretch (or the end of the meeting) took over; `None`
    /// while it still runs at the end of the log.
    pub end: Option<DateTime<Utc>>,
    /// Its planned length in seconds (an unplanned break: the minutes it
    /// was given, or 0).
    pub seconds: i64,
}

/// What the event log says was held: the fold [`screen_state`] makes, kept
/// whole for the record (the agenda export, the pages, the minutes'
/// bounds), so that the screen and the record can never disagree.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record {
    /// Every stretch, in the order they began.
    pub held: Vec<Held>,
    /// Items passed over going forward (index into `meeting.items`) and
    /// when: done, in no time. Breaks passed over are not held.
    pub passed: Vec<(usize, DateTime<Utc>)>,
    /// When the meeting actually started: its first progress event
    /// (`meeting_started`, or an item or break started without one).
    pub started: Option<DateTime<Utc>>,
    /// When it ended: the last `meeting_ended`, unless the meeting was
    /// taken up again after it.
    pub ended: Option<DateTime<Utc>>,
}

/// The fold of progress events up to a moment.
#[derive(Debug, Default)]
struct Progress {
    current: Option<(Current, DateTime<Utc>, i64)>,
    /// The item an unplanned break interrupted, and the seconds it had
    /// left then (negative: already over time), for `resumed`.
    interrupted: Option<(usize, i64)>,
    reached: Option<usize>,
    started: Option<DateTime<Utc>>,
    ended: Option<DateTime<Utc>>,
    held: Vec<Held>,
    passed: Vec<(usize, DateTime<Utc>)>,
}

impl Progress {
    fn apply(
        &mut self,
        meeting: &Meeting,
        schedule: &Schedule,
        at: DateTime<Utc>,
        kind: &EventKind,
    ) {
        let start_planned = |p: &mut Progress, index: usize| {
            if let Some(reached) = p.reached {
                let passed = (reached + 1..index).filter(|&i| !schedule.slots[i].is_break);
                p.passed.extend(passed.map(|i| (i, at)));
            }
            let seconds = schedule.slots[index].seconds;
            p.begin(Current::Planned(index), Some(index), at, seconds);
            p.reached = Some(p.reached.map_or(index, |r| r.max(index)));
        };
        match kind {
            EventKind::MeetingStarted => {
                let reopened = self.ended.take().is_some();
                if self.started.is_none() && !schedule.slots.is_empty() {
                    start_planned(self, 0);
                } else if reopened && let Some((entry, _, seconds)) = self.current {
                    let after = self.held.last().and_then(|h| h.after);
                    self.begin(entry, after, at, seconds);
                }
            }
            EventKind::ItemStarted { item } => {
                self.ended = None;
                if let Some(index) = meeting.item_index(item) {
                    start_planned(self, index);
                }
            }
            EventKind::BreakStarted { minutes } => {
                self.ended = None;
                let after = match self.current {
                    Some((Current::Planned(i), _, _)) => Some(i),
                    _ => self.reached,
                };
                let running_item = match self.current {
                    Some((Current::Planned(i), since, seconds)) if !schedule.slots[i].is_break => {
                        Some((i, seconds - (at - since).num_seconds()))
                    }
                    // A break pressed again (another length, or at the
                    // door and on the pages at once) still returns to the
                    // item the first one interrupted.
                    Some((Current::UnplannedBreak, _, _)) => self.interrupted,
                    _ => None,
                };
                let candidate = after.map_or(0, |i| i + 1);
                let planned = schedule.slots.get(candidate).is_some_and(|s| s.is_break)
                    && self.reached.is_none_or(|r| r < candidate);
                if planned && minutes.is_none() {
                    start_planned(self, candidate);
                } else {
                    let seconds = minutes
                        .map(|m| i64::from(m) * 60)
                        .or_else(|| planned.then(|| schedule.slots[candidate].seconds))
                        .unwrap_or(0);
                    self.begin(Current::UnplannedBreak, after, at, seconds);
                    // A break in the middle of an item (not one between
                    // two) is what `resumed` returns from.
                    self.interrupted = running_item;
                }
            }
            EventKind::ItemExtended { minutes } => {
                let Some((_, _, seconds)) = self.current.as_mut().filter(|_| self.ended.is_none())
                else {
                    return;
                };
                let more = i64::from(*minutes) * 60;
                *seconds += more;
                if let Some(open) = self.held.last_mut().filter(|h| h.end.is_none()) {
                    open.seconds += more;
                }
            }
            EventKind::Resumed => {
                let in_break = match self.current {
                    Some((Current::UnplannedBreak, _, _)) => true,
                    Some((Current::Planned(i), _, _)) => schedule.slots[i].is_break,
                    None => false,
                };
                if !in_break || self.ended.is_some() {
                    return;
                }
                match self.interrupted.take() {
                    Some((item, left))
                        if self.current.is_some_and(|c| c.0 == Current::UnplannedBreak) =>
                    {
                        self.begin(Current::Planned(item), Some(item), at, left);
                    }
                    _ => {
                        let position = match self.current {
                            Some((Current::Planned(i), _, _)) => {
                                Some(self.reached.map_or(i, |r| r.max(i)))
                            }
                            _ => self.reached,
                        };
                        let next = position.map_or(0, |p| p + 1);
                        if next < schedule.slots.len() {
                            start_planned(self, next);
                        }
                    }
                }
            }
            EventKind::MeetingEnded => {
                self.ended = Some(at);
                if let Some(open) = self.held.last_mut().filter(|h| h.end.is_none()) {
                    open.end = Some(at);
                }
            }
            EventKind::CheckedIn { .. }
            | EventKind::CheckedOut { .. }
            | EventKind::CardEnrolled { .. }
            | EventKind::CardExpected { .. }
            | EventKind::CardRevoked { .. }
            | EventKind::CorrectionWithdrawn { .. }
            | EventKind::ControlUndone { .. }
            | EventKind::MessagePosted { .. }
            | EventKind::MessageWithdrawn { .. }
            | EventKind::SubstituteStarted { .. }
            | EventKind::SubstituteEnded { .. }
            | EventKind::Recused { .. } => return,
        }
        self.started.get_or_insert(at);
    }

    /// Makes `entry` the running one from `at`. The same entry still
    /// running goes on as one stretch (its clock starts again, as the
    /// screen counts it); anything else closes the open stretch.
    fn begin(&mut self, entry: Current, after: Option<usize>, at: DateTime<Utc>, seconds: i64) {
        self.current = Some((entry, at, seconds));
        self.interrupted = None;
        if let Some(open) = self.held.last_mut().filter(|h| h.end.is_none()) {
            if open.entry == entry {
                // A break given a new length keeps it in the record too.
                open.seconds = seconds;
                return;
            }
            open.end = Some(at);
        }
        self.held.push(Held {
            entry,
            after,
            start: at,
            end: None,
            seconds,
        });
    }
}

/// The progress events that count at `until`, in time order (ties in the
/// log's order): those after `until` and those a `control_undone` recorded
/// by then has undone are left out.
fn counted(events: &[Event], until: DateTime<Utc>) -> Vec<(DateTime<Utc>, usize, &EventKind)> {
    let undone: Vec<DateTime<Utc>> = events
        .iter()
        .filter(|e| e.instant() <= until)
        .filter_map(|e| match &e.kind {
            EventKind::ControlUndone { undone_at } => Some(undone_at.with_timezone(&Utc)),
            _ => None,
        })
        .collect();
    let mut ordered: Vec<(DateTime<Utc>, usize, &EventKind)> = events
        .iter()
        .enumerate()
        .filter(|(_, e)| is_control(e) && !undone.contains(&e.instant()))
        .map(|(i, e)| (e.instant(), i, &e.kind))
        .filter(|(at, _, _)| *at <= until)
        .collect();
    ordered.sort_by_key(|(at, i, _)| (*at, *i));
    ordered
}

/// The fold of a meeting's progress events in time order (ties in the
/// log's order), as [`screen_state`] makes it, up to `until`.
fn fold(
    meeting: &Meeting,
    schedule: &Schedule,
    events: &[Event],
    until: DateTime<Utc>,
) -> Progress {
    let ordered = counted(events, until);
    let mut progress = Progress::default();
    for (at, _, kind) in ordered {
        progress.apply(meeting, schedule, at, kind);
    }
    progress
}

/// When the meeting actually started and ended by the log, as [`record`]
/// folds it (its `started` and `ended`), without the plan: the first
/// progress event, and the last `meeting_ended` unless progress was
/// recorded after it.
pub fn held_bounds(events: &[Event]) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
    let progress = counted(events, DateTime::<Utc>::MAX_UTC);
    let started = progress.first().map(|(at, _, _)| *at);
    let ended = progress
        .iter()
        .fold(None, |ended, (at, _, kind)| match kind {
            EventKind::MeetingEnded => Some(*at),
            // More time or a resume after the end does not reopen the meeting.
            EventKind::ItemExtended { .. } | EventKind::Resumed => ended,
            _ => None,
        });
    (started, ended)
}

/// What the whole event log says was held (see [`Record`]); the same fold
/// as [`screen_state`], so the record and the screen agree.
pub fn record(meeting: &Meeting, schedule: &Schedule, events: &[Event]) -> Record {
    let progress = fold(meeting, schedule, events, DateTime::<Utc>::MAX_UTC);
    Record {
        held: progress.held,
        passed: progress.passed,
        started: progress.started,
        ended: progress.ended,
    }
}

/// The events a kiosk's engine works from: the recorded ones, preceded by
/// the plan's progress events as long as nothing about progress has been
/// recorded. A room screen that nobody drives follows the plan; from the
/// first recorded start, break or end it follows what was recorded. The
/// plan's own end is not taken: only someone ends the meeting.
pub fn with_plan(schedule: &Schedule, recorded: &[Event]) -> Vec<Event> {
    if is_driven(recorded) {
        return recorded.to_vec();
    }
    // The plan's end is left out: a meeting that runs over is ended by
    // someone, not by the clock.
    schedule
        .plan_events()
        .iter()
        .filter(|e| e.kind != EventKind::MeetingEnded)
        .chain(recorded)
        .cloned()
        .collect()
}

/// The stretches in which an agenda item (not a break) ran, for the rule
/// that deputies take over and hand back only between items
/// ([`crate::attendance::quorum::takes_effect`]).
pub fn item_spans(meeting: &Meeting, held: &[Held]) -> Vec<ItemSpan> {
    held.iter()
        .filter(|h| match h.entry {
            Current::Planned(i) => meeting.items.get(i).is_some_and(|e| !e.is_break()),
            Current::UnplannedBreak => false,
        })
        .map(|h| (h.start, h.end))
        .collect()
}

/// [`item_spans`] as of `now`, from the events a screen works from
/// ([`with_plan`]): a stretch still running at `now` has no end.
pub fn item_spans_at(
    meeting: &Meeting,
    schedule: &Schedule,
    events: &[Event],
    now: DateTime<Utc>,
) -> Vec<ItemSpan> {
    item_spans(meeting, &fold(meeting, schedule, events, now).held)
}

/// [`item_spans_at`] over the log as recorded, with the plan so far added
/// as the screens do ([`with_plan`]).
pub fn item_spans_of(
    meeting: &Meeting,
    schedule: &Schedule,
    recorded: &[Event],
    now: DateTime<Utc>,
) -> Vec<ItemSpan> {
    item_spans_at(meeting, schedule, &with_plan(schedule, recorded), now)
}

/// Whether someone drives the meeting: a control recorded and not undone
/// (until then the screens follow the plan).
pub fn is_driven(recorded: &[Event]) -> bool {
    !counted(recorded, DateTime::<Utc>::MAX_UTC).is_empty()
}

/// Whether an event is about the meeting's progress (as opposed to
/// attendance, messages and the card registry): a control, or the undoing
/// of one.
pub fn is_progress(event: &Event) -> bool {
    is_control(event) || matches!(event.kind, EventKind::ControlUndone { .. })
}

/// Whether an event is a control that moves the meeting on (start, item,
/// break, resume, more time, end): what `control_undone` undoes.
pub fn is_control(event: &Event) -> bool {
    matches!(
        event.kind,
        EventKind::MeetingStarted
            | EventKind::ItemStarted { .. }
            | EventKind::BreakStarted { .. }
            | EventKind::MeetingEnded
            | EventKind::ItemExtended { .. }
            | EventKind::Resumed
    )
}

/// Where the meeting stands at `now`, given the events recorded so far.
/// Pass `None` for a meeting assumed to follow its plan.
pub fn screen_state(
    meeting: &Meeting,
    schedule: &Schedule,
    events: Option<&[Event]>,
    now: DateTime<Utc>,
) -> ScreenState {
    let attendance_events = events.unwrap_or_default();
    let progress_events = events.unwrap_or(schedule.plan_events());

    let progress = fold(meeting, schedule, progress_events, now);

    // The item running now: recusals count for it, and those called for
    // some items only are expected while one of theirs runs.
    let running_item = match progress.current {
        Some((Current::Planned(i), _, _)) if progress.ended.is_none() => {
            meeting.items.get(i).and_then(|e| e.number.as_deref())
        }
        _ => None,
    };
    // Those called who are in: the invited guests are not in `expected`,
    // so not in `present` either ("5 av 20 incheckade" is of the 20); nor
    // is someone called for other items than the running one.
    let called_now = |who: &crate::model::Participant| {
        !who.invited
            && who.items.as_ref().is_none_or(|items| {
                running_item.is_some_and(|running| items.iter().any(|i| i == running))
            })
    };
    let present = attendance::presence(
        schedule.names(),
        meeting.participants.len(),
        &without_withdrawn(attendance_events),
        now,
    )
    .iter()
    .zip(&meeting.participants)
    .filter(|(p, who)| p.present && called_now(who))
    .count();
    let expected = meeting
        .participants
        .iter()
        .filter(|p| called_now(p))
        .count();

    let span = (schedule.planned_end - schedule.planned_start).num_seconds();
    let base = ScreenState {
        now,
        phase: Phase::Before,
        current: None,
        current_since: None,
        current_seconds: 0,
        elapsed_s: 0,
        remaining_s: 0,
        overtime_s: 0,
        projected_end: schedule.planned_end,
        offset_s: 0,
        next: None,
        started_at: progress.started,
        ended_at: None,
        present,
        expected,
        message: message::showing(attendance_events, now).into_iter().next(),
        quorum: None,
    };
    let base = ScreenState {
        quorum: quorum::quorum(
            meeting,
            attendance_events,
            &item_spans(meeting, &progress.held),
            running_item,
            now,
        ),
        ..base
    };

    if let Some(ended) = progress.ended {
        return ScreenState {
            phase: Phase::After,
            projected_end: ended,
            offset_s: (ended - schedule.planned_end).num_seconds(),
            ended_at: Some(ended),
            ..base
        };
    }

    let Some((current, since, seconds)) = progress.current else {
        let until_start = (schedule.planned_start - now).num_seconds();
        let projected_end = now.max(schedule.planned_start) + chrono::Duration::seconds(span);
        return ScreenState {
            remaining_s: until_start.max(0),
            overtime_s: (-until_start).max(0),
            projected_end,
            offset_s: (projected_end - schedule.planned_end).num_seconds(),
            next: (!schedule.slots.is_empty()).then_some(0),
            ..base
        };
    };

    let elapsed = (now - since).num_seconds().max(0);
    let current_end = (since + chrono::Duration::seconds(seconds)).max(now);
    let position = match current {
        Current::Planned(i) => Some(progress.reached.map_or(i, |r| r.max(i))),
        Current::UnplannedBreak => progress.reached,
    };
    let resume = position.map_or(schedule.planned_start, |p| schedule.slots[p].end);
    let projected_end = current_end + (schedule.planned_end - resume);
    // After the furthest reached: going back to an item keeps the later
    // ones done (the controls' "next" goes there too).
    let next = position.map_or(0, |p| p + 1);
    let phase = match current {
        Current::Planned(i) if !schedule.slots[i].is_break => Phase::Item,
        _ => Phase::Break,
    };
    ScreenState {
        phase,
        current: Some(current),
        current_since: Some(since),
        current_seconds: seconds,
        elapsed_s: elapsed,
        remaining_s: (seconds - elapsed).max(0),
        overtime_s: (elapsed - seconds).max(0),
        projected_end,
        offset_s: (projected_end - schedule.planned_end).num_seconds(),
        next: (next < schedule.slots.len()).then_some(next),
        ..base
    }
}
