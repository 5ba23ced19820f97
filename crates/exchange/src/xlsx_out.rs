//! Workbooks the import hands back: the error list (the sender's rows plus what is wrong with
//! them) and the reconciliation report. Text is always written as text, so a cell such as
//! `=HYPERLINK(…)` from a sender's file is never evaluated by the reader's spreadsheet program.

use std::path::Path;

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use crate::import::{ImportError, ImportReport};

fn failed(path: &Path, e: &XlsxError) -> ImportError {
    ImportError {
        code: "write_failed".into(),
        message: format!("„{}“ kann nicht geschrieben werden: {e}", path.display()),
    }
}

/// Writes a header row in bold, frozen, with an autofilter over `columns` columns.
pub(crate) fn header(sheet: &mut Worksheet, titles: &[String], rows: u32) -> Result<(), XlsxError> {
    let bold = Format::new().set_bold();
    for (c, t) in titles.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, t, &bold)?;
        let width = t.chars().count().clamp(8, 40) as f64 + 2.0;
        sheet.set_column_width(c as u16, width)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    if !titles.is_empty() {
        sheet.autofilter(0, 0, rows, titles.len() as u16 - 1)?;
    }
    Ok(())
}

/// The rows with errors as the sender sent them, with a column saying what is wrong, so they
/// can be fixed and sent back.
pub fn write_error_workbook(path: &Path, report: &ImportReport) -> Result<(), ImportError> {
    let mut wb = Workbook::new();
    let sheet = wb.add_worksheet();
    sheet.set_name("Fehler").map_err(|e| failed(path, &e))?;
    let width = report.file.header.len();
    let mut titles = report.file.header.clone();
    titles.push("Fehler".into());
    titles.push("Zeile im Original".into());
    let rows = report.error_cells.len() as u32;
    header(sheet, &titles, rows).map_err(|e| failed(path, &e))?;
    let wrap = Format::new().set_text_wrap();
    for (i, (number, cells)) in report.error_cells.iter().enumerate() {
        let r = i as u32 + 1;
        for (c, v) in cells.iter().enumerate().filter(|(_, v)| !v.is_empty()) {
            sheet.write_string(r, c as u16, v).map_err(|e| failed(path, &e))?;
        }
        let messages: Vec<String> = report
            .error_rows
            .iter()
            .filter(|e| e.row == *number)
            .map(|e| if e.column.is_empty() { e.message.clone() } else { format!("{}: {}", e.column, e.message) })
            .collect();
        sheet.write_string_with_format(r, width as u16, messages.join("\n"), &wrap).map_err(|e| failed(path, &e))?;
        sheet.write_number(r, width as u16 + 1, *number as f64).map_err(|e| failed(path, &e))?;
    }
    sheet.set_column_width(width as u16, 60).map_err(|e| failed(path, &e))?;
    wb.save(path).map_err(|e| failed(path, &e))
}
