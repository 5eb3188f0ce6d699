//! What every long-running motesskylt process needs, kiosk or central
//! server: telling systemd it is ready and alive ([`service`]), logging to
//! the journal ([`logging`]) and reading its TOML configuration with
//! errors that name the file and line ([`config_file`]).

#![warn(missing_docs)]

pub mod config_file;
pub mod logging;
pub mod service;
