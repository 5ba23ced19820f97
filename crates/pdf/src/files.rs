//! A report written to disk in the format asked for: PDF and XLSX as one file, CSV as one file
//! per table (`OUT` stem + `-<sheet>.csv`). Each file is written next to its name and renamed
//! into place, so a failure never leaves half a file.

use std::io::Write;
use std::path::{Path, PathBuf};

use schulinventar_reports::csv_out::{write_table, CsvStyle};
use schulinventar_reports::document::{Block, Document};
use schulinventar_reports::export::AtomicFile;
use schulinventar_reports::xlsx_out;
use serde::{Deserialize, Serialize};

use crate::{render_reporting, PdfError, Progress};

/// The file format of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum FileFormat {
    Pdf,
    Xlsx,
    Csv,
}

fn failed(path: &Path, e: impl std::fmt::Display) -> PdfError {
    PdfError(format!("Die Datei {} konnte nicht geschrieben werden: {e}", path.display()))
}

/// Writes the report; `plain` chooses RFC 4180 CSV over the German Excel dialect. Returns the
/// files written.
pub fn write_report(doc: &Document, format: FileFormat, plain: bool, out: &Path) -> Result<Vec<PathBuf>, PdfError> {
    write_report_reporting(doc, format, plain, out, &|_| {})
}

/// [`write_report`], reporting how far a PDF has come (XLSX and CSV report only
/// [`Progress::Writing`]).
pub fn write_report_reporting(
    doc: &Document,
    format: FileFormat,
    plain: bool,
    out: &Path,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Vec<PathBuf>, PdfError> {
    if format != FileFormat::Pdf {
        progress(Progress::Writing);
    }
    match format {
        FileFormat::Pdf => {
            let bytes = render_reporting(doc, progress)?;
            let file = AtomicFile::new(out);
            std::fs::write(file.path(), bytes).map_err(|e| failed(out, e))?;
            file.commit().map_err(|e| failed(out, e))?;
            Ok(vec![out.to_owned()])
        }
        FileFormat::Xlsx => {
            let file = AtomicFile::new(out);
            let f = std::fs::File::create(file.path()).map_err(|e| failed(out, e))?;
            xlsx_out::write_document(doc, std::io::BufWriter::new(f)).map_err(|e| failed(out, e))?;
            file.commit().map_err(|e| failed(out, e))?;
            Ok(vec![out.to_owned()])
        }
        FileFormat::Csv => {
            let style = if plain { CsvStyle::Plain } else { CsvStyle::German };
            let stem = out.file_stem().map_or_else(|| "bericht".into(), |s| s.to_string_lossy().into_owned());
            let mut written = Vec::new();
            let mut taken = Vec::new();
            let tables = doc.sections.iter().flat_map(|s| &s.blocks).filter_map(|b| match b {
                Block::Table(t) if t.in_spreadsheet() => Some(t),
                _ => None,
            });
            for t in tables {
                let sheet = xlsx_out::sheet_name(&t.sheet, &mut taken);
                let slug: String =
                    sheet.chars().map(|c| if c.is_alphanumeric() { c } else { '-' }).collect::<String>().to_lowercase();
                let path = out.with_file_name(format!("{stem}-{slug}.csv"));
                let file = AtomicFile::new(&path);
                let f = std::fs::File::create(file.path()).map_err(|e| failed(&path, e))?;
                let mut w = write_table(std::io::BufWriter::new(f), t, style).map_err(|e| failed(&path, e))?;
                w.flush().map_err(|e| failed(&path, e))?;
                drop(w);
                file.commit().map_err(|e| failed(&path, e))?;
                written.push(path);
            }
            Ok(written)
        }
    }
}
