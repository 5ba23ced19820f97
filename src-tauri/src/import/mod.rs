//! Commands of the import page. Each one adapts IPC to the exchange crate (reading, mapping,
//! dry run, commit, error workbook) or to the store's import history and profiles; file and
//! database work runs on the blocking pool.

pub mod session;
pub mod types;

use std::collections::BTreeMap;

use schulinventar_core::{CoreError, ImportProfile, ImportRun};
use schulinventar_exchange::import::{ImportEntity, MatchKey};
use schulinventar_exchange::mapping::Field;
use tauri::ipc::Channel;
use tauri::State;

pub use session::ImportState;
pub use types::*;

use crate::commands::blocking;
use crate::state::AppState;

/// Entities, keys and fields the mapping screen offers, with their German labels.
#[tauri::command]
#[specta::specta]
pub fn import_vocabulary() -> ImportVocabulary {
    ImportVocabulary::get()
}

/// Reads the file's header and shows how its columns would be read. Touches no database.
#[tauri::command]
#[specta::specta]
pub async fn import_inspect(path: String, settings: ImportSettings) -> Result<ImportInspection, ImportFailure> {
    blocking(move || session::inspect(&path, &settings)).await
}

/// A dry run (`dry_run`: nothing is kept) or a commit. Progress arrives on `on_progress`;
/// `import_cancel` stops it, and then nothing is written.
#[tauri::command]
#[specta::specta]
pub async fn import_run(
    app: State<'_, AppState>,
    imports: State<'_, ImportState>,
    path: String,
    settings: ImportSettings,
    mode: ImportMode,
    expected_sha256: Option<String>,
    on_progress: Channel<ImportProgressInfo>,
) -> Result<ImportSummary, ImportFailure> {
    let (app, imports) = (app.inner().clone(), imports.inner().clone());
    imports.begin();
    blocking(move || {
        let mut progress = |p: ImportProgressInfo| {
            // A closed window no longer listens; the import goes on regardless.
            let _ = on_progress.send(p);
        };
        session::run(&app, &imports, &path, &settings, mode, expected_sha256.as_deref(), &mut progress)
    })
    .await
}

/// Stops the running dry run or commit at its next row.
#[tauri::command]
#[specta::specta]
pub fn import_cancel(imports: State<'_, ImportState>) {
    imports.cancel();
}

/// One page of the last result's rows (`only_errors`: the error lines alone).
#[tauri::command]
#[specta::specta]
pub async fn import_preview_rows(
    imports: State<'_, ImportState>,
    report_id: u32,
    only_errors: bool,
    offset: u32,
    limit: u32,
) -> Result<PreviewPage, ImportFailure> {
    session::preview_rows(imports.inner(), report_id, only_errors, offset, limit)
}

/// Saves the rows with errors of the last result as a workbook; returns the path written.
#[tauri::command]
#[specta::specta]
pub async fn import_save_errors(
    imports: State<'_, ImportState>,
    report_id: u32,
    path: String,
) -> Result<String, ImportFailure> {
    let imports = imports.inner().clone();
    blocking(move || session::save_errors(&imports, report_id, &path)).await
}

/// The latest committed imports, newest first.
#[tauri::command]
#[specta::specta]
pub async fn import_history(app: State<'_, AppState>, limit: Option<u32>) -> Result<Vec<ImportRun>, CoreError> {
    let app = app.inner().clone();
    blocking(move || app.with_store(|store| store.import_runs(limit.unwrap_or(100).min(1000)))).await
}

#[tauri::command]
#[specta::specta]
pub async fn import_profiles(app: State<'_, AppState>) -> Result<Vec<ImportProfile>, CoreError> {
    let app = app.inner().clone();
    blocking(move || app.with_store(|store| store.import_profiles())).await
}

/// Saves (or replaces) a named mapping: folded header → field code, "" for an ignored column.
#[tauri::command]
#[specta::specta]
pub async fn save_import_profile(
    app: State<'_, AppState>,
    name: String,
    entity: Option<String>,
    key: Option<String>,
    columns: BTreeMap<String, String>,
) -> Result<ImportProfile, CoreError> {
    if let Some(e) = entity.as_deref().filter(|e| ImportEntity::from_cli_name(e).is_none()) {
        return Err(CoreError::invalid_argument(Some("entity"), format!("Unbekannte Art „{e}“.")));
    }
    if let Some(k) = key.as_deref().filter(|k| MatchKey::from_name(k).is_none()) {
        return Err(CoreError::invalid_argument(Some("key"), format!("Unbekannter Schlüssel „{k}“.")));
    }
    if let Some(f) = columns.values().find(|f| !f.is_empty() && Field::from_name(f).is_none()) {
        return Err(CoreError::invalid_argument(Some("columns"), format!("Unbekanntes Feld „{f}“.")));
    }
    let app = app.inner().clone();
    blocking(move || {
        app.with_store(|store| store.save_import_profile(&name, entity.as_deref(), key.as_deref(), &columns))
    })
    .await
}

/// Compares a sheet with the inventory without changing anything; with `report_path` the full
/// report is saved as XLSX.
#[tauri::command]
#[specta::specta]
pub async fn import_reconcile(
    app: State<'_, AppState>,
    imports: State<'_, ImportState>,
    path: String,
    settings: ImportSettings,
    sheet_schools_only: bool,
    report_path: Option<String>,
) -> Result<ReconcileSummary, ImportFailure> {
    let (app, imports) = (app.inner().clone(), imports.inner().clone());
    imports.begin();
    blocking(move || session::reconcile(&app, &imports, &path, &settings, sheet_schools_only, report_path.as_deref()))
        .await
}
