//! `motesskylt kiosk` (and `--check`) and `card-hash`: the kiosk at the
//! door from its configuration.

use std::io::Write;
use std::path::{Path, PathBuf};

use std::sync::Arc;

use chrono_tz::Tz;

use motesskylt_core::cards::Uid;
use motesskylt_core::model::time::parse_moment;
use motesskylt_daemon::config_file::ConfigError;
use motesskylt_kiosk::clock::Clock;
use motesskylt_kiosk::config::KioskConfig;
use motesskylt_kiosk::station::ClockTrust;
use motesskylt_kiosk::{headless, launch, window};
use motesskylt_sync::agent::{Link, LocalServer};

use super::meeting::import;
use super::render::settings;
use super::systemd;
use crate::{BadInput, StdoutError, problem};

/// The all-in-one central server for `[sync] serve`, when this build has
/// one.
fn serve(path: &Path, room: &str) -> Result<Arc<dyn LocalServer>, ConfigError> {
    #[cfg(feature = "central")]
    return super::all_in_one::serve(path, room);
    #[cfg(not(feature = "central"))]
    {
        let _ = room;
        Err(ConfigError::Read {
            path: path.display().to_string(),
            reason: "den här motesskylt är byggd utan centralen; skriv central = \"https://…\" under [sync] i stället för serve".into(),
        })
    }
}

/// `kiosk`: the configuration and how to run.
#[derive(clap::Args)]
pub(crate) struct KioskArgs {
    /// The configuration (see config/kiosk.toml).
    #[arg(long, default_value = "/etc/motesskylt/kiosk.toml")]
    pub config: PathBuf,
    /// The meeting notice to show (overrides [kiosk] notice).
    #[arg(long)]
    pub notice: Option<PathBuf>,
    /// No screen: answers as JSON lines on stdout, commands on stdin.
    #[arg(long)]
    pub headless: bool,
    /// Start the meeting clock at this moment instead of the wall clock (rehearsals, tests).
    #[arg(long)]
    pub clock: Option<String>,
    /// Run the meeting clock this many times faster (with --clock).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=3600))]
    pub speed: u32,
    /// Fill the screen.
    #[arg(long)]
    pub fullscreen: bool,
    /// Check the configuration and the notice it names, then exit (a mistake: FILE:LINE, exit 2).
    #[arg(long)]
    pub check: bool,
    /// The demo's keys on a keyboard (n, p, b, e move the meeting; digits tap the demo's cards): for rehearsals and tests, never at a door, where they would control the meeting without the PIN.
    #[arg(long)]
    pub keys: bool,
}

/// `card-hash`: the configuration and the card.
#[derive(clap::Args)]
pub(crate) struct CardHashArgs {
    /// The configuration whose card key to use.
    #[arg(long, default_value = "/etc/motesskylt/kiosk.toml")]
    pub config: PathBuf,
    /// The card's UID in hex, e.g. 04A1B2C3.
    pub uid: String,
}

/// `motesskylt kiosk`.
pub(crate) fn run(args: KioskArgs, tz: Tz) -> anyhow::Result<()> {
    if args.check {
        check_kiosk(&args.config, args.notice)
    } else {
        motesskylt_daemon::logging::init("info");
        run_kiosk(args, tz)
    }
}

/// `motesskylt card-hash`.
pub(crate) fn card_hash(args: CardHashArgs) -> anyhow::Result<()> {
    let CardHashArgs { config, uid } = args;
    let config = load_config(&config)?;
    let uid = Uid::from_hex(&uid).ok_or_else(|| {
        BadInput(vec![format!(
            "\"{uid}\" är inget kort-UID; skriv det i hex, t.ex. 04A1B2C3"
        )])
    })?;
    // Only an existing key: a new one would print a hash no kiosk knows.
    let key = motesskylt_core::cards::CardKey::load(&config.card_key_file())
        .map_err(|e| BadInput(vec![e.to_string()]))?;
    outln!("{}", key.hash(&uid))?;
    Ok(())
}

/// What every kiosk start reads: the configuration and the meeting notice
/// it names (or `notice`), each mistake reported with its file and line. A
/// kiosk enrolled in a room (`[sync]`) needs no notice: it follows the
/// room's schedule.
pub(crate) fn kiosk_setup(
    config_path: &Path,
    notice: Option<PathBuf>,
) -> anyhow::Result<(KioskConfig, Option<motesskylt_core::model::Meeting>)> {
    let config = load_config(config_path)?;
    let in_a_room = config.sync.central.is_some() || config.sync.serve.is_some();
    match notice.or_else(|| config.kiosk.notice.clone()) {
        Some(notice) => {
            let meeting = import(&notice)?;
            Ok((config, Some(meeting)))
        }
        None if in_a_room => Ok((config, None)),
        None => Err(BadInput(vec![problem(
            config_path,
            None,
            "ingen kallelse att visa och ingen central att hämta rummets möten från; skriv notice = \"/etc/motesskylt/kallelse.md\" under [kiosk], ge --notice FIL, eller anslut kiosken till centralen under [sync]",
        )])
        .into()),
    }
}

/// `motesskylt kiosk --check`: the start's checks without starting; says
/// what the kiosk would use. Nothing is created.
pub(crate) fn check_kiosk(config_path: &Path, notice: Option<PathBuf>) -> anyhow::Result<()> {
    let (config, meeting) = kiosk_setup(config_path, notice)?;
    let sync = launch::sync_config(&config, &serve).map_err(|e| BadInput(vec![e.to_string()]))?;
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
    match &meeting {
        Some(meeting) => outln!(
            "  möte: {} {}, {} punkter, {} deltagare",
            meeting.body,
            meeting.date,
            meeting.items.len(),
            meeting.participants.len()
        )?,
        None => outln!("  möten: rummets schema från centralen (ingen kallelsefil)")?,
    }
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
        Some(Link::Remote { url, .. }) => outln!("  synk: {url}")?,
        Some(Link::Serve(server)) => {
            outln!("  synk: central i samma dator på {}", server.describe())?
        }
        None => outln!("  synk: ingen (allt stannar i kiosken)")?,
    }
    Ok(())
}

/// `motesskylt kiosk`.
pub(crate) fn run_kiosk(args: KioskArgs, tz: Tz) -> anyhow::Result<()> {
    let KioskArgs {
        config: config_path,
        notice,
        headless,
        clock,
        speed,
        fullscreen,
        keys,
        ..
    } = args;
    let config_path = config_path.as_path();
    let (config, meeting) = kiosk_setup(config_path, notice)?;
    let (clock, trust) = match clock {
        Some(at) => {
            // `HH:MM` is on the notice's day, or today.
            let day = meeting.as_ref().map_or_else(
                || motesskylt_core::model::time::local_time(chrono::Utc::now(), tz).date(),
                |m| m.date,
            );
            let moment =
                parse_moment(&at, day, tz).map_err(|e| BadInput(vec![format!("--clock: {e}")]))?;
            (Clock::starting_at(moment, speed), ClockTrust::Given)
        }
        None => (Clock::fast(speed), ClockTrust::Kernel),
    };
    let sync = launch::sync_config(&config, &serve).map_err(|e| BadInput(vec![e.to_string()]))?;
    let outbox = std::sync::Arc::new(tokio::sync::Notify::new());
    let (station, recovery) = launch::station(&config, meeting, tz, clock.now(), trust)?;
    let mut station = station.with_outbox(outbox.clone());
    if let Some(sync) = &sync {
        station = station.with_showing(sync.showing.clone());
    }
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
    // The meeting the door holds (the secretary's version, when there is
    // one; the room's, without a notice).
    let meeting = station.meeting().clone();
    let service = systemd();
    if headless {
        return Ok(headless::run(station, clock, service, readers)?);
    }
    let options = window::Options {
        lang: config.kiosk.language,
        fullscreen,
        clock,
        settings: settings(config.kiosk.wrap_up_minutes),
        service,
        keys: keys.then_some(motesskylt::demo::keys::action as window::KeyMap),
    };
    Ok(window::run(station, meeting, tz, options, readers)?)
}

pub(crate) fn load_config(path: &Path) -> anyhow::Result<KioskConfig> {
    KioskConfig::load(path).map_err(|e| BadInput(vec![e.to_string()]).into())
}
