//! The meeting's record through the user's paths (issue 15, points 6, 7,
//! 9 and 12): a headless kiosk records into its store, `export` reads the
//! store, and the minutes and the exports must say what the door and the
//! screen said.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_motesskylt");

fn notice() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/seeds/000-kallelse-sro-2026-06-04.md")
}

struct Site {
    dir: tempfile::TempDir,
    config: PathBuf,
}

impl Site {
    fn new() -> Site {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("kiosk.toml");
        std::fs::write(
            &config,
            format!(
                "[kiosk]\ndata_dir = \"{}\"\ndevice = \"dorr-test\"\nnotice = \"{}\"\n\n[door]\npin = \"2468\"\n",
                dir.path().join("data").display(),
                notice().display()
            ),
        )
        .unwrap();
        Site { dir, config }
    }

    fn start(&self, clock: &str) -> Kiosk {
        let mut child = Command::new(BIN)
            .args(["kiosk", "--headless", "--config"])
            .arg(&self.config)
            .args(["--clock", clock])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut kiosk = Kiosk {
            child,
            stdin: Some(stdin),
            lines,
        };
        assert_eq!(kiosk.next()["ready"], true);
        kiosk
    }

    /// `motesskylt export DATA [--format F]`.
    fn export(&self, format: Option<&str>) -> String {
        let mut command = Command::new(BIN);
        command.arg("export").arg(self.dir.path().join("data"));
        if let Some(format) = format {
            command.args(["--format", format]);
        }
        let output = command.output().unwrap();
        assert!(output.status.success(), "{output:?}");
        String::from_utf8(output.stdout).unwrap()
    }

    fn minutes(&self) -> String {
        let log = self.dir.path().join("logg.jsonl");
        std::fs::write(&log, self.export(None)).unwrap();
        let output = Command::new(BIN)
            .arg("minutes")
            .arg(notice())
            .arg("--events")
            .arg(&log)
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        String::from_utf8(output.stdout).unwrap()
    }
}

struct Kiosk {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
}

impl Kiosk {
    fn next(&mut self) -> Value {
        let line = self
            .lines
            .recv_timeout(Duration::from_secs(20))
            .expect("the kiosk answers within 20 s");
        serde_json::from_str(&line).unwrap()
    }

    fn say(&mut self, command: &str) -> Value {
        let stdin = self.stdin.as_mut().unwrap();
        writeln!(stdin, "{command}").unwrap();
        stdin.flush().unwrap();
        self.next()
    }

    /// A tap by name on the touch screen: the list, then the name.
    fn tap(&mut self, name: &str) -> Value {
        self.say("open-picker");
        self.say(&format!("pick {name}"))
    }

    fn quit(mut self) {
        let stdin = self.stdin.as_mut().unwrap();
        let _ = writeln!(stdin, "quit");
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}

fn stored(answer: &Value) -> Vec<String> {
    answer["stored"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_string())
        .collect()
}

const NAME: &str = "Marina Johansson";

fn pause(seconds: f64) {
    std::thread::sleep(Duration::from_secs_f64(seconds));
}

/// Point 9: the kiosk restarted with its clock 20 minutes back. The door
/// answers "Utcheckad"; the minutes and the attendance export read from the
/// same store say the person left (at the check-in's moment, not before
/// it). Point 12 on the way: a tap 3 s after checking out asks again.
#[test]
fn a_clock_stepped_back_the_door_and_the_exports_agree() {
    let site = Site::new();
    let mut kiosk = site.start("2026-06-04 12:58");
    kiosk.say("next");
    let welcome = kiosk.tap(NAME);
    assert_eq!(welcome["door"], "welcome", "{welcome}");
    kiosk.quit();

    let mut kiosk = site.start("2026-06-04 12:40");
    let ask = kiosk.tap(NAME);
    assert_eq!(ask["door"], "already_in", "{ask}");
    pause(2.5);
    let out = kiosk.tap(NAME);
    assert_eq!(out["door"], "checked_out", "{out}");
    assert_eq!(stored(&out), vec!["checked_out"]);
    // Point 12: a tap 3 s later does not check her straight back in.
    pause(3.0);
    let again = kiosk.tap(NAME);
    assert_eq!(again["door"], "already_out", "{again}");
    assert!(stored(&again).is_empty(), "{again}");
    kiosk.quit();

    let minutes = site.minutes();
    assert!(
        minutes.contains(&format!("Lämnar mötet klockan 12.58: {NAME}.")),
        "{minutes}"
    );
    let csv = site.export(Some("attendance-csv"));
    let row = csv.lines().find(|l| l.starts_with(NAME)).expect("her row");
    let cells: Vec<&str> = row.split(';').collect();
    assert_eq!(cells[4], "ja", "present: {row}");
    assert_eq!(cells[6], "12.58", "last out: {row}");
}

/// Point 6: during item 4, `break` then `next`: item 5 runs, the agenda
/// export has the break as a row of its own after item 4, and the planned
/// Paus (after item 7) is not held.
#[test]
fn an_unplanned_break_stays_its_own_entry_in_the_agenda_export() {
    let site = Site::new();
    let mut kiosk = site.start("2026-06-04 13:10");
    let pause = kiosk.say("break");
    assert_eq!(
        stored(&pause).last().map(String::as_str),
        Some("break_started")
    );
    let next = kiosk.say("next");
    assert_eq!(next["stored"][0]["item"], "5", "{next}");
    kiosk.quit();
    let csv = site.export(Some("agenda-csv"));
    let rows: Vec<Vec<&str>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(';').collect())
        .collect();
    let four = rows.iter().position(|r| r[0] == "4").unwrap();
    assert_eq!(rows[four + 1][1], "Paus", "{csv}");
    assert_eq!(rows[four + 1][2], "", "not planned: {csv}");
    assert_eq!(rows[four + 2][0], "5", "{csv}");
    let planned = rows
        .iter()
        .find(|r| r[0].is_empty() && !r[2].is_empty())
        .unwrap();
    assert!(planned[6].starts_with("ej behandlad"), "{csv}");
    for n in ["6", "7"] {
        let row = rows.iter().find(|r| r[0] == n).unwrap();
        assert!(row[6].starts_with("ej behandlad"), "item {n}: {csv}");
    }
}

/// Point 7: someone in and out before the start, and someone who first
/// came after the end, are not present; no leaving before the start.
#[test]
fn minutes_leave_out_those_not_there_between_start_and_end() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("logg.jsonl");
    std::fs::write(
        &log,
        r#"{"at": "2026-06-04T12:40:00+02:00", "type": "checked_in", "person": "Olof Lundberg", "source": "nfc"}
{"at": "2026-06-04T12:44:00+02:00", "type": "checked_out", "person": "Olof Lundberg", "source": "nfc"}
{"at": "2026-06-04T12:55:00+02:00", "type": "checked_in", "person": "Marina Johansson", "source": "nfc"}
{"at": "2026-06-04T13:07:00+02:00", "type": "meeting_started"}
{"at": "2026-06-04T15:34:00+02:00", "type": "meeting_ended"}
{"at": "2026-06-04T15:40:00+02:00", "type": "checked_in", "person": "Ulf Olsson", "source": "nfc"}
"#,
    )
    .unwrap();
    let output = Command::new(BIN)
        .arg("minutes")
        .arg(notice())
        .arg("--events")
        .arg(&log)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let minutes = String::from_utf8(output.stdout).unwrap();
    assert!(
        minutes.starts_with("Närvarande: Marina Johansson.\n"),
        "{minutes}"
    );
    let absent = minutes
        .lines()
        .find(|l| l.starts_with("Frånvaro:"))
        .unwrap();
    assert!(
        absent.contains("Olof Lundberg") && absent.contains("Ulf Olsson"),
        "{minutes}"
    );
    assert!(
        !minutes.contains("Lämnar") && !minutes.contains("Anländer"),
        "{minutes}"
    );
}
