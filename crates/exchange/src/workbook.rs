//! Reading spreadsheet files (XLSX, XLSM, XLS, ODS) through calamine into typed cells. Numbers
//! and dates keep their type, so a price of 1.234 is never mistaken for "1.234" written the German
//! way, and a school number Excel stored as the number 20374 can get its leading zero back.

use std::path::Path;

use calamine::{open_workbook_auto, Data, Reader, Sheets};
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

fn not_a_spreadsheet(path: &Path) -> ReadError {
    ReadError {
        code: "not_a_spreadsheet",
        message: format!(
            "„{}“ ist keine lesbare Tabellendatei (XLSX, XLSM, XLS oder ODS) oder sie ist beschädigt.",
            path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default()
        ),
        row: None,
    }
}

impl Workbook {
    pub fn open(path: &Path) -> Result<Workbook, ReadError> {
        let sheets = open_workbook_auto(path).map_err(|_| not_a_spreadsheet(path))?;
        Ok(Workbook { sheets })
    }

    pub fn sheet_names(&self) -> Vec<String> {
        self.sheets.sheet_names()
    }

    /// All rows of a sheet that hold anything, trailing empty rows dropped.
    pub fn rows(&mut self, sheet: &str) -> Result<Vec<WorkbookRow>, ReadError> {
        let range = self.sheets.worksheet_range(sheet).map_err(|e| ReadError {
            code: "sheet_unreadable",
            message: format!("Das Blatt „{sheet}“ kann nicht gelesen werden: {e}"),
            row: None,
        })?;
        let (first_row, first_col) = range.start().unwrap_or((0, 0));
        let mut out = Vec::new();
        for (i, row) in range.rows().enumerate() {
            // Columns left of the used range are empty; keep column positions as the sheet has them.
            let mut cells: Vec<Cell> = vec![Cell::Empty; first_col as usize];
            cells.extend(row.iter().map(cell));
            if cells.iter().all(Cell::is_empty) {
                continue;
            }
            out.push(WorkbookRow { number: u64::from(first_row) + i as u64 + 1, cells });
        }
        Ok(out)
    }

    /// The first sheet that holds data: the default when the user picks none.
    pub fn first_sheet_with_data(&mut self) -> Result<Option<String>, ReadError> {
        for name in self.sheet_names() {
            if !self.rows(&name)?.is_empty() {
                return Ok(Some(name));
            }
        }
        Ok(None)
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
