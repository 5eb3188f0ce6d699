//! GPIO buttons, buzzer and LEDs on a Raspberry Pi, through `rppal`
//! (feature `pi`). Pins are BCM GPIO numbers, not header positions.
//!
//! [`GpioButtons`] reads push buttons wired between a pin and ground (the
//! pin's internal pull-up holds it high; a press pulls it low), samples
//! them every few milliseconds and debounces them with
//! [`debounce`](super::debounce). [`GpioFeedback`] drives a buzzer and a
//! green and a red LED (active high) from a small worker thread, so
//! [`Feedback::signal`] never blocks.

use std::collections::VecDeque;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use rppal::gpio::{Error as GpioError, Gpio, InputPin, OutputPin};
use serde::Deserialize;

use super::debounce::{DEFAULT_WINDOW, Debouncer, Edge};
use super::{Button, Buttons, Feedback, ReaderError, Signal};

/// How often [`GpioButtons`] samples its pins.
const SAMPLE_PERIOD: Duration = Duration::from_millis(5);

/// Which BCM GPIO pin each button is on; `None` for a button not fitted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub struct ButtonPins {
    /// Start the meeting or the next agenda item.
    pub next: Option<u8>,
    /// Back to the previous agenda item.
    pub previous: Option<u8>,
    /// Start a break.
    pub r#break: Option<u8>,
    /// Confirm a check-in or check-out.
    pub confirm: Option<u8>,
}

impl ButtonPins {
    fn assigned(&self) -> impl Iterator<Item = (Button, u8)> {
        [
            (Button::Next, self.next),
            (Button::Previous, self.previous),
            (Button::Break, self.r#break),
            (Button::Confirm, self.confirm),
        ]
        .into_iter()
        .filter_map(|(button, pin)| pin.map(|pin| (button, pin)))
    }
}

/// Which BCM GPIO pins drive the buzzer and the LEDs; `None` for a part
/// not fitted. Outputs are active high.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub struct FeedbackPins {
    /// The buzzer.
    pub buzzer: Option<u8>,
    /// `None` for an active buzzer (sounds while the pin is high); a
    /// frequency in hertz for a passive piezo, driven with software PWM.
    pub buzzer_hz: Option<u32>,
    /// The green LED (accepted).
    pub green: Option<u8>,
    /// The red LED (error).
    pub red: Option<u8>,
}

/// The name of a pin in errors: "GPIO 17 (knappen Nästa)".
fn pin_label(pin: u8, role: &str) -> String {
    format!("GPIO {pin} ({role})")
}

fn button_role(button: Button) -> &'static str {
    match button {
        Button::Next => "knappen Nästa",
        Button::Previous => "knappen Föregående",
        Button::Break => "knappen Paus",
        Button::Confirm => "knappen Bekräfta",
    }
}

/// An `rppal` error as a [`ReaderError::Device`] naming the pin.
fn gpio_error(error: GpioError, device: String) -> ReaderError {
    let reason = match error {
        GpioError::PinUsed(_) => "används redan (samma pin två gånger i inställningarna?)".into(),
        GpioError::PinNotAvailable(_) => "finns inte på den här modellen".into(),
        GpioError::PermissionDenied(path) => {
            format!("behörighet saknas till {path} (lägg användaren i gruppen gpio)")
        }
        GpioError::UnknownModel => "okänd Raspberry Pi-modell".into(),
        GpioError::Io(error) => format!("in/ut-fel: {error}"),
        GpioError::ThreadPanic => "PWM-tråden kraschade".into(),
    };
    ReaderError::Device { device, reason }
}

fn open_gpio() -> Result<Gpio, ReaderError> {
    Gpio::new().map_err(|error| gpio_error(error, "GPIO".into()))
}

struct GpioButton {
    button: Button,
    pin: InputPin,
    debouncer: Debouncer,
}

/// Buttons on GPIO pins with pull-ups, active low, debounced.
pub struct GpioButtons {
    buttons: Vec<GpioButton>,
    /// Presses seen but not yet returned (two buttons in the same sample).
    pending: VecDeque<Button>,
}

impl std::fmt::Debug for GpioButtons {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let pins: Vec<(Button, u8)> = self
            .buttons
            .iter()
            .map(|b| (b.button, b.pin.pin()))
            .collect();
        f.debug_struct("GpioButtons").field("pins", &pins).finish()
    }
}

impl GpioButtons {
    /// Claims the configured pins as inputs with pull-ups and the default
    /// 30 ms debounce window.
    pub fn new(pins: &ButtonPins) -> Result<Self, ReaderError> {
        GpioButtons::with_window(pins, DEFAULT_WINDOW)
    }

    /// Like [`new`](Self::new) with another debounce window. A button held
    /// while this runs is not reported until it has been released.
    pub fn with_window(pins: &ButtonPins, window: Duration) -> Result<Self, ReaderError> {
        let gpio = open_gpio()?;
        let buttons = pins
            .assigned()
            .map(|(button, number)| {
                let pin = gpio
                    .get(number)
                    .map_err(|error| gpio_error(error, pin_label(number, button_role(button))))?
                    .into_input_pullup();
                let debouncer = Debouncer::new(window, pin.is_low());
                Ok(GpioButton {
                    button,
                    pin,
                    debouncer,
                })
            })
            .collect::<Result<Vec<_>, ReaderError>>()?;
        Ok(GpioButtons {
            buttons,
            pending: VecDeque::new(),
        })
    }
}

impl Buttons for GpioButtons {
    fn poll(&mut self, timeout: Duration) -> Result<Option<Button>, ReaderError> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(button) = self.pending.pop_front() {
                return Ok(Some(button));
            }
            let now = Instant::now();
            for button in &mut self.buttons {
                // Active low: the pull-up holds the pin high until pressed.
                if button.debouncer.sample(button.pin.is_low(), now) == Some(Edge::Pressed) {
                    self.pending.push_back(button.button);
                }
            }
            if !self.pending.is_empty() {
                continue;
            }
            if now >= deadline {
                return Ok(None);
            }
            thread::sleep(SAMPLE_PERIOD.min(deadline - now));
        }
    }
}

/// One step of a feedback pattern: outputs to set and how long to hold them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Step {
    buzzer: bool,
    green: bool,
    red: bool,
    hold: Duration,
}

const fn step(buzzer: bool, green: bool, red: bool, hold_ms: u64) -> Step {
    Step {
        buzzer,
        green,
        red,
        hold: Duration::from_millis(hold_ms),
    }
}

/// The beeps and lights for a signal; everything is off after the last step.
fn pattern(signal: Signal) -> &'static [Step] {
    const ACCEPTED: &[Step] = &[step(true, true, false, 100), step(false, true, false, 900)];
    const ATTENTION: &[Step] = &[
        step(true, false, false, 80),
        step(false, false, false, 80),
        step(true, false, false, 80),
    ];
    const ERROR: &[Step] = &[step(true, false, true, 300), step(false, false, true, 1200)];
    match signal {
        Signal::Accepted => ACCEPTED,
        Signal::Attention => ATTENTION,
        Signal::Error => ERROR,
    }
}

struct Outputs {
    buzzer: Option<OutputPin>,
    buzzer_hz: Option<u32>,
    green: Option<OutputPin>,
    red: Option<OutputPin>,
}

impl Outputs {
    fn set(&mut self, step: &Step) {
        if let Some(pin) = &mut self.buzzer {
            match self.buzzer_hz {
                // Failures here cannot be reported (signal() must not
                // block or fail); the worst case is a silent beep.
                Some(hz) if step.buzzer => {
                    let _ = pin.set_pwm_frequency(f64::from(hz), 0.5);
                }
                Some(_) => {
                    let _ = pin.clear_pwm();
                    pin.set_low();
                }
                None => pin.write(step.buzzer.into()),
            }
        }
        if let Some(pin) = &mut self.green {
            pin.write(step.green.into());
        }
        if let Some(pin) = &mut self.red {
            pin.write(step.red.into());
        }
    }

    fn off(&mut self) {
        self.set(&step(false, false, false, 0));
    }

    /// Plays signals as they come; a new signal cuts the one playing.
    fn run(mut self, signals: mpsc::Receiver<Signal>) {
        while let Ok(first) = signals.recv() {
            let mut next = Some(first);
            while let Some(signal) = next.take() {
                for step in pattern(signal) {
                    self.set(step);
                    match signals.recv_timeout(step.hold) {
                        Ok(newer) => {
                            next = Some(newer);
                            break;
                        }
                        Err(RecvTimeoutError::Timeout) => {}
                        Err(RecvTimeoutError::Disconnected) => {
                            self.off();
                            return;
                        }
                    }
                }
            }
            self.off();
        }
        self.off();
    }
}

/// A buzzer and green/red LEDs on GPIO pins, played by a worker thread.
pub struct GpioFeedback {
    signals: Option<Sender<Signal>>,
    worker: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for GpioFeedback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GpioFeedback").finish_non_exhaustive()
    }
}

impl GpioFeedback {
    /// Claims the configured pins as outputs (low) and starts the worker.
    pub fn new(pins: &FeedbackPins) -> Result<Self, ReaderError> {
        let gpio = open_gpio()?;
        let output = |number: Option<u8>, role: &str| -> Result<Option<OutputPin>, ReaderError> {
            number
                .map(|number| {
                    gpio.get(number)
                        .map(|pin| pin.into_output_low())
                        .map_err(|error| gpio_error(error, pin_label(number, role)))
                })
                .transpose()
        };
        let outputs = Outputs {
            buzzer: output(pins.buzzer, "summern")?,
            buzzer_hz: pins.buzzer_hz,
            green: output(pins.green, "gröna lysdioden")?,
            red: output(pins.red, "röda lysdioden")?,
        };
        let (sender, receiver) = mpsc::channel();
        let worker = thread::Builder::new()
            .name("gpio-feedback".into())
            .spawn(move || outputs.run(receiver))
            .map_err(|error| ReaderError::Device {
                device: "GPIO".into(),
                reason: format!("kan inte starta tråden för summer och lysdioder: {error}"),
            })?;
        Ok(GpioFeedback {
            signals: Some(sender),
            worker: Some(worker),
        })
    }
}

impl Feedback for GpioFeedback {
    fn signal(&mut self, signal: Signal) {
        if let Some(signals) = &self.signals {
            // Fails only if the worker is gone; feedback is best effort.
            let _ = signals.send(signal);
        }
    }
}

impl Drop for GpioFeedback {
    /// Stops the worker (it turns everything off) and waits for it.
    fn drop(&mut self) {
        self.signals = None;
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn beeps(signal: Signal) -> Vec<Duration> {
        pattern(signal)
            .iter()
            .filter(|s| s.buzzer)
            .map(|s| s.hold)
            .collect()
    }

    #[test]
    fn patterns_match_the_signals() {
        assert_eq!(beeps(Signal::Accepted), vec![Duration::from_millis(100)]);
        assert_eq!(beeps(Signal::Attention).len(), 2);
        assert_eq!(beeps(Signal::Error), vec![Duration::from_millis(300)]);
        // Green for accepted, red for errors, never the other way round.
        assert!(pattern(Signal::Accepted).iter().any(|s| s.green));
        assert!(pattern(Signal::Accepted).iter().all(|s| !s.red));
        assert!(pattern(Signal::Error).iter().any(|s| s.red));
        assert!(pattern(Signal::Error).iter().all(|s| !s.green));
        // No single beep is longer than 300 ms.
        for signal in [Signal::Accepted, Signal::Attention, Signal::Error] {
            assert!(
                beeps(signal)
                    .iter()
                    .all(|d| *d <= Duration::from_millis(300))
            );
        }
    }

    #[test]
    fn only_fitted_buttons_are_claimed() {
        let pins = ButtonPins {
            next: Some(17),
            r#break: Some(27),
            ..ButtonPins::default()
        };
        assert_eq!(
            pins.assigned().collect::<Vec<_>>(),
            vec![(Button::Next, 17), (Button::Break, 27)]
        );
    }

    #[test]
    fn errors_name_the_pin() {
        let error = gpio_error(
            GpioError::PinUsed(17),
            pin_label(17, button_role(Button::Next)),
        );
        assert_eq!(
            error.to_string(),
            "kortläsaren GPIO 17 (knappen Nästa) går inte att använda: \
             används redan (samma pin två gånger i inställningarna?)"
        );
    }
}
