//! `hub serve|enroll|devices|revoke` (the department's side) and `enroll`/`sync` (a laptop's side).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Subcommand, ValueEnum};
use schulinventar_core::{CoreError, Store};
use schulinventar_hub::{HubStorage, SqliteStorage};
use schulinventar_sync::client::{self, ClientError, SyncProgress, SyncSummary};
use schulinventar_sync::protocol::{Role, PAGE};

use crate::{CliError, TenPercent};

#[derive(Subcommand, Debug)]
pub enum HubCommand {
    /// Startet den Hub (HTTP). Die erste Ausgabezeile nennt die tatsächliche Adresse.
    Serve {
        /// Adresse und Port, z. B. 127.0.0.1:8787 (Port 0: ein freier Port)
        #[arg(long, default_value = "127.0.0.1:8787")]
        listen: String,
        /// Datenverzeichnis des Hubs
        #[arg(long)]
        data: PathBuf,
        /// Zertifikat(skette) als PEM: der Hub spricht dann nur HTTPS
        #[arg(long, requires = "key")]
        cert: Option<PathBuf>,
        /// Privater Schlüssel zum Zertifikat (PEM)
        #[arg(long, requires = "cert")]
        key: Option<PathBuf>,
    },
    /// Erzeugt einen Einmal-Code, mit dem sich ein Gerät anmeldet (Ausgabe: nur der Code)
    Enroll {
        #[arg(long)]
        data: PathBuf,
        /// admin: nur die angegebenen Schulen; department: alle Schulen; auditor: alles lesen, nichts ändern
        #[arg(long, value_enum)]
        role: RoleArg,
        /// Schulnummer (für admin, mehrfach möglich)
        #[arg(long = "school", value_name = "NR")]
        schools: Vec<String>,
        /// Gültigkeit des Codes in Stunden
        #[arg(long, default_value_t = 72)]
        valid_hours: u32,
        #[arg(long)]
        json: bool,
    },
    /// Angemeldete Geräte
    Devices {
        #[arg(long)]
        data: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Entfernt gelöschte Einträge endgültig, sobald alle betroffenen Geräte die Löschung übernommen haben
    Gc {
        #[arg(long)]
        data: PathBuf,
        /// Nur Einträge, die mindestens so viele Tage gelöscht sind (Zeit für ein Wiederherstellen offline)
        #[arg(long, default_value_t = 30)]
        older_than_days: u32,
        #[arg(long)]
        json: bool,
    },
    /// Sperrt den Zugang eines Geräts (Nummer aus `hub devices`)
    Revoke {
        #[arg(long)]
        data: PathBuf,
        device: i64,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum RoleArg {
    Admin,
    Department,
    Auditor,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Role {
        match r {
            RoleArg::Admin => Role::Admin,
            RoleArg::Department => Role::Department,
            RoleArg::Auditor => Role::Auditor,
        }
    }
}

fn hub_err(e: impl std::fmt::Display) -> CliError {
    CliError::Hub(e.to_string())
}

fn client_err(e: ClientError) -> CliError {
    match e {
        ClientError::Core(e) => CliError::Core(e),
        e => CliError::Hub(e.to_string()),
    }
}

fn io(e: std::io::Error) -> CliError {
    CliError::Core(CoreError::from(e))
}

pub fn hub(cmd: HubCommand, out: &mut impl Write) -> Result<ExitCode, CliError> {
    match cmd {
        HubCommand::Serve { listen, data, cert, key } => {
            schulinventar_hub::init_logging();
            let tls = cert.zip(key).map(|(cert, key)| schulinventar_hub::TlsFiles { cert, key });
            schulinventar_hub::run_blocking(&data, &listen, tls, |url| {
                // First and flushed at once, so that scripts and tests can read the port.
                let _ = writeln!(out, "Hub läuft auf {url}");
                let _ = out.flush();
            })
            .map_err(|e| CliError::Hub(format!("Der Hub kann nicht starten ({listen}): {e}")))?;
        }
        HubCommand::Enroll { data, role, schools, valid_hours, json } => {
            let mut storage = SqliteStorage::open(&data).map_err(hub_err)?;
            let e = storage.create_enrolment(role.into(), &schools, valid_hours).map_err(hub_err)?;
            if json {
                writeln!(out, "{}", serde_json::to_string(&e).map_err(CoreError::from)?).map_err(io)?;
            } else {
                writeln!(out, "{}", e.code).map_err(io)?;
                let scope = if e.schools.is_empty() { "alle Schulen".into() } else { e.schools.join(", ") };
                eprintln!(
                    "Einmal-Code für Rolle {} ({scope}), gültig bis {}. Anmelden: schulinventar enroll --hub URL --code {}",
                    e.role.as_str(),
                    e.expires_at,
                    e.code
                );
            }
        }
        HubCommand::Devices { data, json } => {
            let mut storage = SqliteStorage::open(&data).map_err(hub_err)?;
            let devices = storage.devices().map_err(hub_err)?;
            if json {
                writeln!(out, "{}", serde_json::to_string(&devices).map_err(CoreError::from)?).map_err(io)?;
            } else if devices.is_empty() {
                writeln!(out, "Keine Geräte angemeldet.").map_err(io)?;
            } else {
                for d in devices {
                    writeln!(
                        out,
                        "{:>4}  {:<24} {:<10} {:<20} Stand {:<8} {}",
                        d.id,
                        d.name,
                        d.role.as_str(),
                        d.schools.join(","),
                        d.last_cursor,
                        if d.revoked { "gesperrt" } else { "aktiv" }
                    )
                    .map_err(io)?;
                }
            }
        }
        HubCommand::Gc { data, older_than_days, json } => {
            let mut storage = SqliteStorage::open(&data).map_err(hub_err)?;
            let r = storage.gc(older_than_days, chrono::Utc::now()).map_err(hub_err)?;
            if json {
                writeln!(out, "{}", serde_json::to_string(&r).map_err(CoreError::from)?).map_err(io)?;
            } else {
                print_gc(&r, out).map_err(io)?;
            }
        }
        HubCommand::Revoke { data, device } => {
            let mut storage = SqliteStorage::open(&data).map_err(hub_err)?;
            if !storage.revoke(device).map_err(hub_err)? {
                return Err(CliError::Usage(format!(
                    "Es gibt kein Gerät mit der Nummer {device} (siehe: schulinventar hub devices)."
                )));
            }
            writeln!(out, "Gerät {device} gesperrt; sein Zugangstoken wird ab sofort abgewiesen.").map_err(io)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_gc(r: &schulinventar_hub::sqlite::GcReport, out: &mut impl Write) -> std::io::Result<()> {
    if r.purged == 0 {
        writeln!(out, "Keine gelöschten Einträge endgültig entfernt.")?;
    } else {
        let kinds: Vec<String> = r.purged_by_entity.iter().map(|(e, n)| format!("{e} {n}")).collect();
        writeln!(
            out,
            "{} gelöschte Einträge endgültig entfernt ({}), mit {} Änderungen.",
            r.purged,
            kinds.join(", "),
            r.ops_removed
        )?;
    }
    if r.too_recent > 0 {
        writeln!(out, "{} sind noch keine {} Tage gelöscht und bleiben.", r.too_recent, r.older_than_days)?;
    }
    if r.waiting > 0 {
        writeln!(out, "{} warten, bis diese Geräte die Löschung abgeholt haben:", r.waiting)?;
        for d in &r.waiting_for {
            writeln!(out, "  Gerät {} „{}“ (Stand {}): {} Einträge", d.id, d.name, d.cursor, d.rows)?;
        }
        writeln!(out, "  Ein Gerät, das nicht mehr benutzt wird, sperren: schulinventar hub revoke --data DIR NR")?;
    }
    if r.referenced > 0 {
        writeln!(
            out,
            "{} werden noch von anderen Einträgen verwendet oder sind Teil eines offenen Duplikats.",
            r.referenced
        )?;
    }
    if r.in_conflict > 0 {
        writeln!(
            out,
            "{} haben einen offenen Konflikt; erst nach seiner Lösung können sie entfernt werden.",
            r.in_conflict
        )?;
    }
    Ok(())
}

pub fn enroll(
    store: &mut Store,
    hub: &str,
    code: &str,
    name: Option<String>,
    out: &mut impl Write,
) -> Result<(), CliError> {
    let name = name.unwrap_or_else(|| format!("{} ({})", store.author(), &store.node_id()[..8]));
    let r = client::enroll(store, hub, code, &name).map_err(client_err)?;
    let scope = if r.schools.is_empty() { "alle Schulen".into() } else { format!("Schulen {}", r.schools.join(", ")) };
    writeln!(
        out,
        "Angemeldet beim Hub {hub} als Gerät {} „{name}“ (Rolle {}, {scope}). Abgleichen: schulinventar sync",
        r.device_id,
        r.role.as_str()
    )
    .map_err(io)
}

/// Exit code when the sync finished but the hub refused some operations.
const SOME_REJECTED: u8 = 3;

pub fn sync(
    store: &mut Store,
    hub: Option<String>,
    json: bool,
    page: Option<usize>,
    out: &mut impl Write,
) -> Result<ExitCode, CliError> {
    // On stderr, so that stdout keeps the summary: each direction in tens of percent.
    let mut tens = TenPercent::default();
    let summary = client::sync_with_progress(store, hub.as_deref(), page.unwrap_or(PAGE), &mut |step| match (
        step,
        step.percent(),
    ) {
        (SyncProgress::Push { sent, total }, Some(pct)) if tens.due(0, pct) => {
            eprintln!("Senden: {pct} % ({sent} von {total} Änderungen)")
        }
        (SyncProgress::Pull { received, .. }, Some(pct)) if tens.due(1, pct) => {
            eprintln!("Empfangen: {pct} % ({received} Änderungen)")
        }
        (SyncProgress::Pull { received, .. }, None) => eprintln!("Empfangen: {received} Änderungen"),
        _ => {}
    })
    .map_err(client_err)?;
    if let Some(w) = &summary.clock_warning {
        eprintln!("Warnung: {w}");
    }
    if json {
        writeln!(out, "{}", serde_json::to_string(&summary).map_err(CoreError::from)?).map_err(io)?;
    } else {
        print_summary(&summary, out)?;
    }
    Ok(if summary.rejected > 0 { ExitCode::from(SOME_REJECTED) } else { ExitCode::SUCCESS })
}

fn print_summary(s: &SyncSummary, out: &mut impl Write) -> Result<(), CliError> {
    writeln!(out, "Abgleich mit Hub {} abgeschlossen.", s.hub_node).map_err(io)?;
    writeln!(out, "  Gesendet:  {} neu, {} dem Hub schon bekannt, {} abgelehnt", s.pushed, s.duplicates, s.rejected)
        .map_err(io)?;
    writeln!(out, "  Empfangen: {} neu, {} schon vorhanden", s.pulled, s.pulled_known).map_err(io)?;
    if s.purged > 0 {
        writeln!(out, "  Endgültig entfernt (Speicherbereinigung am Hub): {} gelöschte Einträge", s.purged)
            .map_err(io)?;
    }
    writeln!(out, "  Offene Konflikte: {}", s.conflicts).map_err(io)?;
    for r in &s.rejected_ops {
        writeln!(
            out,
            "  Abgelehnt: {} {} (Gerät {}, Nr. {}): {}",
            r.entity, r.row_id, r.origin_node, r.origin_seq, r.reason
        )
        .map_err(io)?;
    }
    for r in &s.rows_not_written {
        writeln!(out, "  Nicht geschrieben: {} {}: {}", r.entity, r.row_id, r.message).map_err(io)?;
    }
    Ok(())
}
