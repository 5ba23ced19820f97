//! The import as the window runs it: settings → exchange options, one run at a time with a
//! cancel flag, and the last result kept here so the preview table can page through it and the
//! error list can be saved without sending the whole report over IPC.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use schulinventar_exchange::import::{
    self as engine, Control, ImportEntity, ImportError, ImportOptions, ImportReport, MatchKey, Mode, Outcome, RowError,
    RowResult,
};
use schulinventar_exchange::mapping::{header_key, Field};
use schulinventar_exchange::table::{sha256_of, TableOptions};
use schulinventar_exchange::xlsx_out::write_error_workbook;

use super::types::{
    store_entity_label, unknown_columns, ColumnMapping, FileInfo, ImportFailure, ImportInspection, ImportMode,
    ImportProgressInfo, ImportSettings, ImportSummary, PreviewLine, PreviewPage, RowOutcome,
};
use crate::state::AppState;

/// Most lines one preview page carries.
pub const MAX_PAGE: u32 = 1000;

/// Shared by the import commands: cheap to clone.
#[derive(Clone, Default)]
pub struct ImportState {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    cancel: AtomicBool,
    next_id: AtomicU32,
    last: Mutex<Option<Arc<Finished>>>,
}

/// The result of the last run, with its preview lines built once.
struct Finished {
    id: u32,
    report: ImportReport,
    all: Vec<PreviewLine>,
    errors: Vec<PreviewLine>,
}

impl ImportState {
    /// Called when a run is requested, before it waits for the store: a cancel that arrives
    /// while it waits still stops it.
    pub fn begin(&self) {
        self.inner.cancel.store(false, Ordering::SeqCst);
    }

    /// Stops the running import at its next row; it then keeps nothing.
    pub fn cancel(&self) {
        self.inner.cancel.store(true, Ordering::SeqCst);
    }

    fn last(&self) -> MutexGuard<'_, Option<Arc<Finished>>> {
        self.inner.last.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn finished(&self, report_id: u32) -> Result<Arc<Finished>, ImportFailure> {
        match self.last().as_ref() {
            Some(f) if f.id == report_id => Ok(f.clone()),
            _ => Err(ImportFailure::new(
                "stale_report",
                "Diese Vorschau ist nicht mehr aktuell. Bitte die Vorschau neu erstellen.",
            )),
        }
    }
}

fn invalid(message: String) -> ImportFailure {
    ImportFailure::new("invalid_argument", message)
}

/// The exchange crate's options for these settings.
pub fn options(settings: &ImportSettings, mode: ImportMode) -> Result<ImportOptions, ImportFailure> {
    let mut o = ImportOptions::default();
    let present = |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    if let Some(e) = present(&settings.entity) {
        o.entity = Some(ImportEntity::from_cli_name(&e).ok_or_else(|| invalid(format!("Unbekannte Art „{e}“.")))?);
    }
    if let Some(k) = present(&settings.key) {
        o.key = Some(MatchKey::from_name(&k).ok_or_else(|| invalid(format!("Unbekannter Schlüssel „{k}“.")))?);
    }
    for (column, field) in &settings.columns {
        let field = match field.as_deref().map(str::trim).filter(|f| !f.is_empty()) {
            None => None,
            Some(f) => Some(Field::from_name(f).ok_or_else(|| invalid(format!("Unbekanntes Feld „{f}“.")))?),
        };
        // Keys arrive folded already; folding again makes a header text work as well.
        o.columns.insert(header_key(column), field);
    }
    o.school = present(&settings.school);
    o.table = TableOptions { sheet: present(&settings.sheet), ..TableOptions::default() };
    o.mode = match mode {
        ImportMode::DryRun => Mode::DryRun,
        ImportMode::Commit => Mode::Commit { valid_only: false },
        ImportMode::CommitValidOnly => Mode::Commit { valid_only: true },
    };
    Ok(o)
}

fn path_of(path: &str) -> Result<PathBuf, ImportFailure> {
    // Pasted paths often come quoted ("Als Pfad kopieren" on Windows) or as file:// URLs.
    let trimmed = path.trim().trim_matches(|c| c == '"' || c == '\'');
    let trimmed = trimmed.strip_prefix("file://").unwrap_or(trimmed);
    if trimmed.is_empty() {
        return Err(ImportFailure::new("no_file", "Bitte eine Datei wählen."));
    }
    let p = PathBuf::from(trimmed);
    if !p.is_file() {
        return Err(ImportFailure::new("file_not_found", format!("Die Datei „{}“ gibt es nicht.", p.display())));
    }
    Ok(p)
}

/// Reads the header of `path` and shows how its columns would be read; touches no database.
pub fn inspect(path: &str, settings: &ImportSettings) -> Result<ImportInspection, ImportFailure> {
    let path = path_of(path)?;
    let o = options(settings, ImportMode::DryRun)?;
    // A mapping the import refuses as it stands (a missing key column …) still shows its
    // columns, so the user can fix it; only an unreadable file is an error.
    let i = engine::inspect_table(&path, &o)?;
    let columns: Vec<ColumnMapping> = i.columns.iter().map(ColumnMapping::from).collect();
    Ok(ImportInspection {
        file: FileInfo::from(&i.file),
        entity: i.entity.cli_name().to_owned(),
        // With a problem, no key fits yet: only the one the user chose is shown.
        key: if i.problem.is_some() { o.key.map(|k| k.name().to_owned()) } else { Some(i.key.name().to_owned()) },
        unknown_columns: unknown_columns(&columns),
        columns,
        problem: i.problem.map(Into::into),
    })
}

/// Runs a dry run or a commit of `path`. `expected_sha256` (the previewed file's) refuses a
/// commit of a file that changed since its preview. Blocks: call from a blocking thread.
pub fn run(
    app: &AppState,
    imports: &ImportState,
    path: &str,
    settings: &ImportSettings,
    mode: ImportMode,
    expected_sha256: Option<&str>,
    progress: &mut dyn FnMut(ImportProgressInfo),
) -> Result<ImportSummary, ImportFailure> {
    let path = path_of(path)?;
    let o = options(settings, mode)?;
    if let (Some(expected), false) = (expected_sha256, mode == ImportMode::DryRun) {
        let now = sha256_of(&path).map_err(ImportError::from)?;
        if now != expected {
            return Err(ImportFailure::new(
                "file_changed",
                "Die Datei wurde seit der Vorschau geändert. Bitte die Vorschau neu erstellen.",
            ));
        }
    }
    progress(ImportProgressInfo { rows: 0, fraction: Some(0.0) });
    let cancel = &imports.inner.cancel;
    let report = app.with_store_mut(|store| {
        let mut forward = |p| progress(ImportProgressInfo::from(p));
        engine::run_import(store, &path, &o, Control { cancel, progress: &mut forward }).map_err(ImportFailure::from)
    })?;
    let id = imports.inner.next_id.fetch_add(1, Ordering::Relaxed) + 1;
    let summary = ImportSummary::new(id, &report);
    let (all, errors) = preview_lines(&report);
    *imports.last() = Some(Arc::new(Finished { id, report, all, errors }));
    Ok(summary)
}

/// A page of the last result's lines; `only_errors` leaves out rows without errors.
pub fn preview_rows(
    imports: &ImportState,
    report_id: u32,
    only_errors: bool,
    offset: u32,
    limit: u32,
) -> Result<PreviewPage, ImportFailure> {
    let finished = imports.finished(report_id)?;
    let lines = if only_errors { &finished.errors } else { &finished.all };
    let start = (offset as usize).min(lines.len());
    let end = start.saturating_add(limit.clamp(1, MAX_PAGE) as usize).min(lines.len());
    Ok(PreviewPage { total: lines.len() as u32, offset: start as u32, lines: lines[start..end].to_vec() })
}

/// Writes the rows with errors of the last result, as sent plus what is wrong, to `path`
/// (".xlsx" added if it has no extension). Returns the path written.
pub fn save_errors(imports: &ImportState, report_id: u32, path: &str) -> Result<String, ImportFailure> {
    let finished = imports.finished(report_id)?;
    let trimmed = path.trim().trim_matches(|c| c == '"' || c == '\'');
    if trimmed.is_empty() {
        return Err(ImportFailure::new("no_file", "Bitte angeben, wohin die Fehlerliste gespeichert werden soll."));
    }
    let mut out = PathBuf::from(trimmed);
    if out.extension().is_none() {
        out.set_extension("xlsx");
    }
    write_error_workbook(&out, &finished.report)?;
    Ok(out.display().to_string())
}

fn outcome(o: Outcome) -> RowOutcome {
    match o {
        Outcome::Created => RowOutcome::Created,
        Outcome::Updated => RowOutcome::Updated,
        Outcome::Unchanged => RowOutcome::Unchanged,
        Outcome::Error => RowOutcome::Error,
    }
}

fn error_line(e: &RowError, result: Option<&RowResult>) -> PreviewLine {
    PreviewLine {
        row: e.row,
        outcome: RowOutcome::Error,
        entity_label: result.map(|r| store_entity_label(&r.entity)).unwrap_or_default().to_owned(),
        key: result.map(|r| r.key.clone()).unwrap_or_default(),
        column: e.column.clone(),
        value: e.value.clone(),
        message: e.message.clone(),
    }
}

/// Every row as a line (a row with errors as one line per error), and the error lines alone.
fn preview_lines(report: &ImportReport) -> (Vec<PreviewLine>, Vec<PreviewLine>) {
    let results: HashMap<u64, &RowResult> = report.row_results.iter().map(|r| (r.row, r)).collect();
    let mut by_row: BTreeMap<u64, Vec<&RowError>> = BTreeMap::new();
    for e in &report.error_rows {
        by_row.entry(e.row).or_default().push(e);
    }
    let errors: Vec<PreviewLine> =
        report.error_rows.iter().map(|e| error_line(e, results.get(&e.row).copied())).collect();
    let mut all = Vec::with_capacity(report.row_results.len() + report.error_rows.len());
    for r in &report.row_results {
        let entity_label = store_entity_label(&r.entity).to_owned();
        match (r.outcome, by_row.get(&r.row)) {
            (Outcome::Error, Some(list)) => all.extend(list.iter().map(|e| error_line(e, Some(r)))),
            (o, _) => {
                let column = r.changes.iter().map(|c| engine::column_label(&c.field)).collect::<Vec<_>>().join(", ");
                let message = r
                    .changes
                    .iter()
                    .map(|c| {
                        format!(
                            "{}: {} → {}",
                            engine::column_label(&c.field),
                            shown(&c.field, &c.old),
                            shown(&c.field, &c.new)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("; ");
                all.push(PreviewLine {
                    row: r.row,
                    outcome: outcome(o),
                    entity_label,
                    key: r.key.clone(),
                    column,
                    value: String::new(),
                    message,
                });
            }
        }
    }
    (all, errors)
}

/// A stored value as people read it: euros for cents, "–" for nothing.
fn shown(field: &str, v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "–".into(),
        serde_json::Value::String(s) if s.is_empty() => "–".into(),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Number(n) if field.ends_with("_cents") => match n.as_i64() {
            Some(c) => euros(c),
            None => n.to_string(),
        },
        serde_json::Value::Bool(true) => "ja".into(),
        serde_json::Value::Bool(false) => "nein".into(),
        other => other.to_string(),
    }
}

/// 123456 → "1.234,56 €".
fn euros(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    let whole = (abs / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push('.');
        }
        grouped.push(ch);
    }
    format!("{sign}{grouped},{:02} €", abs % 100)
}

/// Compares the sheet with the inventory (nothing is written) and, with `report_path`, saves
/// the full report as XLSX. Blocks: call from a blocking thread.
pub fn reconcile(
    app: &AppState,
    imports: &ImportState,
    path: &str,
    settings: &ImportSettings,
    sheet_schools_only: bool,
    report_path: Option<&str>,
) -> Result<super::types::ReconcileSummary, ImportFailure> {
    use super::types::{ReconcileDifference, ReconcileItem, ReconcileSummary};
    const LISTED: usize = 1000;
    let path = path_of(path)?;
    let o = options(settings, ImportMode::DryRun)?;
    let cancel = &imports.inner.cancel;
    let r = app.with_store_mut(|store| {
        schulinventar_exchange::reconcile::reconcile(
            store,
            &path,
            &o,
            sheet_schools_only,
            Control { cancel, progress: &mut |_| {} },
        )
        .map_err(ImportFailure::from)
    })?;
    let written = match report_path.map(str::trim).filter(|p| !p.is_empty()) {
        Some(out) => {
            let out = PathBuf::from(out);
            schulinventar_exchange::reconcile::write_reconcile_workbook(&out, &r)?;
            Some(out.display().to_string())
        }
        None => None,
    };
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    Ok(ReconcileSummary {
        only_in_sheet: r.only_in_sheet as u32,
        only_in_inventory: r.only_in_inventory as u32,
        different: r.different as u32,
        identical: r.identical as u32,
        errors: r.errors as u32,
        sheet_only: r
            .sheet_only
            .iter()
            .take(LISTED)
            .map(|i| ReconcileItem {
                row: Some(i.row as u32),
                entity_label: store_entity_label(&i.entity).to_owned(),
                entity: i.entity.clone(),
                school_number: None,
                key: i.key.clone(),
                description: None,
            })
            .collect(),
        inventory_only: r
            .inventory_only
            .iter()
            .take(LISTED)
            .map(|i| ReconcileItem {
                row: None,
                entity_label: store_entity_label(&i.entity).to_owned(),
                entity: i.entity.clone(),
                school_number: Some(i.school_number.clone()),
                key: i.key.clone(),
                description: Some(i.description.clone()),
            })
            .collect(),
        differences: r
            .differences
            .iter()
            .take(LISTED)
            .map(|d| ReconcileDifference {
                row: d.row as u32,
                key: d.key.clone(),
                field_label: d.field_label.clone(),
                sheet: text(&d.sheet),
                inventory: text(&d.inventory),
            })
            .collect(),
        report_path: written,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn euros_are_grouped_german_style() {
        assert_eq!(euros(0), "0,00 €");
        assert_eq!(euros(5), "0,05 €");
        assert_eq!(euros(123_456), "1.234,56 €");
        assert_eq!(euros(-100_000_000), "-1.000.000,00 €");
    }

    #[test]
    fn settings_become_options() {
        let mut settings = ImportSettings {
            entity: Some("devices".into()),
            key: Some("serial_number".into()),
            sheet: Some(" Geräte ".into()),
            school: Some(" ".into()),
            ..ImportSettings::default()
        };
        settings.columns.insert("Inventar-Nr.".into(), None);
        settings.columns.insert("modell".into(), Some("model".into()));
        let o = options(&settings, ImportMode::CommitValidOnly).unwrap();
        assert_eq!(o.entity, Some(ImportEntity::Devices));
        assert_eq!(o.key, Some(MatchKey::SerialNumber));
        assert_eq!(o.table.sheet.as_deref(), Some("Geräte"));
        assert_eq!(o.school, None);
        assert_eq!(o.columns.get("inventarnr"), Some(&None));
        assert_eq!(o.columns.get("modell"), Some(&Some(Field::Model)));
        assert_eq!(o.mode, Mode::Commit { valid_only: true });

        settings.columns.insert("x".into(), Some("no_such_field".into()));
        assert_eq!(options(&settings, ImportMode::DryRun).unwrap_err().code, "invalid_argument");
    }

    #[test]
    fn pasted_paths_lose_quotes_and_file_urls() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("liste.csv");
        std::fs::write(&file, "a;b\n").unwrap();
        let shown = file.display().to_string();
        assert_eq!(path_of(&format!("  \"{shown}\" ")).unwrap(), file);
        assert_eq!(path_of(&format!("file://{shown}")).unwrap(), file);
        assert_eq!(path_of("").unwrap_err().code, "no_file");
        assert_eq!(path_of(&format!("{shown}.fehlt")).unwrap_err().code, "file_not_found");
    }
}
