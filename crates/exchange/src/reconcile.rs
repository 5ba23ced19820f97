//! Reconciliation, the auditor's job: compare a spreadsheet with the inventory without changing
//! anything. It is the import's dry run read the other way round: rows the import would create
//! are only in the sheet, rows it would update differ (field by field), rows it would leave
//! alone are identical, and stored items no row matched are only in the inventory.

use std::path::Path;

use rust_xlsxwriter::{Format, Workbook};
use serde::Serialize;

use crate::import::{
    column_label, run_import, Control, ImportEntity, ImportError, ImportOptions, ImportReport, MatchKey, Mode, Outcome,
    RowError,
};
use crate::table::TableInfo;
use crate::xlsx_out::header;
use schulinventar_core::Store;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SheetItem {
    pub row: u64,
    pub entity: String,
    pub key: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InventoryItem {
    pub entity: String,
    pub id: String,
    pub school_number: String,
    /// Inventory number, serial number or name: what identifies it for people.
    pub key: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Difference {
    pub row: u64,
    pub entity: String,
    pub key: String,
    pub field: String,
    pub field_label: String,
    pub sheet: serde_json::Value,
    pub inventory: serde_json::Value,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReconcileReport {
    pub file: TableInfo,
    pub entity: ImportEntity,
    pub key: MatchKey,
    pub only_in_sheet: u64,
    pub only_in_inventory: u64,
    pub different: u64,
    pub identical: u64,
    pub errors: u64,
    /// Only stored items of the schools the sheet covers were compared.
    pub sheet_schools_only: bool,
    pub sheet_only: Vec<SheetItem>,
    pub inventory_only: Vec<InventoryItem>,
    pub differences: Vec<Difference>,
    pub error_rows: Vec<RowError>,
    pub unmapped_columns: Vec<String>,
}

fn tables(entity: ImportEntity) -> &'static [(&'static str, &'static str)] {
    match entity {
        ImportEntity::Schools => &[("school", "schools")],
        ImportEntity::Buildings => &[("building", "buildings")],
        ImportEntity::Rooms => &[("room", "rooms")],
        ImportEntity::Devices => &[("device", "devices")],
        ImportEntity::AccessPoints => &[("access_point", "access_points")],
        ImportEntity::PresentationHardware => &[("presentation_hardware", "presentation_hardware")],
        ImportEntity::FibreLinks => &[("fibre_link", "fibre_links")],
        ImportEntity::Invoices => &[("invoice_line", "invoice_lines")],
        ImportEntity::Inventory => &[
            ("device", "devices"),
            ("access_point", "access_points"),
            ("presentation_hardware", "presentation_hardware"),
        ],
    }
}

/// Compares the sheet at `path` with the inventory. Nothing is written.
pub fn reconcile(
    store: &mut Store,
    path: &Path,
    options: &ImportOptions,
    sheet_schools_only: bool,
    control: Control<'_>,
) -> Result<ReconcileReport, ImportError> {
    let options = ImportOptions { mode: Mode::DryRun, max_listed_rows: usize::MAX, ..options.clone() };
    let report: ImportReport = run_import(store, path, &options, control)?;
    let mut out = ReconcileReport {
        file: report.file.clone(),
        entity: report.entity,
        key: report.key,
        only_in_sheet: report.created,
        only_in_inventory: 0,
        different: report.updated,
        identical: report.unchanged,
        errors: report.errors,
        sheet_schools_only,
        sheet_only: Vec::new(),
        inventory_only: Vec::new(),
        differences: Vec::new(),
        error_rows: report.error_rows.clone(),
        unmapped_columns: report.unmapped_columns.clone(),
    };
    for r in &report.row_results {
        match r.outcome {
            Outcome::Created => {
                out.sheet_only.push(SheetItem { row: r.row, entity: r.entity.clone(), key: r.key.clone() })
            }
            Outcome::Updated => out.differences.extend(r.changes.iter().map(|c| Difference {
                row: r.row,
                entity: r.entity.clone(),
                key: r.key.clone(),
                field: c.field.clone(),
                field_label: column_label(&c.field),
                sheet: c.new.clone(),
                inventory: c.old.clone(),
            })),
            _ => {}
        }
    }
    let conn = store.conn();
    conn.execute_batch("CREATE TEMP TABLE IF NOT EXISTS reconcile_ids(id TEXT PRIMARY KEY) WITHOUT ROWID; DELETE FROM temp.reconcile_ids;")
        .map_err(schulinventar_core::CoreError::from)?;
    {
        let mut ins = conn
            .prepare("INSERT OR IGNORE INTO temp.reconcile_ids(id) VALUES (?1)")
            .map_err(schulinventar_core::CoreError::from)?;
        for id in report.matched.values().flatten() {
            ins.execute([id]).map_err(schulinventar_core::CoreError::from)?;
        }
    }
    let schools: Vec<String> = report.schools.iter().cloned().collect();
    let schools_json = serde_json::to_string(&schools).map_err(schulinventar_core::CoreError::from)?;
    for (entity, table) in tables(report.entity) {
        let (school_col, key_expr, desc_expr) = match *table {
            "schools" => ("t.id", "t.school_number", "t.name"),
            "buildings" => ("t.school_id", "t.name", "coalesce(t.code, '')"),
            "rooms" => ("t.school_id", "t.number", "coalesce(t.name, '')"),
            "fibre_links" => ("t.school_id", "t.link_type", "coalesce(t.provider, '')"),
            "invoice_lines" => (
                "t.school_id",
                "(SELECT invoice_number FROM invoices i WHERE i.id = t.invoice_id)",
                "coalesce(t.description, '')",
            ),
            _ => (
                "t.school_id",
                "coalesce(t.inventory_number, t.serial_number, '')",
                "trim(coalesce(t.manufacturer, '') || ' ' || coalesce(t.model, ''))",
            ),
        };
        let sql = format!(
            "SELECT t.id, coalesce(s.school_number, ''), {key_expr}, {desc_expr} FROM {table} t
               LEFT JOIN schools s ON s.id = {school_col}
             WHERE t.deleted_at IS NULL AND t.id NOT IN (SELECT id FROM temp.reconcile_ids)
               AND (?1 = 0 OR {school_col} IN (SELECT value FROM json_each(?2)))
             ORDER BY s.school_number, 3"
        );
        let mut stmt = conn.prepare(&sql).map_err(schulinventar_core::CoreError::from)?;
        let rows = stmt
            .query_map(rusqlite::params![sheet_schools_only, schools_json], |r| {
                Ok(InventoryItem {
                    entity: (*entity).to_owned(),
                    id: r.get(0)?,
                    school_number: r.get(1)?,
                    key: r.get(2)?,
                    description: r.get(3)?,
                })
            })
            .map_err(schulinventar_core::CoreError::from)?;
        for item in rows {
            out.inventory_only.push(item.map_err(schulinventar_core::CoreError::from)?);
        }
    }
    conn.execute_batch("DELETE FROM temp.reconcile_ids").map_err(schulinventar_core::CoreError::from)?;
    out.only_in_inventory = out.inventory_only.len() as u64;
    Ok(out)
}

fn text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The reconciliation as a workbook: a summary and one sheet per category.
pub fn write_reconcile_workbook(path: &Path, r: &ReconcileReport) -> Result<(), ImportError> {
    let fail = |e: rust_xlsxwriter::XlsxError| ImportError {
        code: "write_failed".into(),
        message: format!("„{}“ kann nicht geschrieben werden: {e}", path.display()),
    };
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    {
        let s = wb.add_worksheet().set_name("Übersicht").map_err(fail)?;
        s.write_string_with_format(0, 0, "Abgleich", &bold).map_err(fail)?;
        s.write_string(1, 0, "Datei").map_err(fail)?;
        s.write_string(1, 1, &r.file.file_name).map_err(fail)?;
        s.write_string(2, 0, "SHA-256").map_err(fail)?;
        s.write_string(2, 1, &r.file.sha256).map_err(fail)?;
        s.write_string(3, 0, "Erstellt").map_err(fail)?;
        s.write_string(3, 1, chrono::Local::now().format("%d.%m.%Y %H:%M").to_string()).map_err(fail)?;
        let counts = [
            ("Nur in der Tabelle", r.only_in_sheet),
            ("Nur im Inventar", r.only_in_inventory),
            ("Abweichend", r.different),
            ("Übereinstimmend", r.identical),
            ("Fehlerhafte Zeilen", r.errors),
        ];
        for (i, (label, n)) in counts.iter().enumerate() {
            s.write_string(5 + i as u32, 0, *label).map_err(fail)?;
            s.write_number(5 + i as u32, 1, *n as f64).map_err(fail)?;
        }
        s.set_column_width(0, 24).map_err(fail)?;
        s.set_column_width(1, 70).map_err(fail)?;
    }
    {
        let s = wb.add_worksheet().set_name("Nur in Tabelle").map_err(fail)?;
        header(s, &["Zeile".into(), "Art".into(), "Schlüssel".into()], r.sheet_only.len() as u32).map_err(fail)?;
        for (i, it) in r.sheet_only.iter().enumerate() {
            let row = i as u32 + 1;
            s.write_number(row, 0, it.row as f64).map_err(fail)?;
            s.write_string(row, 1, &it.entity).map_err(fail)?;
            s.write_string(row, 2, &it.key).map_err(fail)?;
        }
    }
    {
        let s = wb.add_worksheet().set_name("Nur im Inventar").map_err(fail)?;
        let titles = ["Art", "Schulnummer", "Schlüssel", "Beschreibung", "ID"].map(String::from);
        header(s, &titles, r.inventory_only.len() as u32).map_err(fail)?;
        for (i, it) in r.inventory_only.iter().enumerate() {
            let row = i as u32 + 1;
            for (c, v) in [&it.entity, &it.school_number, &it.key, &it.description, &it.id].iter().enumerate() {
                s.write_string(row, c as u16, *v).map_err(fail)?;
            }
        }
    }
    {
        let s = wb.add_worksheet().set_name("Abweichungen").map_err(fail)?;
        let titles = ["Zeile", "Art", "Schlüssel", "Feld", "Wert in der Tabelle", "Wert im Inventar"].map(String::from);
        header(s, &titles, r.differences.len() as u32).map_err(fail)?;
        for (i, d) in r.differences.iter().enumerate() {
            let row = i as u32 + 1;
            s.write_number(row, 0, d.row as f64).map_err(fail)?;
            s.write_string(row, 1, &d.entity).map_err(fail)?;
            s.write_string(row, 2, &d.key).map_err(fail)?;
            s.write_string(row, 3, &d.field_label).map_err(fail)?;
            s.write_string(row, 4, text(&d.sheet)).map_err(fail)?;
            s.write_string(row, 5, text(&d.inventory)).map_err(fail)?;
        }
    }
    {
        let s = wb.add_worksheet().set_name("Fehler").map_err(fail)?;
        let titles = ["Zeile", "Spalte", "Wert", "Code", "Meldung"].map(String::from);
        header(s, &titles, r.error_rows.len() as u32).map_err(fail)?;
        for (i, e) in r.error_rows.iter().enumerate() {
            let row = i as u32 + 1;
            s.write_number(row, 0, e.row as f64).map_err(fail)?;
            for (c, v) in [&e.column, &e.value, &e.code, &e.message].iter().enumerate() {
                s.write_string(row, c as u16 + 1, *v).map_err(fail)?;
            }
        }
    }
    wb.save(path).map_err(fail)
}
