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

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use slint::ComponentHandle;
use thiserror::Error;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use crate::attendance::door::TapRules;
use crate::model::Meeting;
use crate::model::time::Lang;

use super::desk::{Desk, Input, Outcome};
use super::keys::{KeyAction, action};
use super::room::Room;
use super::view::{Settings, View};
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
}

/// How the kiosk runs.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// The language shown at start.
    pub lang: Lang,
    /// Screen settings (wrap-up time, how long the door's answer stays).
    pub settings: Settings,
    /// Fill the screen instead of opening a window.
    pub fullscreen: bool,
    /// The meeting's clock (the demo can run it faster).
    pub clock: Clock,
}

/// The meeting's clock: the wall clock, or the wall clock run faster from a
/// starting point (the demo's `--speed`). The only place the kiosk reads
/// the time.
#[derive(Debug, Clone, Copy, Default)]
pub struct Clock {
    /// Where the fast clock starts; `None` is the wall clock.
    pub from: Option<DateTime<Utc>>,
    /// How many times faster than the wall clock.
    pub speed: u32,
}

impl Clock {
    /// A clock running `speed` times faster than the wall clock from now.
    pub fn fast(speed: u32) -> Self {
        Clock {
            from: (speed > 1).then(Utc::now),
            speed,
        }
    }

    /// The meeting's time now.
    pub fn now(&self) -> DateTime<Utc> {
        let wall = Utc::now();
        match self.from {
            Some(from) => crate::demo::meeting_clock(from, wall, self.speed),
            None => wall,
        }
    }
}

struct Screen {
    room: Room,
    clock: Clock,
    shown: Option<View>,
    /// To the input thread; dropped with the screen, which ends that thread.
    inputs: UnboundedSender<Input>,
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

fn with_room(f: impl FnOnce(&mut Room)) {
    SCREEN.with(|cell| {
        if let Some(screen) = cell.borrow_mut().as_mut() {
            f(&mut screen.room);
            screen.shown = None;
        }
    });
}

/// Runs the kiosk on `meeting` until its window is closed (or `q`).
pub fn run(meeting: Meeting, tz: Tz, options: Options) -> Result<(), KioskError> {
    let kiosk = ui::Kiosk::new().map_err(KioskError::NoDisplay)?;
    if options.fullscreen {
        kiosk.window().set_fullscreen(true);
    }
    let running = start(&kiosk, meeting, tz, options)?;
    let result = kiosk.run().map_err(KioskError::Window);
    running.stop();
    result
}

/// A kiosk wired to its screen: the input thread, the keys and the clock.
/// Dropping it (or [`Running::stop`]) ends the input thread.
pub struct Running {
    worker: Option<std::thread::JoinHandle<()>>,
}

impl Running {
    /// Ends the input thread and forgets the screen's state.
    pub fn stop(self) {
        drop(self);
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        // Forgetting the screen drops the only sender of inputs, which ends
        // the input thread's loop.
        SCREEN.with(|cell| cell.borrow_mut().take());
        if let Some(worker) = self.worker.take() {
            // A panic there has already been reported on stderr.
            let _ = worker.join();
        }
    }
}

/// Sends an input to the input thread.
fn send(input: Input) {
    SCREEN.with(|cell| {
        if let Some(screen) = cell.borrow().as_ref() {
            // Fails only once the input thread has stopped, when the
            // window is closing anyway.
            let _ = screen.inputs.send(input);
        }
    });
}

/// Wires `kiosk` to `meeting`: starts the input thread, the keys and the
/// clock. The caller runs the event loop.
pub fn start(
    kiosk: &ui::Kiosk,
    meeting: Meeting,
    tz: Tz,
    options: Options,
) -> Result<Running, KioskError> {
    select_language(options.lang);
    let (inputs, received) = unbounded_channel::<Input>();
    let room = Room::new(
        meeting.clone(),
        tz,
        options.lang,
        options.settings,
        Vec::new(),
    );
    SCREEN.with(|cell| {
        *cell.borrow_mut() = Some(Screen {
            room,
            clock: options.clock,
            shown: None,
            inputs,
        })
    });

    let desk = Desk::new(meeting.clone(), tz, TapRules::default(), Vec::new());
    let worker = std::thread::Builder::new()
        .name("motesskylt-inputs".into())
        .spawn({
            let kiosk = kiosk.as_weak();
            let clock = options.clock;
            move || run_desk(desk, received, clock, kiosk)
        })
        .map_err(KioskError::Thread)?;

    adapters::on_key(kiosk, {
        let kiosk = kiosk.as_weak();
        move |text| {
            let Some(kiosk) = kiosk.upgrade() else { return };
            match action(&meeting, text) {
                Some(KeyAction::Input(input)) => send(input),
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
    })
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

/// The input thread: takes inputs one by one, lets the desk decide, and
/// sends the outcome to the screen.
fn run_desk(
    mut desk: Desk,
    mut received: UnboundedReceiver<Input>,
    clock: Clock,
    kiosk: slint::Weak<ui::Kiosk>,
) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("motesskylt: indatatråden kunde inte starta: {error}");
            return;
        }
    };
    runtime.block_on(async move {
        while let Some(input) = received.recv().await {
            let outcome = desk.handle(input, clock.now());
            if outcome == Outcome::default() {
                continue;
            }
            let delivered = kiosk.upgrade_in_event_loop(move |kiosk| {
                with_room(|room| room.apply(outcome));
                refresh(&kiosk);
            });
            if delivered.is_err() {
                break;
            }
        }
    });
}
