//! Gives every agenda entry a start and an end.
//!
//! Entries with clock times keep them (`explicit`). The others (`inferred`)
//! are laid out between fixed points: the meeting's start, each explicit
//! entry, the meeting's end. Within a gap, entries with a stated length
//! ("Paus 15 minuter", "(40 min)") get it and the untimed ones share what is
//! left equally, in whole minutes, the earlier ones taking any remainder;
//! so a trailing untimed item runs to the meeting's end. When stated
//! lengths do not fit, they shrink in proportion. Entries never overlap and
//! never go backwards.

use chrono::{NaiveTime, Timelike};

use super::ImportError;
use super::agenda::Draft;
use crate::model::{AgendaEntry, Timing};

fn minute_of(time: NaiveTime) -> u32 {
    time.hour() * 60 + time.minute()
}

fn time_of(minute: u32) -> NaiveTime {
    // Callers clamp to the day (at most 23:59), so this always exists.
    NaiveTime::from_hms_opt(minute.min(1439) / 60, minute.min(1439) % 60, 0)
        .unwrap_or(NaiveTime::MIN)
}

/// Splits `total` minutes over `weights` in proportion, whole minutes, the
/// remainder to the first entries.
fn share(total: u32, weights: &[u32]) -> Vec<u32> {
    let sum: u64 = weights.iter().map(|w| u64::from(*w)).sum();
    if sum == 0 {
        return vec![0; weights.len()];
    }
    let mut parts: Vec<u32> = weights
        .iter()
        .map(|w| (u64::from(total) * u64::from(*w) / sum) as u32)
        .collect();
    let mut left = total - parts.iter().sum::<u32>();
    for (part, weight) in parts.iter_mut().zip(weights) {
        if left == 0 {
            break;
        }
        if *weight > 0 {
            *part += 1;
            left -= 1;
        }
    }
    parts
}

/// Resolves the drafts' times. `end` is the meeting's planned end if known.
/// Returns the entries and the meeting's end (derived when not given).
pub fn resolve(
    drafts: Vec<Draft>,
    start: NaiveTime,
    end: Option<NaiveTime>,
) -> Result<(Vec<AgendaEntry>, NaiveTime), Vec<ImportError>> {
    let mut problems = Vec::new();
    let mut previous: Option<(&Draft, u32)> = None;
    for draft in &drafts {
        if let Some((s, e, line)) = draft.clock {
            let (s, e) = (minute_of(s), minute_of(e));
            if e < s {
                problems.push(ImportError::ItemEndsBeforeStart {
                    line,
                    what: describe(draft),
                    start: format_minute(s),
                    end: format_minute(e),
                });
            } else if let Some((before, before_end)) = previous
                && s < before_end
            {
                problems.push(ImportError::ItemOverlaps {
                    line,
                    what: describe(draft),
                    start: format_minute(s),
                    previous: describe(before),
                    previous_end: format_minute(before_end),
                });
            }
            previous = Some((draft, e.max(s)));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }

    let meeting_start = minute_of(start);
    let stated_total: u32 = drafts
        .iter()
        .filter(|d| d.clock.is_none())
        .filter_map(|d| d.minutes)
        .fold(0u32, u32::saturating_add);
    let last_fixed = drafts
        .iter()
        .filter_map(|d| d.clock.map(|(_, e, _)| minute_of(e)))
        .max()
        .unwrap_or(meeting_start);
    let meeting_end = end
        .map(minute_of)
        .unwrap_or_else(|| last_fixed.max(meeting_start + stated_total).min(1439));

    let mut entries = Vec::with_capacity(drafts.len());
    let mut cursor = meeting_start;
    let mut run: Vec<Draft> = Vec::new();
    for draft in drafts {
        match draft.clock {
            Some((s, e, _)) => {
                let (s, e) = (minute_of(s), minute_of(e));
                lay_out(
                    &mut entries,
                    std::mem::take(&mut run),
                    cursor,
                    s.max(cursor),
                );
                cursor = cursor.max(e);
                entries.push(entry(draft, s, e, Timing::Explicit));
            }
            None => run.push(draft),
        }
    }
    lay_out(&mut entries, run, cursor, meeting_end.max(cursor));
    Ok((entries, time_of(meeting_end.max(meeting_start))))
}

/// Lays out untimed drafts between `from` and `to`.
fn lay_out(entries: &mut Vec<AgendaEntry>, run: Vec<Draft>, from: u32, to: u32) {
    if run.is_empty() {
        return;
    }
    let gap = to.saturating_sub(from);
    let stated: u32 = run
        .iter()
        .filter_map(|d| d.minutes)
        .fold(0, u32::saturating_add);
    let untimed = run.iter().filter(|d| d.minutes.is_none()).count() as u32;
    let lengths: Vec<u32> = if stated > gap {
        let weights: Vec<u32> = run.iter().map(|d| d.minutes.unwrap_or(0)).collect();
        share(gap, &weights)
    } else if untimed > 0 {
        let even: Vec<u32> = run.iter().map(|d| u32::from(d.minutes.is_none())).collect();
        let shared = share(gap - stated, &even);
        run.iter()
            .zip(shared)
            .map(|(d, s)| d.minutes.unwrap_or(s))
            .collect()
    } else {
        run.iter().map(|d| d.minutes.unwrap_or(0)).collect()
    };
    let mut at = from;
    for (draft, length) in run.into_iter().zip(lengths) {
        entries.push(entry(draft, at, at + length, Timing::Inferred));
        at += length;
    }
}

fn entry(draft: Draft, start: u32, end: u32, timing: Timing) -> AgendaEntry {
    AgendaEntry {
        entry_type: draft.entry_type,
        number: draft.number.map(|n| n.to_string()),
        title: draft.title,
        start: time_of(start),
        end: time_of(end),
        minutes: end - start,
        timing,
        presenters: draft.presenters,
        proposal: draft.proposal,
        documents: draft.documents,
        parts: draft.parts,
        sub_items: draft.sub_items,
        line: draft.line,
    }
}

fn describe(draft: &Draft) -> String {
    match draft.number {
        Some(n) => format!("punkt {n}"),
        None => draft.title.to_lowercase(),
    }
}

fn format_minute(minute: u32) -> String {
    format!("{:02}.{:02}", minute / 60, minute % 60)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::EntryType;

    fn draft(number: Option<u32>, clock: Option<(u32, u32)>, minutes: Option<u32>) -> Draft {
        Draft {
            entry_type: if number.is_some() {
                EntryType::Item
            } else {
                EntryType::Break
            },
            number,
            title: "x".into(),
            line: 1,
            start_only: None,
            clock: clock.map(|(s, e)| (time_of(s), time_of(e), 1)),
            minutes,
            presenters: vec![],
            proposal: None,
            documents: vec![],
            parts: vec![],
            sub_items: vec![],
        }
    }

    fn spans(entries: &[AgendaEntry]) -> Vec<(String, String)> {
        entries
            .iter()
            .map(|e| {
                (
                    e.start.format("%H:%M").to_string(),
                    e.end.format("%H:%M").to_string(),
                )
            })
            .collect()
    }

    fn t(h: u32, m: u32) -> u32 {
        h * 60 + m
    }

    #[test]
    fn untimed_items_share_the_gap_and_the_last_runs_to_the_end() {
        let drafts = vec![
            draft(Some(1), None, None),
            draft(Some(2), None, None),
            draft(Some(3), None, None),
            draft(Some(4), Some((t(13, 5), t(13, 25))), None),
            draft(None, None, Some(15)),
            draft(Some(5), Some((t(13, 40), t(14, 0))), None),
            draft(Some(6), None, None),
        ];
        let (entries, end) = resolve(drafts, time_of(t(13, 0)), Some(time_of(t(15, 30)))).unwrap();
        assert_eq!(
            spans(&entries),
            vec![
                ("13:00".into(), "13:02".into()),
                ("13:02".into(), "13:04".into()),
                ("13:04".into(), "13:05".into()),
                ("13:05".into(), "13:25".into()),
                ("13:25".into(), "13:40".into()),
                ("13:40".into(), "14:00".into()),
                ("14:00".into(), "15:30".into()),
            ]
        );
        assert_eq!(end, time_of(t(15, 30)));
        assert_eq!(entries[4].timing, Timing::Inferred);
        assert_eq!(entries[3].timing, Timing::Explicit);
    }

    #[test]
    fn stated_lengths_that_do_not_fit_shrink_in_proportion() {
        let drafts = vec![
            draft(Some(1), None, Some(40)),
            draft(Some(2), None, Some(20)),
        ];
        let (entries, _) = resolve(drafts, time_of(t(13, 0)), Some(time_of(t(13, 30)))).unwrap();
        assert_eq!(entries[0].minutes, 20);
        assert_eq!(entries[1].minutes, 10);
    }

    #[test]
    fn backwards_and_overlapping_clocks_are_errors_with_lines() {
        let drafts = vec![draft(Some(1), Some((t(13, 30), t(13, 10))), None)];
        let err = resolve(drafts, time_of(t(13, 0)), None).unwrap_err();
        assert!(err[0].to_string().contains("punkt 1"));
        let drafts = vec![
            draft(Some(1), Some((t(13, 0), t(13, 30))), None),
            draft(Some(2), Some((t(13, 20), t(13, 40))), None),
        ];
        let err = resolve(drafts, time_of(t(13, 0)), None).unwrap_err();
        assert!(err[0].to_string().contains("13.30"), "{}", err[0]);
    }
}
