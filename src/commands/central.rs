//! `motesskylt central`: the central server, its devices and users.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::Utc;
use chrono_tz::Tz;

use super::systemd;
use crate::{BadInput, StdoutError};

/// `central`: the configuration and what to do.
#[derive(clap::Args)]
pub(crate) struct CentralArgs {
    /// The configuration (see config/central.toml).
    #[arg(long, default_value = "/etc/motesskylt/central.toml")]
    pub config: PathBuf,
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

/// `motesskylt central`.
pub(crate) fn run(args: CentralArgs, tz: Tz) -> anyhow::Result<()> {
    central(&args.config, args.action, tz)
}

/// `motesskylt central`: serves until SIGTERM or Ctrl-C, or runs one action.
pub(crate) fn central(
    config_path: &Path,
    action: Option<CentralAction>,
    tz: Tz,
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
