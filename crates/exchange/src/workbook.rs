//! Reading spreadsheet files (XLSX, XLSM, XLS, ODS) through calamine into typed cells. Numbers
//! and dates keep their type, so a price of 1.234 is never mistaken for "1.234" written the German
//! way, and a school number Excel stored as the number 20374 can get its leading zero back.

use std::path::Path;

use calamine::{open_workbook_auto, Data, DataRef, Dimensions, Reader, Sheets};
use chrono::NaiveDate;

use crate::csv_source::ReadError;
use crate::values::{self, ValueError};

/// One cell with the type the spreadsheet program gave it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    Date(NaiveDate),
    Bool(bool),
    /// A formula error such as `#DIV/0!`.
    Error(String),
}

impl Cell {
    /// The cell as text: whole numbers without a decimal point, dates as dd.mm.yyyy.
    pub fn to_text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(t) => t.clone(),
            Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
            Cell::Number(n) => n.to_string(),
            Cell::Date(d) => d.format("%d.%m.%Y").to_string(),
            Cell::Bool(b) => if *b { "ja" } else { "nein" }.to_owned(),
            Cell::Error(e) => e.clone(),
        }
    }

    pub fn is_empty(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(t) => t.trim().is_empty(),
            _ => false,
        }
    }

    /// An amount in cents: numbers as they are (at most two decimals), text the German way.
    pub fn cents(&self) -> Result<i64, ValueError> {
        match self {
            Cell::Number(n) => {
                let cents = (n * 100.0).round();
                if !n.is_finite() || cents.abs() > 9e15 {
                    Err(ValueError { code: "number_too_large", message: format!("{n} ist zu groß.") })
                } else if ((n * 100.0) - cents).abs() > 1e-6 {
                    Err(ValueError {
                        code: "too_many_decimals",
                        message: format!("{n} hat mehr als zwei Nachkommastellen."),
                    })
                } else {
                    Ok(cents as i64)
                }
            }
            other => values::parse_cents(&other.to_text()),
        }
    }

    /// A date: date cells as they are, numbers as Excel serials, text as dd.mm.yyyy or ISO.
    pub fn date(&self) -> Result<NaiveDate, ValueError> {
        match self {
            Cell::Date(d) => Ok(*d),
            Cell::Number(n) => values::date_from_excel_serial(*n),
            other => values::parse_date(&other.to_text()),
        }
    }
}

/// A row of a sheet; `number` is the row number the spreadsheet program shows.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkbookRow {
    pub number: u64,
    pub cells: Vec<Cell>,
}

pub struct Workbook {
    sheets: Sheets<std::io::BufReader<std::fs::File>>,
}

/// Largest spreadsheet file read at all.
pub const MAX_WORKBOOK_BYTES: u64 = 256 * 1024 * 1024;
/// Largest total the parts of an XLSX/ODS file (a zip archive) may unpack to: a "zip bomb"
/// of a few kilobytes that unpacks to gigabytes is refused before anything is unpacked.
pub const MAX_UNPACKED_BYTES: u64 = 1024 * 1024 * 1024;
/// Rows and columns beyond these are not from a spreadsheet program.
pub const MAX_ROWS: u32 = 1_048_576;
pub const MAX_COLUMNS: u32 = 16_384;

fn not_a_spreadsheet(path: &Path) -> ReadError {
    ReadError {
        code: "not_a_spreadsheet",
        message: format!(
            "„{}“ ist keine lesbare Tabellendatei (XLSX, XLSM, XLS oder ODS) oder sie ist beschädigt.",
            file_label(path)
        ),
        row: None,
    }
}

fn file_label(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// Refuses files too large to be a spreadsheet and archives that unpack to far more than they
/// hold, by reading the archive's directory only.
fn check_size(path: &Path) -> Result<(), ReadError> {
    let size = std::fs::metadata(path)
        .map_err(|e| ReadError {
            code: "io",
            message: format!("„{}“ kann nicht gelesen werden: {e}", file_label(path)),
            row: None,
        })?
        .len();
    if size > MAX_WORKBOOK_BYTES {
        return Err(ReadError {
            code: "file_too_large",
            message: format!(
                "„{}“ ist {} MB groß; Tabellendateien werden bis {} MB gelesen.",
                file_label(path),
                size / 1_048_576,
                MAX_WORKBOOK_BYTES / 1_048_576
            ),
            row: None,
        });
    }
    let file = std::fs::File::open(path).map_err(|_| not_a_spreadsheet(path))?;
    let mut head = [0u8; 4];
    if std::io::Read::read_exact(&mut &file, &mut head).is_err() {
        return Err(not_a_spreadsheet(path));
    }
    if &head != b"PK\x03\x04" {
        return Ok(()); // not a zip archive: XLS (OLE) or something calamine will refuse
    }
    let mut archive = zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(|_| not_a_spreadsheet(path))?;
    // The sizes the archive's central directory declares (also for entries written with data
    // descriptors); nothing is unpacked here.
    let mut unpacked: u64 = 0;
    for i in 0..archive.len() {
        let size = archive.by_index_raw(i).map_err(|_| not_a_spreadsheet(path))?.size();
        unpacked = unpacked.saturating_add(size);
    }
    if unpacked > MAX_UNPACKED_BYTES {
        return Err(ReadError {
            code: "unpacks_too_large",
            message: format!(
                "„{}“ würde entpackt {} MB belegen (erlaubt: {} MB). Die Datei wird nicht geöffnet.",
                file_label(path),
                unpacked / 1_048_576,
                MAX_UNPACKED_BYTES / 1_048_576
            ),
            row: None,
        });
    }
    Ok(())
}

impl Workbook {
    pub fn open(path: &Path) -> Result<Workbook, ReadError> {
        check_size(path)?;
        let sheets = open_workbook_auto(path).map_err(|_| not_a_spreadsheet(path))?;
        Ok(Workbook { sheets })
    }

    pub fn sheet_names(&self) -> Vec<String> {
        self.sheets.sheet_names()
    }

    /// All rows of a sheet that hold anything, trailing empty rows dropped.
    pub fn rows(&mut self, sheet: &str) -> Result<Vec<WorkbookRow>, ReadError> {
        let mut out = Vec::new();
        self.for_each_row(sheet, |row| {
            out.push(row);
            true
        })?;
        Ok(out)
    }

    /// Calls `f` with each row of a sheet that holds anything, in order, until it returns false.
    /// XLSX/XLSM sheets are streamed cell by cell, so memory stays bounded by one row.
    pub fn for_each_row(&mut self, sheet: &str, mut f: impl FnMut(WorkbookRow) -> bool) -> Result<(), ReadError> {
        let unreadable = |e: &dyn std::fmt::Display| ReadError {
            code: "sheet_unreadable",
            message: format!("Das Blatt „{sheet}“ kann nicht gelesen werden: {e}"),
            row: None,
        };
        if let Sheets::Xlsx(xlsx) = &mut self.sheets {
            let mut reader = xlsx.worksheet_cells_reader(sheet).map_err(|e| unreadable(&e))?;
            let mut current: Option<WorkbookRow> = None;
            loop {
                let next = reader.next_cell().map_err(|e| unreadable(&e))?;
                let Some(c) = next else { break };
                let (r, col) = c.get_position();
                if r >= MAX_ROWS || col >= MAX_COLUMNS {
                    return Err(ReadError {
                        code: "sheet_too_large",
                        message: format!("Das Blatt „{sheet}“ reicht über die größte Excel-Tabelle hinaus."),
                        row: Some(u64::from(r) + 1),
                    });
                }
                let value = cell_ref(c.get_value());
                if value.is_empty() {
                    continue;
                }
                let number = u64::from(r) + 1;
                if let Some(done) = current.take_if(|row| row.number != number) {
                    if !f(done) {
                        return Ok(());
                    }
                }
                let row = current.get_or_insert_with(|| WorkbookRow { number, cells: Vec::new() });
                let col = col as usize;
                if row.cells.len() <= col {
                    row.cells.resize(col + 1, Cell::Empty);
                }
                row.cells[col] = value;
            }
            if let Some(row) = current {
                f(row);
            }
            return Ok(());
        }
        let range = self.sheets.worksheet_range(sheet).map_err(|e| unreadable(&e))?;
        let (first_row, first_col) = range.start().unwrap_or((0, 0));
        for (i, row) in range.rows().enumerate() {
            // Columns left of the used range are empty; keep column positions as the sheet has them.
            let mut cells: Vec<Cell> = vec![Cell::Empty; first_col as usize];
            cells.extend(row.iter().map(cell));
            if cells.iter().all(Cell::is_empty) {
                continue;
            }
            if !f(WorkbookRow { number: u64::from(first_row) + i as u64 + 1, cells }) {
                break;
            }
        }
        Ok(())
    }

    /// How many rows the sheet says it spans (XLSX/XLSM: from its dimension record), for progress.
    pub fn row_count_hint(&mut self, sheet: &str) -> Option<u64> {
        match &mut self.sheets {
            Sheets::Xlsx(x) => {
                let d = x.worksheet_cells_reader(sheet).ok()?.dimensions();
                Some(u64::from(d.end.0) + 1)
            }
            _ => None,
        }
    }

    /// Merged cell regions of a sheet (XLSX/XLSM only; other formats report none).
    pub fn merged_regions(&mut self, sheet: &str) -> Vec<Dimensions> {
        match &mut self.sheets {
            Sheets::Xlsx(x) => x.merge_cells_by_sheet_name(sheet).unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    /// The first sheet that holds data: the default when the user picks none.
    pub fn first_sheet_with_data(&mut self) -> Result<Option<String>, ReadError> {
        for name in self.sheet_names() {
            let mut any = false;
            self.for_each_row(&name, |_| {
                any = true;
                false
            })?;
            if any {
                return Ok(Some(name));
            }
        }
        Ok(None)
    }
}

fn cell_ref(d: &DataRef<'_>) -> Cell {
    match d {
        DataRef::Empty => Cell::Empty,
        DataRef::String(s) => Cell::Text(s.clone()),
        DataRef::SharedString(s) => Cell::Text((*s).to_owned()),
        other => cell(&Data::from(other.clone())),
    }
}

fn cell(d: &Data) -> Cell {
    match d {
        Data::Empty => Cell::Empty,
        Data::String(s) => Cell::Text(s.clone()),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(t) if dt.is_datetime() => Cell::Date(t.date()),
            _ => Cell::Number(dt.as_f64()),
        },
        Data::DateTimeIso(s) => NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d")
            .map(Cell::Date)
            .unwrap_or(Cell::Text(s.clone())),
        Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Error(e) => Cell::Error(format!("#{e:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_cells_convert_without_guessing() {
        assert_eq!(Cell::Number(20374.0).to_text(), "20374");
        assert_eq!(Cell::Number(3046.73).cents(), Ok(304_673));
        assert_eq!(Cell::Number(1.234).cents().unwrap_err().code, "too_many_decimals");
        assert_eq!(Cell::Text("1.234,56 €".into()).cents(), Ok(123_456));
        assert_eq!(Cell::Number(45735.0).date(), Ok(NaiveDate::from_ymd_opt(2025, 3, 19).unwrap()));
        assert_eq!(Cell::Text("gestern".into()).date().unwrap_err().code, "invalid_date");
        assert!(Cell::Text("  ".into()).is_empty());
    }
}
