//! The kiosk's and the room's colours against WCAG 2.1's contrast (1.4.3,
//! 1.4.11), read from the theme every Slint screen takes them from
//! (`ui/theme.slint`): every colour text is written in against each
//! surface it is written on, at least 4.5:1 (the 7" screen's smallest
//! text, 16 px, is not "large"); the dark text on a state's colour (the
//! pills, the door's answers, the unmet quorum) at least 4.5:1; a state's
//! mark (a stripe, a border) against the surfaces at least 3:1.

use std::collections::HashMap;

/// The theme's colours by name, from `out property <color> name: #rrggbb;`.
fn theme() -> HashMap<String, [u8; 3]> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/ui/theme.slint"))
        .expect("ui/theme.slint");
    let pattern = regex::Regex::new(r"out property <color> ([a-z-]+): #([0-9a-fA-F]{6});").unwrap();
    pattern
        .captures_iter(&text)
        .map(|c| {
            let hex = &c[2];
            let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).unwrap();
            (c[1].to_string(), [byte(0), byte(2), byte(4)])
        })
        .collect()
}

/// WCAG's relative luminance.
fn luminance([r, g, b]: [u8; 3]) -> f64 {
    let channel = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.03928 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
}

/// WCAG's contrast ratio of two colours.
fn contrast(a: [u8; 3], b: [u8; 3]) -> f64 {
    let (a, b) = (luminance(a), luminance(b));
    (a.max(b) + 0.05) / (a.min(b) + 0.05)
}

#[test]
fn the_formula_is_wcags() {
    assert!((contrast([0, 0, 0], [255, 255, 255]) - 21.0).abs() < 1e-9);
    assert!((contrast([0x76, 0x76, 0x76], [255, 255, 255]) - 4.54).abs() < 0.01);
}

#[test]
fn every_text_and_state_colour_of_the_screens_meets_wcag_aa() {
    let theme = theme();
    let colour = |name: &str| {
        *theme
            .get(name)
            .unwrap_or_else(|| panic!("ui/theme.slint has no {name}"))
    };
    // Text of every colour is written on the background and on panels;
    // on `line` (a key's label in the help, a button of the name list)
    // only the plain and the dim text.
    let all = ["text", "dim", "accent", "calm", "wrapup", "overtime"];
    let written_on = [
        ("background", &all[..]),
        ("panel", &all[..]),
        ("line", &["text", "dim"][..]),
    ];
    let states = ["calm", "wrapup", "overtime", "accent"];
    let mut short = Vec::new();
    let mut check = |what: String, ratio: f64, needed: f64| {
        if ratio < needed {
            short.push(format!("{what}: {ratio:.2}:1, needs {needed}:1"));
        }
    };
    for (surface, inks) in written_on {
        for ink in inks {
            check(
                format!("{ink} on {surface}"),
                contrast(colour(ink), colour(surface)),
                4.5,
            );
        }
    }
    for surface in ["background", "panel"] {
        for state in states {
            check(
                format!("the mark {state} against {surface}"),
                contrast(colour(state), colour(surface)),
                3.0,
            );
        }
    }
    for state in states.iter().chain(&["text"]) {
        check(
            format!("on-tone on {state}"),
            contrast(colour("on-tone"), colour(state)),
            4.5,
        );
    }
    assert!(
        short.is_empty(),
        "too little contrast:\n{}",
        short.join("\n")
    );
}
