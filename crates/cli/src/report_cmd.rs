//! `report` and `export`: reports (Verwendungsnachweis, inventory, KPIs, lifecycle) as PDF, XLSX
//! or CSV, and entity lists as XLSX or CSV. Files are written next to `--out` and renamed into
//! place, so a failure never leaves half a file.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use schulinventar_core::{CoreError, Store};
use schulinventar_reports::csv_out::{write_table, CsvStyle};
use schulinventar_reports::document::{Block, Document};
use schulinventar_reports::export::{export, AtomicFile, ExportFilter, ExportFormat};
use schulinventar_reports::{inventory, verwendungsnachweis, xlsx_out};

use crate::CliError;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ReportKind {
    Verwendungsnachweis,
    Inventory,
    Kpi,
    Lifecycle,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Pdf,
    Xlsx,
    Csv,
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// verwendungsnachweis, inventory, kpi, lifecycle
    kind: ReportKind,
    /// Förderprogramm (ID), für den Verwendungsnachweis
    #[arg(long)]
    programme: Option<String>,
    /// Schule (Schulnummer): Inventar dieser Schule; beim Verwendungsnachweis ihr Schulträger
    #[arg(long)]
    school: Option<String>,
    /// Schulträger (ID), für den Verwendungsnachweis, wenn es mehrere gibt
    #[arg(long)]
    authority: Option<String>,
    /// Monate voraus (Lebenszyklus)
    #[arg(long, default_value_t = 12)]
    months: u32,
    #[arg(long, value_enum)]
    format: Format,
    /// CSV nach RFC 4180 (UTF-8 ohne BOM, Komma, Dezimalpunkt) statt für deutsches Excel
    #[arg(long)]
    plain: bool,
    #[arg(long)]
    out: PathBuf,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// schools, buildings, rooms, devices, loans, fibre-links, access-points, presentation-hardware,
    /// school-authorities, programmes, allocations, measures, invoices, invoice-lines
    entity: String,
    #[arg(long, value_enum)]
    format: Format,
    #[arg(long)]
    plain: bool,
    /// Nur Einträge der Schule mit dieser Schulnummer
    #[arg(long)]
    school: Option<String>,
    /// Nur Einträge, die diesen Text enthalten
    #[arg(long)]
    search: Option<String>,
    #[arg(long)]
    out: PathBuf,
}

fn usage(message: impl Into<String>) -> CliError {
    CliError::Usage(message.into())
}

fn style(plain: bool) -> CsvStyle {
    if plain {
        CsvStyle::Plain
    } else {
        CsvStyle::German
    }
}

fn write_err(path: &Path, e: impl std::fmt::Display) -> CliError {
    CliError::Core(CoreError::Database {
        message: format!("Die Datei {} konnte nicht geschrieben werden: {e}", path.display()),
    })
}

/// The Schulträger of the Verwendungsnachweis: given, or the school's, or the only one.
fn authority_of(store: &Store, args: &ReportArgs) -> Result<String, CliError> {
    if let Some(a) = &args.authority {
        return Ok(a.clone());
    }
    if let Some(n) = &args.school {
        return Ok(store.school_by_number(n)?.data.authority_id);
    }
    let ids: Vec<String> = store
        .conn()
        .prepare("SELECT id FROM school_authorities WHERE deleted_at IS NULL ORDER BY name LIMIT 2")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .map_err(CoreError::from)?;
    match ids.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(usage("Es ist kein Schulträger erfasst.")),
        _ => Err(usage("Es gibt mehrere Schulträger: bitte --authority ID oder --school NR angeben.")),
    }
}

/// Writes the document; PDF and XLSX one file, CSV one file per table (`OUT` stem + `-<Blatt>.csv`). Returns the
/// files written.
fn write(doc: &Document, format: Format, plain: bool, out: &Path) -> Result<Vec<PathBuf>, CliError> {
    match format {
        Format::Pdf => {
            let bytes =
                schulinventar_pdf::render(doc).map_err(|e| CliError::Core(CoreError::Database { message: e.0 }))?;
            let file = AtomicFile::new(out);
            std::fs::write(file.path(), bytes).map_err(|e| write_err(out, e))?;
            file.commit().map_err(|e| write_err(out, e))?;
            Ok(vec![out.to_owned()])
        }
        Format::Xlsx => {
            let file = AtomicFile::new(out);
            let f = std::fs::File::create(file.path()).map_err(|e| write_err(out, e))?;
            xlsx_out::write_document(doc, std::io::BufWriter::new(f)).map_err(|e| write_err(out, e))?;
            file.commit().map_err(|e| write_err(out, e))?;
            Ok(vec![out.to_owned()])
        }
        Format::Csv => {
            let stem = out.file_stem().map_or_else(|| "bericht".into(), |s| s.to_string_lossy().into_owned());
            let mut written = Vec::new();
            let mut taken = Vec::new();
            for t in doc.sections.iter().flat_map(|s| &s.blocks).filter_map(|b| match b {
                Block::Table(t) => Some(t),
                _ => None,
            }) {
                let sheet = xlsx_out::sheet_name(&t.sheet, &mut taken);
                let slug: String =
                    sheet.chars().map(|c| if c.is_alphanumeric() { c } else { '-' }).collect::<String>().to_lowercase();
                let path = out.with_file_name(format!("{stem}-{slug}.csv"));
                let file = AtomicFile::new(&path);
                let f = std::fs::File::create(file.path()).map_err(|e| write_err(&path, e))?;
                let mut w =
                    write_table(std::io::BufWriter::new(f), t, style(plain)).map_err(|e| write_err(&path, e))?;
                w.flush().map_err(|e| write_err(&path, e))?;
                drop(w);
                file.commit().map_err(|e| write_err(&path, e))?;
                written.push(path);
            }
            Ok(written)
        }
    }
}

pub fn report(store: &Store, args: ReportArgs, out: &mut impl Write) -> Result<(), CliError> {
    let today = chrono::Local::now().date_naive();
    let doc = match args.kind {
        ReportKind::Verwendungsnachweis => {
            let programme = args.programme.clone().ok_or_else(|| {
                usage("Der Verwendungsnachweis braucht --programme ID (z. B. programme-digitalpakt-basis).")
            })?;
            let authority = authority_of(store, &args)?;
            verwendungsnachweis::build(store.conn(), &programme, &authority, today)?.0
        }
        ReportKind::Inventory => inventory::inventory(store.conn(), args.school.as_deref(), today)?,
        ReportKind::Kpi => inventory::kpi(store.conn(), today)?,
        ReportKind::Lifecycle => inventory::lifecycle(store.conn(), args.months, today)?,
    };
    for path in write(&doc, args.format, args.plain, &args.out)? {
        writeln!(out, "{}", path.display()).map_err(CliError::io)?;
    }
    Ok(())
}

pub fn export_list(store: &Store, args: ExportArgs, out: &mut impl Write) -> Result<(), CliError> {
    let format = match args.format {
        Format::Pdf => return Err(usage("Listen werden als xlsx oder csv exportiert.")),
        Format::Xlsx => ExportFormat::Xlsx,
        Format::Csv => ExportFormat::Csv(style(args.plain)),
    };
    if let Err(e) = schulinventar_core::query::info_by_cli_name(&args.entity) {
        return Err(usage(e.to_string()));
    }
    let filter = ExportFilter { school_number: args.school.clone(), search: args.search.clone() };
    let mut shown = 0u64;
    let rows = export(store.conn(), &args.entity, &filter, format, &args.out, &mut |n| {
        if n >= shown + 50_000 {
            shown = n;
            eprintln!("Export: {n} Zeilen …");
        }
    })?;
    writeln!(out, "{rows} Zeilen nach {} exportiert.", args.out.display()).map_err(CliError::io)?;
    Ok(())
}
