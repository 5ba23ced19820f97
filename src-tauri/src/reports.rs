//! Commands of the Berichte page: a report's preview (the document the files are made from)
//! and its files, and exports of entity lists. Each runs on the blocking pool.

use std::path::PathBuf;

use schulinventar_core::CoreError;
use schulinventar_pdf::files::{write_report, FileFormat};
use schulinventar_reports::csv_out::CsvStyle;
use schulinventar_reports::export::{export, ExportFilter, ExportFormat};
use schulinventar_reports::{Document, ReportRequest};
use tauri::State;

use crate::commands::blocking;
use crate::state::AppState;

fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

fn file_error(message: String) -> CoreError {
    CoreError::Database { message }
}

/// The report as a document: what every file format shows.
#[tauri::command]
#[specta::specta]
pub async fn report_preview(state: State<'_, AppState>, request: ReportRequest) -> Result<Document, CoreError> {
    let state = state.inner().clone();
    blocking(move || state.with_store(|s| schulinventar_reports::build(s.conn(), &request, today()))).await
}

/// Writes the report as PDF, XLSX or CSV (`plain`: RFC 4180) to `path`; answers the files written.
#[tauri::command]
#[specta::specta]
pub async fn report_save(
    state: State<'_, AppState>,
    request: ReportRequest,
    format: FileFormat,
    plain: bool,
    path: String,
) -> Result<Vec<String>, CoreError> {
    let state = state.inner().clone();
    blocking(move || {
        state.with_store(|s| {
            let doc = schulinventar_reports::build(s.conn(), &request, today())?;
            let files = write_report(&doc, format, plain, &PathBuf::from(&path)).map_err(|e| file_error(e.0))?;
            Ok(files.into_iter().map(|p| p.display().to_string()).collect())
        })
    })
    .await
}

/// Exports an entity list (with the list's filters) as XLSX or CSV; answers the number of rows.
#[tauri::command]
#[specta::specta]
pub async fn export_list(
    state: State<'_, AppState>,
    entity: String,
    school_number: Option<String>,
    search: Option<String>,
    format: FileFormat,
    plain: bool,
    path: String,
) -> Result<u64, CoreError> {
    let format = match format {
        FileFormat::Xlsx => ExportFormat::Xlsx,
        FileFormat::Csv => ExportFormat::Csv(if plain { CsvStyle::Plain } else { CsvStyle::German }),
        FileFormat::Pdf => {
            return Err(CoreError::invalid_argument(Some("format"), "Listen werden als XLSX oder CSV exportiert."))
        }
    };
    let state = state.inner().clone();
    blocking(move || {
        state.with_store(|s| {
            let filter = ExportFilter { school_number, search };
            export(s.conn(), &entity, &filter, format, &PathBuf::from(&path), &mut |_| {})
        })
    })
    .await
}
