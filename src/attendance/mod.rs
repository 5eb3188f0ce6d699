//! Who is here: presence folded from check-in and check-out events, and the
//! attendance paragraph for the minutes ([`minutes`]).

pub mod door;
pub mod minutes;

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::model::{Event, EventKind, Meeting, normalise_name};

/// Looks participants up by name: exact first, then ignoring case and spacing.
#[derive(Debug, Clone)]
pub struct Names {
    exact: HashMap<String, usize>,
    loose: HashMap<String, usize>,
}

impl Names {
    /// Indexes a meeting's participants.
    pub fn new(meeting: &Meeting) -> Self {
        let mut exact = HashMap::new();
        let mut loose = HashMap::new();
        for (i, p) in meeting.participants.iter().enumerate() {
            exact.entry(p.name.clone()).or_insert(i);
            loose.entry(normalise_name(&p.name)).or_insert(i);
        }
        Names { exact, loose }
    }

    /// The participant index for a name as written in an event.
    pub fn find(&self, name: &str) -> Option<usize> {
        self.exact
            .get(name)
            .or_else(|| self.loose.get(&normalise_name(name)))
            .copied()
    }
}

/// One participant's attendance up to a moment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Presence {
    /// Checked in and not checked out since.
    pub present: bool,
    /// First check-in.
    pub first_in: Option<DateTime<Utc>>,
    /// Last check-out, if the person is out now.
    pub left_at: Option<DateTime<Utc>>,
    last_event: Option<(DateTime<Utc>, usize)>,
}

/// Folds attendance events at or before `now` into one [`Presence`] per
/// participant (indexed like `meeting.participants`). Events are applied in
/// time order whatever order they arrive in; events naming no participant
/// are skipped (the command line reports them before this is called).
pub fn presence(
    names: &Names,
    participants: usize,
    events: &[Event],
    now: DateTime<Utc>,
) -> Vec<Presence> {
    let mut people = vec![Presence::default(); participants];
    for (order, event) in events.iter().enumerate() {
        let at = event.instant();
        if at > now {
            continue;
        }
        let (person, arrives) = match &event.kind {
            EventKind::CheckedIn { person, .. } => (person, true),
            EventKind::CheckedOut { person, .. } => (person, false),
            _ => continue,
        };
        let Some(p) = names.find(person).and_then(|i| people.get_mut(i)) else {
            continue;
        };
        if arrives && p.first_in.is_none_or(|first| at < first) {
            p.first_in = Some(at);
        }
        if p.last_event.is_none_or(|last| (at, order) >= last) {
            p.last_event = Some((at, order));
            p.present = arrives;
            p.left_at = (!arrives).then_some(at);
        }
    }
    people
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Category, Participant, Source};
    use chrono::TimeZone;

    fn meeting() -> Meeting {
        let person = |name: &str| Participant {
            name: name.into(),
            party: None,
            organisation: None,
            side: None,
            category: Category::Official,
            role: None,
            invited: false,
            description: None,
            notified_absence: false,
            substitute_for: None,
        };
        Meeting {
            body: "SRO".into(),
            body_description: None,
            document: Default::default(),
            date: chrono::NaiveDate::from_ymd_opt(2026, 6, 4).unwrap(),
            start: chrono::NaiveTime::from_hms_opt(13, 0, 0).unwrap(),
            end: chrono::NaiveTime::from_hms_opt(15, 0, 0).unwrap(),
            location: None,
            participants: vec![person("Anna Ek"), person("Bo Ek")],
            items: vec![],
        }
    }

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 4, h, m, 0).unwrap()
    }

    fn event(h: u32, m: u32, who: &str, arrives: bool) -> Event {
        let kind = if arrives {
            EventKind::CheckedIn {
                person: who.into(),
                source: Source::Nfc,
                substitute_for: None,
                correction: None,
            }
        } else {
            EventKind::CheckedOut {
                person: who.into(),
                source: Source::Nfc,
                correction: None,
            }
        };
        Event::new(at(h, m), chrono_tz::UTC, kind)
    }

    #[test]
    fn latest_event_in_time_wins_whatever_the_arrival_order() {
        let m = meeting();
        let names = Names::new(&m);
        let events = vec![
            event(12, 0, "anna  ek", false),
            event(11, 0, "Anna Ek", true),
            event(11, 30, "Bo Ek", true),
        ];
        let p = presence(&names, 2, &events, at(12, 30));
        assert!(!p[0].present);
        assert_eq!(p[0].first_in, Some(at(11, 0)));
        assert_eq!(p[0].left_at, Some(at(12, 0)));
        assert!(p[1].present);
        let earlier = presence(&names, 2, &events, at(11, 45));
        assert!(earlier[0].present);
    }
}
