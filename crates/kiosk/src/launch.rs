//! Starting a kiosk from its configuration: the store (recovered when
//! damaged), the card key, the station, and the reader's thread.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use thiserror::Error;
use tokio::sync::Notify;
use tokio::sync::mpsc::UnboundedSender;

use motesskylt_sync::agent::{self, AgentConfig, Link, LocalServer, Report};

use motesskylt_core::cards::{CardKey, CardKeyError};
use motesskylt_core::model::Meeting;
use motesskylt_hw::runner::{self, Pacing, ReaderEvent};
use motesskylt_hw::{CardReader, Feedback, ReaderError, Silent};
use motesskylt_store::{FILE_NAME, Recovery, StoreError};

use super::config::{ButtonConfig, KioskConfig, ReaderConfig, ReaderKind};
use super::desk::DeskRules;
#[cfg(feature = "pi")]
use super::desk::{Control, Input};
use super::station::{ClockTrust, Message, Station, open_store};

/// Why the kiosk could not start.
#[derive(Debug, Error)]
pub enum LaunchError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The card key failed.
    #[error(transparent)]
    Key(#[from] CardKeyError),
    /// The all-in-one central server's configuration is wrong.
    #[error(transparent)]
    Central(#[from] motesskylt_daemon::config_file::ConfigError),
}

/// This kiosk's name in the event log: the configured one, else the host
/// name.
pub fn device_name(config: &KioskConfig) -> String {
    config.kiosk.device.clone().unwrap_or_else(|| {
        std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_string())
            .ok()
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "motesskylt".to_string())
    })
}

/// The store's file for a configuration.
pub fn store_path(config: &KioskConfig) -> PathBuf {
    config.kiosk.data_dir.join(FILE_NAME)
}

/// The desk's rules from the configuration.
pub fn desk_rules(config: &KioskConfig) -> DeskRules {
    DeskRules {
        taps: config.door.tap_rules(),
        pin: config.door.pin.clone(),
        admin_cards: config.door.admin_hashes(),
    }
}

/// Opens the store and the card key and sets up the station for the
/// room's meetings (and the notice's `meeting`, when the kiosk has one).
/// A missing card key is created only for a store without registered
/// cards: a new key would make every registered card unknown.
pub fn station(
    config: &KioskConfig,
    meeting: Option<Meeting>,
    tz: Tz,
    now: DateTime<Utc>,
    trust: ClockTrust,
) -> Result<(Station, Option<Recovery>), LaunchError> {
    let (store, recovery) = open_store(&store_path(config), &device_name(config), now)?;
    let key_file = config.card_key_file();
    let key = if key_file.exists() || store.cards()?.is_empty() {
        CardKey::load_or_create(&key_file)?
    } else {
        CardKey::load(&key_file)?
    };
    let station = Station::new(store, meeting, tz, desk_rules(config), key, now)?
        .with_feedback(feedback(&config.buttons))
        .with_clock_trust(trust);
    Ok((station, recovery))
}

/// Opens the configured reader (again, after a failure).
fn open_reader(config: &ReaderConfig) -> Result<Box<dyn CardReader>, ReaderError> {
    let device = config.device.clone().unwrap_or_default();
    #[cfg(not(all(feature = "pi", feature = "pcsc")))]
    let unsupported = |feature: &str| ReaderError::Device {
        device: device.clone(),
        reason: format!(
            "den här motesskylt är byggd utan stöd för läsaren (bygg med --features {feature})"
        ),
    };
    match config.kind {
        ReaderKind::None => Err(ReaderError::Device {
            device,
            reason: "ingen kortläsare är inställd".into(),
        }),
        ReaderKind::Pn532Uart => Ok(Box::new(motesskylt_hw::pn532::Pn532::open_uart(&device)?)),
        ReaderKind::Pn532I2c => {
            #[cfg(feature = "pi")]
            {
                Ok(Box::new(motesskylt_hw::pn532::Pn532::open_i2c(&device)?))
            }
            #[cfg(not(feature = "pi"))]
            Err(unsupported("pi"))
        }
        ReaderKind::Pn532Spi => {
            #[cfg(feature = "pi")]
            {
                Ok(Box::new(motesskylt_hw::pn532::Pn532::open_spi(&device)?))
            }
            #[cfg(not(feature = "pi"))]
            Err(unsupported("pi"))
        }
        ReaderKind::Wedge => Ok(Box::new(motesskylt_hw::wedge::EvdevWedge::open(
            &device,
            motesskylt_hw::wedge::WedgeDecoder::new(config.wedge_format),
        )?)),
        ReaderKind::Pcsc => {
            #[cfg(feature = "pcsc")]
            {
                Ok(Box::new(motesskylt_hw::pcsc::PcscReader::open(
                    config.name.as_deref(),
                )?))
            }
            #[cfg(not(feature = "pcsc"))]
            Err(unsupported("pcsc"))
        }
    }
}

/// Starts the threads of the configured reader and buttons, reporting to
/// `messages`.
pub fn spawn_inputs(config: &KioskConfig, messages: UnboundedSender<Message>) {
    spawn_buttons(&config.buttons, messages.clone());
    spawn_reader(&config.reader, messages);
}

/// The buzzer and LEDs of `[buttons]` (feature `pi`), or silence.
pub fn feedback(config: &ButtonConfig) -> Box<dyn Feedback> {
    if config.buzzer.is_none() && config.led_green.is_none() && config.led_red.is_none() {
        return Box::new(Silent);
    }
    #[cfg(feature = "pi")]
    {
        let pins = motesskylt_hw::gpio::FeedbackPins {
            buzzer: config.buzzer,
            buzzer_hz: None,
            green: config.led_green,
            red: config.led_red,
        };
        match motesskylt_hw::gpio::GpioFeedback::new(&pins) {
            Ok(feedback) => return Box::new(feedback),
            Err(error) => tracing::error!("summer och lampor fungerar inte: {error}"),
        }
    }
    #[cfg(not(feature = "pi"))]
    tracing::warn!(
        "[buttons] anger summer eller lampor, men den här motesskylt är byggd utan --features pi"
    );
    Box::new(Silent)
}

fn spawn_buttons(config: &ButtonConfig, messages: UnboundedSender<Message>) {
    let any = [config.next, config.previous, config.pause, config.confirm]
        .iter()
        .any(Option::is_some);
    if !any {
        return;
    }
    #[cfg(feature = "pi")]
    {
        use motesskylt_hw::{Button, Buttons};
        let pins = motesskylt_hw::gpio::ButtonPins {
            next: config.next,
            previous: config.previous,
            r#break: config.pause,
            confirm: config.confirm,
        };
        let spawned = std::thread::Builder::new()
            .name("motesskylt-buttons".into())
            .spawn(move || {
                let mut buttons = match motesskylt_hw::gpio::GpioButtons::new(&pins) {
                    Ok(buttons) => buttons,
                    Err(error) => {
                        tracing::error!("knapparna fungerar inte: {error}");
                        return;
                    }
                };
                while !messages.is_closed() {
                    let input = match buttons.poll(std::time::Duration::from_millis(250)) {
                        Ok(Some(Button::Next)) => Input::Press(Control::Next),
                        Ok(Some(Button::Previous)) => Input::Press(Control::Previous),
                        Ok(Some(Button::Break)) => Input::Press(Control::Break),
                        Ok(Some(Button::Confirm)) => Input::Confirm,
                        Ok(None) => continue,
                        Err(error) => {
                            tracing::error!("knapparna fungerar inte: {error}");
                            return;
                        }
                    };
                    if messages.send(Message::Input(input)).is_err() {
                        return;
                    }
                }
            });
        if let Err(error) = spawned {
            tracing::error!("knapparnas tråd kunde inte starta: {error}");
        }
    }
    #[cfg(not(feature = "pi"))]
    {
        drop(messages);
        tracing::warn!(
            "[buttons] anger knappar, men den här motesskylt är byggd utan --features pi"
        );
    }
}

/// Starts the configured reader's thread, reporting to `messages`. Nothing
/// starts without a reader.
fn spawn_reader(config: &ReaderConfig, messages: UnboundedSender<Message>) {
    if config.kind == ReaderKind::None {
        return;
    }
    let config = config.clone();
    let spawned = std::thread::Builder::new()
        .name("motesskylt-reader".into())
        .spawn(move || {
            runner::run(
                || open_reader(&config),
                Pacing::default(),
                || !messages.is_closed(),
                |event: ReaderEvent| messages.send(Message::Reader(event)).is_ok(),
            )
        });
    if let Err(error) = spawned {
        tracing::error!("kortläsarens tråd kunde inte starta: {error}");
    }
}

/// How the binary starts a central server in this process from its
/// configuration file, for a kiosk of `room` (all-in-one).
pub type Serve<'a> =
    &'a dyn Fn(
        &std::path::Path,
        &str,
    ) -> Result<Arc<dyn LocalServer>, motesskylt_daemon::config_file::ConfigError>;

/// The sync agent's settings from `[sync]`; `None` when the kiosk keeps
/// its events locally only. All-in-one (`serve`), `serve` starts the
/// central server.
pub fn sync_config(config: &KioskConfig, serve: Serve) -> Result<Option<AgentConfig>, LaunchError> {
    let sync = &config.sync;
    let link = if let Some(path) = &sync.serve {
        Link::Serve(serve(path, &sync.room)?)
    } else if let Some(url) = &sync.central {
        Link::Remote {
            url: url.clone(),
            code: sync.enrol_code.clone(),
        }
    } else {
        return Ok(None);
    };
    Ok(Some(AgentConfig {
        link,
        token_file: config.token_file(),
        store: store_path(config),
        device: device_name(config),
        batch: sync.batch,
        idle: std::time::Duration::from_secs(sync.idle_seconds),
        retry_max: std::time::Duration::from_secs(sync.retry_max_seconds),
        showing: Default::default(),
    }))
}

/// Starts the sync agent, reporting to `messages`; `outbox` is the
/// station's (see [`Station::with_outbox`]).
pub fn spawn_sync(agent: AgentConfig, outbox: Arc<Notify>, messages: UnboundedSender<Message>) {
    let spawned = agent::spawn(agent, outbox, move |report| {
        let message = match report {
            Report::Status(status) => Message::Sync(status),
            Report::Learned(events) => Message::Learned(events),
            Report::Meeting(meeting) => Message::Meeting(meeting),
        };
        messages.send(message).is_ok()
    });
    if let Err(error) = spawned {
        tracing::error!("synkens tråd kunde inte starta: {error}");
    }
}
