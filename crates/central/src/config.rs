//! `config/central.toml`: where the central server listens, which database
//! it keeps, and its limits. Every setting has a default; a bad file is
//! reported with its line.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

pub use motesskylt_daemon::config_file::ConfigError;
use motesskylt_daemon::config_file::line_of;

/// The whole configuration.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CentralConfig {
    /// `[server]`.
    pub server: ServerConfig,
}

/// `[server]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Address and port to listen on (port 0: any free port, printed at start).
    pub listen: SocketAddr,
    /// The SQLite file (used unless `database_url` is set).
    pub database: PathBuf,
    /// A PostgreSQL database instead (`postgres://user@host/db`).
    pub database_url: Option<String>,
    /// A request taking longer is answered 408.
    pub request_timeout_seconds: u64,
    /// The largest request body, in kilobytes (a push of 1000 events is about 400).
    pub body_limit_kb: usize,
    /// How long an enrolment code stays valid, in hours.
    pub code_valid_hours: i64,
    /// The server's key for the enrolment codes' hashes (made at the first
    /// start); by default `central.key` beside `database`.
    pub secret_file: Option<PathBuf>,
    /// PostgreSQL connections kept open (a broken one is replaced).
    pub database_connections: usize,
    /// A client must send a request's headers within this many seconds,
    /// and an idle kept-alive connection is closed after as long.
    pub header_timeout_seconds: u64,
    /// Connections served at once; more wait until one closes.
    pub max_connections: usize,
    /// Reverse proxies (addresses or networks) whose `X-Forwarded-For`
    /// names the client: the sign-in and enrolment limits count per client.
    pub trusted_proxies: Vec<String>,
    /// A bearer token that may read `/metrics` (administrators signed in
    /// may always); none: only administrators.
    pub metrics_token: Option<String>,
    /// The address of the region's accessibility statement
    /// (tillgänglighetsredogörelse, `docs/tillganglighetsredogorelse.md`
    /// is a template): every page's footer links to it.
    pub accessibility_statement: Option<String>,
}

impl ServerConfig {
    /// Where the key for the enrolment codes' hashes is kept for the store
    /// `db`: `secret_file`, or `central.key` beside the SQLite file (for
    /// PostgreSQL, beside `database`: the service's state directory).
    pub fn secret_path(&self, db: &crate::db::AnyDb) -> PathBuf {
        if let Some(file) = &self.secret_file {
            return file.clone();
        }
        let beside = match db {
            crate::db::AnyDb::Sqlite(sqlite) => sqlite.path(),
            crate::db::AnyDb::Postgres(_) => self.database.as_path(),
        };
        beside
            .parent()
            .unwrap_or_else(|| Path::new(""))
            .join("central.key")
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8470)),
            database: PathBuf::from("/var/lib/motesskylt/central.sqlite"),
            database_url: None,
            request_timeout_seconds: 10,
            body_limit_kb: 1024,
            code_valid_hours: 24,
            secret_file: None,
            database_connections: 8,
            header_timeout_seconds: 10,
            max_connections: 4096,
            trusted_proxies: vec!["127.0.0.1".into(), "::1".into()],
            metrics_token: None,
            accessibility_statement: None,
        }
    }
}

/// Whether `url` can be a page's link to the statement: an http(s)
/// address without spaces, quotes or angle brackets.
fn statement_address(url: &str) -> bool {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    rest.is_some_and(|rest| {
        !rest.is_empty()
            && url.len() <= 500
            && !url
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || "\"'<>`".contains(c))
    })
}

impl CentralConfig {
    /// Reads and checks `path`.
    pub fn load(path: &Path) -> Result<CentralConfig, ConfigError> {
        Self::parse(
            &motesskylt_daemon::config_file::read(path)?,
            &path.display().to_string(),
        )
    }

    /// Reads the text of a configuration file named `shown` in errors.
    pub fn parse(text: &str, shown: &str) -> Result<CentralConfig, ConfigError> {
        let config: CentralConfig =
            motesskylt_daemon::config_file::parse(text, shown, "config/central.toml")?;
        let invalid = |key: &str, message: &str| ConfigError::Invalid {
            path: shown.to_string(),
            line: line_of(text, key),
            message: message.to_string(),
        };
        if let Some(url) = &config.server.database_url
            && !(url.starts_with("postgres://") || url.starts_with("postgresql://"))
        {
            return Err(invalid(
                "database_url",
                "server.database_url ska börja med postgres://, t.ex. \"postgres://motesskylt@localhost/motesskylt\"",
            ));
        }
        if let Some(url) = &config.server.accessibility_statement
            && !statement_address(url)
        {
            return Err(invalid(
                "accessibility_statement",
                "server.accessibility_statement ska vara adressen till regionens tillgänglighetsredogörelse, t.ex. \"https://www.region.se/tillganglighet/motesskylt\" (https:// eller http://, utan mellanslag)",
            ));
        }
        if config.server.request_timeout_seconds == 0 {
            return Err(invalid(
                "request_timeout_seconds",
                "server.request_timeout_seconds ska vara minst 1",
            ));
        }
        if config.server.body_limit_kb < 16 {
            return Err(invalid(
                "body_limit_kb",
                "server.body_limit_kb ska vara minst 16 (en händelse är under 1 kB)",
            ));
        }
        if config.server.code_valid_hours < 1 {
            return Err(invalid(
                "code_valid_hours",
                "server.code_valid_hours ska vara minst 1",
            ));
        }
        if config.server.header_timeout_seconds == 0 {
            return Err(invalid(
                "header_timeout_seconds",
                "server.header_timeout_seconds ska vara minst 1",
            ));
        }
        if config.server.max_connections < 16 {
            return Err(invalid(
                "max_connections",
                "server.max_connections ska vara minst 16",
            ));
        }
        if config.server.database_connections == 0 {
            return Err(invalid(
                "database_connections",
                "server.database_connections ska vara minst 1",
            ));
        }
        if let Err(e) = crate::limit::TrustedProxies::parse(&config.server.trusted_proxies) {
            return Err(invalid(
                "trusted_proxies",
                &format!("server.trusted_proxies: {e}"),
            ));
        }
        if config
            .server
            .metrics_token
            .as_ref()
            .is_some_and(|t| t.trim().len() < 16)
        {
            return Err(invalid(
                "metrics_token",
                "server.metrics_token ska vara minst 16 tecken (t.ex. från openssl rand -hex 32)",
            ));
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_file_shows_every_setting() {
        let example = include_str!("../../../config/central.toml");
        assert_eq!(
            motesskylt_daemon::config_file::undocumented::<CentralConfig>(example, &["server"]),
            Vec::<String>::new()
        );
    }

    #[test]
    fn the_example_file_reads_and_mistakes_name_the_line() {
        let example = include_str!("../../../config/central.toml");
        let config = CentralConfig::parse(example, "central.toml").unwrap();
        assert_eq!(config.server.request_timeout_seconds, 10);
        assert!(config.server.database_url.is_none());

        let wrong = "[server]\nlisten = \"127.0.0.1:1\"\ndatabase_url = \"mysql://x\"\n";
        let error = CentralConfig::parse(wrong, "c.toml")
            .unwrap_err()
            .to_string();
        assert!(error.starts_with("c.toml:3: "), "{error}");

        for bad in [
            "www.region.se",
            "javascript:alert(1)",
            "https://",
            "https://a b",
            "https://x\"y",
        ] {
            let text = format!("[server]\naccessibility_statement = '{bad}'\n");
            let error = CentralConfig::parse(&text, "c.toml")
                .unwrap_err()
                .to_string();
            assert!(
                error.starts_with("c.toml:2: ") && error.contains("tillgänglighetsredogörelse"),
                "{bad}: {error}"
            );
        }
        let good = "[server]\naccessibility_statement = \"https://www.region.se/tillganglighet\"\n";
        let config = CentralConfig::parse(good, "c.toml").unwrap();
        assert_eq!(
            config.server.accessibility_statement.as_deref(),
            Some("https://www.region.se/tillganglighet")
        );

        let unknown = "[server]\n\nport = 80\n";
        let error = CentralConfig::parse(unknown, "c.toml")
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("c.toml:3: ") && error.contains("port"),
            "{error}"
        );
    }
}
