//! Every string the screen translates (`@tr(…)` in `ui/*.slint`) has a
//! Swedish translation in `ui/translations/sv`, and the catalogue holds
//! nothing stale: a missing entry would show English on a Swedish screen.

use std::collections::BTreeSet;

use regex::Regex;

fn ui_strings() -> BTreeSet<String> {
    let tr = Regex::new(r#"@tr\("((?:[^"\\]|\\.)*)""#).unwrap();
    let mut found = BTreeSet::new();
    for entry in std::fs::read_dir("ui").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "slint") {
            let text = std::fs::read_to_string(&path).unwrap();
            found.extend(tr.captures_iter(&text).map(|c| c[1].to_string()));
        }
    }
    found
}

fn swedish() -> Vec<(String, String)> {
    let text =
        std::fs::read_to_string("ui/translations/sv/LC_MESSAGES/motesskylt-kiosk.po").unwrap();
    let pair = Regex::new(r#"(?m)^msgid "(.*)"\nmsgstr "(.*)"$"#).unwrap();
    pair.captures_iter(&text)
        .map(|c| (c[1].to_string(), c[2].to_string()))
        .filter(|(id, _)| !id.is_empty())
        .collect()
}

#[test]
fn every_screen_string_has_a_swedish_translation() {
    let wanted = ui_strings();
    assert!(wanted.len() > 30, "the @tr strings were not found");
    let catalogue = swedish();
    let translated: BTreeSet<String> = catalogue
        .iter()
        .filter(|(_, sv)| !sv.is_empty())
        .map(|(id, _)| id.clone())
        .collect();
    let missing: Vec<&String> = wanted.difference(&translated).collect();
    assert!(missing.is_empty(), "no Swedish for {missing:?}");
    let stale: Vec<&String> = translated.difference(&wanted).collect();
    assert!(
        stale.is_empty(),
        "translations of strings no longer in ui/: {stale:?}"
    );
}

#[test]
fn translations_keep_their_placeholders() {
    let placeholder = Regex::new(r"\{\d*\}").unwrap();
    for (english, swedish) in swedish() {
        let of = |s: &str| {
            let mut p: Vec<String> = placeholder
                .find_iter(s)
                .map(|m| m.as_str().to_string())
                .collect();
            p.sort();
            p
        };
        assert_eq!(
            of(&english),
            of(&swedish),
            "placeholders differ in \"{swedish}\""
        );
    }
}
