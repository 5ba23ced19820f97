//! `report` and `export`: reports (Verwendungsnachweis, inventory, KPIs, lifecycle) as PDF, XLSX
//! or CSV, and entity lists as XLSX or CSV. Files are written next to `--out` and renamed into
//! place, so a failure never leaves half a file.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use schulinventar_core::{CoreError, Store};
use schulinventar_pdf::files::{write_report_reporting, FileFormat};
use schulinventar_pdf::Progress;
use schulinventar_reports::csv_out::CsvStyle;
use schulinventar_reports::export::{export, export_count, ExportFilter, ExportFormat};
use schulinventar_reports::ReportRequest;

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

pub fn report(store: &Store, args: ReportArgs, out: &mut impl Write) -> Result<(), CliError> {
    let today = chrono::Local::now().date_naive();
    let kind = match args.kind {
        ReportKind::Verwendungsnachweis => schulinventar_reports::ReportKind::Verwendungsnachweis,
        ReportKind::Inventory => schulinventar_reports::ReportKind::Inventory,
        ReportKind::Kpi => schulinventar_reports::ReportKind::Kpi,
        ReportKind::Lifecycle => schulinventar_reports::ReportKind::Lifecycle,
    };
    if matches!(args.kind, ReportKind::Verwendungsnachweis) && args.programme.is_none() {
        return Err(usage("Der Verwendungsnachweis braucht --programme ID (z. B. programme-digitalpakt-basis)."));
    }
    let request = ReportRequest {
        kind,
        programme_id: args.programme.clone(),
        authority_id: args.authority.clone(),
        school_number: args.school.clone(),
        months: Some(args.months),
    };
    let doc = match schulinventar_reports::build(store.conn(), &request, today) {
        Err(CoreError::InvalidArgument { message, .. }) => return Err(usage(message)),
        other => other?,
    };
    let format = match args.format {
        Format::Pdf => FileFormat::Pdf,
        Format::Xlsx => FileFormat::Xlsx,
        Format::Csv => FileFormat::Csv,
    };
    // Progress on stderr, for long PDFs: a line per piece set, and the last steps.
    let progress = |p: Progress| match p {
        Progress::Typeset { done, total } if total > 1 && done > 0 => {
            eprintln!("PDF: Teil {done} von {total} gesetzt …")
        }
        Progress::Numbering if matches!(args.format, Format::Pdf) => eprintln!("PDF: Seiten werden nummeriert …"),
        _ => {}
    };
    let files = write_report_reporting(&doc, format, args.plain, &args.out, &progress)
        .map_err(|e| CliError::Core(CoreError::Database { message: e.0 }))?;
    for path in files {
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
    let total = export_count(store.conn(), &args.entity, &filter)?;
    let mut shown = 0u64;
    let rows = export(store.conn(), &args.entity, &filter, format, &args.out, &mut |n| {
        if n >= shown + 50_000 {
            shown = n;
            eprintln!("Export: {n} von {total} Zeilen …");
        }
    })?;
    writeln!(out, "{rows} Zeilen nach {} exportiert.", args.out.display()).map_err(CliError::io)?;
    Ok(())
}
