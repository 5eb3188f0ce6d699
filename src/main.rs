//! The `motesskylt` command line (see `shared/contract.md`).
//!
//! Exit codes: 0 success; 2 bad input, with one `FILE:LINE: problem` line
//! per problem on stderr and nothing written; 1 anything else.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use chrono_tz::Tz;
use clap::{Parser, Subcommand};

use chrono::Utc;
use motesskylt::hw::Uid;
use motesskylt::kiosk::config::KioskConfig;
use motesskylt::kiosk::station::{ClockTrust, Station};
use motesskylt::kiosk::view::{self, DoorKind, DoorMessage, Settings};
use motesskylt::kiosk::{headless, launch, render, window};
use motesskylt::model::event::{check_against, parse_log};
use motesskylt::model::time::{DEFAULT_TIME_ZONE, Lang, local_time, parse_moment};
use motesskylt::model::{Event, Meeting};
use motesskylt::progress::{Schedule, ScreenState, report, screen_state};
use motesskylt::{attendance, demo, kallelse};

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
    /// Run the kiosk at the door: the screen (or --headless), the store and the card reader.
    Kiosk {
        /// The configuration (see config/kiosk.toml).
        #[arg(long, default_value = "/etc/motesskylt/kiosk.toml")]
        config: PathBuf,
        /// The meeting notice to show (overrides [kiosk] notice).
        #[arg(long)]
        notice: Option<PathBuf>,
        /// No screen: answers as JSON lines on stdout, commands on stdin.
        #[arg(long)]
        headless: bool,
        /// Start the meeting clock at this moment instead of the wall clock (rehearsals, tests).
        #[arg(long)]
        clock: Option<String>,
        /// Run the meeting clock this many times faster (with --clock).
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=3600))]
        speed: u32,
        /// Fill the screen.
        #[arg(long)]
        fullscreen: bool,
        /// Check the configuration and the notice it names, then exit (a mistake: FILE:LINE, exit 2).
        #[arg(long)]
        check: bool,
    },
    /// Export a meeting from a store: the event log (JSON Lines, the contract's format with id, device and seq), the minutes paragraph, the attendance list or agenda as CSV for Excel, or the meeting as iCalendar.
    Export {
        /// The store file (motesskylt.sqlite) or the kiosk's data directory.
        store: PathBuf,
        /// The meeting's key (e.g. SRO-2026-06-04); needed when the store holds several.
        #[arg(long)]
        meeting: Option<String>,
        /// What to export.
        #[arg(long, value_enum, default_value = "jsonl")]
        format: ExportFormat,
        /// Write to this file instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Check a store's integrity, or set a damaged one aside and save what can be read.
    Store {
        #[command(subcommand)]
        action: StoreAction,
    },
    /// Print the keyed hash of a card UID (for admin_cards in kiosk.toml).
    CardHash {
        /// The configuration whose card key to use.
        #[arg(long, default_value = "/etc/motesskylt/kiosk.toml")]
        config: PathBuf,
        /// The card's UID in hex, e.g. 04A1B2C3.
        uid: String,
    },
    /// Run the central server (device API) that kiosks sync with, or manage its devices.
    Central {
        /// The configuration (see config/central.toml).
        #[arg(long, default_value = "/etc/motesskylt/central.toml")]
        config: PathBuf,
        #[command(subcommand)]
        action: Option<CentralAction>,
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

/// What `store` does.
#[derive(Subcommand)]
enum StoreAction {
    /// Run SQLite's integrity check and count the events.
    Check {
        /// The store file or the data directory.
        store: PathBuf,
    },
    /// Move a damaged store aside and copy every readable row into a fresh one.
    Recover {
        /// The store file or the data directory.
        store: PathBuf,
    },
}

/// What `export` writes.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ExportFormat {
    /// The kiosk's own event log, JSON Lines.
    Jsonl,
    /// The attendance paragraph for the minutes.
    Minutes,
    /// Attendance list, CSV for Excel (UTF-8 with BOM, semicolons).
    AttendanceCsv,
    /// Agenda with planned and actual times, CSV for Excel.
    AgendaCsv,
    /// Attendance list as an Excel workbook (.xlsx).
    AttendanceXlsx,
    /// Agenda with planned and actual times as an Excel workbook (.xlsx).
    AgendaXlsx,
    /// Attendance list as a printable PDF for the signed minutes.
    AttendancePdf,
    /// The meeting as iCalendar (.ics).
    Ics,
}

impl ExportFormat {
    /// The export made from the meeting and its events (`None`: the log).
    fn made(self) -> Option<motesskylt::export::Format> {
        use motesskylt::export::Format;
        Some(match self {
            ExportFormat::Jsonl => return None,
            ExportFormat::Minutes => Format::Minutes,
            ExportFormat::AttendanceCsv => Format::AttendanceCsv,
            ExportFormat::AgendaCsv => Format::AgendaCsv,
            ExportFormat::AttendanceXlsx => Format::AttendanceXlsx,
            ExportFormat::AgendaXlsx => Format::AgendaXlsx,
            ExportFormat::AttendancePdf => Format::AttendancePdf,
            ExportFormat::Ics => Format::Ics,
        })
    }
}

/// What `central` does besides serving.
#[derive(Subcommand)]
enum CentralAction {
    /// Make a one-time code that enrols one kiosk in a room (shown once).
    Code {
        /// The room the kiosk serves, e.g. konferens-1.
        #[arg(long)]
        room: String,
    },
    /// List the enrolled kiosks: room, last contact, acknowledged events, clock offset.
    Devices,
    /// Revoke a kiosk's token (it must enrol again with a new code).
    Revoke {
        /// The kiosk's name.
        device: String,
    },
    /// Add a person who signs in to the pages, or change their password, role and bodies. The password is read from MOTESSKYLT_PASSWORD or asked for.
    User {
        /// The sign-in name, e.g. anna.svensson.
        name: String,
        /// admin (everything) or secretary (their bodies' meetings).
        #[arg(long, default_value = "secretary")]
        role: String,
        /// A body whose meetings a secretary sees, e.g. SRO (repeat for several).
        #[arg(long = "body")]
        bodies: Vec<String>,
    },
    /// Print a meeting's event log from every kiosk (JSON Lines), times corrected where a kiosk's clock was not synchronised.
    Export {
        /// The meeting's key, e.g. SRO-2026-06-04.
        meeting: String,
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
    /// The door's answer to a tap just after checking out.
    AlreadyOut,
    /// The door's answer to an unknown card.
    UnknownCard,
    /// The demo's help overlay.
    Help,
    /// The door's answer to a tap before check-in opens.
    TooEarly,
    /// The touch menu (check in by name, meeting controls).
    Menu,
    /// The name list opened by an unknown card.
    Names,
    /// The PIN pad, registering a card for --person.
    Pin,
    /// The room screen with the card reader not answering.
    ReaderProblem,
    /// The room screen of a kiosk that has not reached the central server for eight minutes.
    Offline,
    /// The room screen of a kiosk in sync with the central server.
    Synced,
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
    if matches!(cli.command, Command::Demo { .. } | Command::Kiosk { .. }) {
        // SAFETY: no thread has started yet.
        unsafe { window::no_session_bus_when_absent() };
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
        Command::Import { file, json } => {
            let meeting = import(&file)?;
            if json {
                outln!("{}", serde_json::to_string_pretty(&meeting)?)?;
            } else {
                out!("{}", summary(&meeting))?;
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
                outln!("{}", serde_json::to_string_pretty(&status)?)?;
            } else {
                out!("{}", report::text(&meeting, &state, tz))?;
            }
        }
        Command::Minutes { file, events } => {
            let meeting = import(&file)?;
            let events = read_events(&events, &meeting)?;
            out!("{}", attendance::minutes::paragraph(&meeting, &events, tz))?;
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
            let door = door_message(&meeting, screen, person.as_deref(), state.now, tz)?;
            let mut view =
                view::compose(&meeting, &state, tz, lang, settings(wrap_up), door.as_ref());
            let names = view::pick_names(&meeting);
            match screen {
                ScreenName::Names => {
                    view.prompt.kind = view::PromptKind::Pick;
                    view.prompt.for_card = true;
                }
                ScreenName::Pin => {
                    view.prompt.kind = view::PromptKind::Pin;
                    view.prompt.person = door
                        .and_then(|d| d.person)
                        .and_then(|i| meeting.participants.get(i))
                        .map(view::display_name)
                        .unwrap_or_default();
                }
                ScreenName::ReaderProblem => view.reader_problem = true,
                ScreenName::Offline | ScreenName::Synced => {
                    let online = screen == ScreenName::Synced;
                    let status = motesskylt::sync::agent::SyncStatus {
                        online,
                        offline_since: (!online).then(|| state.now - chrono::Duration::minutes(8)),
                        unsent: if online { 0 } else { 12 },
                        problem: None,
                    };
                    view.sync = Some(view::SyncView::of(&status, tz, lang));
                }
                _ => {}
            }
            let extras = render::Extras {
                help: screen == ScreenName::Help,
                menu: screen == ScreenName::Menu,
                names: &names,
            };
            let image =
                render::render(&view, lang, width, height, &extras).map_err(|e| match e {
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
            motesskylt::logging::init("info");
            if !terminal && frames.is_none() {
                let meeting = demo::meeting_at(local_time(Utc::now(), tz))?;
                let (station, sync, _demo_dir) = demo_station(&meeting, tz)?;
                let outbox = std::sync::Arc::new(tokio::sync::Notify::new());
                let station = station.with_outbox(outbox.clone());
                let options = window::Options {
                    lang,
                    fullscreen,
                    clock: window::Clock::fast(speed),
                    settings: settings(wrap_up),
                    service: None,
                };
                let all_in_one = |messages| {
                    eprintln!(
                        "motesskylt: sekreterarens sidor finns på centralens adress nedan; logga in som demo med lösenordet {DEMO_PASSWORD}"
                    );
                    launch::spawn_sync(sync, outbox, messages)
                };
                match window::run(station, meeting, tz, options, all_in_one) {
                    Err(window::KioskError::NoDisplay(reason)) => eprintln!(
                        "motesskylt: ingen skärm hittades ({reason}); visar rumsskärmen i terminalen"
                    ),
                    other => return Ok(other?),
                }
            }
            demo::run(tz, speed, frames).context("demo")?;
        }
        Command::Kiosk {
            config,
            notice,
            headless,
            clock,
            speed,
            fullscreen,
            check,
        } => {
            if check {
                check_kiosk(&config, notice)?;
            } else {
                motesskylt::logging::init("info");
                run_kiosk(&config, notice, headless, clock, speed, fullscreen, tz)?;
            }
        }
        Command::Export {
            store,
            meeting,
            format,
            out,
        } => {
            let store = open_existing_store(&store)?;
            let key = match meeting {
                Some(key) => key,
                None => only_meeting(&store)?,
            };
            let bytes = export(&store, &key, format, tz)?;
            match out {
                Some(path) => std::fs::write(&path, bytes)
                    .with_context(|| format!("{}: kunde inte skriva filen", path.display()))?,
                None => std::io::stdout()
                    .lock()
                    .write_all(&bytes)
                    .map_err(StdoutError)?,
            }
        }
        Command::Store { action } => match action {
            StoreAction::Check { store } => {
                let store = open_existing_store(&store)?;
                let meetings = store.meetings()?;
                outln!(
                    "{}: ok (integritetskontroll utan fel)",
                    store.path().display()
                )?;
                for (key, _) in meetings {
                    outln!("{key}: {} händelser", store.events(&key)?.len())?;
                }
                outln!(
                    "osynkade händelser: {}",
                    store.outbox(usize::MAX >> 1)?.len()
                )?;
            }
            StoreAction::Recover { store } => {
                let path = store_file(&store);
                if !path.exists() {
                    return Err(BadInput(vec![problem(&path, None, "filen finns inte")]).into());
                }
                let device = motesskylt::store::Store::open(&path, "motesskylt")
                    .map(|s| s.device().to_string())
                    .unwrap_or_else(|_| "motesskylt".into());
                let report = motesskylt::store::recover(&path, &device, Utc::now())?;
                outln!(
                    "{}: den gamla filen ligger nu i {}; {} händelser och {} mötesversioner räddades, {} rader gick inte att läsa",
                    path.display(),
                    report.set_aside.display(),
                    report.events,
                    report.meetings,
                    report.lost
                )?;
            }
        },
        Command::Central { config, action } => central(&config, action, tz)?,
        Command::CardHash { config, uid } => {
            let config = load_config(&config)?;
            let uid = Uid::from_hex(&uid).ok_or_else(|| {
                BadInput(vec![format!(
                    "\"{uid}\" är inget kort-UID; skriv det i hex, t.ex. 04A1B2C3"
                )])
            })?;
            // Only an existing key: a new one would print a hash no kiosk knows.
            let key = motesskylt::cards::CardKey::load(&config.card_key_file())
                .map_err(|e| BadInput(vec![e.to_string()]))?;
            outln!("{}", key.hash(&uid))?;
        }
    }
    Ok(())
}

/// `motesskylt central`: serves until SIGTERM or Ctrl-C, or runs one action.
fn central(config_path: &Path, action: Option<CentralAction>, tz: Tz) -> anyhow::Result<()> {
    use motesskylt::central::db::CentralDb;
    use motesskylt::central::{config::CentralConfig, server};
    let config = CentralConfig::load(config_path).map_err(|e| BadInput(vec![e.to_string()]))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let Some(action) = action else {
            motesskylt::logging::init("info,tower_http=info");
            let service = systemd();
            let result = server::run(&config, |addr| {
                // Nobody reading the line (a closed pipe) stops nothing.
                let _ = outln!("motesskylt central lyssnar på http://{addr}");
                let _ = std::io::stdout().flush();
                if let Some(Err(error)) = service
                    .as_ref()
                    .map(|s| s.ready(&format!("lyssnar på http://{addr}")))
                {
                    tracing::warn!("{error}");
                }
            })
            .await;
            if let Some(service) = &service {
                let _ = service.stopping();
            }
            return Ok(result?);
        };
        let db = server::open_db(&config.server).await?;
        match action {
            CentralAction::Code { room } => {
                let code = server::new_code(&db, &config.server, &room).await?;
                outln!(
                    "{code}\n(engångskod för rummet {room}, giltig i {} timmar; skriv den som enrol_code under [sync] i kioskens kiosk.toml)",
                    config.server.code_valid_hours
                )?;
            }
            CentralAction::Devices => {
                for d in db.devices().await? {
                    let seen = d
                        .last_seen
                        .map_or("aldrig".to_string(), |t| t.to_rfc3339());
                    let offset = d
                        .offset_ms
                        .map_or("okänd".to_string(), |(o, w)| format!("{o} ms ± {w} ms"));
                    let state = if d.revoked.is_some() { "återkallad" } else { "aktiv" };
                    let pending = d
                        .pending
                        .map_or("okänt".to_string(), |n| n.to_string());
                    outln!(
                        "{}\trum {}\t{state}\tsenast {seen}\tkvitterat t.o.m. {}\tej skickade {pending}\tklocka {offset}",
                        d.name, d.room, d.acked_seq
                    )?;
                }
            }
            CentralAction::Export { meeting } => {
                let mut out = std::io::stdout().lock();
                for line in motesskylt::central::export::event_log(&db, &meeting, tz).await? {
                    writeln!(out, "{line}").map_err(StdoutError)?;
                }
            }
            CentralAction::User { name, role, bodies } => {
                use motesskylt::central::db::{Role, UserRecord};
                let Some(role) = Role::parse(&role) else {
                    return Err(BadInput(vec![format!(
                        "--role {role}: välj admin eller secretary"
                    )])
                    .into());
                };
                if role == Role::Secretary && bodies.is_empty() {
                    return Err(BadInput(vec![
                        "en sekreterare behöver minst ett organ: lägg till --body SRO".to_string(),
                    ])
                    .into());
                }
                let password = read_password()?;
                let password_hash = motesskylt::web::auth::hash_password(&password)
                    .map_err(|e| BadInput(vec![e.to_string()]))?;
                db.put_user(&UserRecord {
                    name: name.clone(),
                    password_hash,
                    role,
                    bodies,
                })
                .await?;
                outln!("{name}: kan logga in ({})", role.as_str())?;
            }
            CentralAction::Revoke { device } => {
                if !db.revoke(&device, Utc::now()).await? {
                    return Err(BadInput(vec![format!(
                        "det finns ingen enhet som heter \"{device}\" (motesskylt central devices listar dem)"
                    )])
                    .into());
                }
                outln!("{device}: nyckeln är återkallad")?;
            }
        }
        Ok(())
    })
}

/// The demo administrator's password on the secretary's pages.
const DEMO_PASSWORD: &str = "demo-motesskylt";

/// The demo's central store gets an administrator for the secretary's
/// pages (`demo`, [`DEMO_PASSWORD`]).
fn demo_user(database: &std::path::Path) -> anyhow::Result<()> {
    use motesskylt::central::db::{CentralDb, Role, SqliteDb, UserRecord};
    if let Some(dir) = database.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let db = SqliteDb::open(database)?;
    let user = UserRecord {
        name: "demo".into(),
        password_hash: motesskylt::web::auth::hash_password(DEMO_PASSWORD)
            .map_err(|e| anyhow::anyhow!(e))?,
        role: Role::Admin,
        bodies: Vec::new(),
    };
    tokio::runtime::Builder::new_current_thread()
        .build()?
        .block_on(db.put_user(&user))?;
    Ok(())
}

/// The demo's station, its store in a fresh temporary directory, with its
/// all-in-one sync: a central server in the same process on a free
/// loopback port, its SQLite file next to the store. The directory goes
/// when the returned guard is dropped, however the demo ends (its window
/// closed, `q`, Ctrl-C, SIGTERM, or no display found).
fn demo_station(
    meeting: &Meeting,
    tz: Tz,
) -> anyhow::Result<(
    Station,
    motesskylt::sync::agent::AgentConfig,
    tempfile::TempDir,
)> {
    let guard = tempfile::Builder::new()
        .prefix("motesskylt-demo-")
        .tempdir()
        .context("demons tillfälliga mapp")?;
    let dir = guard.path();
    let path = dir.join(motesskylt::store::FILE_NAME);
    let station = demo::station(meeting, tz, &path, Utc::now())?;
    eprintln!(
        "motesskylt: demons lagring är {} (tas bort när demon slutar; medan den körs visar motesskylt export {} händelserna)",
        path.display(),
        path.display()
    );
    demo_user(&dir.join("central.sqlite"))?;
    let sync = motesskylt::sync::agent::AgentConfig {
        link: motesskylt::sync::agent::Link::Serve {
            config: motesskylt::central::config::ServerConfig {
                listen: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
                database: dir.join("central.sqlite"),
                ..Default::default()
            },
            room: "demo".into(),
        },
        token_file: dir.join("device.token"),
        store: path,
        device: station.store().device().to_string(),
        batch: 200,
        idle: std::time::Duration::from_secs(30),
        retry_max: std::time::Duration::from_secs(10),
    };
    Ok((station, sync, guard))
}

/// What every kiosk start reads: the configuration and the meeting notice
/// it names (or `notice`), each mistake reported with its file and line.
fn kiosk_setup(
    config_path: &Path,
    notice: Option<PathBuf>,
) -> anyhow::Result<(KioskConfig, motesskylt::model::Meeting)> {
    let config = load_config(config_path)?;
    let Some(notice) = notice.or_else(|| config.kiosk.notice.clone()) else {
        return Err(BadInput(vec![problem(
            config_path,
            None,
            "ingen kallelse att visa; skriv notice = \"/etc/motesskylt/kallelse.md\" under [kiosk] eller ge --notice FIL",
        )])
        .into());
    };
    let meeting = import(&notice)?;
    Ok((config, meeting))
}

/// `motesskylt kiosk --check`: the start's checks without starting; says
/// what the kiosk would use. Nothing is created.
fn check_kiosk(config_path: &Path, notice: Option<PathBuf>) -> anyhow::Result<()> {
    let (config, meeting) = kiosk_setup(config_path, notice)?;
    let sync = launch::sync_config(&config).map_err(|e| BadInput(vec![e.to_string()]))?;
    let data = &config.kiosk.data_dir;
    if data.exists()
        && let Err(error) = nix::unistd::access(
            data.as_path(),
            nix::unistd::AccessFlags::W_OK | nix::unistd::AccessFlags::X_OK,
        )
    {
        return Err(BadInput(vec![problem(
            config_path,
            None,
            format!(
                "data_dir {}: kiosken får inte skriva där ({error}); kör som kioskens användare, eller ge den mappen: sudo chown -R motesskylt:motesskylt {}",
                data.display(),
                data.display()
            ),
        )])
        .into());
    }
    outln!("{}: i ordning", config_path.display())?;
    outln!(
        "  möte: {} {}, {} punkter, {} deltagare",
        meeting.body,
        meeting.date,
        meeting.items.len(),
        meeting.participants.len()
    )?;
    outln!("  lagring: {}", launch::store_path(&config).display())?;
    let reader = &config.reader;
    match &reader.device {
        Some(device) => {
            outln!("  läsare: {} på {device}", reader.kind.name())?;
            if !Path::new(device).exists() {
                outln!(
                    "  obs: {device} finns inte nu; kiosken väntar på läsaren (aktivera UART/I2C/SPI i /boot/firmware/config.txt eller anslut den)"
                )?;
            }
        }
        None => outln!("  läsare: {}", reader.kind.name())?,
    }
    match sync.map(|s| s.link) {
        Some(motesskylt::sync::agent::Link::Remote { url, .. }) => outln!("  synk: {url}")?,
        Some(motesskylt::sync::agent::Link::Serve { config, .. }) => {
            outln!("  synk: central i samma dator på {}", config.listen)?
        }
        None => outln!("  synk: ingen (allt stannar i kiosken)")?,
    }
    Ok(())
}

/// `motesskylt kiosk`.
fn run_kiosk(
    config_path: &Path,
    notice: Option<PathBuf>,
    headless: bool,
    clock: Option<String>,
    speed: u32,
    fullscreen: bool,
    tz: Tz,
) -> anyhow::Result<()> {
    let (config, meeting) = kiosk_setup(config_path, notice)?;
    let (clock, trust) = match clock {
        Some(at) => {
            let moment = parse_moment(&at, meeting.date, tz)
                .map_err(|e| BadInput(vec![format!("--clock: {e}")]))?;
            (window::Clock::starting_at(moment, speed), ClockTrust::Given)
        }
        None => (window::Clock::fast(speed), ClockTrust::Kernel),
    };
    let sync = launch::sync_config(&config).map_err(|e| BadInput(vec![e.to_string()]))?;
    let outbox = std::sync::Arc::new(tokio::sync::Notify::new());
    let (station, recovery) = launch::station(&config, meeting.clone(), tz, clock.now(), trust)?;
    let station = station.with_outbox(outbox.clone());
    if let Some(recovery) = recovery {
        tracing::warn!(
            "lagringen var skadad och ligger nu i {}; {} händelser räddades, {} rader gick inte att läsa",
            recovery.set_aside.display(),
            recovery.events,
            recovery.lost
        );
    }
    let readers = |messages: tokio::sync::mpsc::UnboundedSender<_>| {
        if let Some(sync) = sync {
            launch::spawn_sync(sync, outbox, messages.clone());
        }
        launch::spawn_inputs(&config, messages);
    };
    // The secretary's version from the central store, when there is one.
    let meeting = station.meeting().clone();
    let service = systemd();
    if headless {
        return Ok(headless::run(station, meeting, clock, service, readers)?);
    }
    let options = window::Options {
        lang: config.kiosk.language,
        fullscreen,
        clock,
        settings: settings(config.kiosk.wrap_up_minutes),
        service,
    };
    Ok(window::run(station, meeting, tz, options, readers)?)
}

/// systemd's notification socket when started by it (Type=notify); a
/// broken one is reported and the service runs on without it.
fn systemd() -> Option<motesskylt::service::Notifier> {
    motesskylt::service::Notifier::from_env().unwrap_or_else(|error| {
        tracing::warn!("{error}");
        None
    })
}

fn load_config(path: &Path) -> anyhow::Result<KioskConfig> {
    KioskConfig::load(path).map_err(|e| BadInput(vec![e.to_string()]).into())
}

/// A store file given as the file or its data directory.
fn store_file(path: &Path) -> PathBuf {
    if path.is_dir() {
        path.join(motesskylt::store::FILE_NAME)
    } else {
        path.to_path_buf()
    }
}

/// Opens a store that must already exist (nothing is created).
fn open_existing_store(path: &Path) -> anyhow::Result<motesskylt::store::Store> {
    let file = store_file(path);
    if !file.is_file() {
        return Err(BadInput(vec![problem(
            &file,
            None,
            "lagringen finns inte; ange kioskens motesskylt.sqlite eller datakatalog",
        )])
        .into());
    }
    Ok(motesskylt::store::Store::open(&file, "motesskylt")?)
}

/// One meeting of a store in `format`: the kiosk's own event log, or an
/// export of the meeting with its own events and those learned from the
/// room's other devices.
fn export(
    store: &motesskylt::store::Store,
    key: &str,
    format: ExportFormat,
    tz: Tz,
) -> anyhow::Result<Vec<u8>> {
    let recorded = store.events(key)?;
    let Some(made) = format.made() else {
        return Ok(recorded
            .iter()
            .map(|r| r.to_json_line() + "\n")
            .collect::<String>()
            .into_bytes());
    };
    let Some((_, meeting)) = store.meetings()?.into_iter().find(|(k, _)| k == key) else {
        return Err(BadInput(vec![problem(
            store.path(),
            None,
            format!("lagringen har inget möte {key}"),
        )])
        .into());
    };
    let mut events: Vec<Event> = recorded.iter().map(|r| r.event.clone()).collect();
    events.extend(store.learned(key)?);
    Ok(motesskylt::export::render(
        made,
        &meeting,
        &events,
        tz,
        Utc::now(),
    )?)
}

/// A new password: from MOTESSKYLT_PASSWORD, or typed twice at the
/// terminal without echo, or one line of standard input.
fn read_password() -> anyhow::Result<String> {
    use std::io::{BufRead, IsTerminal};
    if let Ok(password) = std::env::var("MOTESSKYLT_PASSWORD") {
        return Ok(password);
    }
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        let mut line = String::new();
        stdin.lock().read_line(&mut line)?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_string());
    }
    let ask = |prompt: &str| -> anyhow::Result<String> {
        use nix::sys::termios::{LocalFlags, SetArg, tcgetattr, tcsetattr};
        eprint!("{prompt}");
        let saved = tcgetattr(&stdin)?;
        let mut quiet = saved.clone();
        quiet.local_flags.remove(LocalFlags::ECHO);
        tcsetattr(&stdin, SetArg::TCSANOW, &quiet)?;
        let mut line = String::new();
        let read = stdin.lock().read_line(&mut line);
        tcsetattr(&stdin, SetArg::TCSANOW, &saved)?;
        eprintln!();
        read?;
        Ok(line.trim_end_matches(['\r', '\n']).to_string())
    };
    let first = ask("Lösenord: ")?;
    if ask("Samma lösenord igen: ")? != first {
        return Err(BadInput(vec!["lösenorden är olika; försök igen".to_string()]).into());
    }
    Ok(first)
}

/// The key of the store's only meeting.
fn only_meeting(store: &motesskylt::store::Store) -> anyhow::Result<String> {
    let keys: Vec<String> = store.meetings()?.into_iter().map(|(k, _)| k).collect();
    match keys.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(BadInput(vec![problem(
            store.path(),
            None,
            "lagringen har inga möten",
        )])
        .into()),
        many => Err(BadInput(vec![problem(
            store.path(),
            None,
            format!(
                "lagringen har flera möten; välj ett med --meeting ({})",
                many.join(", ")
            ),
        )])
        .into()),
    }
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
    tz: Tz,
) -> anyhow::Result<Option<DoorMessage>> {
    let kind = match screen {
        ScreenName::Room
        | ScreenName::Help
        | ScreenName::Menu
        | ScreenName::Names
        | ScreenName::ReaderProblem
        | ScreenName::Offline
        | ScreenName::Synced => return Ok(None),
        ScreenName::TooEarly => DoorKind::TooEarly,
        ScreenName::Welcome => DoorKind::Welcome,
        ScreenName::CheckedOut => DoorKind::CheckedOut,
        ScreenName::AlreadyIn => DoorKind::AlreadyIn,
        ScreenName::AlreadyOut => DoorKind::AlreadyOut,
        ScreenName::UnknownCard => DoorKind::UnknownCard,
        // The PIN pad's "register the card for …" names --person.
        ScreenName::Pin => DoorKind::Hidden,
    };
    let person = match person {
        Some(name) => Some(meeting.participant_index(name).ok_or_else(|| {
            BadInput(vec![format!(
                "--person: \"{name}\" finns inte bland deltagarna i kallelsen; skriv namnet som i kallelsen"
            )])
        })?),
        None => meeting.called().next().map(|(i, _)| i),
    };
    // Before the window opens the answer names its opening.
    let time = (kind == DoorKind::TooEarly).then(|| {
        let opens_before = motesskylt::attendance::door::TapRules::default().opens_before_s;
        motesskylt::model::time::local_instant(meeting.date, meeting.start, tz)
            - chrono::Duration::seconds(opens_before)
    });
    Ok(Some(DoorMessage {
        kind,
        person: (kind != DoorKind::UnknownCard).then_some(person).flatten(),
        at: now,
        time,
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
