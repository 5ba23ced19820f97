//! Tauri commands. Each one parses its input, calls one core function on a blocking thread and
//! returns the core result; no SQL and no business rules here.

use schulinventar_core::CoreError;
use serde::Serialize;
use tauri::State;

use crate::state::{AppState, DatabaseStatus};

/// What the About box and the status line show.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct AppInfo {
    /// Absolute path of the database file in use.
    pub db_path: String,
    pub version: String,
}

#[tauri::command]
#[specta::specta]
pub fn app_info(state: State<'_, AppState>) -> AppInfo {
    AppInfo { db_path: state.db_path().display().to_string(), version: env!("CARGO_PKG_VERSION").to_owned() }
}

/// Whether the database is open yet and what opening it is doing; answers at once, also while
/// an upgrade holds the database, so the window can show its progress.
#[tauri::command]
#[specta::specta]
pub fn database_status(state: State<'_, AppState>) -> DatabaseStatus {
    state.database_status()
}

/// Runs database and file work on Tauri's blocking pool so the main thread keeps drawing.
pub(crate) async fn blocking<T: Send + 'static, E: From<CoreError> + Send + 'static>(
    job: impl FnOnce() -> Result<T, E> + Send + 'static,
) -> Result<T, E> {
    tauri::async_runtime::spawn_blocking(job).await.unwrap_or_else(|_| {
        Err(CoreError::Database { message: "Die Datenbankabfrage wurde unerwartet abgebrochen.".to_owned() }.into())
    })
}

/// Today's date on this computer: the day rules and key figures are computed for.
pub(crate) fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}
