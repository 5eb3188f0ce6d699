//! The command line as `shared/contract.md` promises it: the real binary,
//! its JSON, its exit codes and its `FILE:LINE: problem` lines.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn notice() -> PathBuf {
    fixture("seeds/000-kallelse-sro-2026-06-04.md")
}

fn events() -> PathBuf {
    fixture("events-sro-2026-06-04.jsonl")
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_motesskylt"))
        .args(args)
        .env_remove("MOTESSKYLT_TZ")
        .output()
        .expect("the binary runs")
}

fn arg(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn json(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("stdout is JSON")
}

fn stderr_lines(output: &Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stderr)
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn import_json_has_the_contract_shape() {
    let m = json(&run(&["import", arg(&notice()), "--json"]));
    assert_eq!(m["body"], "SRO");
    assert_eq!(m["date"], "2026-06-04");
    assert_eq!(
        (m["start"].as_str(), m["end"].as_str()),
        (Some("13:00"), Some("15:30"))
    );
    let marina = &m["participants"][1];
    for (key, want) in [
        ("name", Value::from("Marina Johansson")),
        ("party", Value::from("S")),
        ("organisation", Value::from("Göteborgsregionen")),
        ("side", Value::from("VGK")),
        ("category", Value::from("politician")),
        ("role", Value::from("vice_chair")),
        ("invited", Value::from(false)),
        (
            "description",
            Value::from("Göteborgsregionen, vice ordförande"),
        ),
    ] {
        assert_eq!(marina[key], want, "{key}");
    }
    let items = m["items"].as_array().unwrap();
    let item4 = &items[3];
    assert_eq!(item4["type"], "item");
    assert_eq!(item4["number"], "4");
    assert_eq!(
        (item4["start"].as_str(), item4["end"].as_str()),
        (Some("13:05"), Some("13:25"))
    );
    assert_eq!(item4["minutes"], 20);
    assert_eq!(item4["timing"], "explicit");
    assert_eq!(
        item4["presenters"][0],
        serde_json::json!({"name": "Karin Looström Muth", "organisation": "VGR"})
    );
    assert!(item4["proposal"].is_string());
    assert!(item4["documents"].is_array());
    let pause = &items[7];
    assert_eq!(pause["type"], "break");
    assert_eq!(pause["title"], "Paus");
    assert_eq!(
        (pause["start"].as_str(), pause["end"].as_str()),
        (Some("14:15"), Some("14:30"))
    );
    assert_eq!(pause["timing"], "inferred");
    let pairs: Vec<(&str, &str)> = items
        .iter()
        .map(|e| (e["start"].as_str().unwrap(), e["end"].as_str().unwrap()))
        .collect();
    for window in pairs.windows(2) {
        assert!(
            window[0].0 <= window[0].1 && window[0].1 <= window[1].0,
            "{window:?}"
        );
    }
}

#[test]
fn import_reads_word_documents_detected_by_content() {
    let renamed = tempfile::Builder::new().suffix(".txt").tempfile().unwrap();
    std::fs::copy(fixture("000-kallelse-sro-2026-06-04.docx"), renamed.path()).unwrap();
    let m = json(&run(&["import", arg(renamed.path()), "--json"]));
    assert_eq!(m["participants"].as_array().unwrap().len(), 31);
    assert_eq!(m["items"][11]["number"], "11");
}

#[test]
fn import_names_the_lines_it_did_not_use() {
    let notice = fixture("corpus/02-ks-arbetsutskott/kallelse.txt");
    let m = json(&run(&["import", arg(&notice), "--json"]));
    assert_eq!(
        m["unread"],
        serde_json::json!([
            {"line": 41, "text": "Välkomna!"},
            {"line": 42, "text": "Karin Almqvist, ordförande"}
        ])
    );
    let out = run(&["import", arg(&notice)]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(&format!(
            "Rader som inte lästes in (kontrollera att inget saknas):\n  {}:41: Välkomna!\n",
            notice.display()
        )),
        "{text}"
    );
}

#[test]
fn a_pdf_that_is_no_notice_exits_2_and_a_missing_pdf_reader_exits_1() {
    // The file's fault: a scanned notice, exit 2 with what to do.
    let scanned = fixture("notices/scanned.pdf");
    let out = run(&["import", arg(&scanned)]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("inskannad"),
        "{out:?}"
    );
    // The machine's: no pdftotext on the PATH, exit 1 naming the package.
    let pdf = fixture("corpus/07-styrgrupp/kallelse.pdf");
    let out = Command::new(env!("CARGO_BIN_EXE_motesskylt"))
        .args(["import", arg(&pdf)])
        .env("PATH", "/nonexistent")
        .output()
        .expect("the binary runs");
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("poppler-utils"), "{stderr}");
    assert!(out.stdout.is_empty());
}

#[test]
fn import_summary_is_swedish() {
    let out = run(&["import", arg(&notice())]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("SRO · 4 juni 2026 · kl. 13.00–15.30\n"),
        "{text}"
    );
    assert!(text.contains("30 kallade, 1 inbjudna"));
    assert!(text.contains("14.15–14.30  Paus (beräknad tid)"));
}

#[test]
fn bad_documents_exit_2_with_file_and_line_and_print_nothing() {
    let not_notice = fixture("seeds/003-presentation-sro.txt");
    let out = run(&["import", arg(&not_notice), "--json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let lines = stderr_lines(&out);
    assert_eq!(lines.len(), 1);
    assert!(
        lines[0].starts_with(&format!("{}: ", not_notice.display())),
        "{lines:?}"
    );

    let binary = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(binary.path(), [0x7f, b'E', b'L', b'F', 2, 1, 1, 0, 0, 0]).unwrap();
    let out = run(&["import", arg(binary.path())]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_lines(&out)[0].contains("inte ett textdokument"));

    let out = run(&["import", "/no/such/kallelse.md"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr_lines(&out),
        vec![
            "/no/such/kallelse.md: filen går inte att läsa (filen finns inte); kontrollera sökvägen och behörigheten"
        ]
    );

    let broken = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        broken.path(),
        "# Kallelse SRO\nDatum: 4 juni 2026\nTid: 13.00 – 15.30\n\n1. Öppnande\n2. Avtalet\n(20 minuter, kl. 13.25 – 13.05)\n",
    )
    .unwrap();
    let out = run(&["import", arg(broken.path())]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr_lines(&out),
        vec![format!(
            "{}:7: punkt 2 slutar (13.05) före den börjar (13.25)",
            broken.path().display()
        )]
    );
}

/// Issue 16, points 7 and 10: a roster line not understood and a notice
/// past the limits exit 2 with `FILE:LINE:` problems and print nothing.
#[test]
fn unread_roster_lines_and_huge_notices_exit_2_with_their_lines() {
    let seed = std::fs::read_to_string(notice()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let garbled = dir.path().join("kallelse.md");
    std::fs::write(&garbled, seed.replacen("Ulf Olsson", "=Ulf Olsson", 1)).unwrap();
    let line = 1 + seed
        .lines()
        .position(|l| l.starts_with("Ulf Olsson"))
        .unwrap();
    let out = run(&["import", arg(&garbled), "--json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert_eq!(
        stderr_lines(&out),
        vec![format!(
            "{}:{line}: raden står bland deltagarna men går inte att läsa som en person: \"=Ulf Olsson (S), Boråsregionen\"; skriv den som \"Förnamn Efternamn (parti), organisation\" eller ta bort den",
            garbled.display()
        )]
    );

    let crowded = dir.path().join("stor.md");
    let people: String = (0..1200)
        .map(|i| {
            format!(
                "Anna Berg-{}son (S), Göteborgsregionen, ledamot {i}\n",
                ["Ek", "Holm", "Lind"][i % 3]
            )
        })
        .collect();
    let after = "Olof Lundberg (S), Göteborgsregionen  \n";
    std::fs::write(
        &crowded,
        seed.replacen(after, &format!("{after}{people}"), 1),
    )
    .unwrap();
    let out = run(&["import", arg(&crowded), "--json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let lines = stderr_lines(&out);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with(&format!("{}:", crowded.display()))
            && lines[0].contains(": kallelsen har fler än 1000 deltagare"),
        "{lines:?}"
    );
}

/// Issue 16, point 13: a reader that has closed the pipe (`| head -1`)
/// ends a printing command quietly: exit 0, nothing on stderr, no panic.
#[test]
fn a_closed_pipe_ends_every_printing_command_quietly() {
    let closed = |args: &[&str]| -> Output {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        Command::new(env!("CARGO_BIN_EXE_motesskylt"))
            .args(args)
            .env_remove("MOTESSKYLT_TZ")
            .stdout(writer)
            .stderr(std::process::Stdio::piped())
            .output()
            .expect("the binary runs")
    };
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("central.toml");
    std::fs::write(
        &config,
        format!(
            "[server]\ndatabase = \"{}\"\n",
            dir.path().join("central.sqlite").display()
        ),
    )
    .unwrap();
    let (notice, events) = (notice(), events());
    for args in [
        vec!["import", arg(&notice), "--json"],
        vec!["import", arg(&notice)],
        vec!["status", arg(&notice), "--at", "13:20", "--json"],
        vec!["minutes", arg(&notice), "--events", arg(&events)],
        vec![
            "central",
            "--config",
            arg(&config),
            "code",
            "--room",
            "konferens-1",
        ],
        vec!["central", "--config", arg(&config), "devices"],
    ] {
        let out = closed(&args);
        assert_eq!(
            (
                out.status.code(),
                String::from_utf8_lossy(&out.stderr).as_ref()
            ),
            (Some(0), ""),
            "{args:?}"
        );
    }
}

#[test]
fn status_json_on_the_event_log_matches_the_contract_example() {
    let s = json(&run(&[
        "status",
        arg(&notice()),
        "--at",
        "2026-06-04 13:16:56",
        "--events",
        arg(&events()),
        "--json",
    ]));
    assert_eq!(s["phase"], "item");
    assert_eq!(s["item"]["number"], "4");
    assert_eq!(s["item"]["presenters"].as_array().unwrap().len(), 4);
    assert_eq!(s["remaining_s"], 754);
    assert_eq!(s["overtime_s"], 0);
    assert_eq!(s["offset_s"], 270);
    assert_eq!(s["projected_end"], "15:34");
    assert_eq!(s["next"]["number"], "5");
    assert_eq!(s["present"], 17);
    assert_eq!(s["expected"], 30);
}

#[test]
fn status_accepts_every_time_form_and_follows_the_plan_without_a_log() {
    for at in [
        "13:10",
        "13.10",
        "2026-06-04 13:10",
        "2026-06-04T13:10:00+02:00",
        "2026-06-04T11:10:00Z",
    ] {
        let s = json(&run(&["status", arg(&notice()), "--at", at, "--json"]));
        assert_eq!(s["item"]["number"], "4", "{at}");
        assert_eq!(s["remaining_s"], 900, "{at}");
        assert_eq!(s["offset_s"], 0, "{at}");
    }
    let out = run(&["status", arg(&notice()), "--at", "14:20"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Paus – åter 14.30"), "{text}");
    let out = run(&["status", arg(&notice()), "--at", "halv två"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_lines(&out)[0].starts_with("--at: tiden \"halv två\""));
}

#[test]
fn a_bad_event_log_exits_2_naming_every_bad_line() {
    let log = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        log.path(),
        concat!(
            "{\"at\": \"2026-06-04T13:07:00+02:00\", \"type\": \"meeting_started\"}\n",
            "{\"at\": \"2026-06-04T13:09:30+02:00\", \"type\": \"item_started\", \"item\": \"44\"}\n",
            "{\"at\": \"2026-06-04T13:10:00+02:00\", \"type\": \"checked_in\", \"person\": \"Okänd Person\", \"source\": \"nfc\"}\n",
        ),
    )
    .unwrap();
    let out = run(&["minutes", arg(&notice()), "--events", arg(log.path())]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let lines = stderr_lines(&out);
    let prefix = log.path().display().to_string();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[0].starts_with(&format!("{prefix}:2: punkt \"44\" finns inte")),
        "{lines:?}"
    );
    assert!(
        lines[1].starts_with(&format!("{prefix}:3: \"Okänd Person\"")),
        "{lines:?}"
    );

    std::fs::write(
        log.path(),
        "{\"at\": \"2026-06-04T13:07:00+02:00\", \"type\": \"meeting_started\"}\n{oops\n",
    )
    .unwrap();
    let out = run(&[
        "status",
        arg(&notice()),
        "--at",
        "13:10",
        "--events",
        arg(log.path()),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_lines(&out)[0].starts_with(&format!("{prefix}:2: raden är inte giltig JSON")));
}

#[test]
fn minutes_paragraph_from_the_event_log() {
    let out = run(&["minutes", arg(&notice()), "--events", arg(&events())]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let expected = std::fs::read_to_string(fixture("minutes-sro-2026-06-04.txt")).unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), expected);
}

#[test]
fn demo_shows_the_embedded_meeting_today() {
    let out = run(&["demo", "--frames", "1"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("SRO · "), "{text}");
    // Before 21.25 local time the meeting has not begun (it starts a few
    // minutes from now); later it is moved to end by midnight and runs.
    assert!(
        text.contains("Börjar om 0") || text.contains("Punkt "),
        "{text}"
    );
    assert!(text.contains("Incheckade: 0 av 30"), "{text}");
}

/// Decodes a PNG written by `render`: (width, height, RGB bytes).
fn read_png(path: &Path) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    assert_eq!(info.color_type, png::ColorType::Rgb);
    (info.width, info.height, buf)
}

fn pixels_of(rgb: &[u8], colour: [u8; 3]) -> usize {
    rgb.chunks(3).filter(|p| *p == colour).count()
}

#[test]
fn render_writes_a_png_of_the_screen_at_the_moment() {
    let dir = tempfile::tempdir().unwrap();
    let shot = dir.path().join("skarm.png");
    let (notice, events) = (notice(), events());
    // 13.26: item 4 has 3.5 minutes left, calm by default.
    let args = |extra: &[&str]| {
        let mut a = vec![
            "render",
            arg(&notice),
            "--at",
            "13:26",
            "--events",
            arg(&events),
            "--out",
            arg(&shot),
        ];
        a.extend_from_slice(extra);
        run(&a)
    };
    let out = args(&[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (w, h, calm) = read_png(&shot);
    assert_eq!((w, h), (800, 480), "the contract's default size");
    let green = [0x3e, 0xcf, 0x8e];
    let amber = [0xf5, 0xa5, 0x24];
    assert!(pixels_of(&calm, green) > 3000);

    // With five minutes of wrap-up the same moment reads "Snart slut".
    let out = args(&["--wrap-up", "5", "--size", "480x800", "--lang", "en"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (w, h, wrap) = read_png(&shot);
    assert_eq!((w, h), (480, 800));
    assert!(pixels_of(&wrap, amber) > 3000);
    // The SRO's politicians are its members: the quorum line's stripe is
    // green too (a thin bar), the timer is not.
    assert!(
        pixels_of(&wrap, green) < 400,
        "only the footer's dot and the quorum line's stripe may be green"
    );
}

#[test]
fn render_refuses_bad_arguments_with_exit_2_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let shot = dir.path().join("skarm.png");
    let notice = notice();
    for (extra, named) in [
        (vec!["--size", "stor"], "--size"),
        (vec!["--size", "100x100"], "--size"),
        (
            vec!["--screen", "welcome", "--person", "Ingen Alls"],
            "--person",
        ),
        // Digits are the card reader's, never the name list's search.
        (vec!["--screen", "names", "--search", "j1"], "--search"),
        (vec!["--search", "ja"], "--search"),
    ] {
        let mut a = vec!["render", arg(&notice), "--at", "13:20", "--out", arg(&shot)];
        a.extend(extra);
        let out = run(&a);
        assert_eq!(out.status.code(), Some(2), "{named}");
        assert!(
            stderr_lines(&out)[0].starts_with(named),
            "{:?}",
            stderr_lines(&out)
        );
        assert!(!shot.exists(), "{named}: a picture was written");
    }
}

/// A kiosk configuration in a fresh directory; returns (dir, config path).
fn kiosk_config(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("kiosk.toml");
    let text = text.replace("DATA", arg(&dir.path().join("data")));
    std::fs::write(&config, text).unwrap();
    (dir, config)
}

#[test]
fn a_bad_kiosk_configuration_exits_2_with_its_line_and_creates_nothing() {
    let (dir, config) = kiosk_config("[kiosk]\ndata_dir = \"DATA\"\n\n[door]\npin = \"12\"\n");
    let output = run(&[
        "kiosk",
        "--headless",
        "--config",
        arg(&config),
        "--notice",
        arg(&notice()),
    ]);
    assert_eq!(output.status.code(), Some(2));
    let lines = stderr_lines(&output);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with(&format!("{}:5:", config.display())),
        "{lines:?}"
    );
    assert!(lines[0].contains("fyra siffror"), "{lines:?}");
    assert!(!dir.path().join("data").exists(), "nothing is written");

    // No notice anywhere: said with what to write.
    let (_dir, config) = kiosk_config("[kiosk]\ndata_dir = \"DATA\"\n");
    let output = run(&["kiosk", "--headless", "--config", arg(&config)]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_lines(&output)[0].contains("notice ="), "{output:?}");
    assert!(stderr_lines(&output)[0].contains("[sync]"), "{output:?}");

    // In a room (issue 18) no notice is needed: the room's schedule comes
    // from the central server.
    let (_dir, config) = kiosk_config(
        "[kiosk]\ndata_dir = \"DATA\"\n[sync]\ncentral = \"https://motesskylt.example.se\"\nenrol_code = \"K7QX-M2PD\"\n",
    );
    let output = run(&["kiosk", "--check", "--config", arg(&config)]);
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{output:?}");
    assert!(
        said.contains("möten: rummets schema från centralen"),
        "{said}"
    );
}

/// The shipped `config/kiosk.toml`, its data in `dir` and the test's notice.
fn shipped_kiosk_config(dir: &Path) -> String {
    let text = std::fs::read_to_string(fixture("../../config/kiosk.toml")).unwrap();
    text.replace(
        "data_dir = \"/var/lib/motesskylt\"",
        &format!("data_dir = \"{}\"", dir.join("data").display()),
    )
    .replace(
        "# notice = \"/etc/motesskylt/kallelse.md\"",
        &format!("notice = \"{}\"", notice().display()),
    )
}

#[test]
fn kiosk_check_passes_the_shipped_configuration_and_names_each_broken_line() {
    let dir = tempfile::tempdir().unwrap();
    let good = shipped_kiosk_config(dir.path());
    let config = dir.path().join("kiosk.toml");
    std::fs::write(&config, &good).unwrap();
    let output = run(&["kiosk", "--check", "--config", arg(&config)]);
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{output:?}");
    assert!(said.contains("i ordning"), "{said}");
    assert!(said.contains("SRO 2026-06-04"), "{said}");
    assert!(said.contains("pn532-uart på /dev/ttyAMA0"), "{said}");
    assert!(said.contains("synk: ingen"), "{said}");
    assert!(!dir.path().join("data").exists(), "a check creates nothing");

    // Each mistake an IT person might make in the shipped file: the line
    // it is on, and words that say what to write.
    let mistakes = [
        ("language = \"sv\"", "language = \"de\"", "sv"),
        (
            "double_tap_seconds = 2",
            "double_tap_seconds = \"två\"",
            "ett heltal",
        ),
        (
            "kind = \"pn532-uart\"",
            "kind = \"pn532-usb\"",
            "pn532-uart",
        ),
        (
            "device = \"/dev/ttyAMA0\"",
            "devise = \"/dev/ttyAMA0\"",
            "devise",
        ),
        ("# pin = \"2468\"", "pin = \"24\"", "fyra siffror"),
        (
            "# central = \"https://motesskylt.example.se\"",
            "central = \"motesskylt.example.se\"",
            "webbadress",
        ),
        ("# batch = 200", "batch = 0", "sync.batch"),
        ("wrap_up_minutes = 2", "wrap_up_minutes = 2\"", "för mycket"),
    ];
    for (from, to, words) in mistakes {
        let at = good
            .find(from)
            .unwrap_or_else(|| panic!("{from} is in the shipped file"));
        let line = good[..at].matches('\n').count() + 1;
        std::fs::write(&config, good.replacen(from, to, 1)).unwrap();
        let output = run(&["kiosk", "--check", "--config", arg(&config)]);
        assert_eq!(output.status.code(), Some(2), "{to}: {output:?}");
        let lines = stderr_lines(&output);
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(
            lines[0].starts_with(&format!("{}:{line}:", config.display())),
            "{to} is on line {line}: {lines:?}"
        );
        assert!(lines[0].contains(words), "{to}: {lines:?}");
        assert!(output.stdout.is_empty(), "{to}: {output:?}");
    }

    // A notice that is not there is named as such.
    std::fs::write(
        &config,
        good.replace(arg(&notice()), "/nowhere/kallelse.md"),
    )
    .unwrap();
    let output = run(&["kiosk", "--check", "--config", arg(&config)]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr_lines(&output)[0].starts_with("/nowhere/kallelse.md"),
        "{output:?}"
    );
    assert!(!dir.path().join("data").exists(), "nothing was created");
}

#[test]
fn export_check_and_card_hash_work_on_a_kiosks_data() {
    let (dir, config) = kiosk_config("[kiosk]\ndata_dir = \"DATA\"\n");
    let data = dir.path().join("data");
    // Nothing to export yet: exit 2, and no store is created by asking.
    let missing = run(&["export", arg(&data)]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(!data.join("motesskylt.sqlite").exists());
    // No card key yet: card-hash does not make one up.
    let no_key = run(&["card-hash", "--config", arg(&config), "04A1B2C3"]);
    assert_eq!(no_key.status.code(), Some(2));
    assert!(!data.join("card.key").exists());

    // The kiosk records a check-in by name, headless.
    let mut kiosk = Command::new(env!("CARGO_BIN_EXE_motesskylt"))
        .args([
            "kiosk",
            "--headless",
            "--config",
            arg(&config),
            "--notice",
            arg(&notice()),
        ])
        .args(["--clock", "2026-06-04 12:50"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let stdin = kiosk.stdin.as_mut().unwrap();
        writeln!(stdin, "open-picker\npick Olof Lundberg\nquit").unwrap();
    }
    assert!(kiosk.wait().unwrap().success());

    let export = run(&["export", arg(&data)]);
    assert!(export.status.success(), "{export:?}");
    let lines: Vec<Value> = String::from_utf8(export.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["type"], "checked_in");
    assert_eq!(lines[0]["person"], "Olof Lundberg");
    assert_eq!(lines[0]["source"], "touch");
    assert_eq!(lines[0]["seq"], 1);

    let check = run(&["store", "check", arg(&data)]);
    let text = String::from_utf8(check.stdout).unwrap();
    assert!(check.status.success());
    assert!(text.contains("SRO-2026-06-04: 1 händelser"), "{text}");
    assert!(text.contains("osynkade händelser: 1"), "{text}");

    // The kiosk made the site's key; the hash is stable and not the UID.
    let hash = run(&["card-hash", "--config", arg(&config), "04:a1:b2:c3"]);
    assert!(hash.status.success(), "{hash:?}");
    let printed = String::from_utf8(hash.stdout).unwrap();
    assert_eq!(printed.trim().len(), 32);
    assert!(!printed.to_uppercase().contains("04A1B2C3"));
    let again = run(&["card-hash", "--config", arg(&config), "04A1B2C3"]);
    assert_eq!(again.stdout, printed.as_bytes());
    let bad = run(&["card-hash", "--config", arg(&config), "04A1B"]);
    assert_eq!(bad.status.code(), Some(2));
}

/// `motesskylt central … room add / meeting import / meetings` as the
/// contract writes them: two meetings of one body on one day are two
/// meetings with ids of their own; an overlap is refused (exit 2) naming
/// the other, nothing stored; `--date`/`--start` move the whole meeting;
/// `--replace` names the one replaced; the listing is by date and start.
#[test]
fn meetings_live_in_rooms_with_ids_of_their_own() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("central.toml");
    std::fs::write(
        &config,
        format!(
            "[server]\ndatabase = \"{}\"\n",
            dir.path().join("central.sqlite").display()
        ),
    )
    .unwrap();
    let notice = notice();
    let central = |more: &[&str]| {
        let mut args = vec!["central", "--config", arg(&config)];
        args.extend_from_slice(more);
        run(&args)
    };
    let ok = |out: Output| -> String {
        assert!(
            out.status.success(),
            "stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    ok(central(&[
        "room",
        "add",
        "vanern",
        "--name",
        "Sal Vänern",
        "--screen",
        "open",
    ]));
    let imported = json(&run(&["import", arg(&notice), "--json"]));

    // The afternoon as written, printed as import --json does, plus id and room.
    let afternoon = json(&central(&[
        "meeting",
        "import",
        arg(&notice),
        "--room",
        "vanern",
        "--json",
    ]));
    assert_eq!(afternoon["id"], "SRO-2026-06-04-1300");
    assert_eq!(afternoon["room"], "vanern");
    let mut as_imported = afternoon.clone();
    as_imported.as_object_mut().unwrap().remove("id");
    as_imported.as_object_mut().unwrap().remove("room");
    assert_eq!(as_imported, imported);

    // The same body's morning meeting the same day: another meeting.
    let morning = ok(central(&[
        "meeting",
        "import",
        arg(&notice),
        "--room",
        "vanern",
        "--start",
        "09:00",
    ]));
    assert_eq!(morning.trim(), "SRO-2026-06-04-0900");

    // At the afternoon's time again: refused, naming it, nothing stored.
    let refused = central(&["meeting", "import", arg(&notice), "--room", "vanern"]);
    assert_eq!(refused.status.code(), Some(2));
    let why = String::from_utf8_lossy(&refused.stderr);
    assert!(
        why.contains("SRO-2026-06-04-1300") && why.contains("--replace"),
        "{why}"
    );

    // Tomorrow, moved as a whole: every time shifts by the same amount.
    let tomorrow = json(&central(&[
        "meeting",
        "import",
        arg(&notice),
        "--room",
        "vanern",
        "--date",
        "2026-06-05",
        "--start",
        "10:00",
        "--json",
    ]));
    assert_eq!(tomorrow["id"], "SRO-2026-06-05-1000");
    assert_eq!(
        (tomorrow["date"].as_str(), tomorrow["start"].as_str()),
        (Some("2026-06-05"), Some("10:00"))
    );
    let shift = |t: &Value| {
        let (h, m) = t.as_str().unwrap().split_once(':').unwrap();
        h.parse::<i64>().unwrap() * 60 + m.parse::<i64>().unwrap()
    };
    for (moved, was) in tomorrow["items"]
        .as_array()
        .unwrap()
        .iter()
        .zip(imported["items"].as_array().unwrap())
    {
        assert_eq!(
            shift(&moved["start"]) - shift(&was["start"]),
            -180,
            "{moved}"
        );
        assert_eq!(moved["title"], was["title"]);
    }

    // The listing: by date and start, with at least the contract's fields.
    let listed = json(&central(&["meetings", "--json"]));
    let ids: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "SRO-2026-06-04-0900",
            "SRO-2026-06-04-1300",
            "SRO-2026-06-05-1000"
        ]
    );
    for field in ["id", "room", "body", "date", "start", "end"] {
        assert!(listed[0].get(field).is_some(), "{field}");
    }
    assert_eq!(
        (listed[0]["start"].as_str(), listed[0]["end"].as_str()),
        (Some("09:00"), Some("11:30"))
    );
    let that_day = json(&central(&["meetings", "--date", "2026-06-05", "--json"]));
    assert_eq!(that_day.as_array().unwrap().len(), 1);
    assert!(json(&central(&["meetings", "--room", "vattern", "--json"])) == Value::Array(vec![]));
    let lines = ok(central(&["meetings", "--room", "vanern"]));
    assert_eq!(lines.lines().count(), 3);
    assert!(
        lines.starts_with("SRO-2026-06-04-0900\trum vanern\tSRO\t2026-06-04 09:00–11:30"),
        "{lines}"
    );

    // --replace the afternoon: the same body's notice again is the same meeting.
    let replaced = ok(central(&[
        "meeting",
        "import",
        arg(&notice),
        "--room",
        "vanern",
        "--replace",
        "SRO-2026-06-04-1300",
    ]));
    assert_eq!(replaced.trim(), "SRO-2026-06-04-1300");

    // Moved and cancelled by id; a bad id or notice is bad input.
    let moved = ok(central(&[
        "meeting",
        "move",
        "SRO-2026-06-05-1000",
        "--start",
        "13:00",
    ]));
    assert!(
        moved.contains("13.00") || moved.contains("13:00"),
        "{moved}"
    );
    let clash = central(&["meeting", "move", "SRO-2026-06-04-0900", "--start", "12:00"]);
    assert_eq!(clash.status.code(), Some(2));
    ok(central(&["meeting", "cancel", "SRO-2026-06-04-0900"]));
    let listed = ok(central(&["meetings", "--date", "2026-06-04"]));
    assert!(
        listed.lines().next().unwrap().ends_with("inställt"),
        "{listed}"
    );
    assert_eq!(
        central(&["meeting", "cancel", "finns-inte"]).status.code(),
        Some(2)
    );
    // Each change is in the audit log, by the command line.
    let db = rusqlite::Connection::open(dir.path().join("central.sqlite")).unwrap();
    let audited: Vec<(String, String, String)> = db
        .prepare("SELECT action, meeting, who FROM audit ORDER BY pos")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let actions: Vec<(&str, &str)> = audited
        .iter()
        .map(|(a, m, who)| {
            assert_eq!(who, "kommandoraden");
            (a.as_str(), m.as_str())
        })
        .collect();
    assert_eq!(
        actions,
        [
            ("import", "SRO-2026-06-04-1300"),
            ("import", "SRO-2026-06-04-0900"),
            ("import", "SRO-2026-06-05-1000"),
            ("import", "SRO-2026-06-04-1300"),
            ("move", "SRO-2026-06-05-1000"),
            ("cancel", "SRO-2026-06-04-0900"),
        ]
    );
    let junk = dir.path().join("junk.txt");
    std::fs::write(&junk, "Inget möte här.\n").unwrap();
    let bad = central(&["meeting", "import", arg(&junk), "--room", "vanern"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).starts_with(arg(&junk)));
}
