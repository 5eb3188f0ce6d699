//! The `motesskylt` command line (see `shared/contract.md`).
//!
//! Exit codes: 0 success; 2 bad input, with one `FILE:LINE: problem` line
//! per problem on stderr and nothing written; 1 anything else.

use std::fmt;
use std::path::Path;
use std::process::ExitCode;

use chrono_tz::Tz;
use clap::{Parser, Subcommand};

use motesskylt_core::model::time::DEFAULT_TIME_ZONE;

/// `print!` to standard output that gives back the error (a reader who
/// closed the pipe, as `| head -1` does) instead of panicking.
macro_rules! out {
    ($($arg:tt)*) => {
        write!(std::io::stdout().lock(), $($arg)*).map_err(StdoutError)
    };
}

/// `println!` to standard output that gives back the error (see [`out!`]).
macro_rules! outln {
    ($($arg:tt)*) => {
        writeln!(std::io::stdout().lock(), $($arg)*).map_err(StdoutError)
    };
}

/// Standard output could not be written.
#[derive(Debug, thiserror::Error)]
#[error("standard ut går inte att skriva till: {0}")]
struct StdoutError(#[source] std::io::Error);

mod commands;

use commands::meeting;

/// Meeting-room door terminal and room screen.
#[derive(Parser)]
#[command(name = "motesskylt", version, about)]
struct Cli {
    /// The meeting's time zone (IANA name).
    #[arg(long, global = true, env = "MOTESSKYLT_TZ", default_value_t = DEFAULT_TIME_ZONE)]
    timezone: Tz,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Read a meeting notice (.md, .txt or .docx) and print the meeting.
    Import(meeting::ImportArgs),
    /// What the room screen shows at a moment.
    Status(meeting::StatusArgs),
    /// Print the attendance paragraph for the minutes.
    Minutes(meeting::MinutesArgs),
    /// Draw what the kiosk screen shows at a moment into a PNG, without a display.
    #[cfg(feature = "kiosk")]
    Render(commands::render::RenderArgs),
    /// Run the kiosk at the door: the screen (or --headless), the store and the card reader.
    #[cfg(feature = "kiosk")]
    Kiosk(commands::kiosk::KioskArgs),
    /// Export a meeting from a store: the event log (JSON Lines, the contract's format with id, device and seq), the minutes paragraph, the attendance list or agenda as CSV for Excel, or the meeting as iCalendar.
    #[cfg(any(feature = "kiosk", feature = "central"))]
    Export(commands::store::ExportArgs),
    /// Check a store's integrity, or set a damaged one aside and save what can be read.
    #[cfg(any(feature = "kiosk", feature = "central"))]
    Store {
        #[command(subcommand)]
        action: commands::store::StoreAction,
    },
    /// Print the keyed hash of a card UID (for admin_cards in kiosk.toml).
    #[cfg(feature = "kiosk")]
    CardHash(commands::kiosk::CardHashArgs),
    /// Run the central server (device API) that kiosks sync with, or manage its devices.
    #[cfg(feature = "central")]
    Central(commands::central::CentralArgs),
    /// Open the kiosk on an embedded meeting starting in a few minutes.
    #[cfg(all(feature = "kiosk", feature = "central"))]
    Demo(commands::demo::DemoArgs),
}

/// Bad input: printed one problem per line, exit code 2.
#[derive(Debug)]
struct BadInput(Vec<String>);

impl fmt::Display for BadInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join("\n"))
    }
}

impl std::error::Error for BadInput {}

fn problem(file: &Path, line: Option<usize>, message: impl fmt::Display) -> String {
    match line {
        Some(line) => format!("{}:{line}: {message}", file.display()),
        None => format!("{}: {message}", file.display()),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    #[cfg(feature = "kiosk")]
    if matches!(cli.command, Command::Kiosk(_))
        || cfg!(feature = "central") && is_demo(&cli.command)
    {
        // SAFETY: no thread has started yet.
        unsafe { motesskylt_kiosk::window::no_session_bus_when_absent() };
    }
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        // The reader of the output has gone (`| head -1`): what they
        // wanted was printed; a quiet end, like any filter's.
        Err(error) if closed_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => match error.downcast_ref::<BadInput>() {
            Some(bad) => {
                eprintln!("{bad}");
                ExitCode::from(2)
            }
            None => {
                eprintln!("motesskylt: {error:#}");
                ExitCode::FAILURE
            }
        },
    }
}

/// Whether `error` is standard output's reader having closed the pipe
/// (and not a broken pipe anywhere else, such as the database's socket).
fn closed_pipe(error: &anyhow::Error) -> bool {
    error
        .downcast_ref::<StdoutError>()
        .is_some_and(|e| e.0.kind() == std::io::ErrorKind::BrokenPipe)
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let tz = cli.timezone;
    match cli.command {
        Command::Import(args) => meeting::import_cmd(args),
        Command::Status(args) => meeting::status(args, tz),
        Command::Minutes(args) => meeting::minutes(args, tz),
        #[cfg(feature = "kiosk")]
        Command::Render(args) => commands::render::run(args, tz),
        #[cfg(feature = "kiosk")]
        Command::Kiosk(args) => commands::kiosk::run(args, tz),
        #[cfg(any(feature = "kiosk", feature = "central"))]
        Command::Export(args) => commands::store::export_cmd(args, tz),
        #[cfg(any(feature = "kiosk", feature = "central"))]
        Command::Store { action } => commands::store::store_cmd(action),
        #[cfg(feature = "kiosk")]
        Command::CardHash(args) => commands::kiosk::card_hash(args),
        #[cfg(feature = "central")]
        Command::Central(args) => commands::central::run(args, tz),
        #[cfg(all(feature = "kiosk", feature = "central"))]
        Command::Demo(args) => commands::demo::run(args, tz),
    }
}

/// Whether the command is `demo` (which opens a window like `kiosk`).
#[cfg(feature = "kiosk")]
fn is_demo(command: &Command) -> bool {
    #[cfg(feature = "central")]
    return matches!(command, Command::Demo(_));
    #[cfg(not(feature = "central"))]
    {
        let _ = command;
        false
    }
}
