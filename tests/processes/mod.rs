//! Real processes of the end-to-end tests: the headless kiosk, driven
//! through its standard input and read from its JSON lines.
//!
//! A test file takes it with `mod processes;` beside what is its own (a
//! central server on SQLite, or several on PostgreSQL behind a balancer).

// Every test binary compiles this module and uses only part of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_motesskylt");

/// The SRO notice of 4 June 2026 (seed 000).
pub fn notice() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/seeds/000-kallelse-sro-2026-06-04.md")
}

/// The lines `pipe` gives, read by a thread of their own.
pub fn lines_of(pipe: impl std::io::Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// A headless kiosk syncing with the central server.
pub struct Kiosk {
    pub child: Child,
    pub stdin: ChildStdin,
    pub lines: Receiver<String>,
    /// Every event id this kiosk learned from others.
    pub learned: Vec<String>,
    /// The item titles of the newest meeting version it was told of.
    pub titles: Vec<String>,
    /// The newest sync state seen.
    pub sync: Value,
    /// Every meeting the door held and what it said (`open`, `free`,
    /// `cancelled`), from the ready line and each line of a change.
    pub shown: Vec<(String, String)>,
}

impl Kiosk {
    /// A kiosk of `dir` named `name` syncing with the central server on
    /// `port`, enrolling with `code`.
    pub fn start(dir: &Path, name: &str, port: u16, code: &str) -> Kiosk {
        Self::start_at(dir, name, &format!("http://127.0.0.1:{port}"), code)
    }

    /// A kiosk of `dir` named `name` syncing with the central server at
    /// `central` (a balancer in front of several), enrolling with `code`.
    pub fn start_at(dir: &Path, name: &str, central: &str, code: &str) -> Kiosk {
        let sync = format!(
            "central = \"{central}\"\nenrol_code = \"{code}\"\nbatch = 5\nidle_seconds = 2\nretry_max_seconds = 1\n"
        );
        Self::run(dir, name, &sync)
    }

    /// A headless kiosk of `dir` named `name` with `sync` as its `[sync]`
    /// section, on the fixtures' meeting at 12.50.
    pub fn run(dir: &Path, name: &str, sync: &str) -> Kiosk {
        let notice = notice();
        let args = [
            "--notice",
            notice.to_str().unwrap(),
            "--clock",
            "2026-06-04 12:50",
        ];
        Self::spawn(dir, name, sync, &args)
    }

    /// A headless kiosk of `dir` named `name` with `sync` as its `[sync]`
    /// section and `args` on its command line.
    pub fn spawn(dir: &Path, name: &str, sync: &str, args: &[&str]) -> Kiosk {
        let config = dir.join(format!("{name}.toml"));
        std::fs::write(
            &config,
            format!(
                "[kiosk]\ndata_dir = \"{}\"\ndevice = \"{name}\"\n[reader]\nkind = \"none\"\n[sync]\n{sync}",
                dir.join(name).display()
            ),
        )
        .unwrap();
        let mut child = Command::new(BIN)
            .args(["kiosk", "--headless", "--config"])
            .arg(&config)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(dir.join(format!("{name}.log"))).unwrap())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let lines = lines_of(child.stdout.take().unwrap());
        Kiosk {
            child,
            stdin,
            lines,
            learned: Vec::new(),
            titles: Vec::new(),
            sync: Value::Null,
            shown: Vec::new(),
        }
    }

    /// The next line, keeping note of sync lines.
    pub fn next(&mut self, within: Duration) -> Option<Value> {
        let line = self.lines.recv_timeout(within).ok()?;
        let value: Value = serde_json::from_str(&line).unwrap();
        if !value["sync"].is_null() {
            self.sync = value["sync"].clone();
        }
        if let (Some(id), Some(door)) = (value["meeting"].as_str(), value["door"].as_str()) {
            self.shown.push((id.into(), door.into()));
        }
        if let (Some(id), Some(door)) = (
            value["meeting"]["id"].as_str(),
            value["meeting"]["door"].as_str(),
        ) {
            self.shown.push((id.into(), door.into()));
        }
        // The ready line, and a new version from the secretary's pages.
        for items in [&value["items"], &value["meeting"]["items"]] {
            if let Some(items) = items.as_array() {
                self.titles = items
                    .iter()
                    .map(|t| t.as_str().unwrap().to_string())
                    .collect();
            }
        }
        if let Some(learned) = value["learned"].as_array() {
            self.learned.extend(
                learned
                    .iter()
                    .map(|e| e["id"].as_str().unwrap().to_string()),
            );
        }
        Some(value)
    }

    /// Waits (at most 30 s) until `done` holds for this kiosk.
    pub fn until(&mut self, what: &str, done: impl Fn(&Kiosk) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !done(self) {
            assert!(
                Instant::now() < deadline,
                "waited 30 s for {what}; sync: {}",
                self.sync
            );
            self.next(Duration::from_millis(200));
        }
    }

    /// Sends a command and returns the ids of the events its answer stored.
    pub fn stored(&mut self, command: &str) -> Vec<String> {
        writeln!(self.stdin, "{command}").unwrap();
        self.stdin.flush().unwrap();
        loop {
            let value = self
                .next(Duration::from_secs(20))
                .unwrap_or_else(|| panic!("no answer to {command}; sync: {}", self.sync));
            if value["sync"].is_null()
                && value["meeting"].is_null()
                && value["learned"].as_array().is_none_or(|l| l.is_empty())
            {
                return value["stored"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| e["id"].as_str().unwrap().to_string())
                    .collect();
            }
        }
    }

    pub fn online(&self) -> bool {
        self.sync["online"] == true
    }

    pub fn unsent(&self) -> i64 {
        self.sync["unsent"].as_i64().unwrap_or(-1)
    }
}

impl Drop for Kiosk {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
