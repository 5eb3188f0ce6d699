//! Type-to-search in the name list ("Vem är du?"): a keyboard at the door
//! narrows the list to the names with a word that begins with the letters
//! typed, for those who find a long list of buttons hard to scan or tap.
//!
//! Letters only: digits belong to a keyboard-wedge reader typing a card's
//! number (a wedge is grabbed by its own thread, but a second keyboard
//! must not be able to fake half a card either).

/// What a key did to the search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Typed {
    /// The search changed (a letter added or removed, or cleared).
    Searched,
    /// Enter with exactly one name left: pick it (its participant index).
    Pick(usize),
    /// Escape with nothing typed: close the list.
    Cancel,
    /// A letter past [`MAX_TYPED`]: taken, and nothing changes.
    Ignored,
    /// Not a key for the search: the key map may have it.
    NotMine,
}

/// The letters typed so far into the name list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NameSearch {
    typed: String,
}

/// What Slint reports for Backspace, Delete, Escape and Enter.
const BACKSPACE: &str = "\u{8}";
const DELETE: &str = "\u{7f}";
const ESCAPE: &str = "\u{1b}";
const ENTER: [&str; 2] = ["\n", "\r"];

/// More letters than any name needs: a stuck key stops here.
const MAX_TYPED: usize = 40;

impl NameSearch {
    /// The letters typed, as typed.
    pub fn typed(&self) -> &str {
        &self.typed
    }

    /// Forgets what was typed.
    pub fn clear(&mut self) {
        self.typed.clear();
    }

    /// Takes a key press (its text as Slint reports it) while the name
    /// list shows `shown` (participant index and name, in order).
    pub fn key(&mut self, text: &str, shown: &[(usize, &str)]) -> Typed {
        if text == BACKSPACE || text == DELETE {
            if self.typed.pop().is_none() {
                return Typed::NotMine;
            }
            return Typed::Searched;
        }
        if text == ESCAPE {
            if self.typed.is_empty() {
                return Typed::Cancel;
            }
            self.typed.clear();
            return Typed::Searched;
        }
        if ENTER.contains(&text) {
            return match shown {
                [(index, _)] if !self.typed.is_empty() => Typed::Pick(*index),
                _ => Typed::NotMine,
            };
        }
        let mut chars = text.chars();
        let (Some(c), None) = (chars.next(), chars.next()) else {
            return Typed::NotMine;
        };
        // A space or hyphen joins a first name to a surname ("helen e",
        // "anna-k"); never first.
        let joins = (c == ' ' || c == '-') && !self.typed.is_empty();
        if !(c.is_alphabetic() || joins) {
            return Typed::NotMine;
        }
        if self.typed.chars().count() >= MAX_TYPED {
            return Typed::Ignored;
        }
        self.typed.push(c);
        Typed::Searched
    }

    /// Whether `name` shows while this is typed: one of its words (after a
    /// space or a hyphen) begins with the letters typed, case ignored; the
    /// party's letter "(S)" is no word of the name. Everything matches
    /// when nothing is typed.
    pub fn matches(&self, name: &str) -> bool {
        if self.typed.is_empty() {
            return true;
        }
        let name = name.to_lowercase();
        let typed = self.typed.to_lowercase();
        let mut word_start = true;
        for (at, c) in name.char_indices() {
            if word_start && name[at..].starts_with(&typed) {
                return true;
            }
            word_start = matches!(c, ' ' | '-');
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(keys: &[&str]) -> NameSearch {
        let mut search = NameSearch::default();
        for key in keys {
            search.key(key, &[]);
        }
        search
    }

    #[test]
    fn a_word_of_the_name_begins_with_the_letters() {
        let search = typed(&["e", "L"]);
        assert_eq!(search.typed(), "eL");
        assert!(search.matches("Helen Eliasson (M)"));
        assert!(search.matches("Elin Ek"));
        assert!(!search.matches("Monica Hanson (L)"), "inside a word");
        assert!(!typed(&["s"]).matches("Marina Johansson (S)"), "the party");
        assert!(typed(&["ö", "s"]).matches("Per Östberg"));
        assert!(typed(&["a", "n", "n", "a", "-", "k"]).matches("Anna-Karin Berg"));
        assert!(typed(&["k"]).matches("Anna-Karin Berg"), "after a hyphen");
        assert!(typed(&["h", "e", "l", "e", "n", " ", "e"]).matches("Helen Eliasson (M)"));
        assert!(!typed(&["h", "e", "l", "e", "n", " ", "x"]).matches("Helen Eliasson (M)"));
        assert!(NameSearch::default().matches("Anyone"));
    }

    #[test]
    fn digits_and_other_keys_are_not_the_searchs() {
        let mut search = NameSearch::default();
        for key in ["1", "0", " ", "-", "\t", "ab", "", "\u{f700}"] {
            assert_eq!(search.key(key, &[]), Typed::NotMine, "{key:?}");
        }
        assert_eq!(search.typed(), "");
        assert_eq!(search.key("h", &[]), Typed::Searched);
        assert_eq!(search.key("7", &[]), Typed::NotMine);
        assert_eq!(search.typed(), "h");
    }

    #[test]
    fn backspace_escape_and_enter() {
        let mut search = typed(&["h", "e"]);
        assert_eq!(search.key(BACKSPACE, &[]), Typed::Searched);
        assert_eq!(search.typed(), "h");
        assert_eq!(search.key(ENTER[0], &[(3, "Helen")]), Typed::Pick(3));
        assert_eq!(
            search.key(ENTER[0], &[(3, "Helen"), (4, "Hans")]),
            Typed::NotMine,
            "two names left: Enter picks neither"
        );
        assert_eq!(search.key(ESCAPE, &[]), Typed::Searched);
        assert_eq!(search.typed(), "");
        assert_eq!(search.key(ENTER[0], &[(3, "Helen")]), Typed::NotMine);
        assert_eq!(search.key(BACKSPACE, &[]), Typed::NotMine);
        assert_eq!(search.key(ESCAPE, &[]), Typed::Cancel);
    }

    #[test]
    fn a_stuck_key_stops_at_the_limit() {
        let mut search = NameSearch::default();
        for _ in 0..100 {
            search.key("a", &[]);
        }
        assert_eq!(search.typed().chars().count(), MAX_TYPED);
        assert_eq!(search.key("q", &[]), Typed::Ignored, "not the key map's");
    }
}
