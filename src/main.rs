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

use chrono::Utc;
use motesskylt::kiosk::view::{self, DoorKind, DoorMessage, Settings};
use motesskylt::kiosk::{render, window};
use motesskylt::model::event::{check_against, parse_log};
use motesskylt::model::time::{DEFAULT_TIME_ZONE, Lang, local_time, parse_moment};
use motesskylt::model::{Event, Meeting};
use motesskylt::progress::{Schedule, ScreenState, report, screen_state};
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
    /// Draw what the kiosk screen shows at a moment into a PNG, without a display.
    Render {
        /// The notice.
        file: PathBuf,
        /// The moment: "HH:MM", "YYYY-MM-DD HH:MM" or RFC 3339.
        #[arg(long)]
        at: String,
        /// The PNG file to write.
        #[arg(long)]
        out: PathBuf,
        /// Event log (JSON Lines); without it the meeting follows its plan.
        #[arg(long)]
        events: Option<PathBuf>,
        /// Size in pixels, WIDTHxHEIGHT (e.g. 800x480, 1280x800, 1920x1080, 480x800).
        #[arg(long, default_value = "800x480")]
        size: String,
        /// Language: sv (svenska) or en (English).
        #[arg(long, default_value = "sv")]
        lang: Lang,
        /// What to draw over the room screen.
        #[arg(long, value_enum, default_value_t = ScreenName::Room)]
        screen: ScreenName,
        /// Who the door greets (door screens); default the first called participant.
        #[arg(long)]
        person: Option<String>,
        /// Minutes before an item's end when the timer turns to "Snart slut".
        #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(0..=60))]
        wrap_up: u32,
    },
    /// Open the kiosk on an embedded meeting starting in a few minutes.
    Demo {
        /// Run the meeting's clock this many times faster than real time.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=3600))]
        speed: u32,
        /// Language at start: sv (svenska) or en (English).
        #[arg(long, default_value = "sv")]
        lang: Lang,
        /// Fill the screen.
        #[arg(long)]
        fullscreen: bool,
        /// Show the room screen in the terminal instead of a window.
        #[arg(long)]
        terminal: bool,
        /// Stop after this many screens (terminal only, for scripts).
        #[arg(long)]
        frames: Option<u64>,
        /// Minutes before an item's end when the timer turns to "Snart slut".
        #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(0..=60))]
        wrap_up: u32,
    },
}

/// What `render` draws.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ScreenName {
    /// The room screen as it stands.
    Room,
    /// The door's greeting after a check-in.
    Welcome,
    /// The door's answer to a check-out.
    CheckedOut,
    /// The door's answer to a tap by someone already checked in.
    AlreadyIn,
    /// The door's answer to an unknown card.
    UnknownCard,
    /// The demo's help overlay.
    Help,
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
            let (meeting, state) = state_at(&file, &at, events.as_deref(), tz)?;
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
        Command::Render {
            file,
            at,
            out,
            events,
            size,
            lang,
            screen,
            person,
            wrap_up,
        } => {
            let (meeting, state) = state_at(&file, &at, events.as_deref(), tz)?;
            let (width, height) = parse_size(&size)?;
            let door = door_message(&meeting, screen, person.as_deref(), state.now)?;
            let view = view::compose(&meeting, &state, tz, lang, settings(wrap_up), door.as_ref());
            let image = render::render(&view, lang, width, height, screen == ScreenName::Help)
                .map_err(|e| match e {
                    render::RenderError::Size(..) => BadInput(vec![format!("--size: {e}")]).into(),
                    other => anyhow::Error::from(other),
                })?;
            image.save_png(&out)?;
        }
        Command::Demo {
            speed,
            lang,
            fullscreen,
            terminal,
            frames,
            wrap_up,
        } => {
            if !terminal && frames.is_none() {
                let meeting = demo::meeting_at(local_time(Utc::now(), tz))?;
                let options = window::Options {
                    lang,
                    fullscreen,
                    clock: window::Clock::fast(speed),
                    settings: settings(wrap_up),
                };
                match window::run(meeting, tz, options) {
                    Err(window::KioskError::NoDisplay(reason)) => eprintln!(
                        "motesskylt: ingen skärm hittades ({reason}); visar rumsskärmen i terminalen"
                    ),
                    other => return Ok(other?),
                }
            }
            demo::run(tz, speed, frames).context("demo")?;
        }
    }
    Ok(())
}

/// The meeting of `file` and where it stands at `at`: on its plan, or on
/// the event log when one is given (`status` and `render`).
fn state_at(
    file: &Path,
    at: &str,
    events: Option<&Path>,
    tz: Tz,
) -> anyhow::Result<(Meeting, ScreenState)> {
    let meeting = import(file)?;
    let now =
        parse_moment(at, meeting.date, tz).map_err(|e| BadInput(vec![format!("--at: {e}")]))?;
    let events = events.map(|log| read_events(log, &meeting)).transpose()?;
    let schedule = Schedule::new(&meeting, tz);
    let state = screen_state(&meeting, &schedule, events.as_deref(), now);
    Ok((meeting, state))
}

/// The screen's settings with the wrap-up time in minutes.
fn settings(wrap_up_minutes: u32) -> Settings {
    Settings {
        wrapup_s: i64::from(wrap_up_minutes) * 60,
        ..Settings::default()
    }
}

/// "800x480" → (800, 480).
fn parse_size(text: &str) -> anyhow::Result<(u32, u32)> {
    let parsed = text
        .split_once(['x', 'X', '×'])
        .and_then(|(w, h)| Some((w.trim().parse().ok()?, h.trim().parse().ok()?)));
    parsed.ok_or_else(|| {
        BadInput(vec![format!(
            "--size: \"{text}\" går inte att läsa; skriv bredd x höjd i pixlar, t.ex. 800x480"
        )])
        .into()
    })
}

/// The door's answer that `render --screen` asks for, given at `now`.
fn door_message(
    meeting: &Meeting,
    screen: ScreenName,
    person: Option<&str>,
    now: chrono::DateTime<Utc>,
) -> anyhow::Result<Option<DoorMessage>> {
    let kind = match screen {
        ScreenName::Room | ScreenName::Help => return Ok(None),
        ScreenName::Welcome => DoorKind::Welcome,
        ScreenName::CheckedOut => DoorKind::CheckedOut,
        ScreenName::AlreadyIn => DoorKind::AlreadyIn,
        ScreenName::UnknownCard => DoorKind::UnknownCard,
    };
    let person = match person {
        Some(name) => Some(meeting.participant_index(name).ok_or_else(|| {
            BadInput(vec![format!(
                "--person: \"{name}\" finns inte bland deltagarna i kallelsen; skriv namnet som i kallelsen"
            )])
        })?),
        None => meeting.called().next().map(|(i, _)| i),
    };
    Ok(Some(DoorMessage {
        kind,
        person: (kind != DoorKind::UnknownCard).then_some(person).flatten(),
        at: now,
    }))
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
