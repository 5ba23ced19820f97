//! Reports and exports. A report is first assembled as a [`document::Document`] from the
//! database (figures computed here, once); the renderers turn that one document into XLSX, CSV
//! or PDF, so the totals of every format are the same values.

pub mod csv_out;
pub mod document;
pub mod export;
pub mod inventory;
pub mod neutralize;
pub mod verwendungsnachweis;
pub mod xlsx_out;
