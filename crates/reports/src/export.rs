//! Exports of entity lists (what a list shows, with its filters) as XLSX or CSV, streamed: the
//! rows come from the database a page at a time and go straight to the file (XLSX in
//! rust_xlsxwriter's constant-memory mode), so memory stays flat however long the list. The
//! column headers are the ones our importer recognises, references are written as what people
//! key by (school number, building name, room number), so an export can be imported again.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension};
use rust_xlsxwriter::Workbook;
use schulinventar_core::entity::EntityInfo;
use schulinventar_core::query::{info_by_cli_name, list_json};
use schulinventar_core::{AssetStatus, CoreError, DeviceCategory, ListQuery, UserGroup};
use schulinventar_exchange::mapping::Field;
use serde_json::Value;

use crate::csv_out::{CsvOut, CsvStyle};
use crate::document::{Cell, ColumnKind};
use crate::xlsx_out::{write_cell, Formats};

/// Rows of an Excel worksheet, the header included.
const XLSX_MAX_ROWS: u32 = 1_048_576;

/// The file an export writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Xlsx,
    Csv(CsvStyle),
}

/// The list's filters, as on the command line and in the app.
#[derive(Debug, Clone, Default)]
pub struct ExportFilter {
    pub school_number: Option<String>,
    pub search: Option<String>,
}

/// How a stored value becomes a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Conv {
    Plain,
    Money,
    School,
    Building,
    Room,
    Authority,
    Device,
    Status,
    DeviceKind,
    Group,
}

struct Col {
    column: &'static str,
    header: String,
    conv: Conv,
}

const ASSET_TABLES: [&str; 3] = ["devices", "access_points", "presentation_hardware"];

fn columns(info: &EntityInfo) -> Vec<Col> {
    let asset = ASSET_TABLES.contains(&info.table);
    info.columns
        .iter()
        .map(|&column| {
            let (header, conv): (String, Conv) = match column {
                "school_id" => (Field::SchoolNumber.label().into(), Conv::School),
                "building_id" => (Field::Building.label().into(), Conv::Building),
                "room_id" => (Field::Room.label().into(), Conv::Room),
                "authority_id" => ("Schulträger".into(), Conv::Authority),
                "device_id" => ("Gerät (Inventarnummer)".into(), Conv::Device),
                "status" if asset => (Field::Status.label().into(), Conv::Status),
                "category" if info.table == "devices" => ("Gerätetyp".into(), Conv::DeviceKind),
                "user_group" => (Field::UserGroup.label().into(), Conv::Group),
                c if c.ends_with("_cents") => {
                    let base = c.trim_end_matches("_cents");
                    let header = Field::from_name(c)
                        .or_else(|| Field::from_name(base))
                        .map_or_else(|| base.replace('_', " "), |f| f.label().into());
                    (header, Conv::Money)
                }
                c => (Field::from_name(c).map_or_else(|| c.replace('_', " "), |f| f.label().into()), Conv::Plain),
            };
            Col { column, header, conv }
        })
        .collect()
}

/// Names for ids, looked up once each.
#[derive(Default)]
struct Names {
    cache: HashMap<(Conv, String), Option<String>>,
}

impl Names {
    fn get(&mut self, conn: &Connection, conv: Conv, id: &str) -> Result<Option<String>, CoreError> {
        if let Some(v) = self.cache.get(&(conv, id.to_owned())) {
            return Ok(v.clone());
        }
        let sql = match conv {
            Conv::School => "SELECT school_number FROM schools WHERE id = ?1",
            Conv::Building => "SELECT name FROM buildings WHERE id = ?1",
            Conv::Room => "SELECT number FROM rooms WHERE id = ?1",
            Conv::Authority => "SELECT name FROM school_authorities WHERE id = ?1",
            Conv::Device => "SELECT coalesce(inventory_number, serial_number, id) FROM devices WHERE id = ?1",
            _ => return Ok(Some(id.to_owned())),
        };
        let name: Option<String> = conn.prepare_cached(sql)?.query_row([id], |r| r.get(0)).optional()?;
        // Caches stay small: schools, buildings and rooms repeat; devices of loans do not.
        if conv != Conv::Device {
            self.cache.insert((conv, id.to_owned()), name.clone());
        }
        Ok(name)
    }
}

fn cell(conn: &Connection, names: &mut Names, col: &Col, value: Option<&Value>) -> Result<Cell, CoreError> {
    let Some(value) = value else { return Ok(Cell::Empty) };
    Ok(match (value, col.conv) {
        (Value::Null, _) => Cell::Empty,
        (Value::Number(n), Conv::Money) => n.as_i64().map_or(Cell::Empty, Cell::Money),
        (Value::Number(n), _) => n.as_i64().map_or_else(|| Cell::Decimal(n.as_f64().unwrap_or(0.0)), Cell::Integer),
        (Value::Bool(b), _) => Cell::text(if *b { "ja" } else { "nein" }),
        (Value::String(s), Conv::Status) => Cell::text(AssetStatus::from_code(s).map_or(s.as_str(), |v| v.label())),
        (Value::String(s), Conv::DeviceKind) => {
            Cell::text(DeviceCategory::from_code(s).map_or(s.as_str(), |v| v.label()))
        }
        (Value::String(s), Conv::Group) => Cell::text(UserGroup::from_code(s).map_or(s.as_str(), |v| v.label())),
        (Value::String(s), Conv::School | Conv::Building | Conv::Room | Conv::Authority | Conv::Device) => {
            names.get(conn, col.conv, s)?.map_or(Cell::Empty, Cell::Text)
        }
        (Value::String(s), _) => match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Ok(d) if s.len() == 10 => Cell::Date(d),
            _ => Cell::text(s.clone()),
        },
        (other, _) => Cell::text(other.to_string()),
    })
}

/// Writes `out` through a temporary file next to it and renames it into place, so a failure
/// or a cancel never leaves half a file under the name asked for.
pub struct AtomicFile {
    tmp: PathBuf,
    target: PathBuf,
}

impl AtomicFile {
    pub fn new(target: &Path) -> AtomicFile {
        let name = target.file_name().map_or_else(|| "export".into(), |n| n.to_string_lossy().into_owned());
        let tmp = target.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
        AtomicFile { tmp, target: target.to_owned() }
    }

    pub fn path(&self) -> &Path {
        &self.tmp
    }

    pub fn commit(self) -> std::io::Result<()> {
        std::fs::rename(&self.tmp, &self.target)
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.tmp);
    }
}

fn io_error(path: &Path, e: impl std::fmt::Display) -> CoreError {
    CoreError::Database { message: format!("Die Datei {} konnte nicht geschrieben werden: {e}", path.display()) }
}

/// How many rows an export of `entity` with `filter` writes (for progress shown as a share).
pub fn export_count(conn: &Connection, entity: &str, filter: &ExportFilter) -> Result<u64, CoreError> {
    let query = ListQuery {
        school_number: filter.school_number.clone(),
        search: filter.search.clone(),
        ..ListQuery::default()
    };
    schulinventar_core::query::count(conn, info_by_cli_name(entity)?, &query)
}

/// Exports the list of `entity` (its command-line name, e.g. "devices") to `out`. Calls
/// `progress(rows written)` after every page. Returns the number of rows.
pub fn export(
    conn: &Connection,
    entity: &str,
    filter: &ExportFilter,
    format: ExportFormat,
    out: &Path,
    progress: &mut dyn FnMut(u64),
) -> Result<u64, CoreError> {
    let info = info_by_cli_name(entity)?;
    let cols = columns(info);
    let file = AtomicFile::new(out);
    let mut query = ListQuery {
        school_number: filter.school_number.clone(),
        search: filter.search.clone(),
        limit: Some(1000),
        ..ListQuery::default()
    };
    let mut names = Names::default();
    let mut rows = 0u64;
    let mut next_page = |query: &mut ListQuery| -> Result<Option<Vec<Vec<Cell>>>, CoreError> {
        if query.after.as_deref() == Some("") {
            return Ok(None);
        }
        let page = list_json(conn, info, query)?;
        let mut out = Vec::with_capacity(page.items.len());
        for item in &page.items {
            let mut row = Vec::with_capacity(cols.len());
            for col in &cols {
                row.push(cell(conn, &mut names, col, item.get(col.column))?);
            }
            out.push(row);
        }
        query.after = Some(page.next.unwrap_or_default());
        Ok(Some(out))
    };
    match format {
        ExportFormat::Csv(style) => {
            let f = File::create(file.path()).map_err(|e| io_error(out, e))?;
            let mut csv = CsvOut::new(BufWriter::new(f), style).map_err(|e| io_error(out, e))?;
            let headers: Vec<&str> = cols.iter().map(|c| c.header.as_str()).collect();
            csv.header(&headers).map_err(|e| io_error(out, e))?;
            while let Some(page) = next_page(&mut query)? {
                for row in &page {
                    csv.row(row).map_err(|e| io_error(out, e))?;
                }
                rows += page.len() as u64;
                progress(rows);
            }
            let mut w = csv.finish().map_err(|e| io_error(out, e))?;
            w.flush().map_err(|e| io_error(out, e))?;
        }
        ExportFormat::Xlsx => {
            // Two threads: this one reads pages from the database, a writer lays them into the
            // workbook; a few pages wait in between.
            let (pages, received) = std::sync::mpsc::sync_channel::<Vec<Vec<Cell>>>(4);
            let tmp = file.path().to_owned();
            let big = export_count(conn, entity, filter)? > BIG_EXPORT;
            std::thread::scope(|scope| -> Result<(), CoreError> {
                let writer = scope.spawn(|| {
                    write_xlsx(received, &cols, sheet_title(info.cli_name), &tmp, big).map_err(|e| io_error(out, e))
                });
                let read = (|| {
                    while let Some(page) = next_page(&mut query)? {
                        let n = page.len() as u64;
                        if pages.send(page).is_err() {
                            break; // The writer failed; its error is reported below.
                        }
                        rows += n;
                        progress(rows);
                    }
                    Ok::<(), CoreError>(())
                })();
                drop(pages);
                let written = writer.join().unwrap_or_else(|_| {
                    Err(CoreError::Database { message: "Die Exportdatei konnte nicht geschrieben werden.".into() })
                });
                read.and(written)
            })?;
        }
    }
    file.commit().map_err(|e| io_error(out, e))?;
    Ok(rows)
}

/// Lists longer than this are compressed at the fastest level: the file is about a third larger,
/// the export much quicker.
const BIG_EXPORT: u64 = 100_000;

/// Writes the pages arriving on `pages` into an XLSX workbook at `path`: bold frozen header,
/// autofilter, and a new sheet "Title (2)" … where Excel's row limit is reached.
fn write_xlsx(
    pages: std::sync::mpsc::Receiver<Vec<Vec<Cell>>>,
    cols: &[Col],
    title: &str,
    path: &Path,
    big: bool,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    let formats = Formats::new();
    let mut wb = Workbook::new();
    if big {
        wb.set_zip_compression_level(1);
    }
    // A sheet holds 1,048,576 rows; longer lists go on to "Geräte (2)", "Geräte (3)" …
    let mut sheets = 0usize;
    let mut r: u32 = XLSX_MAX_ROWS;
    let start_sheet = |wb: &mut Workbook, n: usize| -> Result<(), rust_xlsxwriter::XlsxError> {
        let sheet = wb.add_worksheet_with_constant_memory()?;
        sheet.set_name(if n == 1 { title.to_owned() } else { format!("{title} ({n})") })?;
        for (c, col) in cols.iter().enumerate() {
            sheet.write_string_with_format(0, c as u16, &col.header, &formats.header)?;
            let width = match col.conv {
                Conv::Money => 14.0,
                _ => (col.header.chars().count() as f64 + 4.0).clamp(10.0, 30.0),
            };
            sheet.set_column_width(c as u16, width)?;
        }
        sheet.set_freeze_panes(1, 0)?;
        Ok(())
    };
    let finish_sheet = |wb: &mut Workbook, index: usize, last_row: u32| -> Result<(), rust_xlsxwriter::XlsxError> {
        if !cols.is_empty() {
            wb.worksheet_from_index(index)?.autofilter(0, 0, last_row.max(1), (cols.len() - 1) as u16)?;
        }
        Ok(())
    };
    for page in pages {
        for row in &page {
            if r >= XLSX_MAX_ROWS {
                if sheets > 0 {
                    finish_sheet(&mut wb, sheets - 1, r - 1)?;
                }
                sheets += 1;
                start_sheet(&mut wb, sheets)?;
                r = 1;
            }
            let sheet = wb.worksheet_from_index(sheets - 1)?;
            for (c, value) in row.iter().enumerate() {
                write_cell(sheet, r, c as u16, value, &formats, false)?;
            }
            r += 1;
        }
    }
    if sheets == 0 {
        start_sheet(&mut wb, 1)?;
        sheets = 1;
        r = 1;
    }
    finish_sheet(&mut wb, sheets - 1, r - 1)?;
    wb.save(path)
}

/// The German sheet title of an entity list.
fn sheet_title(cli_name: &str) -> &'static str {
    match cli_name {
        "schools" => "Schulen",
        "buildings" => "Gebäude",
        "rooms" => "Räume",
        "devices" => "Geräte",
        "loans" => "Ausleihen",
        "fibre-links" => "Leitungen",
        "access-points" => "Access Points",
        "presentation-hardware" => "Präsentationstechnik",
        "school-authorities" => "Schulträger",
        "programmes" => "Förderprogramme",
        "allocations" => "Zuweisungen",
        "measures" => "Maßnahmen",
        "invoices" => "Rechnungen",
        "invoice-lines" => "Rechnungspositionen",
        _ => "Liste",
    }
}

/// A column's kind, for callers that describe the export.
pub fn column_kinds(entity: &str) -> Result<Vec<(String, ColumnKind)>, CoreError> {
    let info = info_by_cli_name(entity)?;
    Ok(columns(info)
        .into_iter()
        .map(|c| (c.header, if c.conv == Conv::Money { ColumnKind::Money } else { ColumnKind::Text }))
        .collect())
}
