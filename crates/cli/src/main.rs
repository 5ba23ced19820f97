//! `schulinventar`: every headless job. Subcommands parse their arguments, call one core
//! function and print its result; errors go to stderr in German with a non-zero exit code.

mod funding_cmd;
mod hub_cmd;
mod import_cmd;
mod report_cmd;
mod sync_cmd;

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};
use schulinventar_core::demo::{self, Scale};
use schulinventar_core::query::{self, ListQuery};
use schulinventar_core::{percent, CoreError, RestoreStep, Store};
use schulinventar_exchange::import::ImportError;

#[derive(Parser)]
#[command(name = "schulinventar", version, about = "Inventar der digitalen Ausstattung von Schulen")]
struct Cli {
    /// Datenbankdatei (Standard: die Datenbank der Desktop-App)
    #[arg(long, global = true, env = "SCHULINVENTAR_DB")]
    db: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Füllt die Datenbank mit einem realistischen Beispieldatensatz
    Demo {
        /// small (3 Schulen), municipality (≈160 Schulen), land (≈5.500 Schulen)
        #[arg(long, default_value = "small")]
        scale: Scale,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Anzahl der Einträge je Art
    Stats {
        #[arg(long)]
        json: bool,
    },
    /// Volltextsuche über Schulen, Räume, Geräte, Access Points und Präsentationstechnik
    Search {
        text: String,
        #[arg(long)]
        json: bool,
        /// Höchstens so viele Treffer je Art
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// Listet Einträge: schools, buildings, rooms, devices, loans, fibre-links, access-points,
    /// presentation-hardware, school-authorities
    List {
        entity: String,
        /// Nur Einträge der Schule mit dieser Schulnummer
        #[arg(long)]
        school: Option<String>,
        /// Nur Einträge, die diesen Text enthalten
        #[arg(long)]
        search: Option<String>,
        /// Sortierspalte
        #[arg(long)]
        sort: Option<String>,
        #[arg(long)]
        desc: bool,
        /// Höchstens so viele Einträge (Standard: alle)
        #[arg(long)]
        limit: Option<u64>,
        #[arg(long)]
        json: bool,
    },
    /// Sichert die Datenbank im laufenden Betrieb in eine Datei
    Backup {
        #[arg(long)]
        out: PathBuf,
    },
    /// Ersetzt die Datenbank durch eine geprüfte Sicherung
    Restore { file: PathBuf },
    /// Importiert eine Tabelle (XLSX, XLSM, XLS, ODS, CSV): erst prüfen, dann alles oder nichts
    Import(import_cmd::ImportArgs),
    /// Vergleicht eine Tabelle mit dem Inventar, ohne etwas zu ändern
    Reconcile(import_cmd::ReconcileArgs),
    /// Bisherige Importe (wer, wann, Datei, Anzahlen)
    ImportHistory {
        #[arg(long)]
        json: bool,
    },
    /// Gespeicherte Spaltenzuordnungen
    ImportProfiles {
        #[arg(long)]
        json: bool,
    },
    /// Fördermittel: Budget und Prüfung der Förderregeln
    #[command(subcommand)]
    Funding(funding_cmd::FundingCommand),
    /// Bericht als PDF, XLSX oder CSV: verwendungsnachweis, inventory, kpi, lifecycle
    Report(report_cmd::ReportArgs),
    /// Exportiert eine Liste (mit Filtern) als XLSX oder CSV
    Export(report_cmd::ExportArgs),
    /// Prüfsumme über den Inhalt aller synchronisierten Tabellen: gleiche Prüfsumme heißt gleicher Stand
    Digest,
    /// Offene Synchronisationskonflikte (Feld auf zwei Geräten zugleich geändert, Änderung an
    /// einem anderswo gelöschten Eintrag, derselbe eindeutige Wert auf zwei Geräten vergeben)
    /// anzeigen und lösen
    Conflicts(sync_cmd::ConflictsArgs),
    /// Abgleich ohne Netz: Änderungen als Paketdatei exportieren und einlesen
    #[command(subcommand)]
    Bundle(sync_cmd::BundleCommand),
    /// Sync-Hub der Schulträger-Verwaltung: starten, Geräte anmelden und sperren, gelöschte Einträge endgültig entfernen
    #[command(subcommand)]
    Hub(hub_cmd::HubCommand),
    /// Meldet diese Datenbank mit einem Einmal-Code beim Hub an (Adresse und Zugang werden gespeichert)
    Enroll {
        /// Adresse des Hubs, z. B. http://hub.schulamt.example:8787
        #[arg(long)]
        hub: String,
        /// Einmal-Code aus `schulinventar hub enroll`
        #[arg(long)]
        code: String,
        /// Name dieses Geräts, wie der Hub ihn anzeigt
        #[arg(long)]
        name: Option<String>,
    },
    /// Abgleich mit dem Hub: erst eigene Änderungen senden, dann alles Neue holen.
    /// Exit-Code 0: alles abgeglichen; 3: abgeglichen, aber der Hub hat Änderungen abgelehnt
    /// (Gründe in der Ausgabe); 1: Fehler (z. B. Hub nicht erreichbar)
    Sync {
        /// Adresse des Hubs (Standard: die bei der Anmeldung gespeicherte)
        #[arg(long)]
        hub: Option<String>,
        /// Zusammenfassung als JSON
        #[arg(long)]
        json: bool,
        /// Änderungen je Anfrage
        #[arg(long)]
        page: Option<usize>,
    },
}

/// What can go wrong in a command.
#[derive(Debug)]
enum CliError {
    Core(CoreError),
    Import(ImportError),
    /// A wrong call (missing or contradictory options): exit code 2.
    Usage(String),
    /// The hub refused or could not be reached: exit code 1.
    Hub(String),
}

impl CliError {
    fn io(e: io::Error) -> CliError {
        CliError::Core(e.into())
    }
}

impl From<CoreError> for CliError {
    fn from(e: CoreError) -> Self {
        CliError::Core(e)
    }
}

impl From<ImportError> for CliError {
    fn from(e: ImportError) -> Self {
        CliError::Import(e)
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => e.exit(), // --help, --version
        Err(e) => {
            // clap explains the problem in English; say in German what happened first.
            eprintln!("Fehler: Der Aufruf ist ungültig. Hilfe: schulinventar --help\n\n{e}");
            return ExitCode::from(2);
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(CliError::Import(e)) => {
            eprintln!("Fehler: {e}");
            if e.code == "invalid_argument" {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
        Err(CliError::Hub(message)) => {
            eprintln!("Fehler: {message}");
            ExitCode::FAILURE
        }
        Err(CliError::Usage(message)) => {
            eprintln!("Fehler: {message}");
            ExitCode::from(2)
        }
        Err(CliError::Core(e)) => {
            eprintln!("Fehler: {e}");
            if let CoreError::Validation { errors, .. } = &e {
                for fe in errors {
                    eprintln!("  {}: {} [{}]", fe.field, fe.message, fe.code);
                }
            }
            ExitCode::FAILURE
        }
    }
}

fn out_err(e: io::Error) -> CoreError {
    CoreError::from(e)
}

fn run(cli: Cli) -> Result<ExitCode, CliError> {
    // The hub's own commands work on its data directory, not on a replica.
    let command = match cli.command {
        Command::Hub(cmd) => {
            let stdout = io::stdout();
            let mut out = io::BufWriter::new(stdout.lock());
            let code = hub_cmd::hub(cmd, &mut out)?;
            out.flush().map_err(out_err)?;
            return Ok(code);
        }
        other => other,
    };
    let path = cli.db.unwrap_or_else(schulinventar_core::default_db_path);
    let mut store = Store::open(&path)?;
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    match command {
        Command::Demo { scale, seed } => {
            let started = Instant::now();
            let mut last_shown = 0u64;
            let summary = demo::generate(&mut store, scale, seed, &mut |done, total| {
                let pct = done * 100 / total.max(1);
                if pct >= last_shown + 5 || done == total {
                    last_shown = pct;
                    eprintln!("Beispieldaten: {pct} % ({done} von {total})");
                }
            })?;
            writeln!(
                out,
                "Beispieldaten erzeugt in {:.1} s: {} Schulträger, {} Schulen, {} Räume, {} Geräte, {} Ausleihen, {} Access Points, {} Präsentationsgeräte, {} Leitungen, {} Rechnungen ({} verknüpfte Gegenstände), {} Maßnahmen, {} Zuweisungen.",
                started.elapsed().as_secs_f64(),
                summary.school_authorities,
                summary.schools,
                summary.rooms,
                summary.devices,
                summary.loans,
                summary.access_points,
                summary.presentation_hardware,
                summary.fibre_links,
                summary.invoices,
                summary.invoice_items,
                summary.measures,
                summary.allocations
            )
            .map_err(out_err)?;
        }
        Command::Stats { json } => {
            let stats = store.stats()?;
            if json {
                writeln!(out, "{}", serde_json::Value::Object(stats)).map_err(out_err)?;
            } else {
                for (k, v) in stats {
                    writeln!(out, "{k:<24} {v}").map_err(out_err)?;
                }
            }
        }
        Command::Search { text, json, limit } => {
            let hits = store.search(&text, limit)?;
            if json {
                writeln!(out, "{}", serde_json::to_string(&hits).map_err(CoreError::from)?).map_err(out_err)?;
            } else if hits.is_empty() {
                writeln!(out, "Keine Treffer für „{text}“.").map_err(out_err)?;
            } else {
                for h in hits {
                    writeln!(out, "{:<22} {}  [{}]", h.entity, h.title, h.id).map_err(out_err)?;
                }
            }
        }
        Command::List { entity, school, search, sort, desc, limit, json } => {
            let info = query::info_by_cli_name(&entity)?;
            let mut q = ListQuery { school_number: school, search, sort, descending: desc, ..Default::default() };
            let mut printed = 0u64;
            if json {
                write!(out, "[").map_err(out_err)?;
            }
            'pages: loop {
                q.limit = Some(limit.map(|l| (l - printed).min(1000) as u32).unwrap_or(1000));
                if q.limit == Some(0) {
                    break;
                }
                let page = query::list_json(store.conn(), info, &q)?;
                for item in &page.items {
                    if json {
                        if printed > 0 {
                            write!(out, ",").map_err(out_err)?;
                        }
                        write!(out, "{item}").map_err(out_err)?;
                    } else {
                        writeln!(out, "{}", human_line(item)).map_err(out_err)?;
                    }
                    printed += 1;
                    if limit.is_some_and(|l| printed >= l) {
                        break 'pages;
                    }
                }
                match page.next {
                    Some(next) => q.after = Some(next),
                    None => break,
                }
            }
            if json {
                writeln!(out, "]").map_err(out_err)?;
            } else if printed == 0 {
                writeln!(out, "Keine Einträge.").map_err(out_err)?;
            }
        }
        Command::Backup { out: file } => {
            store.backup(&file)?;
            writeln!(out, "Sicherung geschrieben: {}", file.display()).map_err(out_err)?;
        }
        Command::Restore { file } => {
            // On stderr, so that stdout keeps its one line: the percentage of each copy, in tens.
            let mut tens = TenPercent::default();
            store.restore_with_progress(&file, &mut |step| {
                let (copy, done, total) = match step {
                    RestoreStep::Check => {
                        eprintln!("Prüfe die Sicherung {} …", file.display());
                        return;
                    }
                    RestoreStep::SaveCurrent { done, total } => (false, done, total),
                    RestoreStep::Copy { done, total } => (true, done, total),
                };
                let pct = percent(u64::from(done), u64::from(total));
                if tens.due(u8::from(copy), pct) {
                    let what = if copy { "Übernehme die Sicherung" } else { "Sichere den jetzigen Stand" };
                    eprintln!("{what}: {pct} % ({done} von {total} Seiten)");
                }
            })?;
            writeln!(out, "Datenbank aus {} wiederhergestellt.", file.display()).map_err(out_err)?;
        }
        Command::Import(a) => {
            let code = import_cmd::import(&mut store, a, &mut out)?;
            out.flush().map_err(out_err)?;
            return Ok(code);
        }
        Command::Reconcile(a) => {
            let code = import_cmd::reconcile_cmd(&mut store, a, &mut out)?;
            out.flush().map_err(out_err)?;
            return Ok(code);
        }
        Command::ImportHistory { json } => return import_cmd::history(&store, json, &mut out),
        Command::ImportProfiles { json } => return import_cmd::profiles(&store, json, &mut out),
        Command::Report(args) => report_cmd::report(&store, args, &mut out)?,
        Command::Export(args) => report_cmd::export_list(&store, args, &mut out)?,
        Command::Digest => sync_cmd::digest(&store, &mut out)?,
        Command::Conflicts(args) => sync_cmd::conflicts(&mut store, args, &mut out)?,
        Command::Bundle(cmd) => sync_cmd::bundle(&mut store, cmd, &mut out)?,
        Command::Hub(_) => unreachable!("handled above"),
        Command::Enroll { hub, code, name } => hub_cmd::enroll(&mut store, &hub, &code, name, &mut out)?,
        Command::Sync { hub, json, page } => {
            let code = hub_cmd::sync(&mut store, hub, json, page, &mut out)?;
            out.flush().map_err(out_err)?;
            return Ok(code);
        }
        Command::Funding(cmd) => {
            let code = funding_cmd::run(&store, cmd, &mut out)?;
            out.flush().map_err(out_err)?;
            return Ok(code);
        }
    }
    out.flush().map_err(out_err)?;
    Ok(ExitCode::SUCCESS)
}

/// One line per row for people: the most telling fields, tab-separated.
fn human_line(item: &serde_json::Value) -> String {
    const KEYS: &[&str] = &[
        "school_number",
        "name",
        "number",
        "inventory_number",
        "category",
        "kind",
        "link_type",
        "manufacturer",
        "model",
        "mac_address",
        "holder_name",
        "loaned_on",
        "status",
        "city",
    ];
    KEYS.iter()
        .filter_map(|k| item.get(*k))
        .filter_map(|v| match v {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\t")
}

/// Which progress lines to print: each phase's first, then one per ten percent more, and its
/// 100 %.
#[derive(Default)]
pub(crate) struct TenPercent {
    shown: Option<(u8, u32)>,
}

impl TenPercent {
    /// Whether `pct` of `phase` is worth a line; if so, it counts as shown.
    pub(crate) fn due(&mut self, phase: u8, pct: u32) -> bool {
        let due = match self.shown {
            Some((p, last)) if p == phase => pct >= last + 10 || (pct == 100 && last < 100),
            _ => true,
        };
        if due {
            self.shown = Some((phase, pct));
        }
        due
    }
}
