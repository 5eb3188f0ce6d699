//! `config/kiosk.toml`: where the kiosk keeps its data, which meeting it
//! shows, the door's rules and which reader it listens to. Every setting
//! has a default; a bad file is reported with its line and the setting.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use motesskylt_core::attendance::door::TapRules;
use motesskylt_core::cards::CardHash;
use motesskylt_core::model::time::Lang;

pub use motesskylt_daemon::config_file::ConfigError;
use motesskylt_daemon::config_file::line_of;

/// The whole configuration.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KioskConfig {
    /// `[kiosk]`: data, meeting, language.
    pub kiosk: General,
    /// `[door]`: tap rules, PIN, admin cards.
    pub door: DoorConfig,
    /// `[reader]`: the card reader.
    pub reader: ReaderConfig,
    /// `[buttons]`: GPIO buttons, buzzer and LEDs (feature `pi`).
    pub buttons: ButtonConfig,
    /// `[sync]`: the central server.
    pub sync: SyncConfig,
}

/// `[sync]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SyncConfig {
    /// The central server (`https://motesskylt.example.se`); without it
    /// (and without `serve`) the kiosk keeps its events locally.
    pub central: Option<String>,
    /// The secretary's one-time code, used once to enrol this kiosk.
    pub enrol_code: Option<String>,
    /// Where the kiosk keeps its token (default `device.token` in the
    /// data directory).
    pub token_file: Option<PathBuf>,
    /// All-in-one: run the central server in this process from this
    /// `central.toml` and sync to it over loopback.
    pub serve: Option<PathBuf>,
    /// The room this kiosk serves, when it enrols itself (all-in-one).
    pub room: String,
    /// Events per push.
    pub batch: usize,
    /// A quiet kiosk still checks in this often (seconds).
    pub idle_seconds: u64,
    /// The longest wait between retries while the central server cannot be
    /// reached (seconds; the waits double up to it, with jitter).
    pub retry_max_seconds: u64,
}

impl Default for SyncConfig {
    fn default() -> Self {
        SyncConfig {
            central: None,
            enrol_code: None,
            token_file: None,
            serve: None,
            room: "rum-1".into(),
            batch: 200,
            idle_seconds: 30,
            retry_max_seconds: 60,
        }
    }
}

/// `[kiosk]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct General {
    /// Where the store and the card key live.
    pub data_dir: PathBuf,
    /// This kiosk's name in the event log (default: the host name).
    pub device: Option<String>,
    /// A meeting notice to show (a kiosk in a room needs none: it shows the
    /// room's meetings).
    pub notice: Option<PathBuf>,
    /// The screen's language at start.
    pub language: Lang,
    /// Minutes before an item's end when the timer turns to "Snart slut".
    pub wrap_up_minutes: u32,
}

impl Default for General {
    fn default() -> Self {
        General {
            data_dir: PathBuf::from("/var/lib/motesskylt"),
            device: None,
            notice: None,
            language: Lang::Sv,
            wrap_up_minutes: 2,
        }
    }
}

/// `[door]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DoorConfig {
    /// A second tap within this many seconds is ignored.
    pub double_tap_seconds: u32,
    /// After "Tryck igen för att checka ut", a tap within this many seconds checks out.
    pub confirm_seconds: u32,
    /// Check-in opens this many minutes before the planned start.
    pub check_in_opens_minutes: u32,
    /// The secretary's PIN (digits); without it touch controls are off and
    /// enrolment needs an admin card.
    pub pin: Option<String>,
    /// Admin cards by keyed hash (`motesskylt card-hash UID` prints it).
    pub admin_cards: Vec<String>,
    /// The site's card key (shared by every kiosk of the site); created
    /// when missing. Default: `card.key` in the data directory.
    pub card_key_file: Option<PathBuf>,
}

impl Default for DoorConfig {
    fn default() -> Self {
        let rules = TapRules::default();
        DoorConfig {
            double_tap_seconds: rules.repeat_s as u32,
            confirm_seconds: rules.confirm_s as u32,
            check_in_opens_minutes: (rules.opens_before_s / 60) as u32,
            pin: None,
            admin_cards: Vec::new(),
            card_key_file: None,
        }
    }
}

impl DoorConfig {
    /// The tap rules these settings give.
    pub fn tap_rules(&self) -> TapRules {
        TapRules {
            repeat_s: i64::from(self.double_tap_seconds),
            confirm_s: i64::from(self.confirm_seconds),
            opens_before_s: i64::from(self.check_in_opens_minutes) * 60,
        }
    }

    /// The admin cards as hashes.
    pub fn admin_hashes(&self) -> Vec<CardHash> {
        self.admin_cards
            .iter()
            .map(|h| CardHash(h.trim().to_lowercase()))
            .collect()
    }
}

/// Which card reader the kiosk listens to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReaderKind {
    /// No reader: names are picked on the screen.
    #[default]
    None,
    /// A PN532 on a serial line (UART), e.g. `/dev/ttyAMA0` or `/dev/ttyUSB0`.
    Pn532Uart,
    /// A PN532 on the Pi's I2C bus (feature `pi`).
    Pn532I2c,
    /// A PN532 on the Pi's SPI bus (feature `pi`).
    Pn532Spi,
    /// A USB keyboard-wedge reader (evdev), e.g. `/dev/input/by-id/…-event-kbd`.
    Wedge,
    /// A PC/SC reader such as the ACR122U (feature `pcsc`).
    Pcsc,
}

impl ReaderKind {
    /// The name written in the configuration (`kind = "…"`).
    pub fn name(self) -> &'static str {
        match self {
            ReaderKind::None => "none",
            ReaderKind::Pn532Uart => "pn532-uart",
            ReaderKind::Pn532I2c => "pn532-i2c",
            ReaderKind::Pn532Spi => "pn532-spi",
            ReaderKind::Wedge => "wedge",
            ReaderKind::Pcsc => "pcsc",
        }
    }
}

/// `[reader]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReaderConfig {
    /// Which reader.
    pub kind: ReaderKind,
    /// Its device (serial port, input device, I2C/SPI bus path).
    pub device: Option<String>,
    /// For PC/SC: part of the reader's name (default: the first reader).
    pub name: Option<String>,
    /// For a keyboard-wedge reader: how it types the UID.
    pub wedge_format: motesskylt_hw::wedge::WedgeFormat,
}

/// `[buttons]`: BCM pin numbers (feature `pi`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ButtonConfig {
    /// Next item.
    pub next: Option<u8>,
    /// Previous item.
    pub previous: Option<u8>,
    /// Start a break.
    #[serde(rename = "break")]
    pub pause: Option<u8>,
    /// Confirm at the door.
    pub confirm: Option<u8>,
    /// Buzzer.
    pub buzzer: Option<u8>,
    /// Green LED.
    pub led_green: Option<u8>,
    /// Red LED.
    pub led_red: Option<u8>,
}

/// The GPIO pins of `[buttons]`: BCM 2–27 (the header's), each used once,
/// none of the reader's, and only in a build with GPIO (`gpio_built`, the
/// feature `pi`).
fn check_buttons(
    config: &KioskConfig,
    gpio_built: bool,
    text: &str,
    shown: &str,
) -> Result<(), ConfigError> {
    let buttons = &config.buttons;
    let header_uart = ["/dev/ttyAMA0", "/dev/serial0", "/dev/ttyS0"];
    let reader: (&str, &[u8]) = match config.reader.kind {
        ReaderKind::Pn532Uart
            if header_uart.contains(&config.reader.device.as_deref().unwrap_or_default()) =>
        {
            ("UART", &[14, 15])
        }
        ReaderKind::Pn532I2c => ("I2C", &[2, 3]),
        ReaderKind::Pn532Spi => ("SPI", &[7, 8, 9, 10, 11]),
        _ => ("", &[]),
    };
    let pins = [
        ("next", buttons.next),
        ("previous", buttons.previous),
        ("break", buttons.pause),
        ("confirm", buttons.confirm),
        ("buzzer", buttons.buzzer),
        ("led_green", buttons.led_green),
        ("led_red", buttons.led_red),
    ];
    let invalid = |key: &str, message: String| ConfigError::Invalid {
        path: shown.to_string(),
        line: line_of(text, key),
        message,
    };
    let mut used: Vec<(&str, u8)> = Vec::new();
    for (key, pin) in pins {
        let Some(pin) = pin else { continue };
        if !gpio_built {
            return Err(invalid(
                key,
                format!(
                    "buttons.{key}: GPIO finns bara i paketet för Raspberry Pi (byggt med pi); ta bort raden eller installera det paketet"
                ),
            ));
        }
        if !(2..=27).contains(&pin) {
            return Err(invalid(
                key,
                format!(
                    "buttons.{key} = {pin}: skriv ett BCM-nummer mellan 2 och 27 (GPIO-numret, inte stiftets nummer på listen)"
                ),
            ));
        }
        if reader.1.contains(&pin) {
            return Err(invalid(
                key,
                format!(
                    "buttons.{key} = {pin}: GPIO {pin} är kortläsarens ({}); välj ett annat",
                    reader.0
                ),
            ));
        }
        if let Some((other, _)) = used.iter().find(|(_, p)| *p == pin) {
            return Err(invalid(
                key,
                format!(
                    "buttons.{key} = {pin}: GPIO {pin} används redan av {other}; välj ett annat"
                ),
            ));
        }
        used.push((key, pin));
    }
    Ok(())
}

impl KioskConfig {
    /// Reads and checks `path`.
    pub fn load(path: &Path) -> Result<KioskConfig, ConfigError> {
        Self::parse(
            &motesskylt_daemon::config_file::read(path)?,
            &path.display().to_string(),
        )
    }

    /// Reads the text of a configuration file named `shown` in errors.
    pub fn parse(text: &str, shown: &str) -> Result<KioskConfig, ConfigError> {
        let config: KioskConfig =
            motesskylt_daemon::config_file::parse(text, shown, "config/kiosk.toml")?;
        if let Some(pin) = &config.door.pin
            && (pin.len() < 4 || !pin.chars().all(|c| c.is_ascii_digit()))
        {
            return Err(ConfigError::Invalid {
                path: shown.to_string(),
                line: line_of(text, "pin"),
                message: "door.pin ska vara minst fyra siffror, t.ex. pin = \"2468\"".into(),
            });
        }
        if let Some(bad) = config
            .door
            .admin_cards
            .iter()
            .find(|h| h.len() != 32 || !h.chars().all(|c| c.is_ascii_hexdigit()))
        {
            return Err(ConfigError::Invalid {
                path: shown.to_string(),
                line: line_of(text, "admin_cards"),
                message: format!(
                    "door.admin_cards: \"{bad}\" är inte en korthash (32 hextecken); skriv ut den med `motesskylt card-hash --config FIL UID`"
                ),
            });
        }
        let needs_device = matches!(
            config.reader.kind,
            ReaderKind::Pn532Uart | ReaderKind::Pn532I2c | ReaderKind::Pn532Spi | ReaderKind::Wedge
        );
        if needs_device && config.reader.device.is_none() {
            return Err(ConfigError::Invalid {
                path: shown.to_string(),
                line: line_of(text, "kind"),
                message: "reader.device saknas; skriv t.ex. device = \"/dev/ttyAMA0\"".into(),
            });
        }
        let built_without = match config.reader.kind {
            ReaderKind::Pn532I2c | ReaderKind::Pn532Spi if !cfg!(feature = "pi") => Some("pi"),
            ReaderKind::Pcsc if !cfg!(feature = "pcsc") => Some("pcsc"),
            _ => None,
        };
        if let Some(feature) = built_without {
            return Err(ConfigError::Invalid {
                path: shown.to_string(),
                line: line_of(text, "kind"),
                message: format!(
                    "reader.kind: den här läsaren finns inte i den här versionen av motesskylt (byggd utan {feature}); installera paketet för Raspberry Pi eller välj kind = \"pn532-uart\", \"wedge\" eller \"none\""
                ),
            });
        }
        check_buttons(&config, cfg!(feature = "pi"), text, shown)?;
        if let Some(central) = &config.sync.central
            && !(central.starts_with("http://") || central.starts_with("https://"))
        {
            return Err(ConfigError::Invalid {
                path: shown.to_string(),
                line: line_of(text, "central"),
                message: format!(
                    "sync.central: \"{central}\" är ingen webbadress; skriv t.ex. central = \"https://motesskylt.example.se\""
                ),
            });
        }
        if config.sync.central.is_some() && config.sync.serve.is_some() {
            return Err(ConfigError::Invalid {
                path: shown.to_string(),
                line: line_of(text, "serve"),
                message: "sync.serve och sync.central går inte ihop: välj en central i samma dator (serve) eller en annanstans (central)".into(),
            });
        }
        for (key, value) in [
            ("batch", config.sync.batch as u64),
            ("idle_seconds", config.sync.idle_seconds),
            ("retry_max_seconds", config.sync.retry_max_seconds),
        ] {
            if value == 0 {
                return Err(ConfigError::Invalid {
                    path: shown.to_string(),
                    line: line_of(text, key),
                    message: format!("sync.{key} ska vara minst 1"),
                });
            }
        }
        Ok(config)
    }

    /// The device token file.
    pub fn token_file(&self) -> PathBuf {
        self.sync
            .token_file
            .clone()
            .unwrap_or_else(|| self.kiosk.data_dir.join("device.token"))
    }

    /// The card key file.
    pub fn card_key_file(&self) -> PathBuf {
        self.door
            .card_key_file
            .clone()
            .unwrap_or_else(|| self.kiosk.data_dir.join("card.key"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_file_reads_and_every_default_holds() {
        let example = include_str!("../../../config/kiosk.toml");
        let config = KioskConfig::parse(example, "config/kiosk.toml").unwrap();
        assert_eq!(config.reader.kind, ReaderKind::Pn532Uart);
        assert_eq!(config.door.tap_rules(), TapRules::default());
        let empty = KioskConfig::parse("", "x.toml").unwrap();
        assert_eq!(empty.reader.kind, ReaderKind::None);
        assert_eq!(
            empty.card_key_file(),
            PathBuf::from("/var/lib/motesskylt/card.key")
        );
    }

    #[test]
    fn the_example_file_shows_every_setting() {
        let example = include_str!("../../../config/kiosk.toml");
        let sections = ["kiosk", "door", "reader", "buttons", "sync"];
        assert_eq!(
            motesskylt_daemon::config_file::undocumented::<KioskConfig>(example, &sections),
            Vec::<String>::new()
        );
        let without_pin = example.replace("# pin = ", "# PIN: ");
        assert_eq!(
            motesskylt_daemon::config_file::undocumented::<KioskConfig>(&without_pin, &sections),
            ["door.pin"]
        );
    }

    #[test]
    fn mistakes_name_the_line_and_the_setting() {
        let error = KioskConfig::parse(
            "[door]\ndouble_tap_seconds = 2\nconfirm_secs = 10\n",
            "k.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(error.starts_with("k.toml:3:"), "{error}");
        assert!(error.contains("confirm_secs"), "{error}");
        let error = KioskConfig::parse("[door]\npin = \"12\"\n", "k.toml")
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("k.toml:2:") && error.contains("fyra siffror"),
            "{error}"
        );
        let error = KioskConfig::parse("[reader]\nkind = \"pn532-uart\"\n", "k.toml")
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("k.toml:2:") && error.contains("reader.device"),
            "{error}"
        );
        let error = KioskConfig::parse("[reader]\nkind = \"nfc\"\n", "k.toml")
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("k.toml:2:") && error.contains("pn532-uart"),
            "{error}"
        );
        let sync_mistakes = [
            (
                "[sync]\n\ncentral = \"central.example\"\n",
                "k.toml:3:",
                "webbadress",
            ),
            (
                "[sync]\ncentral = \"https://c\"\nserve = \"c.toml\"\n",
                "k.toml:3:",
                "går inte ihop",
            ),
            ("[sync]\nbatch = 0\n", "k.toml:2:", "sync.batch"),
            (
                "[sync]\nretry_max_seconds = 0\n",
                "k.toml:2:",
                "retry_max_seconds",
            ),
        ];
        for (text, line, words) in sync_mistakes {
            let error = KioskConfig::parse(text, "k.toml").unwrap_err().to_string();
            assert!(error.starts_with(line) && error.contains(words), "{error}");
        }
    }

    #[test]
    fn gpio_pins_are_header_pins_used_once_in_a_build_with_gpio() {
        let check = |text: &str, gpio_built: bool| {
            let config: KioskConfig = toml::from_str(text).unwrap();
            check_buttons(&config, gpio_built, text, "k.toml").map_err(|e| e.to_string())
        };
        let mistakes = [
            (
                "[buttons]\nnext = 17\nprevious = 40\n",
                true,
                "k.toml:3:",
                "mellan 2 och 27",
            ),
            (
                "[buttons]\nnext = 17\n\nbreak = 17\n",
                true,
                "k.toml:4:",
                "används redan av next",
            ),
            (
                "[buttons]\n# none yet\nconfirm = 23\n",
                false,
                "k.toml:3:",
                "buttons.confirm",
            ),
        ];
        for (text, gpio_built, line, words) in mistakes {
            let error = check(text, gpio_built).unwrap_err();
            assert!(error.starts_with(line) && error.contains(words), "{error}");
        }
        assert!(check("[buttons]\nnext = 17\nled_red = 25\n", true).is_ok());
        // A USB adapter leaves the header's UART pins free.
        assert!(check("[reader]\nkind = \"pn532-uart\"\ndevice = \"/dev/ttyUSB0\"\n[buttons]\nnext = 14\n", true).is_ok());
        assert!(check("[buttons]\n", false).is_ok());
    }

    #[test]
    #[cfg(not(feature = "pi"))]
    fn a_pi_reader_is_refused_by_a_build_without_it() {
        let error = KioskConfig::parse(
            "[reader]\nkind = \"pn532-i2c\"\ndevice = \"/dev/i2c-1\"\n",
            "k.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(
            error.starts_with("k.toml:2:") && error.contains("byggd utan pi"),
            "{error}"
        );
    }
}
