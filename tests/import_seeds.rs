//! The importer on the user's real documents (copies of `shared/seeds/` in
//! `tests/fixtures/seeds/`) and on a Word version of the notice.

use std::path::PathBuf;

use chrono::{NaiveDate, NaiveTime};
use motesskylt_core::kallelse::{ImportError, import_bytes, import_file};
use motesskylt_core::model::{Category, EntryType, Meeting, Role, Timing};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn seed(name: &str) -> Meeting {
    import_file(&fixture(&format!("seeds/{name}"))).unwrap_or_else(|e| {
        panic!(
            "{name}: {:?}",
            e.iter().map(|p| p.to_string()).collect::<Vec<_>>()
        )
    })
}

fn hm(text: &str) -> NaiveTime {
    NaiveTime::parse_from_str(text, "%H:%M").unwrap()
}

fn spans(meeting: &Meeting) -> Vec<(Option<&str>, String, String, Timing)> {
    meeting
        .items
        .iter()
        .map(|e| {
            (
                e.number.as_deref(),
                e.start.format("%H:%M").to_string(),
                e.end.format("%H:%M").to_string(),
                e.timing,
            )
        })
        .collect()
}

#[test]
fn seed_000_notice_head() {
    let m = seed("000-kallelse-sro-2026-06-04.md");
    assert_eq!(m.body, "SRO");
    assert_eq!(m.date, NaiveDate::from_ymd_opt(2026, 6, 4).unwrap());
    assert_eq!((m.start, m.end), (hm("13:00"), hm("15:30")));
    assert_eq!(
        m.location.as_deref(),
        Some("Centralhuset Konferens, Nils Ericsonsplatsen 4, Göteborg")
    );
}

#[test]
fn seed_000_roster() {
    let m = seed("000-kallelse-sro-2026-06-04.md");
    let called: Vec<_> = m.participants.iter().filter(|p| !p.invited).collect();
    let invited: Vec<_> = m.participants.iter().filter(|p| p.invited).collect();
    assert_eq!(called.len(), 30);
    assert_eq!(invited.len(), 1);
    assert_eq!(invited[0].name, "Ida Wickström");
    assert_eq!(invited[0].category, Category::Guest);
    assert_eq!(invited[0].organisation.as_deref(), Some("Boråsregionen"));

    let count = |c: Category| called.iter().filter(|p| p.category == c).count();
    assert_eq!(count(Category::Politician), 13);
    assert_eq!(count(Category::Official), 12);
    assert_eq!(count(Category::Adjunct), 4);
    assert_eq!(count(Category::Administration), 1);
    let side = |s: &str| {
        called
            .iter()
            .filter(|p| p.side.as_deref() == Some(s))
            .count()
    };
    assert_eq!((side("VGK"), side("VGR")), (16, 14));

    let find = |name: &str| m.participants.iter().find(|p| p.name == name).unwrap();
    let chairs: Vec<(&str, Role)> = m
        .participants
        .iter()
        .filter_map(|p| p.role.map(|r| (p.name.as_str(), r)))
        .collect();
    assert_eq!(
        chairs,
        vec![
            ("Marina Johansson", Role::ViceChair),
            ("Helen Eliasson", Role::Chair)
        ]
    );
    assert_eq!(find("Adam Johansson").party.as_deref(), Some("M"));
    assert_eq!(
        find("Adam Johansson").organisation.as_deref(),
        Some("Skaraborg")
    );
    assert_eq!(find("Roland Wanner").party.as_deref(), Some("MP"));
    assert_eq!(find("Roland Wanner").category, Category::Adjunct);
    assert_eq!(find("Kristina Lännergren").party, None);
    assert_eq!(
        find("Kristina Lännergren").organisation.as_deref(),
        Some("VästKom")
    );
    assert_eq!(find("Rebecca Bretvold").category, Category::Administration);
    let lars = find("Lars Loftäng");
    assert_eq!(lars.category, Category::Adjunct);
    assert_eq!(
        lars.description.as_deref(),
        Some("tillförordnad förvaltningsdirektör försörjningsförvaltningen VGR"),
        "the line broken over two lines is one participant"
    );
    assert_eq!(m.participants[0].name, "Olof Lundberg");
    assert_eq!(m.participants[29].name, "Rebecca Bretvold");
}

#[test]
fn seed_000_agenda() {
    let m = seed("000-kallelse-sro-2026-06-04.md");
    let numbers: Vec<Option<&str>> = m.items.iter().map(|e| e.number.as_deref()).collect();
    let expected: Vec<Option<&str>> = ["1", "2", "3", "4", "5", "6", "7"]
        .iter()
        .map(|n| Some(*n))
        .chain([None])
        .chain(["8", "9", "10", "11"].iter().map(|n| Some(*n)))
        .collect();
    assert_eq!(numbers, expected);

    let explicit: Vec<_> = spans(&m)
        .into_iter()
        .filter(|s| s.3 == Timing::Explicit)
        .map(|(n, s, e, _)| (n.unwrap_or("paus").to_string(), s, e))
        .collect();
    let want = [
        ("4", "13:05", "13:25"),
        ("5", "13:25", "13:45"),
        ("6", "13:45", "14:10"),
        ("7", "14:10", "14:15"),
        ("8", "14:30", "14:50"),
        ("9", "14:50", "15:10"),
        ("10", "15:10", "15:20"),
    ];
    assert_eq!(
        explicit,
        want.iter()
            .map(|(n, s, e)| (n.to_string(), s.to_string(), e.to_string()))
            .collect::<Vec<_>>()
    );

    let pause = &m.items[7];
    assert_eq!(pause.entry_type, EntryType::Break);
    assert_eq!(
        (pause.start, pause.end, pause.minutes),
        (hm("14:15"), hm("14:30"), 15)
    );
    let last = m.items.last().unwrap();
    assert_eq!(
        (last.start, last.end, last.timing),
        (hm("15:20"), hm("15:30"), Timing::Inferred)
    );
    assert_eq!(m.items[0].start, hm("13:00"));
    assert_eq!(m.items[2].end, hm("13:05"), "items 1–3 share 13.00–13.05");

    let item4 = &m.items[3];
    assert_eq!(
        item4.title,
        "Hälsa- och sjukvårdsavtalet med tillhörande överenskommelser"
    );
    let presenters: Vec<(&str, Option<&str>)> = item4
        .presenters
        .iter()
        .map(|p| (p.name.as_str(), p.organisation.as_deref()))
        .collect();
    assert_eq!(
        presenters,
        vec![
            ("Karin Looström Muth", Some("VGR")),
            ("Kristina Lännergren", Some("VästKom")),
            ("Jenny Nilsson", Some("VGR")),
            ("Malin Swärd Davidsson", Some("VästKom")),
        ]
    );
    assert_eq!(
        item4.proposal.as_deref(),
        Some("Det politiska samrådsorganet, SRO, noterar informationen.")
    );
    assert_eq!(
        item4.documents,
        vec![
            "Presentation Nytt hälso- och sjukvårdsavtal med tillhörande överenskommelser, SRO 2026-06-04"
        ]
    );
    assert_eq!(item4.kind_label().as_deref(), Some("Information · Dialog"));
    let item1 = &m.items[0];
    let subs: Vec<&str> = item1.sub_items.iter().map(|s| s.title.as_str()).collect();
    assert_eq!(subs, vec!["Närvaro/frånvaro", "Övriga frågor"]);
    let item5 = &m.items[4];
    assert!(
        item5
            .proposal
            .as_deref()
            .unwrap()
            .ends_with("2. Ställningstagandet i SRO sker per capsulam 1 september 2026"),
        "a proposal's numbered list belongs to the proposal"
    );
}

#[test]
fn seed_000_as_word_document_reads_the_same() {
    let markdown = seed("000-kallelse-sro-2026-06-04.md");
    let word = import_file(&fixture("000-kallelse-sro-2026-06-04.docx")).unwrap();
    assert_eq!(word.participants, markdown.participants);
    assert_eq!(word.items.len(), markdown.items.len());
    for (w, m) in word.items.iter().zip(&markdown.items) {
        assert_eq!(
            (
                &w.number,
                &w.title,
                w.start,
                w.end,
                w.timing,
                &w.presenters,
                &w.documents,
                &w.sub_items
            ),
            (
                &m.number,
                &m.title,
                m.start,
                m.end,
                m.timing,
                &m.presenters,
                &m.documents,
                &m.sub_items
            )
        );
    }
    assert_eq!(
        (word.date, word.start, word.end),
        (markdown.date, markdown.start, markdown.end)
    );
}

#[test]
fn seed_001_minutes_from_a_pdf_with_two_columns_run_together() {
    let m = seed("001-anteckning-sro-2021-09-24.txt");
    assert_eq!(m.date, NaiveDate::from_ymd_opt(2021, 9, 24).unwrap());
    assert_eq!((m.start, m.end), (hm("13:00"), hm("14:40")));
    let titles: Vec<&str> = m.items.iter().map(|e| e.title.as_str()).collect();
    assert_eq!(titles.len(), 9);
    assert_eq!(titles[5], "Nära Vård");
    assert_eq!(
        m.items[5].minutes, 40,
        "(40 min, bilagor) is the item's length"
    );
    assert_eq!(m.items[6].minutes, 20);
    assert_eq!(m.items[7].minutes, 25);
    assert_eq!(m.items.last().unwrap().end, hm("14:40"));
    let find = |name: &str| m.participants.iter().find(|p| p.name == name);
    let johnny = find("Johnny Magnusson").expect("right column read");
    assert_eq!(
        (johnny.side.as_deref(), johnny.role),
        (Some("VGR"), Some(Role::Chair))
    );
    let kent = find("Kent Lagrell").unwrap();
    assert_eq!(
        (kent.side.as_deref(), kent.role),
        (Some("VGK"), Some(Role::ViceChair))
    );
    assert_eq!(m.participants.iter().filter(|p| !p.invited).count(), 24);
    assert_eq!(m.participants.iter().filter(|p| p.invited).count(), 4);
    let presenters: Vec<&str> = m.items[5]
        .presenters
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(
        presenters,
        vec![
            "Ann-Katrin Schutz",
            "Angela Olausson",
            "Ann-Marie Svensson",
            "Jeanette Andersson"
        ],
        "the presenter line continues after a blank line with 'och'"
    );
}

#[test]
fn seed_002_minutes_as_plain_text() {
    let m = seed("002-anteckning-sro-2024-10-03.txt");
    assert_eq!(m.date, NaiveDate::from_ymd_opt(2024, 10, 3).unwrap());
    assert_eq!((m.start, m.end), (hm("13:00"), hm("15:00")));
    let got: Vec<(String, String, String)> = spans(&m)
        .into_iter()
        .filter(|s| s.3 == Timing::Explicit)
        .map(|(n, s, e, _)| (n.unwrap().to_string(), s, e))
        .collect();
    let want = [
        ("4", "13:05", "13:20"),
        ("5", "13:20", "14:05"),
        ("6", "14:15", "14:20"),
        ("7", "14:20", "14:30"),
        ("8", "14:30", "14:35"),
        ("9", "14:35", "14:40"),
    ];
    assert_eq!(
        got,
        want.iter()
            .map(|(n, s, e)| (n.to_string(), s.to_string(), e.to_string()))
            .collect::<Vec<_>>()
    );
    assert_eq!(m.items[8].title, "Mötestider 2025");
    let guests: Vec<&str> = m
        .participants
        .iter()
        .filter(|p| p.invited)
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(
        guests,
        vec!["Maria Berhe", "Lena Ludvigsson", "Jenny Nilsson"]
    );
    let adjuncts = m
        .participants
        .iter()
        .filter(|p| p.category == Category::Adjunct)
        .count();
    assert_eq!(
        adjuncts, 3,
        "\"Adjungerade punkt 10 och 11\" is a category heading"
    );
}

#[test]
fn seed_004_table_of_participants_with_absence_marks() {
    let m = seed("004-anteckning-styrgrupp-2026-05-13.txt");
    assert_eq!(m.body, "Gemensam styrgrupp nytt hälso- och sjukvårdsavtal");
    assert_eq!(m.date, NaiveDate::from_ymd_opt(2026, 5, 13).unwrap());
    assert_eq!((m.start, m.end), (hm("08:00"), hm("09:00")));
    let titles: Vec<&str> = m.items.iter().map(|e| e.title.as_str()).collect();
    assert_eq!(
        titles,
        vec![
            "Länsgemensam riktlinje för patientsäkerhet",
            "Vårdsamverkan Västra Götaland som samverkansarena i implementeringen",
            "Planering av gemensamma styrgruppsmöten 2026",
            "Övriga frågor",
            "Mötet avsluts",
        ]
    );
    assert!(
        m.items
            .iter()
            .all(|e| e.minutes == 12 && e.timing == Timing::Inferred)
    );
    assert_eq!(m.participants.len(), 26);
    let absent: Vec<&str> = m
        .participants
        .iter()
        .filter(|p| p.notified_absence)
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(
        absent,
        vec![
            "Karin Looström Muth",
            "Maria Taranger",
            "Sara Magnusson",
            "Kristina Lännergren",
            "Victoria Fransson",
            "Ebba Gierow"
        ]
    );
    let sebastian = m
        .participants
        .iter()
        .find(|p| p.name == "Sebastian Nydén")
        .unwrap();
    // "ersätter Monika Holmgren": the Monica Holmgren of the roster.
    assert_eq!(sebastian.substitute_for.as_deref(), Some("Monica Holmgren"));
    assert_eq!(sebastian.seat, Some(motesskylt_core::model::Seat::Deputy));
    assert_eq!(sebastian.side.as_deref(), Some("Styrgrupp Kommun"));
    // The steering group's two columns are its members; the others none.
    let seats = |seat| m.participants.iter().filter(|p| p.seat == seat).count();
    assert_eq!(seats(Some(motesskylt_core::model::Seat::Member)), 20);
    assert!(
        m.participants.iter().skip(21).all(|p| p.seat.is_none()),
        "Övriga deltagare hold no seat"
    );
    let others = m
        .participants
        .iter()
        .skip(21)
        .map(|p| p.side.clone())
        .collect::<Vec<_>>();
    assert!(
        others.iter().all(Option::is_none),
        "Övriga deltagare stand under no side"
    );
}

fn messages(result: Result<Meeting, Vec<ImportError>>) -> Vec<String> {
    result
        .unwrap_err()
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn seed_003_is_not_a_notice() {
    let err = messages(import_file(&fixture("seeds/003-presentation-sro.txt")));
    assert_eq!(err.len(), 1);
    assert!(err[0].contains("inte ut som en kallelse"), "{err:?}");
}

#[test]
fn a_truncated_notice_says_what_is_missing() {
    let text = std::fs::read_to_string(fixture("seeds/000-kallelse-sro-2026-06-04.md")).unwrap();
    let head: String = text.lines().take(12).collect::<Vec<_>>().join("\n");
    let err = import_bytes(head.as_bytes()).unwrap_err();
    assert!(matches!(err.as_slice(), [ImportError::NoItems]), "{err:?}");
    let before_time: String = text.lines().take(9).collect::<Vec<_>>().join("\n");
    let err = messages(import_bytes(before_time.as_bytes()));
    assert!(err[0].contains("mötestid saknas"), "{err:?}");
    assert!(err[1].contains("dagordningen saknas"), "{err:?}");
    // Cut inside "å": the rest is not a notice, and nothing panics.
    let cut_in_letter = &text.as_bytes()[..text.find("å").unwrap() + 1];
    let err = messages(import_bytes(cut_in_letter));
    assert!(err[0].contains("inte ut som en kallelse"), "{err:?}");
}

#[test]
fn a_truncated_word_file_is_a_clear_error() {
    let bytes = std::fs::read(fixture("000-kallelse-sro-2026-06-04.docx")).unwrap();
    for cut in [bytes.len() / 2, bytes.len() - 30, 200] {
        let err = messages(import_bytes(&bytes[..cut]));
        assert!(err[0].contains("Word"), "cut at {cut}: {err:?}");
    }
}

#[test]
fn wrong_times_are_reported_with_their_lines() {
    let notice = "# Kallelse SRO\n\nDatum: 31 juni 2026\n\nTid: 13.00 – 15.30\n\n1. Öppnande\n\n2. Avtalet\n\n(20 minuter, kl. 13.25 – 13.05)\n";
    let err = import_bytes(notice.as_bytes()).unwrap_err();
    let lines: Vec<Option<usize>> = err.iter().map(ImportError::line).collect();
    assert_eq!(
        lines,
        vec![Some(3)],
        "date errors stop before item times: {err:?}"
    );
    let notice = notice.replace("31 juni", "4 juni");
    let err = import_bytes(notice.as_bytes()).unwrap_err();
    assert_eq!(err.len(), 1);
    assert_eq!(err[0].line(), Some(11));
    assert!(
        err[0]
            .to_string()
            .contains("punkt 2 slutar (13.05) före den börjar (13.25)")
    );
}

/// Found by the fuzzer: in a two-column roster, a row that fills a fourth
/// column, then one that fills the third (skipped over), made the importer
/// index a column that had no group. It must read or refuse, never panic.
#[test]
fn a_roster_column_skipped_then_filled_does_not_panic() {
    let seed = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/seeds/004-anteckning-styrgrupp-2026-05-13.txt"),
    )
    .unwrap();
    let roster = "Styrgrupp Region\tStyrgrupp Kommun\n";
    let damaged = seed.replacen(
        roster,
        &format!(
            "{roster}\t\t\tBjörn Kalin, NU-sjukvården\n\t\tAnna Lärk Ståhlberg, Fyrbodals kommunalförbund\n"
        ),
        1,
    );
    assert_ne!(damaged, seed, "the roster heading is in the seed");
    let _ = motesskylt_core::kallelse::import_bytes(damaged.as_bytes());
}

/// Seed 000's text with `from` replaced (once) by `to`.
fn seed_000_with(from: &str, to: &str) -> String {
    let text = std::fs::read_to_string(fixture("seeds/000-kallelse-sro-2026-06-04.md")).unwrap();
    assert!(text.contains(from), "{from}");
    text.replacen(from, to, 1)
}

/// The 1-based line of `text` that begins with `start`.
fn line_of(text: &str, start: &str) -> usize {
    1 + text.lines().position(|l| l.starts_with(start)).unwrap()
}

/// The roster lines an import refused, with their lines.
fn unread(text: &str) -> Vec<(usize, String)> {
    let err = import_bytes(text.as_bytes()).expect_err("the import must refuse");
    err.iter()
        .map(|e| match e {
            ImportError::UnreadRosterLine { line, text } => (*line, text.clone()),
            other => panic!("another problem: {other}"),
        })
        .collect()
}

/// Issue 16, point 10: a roster line beginning with `=` dropped that
/// person and the four after them, with no problem reported.
#[test]
fn a_roster_line_not_understood_is_reported_never_dropped() {
    let text = seed_000_with("Ulf Olsson (S)", "=Ulf Olsson (S)");
    assert_eq!(
        unread(&text),
        vec![(
            line_of(&text, "=Ulf"),
            "=Ulf Olsson (S), Boråsregionen".to_string()
        )]
    );
    let message = import_bytes(text.as_bytes()).unwrap_err()[0].to_string();
    assert!(
        message.contains("går inte att läsa som en person") && message.contains("=Ulf Olsson"),
        "{message}"
    );
    // The last of a section, the last before the agenda, two in a row.
    for (from, to) in [
        ("Dan Nyberg (S)", "=Dan Nyberg (S)"),
        ("Rebecca Bretvold", "@Rebecca Bretvold"),
        (
            "Ulf Olsson (S), Boråsregionen  \nPeter",
            "=Ulf Olsson (S), Boråsregionen  \n+Peter",
        ),
    ] {
        let text = seed_000_with(from, to);
        let found = unread(&text);
        let first = to.split_whitespace().next().unwrap();
        assert_eq!(found[0].0, line_of(&text, first), "{to}: {found:?}");
        assert_eq!(found.len(), to.lines().count(), "{to}: {found:?}");
    }
    // In a "Kallade:"/"Inbjudna:" list.
    let text = seed_000_with(
        "*Ida Wickström, Boråsregionen*",
        "*Ida Wickström, Boråsregionen, =Bo Ek, VGR*",
    );
    assert_eq!(
        unread(&text),
        vec![(line_of(&text, "**Inbjudna"), "=Bo Ek".to_string())]
    );
    // A cell of seed 004's table.
    let seed =
        std::fs::read_to_string(fixture("seeds/004-anteckning-styrgrupp-2026-05-13.txt")).unwrap();
    let text = seed.replacen("\tRikard Strömqvist", "\t=Rikard Strömqvist", 1);
    assert_eq!(
        unread(&text),
        vec![(
            line_of(&text, "Katarina Andersson"),
            "=Rikard Strömqvist, Tibro kommun".to_string()
        )]
    );
    // A name in angle brackets is not markup to remove.
    let text = seed_000_with(
        "Ulf Olsson (S), Boråsregionen",
        "<Ulf Olsson (S), Boråsregionen>",
    );
    assert_eq!(unread(&text).len(), 1);
}

/// Issue 16, point 10: a line holding only a tag (`<b>`) ended the
/// roster and dropped the rest of the section.
#[test]
fn a_line_of_markup_alone_keeps_the_roster_going() {
    let whole = seed("000-kallelse-sro-2026-06-04.md");
    let names = |m: &Meeting| {
        m.participants
            .iter()
            .map(|p| p.name.clone())
            .collect::<Vec<_>>()
    };
    for tag in ["<b>", "</td>", "<br/>", "<span class=\"x\"></span>"] {
        let text = seed_000_with(
            "Ulf Olsson (S), Boråsregionen  \n",
            &format!("Ulf Olsson (S), Boråsregionen  \n{tag}\n"),
        );
        let m = import_bytes(text.as_bytes()).unwrap_or_else(|e| panic!("{tag}: {e:?}"));
        assert_eq!(names(&m), names(&whole), "{tag}");
    }
    let text = seed_000_with("Ulf Olsson (S)", "<b>Ulf Olsson</b> (S)");
    assert_eq!(
        names(&import_bytes(text.as_bytes()).unwrap()),
        names(&whole)
    );
}

#[test]
fn the_sros_politicians_are_its_members_and_adjuncts_are_called_for_their_items() {
    use motesskylt_core::model::{Category, Seat};
    let m = seed("000-kallelse-sro-2026-06-04.md");
    for p in &m.participants {
        let member = p.category == Category::Politician && !p.invited;
        assert_eq!(p.seat == Some(Seat::Member), member, "{}", p.name);
    }
    let m = seed("002-anteckning-sro-2024-10-03.txt");
    let adjuncts: Vec<_> = m
        .participants
        .iter()
        .filter(|p| p.category == Category::Adjunct)
        .collect();
    assert_eq!(adjuncts.len(), 3);
    for p in adjuncts {
        assert_eq!(
            p.items,
            Some(vec!["10".to_string(), "11".to_string()]),
            "{}",
            p.name
        );
        assert_eq!(p.seat, None);
    }
}
