//! `import`, `reconcile`, `import-history` and `import-profiles`.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

use clap::Args;
use schulinventar_core::{Land, Store};
use schulinventar_exchange::import::{
    run_import, Control, ImportEntity, ImportError, ImportOptions, ImportProgress, ImportReport, MatchKey, Mode,
};
use schulinventar_exchange::mapping::{header_key, Field};
use schulinventar_exchange::reconcile::{reconcile, write_reconcile_workbook, ReconcileReport};
use schulinventar_exchange::table::TableOptions;
use schulinventar_exchange::xlsx_out::write_error_workbook;

use crate::CliError;

/// How the sheet is read; shared by `import` and `reconcile`.
#[derive(Args, Debug, Clone)]
pub struct SheetArgs {
    /// schools, buildings, rooms, devices, access-points, presentation-hardware, fibre-links
    /// oder inventory (gemischte Liste: jede Zeile nach ihrem Gerätetyp); Standard: aus den Spalten erkannt
    #[arg(long)]
    entity: Option<String>,
    /// Blatt der Arbeitsmappe (Standard: das erste Blatt mit Daten)
    #[arg(long)]
    sheet: Option<String>,
    /// Gespeichertes Zuordnungsprofil verwenden
    #[arg(long)]
    profile: Option<String>,
    /// Zuordnungsschlüssel: inventory_number, serial_number oder mac_address
    #[arg(long)]
    key: Option<String>,
    /// Spalte zuordnen: "Spaltenkopf=feld" (leeres Feld: Spalte nicht übernehmen); mehrfach möglich
    #[arg(long = "map", value_name = "SPALTE=FELD")]
    map: Vec<String>,
    /// Schulnummer für alle Zeilen einer Tabelle ohne Schulspalte
    #[arg(long)]
    school: Option<String>,
    /// Nummer der Kopfzeile (Standard: automatisch gefunden)
    #[arg(long)]
    header_row: Option<u64>,
    /// Land neuer Schulen und Schulträger (Kürzel, Standard NW)
    #[arg(long, default_value = "NW")]
    land: String,
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    file: PathBuf,
    #[command(flatten)]
    sheet: SheetArgs,
    /// Nur prüfen und anzeigen, was geschähe; nichts speichern
    #[arg(long)]
    dry_run: bool,
    /// Bei Fehlern die fehlerfreien Zeilen trotzdem übernehmen
    #[arg(long)]
    valid_only: bool,
    /// Fehlerliste als XLSX schreiben (Originalzeilen mit Fehlerspalte)
    #[arg(long, value_name = "OUT.xlsx")]
    errors: Option<PathBuf>,
    /// Die verwendete Spaltenzuordnung unter diesem Namen speichern
    #[arg(long)]
    save_profile: Option<String>,
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
pub struct ReconcileArgs {
    file: PathBuf,
    #[command(flatten)]
    sheet: SheetArgs,
    /// Bericht als XLSX
    #[arg(long, value_name = "REPORT.xlsx")]
    out: PathBuf,
    /// "Nur im Inventar" auf die Schulen beschränken, die in der Tabelle vorkommen
    #[arg(long)]
    sheet_schools_only: bool,
    #[arg(long)]
    json: bool,
}

fn usage(message: String) -> CliError {
    CliError::Import(ImportError { code: "invalid_argument".into(), message })
}

fn options(store: &Store, a: &SheetArgs) -> Result<ImportOptions, CliError> {
    let mut o = ImportOptions::default();
    if let Some(name) = &a.profile {
        let p = store.import_profile(name)?;
        for (header, field) in &p.columns {
            o.columns.insert(header.clone(), Field::from_name(field));
        }
        o.entity = p.entity.as_deref().and_then(ImportEntity::from_cli_name);
        o.key = p.match_key.as_deref().and_then(MatchKey::from_name);
    }
    if let Some(e) = &a.entity {
        o.entity = Some(ImportEntity::from_cli_name(e).ok_or_else(|| {
            let all: Vec<&str> = ImportEntity::ALL.iter().map(|e| e.cli_name()).collect();
            usage(format!("Unbekannte Art „{e}“. Möglich: {}.", all.join(", ")))
        })?);
    }
    if let Some(k) = &a.key {
        o.key = Some(MatchKey::from_name(k).ok_or_else(|| {
            usage(format!("Unbekannter Schlüssel „{k}“. Möglich: inventory_number, serial_number, mac_address."))
        })?);
    }
    for m in &a.map {
        let (header, field) = m.split_once('=').ok_or_else(|| usage(format!("--map „{m}“: erwartet SPALTE=FELD.")))?;
        let field = field.trim();
        let f = if field.is_empty() || field == "-" {
            None
        } else {
            Some(Field::from_name(field).ok_or_else(|| {
                let all: Vec<&str> = Field::ALL.iter().map(|f| f.name()).collect();
                usage(format!("--map: Feld „{field}“ gibt es nicht. Möglich: {}.", all.join(", ")))
            })?)
        };
        o.columns.insert(header_key(header), f);
    }
    o.school = a.school.clone();
    o.land = Land::from_code(&a.land.to_uppercase()).ok_or_else(|| usage(format!("Unbekanntes Land „{}“.", a.land)))?;
    o.table = TableOptions { sheet: a.sheet.clone(), header_row: a.header_row, separator: None };
    Ok(o)
}

/// Shows progress on a terminal's stderr.
fn progress_printer() -> impl FnMut(ImportProgress) {
    let tty = std::io::stderr().is_terminal();
    let mut last = std::time::Instant::now();
    move |p: ImportProgress| {
        if tty && last.elapsed().as_millis() >= 500 {
            last = std::time::Instant::now();
            match p.fraction {
                Some(f) => eprint!("\r{} Zeilen gelesen ({:.0} %)   ", p.rows, f * 100.0),
                None => eprint!("\r{} Zeilen gelesen   ", p.rows),
            }
        }
    }
}

pub fn import(store: &mut Store, a: ImportArgs, out: &mut impl Write) -> Result<ExitCode, CliError> {
    let mut o = options(store, &a.sheet)?;
    o.mode = if a.dry_run { Mode::DryRun } else { Mode::Commit { valid_only: a.valid_only } };
    let cancel = AtomicBool::new(false);
    let mut progress = progress_printer();
    let report = run_import(store, &a.file, &o, Control { cancel: &cancel, progress: &mut progress })?;
    if std::io::stderr().is_terminal() {
        eprint!("\r");
    }
    if let Some(path) = &a.errors {
        write_error_workbook(path, &report)?;
    }
    if let Some(name) = &a.save_profile {
        let columns: BTreeMap<String, String> = report
            .columns
            .iter()
            .filter(|c| !c.header.is_empty())
            .map(|c| (header_key(&c.header), c.field.clone().unwrap_or_default()))
            .collect();
        store.save_import_profile(name, Some(report.entity.cli_name()), Some(report.key.name()), &columns)?;
    }
    if a.json {
        writeln!(out, "{}", import_json(&report)).map_err(CliError::io)?;
    } else {
        print_import(out, &report, a.errors.as_deref(), a.save_profile.as_deref()).map_err(CliError::io)?;
    }
    Ok(if report.errors > 0 && !report.committed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

fn import_json(r: &ImportReport) -> serde_json::Value {
    let mut v = serde_json::to_value(r).unwrap_or_default();
    if let Some(m) = v.as_object_mut() {
        m.remove("row_results");
    }
    v
}

fn print_import(
    out: &mut impl Write,
    r: &ImportReport,
    errors_file: Option<&Path>,
    profile: Option<&str>,
) -> std::io::Result<()> {
    writeln!(
        out,
        "Datei: {} ({}{})",
        r.file.file_name,
        r.file.format,
        r.file.sheet.as_ref().map(|s| format!(", Blatt „{s}“")).unwrap_or_default()
    )?;
    writeln!(out, "Kopfzeile: Zeile {}; Art: {}; Schlüssel: {}", r.file.header_row, r.entity.cli_name(), r.key.name())?;
    writeln!(out, "Spalten:")?;
    for c in &r.columns {
        let target = match (&c.field_label, &c.note) {
            (Some(l), None) => l.clone(),
            (Some(l), Some(n)) => format!("{l} – {n}"),
            (None, _) => "– nicht übernommen (unbekannte Spalte)".into(),
        };
        writeln!(out, "  {:<28} → {target}", c.header)?;
    }
    for (kind, label) in [("school_authority", "Schulträger"), ("building", "Gebäude"), ("room", "Räume")] {
        let places: Vec<String> = r
            .new_places
            .iter()
            .filter(|p| p.kind == kind)
            .map(|p| match &p.school_number {
                Some(n) => format!("{} ({n})", p.name),
                None => p.name.clone(),
            })
            .collect();
        if !places.is_empty() {
            let more =
                if places.len() > 10 { format!(" … und {} weitere", places.len() - 10) } else { String::new() };
            writeln!(
                out,
                "Neu anzulegen: {} {label}: {}{more}",
                places.len(),
                places[..places.len().min(10)].join(", ")
            )?;
        }
    }
    let mut by_code: BTreeMap<&str, Vec<&schulinventar_exchange::import::RowError>> = BTreeMap::new();
    for w in &r.warnings {
        by_code.entry(w.code.as_str()).or_default().push(w);
    }
    for list in by_code.values() {
        let rows: Vec<String> = list.iter().take(20).map(|w| w.row.to_string()).collect();
        let more = if list.len() > 20 { ", …" } else { "" };
        writeln!(out, "Hinweis ({} Zeilen: {}{more}): {}", list.len(), rows.join(", "), list[0].message)?;
    }
    for e in &r.error_rows {
        let col = if e.column.is_empty() { String::new() } else { format!(", Spalte „{}“", e.column) };
        let val = if e.value.is_empty() {
            String::new()
        } else {
            format!(" („{}“)", e.value.chars().take(60).collect::<String>())
        };
        writeln!(out, "Fehler Zeile {}{col}{val}: {}", e.row, e.message)?;
    }
    if r.errors_not_listed > 0 {
        writeln!(out, "… und {} weitere Fehler (nicht einzeln aufgeführt).", r.errors_not_listed)?;
    }
    writeln!(
        out,
        "{} Zeilen: {} neu, {} geändert, {} unverändert, {} mit Fehlern.",
        r.rows, r.created, r.updated, r.unchanged, r.errors
    )?;
    let verdict = if r.dry_run {
        "Probelauf: nichts gespeichert.".to_owned()
    } else if r.committed && r.errors > 0 {
        format!("Gespeichert: die fehlerfreien Zeilen; {} Zeilen mit Fehlern nicht übernommen.", r.errors)
    } else if r.committed {
        "Gespeichert.".to_owned()
    } else {
        "Nichts gespeichert, weil die Datei Fehler enthält. Fehler beheben oder mit --valid-only nur die fehlerfreien Zeilen übernehmen.".to_owned()
    };
    writeln!(out, "{verdict}")?;
    if let Some(p) = errors_file {
        writeln!(out, "Fehlerliste: {}", p.display())?;
    }
    if let Some(p) = profile {
        writeln!(out, "Zuordnung als Profil „{p}“ gespeichert.")?;
    }
    Ok(())
}

pub fn reconcile_cmd(store: &mut Store, a: ReconcileArgs, out: &mut impl Write) -> Result<ExitCode, CliError> {
    let o = options(store, &a.sheet)?;
    let cancel = AtomicBool::new(false);
    let mut progress = progress_printer();
    let r: ReconcileReport =
        reconcile(store, &a.file, &o, a.sheet_schools_only, Control { cancel: &cancel, progress: &mut progress })?;
    if std::io::stderr().is_terminal() {
        eprint!("\r");
    }
    write_reconcile_workbook(&a.out, &r)?;
    if a.json {
        let v = serde_json::json!({
            "only_in_sheet": r.only_in_sheet,
            "only_in_inventory": r.only_in_inventory,
            "different": r.different,
            "identical": r.identical,
            "errors": r.errors,
            "entity": r.entity,
            "key": r.key,
            "file": r.file.file_name,
            "sha256": r.file.sha256,
            "report": a.out,
            "differences": r.differences,
            "error_rows": r.error_rows,
        });
        writeln!(out, "{v}").map_err(CliError::io)?;
    } else {
        writeln!(
            out,
            "Abgleich {}: {} nur in der Tabelle, {} nur im Inventar, {} abweichend, {} übereinstimmend, {} fehlerhafte Zeilen.\nBericht: {}",
            r.file.file_name,
            r.only_in_sheet,
            r.only_in_inventory,
            r.different,
            r.identical,
            r.errors,
            a.out.display()
        )
        .map_err(CliError::io)?;
    }
    Ok(ExitCode::SUCCESS)
}

pub fn history(store: &Store, json: bool, out: &mut impl Write) -> Result<ExitCode, CliError> {
    let runs = store.import_runs(200)?;
    if json {
        writeln!(out, "{}", serde_json::to_string(&runs).unwrap_or_default()).map_err(CliError::io)?;
    } else if runs.is_empty() {
        writeln!(out, "Noch keine Importe.").map_err(CliError::io)?;
    } else {
        for r in runs {
            writeln!(
                out,
                "{}  {}  {}  {}: {} neu, {} geändert, {} unverändert, {} Fehler  ({})",
                r.started_at.get(..16).unwrap_or(&r.started_at).replace('T', " "),
                r.author,
                r.file_name,
                r.entity,
                r.created,
                r.updated,
                r.unchanged,
                r.errors,
                &r.sha256[..12.min(r.sha256.len())]
            )
            .map_err(CliError::io)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn profiles(store: &Store, json: bool, out: &mut impl Write) -> Result<ExitCode, CliError> {
    let all = store.import_profiles()?;
    if json {
        writeln!(out, "{}", serde_json::to_string(&all).unwrap_or_default()).map_err(CliError::io)?;
    } else if all.is_empty() {
        writeln!(out, "Keine Zuordnungsprofile.").map_err(CliError::io)?;
    } else {
        for p in all {
            writeln!(out, "{}  ({}, {} Spalten)", p.name, p.entity.unwrap_or_default(), p.columns.len())
                .map_err(CliError::io)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
