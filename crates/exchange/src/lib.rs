//! Spreadsheet exchange: reading the values German municipal spreadsheets contain. The import
//! pipeline (sheets, header detection, column mapping, preview, commit through the store) builds
//! on these parsers.

pub mod csv_source;
pub mod import;
pub mod mapping;
pub mod reconcile;
pub mod table;
pub mod values;
pub mod workbook;
pub mod xlsx_out;
