//! The commands on a kiosk's store: `export` and `store check|recover`.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::Utc;
use chrono_tz::Tz;

use motesskylt_core::model::Event;

use crate::{BadInput, StdoutError, problem};

/// `export`: the store, the meeting, the format and where to write it.
#[derive(clap::Args)]
pub(crate) struct ExportArgs {
    /// The store file (motesskylt.sqlite) or the kiosk's data directory.
    pub store: PathBuf,
    /// The meeting's key (e.g. SRO-2026-06-04); needed when the store holds several.
    #[arg(long)]
    pub meeting: Option<String>,
    /// What to export.
    #[arg(long, value_enum, default_value = "jsonl")]
    pub format: ExportFormat,
    /// Write to this file instead of standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// What `export` writes.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ExportFormat {
    /// The kiosk's own event log, JSON Lines.
    Jsonl,
    /// The attendance paragraph for the minutes.
    Minutes,
    /// Attendance list, CSV for Excel (UTF-8 with BOM, semicolons).
    AttendanceCsv,
    /// Agenda with planned and actual times, CSV for Excel.
    AgendaCsv,
    /// Attendance list as an Excel workbook (.xlsx).
    AttendanceXlsx,
    /// Agenda with planned and actual times as an Excel workbook (.xlsx).
    AgendaXlsx,
    /// Attendance list as a printable PDF for the signed minutes.
    AttendancePdf,
    /// The meeting as iCalendar (.ics).
    Ics,
}

impl ExportFormat {
    /// The export made from the meeting and its events (`None`: the log).
    fn made(self) -> Option<motesskylt_export::Format> {
        use motesskylt_export::Format;
        Some(match self {
            ExportFormat::Jsonl => return None,
            ExportFormat::Minutes => Format::Minutes,
            ExportFormat::AttendanceCsv => Format::AttendanceCsv,
            ExportFormat::AgendaCsv => Format::AgendaCsv,
            ExportFormat::AttendanceXlsx => Format::AttendanceXlsx,
            ExportFormat::AgendaXlsx => Format::AgendaXlsx,
            ExportFormat::AttendancePdf => Format::AttendancePdf,
            ExportFormat::Ics => Format::Ics,
        })
    }
}

/// What `store` does.
#[derive(clap::Subcommand)]
pub(crate) enum StoreAction {
    /// Run SQLite's integrity check and count the events.
    Check {
        /// The store file or the data directory.
        store: PathBuf,
    },
    /// Move a damaged store aside and copy every readable row into a fresh one.
    Recover {
        /// The store file or the data directory.
        store: PathBuf,
    },
}

/// `motesskylt export`.
pub(crate) fn export_cmd(args: ExportArgs, tz: Tz) -> anyhow::Result<()> {
    let ExportArgs {
        store,
        meeting,
        format,
        out,
    } = args;
    let store = open_existing_store(&store)?;
    let key = match meeting {
        Some(key) => key,
        None => only_meeting(&store)?,
    };
    let bytes = export(&store, &key, format, tz)?;
    match out {
        Some(path) => std::fs::write(&path, bytes)
            .with_context(|| format!("{}: kunde inte skriva filen", path.display()))?,
        None => std::io::stdout()
            .lock()
            .write_all(&bytes)
            .map_err(StdoutError)?,
    }
    Ok(())
}

/// `motesskylt store`.
pub(crate) fn store_cmd(action: StoreAction) -> anyhow::Result<()> {
    match action {
        StoreAction::Check { store } => {
            let store = open_existing_store(&store)?;
            let meetings = store.meetings()?;
            outln!(
                "{}: ok (integritetskontroll utan fel)",
                store.path().display()
            )?;
            for (key, _) in meetings {
                outln!("{key}: {} händelser", store.events(&key)?.len())?;
            }
            outln!(
                "osynkade händelser: {}",
                store.outbox(usize::MAX >> 1)?.len()
            )?;
        }
        StoreAction::Recover { store } => {
            let path = store_file(&store);
            if !path.exists() {
                return Err(BadInput(vec![problem(&path, None, "filen finns inte")]).into());
            }
            let device = motesskylt_store::Store::open(&path, "motesskylt")
                .map(|s| s.device().to_string())
                .unwrap_or_else(|_| "motesskylt".into());
            let report = motesskylt_store::recover(&path, &device, Utc::now())?;
            outln!(
                "{}: den gamla filen ligger nu i {}; {} händelser och {} mötesversioner räddades, {} rader gick inte att läsa",
                path.display(),
                report.set_aside.display(),
                report.events,
                report.meetings,
                report.lost
            )?;
        }
    }
    Ok(())
}

/// A store file given as the file or its data directory.
pub(crate) fn store_file(path: &Path) -> PathBuf {
    if path.is_dir() {
        path.join(motesskylt_store::FILE_NAME)
    } else {
        path.to_path_buf()
    }
}

/// Opens a store that must already exist (nothing is created).
pub(crate) fn open_existing_store(path: &Path) -> anyhow::Result<motesskylt_store::Store> {
    let file = store_file(path);
    if !file.is_file() {
        return Err(BadInput(vec![problem(
            &file,
            None,
            "lagringen finns inte; ange kioskens motesskylt.sqlite eller datakatalog",
        )])
        .into());
    }
    Ok(motesskylt_store::Store::open(&file, "motesskylt")?)
}

/// One meeting of a store in `format`: the kiosk's own event log, or an
/// export of the meeting with its own events and those learned from the
/// room's other devices.
pub(crate) fn export(
    store: &motesskylt_store::Store,
    key: &str,
    format: ExportFormat,
    tz: Tz,
) -> anyhow::Result<Vec<u8>> {
    let recorded = store.events(key)?;
    let Some(made) = format.made() else {
        return Ok(recorded
            .iter()
            .map(|r| r.to_json_line() + "\n")
            .collect::<String>()
            .into_bytes());
    };
    let Some((_, meeting)) = store.meetings()?.into_iter().find(|(k, _)| k == key) else {
        return Err(BadInput(vec![problem(
            store.path(),
            None,
            format!("lagringen har inget möte {key}"),
        )])
        .into());
    };
    let mut events: Vec<Event> = recorded.iter().map(|r| r.event.clone()).collect();
    events.extend(store.learned(key)?);
    Ok(motesskylt_export::render(
        made,
        key,
        &meeting,
        &events,
        tz,
        Utc::now(),
    )?)
}

/// The key of the store's only meeting.
pub(crate) fn only_meeting(store: &motesskylt_store::Store) -> anyhow::Result<String> {
    let keys: Vec<String> = store.meetings()?.into_iter().map(|(k, _)| k).collect();
    match keys.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(BadInput(vec![problem(
            store.path(),
            None,
            "lagringen har inga möten",
        )])
        .into()),
        many => Err(BadInput(vec![problem(
            store.path(),
            None,
            format!(
                "lagringen har flera möten; välj ett med --meeting ({})",
                many.join(", ")
            ),
        )])
        .into()),
    }
}
