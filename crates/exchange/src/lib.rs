//! Spreadsheet exchange: reading the values German municipal spreadsheets contain. The import
//! pipeline (sheets, header detection, column mapping, preview, commit through the store) builds
//! on these parsers.

pub mod csv_source;
pub mod mapping;
pub mod table;
pub mod values;
pub mod workbook;
