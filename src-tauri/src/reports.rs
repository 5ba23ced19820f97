//! Commands of the Berichte page: a report's preview (the document the files are made from)
//! and its files, and exports of entity lists. Each runs on the blocking pool.

use std::path::PathBuf;

use schulinventar_core::CoreError;
use schulinventar_pdf::files::{write_report_reporting, FileFormat};
use schulinventar_pdf::Progress;
use schulinventar_reports::csv_out::CsvStyle;
use schulinventar_reports::document::Block;
use schulinventar_reports::export::{export, export_count, ExportFilter, ExportFormat};
use schulinventar_reports::{Document, ReportRequest};
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::State;

use crate::commands::{blocking, today};
use crate::state::AppState;

fn file_error(message: String) -> CoreError {
    CoreError::Database { message }
}

/// Rows of each table a preview carries; the files have them all.
pub const PREVIEW_ROWS: usize = 30;

/// A report's preview: its document with each table cut to its first [`PREVIEW_ROWS`] rows (a
/// municipality's inventory list would otherwise cross to the window whole).
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct ReportPreview {
    pub document: Document,
    /// The full number of rows of each table, in the order the tables appear.
    pub table_rows: Vec<u32>,
}

/// How far saving a report or exporting a list has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(tag = "stage", rename_all = "snake_case")]
pub enum SaveProgress {
    /// The report's figures are gathered from the database.
    Building,
    /// `done` of `total` parts of a PDF are typeset.
    Typeset { done: u32, total: u32 },
    /// The PDF's pages are joined and numbered.
    Numbering,
    /// The file is written.
    Writing,
    /// `rows` of `total` rows of a list are written.
    Rows { rows: u64, total: u64 },
}

impl From<Progress> for SaveProgress {
    fn from(p: Progress) -> Self {
        match p {
            Progress::Typeset { done, total } => SaveProgress::Typeset { done: done as u32, total: total as u32 },
            Progress::Numbering => SaveProgress::Numbering,
            Progress::Writing => SaveProgress::Writing,
        }
    }
}

/// Cuts every table of `doc` to `rows` rows; answers the full row counts.
pub fn cut_tables(doc: &mut Document, rows: usize) -> Vec<u32> {
    let mut counts = Vec::new();
    for block in doc.sections.iter_mut().flat_map(|s| s.blocks.iter_mut()) {
        if let Block::Table(t) = block {
            counts.push(t.rows.len() as u32);
            t.rows.truncate(rows);
        }
    }
    counts
}

/// The report's preview: the document the files are made from, its tables cut short.
#[tauri::command]
#[specta::specta]
pub async fn report_preview(state: State<'_, AppState>, request: ReportRequest) -> Result<ReportPreview, CoreError> {
    let state = state.inner().clone();
    blocking(move || {
        state.with_store(|s| {
            let mut document = schulinventar_reports::build(s.conn(), &request, today())?;
            let table_rows = cut_tables(&mut document, PREVIEW_ROWS);
            Ok(ReportPreview { document, table_rows })
        })
    })
    .await
}

/// Writes the report as PDF, XLSX or CSV (`plain`: RFC 4180) to `path`; answers the files
/// written. Progress arrives on `on_progress`.
#[tauri::command]
#[specta::specta]
pub async fn report_save(
    state: State<'_, AppState>,
    request: ReportRequest,
    format: FileFormat,
    plain: bool,
    path: String,
    on_progress: Channel<SaveProgress>,
) -> Result<Vec<String>, CoreError> {
    let state = state.inner().clone();
    blocking(move || {
        // A closed window no longer listens; the file is written regardless.
        let report = |p: SaveProgress| {
            let _ = on_progress.send(p);
        };
        report(SaveProgress::Building);
        let doc = state.with_reader(|conn| schulinventar_reports::build(conn, &request, today()))?;
        let files = write_report_reporting(&doc, format, plain, &PathBuf::from(&path), &|p| report(p.into()))
            .map_err(|e| file_error(e.0))?;
        Ok(files.into_iter().map(|p| p.display().to_string()).collect())
    })
    .await
}

/// An entity list to export, with the list's filters.
#[derive(Debug, Clone, serde::Deserialize, specta::Type)]
pub struct ListExport {
    /// The list's command-line name, e.g. "devices".
    pub entity: String,
    pub school_number: Option<String>,
    pub search: Option<String>,
    pub format: FileFormat,
    /// CSV after RFC 4180 instead of German Excel's dialect.
    pub plain: bool,
    pub path: String,
}

/// Exports an entity list (with the list's filters) as XLSX or CSV; answers the number of rows.
/// Progress (rows written of all) arrives on `on_progress`.
#[tauri::command]
#[specta::specta]
pub async fn export_list(
    state: State<'_, AppState>,
    request: ListExport,
    on_progress: Channel<SaveProgress>,
) -> Result<u64, CoreError> {
    let ListExport { entity, school_number, search, format, plain, path } = request;
    let format = match format {
        FileFormat::Xlsx => ExportFormat::Xlsx,
        FileFormat::Csv => ExportFormat::Csv(if plain { CsvStyle::Plain } else { CsvStyle::German }),
        FileFormat::Pdf => {
            return Err(CoreError::invalid_argument(Some("format"), "Listen werden als XLSX oder CSV exportiert."))
        }
    };
    let state = state.inner().clone();
    blocking(move || {
        state.with_reader(|conn| {
            let filter = ExportFilter { school_number, search };
            let total = export_count(conn, &entity, &filter)?;
            let _ = on_progress.send(SaveProgress::Rows { rows: 0, total });
            export(conn, &entity, &filter, format, &PathBuf::from(&path), &mut |rows| {
                let _ = on_progress.send(SaveProgress::Rows { rows, total });
            })
        })
    })
    .await
}
