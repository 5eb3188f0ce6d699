//! The `motesskylt` command line (see `shared/contract.md`).
//!
//! Exit codes: 0 success; 2 bad input, with one `FILE:LINE: problem` line
//! per problem on stderr and nothing written; 1 anything else.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use chrono_tz::Tz;
use clap::{Parser, Subcommand};

use motesskylt::model::event::{check_against, parse_log};
use motesskylt::model::time::{DEFAULT_TIME_ZONE, parse_moment};
use motesskylt::model::{Event, Meeting};
use motesskylt::progress::{Schedule, report, screen_state};
use motesskylt::{attendance, demo, kallelse};

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
    Import {
        /// The notice.
        file: PathBuf,
        /// Print the contract's JSON instead of a summary.
        #[arg(long)]
        json: bool,
    },
    /// What the room screen shows at a moment.
    Status {
        /// The notice.
        file: PathBuf,
        /// The moment: "HH:MM", "YYYY-MM-DD HH:MM" or RFC 3339.
        #[arg(long)]
        at: String,
        /// Event log (JSON Lines); without it the meeting follows its plan.
        #[arg(long)]
        events: Option<PathBuf>,
        /// Print the contract's JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print the attendance paragraph for the minutes.
    Minutes {
        /// The notice.
        file: PathBuf,
        /// Event log (JSON Lines).
        #[arg(long)]
        events: PathBuf,
    },
    /// Open the room screen on an embedded meeting starting in a few minutes.
    Demo {
        /// Run the meeting's clock this many times faster than real time.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=3600))]
        speed: u32,
        /// Stop after this many screens (for scripts).
        #[arg(long)]
        frames: Option<u64>,
    },
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
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
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

fn run(cli: Cli) -> anyhow::Result<()> {
    let tz = cli.timezone;
    match cli.command {
        Command::Import { file, json } => {
            let meeting = import(&file)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&meeting)?);
            } else {
                print!("{}", summary(&meeting));
            }
        }
        Command::Status {
            file,
            at,
            events,
            json,
        } => {
            let meeting = import(&file)?;
            let now = parse_moment(&at, meeting.date, tz)
                .map_err(|e| BadInput(vec![format!("--at: {e}")]))?;
            let events = events.map(|log| read_events(&log, &meeting)).transpose()?;
            let schedule = Schedule::new(&meeting, tz);
            let state = screen_state(&meeting, &schedule, events.as_deref(), now);
            if json {
                let status = report::status(&meeting, &state, tz);
                println!("{}", serde_json::to_string_pretty(&status)?);
            } else {
                print!("{}", report::text(&meeting, &state, tz));
            }
        }
        Command::Minutes { file, events } => {
            let meeting = import(&file)?;
            let events = read_events(&events, &meeting)?;
            print!("{}", attendance::minutes::paragraph(&meeting, &events, tz));
        }
        Command::Demo { speed, frames } => {
            demo::run(tz, speed, frames).context("demo")?;
        }
    }
    Ok(())
}

fn import(file: &Path) -> anyhow::Result<Meeting> {
    kallelse::import_file(file).map_err(|problems| {
        BadInput(
            problems
                .iter()
                .map(|p| problem(file, p.line(), p))
                .collect(),
        )
        .into()
    })
}

fn read_events(log: &Path, meeting: &Meeting) -> anyhow::Result<Vec<Event>> {
    let text = std::fs::read_to_string(log).map_err(|e| {
        BadInput(vec![problem(
            log,
            None,
            format!("händelseloggen går inte att läsa ({e})"),
        )])
    })?;
    let events = parse_log(&text).map_err(|problems| {
        BadInput(
            problems
                .iter()
                .map(|p| problem(log, Some(p.line), &p.message))
                .collect(),
        )
    })?;
    let unknown = check_against(meeting, &events);
    if !unknown.is_empty() {
        return Err(BadInput(
            unknown
                .iter()
                .map(|p| problem(log, Some(p.line), &p.message))
                .collect(),
        )
        .into());
    }
    Ok(events.into_iter().map(|(_, e)| e).collect())
}

/// A short Swedish summary of an imported meeting.
fn summary(meeting: &Meeting) -> String {
    use motesskylt::model::time::{clock_sv, date_sv};
    let called = meeting.called().count();
    let invited = meeting.participants.len() - called;
    let mut out = format!(
        "{} · {} · kl. {}–{}\n{}\n{} kallade, {} inbjudna\n\n",
        meeting.body,
        date_sv(meeting.date),
        clock_sv(meeting.start),
        clock_sv(meeting.end),
        meeting.location.as_deref().unwrap_or("(plats saknas)"),
        called,
        invited
    );
    for entry in &meeting.items {
        let label = match &entry.number {
            Some(n) => format!("{n}. {}", entry.title),
            None => entry.title.clone(),
        };
        let marker = match entry.timing {
            motesskylt::model::Timing::Explicit => "",
            motesskylt::model::Timing::Inferred => " (beräknad tid)",
        };
        out.push_str(&format!(
            "{}–{}  {label}{marker}\n",
            clock_sv(entry.start),
            clock_sv(entry.end)
        ));
    }
    out
}
