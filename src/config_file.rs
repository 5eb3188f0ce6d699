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
        message: format!("{} (se {example} för alla inställningar)", e.message()),
    })
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
