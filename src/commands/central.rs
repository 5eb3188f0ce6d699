//! `motesskylt central`: the central server, its devices and users.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;

use motesskylt_central::db::{AnyDb, MeetingEntry};
use motesskylt_central::schedule::{self, ScheduleError};
use motesskylt_core::model::identity::moved;
use motesskylt_core::model::meeting_key;

use super::meeting::{imported_json, read_notice};
use super::systemd;
use crate::{BadInput, StdoutError};

/// `central`: the configuration and what to do.
#[derive(clap::Args)]
pub(crate) struct CentralArgs {
    /// The configuration (see config/central.toml).
    #[arg(long, default_value = "/etc/motesskylt/central.toml")]
    pub config: PathBuf,
    /// Start the server's clock at this moment ("YYYY-MM-DD HH:MM", local)
    /// instead of the wall clock: rehearsals and tests, beside a kiosk
    /// started with the same --clock.
    #[arg(long)]
    pub clock: Option<String>,
    #[command(subcommand)]
    pub action: Option<CentralAction>,
}

/// What `central` does besides serving.
#[derive(clap::Subcommand)]
pub(crate) enum CentralAction {
    /// Make a one-time code that enrols one kiosk in a room (shown once).
    Code {
        /// The room the kiosk serves, e.g. konferens-1.
        #[arg(long)]
        room: String,
    },
    /// List the enrolled kiosks: room, the meeting each shows, last contact (local time), acknowledged and unsent events, clock offset.
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
        /// The meeting's id, e.g. SRO-2026-06-04-1300 (motesskylt central meetings lists them).
        meeting: String,
    },
    /// Rooms: add one, or change its name or who may see its screen.
    #[command(subcommand)]
    Room(RoomAction),
    /// Meetings: import a notice into a room, move, cancel.
    #[command(subcommand)]
    Meeting(MeetingAction),
    /// Back up the central store (SQLite) to a file while the server runs: a consistent copy, checked whole before it takes the file's name. On PostgreSQL use pg_dump (README: Backups).
    Backup {
        /// The backup's file, e.g. /var/backups/motesskylt/central-2026-06-04.sqlite (an older one of that name is replaced).
        file: PathBuf,
    },
    /// List the meetings, by date and start: id, room, body, date, times.
    Meetings {
        /// Only this room's.
        #[arg(long)]
        room: Option<String>,
        /// Only this day's (YYYY-MM-DD).
        #[arg(long, value_parser = parse_date)]
        date: Option<NaiveDate>,
        /// A JSON array of meetings.
        #[arg(long)]
        json: bool,
    },
}

/// `central room …`.
#[derive(clap::Subcommand)]
pub(crate) enum RoomAction {
    /// Add a room (or change its name or screen access).
    Add {
        /// The room's short name, in URLs and in kiosk.toml, e.g. vanern.
        room: String,
        /// Its name as people say it, e.g. "Sal Vänern".
        #[arg(long)]
        name: Option<String>,
        /// Who may see the room screen in a browser: open, token or signed-in.
        #[arg(long, value_parser = ["open", "token", "signed-in"])]
        screen: Option<String>,
    },
}

/// `central meeting …`.
#[derive(clap::Subcommand)]
pub(crate) enum MeetingAction {
    /// Read a notice (as motesskylt import does) and store it as a meeting of a room; prints its id.
    Import {
        /// The notice (.md, .txt or .docx).
        file: PathBuf,
        /// The room it is held in.
        #[arg(long)]
        room: String,
        /// Move the whole meeting to this day (YYYY-MM-DD).
        #[arg(long, value_parser = parse_date)]
        date: Option<NaiveDate>,
        /// Move the whole meeting to start at this time (HH:MM).
        #[arg(long, value_parser = parse_clock)]
        start: Option<NaiveTime>,
        /// The meeting of the room this one replaces (its id): one that overlaps.
        #[arg(long)]
        replace: Option<String>,
        /// Print the meeting as import --json does, with its id and room.
        #[arg(long)]
        json: bool,
    },
    /// Move a meeting: every time in it shifts by the same amount.
    Move {
        /// The meeting's id.
        id: String,
        /// The new day (YYYY-MM-DD).
        #[arg(long, value_parser = parse_date)]
        date: Option<NaiveDate>,
        /// The new start (HH:MM).
        #[arg(long, value_parser = parse_clock)]
        start: Option<NaiveTime>,
    },
    /// Cancel a meeting: the door says "Mötet är inställt"; its check-ins stay.
    Cancel {
        /// The meeting's id.
        id: String,
    },
}

/// A date on the command line.
fn parse_date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| format!("\"{text}\" är inget datum; skriv t.ex. 2026-06-04"))
}

/// A clock time on the command line.
fn parse_clock(text: &str) -> Result<NaiveTime, String> {
    NaiveTime::parse_from_str(text.trim(), "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(text.trim(), "%H.%M"))
        .map_err(|_| format!("\"{text}\" är ingen klockslag; skriv t.ex. 13:30"))
}

/// A schedule's refusal as bad input (exit 2), anything else as itself.
fn refused(error: ScheduleError) -> anyhow::Error {
    if error.is_bad_input() {
        BadInput(vec![error.to_string()]).into()
    } else {
        error.into()
    }
}

/// Notes a change of a meeting made on the command line in the audit log,
/// as the pages note theirs (who: the command line, run by IT).
async fn audit(
    db: &motesskylt_central::db::AnyDb,
    action: &str,
    meeting: &str,
    detail: String,
) -> anyhow::Result<()> {
    use motesskylt_central::db::{AuditEntry, CentralDb};
    db.audit(&AuditEntry {
        at: Utc::now(),
        who: "kommandoraden".into(),
        action: action.into(),
        meeting: Some(meeting.into()),
        detail,
    })
    .await?;
    Ok(())
}

/// What `central backup` reads: an existing SQLite store, never a new
/// empty one made by a wrong path, nor PostgreSQL (pg_dump's).
fn backup_source(config: &motesskylt_central::config::ServerConfig) -> anyhow::Result<()> {
    if config.database_url.is_some() {
        return Err(BadInput(vec![
            "centrallagringen är PostgreSQL (database_url): säkerhetskopiera den med pg_dump, t.ex. pg_dump -Fc -f central.dump motesskylt (README, avsnittet Backups)".into(),
        ])
        .into());
    }
    if !config.database.is_file() {
        return Err(BadInput(vec![format!(
            "database: {} finns inte; ange centrallagringens fil i central.toml (samma som servern använder)",
            config.database.display()
        )])
        .into());
    }
    Ok(())
}

/// One line of `meetings`.
fn meeting_line(e: &MeetingEntry) -> String {
    let m = &e.meeting;
    let state = if e.cancelled { "\tinställt" } else { "" };
    format!(
        "{}\trum {}\t{}\t{} {}–{}{state}",
        e.key,
        e.room,
        m.body,
        m.date,
        m.start.format("%H:%M"),
        m.end.format("%H:%M")
    )
}

/// A meeting as `meetings --json` lists it.
fn meeting_json(e: &MeetingEntry) -> serde_json::Value {
    let m = &e.meeting;
    serde_json::json!({
        "id": e.key,
        "room": e.room,
        "body": m.body,
        "label": meeting_key(m),
        "date": m.date,
        "start": m.start.format("%H:%M").to_string(),
        "end": m.end.format("%H:%M").to_string(),
        "location": m.location,
        "cancelled": e.cancelled,
    })
}

/// `motesskylt central`.
pub(crate) fn run(args: CentralArgs, tz: Tz) -> anyhow::Result<()> {
    let now: motesskylt_central::state::Now = match &args.clock {
        None => std::sync::Arc::new(Utc::now),
        Some(text) => {
            let today = motesskylt_core::model::time::local_time(Utc::now(), tz).date();
            let moment = motesskylt_core::model::time::parse_moment(text, today, tz)
                .map_err(|e| BadInput(vec![format!("--clock: {e}")]))?;
            let offset = moment - Utc::now();
            std::sync::Arc::new(move || Utc::now() + offset)
        }
    };
    central(&args.config, args.action, tz, now)
}

/// `motesskylt central`: serves until SIGTERM or Ctrl-C, or runs one action.
pub(crate) fn central(
    config_path: &Path,
    action: Option<CentralAction>,
    tz: Tz,
    now: motesskylt_central::state::Now,
) -> anyhow::Result<()> {
    use motesskylt_central::db::CentralDb;
    use motesskylt_central::{config::CentralConfig, server};
    let config = CentralConfig::load(config_path).map_err(|e| BadInput(vec![e.to_string()]))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let Some(action) = action else {
            motesskylt_daemon::logging::init("info,tower_http=info");
            let service = systemd();
            let result = server::run(&config, now, |addr| {
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
        if let CentralAction::Backup { .. } = &action {
            backup_source(&config.server)?;
        }
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
                    // Local time, as the people in the building read it.
                    let seen = d.last_seen.map_or("aldrig".to_string(), |t| {
                        t.with_timezone(&tz).format("%Y-%m-%d %H.%M.%S").to_string()
                    });
                    let showing = match d.showing.as_deref() {
                        None => "visar okänt".to_string(),
                        Some("") => "ledigt".to_string(),
                        Some(id) => format!("visar {id}"),
                    };
                    let offset = d
                        .offset_ms
                        .map_or("okänd".to_string(), |(o, w)| format!("{o} ms ± {w} ms"));
                    let state = if d.revoked.is_some() { "återkallad" } else { "aktiv" };
                    let pending = d
                        .pending
                        .map_or("okänt".to_string(), |n| n.to_string());
                    outln!(
                        "{}\trum {}\t{state}\t{showing}\tsenast {seen}\tkvitterat t.o.m. {}\tej skickade {pending}\tklocka {offset}",
                        d.name, d.room, d.acked_seq
                    )?;
                }
            }
            CentralAction::Export { meeting } => {
                let mut out = std::io::stdout().lock();
                for line in motesskylt_central::export::event_log(&db, &meeting, tz).await? {
                    writeln!(out, "{line}").map_err(StdoutError)?;
                }
            }
            CentralAction::User { name, role, bodies } => {
                use motesskylt_central::db::{Role, UserRecord};
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
                let password_hash = motesskylt_central::web::auth::hash_password(&password)
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
            CentralAction::Room(RoomAction::Add { room, name, screen }) => {
                let room = schedule::room_name(&room).map_err(refused)?;
                let name = name.as_deref().map(str::trim).filter(|n| !n.is_empty());
                if name.is_some_and(|n| n.chars().count() > 100) {
                    return Err(BadInput(vec![
                        "--name: högst 100 tecken, t.ex. \"Sal Vänern\"".into(),
                    ])
                    .into());
                }
                db.set_room(room, name, screen.as_deref(), Utc::now())
                    .await?;
                outln!("{room}: rummet finns")?;
            }
            CentralAction::Meeting(MeetingAction::Import {
                file,
                room,
                date,
                start,
                replace,
                json,
            }) => {
                let read = read_notice(&file)?;
                let meeting = moved(&read.meeting, date, start)
                    .map_err(|e| BadInput(vec![crate::problem(&file, None, e)]))?;
                let room = schedule::room_name(&room).map_err(refused)?.to_string();
                let now = Utc::now();
                let done = schedule::import(&db, &room, &meeting, replace.as_deref(), now)
                    .await
                    .map_err(refused)?;
                db.add_room(&room, now).await?;
                audit(
                    &db,
                    "import",
                    &done.id,
                    format!(
                        "kallelsen {} sparad för rummet {room}{}",
                        file.display(),
                        done.replaced
                            .as_ref()
                            .map(|old| format!("; ersätter {old}, som är inställt"))
                            .unwrap_or_default()
                    ),
                )
                .await?;
                if json {
                    // As `import --json` prints it (the meeting as moved).
                    let mut value = imported_json(&meeting, &read.unread)?;
                    value["id"] = done.id.clone().into();
                    value["room"] = room.clone().into();
                    outln!("{}", serde_json::to_string_pretty(&value)?)?;
                } else {
                    outln!("{}", done.id)?;
                }
                if let Some(old) = done.replaced {
                    eprintln!("{old}: ersatt och inställt");
                }
            }
            CentralAction::Meeting(MeetingAction::Move { id, date, start }) => {
                if date.is_none() && start.is_none() {
                    return Err(BadInput(vec![
                        "ange vart mötet ska flyttas: --date ÅÅÅÅ-MM-DD och/eller --start TT:MM"
                            .into(),
                    ])
                    .into());
                }
                let meeting = schedule::shift(&db, &id, date, start, Utc::now())
                    .await
                    .map_err(refused)?;
                let detail = format!(
                    "flyttat till {} kl. {}–{}",
                    meeting.date,
                    meeting.start.format("%H.%M"),
                    meeting.end.format("%H.%M")
                );
                audit(&db, "move", &id, detail).await?;
                outln!(
                    "{id}: flyttat till {} kl. {}–{}",
                    meeting.date,
                    meeting.start.format("%H:%M"),
                    meeting.end.format("%H:%M")
                )?;
            }
            CentralAction::Meeting(MeetingAction::Cancel { id }) => {
                schedule::cancel(&db, &id, Utc::now())
                    .await
                    .map_err(refused)?;
                audit(&db, "cancel", &id, "mötet inställt".into()).await?;
                outln!("{id}: inställt")?;
            }
            CentralAction::Meetings { room, date, json } => {
                let meetings = schedule::schedule(&db, room.as_deref(), date).await?;
                if json {
                    let list: Vec<_> = meetings.iter().map(meeting_json).collect();
                    outln!("{}", serde_json::to_string_pretty(&list)?)?;
                } else {
                    for entry in &meetings {
                        outln!("{}", meeting_line(entry))?;
                    }
                }
            }
            CentralAction::Backup { file } => {
                let AnyDb::Sqlite(store) = &db else {
                    unreachable!("backup_source refuses PostgreSQL before it is opened");
                };
                let copy = store.backup_to(&file).await?;
                outln!(
                    "{}: säkerhetskopian är skriven och kontrollerad hel (möten: {}, händelser: {}, rader i loggen: {})",
                    file.display(),
                    copy.meetings,
                    copy.events,
                    copy.audit
                )?;
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

/// A new password: from MOTESSKYLT_PASSWORD, or typed twice at the
/// terminal without echo, or one line of standard input.
pub(crate) fn read_password() -> anyhow::Result<String> {
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
