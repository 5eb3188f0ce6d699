//! The commands on a notice alone: `import`, `status`, `minutes`, and the
//! reading of notices and event logs they share with `render`.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono_tz::Tz;

use motesskylt_core::kallelse;
use motesskylt_core::model::event::{check_against, parse_log};
use motesskylt_core::model::time::parse_moment;
use motesskylt_core::model::{Event, Meeting};
use motesskylt_core::progress::{Schedule, ScreenState, report, screen_state};

use crate::{BadInput, StdoutError, problem};

/// `import`: the notice and how to print it.
#[derive(clap::Args)]
pub(crate) struct ImportArgs {
    /// The notice.
    pub file: PathBuf,
    /// Print the contract's JSON instead of a summary.
    #[arg(long)]
    pub json: bool,
}

/// `status`: the notice, the moment and the log.
#[derive(clap::Args)]
pub(crate) struct StatusArgs {
    /// The notice.
    pub file: PathBuf,
    /// The moment: "HH:MM", "YYYY-MM-DD HH:MM" or RFC 3339.
    #[arg(long)]
    pub at: String,
    /// Event log (JSON Lines); without it the meeting follows its plan.
    #[arg(long)]
    pub events: Option<PathBuf>,
    /// Print the contract's JSON.
    #[arg(long)]
    pub json: bool,
}

/// `minutes`: the notice and the log.
#[derive(clap::Args)]
pub(crate) struct MinutesArgs {
    /// The notice.
    pub file: PathBuf,
    /// Event log (JSON Lines).
    #[arg(long)]
    pub events: PathBuf,
}

/// `motesskylt import`.
pub(crate) fn import_cmd(args: ImportArgs) -> anyhow::Result<()> {
    let read = read_notice(&args.file)?;
    if args.json {
        let json = imported_json(&read.meeting, &read.unread)?;
        outln!("{}", serde_json::to_string_pretty(&json)?)?;
    } else {
        out!("{}", summary(&read.meeting))?;
        if !read.unread.is_empty() {
            outln!("Rader som inte lästes in (kontrollera att inget saknas):")?;
            for u in &read.unread {
                // A document's text, not the terminal's: no control codes.
                let text: String = u
                    .text
                    .chars()
                    .map(|c| if c.is_control() { '?' } else { c })
                    .collect();
                outln!("  {}:{}: {text}", args.file.display(), u.line)?;
            }
        }
    }
    Ok(())
}

/// `motesskylt status`.
pub(crate) fn status(args: StatusArgs, tz: Tz) -> anyhow::Result<()> {
    let (meeting, state, _) = state_at(&args.file, &args.at, args.events.as_deref(), tz)?;
    if args.json {
        let status = report::status(&meeting, &state, tz);
        outln!("{}", serde_json::to_string_pretty(&status)?)?;
    } else {
        out!("{}", report::text(&meeting, &state, tz))?;
    }
    Ok(())
}

/// `motesskylt minutes`.
pub(crate) fn minutes(args: MinutesArgs, tz: Tz) -> anyhow::Result<()> {
    let meeting = import(&args.file)?;
    let events = read_events(&args.events, &meeting)?;
    out!(
        "{}",
        motesskylt_core::minutes::paragraph(&meeting, &events, tz)
    )?;
    Ok(())
}

/// The meeting of `file`, where it stands at `at` (on its plan, or on the
/// event log when one is given) and the log read (`status` and `render`).
pub(crate) fn state_at(
    file: &Path,
    at: &str,
    events: Option<&Path>,
    tz: Tz,
) -> anyhow::Result<(Meeting, ScreenState, Vec<Event>)> {
    let meeting = import(file)?;
    let now =
        parse_moment(at, meeting.date, tz).map_err(|e| BadInput(vec![format!("--at: {e}")]))?;
    let events = events.map(|log| read_events(log, &meeting)).transpose()?;
    let schedule = Schedule::new(&meeting, tz);
    let state = screen_state(&meeting, &schedule, events.as_deref(), now);
    Ok((meeting, state, events.unwrap_or_default()))
}

/// A notice read, each problem named with its file and line.
pub(crate) fn import(file: &Path) -> anyhow::Result<Meeting> {
    read_notice(file).map(|read| read.meeting)
}

/// A notice read as `import --json` prints it: the meeting and its
/// `"unread"` lines.
pub(crate) fn imported_json(
    meeting: &Meeting,
    unread: &[kallelse::Unread],
) -> anyhow::Result<serde_json::Value> {
    let mut json = serde_json::to_value(meeting)?;
    json["unread"] = serde_json::to_value(unread)?;
    Ok(json)
}

/// A notice read with the lines it did not use, each problem named with
/// its file and line.
pub(crate) fn read_notice(file: &Path) -> anyhow::Result<kallelse::Imported> {
    kallelse::read_file(file).map_err(|problems| {
        let lines: Vec<String> = problems
            .iter()
            .map(|p| problem(file, p.line(), p))
            .collect();
        // The PDF reader missing or failing is no fault of the notice.
        if problems.iter().any(kallelse::ImportError::is_machine_fault) {
            anyhow::anyhow!(lines.join("\n"))
        } else {
            BadInput(lines).into()
        }
    })
}

/// An event log read and checked against the meeting.
pub(crate) fn read_events(log: &Path, meeting: &Meeting) -> anyhow::Result<Vec<Event>> {
    let text = std::fs::read_to_string(log).map_err(|e| {
        BadInput(vec![problem(
            log,
            None,
            format!("händelseloggen går inte att läsa ({e})"),
        )])
    })?;
    let events = parse_log(&text).map_err(|problems| {
        BadInput(
            problems
                .iter()
                .map(|p| problem(log, Some(p.line), &p.message))
                .collect(),
        )
    })?;
    let unknown = check_against(meeting, &events);
    if !unknown.is_empty() {
        return Err(BadInput(
            unknown
                .iter()
                .map(|p| problem(log, Some(p.line), &p.message))
                .collect(),
        )
        .into());
    }
    Ok(events.into_iter().map(|(_, e)| e).collect())
}

/// A short Swedish summary of an imported meeting.
pub(crate) fn summary(meeting: &Meeting) -> String {
    use motesskylt_core::model::time::{clock_sv, date_sv};
    let called = meeting.called().count();
    let invited = meeting.participants.len() - called;
    let mut out = format!(
        "{} · {} · kl. {}–{}\n{}\n{} kallade, {} inbjudna\n\n",
        meeting.body,
        date_sv(meeting.date),
        clock_sv(meeting.start),
        clock_sv(meeting.end),
        meeting.location.as_deref().unwrap_or("(plats saknas)"),
        called,
        invited
    );
    for entry in &meeting.items {
        let label = match &entry.number {
            Some(n) => format!("{n}. {}", entry.title),
            None => entry.title.clone(),
        };
        let marker = match entry.timing {
            motesskylt_core::model::Timing::Explicit => "",
            motesskylt_core::model::Timing::Inferred => " (beräknad tid)",
        };
        out.push_str(&format!(
            "{}–{}  {label}{marker}\n",
            clock_sv(entry.start),
            clock_sv(entry.end)
        ));
    }
    out
}
