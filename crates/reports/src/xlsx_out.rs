//! XLSX output. A report becomes a workbook with a first sheet "Übersicht" (title, facts and
//! text) and one sheet per table: bold frozen header row, autofilter, real numbers and dates with
//! German display formats, widths that fit, totals rows as values. Text is written as string
//! cells with the quote prefix, so nothing that looks like a formula is ever evaluated.

use std::io::{Seek, Write};

use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign, Workbook, Worksheet, XlsxError};

use crate::document::{Block, Cell, ColumnKind, Document, Medium, Table};
use crate::neutralize::is_formula_like;

/// Why a workbook could not be written, in German.
#[derive(Debug)]
pub struct XlsxOutError(pub String);

impl std::fmt::Display for XlsxOutError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for XlsxOutError {}

impl From<XlsxError> for XlsxOutError {
    fn from(e: XlsxError) -> Self {
        XlsxOutError(format!("Die Arbeitsmappe konnte nicht geschrieben werden: {e}"))
    }
}

/// The formats of one workbook.
pub struct Formats {
    pub header: Format,
    pub text: Format,
    /// Text that looks like a formula: shown and kept as text.
    pub quoted: Format,
    pub money: Format,
    pub integer: Format,
    pub date: Format,
    pub percent: Format,
    pub decimal: Format,
    pub title: Format,
    pub bold: Format,
}

impl Formats {
    pub fn new() -> Formats {
        Formats {
            header: Format::new().set_bold().set_background_color("#E8EEF7").set_text_wrap(),
            text: Format::new(),
            quoted: Format::new().set_quote_prefix(),
            money: Format::new().set_num_format("#,##0.00 \"€\"").set_align(FormatAlign::Right),
            integer: Format::new().set_num_format("#,##0"),
            date: Format::new().set_num_format("dd.mm.yyyy"),
            percent: Format::new().set_num_format("0.0 %"),
            decimal: Format::new().set_num_format("#,##0.00"),
            title: Format::new().set_bold().set_font_size(14),
            bold: Format::new().set_bold(),
        }
    }

    /// The display format of a column's values.
    pub fn of(&self, kind: ColumnKind) -> &Format {
        match kind {
            ColumnKind::Text => &self.text,
            ColumnKind::Integer => &self.integer,
            ColumnKind::Money => &self.money,
            ColumnKind::Date => &self.date,
            ColumnKind::Percent => &self.percent,
            ColumnKind::Decimal(_) => &self.decimal,
        }
    }
}

impl Default for Formats {
    fn default() -> Self {
        Formats::new()
    }
}

/// Writes one cell with its native type. Money is written in euros (cents / 100) so that
/// sums in the spreadsheet are sums of money.
pub fn write_cell(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    cell: &Cell,
    formats: &Formats,
    bold: bool,
) -> Result<(), XlsxError> {
    // A format is cloned only for bold (totals) cells: a clone per cell is measurable on
    // million-row exports. Plain text needs no format at all.
    fn fmt(f: &Format, bold: bool) -> std::borrow::Cow<'_, Format> {
        if bold {
            std::borrow::Cow::Owned(f.clone().set_bold())
        } else {
            std::borrow::Cow::Borrowed(f)
        }
    }
    match cell {
        Cell::Empty => Ok(()),
        Cell::Text(s) if is_formula_like(s) => {
            sheet.write_string_with_format(row, col, s, &fmt(&formats.quoted, bold)).map(|_| ())
        }
        Cell::Text(s) if bold => sheet.write_string_with_format(row, col, s, &formats.bold).map(|_| ()),
        Cell::Text(s) => sheet.write_string(row, col, s).map(|_| ()),
        Cell::Integer(n) => {
            sheet.write_number_with_format(row, col, *n as f64, &fmt(&formats.integer, bold)).map(|_| ())
        }
        Cell::Money(c) => {
            sheet.write_number_with_format(row, col, *c as f64 / 100.0, &fmt(&formats.money, bold)).map(|_| ())
        }
        Cell::Date(d) => {
            use chrono::Datelike;
            let dt = ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)?;
            sheet.write_datetime_with_format(row, col, &dt, &fmt(&formats.date, bold)).map(|_| ())
        }
        Cell::Percent(f) => sheet.write_number_with_format(row, col, *f, &fmt(&formats.percent, bold)).map(|_| ()),
        Cell::Decimal(f) => sheet.write_number_with_format(row, col, *f, &fmt(&formats.decimal, bold)).map(|_| ()),
    }
}

/// Display width of a cell in characters, for the column widths.
fn width(cell: &Cell) -> usize {
    match cell {
        Cell::Date(_) => 10,
        c => c.display().chars().count(),
    }
}

/// A sheet name Excel accepts: at most 31 characters, none of `[]:*?/\`, unique in the book.
pub fn sheet_name(wanted: &str, taken: &mut Vec<String>) -> String {
    let clean: String = wanted.chars().map(|c| if "[]:*?/\\".contains(c) { '-' } else { c }).take(31).collect();
    let mut name = if clean.trim().is_empty() { "Tabelle".to_owned() } else { clean };
    let mut n = 2;
    while taken.iter().any(|t| t.eq_ignore_ascii_case(&name)) {
        let suffix = format!(" ({n})");
        name = format!("{}{suffix}", name.chars().take(31 - suffix.chars().count()).collect::<String>());
        n += 1;
    }
    taken.push(name.clone());
    name
}

fn write_table(sheet: &mut Worksheet, table: &Table, formats: &Formats) -> Result<(), XlsxError> {
    let mut widths: Vec<usize> = table.columns.iter().map(|c| c.title.chars().count().min(40)).collect();
    for (c, col) in table.columns.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, &col.title, &formats.header)?;
    }
    let mut r: u32 = 1;
    for row in &table.rows {
        for (c, cell) in row.iter().enumerate() {
            write_cell(sheet, r, c as u16, cell, formats, false)?;
            if let Some(w) = widths.get_mut(c) {
                *w = (*w).max(width(cell).min(60));
            }
        }
        r += 1;
    }
    let last_data = r.saturating_sub(1);
    if let Some(totals) = &table.totals {
        for (c, cell) in totals.iter().enumerate() {
            write_cell(sheet, r, c as u16, cell, formats, true)?;
            if let Some(w) = widths.get_mut(c) {
                *w = (*w).max(width(cell).min(60));
            }
        }
    }
    for (c, w) in widths.iter().enumerate() {
        sheet.set_column_width(c as u16, (*w as f64 + 2.0).max(8.0))?;
    }
    sheet.set_freeze_panes(1, 0)?;
    if !table.columns.is_empty() {
        sheet.autofilter(0, 0, last_data.max(1), (table.columns.len() - 1) as u16)?;
    }
    Ok(())
}

/// The whole document as an XLSX file.
pub fn write_document<W: Write + Seek + Send>(doc: &Document, out: W) -> Result<(), XlsxOutError> {
    let formats = Formats::new();
    let mut wb = Workbook::new();
    let mut taken = Vec::new();
    // The overview: title, facts and running text in reading order.
    {
        let sheet = wb.add_worksheet();
        sheet.set_name(sheet_name("Übersicht", &mut taken))?;
        sheet.set_column_width(0, 42)?;
        sheet.set_column_width(1, 60)?;
        sheet.write_string_with_format(0, 0, &doc.title, &formats.title)?;
        let mut r = 1;
        if let Some(s) = &doc.subtitle {
            sheet.write_string_with_format(r, 0, s, &formats.bold)?;
            r += 1;
        }
        sheet.write_string(r, 0, &doc.header)?;
        r += 1;
        sheet.write_string(r, 0, "Erstellt am")?;
        write_cell(sheet, r, 1, &Cell::Date(doc.created_on), &formats, false)?;
        r += 2;
        for section in &doc.sections {
            sheet.write_string_with_format(r, 0, &section.title, &formats.bold)?;
            r += 1;
            for block in &section.blocks {
                match block {
                    Block::Heading { text } => {
                        sheet.write_string_with_format(r, 0, text, &formats.bold)?;
                        r += 1;
                    }
                    Block::Paragraph { text } => {
                        write_cell(sheet, r, 0, &Cell::text(text.clone()), &formats, false)?;
                        r += 1;
                    }
                    Block::Facts { rows } => {
                        for (label, value) in rows {
                            write_cell(sheet, r, 0, &Cell::text(label.clone()), &formats, false)?;
                            write_cell(sheet, r, 1, value, &formats, false)?;
                            r += 1;
                        }
                    }
                    Block::Table(t) if t.in_spreadsheet() => {
                        sheet.write_string(r, 0, format!("Tabelle: Blatt „{}“", t.sheet))?;
                        r += 1;
                    }
                    Block::Table(_) => {}
                    Block::Chart(_) | Block::Signatures { .. } => {}
                }
            }
            r += 1;
        }
    }
    for section in &doc.sections {
        for block in &section.blocks {
            if let Block::Table(t @ Table { medium: Medium::All | Medium::Spreadsheet, .. }) = block {
                let sheet = wb.add_worksheet();
                sheet.set_name(sheet_name(&t.sheet, &mut taken))?;
                write_table(sheet, t, &formats)?;
            }
        }
    }
    wb.save_to_writer(out)?;
    Ok(())
}
