//! People as notices write them: "Karin Looström Muth, VGR", "Adam
//! Johansson (M) Skaraborg", lists joined by commas and "och".

use crate::model::{Presenter, Role};

/// Word endings that mark an organisation rather than a person's name
/// ("Göteborgsregionen", "Tibro kommun", "Skaraborgs sjukhus").
const ORGANISATION_ENDINGS: [&str; 16] = [
    "regionen",
    "region",
    "kommun",
    "kommunen",
    "förbund",
    "förbundet",
    "stad",
    "staden",
    "sjukhus",
    "sjukhuset",
    "sjukvården",
    "nämnden",
    "styrelsen",
    "förvaltningen",
    "vårdgivare",
    "hälsan",
];

/// Words that begin a job title even when capitalised ("Mötessekreterare VGR").
const TITLE_ENDINGS: [&str; 14] = [
    "ordförande",
    "direktör",
    "sekreterare",
    "ledare",
    "representant",
    "beredning",
    "strateg",
    "utvecklare",
    "chef",
    "kommunikatör",
    "handläggare",
    "samordnare",
    "ansvarig",
    "tillförordnad",
];

/// A capitalised name word: "Anna", "Lärk", "Ann-Sofie", "Karlsson-Brännehed".
pub fn is_name_word(word: &str) -> bool {
    let mut chars = word.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    if !first.is_uppercase() || word.chars().count() < 2 {
        return false;
    }
    let mut previous = first;
    for c in chars {
        let fine = c.is_lowercase()
            || (c == '-' && previous != '-')
            || (c == '\'' || c == '’')
            || (c.is_uppercase() && previous == '-');
        if !fine {
            return false;
        }
        previous = c;
    }
    previous.is_lowercase()
}

/// Whether a word reads as an organisation ("Göteborgsregionen", "kommun").
pub fn is_organisation_word(word: &str) -> bool {
    let lower = word.to_lowercase();
    ORGANISATION_ENDINGS.iter().any(|e| lower.ends_with(e))
}

/// Small words inside Swedish (and other) family names.
const NAME_PARTICLES: [&str; 6] = ["von", "af", "de", "van", "der", "du"];

/// A person's name at the start of `text`: two to four name words, ended by
/// a comma, a parenthesis, a non-name word or the end. Returns the name and
/// the byte offset where the rest begins (after a comma, if one ends it).
pub fn split_name(text: &str) -> Option<(String, usize)> {
    let mut words: Vec<&str> = Vec::new();
    // Where the last word began: a particle cannot end a name.
    let mut last_start = 0;
    let mut rest_at = text.len();
    let mut position = 0;
    for token in text.split_inclusive(char::is_whitespace) {
        let start = position;
        position += token.len();
        let trimmed = token.trim();
        if trimmed.is_empty() {
            continue;
        }
        let (core, comma) = match trimmed.strip_suffix(',') {
            Some(core) => (core, true),
            None => (trimmed, false),
        };
        // "von", "af", "de" inside a name: "Carl von Essen".
        let particle = !words.is_empty() && !comma && NAME_PARTICLES.contains(&core);
        if words.len() < 4 && (is_name_word(core) || particle) {
            words.push(core);
            last_start = start;
            if comma {
                rest_at = position;
                break;
            }
        } else {
            rest_at = start;
            break;
        }
    }
    if words.last().is_some_and(|w| NAME_PARTICLES.contains(w)) {
        words.pop();
        rest_at = last_start;
    }
    if words.len() < 2 || words.iter().any(|w| is_organisation_word(w)) {
        return None;
    }
    Some((words.join(" "), rest_at.min(text.len())))
}

/// Whether `text` reads as a person's name once anything before its first
/// letter is set aside ("=Ulf Olsson", "Ulf Olsson (S)").
pub fn reads_as_name(text: &str) -> bool {
    split_name(text.trim_start_matches(|c: char| !c.is_alphabetic())).is_some()
}

/// The segments of a list ("A, VGR, =B och C") that read as a name only
/// once what stands before their first letter is set aside: a list would
/// drop them (or take them for the previous person's details).
pub fn garbled_names(text: &str) -> Vec<String> {
    segments(text.trim().trim_end_matches('.'))
        .into_iter()
        .filter(|s| split_name(s).is_none() && reads_as_name(s))
        .collect()
}

/// The role a description segment gives, when the segment is the role alone:
/// "ordförande" or "vice ordförande" (not "vice ordförande Regionstyrelsen").
pub fn role_of_segment(segment: &str) -> Option<Role> {
    let lower = segment.trim().trim_end_matches('.').to_lowercase();
    match lower.as_str() {
        "ordförande" | "ordf" => Some(Role::Chair),
        "vice ordförande"
        | "vice ordf"
        | "1:e vice ordförande"
        | "2:e vice ordförande"
        | "förste vice ordförande"
        | "andre vice ordförande" => Some(Role::ViceChair),
        _ => None,
    }
}

/// The organisation named by the first segment of a description:
/// "Göteborgsregionen" → itself; "direktör VästKom" → "VästKom";
/// "hälso- och sjukvårdsutvecklingsdirektör" → none.
pub fn organisation_of_segment(segment: &str) -> Option<String> {
    let words: Vec<&str> = segment.split_whitespace().collect();
    let first = words.first()?;
    if role_of_segment(segment).is_some() {
        return None;
    }
    let first_lower = first.to_lowercase();
    // "VD" is a title in capitals, no organisation.
    if words.len() == 1 && matches!(first_lower.as_str(), "vd" | "vvd" | "ceo" | "cfo") {
        return None;
    }
    let is_title = !first.starts_with(char::is_uppercase)
        || TITLE_ENDINGS.iter().any(|t| first_lower.ends_with(t));
    if !is_title {
        return Some(words.join(" "));
    }
    let from = 1 + words
        .iter()
        .skip(1)
        .position(|w| w.starts_with(char::is_uppercase))?;
    let last = words.last()?.to_lowercase();
    // "processledare för nytt Hälso- och sjukvårdsavtal" names a task, and
    // "tillförordnad Hälso- och sjukvårdsdirektör" a title, not an organisation.
    if words[1..from].contains(&"för") || TITLE_ENDINGS.iter().any(|t| last.ends_with(t)) {
        return None;
    }
    Some(words[from..].join(" "))
}

/// Splits a list like "A, VGR, B, VästKom och C, VGR" into description
/// segments on commas and on " och " (but not "hälso- och sjukvård").
fn segments(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in text.split(',') {
        let mut rest = part;
        loop {
            let found = rest
                .match_indices(" och ")
                .find(|(i, _)| !rest[..*i].ends_with('-'));
            match found {
                Some((i, _)) => {
                    out.push(rest[..i].trim().to_string());
                    rest = &rest[i + " och ".len()..];
                }
                None => {
                    out.push(rest.trim().to_string());
                    break;
                }
            }
        }
    }
    out.into_iter()
        .map(|s| s.trim_start_matches("och ").trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// A person in a list, with the segments that followed the name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedPerson {
    /// The name.
    pub name: String,
    /// Segments after the name ("VGR", "representant för kommunalförbunden").
    pub details: Vec<String>,
}

/// Reads a list of people such as the presenters or the invited guests.
pub fn people_list(text: &str) -> Vec<ListedPerson> {
    let text = text.trim().trim_end_matches('.');
    let mut people: Vec<ListedPerson> = Vec::new();
    for segment in segments(text) {
        match split_name(&segment) {
            Some((name, rest_at)) => {
                let rest = segment[rest_at..].trim();
                let mut details = Vec::new();
                if !rest.is_empty() {
                    details.push(rest.to_string());
                }
                people.push(ListedPerson { name, details });
            }
            None => {
                if let Some(last) = people.last_mut() {
                    last.details.push(segment);
                }
            }
        }
    }
    people
}

/// Presenters from the text after "Föredragande:".
pub fn presenters(text: &str) -> Vec<Presenter> {
    people_list(text)
        .into_iter()
        .map(|p| Presenter {
            organisation: p.details.first().and_then(|d| organisation_of_segment(d)),
            name: p.name,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_particle_inside_a_family_name_is_part_of_it() {
        assert_eq!(
            split_name("Carl von Essen (M)"),
            Some(("Carl von Essen".into(), 15))
        );
        assert_eq!(
            split_name("Eva af Klint, revisor"),
            Some(("Eva af Klint".into(), 14))
        );
        // Not at the start or the end of a name.
        assert_eq!(split_name("Anna Berg von"), Some(("Anna Berg".into(), 10)));
        assert_eq!(split_name("von Essen"), None);
    }

    #[test]
    fn name_words() {
        for good in ["Anna", "Ann-Sofie", "Karlsson-Brännehed", "Örgård", "Åberg"] {
            assert!(is_name_word(good), "{good}");
        }
        for bad in ["VGR", "VästKom", "och", "(M)", "A", "Ställningstagande:"] {
            assert!(!is_name_word(bad), "{bad}");
        }
    }

    #[test]
    fn names_end_at_comma_party_or_organisation() {
        let text = "Adam Johansson (M) Skaraborg";
        let (name, at) = split_name(text).unwrap();
        assert_eq!(name, "Adam Johansson");
        assert_eq!(&text[at..], "(M) Skaraborg");
        let text = "Karin Looström Muth, hälso- och sjukvårdsutvecklingsdirektör";
        let (name, at) = split_name(text).unwrap();
        assert_eq!(name, "Karin Looström Muth");
        assert_eq!(text[at..].trim(), "hälso- och sjukvårdsutvecklingsdirektör");
        assert_eq!(split_name("Boel Mörck VGR").unwrap().0, "Boel Mörck");
        assert_eq!(split_name("Västra Götalandsregionen"), None);
        assert_eq!(split_name("Mötets öppnande"), None);
        assert_eq!(split_name("Göteborgsregionen Johnny Magnusson, x"), None);
    }

    #[test]
    fn four_presenters_with_och() {
        let list = presenters(
            "Karin Looström Muth, VGR, Kristina Lännergren, VästKom, Jenny Nilsson, VGR och Malin Swärd Davidsson, VästKom",
        );
        let names: Vec<(&str, Option<&str>)> = list
            .iter()
            .map(|p| (p.name.as_str(), p.organisation.as_deref()))
            .collect();
        assert_eq!(
            names,
            vec![
                ("Karin Looström Muth", Some("VGR")),
                ("Kristina Lännergren", Some("VästKom")),
                ("Jenny Nilsson", Some("VGR")),
                ("Malin Swärd Davidsson", Some("VästKom")),
            ]
        );
    }

    #[test]
    fn presenters_with_comma_och_and_missing_commas() {
        let list = presenters("Karin Looström Muth, VGR, och Kristina Lännergren, VästKom");
        assert_eq!(list.len(), 2);
        assert_eq!(list[1].name, "Kristina Lännergren");
        let list = presenters("Boel Mörck VGR, Ann-Charlotte Järnström VästKom");
        assert_eq!(list[1].name, "Ann-Charlotte Järnström");
        assert_eq!(list[1].organisation.as_deref(), Some("VästKom"));
    }

    #[test]
    fn invited_list_keeps_descriptions_with_their_person() {
        let people = people_list(
            "Maria Berhe, VGR, och Lena Ludvigsson, representant för kommunalförbunden, och Jenny Nilsson, VGR.",
        );
        assert_eq!(people.len(), 3);
        assert_eq!(
            people[1].details,
            vec!["representant för kommunalförbunden"]
        );
        assert_eq!(people[2].details, vec!["VGR"]);
    }

    #[test]
    fn organisations_and_roles_from_segments() {
        assert_eq!(
            organisation_of_segment("Göteborgsregionen").as_deref(),
            Some("Göteborgsregionen")
        );
        assert_eq!(
            organisation_of_segment("direktör VästKom").as_deref(),
            Some("VästKom")
        );
        assert_eq!(
            organisation_of_segment("Mötessekreterare VGR").as_deref(),
            Some("VGR")
        );
        assert_eq!(
            organisation_of_segment("hälso- och sjukvårdsutvecklingsdirektör"),
            None
        );
        assert_eq!(
            organisation_of_segment("processledare för nytt Hälso- och sjukvårdsavtal"),
            None
        );
        assert_eq!(
            organisation_of_segment("tillförordnad Hälso- och sjukvårdsdirektör"),
            None
        );
        assert_eq!(role_of_segment(" vice ordförande"), Some(Role::ViceChair));
        assert_eq!(role_of_segment("ordförande"), Some(Role::Chair));
        assert_eq!(role_of_segment("vice ordförande Regionstyrelsen"), None);
    }
}
