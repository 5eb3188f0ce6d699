//! The live kiosk: the Slint event loop on the main thread, the desk (inputs
//! and the record of events) on a tokio runtime on a second thread.
//!
//! The screen changes only on the main thread, through
//! `upgrade_in_event_loop`. A `slint::Timer` asks for the view just after
//! each whole second of the meeting clock and hands it to Slint only when
//! something visible changed, so an idle countdown wakes and redraws once a
//! second, and a screen with nothing counting does not redraw at all.

use std::cell::RefCell;
use std::time::Duration;

use chrono_tz::Tz;
use slint::ComponentHandle;
use thiserror::Error;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

use motesskylt_core::model::Meeting;
use motesskylt_core::model::time::Lang;

use motesskylt_daemon::service::Notifier;

use motesskylt_core::cards::Uid;

use super::clock::Clock;
use super::desk::Input;
use super::name_search::Typed;
use super::room::Room;
use super::station::{Message, Station};
use super::view::{Settings, View};
use super::watchdog::Watchdog;
use super::{adapters, select_language, ui};

/// Why the kiosk could not run.
#[derive(Debug, Error)]
pub enum KioskError {
    /// No display to open a window on (no X, Wayland or DRM device).
    #[error("ingen skärm att visa kiosken på ({0}); starta under X/Wayland eller på Pi:ns skärm")]
    NoDisplay(slint::PlatformError),
    /// The window failed while running.
    #[error("kioskfönstret avbröts: {0}")]
    Window(slint::PlatformError),
    /// The input thread could not start.
    #[error("indatatråden kunde inte starta: {0}")]
    Thread(std::io::Error),
    /// The store broke while running; a restart checks and recovers it.
    #[error(
        "kiosken stannade: {0}; starta om den så kontrolleras lagringen och det som går att läsa räddas (under systemd sker det av sig självt)"
    )]
    Stopped(String),
}

/// What a key press on the window stands for; the demo maps keys to
/// these ([`Options::keys`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyAction {
    /// A simulated card on the reader.
    Card(Uid),
    /// An input for the desk (a simulated button).
    Input(Input),
    /// Show or hide the help overlay.
    Help,
    /// Switch between Swedish and English.
    Language,
    /// Close the kiosk.
    Quit,
}

/// A key map: the action of a key, by the key's text as Slint reports it.
pub type KeyMap = fn(&Meeting, &str) -> Option<KeyAction>;

/// How the kiosk runs.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The language shown at start.
    pub lang: Lang,
    /// Screen settings (wrap-up time, how long the door's answer stays).
    pub settings: Settings,
    /// Fill the screen instead of opening a window.
    pub fullscreen: bool,
    /// The meeting's clock (the demo can run it faster).
    pub clock: Clock,
    /// What keys do; `None` (a real kiosk): nothing.
    pub keys: Option<KeyMap>,
    /// systemd, told when the screen is up and, for its watchdog, that the
    /// screen's loop still turns.
    pub service: Option<Notifier>,
}

struct Screen {
    room: Room,
    clock: Clock,
    shown: Option<View>,
    /// To the input thread.
    messages: UnboundedSender<Message>,
    /// Pings systemd's watchdog from this (the main) loop.
    _watchdog: Option<slint::Timer>,
}

thread_local! {
    // The screen's state lives on the main thread, next to the Slint window.
    static SCREEN: RefCell<Option<Screen>> = const { RefCell::new(None) };
}

/// Shows the current view if it differs from what is on screen.
fn refresh(kiosk: &ui::Kiosk) {
    SCREEN.with(|cell| {
        if let Some(screen) = cell.borrow_mut().as_mut() {
            let view = screen.room.view(screen.clock.now());
            if screen.shown.as_ref() != Some(&view) {
                adapters::show(kiosk, &view);
                screen.shown = Some(view);
            }
        }
    });
}

/// Gives a key press to the name list's search ([`Room::key`]).
fn search(text: &str) -> Typed {
    SCREEN.with(|cell| {
        cell.borrow_mut().as_mut().map_or(Typed::NotMine, |screen| {
            screen.room.key(text, screen.clock.now())
        })
    })
}

fn with_room(f: impl FnOnce(&mut Room)) {
    SCREEN.with(|cell| {
        if let Some(screen) = cell.borrow_mut().as_mut() {
            f(&mut screen.room);
            screen.shown = None;
        }
    });
}

/// Runs the kiosk until its window is closed (or `q`). `readers` starts
/// the card readers' threads with the sender they report to.
pub fn run(
    station: Station,
    meeting: Meeting,
    tz: Tz,
    options: Options,
    readers: impl FnOnce(UnboundedSender<Message>),
) -> Result<(), KioskError> {
    close_on_sigterm();
    let kiosk = ui::Kiosk::new().map_err(KioskError::NoDisplay)?;
    if options.fullscreen {
        kiosk.window().set_fullscreen(true);
    }
    let running = start(&kiosk, station, meeting, tz, options)?;
    readers(running.messages());
    let result = kiosk.run().map_err(KioskError::Window);
    match running.stop() {
        Some(reason) => Err(KioskError::Stopped(reason)),
        None => result,
    }
}

/// Slint's window backend asks the desktop's settings portal over the
/// D-Bus session bus for its colour scheme, and prints an error at every
/// start when the bus's socket does not exist (a kiosk on a bare X server
/// or under Xvfb). The screen has its own colours: when there is no session
/// bus, say so in the address, which the backend then takes quietly.
///
/// # Safety
///
/// Sets an environment variable: call it before any thread starts.
pub unsafe fn no_session_bus_when_absent() {
    const ADDRESS: &str = "DBUS_SESSION_BUS_ADDRESS";
    if std::env::var_os(ADDRESS).is_some() {
        return;
    }
    let runtime = std::env::var_os("XDG_RUNTIME_DIR")
        .map(std::path::PathBuf::from)
        // SAFETY: geteuid has no preconditions and cannot fail.
        .unwrap_or_else(|| format!("/run/user/{}", unsafe { libc::geteuid() }).into());
    if !runtime.join("bus").exists() {
        // SAFETY: the caller has no other thread running.
        unsafe { std::env::set_var(ADDRESS, "disabled:") };
    }
}

/// Closes the window on SIGTERM (`systemctl stop`, an upgrade) and SIGINT
/// (Ctrl-C in the terminal that started it), so the kiosk stops as when its
/// window is closed: the input thread ends, the readers stop, the buzzer and
/// LEDs are let go, the demo's temporary folder goes. Called before any
/// thread starts, so that every thread inherits the blocked signals and only
/// the waiting thread takes them.
fn close_on_sigterm() {
    use nix::sys::signal::{SigSet, Signal};
    let mut term = SigSet::empty();
    term.add(Signal::SIGTERM);
    term.add(Signal::SIGINT);
    if term.thread_block().is_err() {
        return;
    }
    let _ = std::thread::Builder::new()
        .name("motesskylt-sigterm".into())
        .spawn(move || {
            if term.wait().is_ok() {
                quit_from_any_thread();
            }
        });
}

/// A kiosk wired to its screen: the input thread, the keys and the clock.
/// Dropping it (or [`Running::stop`]) ends the input thread.
pub struct Running {
    worker: Option<std::thread::JoinHandle<Option<String>>>,
    messages: UnboundedSender<Message>,
}

impl Running {
    /// A sender for readers and other sources of input.
    pub fn messages(&self) -> UnboundedSender<Message> {
        self.messages.clone()
    }

    /// Ends the input thread and forgets the screen's state; returns why
    /// the input thread stopped by itself, if it did (a damaged store).
    pub fn stop(mut self) -> Option<String> {
        self.end()
    }

    fn end(&mut self) -> Option<String> {
        SCREEN.with(|cell| cell.borrow_mut().take());
        // Readers may still hold senders: tell the input thread to stop;
        // its receiver goes with it, which ends the readers' loops.
        let _ = self.messages.send(Message::Stop);
        // A panic there has already been reported on stderr.
        self.worker.take().and_then(|worker| {
            worker
                .join()
                .unwrap_or_else(|_| Some("indatatråden avbröts av ett fel".to_string()))
        })
    }
}

/// Ends the event loop from any thread.
fn quit_from_any_thread() {
    // Fails only when the event loop has already ended.
    let _ = slint::invoke_from_event_loop(|| {
        let _ = slint::quit_event_loop();
    });
}

/// Closes the window when the input thread ends, however it ends (a panic
/// included): a kiosk that can no longer record taps must not go on
/// looking alive. systemd then starts it again.
struct CloseWindowOnExit;

impl Drop for CloseWindowOnExit {
    fn drop(&mut self) {
        quit_from_any_thread();
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.end();
    }
}

/// Sends a message to the input thread.
fn send(message: Message) {
    SCREEN.with(|cell| {
        if let Some(screen) = cell.borrow().as_ref() {
            // Fails only once the input thread has stopped, when the
            // window is closing anyway.
            let _ = screen.messages.send(message);
        }
    });
}

/// Wires `kiosk` to `station` (which holds `meeting`): starts the input
/// thread, the keys, the touch callbacks and the clock. The caller runs the
/// event loop.
pub fn start(
    kiosk: &ui::Kiosk,
    station: Station,
    meeting: Meeting,
    tz: Tz,
    options: Options,
) -> Result<Running, KioskError> {
    select_language(options.lang);
    let (messages, received) = unbounded_channel::<Message>();
    let room = Room::showing(station.shift(), tz, options.lang, options.settings);
    let watchdog = options
        .service
        .as_ref()
        .map(|service| tell_systemd(service, &meeting, messages.clone()));
    SCREEN.with(|cell| {
        *cell.borrow_mut() = Some(Screen {
            room,
            clock: options.clock,
            shown: None,
            messages: messages.clone(),
            _watchdog: watchdog,
        })
    });

    let worker = std::thread::Builder::new()
        .name("motesskylt-inputs".into())
        .spawn({
            let kiosk = kiosk.as_weak();
            let clock = options.clock;
            move || {
                let _close = CloseWindowOnExit;
                station.run(received, clock, move |update| {
                    let fatal = update.fatal.is_some();
                    kiosk
                        .upgrade_in_event_loop(move |kiosk| {
                            with_room(|room| room.update(update));
                            refresh(&kiosk);
                            adapters::draw_now(&kiosk);
                            if fatal {
                                let _ = slint::quit_event_loop();
                            }
                        })
                        .is_ok()
                })
            }
        })
        .map_err(KioskError::Thread)?;

    adapters::on_touch(kiosk, |input| send(Message::Input(input)));
    adapters::on_key(kiosk, {
        let kiosk = kiosk.as_weak();
        let options_keys = options.keys;
        move |text| {
            let Some(kiosk) = kiosk.upgrade() else { return };
            match search(text) {
                Typed::Searched => {
                    refresh(&kiosk);
                    // The desk keeps the question open while someone types.
                    return send(Message::Input(Input::StillThere));
                }
                Typed::Ignored => return,
                Typed::Pick(index) => return send(Message::Input(Input::Pick(index))),
                Typed::Cancel => return send(Message::Input(Input::Cancel)),
                Typed::NotMine => {}
            }
            match options_keys.and_then(|keys| keys(&meeting, text)) {
                Some(KeyAction::Card(uid)) => send(Message::Card(uid)),
                Some(KeyAction::Input(input)) => send(Message::Input(input)),
                Some(KeyAction::Help) => {
                    adapters::show_help(&kiosk, !adapters::help_shown(&kiosk));
                }
                Some(KeyAction::Language) => {
                    with_room(|room| {
                        room.lang = room.lang.toggled();
                        select_language(room.lang);
                    });
                    refresh(&kiosk);
                }
                Some(KeyAction::Quit) => {
                    let _ = slint::quit_event_loop();
                }
                None => {}
            }
        }
    });

    refresh(kiosk);
    tick_next_second(kiosk.as_weak(), options.clock);
    Ok(Running {
        worker: Some(worker),
        messages,
    })
}

/// Tells systemd the kiosk is ready once the event loop runs (the first
/// frame is on its way) and returns the timer that then ticks the watchdog
/// from the same loop (see [`Watchdog`]). A failed message is reported,
/// never fatal.
fn tell_systemd(
    service: &Notifier,
    meeting: &Meeting,
    input: UnboundedSender<Message>,
) -> slint::Timer {
    let status = format!("visar {} {}", meeting.body, meeting.date);
    slint::Timer::single_shot(Duration::ZERO, {
        let service = service.clone();
        move || {
            if let Err(error) = service.ready(&status) {
                tracing::warn!("{error}");
            }
        }
    });
    let timer = slint::Timer::default();
    if let Some(every) = service.ping_every() {
        let mut watchdog = Watchdog::new(service.clone(), input, Message::Heartbeat);
        timer.start(slint::TimerMode::Repeated, every, move || {
            watchdog.tick();
        });
    }
    timer
}

/// Refreshes the screen just after the meeting clock's next whole second,
/// then again after the one after: one wake-up a second while idle.
fn tick_next_second(kiosk: slint::Weak<ui::Kiosk>, clock: Clock) {
    let millis = i64::from(clock.now().timestamp_subsec_millis());
    let wait = (1000 - millis) / i64::from(clock.speed.max(1)) + 2;
    slint::Timer::single_shot(Duration::from_millis(wait.max(1) as u64), move || {
        if let Some(screen) = kiosk.upgrade() {
            refresh(&screen);
            tick_next_second(kiosk, clock);
        }
    });
}
