//! Seats from the roster: who is a member (ledamot) and who a deputy
//! (ersättare), where the headings do not say it themselves, and the
//! member a named deputy stands in for, however the notice spells them.

use crate::model::{Category, Participant, Seat};

/// Settles the seats of a roster read from its headings:
///
/// - a person "(ersätter X vid behov)" is a deputy, linked to the person
///   the notice calls X even when spelled differently (Monica/Monika);
/// - where no heading named seats, the body's politicians are its members
///   (the SRO); in a body without politicians (a steering group's two
///   columns), those under its sides are (not "Övriga deltagare").
pub fn settle(people: &mut [Participant]) {
    let names: Vec<String> = people.iter().map(|p| p.name.clone()).collect();
    for person in people.iter_mut() {
        if let Some(named) = &person.substitute_for {
            person.seat = Some(Seat::Deputy);
            if let Some(found) = closest(&names, named).filter(|n| *n != person.name) {
                person.substitute_for = Some(found);
            }
        }
    }
    if people
        .iter()
        .any(|p| p.seat == Some(Seat::Member) && p.substitute_for.is_none())
    {
        // Where seats are given person by person, the chair and vice chair
        // named by their role alone are members.
        for person in people
            .iter_mut()
            .filter(|p| p.seat.is_none() && p.role.is_some() && !p.invited)
            .filter(|p| p.category != Category::Administration)
        {
            person.seat = Some(Seat::Member);
        }
        return;
    }
    let politicians = people
        .iter()
        .any(|p| p.category == Category::Politician && !p.invited);
    for person in people.iter_mut().filter(|p| p.seat.is_none() && !p.invited) {
        let member = if politicians {
            person.category == Category::Politician
        } else {
            person.side.is_some() && person.category == Category::Official
        };
        if member {
            person.seat = Some(Seat::Member);
        }
    }
}

/// The name in `names` that `written` means: the same, or the nearest
/// within two letters' difference (case and spaces aside).
fn closest(names: &[String], written: &str) -> Option<String> {
    let norm = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    let wanted = norm(written);
    names
        .iter()
        .map(|n| (distance(&norm(n), &wanted), n))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n.clone())
}

/// Levenshtein distance in characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let here = row[j + 1];
            row[j + 1] = (previous + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(here + 1);
            previous = here;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_spelled_differently_are_the_same_person_within_two_letters() {
        assert_eq!(distance("monica holmgren", "monika holmgren"), 1);
        let names = vec!["Monica Holmgren".to_string(), "Karin Engström".to_string()];
        assert_eq!(
            closest(&names, "Monika Holmgren").as_deref(),
            Some("Monica Holmgren")
        );
        assert_eq!(closest(&names, "Bo Ek"), None);
    }
}
