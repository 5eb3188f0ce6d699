//! The log of the running central server and kiosk, through `tracing`.
//!
//! Under systemd, standard error is the journal's stream (`JOURNAL_STREAM`
//! names its device and inode): each line then starts with its level as
//! sd-daemon(3) writes it (`<3>` error, `<4>` warning, `<6>` info, `<7>`
//! debug and trace), without time or colour (the journal keeps both), so
//! `journalctl -p err` finds the errors. Anywhere else the lines are
//! tracing's usual ones. `RUST_LOG` chooses what is logged.

use std::fmt;

use tracing::{Event, Level, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::{Format, Writer};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// The sd-daemon(3) priority prefix of a level: `<3>` for errors.
pub fn priority(level: &Level) -> &'static str {
    match *level {
        Level::ERROR => "<3>",
        Level::WARN => "<4>",
        Level::INFO => "<6>",
        _ => "<7>",
    }
}

/// tracing's line (no time, no level word, no colour) after the
/// sd-daemon(3) priority prefix of its level.
pub struct JournalFormat {
    inner: Format<tracing_subscriber::fmt::format::Full, ()>,
}

impl Default for JournalFormat {
    fn default() -> Self {
        JournalFormat {
            inner: tracing_subscriber::fmt::format()
                .without_time()
                .with_level(false)
                .with_ansi(false),
        }
    }
}

impl<S, N> FormatEvent<S, N> for JournalFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        writer.write_str(priority(event.metadata().level()))?;
        self.inner.format_event(ctx, writer, event)
    }
}

/// Whether standard error is the journal: `JOURNAL_STREAM` ("DEV:INODE")
/// names the very stream standard error is (a child whose standard
/// error was redirected inherits the variable, not the stream).
pub fn stderr_is_journal() -> bool {
    let Ok(stat) = nix::sys::stat::fstat(std::os::fd::AsRawFd::as_raw_fd(&std::io::stderr()))
    else {
        return false;
    };
    names_stream(
        std::env::var_os("JOURNAL_STREAM").as_deref(),
        stat.st_dev,
        stat.st_ino,
    )
}

/// Whether a `JOURNAL_STREAM` value names the stream of `device` and
/// `inode`.
fn names_stream(value: Option<&std::ffi::OsStr>, device: u64, inode: u64) -> bool {
    value
        .and_then(|v| v.to_str())
        .and_then(|v| v.split_once(':'))
        .is_some_and(|(d, i)| d.parse() == Ok(device) && i.parse() == Ok(inode))
}

/// Sends the process's `tracing` events to standard error, for the
/// journal when it is the journal (see the module), with `default` as
/// the filter unless `RUST_LOG` says otherwise. A second call does
/// nothing.
pub fn init(default: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if stderr_is_journal() {
        builder.event_format(JournalFormat::default()).try_init()
    } else {
        builder
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .try_init()
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// A writer into a shared buffer.
    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("buffer").extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn each_line_starts_with_its_levels_journal_priority() {
        let buffer = Buffer::default();
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(Level::TRACE)
            .with_writer(move || writer.clone())
            .event_format(JournalFormat::default())
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            tracing::error!(room = "konferens-1", "lagringen svarar inte");
            tracing::warn!("synk: centralen svarar inte");
            tracing::info!("kortläsaren svarar igen");
            tracing::debug!("en detalj");
        });
        let text = String::from_utf8(buffer.0.lock().expect("buffer").clone()).expect("UTF-8");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4, "{text}");
        assert!(
            lines[0].starts_with("<3>") && lines[0].contains("lagringen svarar inte"),
            "{text}"
        );
        assert!(lines[0].contains("room=\"konferens-1\""), "{text}");
        assert!(lines[1].starts_with("<4>"), "{text}");
        assert!(lines[2].starts_with("<6>"), "{text}");
        assert!(lines[3].starts_with("<7>"), "{text}");
        assert!(!text.contains('\u{1b}'), "no colour: {text}");
        assert!(!text.contains("ERROR") && !text.contains("INFO"), "{text}");
    }

    #[test]
    fn journal_stream_must_name_the_stream() {
        use std::ffi::OsStr;
        assert!(names_stream(Some(OsStr::new("8:4711")), 8, 4711));
        assert!(!names_stream(Some(OsStr::new("8:4712")), 8, 4711));
        assert!(!names_stream(Some(OsStr::new("8")), 8, 4711));
        assert!(!names_stream(None, 8, 4711));
    }
}
