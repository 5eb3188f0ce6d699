//! Issue 16, logs: under systemd (standard error is the stream that
//! `JOURNAL_STREAM` names) the central server's log lines carry the
//! journal's priority prefixes, so `journalctl -p err` finds the errors;
//! with standard error elsewhere they are tracing's plain lines.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// The central server's standard error lines until it says it listens
/// (or five seconds pass); `journal` sets `JOURNAL_STREAM` to name its
/// standard error (or, when false, some other stream).
fn first_lines(journal: bool) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("central.toml");
    std::fs::write(
        &config,
        format!(
            "[server]\nlisten = \"127.0.0.1:0\"\ndatabase = \"{}\"\n",
            dir.path().join("central.sqlite").display()
        ),
    )
    .unwrap();
    let (reader, writer) = std::io::pipe().unwrap();
    let stat = nix::sys::stat::fstat(std::os::fd::AsRawFd::as_raw_fd(&writer)).unwrap();
    let stream = if journal {
        format!("{}:{}", stat.st_dev, stat.st_ino)
    } else {
        format!("{}:{}", stat.st_dev, stat.st_ino + 1)
    };
    let mut child = Command::new(env!("CARGO_BIN_EXE_motesskylt"))
        .args(["central", "--config"])
        .arg(&config)
        .env("JOURNAL_STREAM", stream)
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(writer)
        .spawn()
        .unwrap();
    let (lines, received) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(reader).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                return;
            }
        }
    });
    let mut seen = Vec::new();
    while let Ok(line) = received.recv_timeout(Duration::from_secs(5)) {
        let listening = line.contains("central server listening");
        seen.push(line);
        if listening {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    seen
}

#[test]
fn the_central_server_logs_with_journal_priorities_under_systemd() {
    let lines = first_lines(true);
    let listening = lines
        .iter()
        .find(|l| l.contains("central server listening"))
        .unwrap_or_else(|| panic!("no listening line: {lines:?}"));
    assert!(listening.starts_with("<6>"), "{lines:?}");
    assert!(
        lines.iter().all(|l| ["<3>", "<4>", "<6>", "<7>"]
            .iter()
            .any(|p| l.starts_with(p))),
        "every line has its priority: {lines:?}"
    );
    assert!(
        !listening.contains("INFO") && !listening.contains('\u{1b}'),
        "{listening}"
    );
}

#[test]
fn elsewhere_the_lines_are_plain() {
    let lines = first_lines(false);
    let listening = lines
        .iter()
        .find(|l| l.contains("central server listening"))
        .unwrap_or_else(|| panic!("no listening line: {lines:?}"));
    assert!(!listening.starts_with('<'), "{listening}");
    assert!(listening.contains("INFO"), "{listening}");
}
