//! CSV output of report tables and exports. `German` is what German Excel opens correctly by a
//! double click (UTF-8 with BOM, `;`, decimal comma, dd.mm.yyyy); `Plain` is RFC 4180 (UTF-8
//! without BOM, `,`, decimal point, ISO dates). Text that looks like a formula is neutralised;
//! numbers stay numbers.

use std::io::Write;

use crate::document::{decimal, Cell, Table};
use crate::neutralize::csv_text;

/// Which CSV dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvStyle {
    German,
    Plain,
}

/// Writes CSV rows to any writer.
pub struct CsvOut<W: Write> {
    inner: csv::Writer<W>,
    style: CsvStyle,
}

impl<W: Write> CsvOut<W> {
    pub fn new(mut out: W, style: CsvStyle) -> std::io::Result<CsvOut<W>> {
        if style == CsvStyle::German {
            out.write_all("\u{feff}".as_bytes())?;
        }
        let inner = csv::WriterBuilder::new()
            .delimiter(if style == CsvStyle::German { b';' } else { b',' })
            .terminator(csv::Terminator::CRLF)
            .from_writer(out);
        Ok(CsvOut { inner, style })
    }

    /// A header row (neutralised like any text).
    pub fn header<S: AsRef<str>>(&mut self, titles: &[S]) -> std::io::Result<()> {
        let row: Vec<String> = titles.iter().map(|t| csv_text(t.as_ref()).into_owned()).collect();
        self.inner.write_record(&row).map_err(into_io)
    }

    pub fn row(&mut self, cells: &[Cell]) -> std::io::Result<()> {
        let row: Vec<String> = cells.iter().map(|c| self.cell(c)).collect();
        self.inner.write_record(&row).map_err(into_io)
    }

    /// One cell's text in this dialect.
    pub fn cell(&self, cell: &Cell) -> String {
        let german = self.style == CsvStyle::German;
        match cell {
            Cell::Empty => String::new(),
            Cell::Text(s) => csv_text(s).into_owned(),
            Cell::Integer(n) => n.to_string(),
            Cell::Money(c) => {
                let s = format!(
                    "{}{}.{:02}",
                    if *c < 0 { "-" } else { "" },
                    c.unsigned_abs() / 100,
                    c.unsigned_abs() % 100
                );
                if german {
                    s.replace('.', ",")
                } else {
                    s
                }
            }
            Cell::Date(d) => {
                if german {
                    d.format("%d.%m.%Y").to_string()
                } else {
                    d.to_string()
                }
            }
            Cell::Percent(f) => number(f * 100.0, 1, german),
            Cell::Decimal(f) => number(*f, 2, german),
        }
    }

    pub fn finish(self) -> std::io::Result<W> {
        self.inner.into_inner().map_err(|e| std::io::Error::other(e.to_string()))
    }
}

fn number(value: f64, digits: u8, german: bool) -> String {
    if german {
        // No thousands separator in CSV: Excel reads "1234,5" as a number, "1.234,5" not always.
        decimal(value, digits).replace('.', "")
    } else {
        format!("{value:.*}", digits as usize)
    }
}

fn into_io(e: csv::Error) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

/// One table as a whole CSV file: header, rows, totals.
pub fn write_table<W: Write>(out: W, table: &Table, style: CsvStyle) -> std::io::Result<W> {
    let mut csv = CsvOut::new(out, style)?;
    let titles: Vec<&str> = table.columns.iter().map(|c| c.title.as_str()).collect();
    csv.header(&titles)?;
    for row in &table.rows {
        csv.row(row)?;
    }
    if let Some(totals) = &table.totals {
        csv.row(totals)?;
    }
    csv.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::{Column, ColumnKind, Medium};

    fn table() -> Table {
        Table {
            sheet: "Test".into(),
            columns: vec![
                Column { title: "Text".into(), kind: ColumnKind::Text },
                Column { title: "Betrag".into(), kind: ColumnKind::Money },
                Column { title: "Datum".into(), kind: ColumnKind::Date },
            ],
            rows: vec![vec![
                Cell::text("=1+1"),
                Cell::Money(-123_456),
                Cell::Date(chrono::NaiveDate::from_ymd_opt(2024, 3, 7).unwrap()),
            ]],
            totals: None,
            medium: Medium::All,
        }
    }

    #[test]
    fn german_and_plain_dialects() {
        let german = String::from_utf8(write_table(Vec::new(), &table(), CsvStyle::German).unwrap()).unwrap();
        assert_eq!(german, "\u{feff}Text;Betrag;Datum\r\n'=1+1;-1234,56;07.03.2024\r\n");
        let plain = String::from_utf8(write_table(Vec::new(), &table(), CsvStyle::Plain).unwrap()).unwrap();
        assert_eq!(plain, "Text,Betrag,Datum\r\n'=1+1,-1234.56,2024-03-07\r\n");
    }
}
