//! Removes the markup notices carry (Markdown headings, bullets, bold,
//! links, HTML tags, backslash escapes) so every format reads the same.

use std::sync::LazyLock;

use regex::Regex;

/// Compiles a pattern written in this crate.
pub fn pattern(source: &str) -> Regex {
    // The patterns are string literals in this crate and covered by tests;
    // a typo fails every test run, never a user's import.
    Regex::new(source).expect("literal regex in crate::kallelse")
}

static LINK: LazyLock<Regex> = LazyLock::new(|| pattern(r"\[([^\]]*)\]\(([^)\s]*)\)"));
/// HTML tags by name: a person's name in angle brackets ("<Ulf Olsson>")
/// is not markup and stays, to be read or reported.
static TAG: LazyLock<Regex> = LazyLock::new(|| {
    pattern(
        r"(?i)</?(?:a|abbr|b|big|blockquote|body|br|caption|center|cite|code|col|colgroup|dd|del|div|dl|dt|em|font|h[1-6]|head|hr|html|i|img|ins|kbd|label|li|mark|o:p|ol|p|pre|q|s|small|span|strike|strong|sub|sup|table|tbody|td|tfoot|th|thead|title|tr|tt|u|ul|w:[a-z]+)(?:\s[^<>]*)?/?>",
    )
});
static ESCAPE: LazyLock<Regex> = LazyLock::new(|| pattern(r"\\([\\`*_{}\[\]()#+\-.!>])"));

/// A line with its markup removed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Clean {
    /// Markdown heading level (0 when not a heading).
    pub heading: usize,
    /// The line was a bullet ("- ", "• ", "➤ ").
    pub bullet: bool,
    /// Leading spaces before any marker.
    pub indent: usize,
    /// Text without markup, whitespace collapsed.
    pub text: String,
    /// Texts of the Markdown links on the line (attached documents).
    pub links: Vec<String>,
}

/// Cleans one line.
pub fn clean(raw: &str) -> Clean {
    let indent = raw.len() - raw.trim_start().len();
    let mut rest = raw.trim();
    let mut heading = 0;
    let hashes = rest.len() - rest.trim_start_matches('#').len();
    if (1..=6).contains(&hashes) && rest[hashes..].starts_with([' ', '\t']) {
        heading = hashes;
        rest = rest[hashes..].trim_start();
    }
    let mut bullet = false;
    for marker in ["- ", "* ", "+ ", "• ", "➢ ", "➤ ", "▪ ", "◦ ", "– "] {
        if let Some(stripped) = rest.strip_prefix(marker) {
            bullet = true;
            rest = stripped.trim_start();
            break;
        }
    }
    if !bullet && (rest.starts_with('•') || rest.starts_with('➤') || rest.starts_with('➢')) {
        bullet = true;
        rest = rest.trim_start_matches(['•', '➤', '➢']).trim_start();
    }
    let links: Vec<String> = LINK
        .captures_iter(rest)
        .map(|c| tidy(&c[1]))
        .filter(|t| !t.is_empty())
        .collect();
    let text = LINK.replace_all(rest, "$1");
    let text = TAG.replace_all(&text, "");
    let text = text.replace("**", "").replace("__", "").replace('*', "");
    let text = tidy(&text);
    Clean {
        heading,
        bullet,
        indent,
        text,
        links,
    }
}

/// Unescapes backslash escapes and collapses whitespace.
pub fn tidy(text: &str) -> String {
    let text = ESCAPE.replace_all(text, "$1");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_bullets_bold_links_and_escapes() {
        let c = clean("## 4. **Hälsa- och sjukvårdsavtalet**");
        assert_eq!(
            (c.heading, c.text.as_str()),
            (2, "4. Hälsa- och sjukvårdsavtalet")
        );
        let c = clean("  - [Beslutsunderlag \\(vgregion.se\\)](#)");
        assert!(c.bullet);
        assert_eq!(c.indent, 2);
        assert_eq!(c.links, vec!["Beslutsunderlag (vgregion.se)"]);
        assert_eq!(c.text, "Beslutsunderlag (vgregion.se)");
        let c = clean("<b>Övriga deltagare</b>\t");
        assert_eq!(c.text, "Övriga deltagare");
        assert_eq!(
            clean("<B>Ulf</b> <span class=\"x\">Olsson</span><br/>").text,
            "Ulf Olsson"
        );
        assert_eq!(clean("<Ulf Olsson>").text, "<Ulf Olsson>");
        let c = clean("➤ [Beslutsunderlag – Politisk referensgrupp.pdf](#)");
        assert!(c.bullet);
        assert_eq!(c.links.len(), 1);
        assert_eq!(clean("#hashtag").heading, 0);
        assert_eq!(
            clean("*Föredragande: Åsa Jackson, VGR*").text,
            "Föredragande: Åsa Jackson, VGR"
        );
    }
}
