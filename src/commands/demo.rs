//! `motesskylt demo`: the kiosk on the embedded meeting, all-in-one with
//! a central server on loopback, in a temporary folder.

use anyhow::Context;
use chrono::Utc;
use chrono_tz::Tz;

use motesskylt::demo;
use motesskylt_core::model::Meeting;
use motesskylt_core::model::time::{Lang, local_time};
use motesskylt_kiosk::clock::Clock;
use motesskylt_kiosk::station::Station;
use motesskylt_kiosk::{launch, window};

use super::all_in_one::Embedded;
use super::render::settings;

/// `demo`: how fast, which language, where.
#[derive(clap::Args)]
pub(crate) struct DemoArgs {
    /// Run the meeting's clock this many times faster than real time.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=3600))]
    pub speed: u32,
    /// Language at start: sv (svenska) or en (English).
    #[arg(long, default_value = "sv")]
    pub lang: Lang,
    /// Fill the screen.
    #[arg(long)]
    pub fullscreen: bool,
    /// Show the room screen in the terminal instead of a window.
    #[arg(long)]
    pub terminal: bool,
    /// Stop after this many screens (terminal only, for scripts).
    #[arg(long)]
    pub frames: Option<u64>,
    /// Minutes before an item's end when the timer turns to "Snart slut".
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(0..=60))]
    pub wrap_up: u32,
}

/// `motesskylt demo`.
pub(crate) fn run(args: DemoArgs, tz: Tz) -> anyhow::Result<()> {
    let DemoArgs {
        speed,
        lang,
        fullscreen,
        terminal,
        frames,
        wrap_up,
    } = args;
    motesskylt_daemon::logging::init("info");
    if !terminal && frames.is_none() {
        let now = Utc::now();
        let meeting = demo::meeting_at(local_time(now, tz))?;
        let start = demo::clock_start(&meeting, now, tz);
        let (station, sync, _demo_dir) = demo_station(&meeting, tz, start)?;
        let outbox = std::sync::Arc::new(tokio::sync::Notify::new());
        let station = station.with_outbox(outbox.clone());
        let options = window::Options {
            lang,
            fullscreen,
            clock: if start == now {
                Clock::fast(speed)
            } else {
                Clock::starting_at(start, speed)
            },
            settings: settings(wrap_up),
            service: None,
            keys: Some(demo::keys::action),
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
    Ok(())
}

/// The demo administrator's password on the secretary's pages.
pub(crate) const DEMO_PASSWORD: &str = "demo-motesskylt";

/// The demo's central store gets an administrator for the secretary's
/// pages (`demo`, [`DEMO_PASSWORD`]).
pub(crate) fn demo_user(database: &std::path::Path) -> anyhow::Result<()> {
    use motesskylt_central::db::{CentralDb, Role, SqliteDb, UserRecord};
    if let Some(dir) = database.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let db = SqliteDb::open(database)?;
    let user = UserRecord {
        name: "demo".into(),
        password_hash: motesskylt_central::web::auth::hash_password(DEMO_PASSWORD)
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
pub(crate) fn demo_station(
    meeting: &Meeting,
    tz: Tz,
    now: chrono::DateTime<Utc>,
) -> anyhow::Result<(
    Station,
    motesskylt_sync::agent::AgentConfig,
    tempfile::TempDir,
)> {
    let guard = tempfile::Builder::new()
        .prefix("motesskylt-demo-")
        .tempdir()
        .context("demons tillfälliga mapp")?;
    let dir = guard.path();
    let path = dir.join(motesskylt_store::FILE_NAME);
    let station = demo::station(meeting, tz, &path, now)?;
    eprintln!(
        "motesskylt: demons lagring är {} (tas bort när demon slutar; medan den körs visar motesskylt export {} händelserna)",
        path.display(),
        path.display()
    );
    demo_user(&dir.join("central.sqlite"))?;
    let sync = motesskylt_sync::agent::AgentConfig {
        link: motesskylt_sync::agent::Link::Serve(std::sync::Arc::new(Embedded::new(
            motesskylt_central::config::ServerConfig {
                listen: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
                database: dir.join("central.sqlite"),
                ..Default::default()
            },
            "demo",
        ))),
        token_file: dir.join("device.token"),
        store: path,
        device: station.store().device().to_string(),
        batch: 200,
        idle: std::time::Duration::from_secs(30),
        retry_max: std::time::Duration::from_secs(10),
        showing: Default::default(),
    };
    let station = station.with_showing(sync.showing.clone());
    Ok((station, sync, guard))
}
