//! The format-neutral report document. Builders fill it from the database; renderers (XLSX,
//! CSV, PDF) lay it out. Values are typed so that every format can show them natively: money
//! stays integer cents, dates stay dates, and a spreadsheet gets numbers, not formatted text.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A whole report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Document {
    /// Main title, e.g. "Verwendungsnachweis".
    pub title: String,
    /// Second title line, e.g. the programme's name.
    pub subtitle: Option<String>,
    /// Shown in every page header (the Schulträger or "Alle Schulträger").
    pub header: String,
    /// The day the report was made (shown in the header, dd.mm.yyyy).
    pub created_on: NaiveDate,
    /// Short file-name-safe name, e.g. "verwendungsnachweis".
    pub slug: String,
    pub sections: Vec<Section>,
}

/// A chapter of the report. In XLSX each table of a section becomes a sheet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Section {
    pub title: String,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Block {
    /// A sub-heading inside a section.
    Heading {
        text: String,
    },
    /// Running text (may be long; the PDF hyphenates it in German).
    Paragraph {
        text: String,
    },
    /// Label/value pairs, e.g. recipient and approval data.
    Facts {
        rows: Vec<(String, Cell)>,
    },
    Table(Table),
    Chart(Chart),
    /// Lines to sign (place/date, signature with a caption).
    Signatures {
        captions: Vec<String>,
    },
}

/// A table. `sheet` names its XLSX sheet (≤ 31 characters, unique within the document).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Table {
    pub sheet: String,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
    /// A closing totals row (label in the first cell), computed by the builder.
    pub totals: Option<Vec<Cell>>,
    /// Which files show the table: most show it everywhere; a long list can have a condensed
    /// form for print and its full form for spreadsheets.
    #[serde(default)]
    pub medium: Medium,
}

/// Where a table appears.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Medium {
    /// PDF, XLSX and CSV.
    #[default]
    All,
    /// Only the PDF.
    Print,
    /// Only XLSX and CSV.
    Spreadsheet,
}

impl Table {
    /// Whether the PDF shows this table.
    pub fn in_print(&self) -> bool {
        self.medium != Medium::Spreadsheet
    }

    /// Whether XLSX and CSV files show this table.
    pub fn in_spreadsheet(&self) -> bool {
        self.medium != Medium::Print
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Column {
    pub title: String,
    pub kind: ColumnKind,
}

/// What a column holds: decides alignment and number formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ColumnKind {
    Text,
    Integer,
    Money,
    Date,
    /// A share shown with one decimal, e.g. 12,5 %.
    Percent,
    /// A decimal number with the given number of fraction digits.
    Decimal(u8),
}

/// One value. Money is integer cents; `Percent` is a fraction (0.125 = 12,5 %).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "t", content = "v", rename_all = "snake_case")]
pub enum Cell {
    Empty,
    Text(String),
    Integer(i64),
    Money(i64),
    Date(NaiveDate),
    Percent(f64),
    Decimal(f64),
}

/// A bar chart: one bar group per category, one bar per series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Chart {
    pub title: String,
    /// Unit of the values for the axis, e.g. "€" or "Geräte je Schüler".
    pub unit: String,
    pub categories: Vec<String>,
    pub series: Vec<Series>,
    /// Bars stacked (shares of a whole) rather than side by side.
    pub stacked: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Series {
    pub name: String,
    pub values: Vec<f64>,
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }

    /// The value as German display text: `1.234,56 €`, `dd.mm.yyyy`, `12,5 %`.
    pub fn display(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => s.clone(),
            Cell::Integer(n) => group_thousands(&n.unsigned_abs().to_string(), *n < 0),
            Cell::Money(c) => money(*c),
            Cell::Date(d) => d.format("%d.%m.%Y").to_string(),
            Cell::Percent(f) => format!("{} %", decimal(f * 100.0, 1)),
            Cell::Decimal(f) => decimal(*f, 2),
        }
    }
}

/// `1.234,56 €` for 123456 cents.
pub fn money(cents: i64) -> String {
    let c = cents.unsigned_abs();
    format!("{},{:02} €", group_thousands(&(c / 100).to_string(), cents < 0), c % 100)
}

/// A decimal number in German notation with thousands grouping: `1.234,5`.
pub fn decimal(value: f64, digits: u8) -> String {
    if !value.is_finite() {
        return String::new();
    }
    let s = format!("{:.*}", digits as usize, value.abs());
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    let negative = value < 0.0 && s.bytes().any(|b| (b'1'..=b'9').contains(&b));
    let mut out = group_thousands(int, negative);
    if !frac.is_empty() {
        out.push(',');
        out.push_str(frac);
    }
    out
}

fn group_thousands(digits: &str, negative: bool) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if negative {
        out.push('-');
    }
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('.');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn german_display() {
        assert_eq!(money(123456), "1.234,56 €");
        assert_eq!(money(-5), "-0,05 €");
        assert_eq!(money(100_000_000), "1.000.000,00 €");
        assert_eq!(Cell::Integer(-1234567).display(), "-1.234.567");
        assert_eq!(Cell::Percent(0.125).display(), "12,5 %");
        assert_eq!(Cell::Decimal(1234.5).display(), "1.234,50");
        assert_eq!(decimal(-0.001, 2), "0,00");
        assert_eq!(Cell::Date(NaiveDate::from_ymd_opt(2024, 3, 7).unwrap()).display(), "07.03.2024");
    }
}
