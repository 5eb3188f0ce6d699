//! Reading a TOML configuration file (`config/kiosk.toml`,
//! `config/central.toml`) so that every mistake names the file and line.

use std::path::Path;

use serde::de::DeserializeOwned;
use thiserror::Error;

/// A configuration that cannot be used.
#[derive(Debug, Error)]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("{path}: filen går inte att läsa ({reason})")]
    Read {
        /// The file.
        path: String,
        /// What the system said.
        reason: String,
    },
    /// The file is not valid or names an unknown setting.
    #[error("{path}:{line}: {message}")]
    Invalid {
        /// The file.
        path: String,
        /// 1-based line of the problem.
        line: usize,
        /// What is wrong and what to write instead.
        message: String,
    },
}

/// Reads `path` as text.
pub fn read(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
        path: path.display().to_string(),
        reason: e.to_string(),
    })
}

/// Parses `text` (the file `shown`); a mistake points to `example`, the
/// commented file listing every setting.
pub fn parse<T: DeserializeOwned>(
    text: &str,
    shown: &str,
    example: &str,
) -> Result<T, ConfigError> {
    toml::from_str(text).map_err(|e| ConfigError::Invalid {
        path: shown.to_string(),
        line: e
            .span()
            .map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1)
            .unwrap_or(1),
        message: format!(
            "{} (se {example} för alla inställningar)",
            in_swedish(e.message())
        ),
    })
}

/// serde's and toml's usual messages in the reader's words; anything else
/// as it came.
fn in_swedish(message: &str) -> String {
    let kind = |name: &str| {
        let name = name.trim();
        match name {
            "u8" | "u16" | "u32" | "u64" | "usize" | "i64" | "integer" => "ett heltal".to_string(),
            "a string" | "string" => "text inom citattecken".to_string(),
            "a boolean" | "boolean" => "true eller false".to_string(),
            other => other.to_string(),
        }
    };
    if let Some(rest) = message.strip_prefix("invalid type: ")
        && let Some((found, expected)) = rest.split_once(", expected ")
    {
        let found = found
            .replace("string ", "texten ")
            .replace("integer ", "talet ");
        return format!("fel sorts värde: {found}; här ska stå {}", kind(expected));
    }
    // "unknown field `x`, expected one of `a`, `b` or `c`" and the same for
    // a variant: the name, then the choices.
    let cases = [
        ("unknown field ", "okänd inställning", "här finns"),
        ("unknown variant ", "okänt värde", "välj"),
    ];
    for (prefix, what, choose) in cases {
        if let Some(rest) = message.strip_prefix(prefix) {
            let (name, known) = rest.split_once(", expected ").unwrap_or((rest, ""));
            let known = known
                .trim_start_matches("one of ")
                .replace(" or ", " eller ");
            return format!("{what} {name}; {choose} {known}");
        }
    }
    // The TOML mistakes people make by hand.
    let syntax = [
        ("invalid basic string", "texten saknar sitt avslutande \""),
        ("invalid literal string", "texten saknar sitt avslutande '"),
        (
            "missing opening quote",
            "ett \" för mycket, eller ett saknas i början av texten",
        ),
        (
            "string values must be quoted",
            "skriv text inom citattecken, t.ex. \"sv\"",
        ),
        (
            "duplicate key",
            "inställningen eller avsnittet står två gånger; ta bort den ena",
        ),
        ("key with no value", "inställningen saknar = och ett värde"),
        ("unclosed table", "avsnittets namn saknar sin avslutande ]"),
        ("unclosed array", "listan saknar sin avslutande ]"),
    ];
    for (english, swedish) in syntax {
        if message.starts_with(english) {
            return swedish.to_string();
        }
    }
    message.to_string()
}

/// The line where `key` is first set, for errors found after parsing.
pub fn line_of(text: &str, key: &str) -> usize {
    text.lines()
        .position(|l| {
            let l = l.trim_start();
            l.starts_with(key) && l[key.len()..].trim_start().starts_with('=')
        })
        .map_or(1, |i| i + 1)
}

/// The settings of `T`'s `sections` that the commented `example` does not
/// show, as `section.key`: serde names every setting it knows when it
/// refuses an unknown one, so the list comes from the types themselves.
/// The kiosk's and the central server's tests keep their examples complete
/// with it.
pub fn undocumented<T: DeserializeOwned + std::fmt::Debug>(
    example: &str,
    sections: &[&str],
) -> Vec<String> {
    let mut missing = Vec::new();
    for section in sections {
        let probe = format!("[{section}]\nnot_a_setting = 1\n");
        let error = toml::from_str::<T>(&probe)
            .unwrap_err()
            .message()
            .to_string();
        // "expected one of `a`, `b` or `c`", "expected `a` or `b`", "expected `a`"
        let known = error
            .split_once("expected ")
            .map_or("", |(_, known)| known.trim_start_matches("one of "));
        for key in known
            .split(['`', ',', ' '])
            .filter(|k| !k.is_empty() && *k != "or")
        {
            let shown = example.lines().any(|line| {
                let line = line.trim_start_matches(['#', ' ']);
                line.strip_prefix(key)
                    .is_some_and(|rest| rest.trim_start().starts_with('='))
            });
            if !shown {
                missing.push(format!("{section}.{key}"));
            }
        }
    }
    missing
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Door {
        seconds: u32,
        lang: Option<Lang>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(rename_all = "lowercase")]
    enum Lang {
        Sv,
        En,
    }

    fn error(text: &str) -> String {
        parse::<Door>(text, "k.toml", "config/kiosk.toml")
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn the_usual_mistakes_are_said_in_swedish_on_their_line() {
        let wrong_type = error("seconds = \"två\"\n");
        assert!(
            wrong_type
                .starts_with("k.toml:1: fel sorts värde: texten \"två\"; här ska stå ett heltal"),
            "{wrong_type}"
        );
        let unknown = error("seconds = 2\nsecs = 3\n");
        assert!(
            unknown.starts_with(
                "k.toml:2: okänd inställning `secs`; här finns `seconds` eller `lang`"
            ),
            "{unknown}"
        );
        let variant = error("seconds = 2\nlang = \"de\"\n");
        assert!(
            variant.starts_with("k.toml:2: okänt värde `de`; välj `sv` eller `en`"),
            "{variant}"
        );
        assert!(
            variant.ends_with("(se config/kiosk.toml för alla inställningar)"),
            "{variant}"
        );
        let syntax = [
            (
                "seconds = 2\nseconds = 3\n",
                "k.toml:2: inställningen eller avsnittet står två gånger",
            ),
            (
                "seconds = 2\nlang = sv\n",
                "k.toml:2: skriv text inom citattecken",
            ),
            ("seconds = 2\"\n", "k.toml:1: ett \" för mycket"),
            (
                "[door\nseconds = 2\n",
                "k.toml:1: avsnittets namn saknar sin avslutande ]",
            ),
        ];
        for (text, said) in syntax {
            let error = error(text);
            assert!(error.starts_with(said), "{error}");
        }
    }
}
