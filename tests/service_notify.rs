//! Under systemd (`Type=notify`): the central server and the headless kiosk,
//! as real processes, tell a socket standing in for systemd's that they are
//! ready, and the kiosk pings its watchdog (`crates/kiosk/src/watchdog.rs` tests
//! that the pings stop when the input thread stops answering).

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_motesskylt");

/// A socket like systemd's `NOTIFY_SOCKET`, in `dir`.
fn systemd_socket(dir: &Path) -> (UnixDatagram, PathBuf) {
    let path = dir.join("notify");
    let socket = UnixDatagram::bind(&path).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    (socket, path)
}

/// Every message that arrives within `wait`.
fn messages(socket: &UnixDatagram, wait: Duration) -> Vec<String> {
    let until = Instant::now() + wait;
    let mut got = Vec::new();
    let mut buffer = [0u8; 1024];
    while Instant::now() < until {
        if let Ok(n) = socket.recv(&mut buffer) {
            got.push(String::from_utf8_lossy(&buffer[..n]).into_owned());
        }
    }
    got
}

/// The first message, waiting for the process to start.
fn first(socket: &UnixDatagram) -> String {
    let until = Instant::now() + Duration::from_secs(30);
    let mut buffer = [0u8; 1024];
    while Instant::now() < until {
        if let Ok(n) = socket.recv(&mut buffer) {
            return String::from_utf8_lossy(&buffer[..n]).into_owned();
        }
    }
    panic!("nothing was told to systemd in 30 s");
}

/// A headless kiosk on the seed notice, told of systemd's socket `notify`.
fn kiosk(config: &Path, notify: &Path, env: &[(&str, &str)]) -> Child {
    let notice = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/seeds/000-kallelse-sro-2026-06-04.md");
    Command::new(BIN)
        .args(["kiosk", "--headless", "--config"])
        .arg(config)
        .arg("--notice")
        .arg(notice)
        .env("NOTIFY_SOCKET", notify)
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn stop(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn the_central_server_says_ready_with_its_address() {
    let dir = tempfile::tempdir().unwrap();
    let (socket, path) = systemd_socket(dir.path());
    let config = dir.path().join("central.toml");
    std::fs::write(
        &config,
        format!(
            "[server]\nlisten = \"127.0.0.1:0\"\ndatabase = \"{}\"\n",
            dir.path().join("central.sqlite").display()
        ),
    )
    .unwrap();
    let mut child = Command::new(BIN)
        .args(["central", "--config"])
        .arg(&config)
        .env("NOTIFY_SOCKET", &path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let address = line.trim().rsplit(' ').next().unwrap().to_string();
    let ready = first(&socket);
    stop(child);
    assert_eq!(ready, format!("READY=1\nSTATUS=lyssnar på {address}"));
}

#[test]
fn the_headless_kiosk_says_ready_and_pings_its_watchdog() {
    let dir = tempfile::tempdir().unwrap();
    let (socket, path) = systemd_socket(dir.path());
    let config = dir.path().join("kiosk.toml");
    std::fs::write(
        &config,
        format!(
            "[kiosk]\ndata_dir = \"{}\"\ndevice = \"dorr-1\"\n",
            dir.path().join("data").display()
        ),
    )
    .unwrap();
    // 400 ms: pings every 200 ms.
    let mut child = kiosk(&config, &path, &[("WATCHDOG_USEC", "400000")]);
    let ready = first(&socket);
    assert_eq!(ready, "READY=1\nSTATUS=utan skärm");
    let got = messages(&socket, Duration::from_secs(1));
    let pings = got.iter().filter(|m| *m == "WATCHDOG=1").count();
    assert!(pings >= 2, "a ping every 200 ms: {got:?}");
    assert!(got.iter().all(|m| m == "WATCHDOG=1"), "{got:?}");

    writeln!(child.stdin.as_mut().unwrap(), "quit").unwrap();
    assert!(child.wait().unwrap().success());
    messages(&socket, Duration::from_millis(300));

    // A watchdog set for another process (WATCHDOG_PID) is not this one's.
    let mut child = kiosk(
        &config,
        &path,
        &[("WATCHDOG_USEC", "400000"), ("WATCHDOG_PID", "1")],
    );
    assert_eq!(first(&socket), "READY=1\nSTATUS=utan skärm");
    let got = messages(&socket, Duration::from_secs(1));
    writeln!(child.stdin.as_mut().unwrap(), "quit").unwrap();
    assert!(child.wait().unwrap().success());
    assert!(got.is_empty(), "{got:?}");
}
