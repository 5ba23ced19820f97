//! `digest`, `conflicts` and `bundle`: offline sync between replicas by file.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use schulinventar_core::apply::ApplyProgress;
use schulinventar_core::{percent, CoreError, Store};
use schulinventar_sync::bundle::{self, Header, ImportStep};
use schulinventar_sync::conflicts::{self, Conflict, Version};
use schulinventar_sync::ApplyReport;
use serde_json::{json, Value};

use crate::{CliError, TenPercent};

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ConflictsArgs {
    /// Als JSON-Liste ausgeben
    #[arg(long)]
    json: bool,
    /// Auch bereits gelöste Konflikte zeigen
    #[arg(long)]
    all: bool,
    #[command(subcommand)]
    command: Option<ConflictsCommand>,
}

#[derive(Subcommand, Debug)]
enum ConflictsCommand {
    /// Löst einen offenen Konflikt, indem der gewählte Wert als neue Änderung gespeichert wird;
    /// sie wird wie jede andere Änderung synchronisiert und schließt den Konflikt überall
    Resolve {
        /// Nummer des Konflikts (aus `schulinventar conflicts`; die ersten Zeichen genügen)
        id: String,
        /// Welcher der beiden Werte gelten soll: winner (der jetzt gültige) oder loser (der überschriebene)
        #[arg(long, value_enum, required_unless_present = "value", conflicts_with = "value")]
        keep: Option<Keep>,
        /// Ein eigener Wert als JSON, z. B. '"Raum 101"', 42 oder null
        #[arg(long, value_name = "JSON")]
        value: Option<String>,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum Keep {
    Winner,
    Loser,
}

#[derive(Subcommand, Debug)]
pub enum BundleCommand {
    /// Schreibt die Änderungen dieser Datenbank in eine signierte, komprimierte Paketdatei
    /// (z. B. für einen USB-Stick)
    Export {
        /// Zieldatei
        #[arg(long)]
        out: PathBuf,
        /// Nur Änderungen, die noch nicht bestätigt sind. Jedes Paket trägt den Stand seines
        /// Absenders; wer hier ein Paket eines Geräts einliest, merkt sich diesen Stand als dessen
        /// Bestätigung. Exportiert wird alles, was nicht jedes Gerät bestätigt hat, von dem hier
        /// schon ein Paket eingelesen wurde (noch keines: alles). Der Empfänger muss die älteren
        /// Änderungen schon haben, sonst lehnt er das Paket ab.
        #[arg(long)]
        since_ack: bool,
        /// Zusammenfassung als JSON
        #[arg(long)]
        json: bool,
    },
    /// Liest ein Paket ein: erst wird alles geprüft (Prüfsumme, Signatur, Format, Vollständigkeit),
    /// dann in einer Transaktion übernommen; erneutes Einlesen ändert nichts
    Import {
        file: PathBuf,
        /// Zusammenfassung als JSON
        #[arg(long)]
        json: bool,
    },
}

pub fn digest(store: &Store, out: &mut impl Write) -> Result<(), CliError> {
    let d = schulinventar_sync::digest(store)?;
    writeln!(out, "{d}").map_err(CliError::io)
}

pub fn conflicts(store: &mut Store, args: ConflictsArgs, out: &mut impl Write) -> Result<(), CliError> {
    match args.command {
        None => list(store, args.json, args.all, out),
        Some(ConflictsCommand::Resolve { id, keep, value }) => resolve(store, &id, keep, value, out),
    }
}

fn list(store: &Store, json: bool, all: bool, out: &mut impl Write) -> Result<(), CliError> {
    let list: Vec<Conflict> = conflicts::list(store)?.into_iter().filter(|c| all || c.open).collect();
    if json {
        let text = serde_json::to_string_pretty(&list).map_err(CoreError::from)?;
        return writeln!(out, "{text}").map_err(CliError::io);
    }
    if list.is_empty() {
        let none = if all { "Keine Konflikte." } else { "Keine offenen Konflikte." };
        return writeln!(out, "{none}").map_err(CliError::io);
    }
    let mut rows = vec![["Nr.", "Art", "Eintrag", "Feld", "Gilt jetzt", "Überschrieben", "Status"].map(String::from)];
    for c in &list {
        let winner = if c.kind == "edit_deleted" || c.kind == "deleted_concurrently" {
            format!("gelöscht ({})", who(&c.winner))
        } else if c.kind == "duplicate" {
            format!("{} hat Vorrang ({})", shown(&c.winner.value), who(&c.winner))
        } else {
            format!("{} ({})", shown(&c.winner.value), who(&c.winner))
        };
        rows.push([
            c.id.clone(),
            c.entity.clone(),
            c.row_id.clone(),
            c.field.clone(),
            winner,
            format!("{} ({})", shown(&c.loser.value), who(&c.loser)),
            if c.open { "offen" } else { "gelöst" }.into(),
        ]);
    }
    let widths: Vec<usize> = (0..7).map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0)).collect();
    for r in &rows {
        let line: Vec<String> = r.iter().zip(&widths).map(|(cell, w)| format!("{cell:<w$}")).collect();
        writeln!(out, "{}", line.join("  ").trim_end()).map_err(CliError::io)?;
    }
    let open = list.iter().filter(|c| c.open).count();
    if open > 0 {
        writeln!(
            out,
            "\n{open} offen. Lösen: schulinventar conflicts resolve NR --keep winner|loser (oder --value JSON). Gelöschte Einträge: --keep loser stellt wieder her, --keep winner bestätigt die Löschung. Doppelte Werte: --value JSON gibt dem ausgeblendeten Eintrag einen neuen Wert, --value null verwirft ihn."
        )
        .map_err(CliError::io)?;
    }
    Ok(())
}

fn changes(n: usize) -> String {
    if n == 1 {
        "1 Änderung".into()
    } else {
        format!("{n} Änderungen")
    }
}

fn shown(v: &Value) -> String {
    match v {
        Value::Null => "leer".into(),
        Value::String(s) => format!("„{s}“"),
        other => other.to_string(),
    }
}

fn who(v: &Version) -> String {
    let when = chrono::DateTime::parse_from_rfc3339(&v.at)
        .map(|t| t.with_timezone(&chrono::Local).format("%d.%m.%Y %H:%M").to_string())
        .unwrap_or_else(|_| v.at.clone());
    format!("{}, {when}", v.author)
}

fn resolve(
    store: &mut Store,
    id: &str,
    keep: Option<Keep>,
    value: Option<String>,
    out: &mut impl Write,
) -> Result<(), CliError> {
    let conflict = conflicts::find_open(store, id)?;
    let chosen = match (keep, value) {
        (Some(Keep::Winner), _) => conflict.winner.value.clone(),
        (Some(Keep::Loser), _) => conflict.loser.value.clone(),
        (None, Some(text)) => serde_json::from_str(&text).map_err(|e| {
            CliError::Usage(format!("--value erwartet JSON (Text in Anführungszeichen, z. B. '\"Raum 101\"'): {e}"))
        })?,
        (None, None) => return Err(CliError::Usage("Bitte --keep winner|loser oder --value JSON angeben.".into())),
    };
    conflicts::resolve(store, &conflict, chosen.clone())?;
    let row = format!("{} {}", conflict.entity, conflict.row_id);
    let outcome = match conflict.kind.as_str() {
        "edit_deleted" | "deleted_concurrently" if chosen == conflict.loser.value => {
            format!("{row} ist wiederhergestellt")
        }
        "edit_deleted" | "deleted_concurrently" => format!("die Löschung von {row} ist bestätigt"),
        "duplicate" if chosen.is_null() => format!("der ausgeblendete Eintrag {row} ist verworfen"),
        "duplicate" => format!("{row} erhält „{}“ = {} und ist wieder sichtbar", conflict.field, shown(&chosen)),
        _ => format!("{row} „{}“ = {}", conflict.field, shown(&chosen)),
    };
    writeln!(
        out,
        "Konflikt {} gelöst: {outcome}. Die Änderung wird mit dem nächsten Abgleich weitergegeben.",
        conflict.id
    )
    .map_err(CliError::io)
}

pub fn bundle(store: &mut Store, cmd: BundleCommand, out: &mut impl Write) -> Result<(), CliError> {
    match cmd {
        BundleCommand::Export { out: file, since_ack, json } => {
            let since = if since_ack { bundle::since_ack(store)? } else { None };
            let header = bundle::export(store, &since.clone().unwrap_or_default(), &file)?;
            let size = std::fs::metadata(&file).map_err(CliError::io)?.len();
            if json {
                let v = json!({
                    "file": file.display().to_string(),
                    "bytes": size,
                    "since": since,
                    "header": header,
                });
                return writeln!(out, "{v}").map_err(CliError::io);
            }
            if since_ack && since.is_none() {
                writeln!(out, "Noch kein Paket eines anderen Geräts eingelesen: das Paket enthält alle Änderungen.")
                    .map_err(CliError::io)?;
            }
            writeln!(
                out,
                "Paket geschrieben: {} ({}, {} Byte) von Gerät {}.",
                file.display(),
                changes(header.ops),
                size,
                header.origin
            )
            .map_err(CliError::io)?;
            ranges(&header, out)
        }
        BundleCommand::Import { file, json } => {
            // On stderr, so that stdout keeps the summary: the check, then each phase of the
            // apply in tens of percent.
            let mut tens = TenPercent::default();
            let (header, report) = bundle::import_with_progress(store, &file, &mut |step| match step {
                ImportStep::Check => eprintln!("Prüfe das Paket {} …", file.display()),
                ImportStep::Apply(ApplyProgress::Log { done, total }) => {
                    let pct = percent(done as u64, total as u64);
                    if tens.due(0, pct) {
                        eprintln!("Übernehme die Änderungen: {pct} % ({done} von {total})");
                    }
                }
                ImportStep::Apply(ApplyProgress::Rows { done, total }) => {
                    let pct = percent(done as u64, total as u64);
                    if tens.due(1, pct) {
                        eprintln!("Schreibe die Einträge: {pct} % ({done} von {total})");
                    }
                }
            })?;
            if json {
                let v = json!({
                    "origin": header.origin,
                    "created_at": header.created_at,
                    "schema_version": header.schema_version,
                    "ops": header.ops,
                    "applied": report.applied,
                    "skipped": report.skipped,
                    "rejected": report.rejected,
                });
                return writeln!(out, "{v}").map_err(CliError::io);
            }
            import_summary(&file, &header, &report, out)
        }
    }
}

fn ranges(header: &Header, out: &mut impl Write) -> Result<(), CliError> {
    for (node, (first, last)) in &header.ranges {
        writeln!(out, "  Gerät {node}: Nr. {first} bis {last}").map_err(CliError::io)?;
    }
    Ok(())
}

fn import_summary(
    file: &std::path::Path,
    header: &Header,
    report: &ApplyReport,
    out: &mut impl Write,
) -> Result<(), CliError> {
    let created = chrono::DateTime::parse_from_rfc3339(&header.created_at)
        .map(|t| t.with_timezone(&chrono::Local).format("%d.%m.%Y %H:%M").to_string())
        .unwrap_or_else(|_| header.created_at.clone());
    writeln!(out, "Paket {} von Gerät {} (erstellt {created}) geprüft.", file.display(), header.origin)
        .map_err(CliError::io)?;
    if report.applied == 0 {
        writeln!(out, "Nichts Neues: {} bereits vorhanden, nichts geändert.", changes(report.skipped))
            .map_err(CliError::io)?;
    } else {
        writeln!(out, "{} übernommen, {} bereits vorhanden.", changes(report.applied), report.skipped)
            .map_err(CliError::io)?;
    }
    if !report.rejected.is_empty() {
        writeln!(
            out,
            "{} Einträge konnten nicht geschrieben werden (die Änderungen sind gespeichert, der Eintrag bleibt wie er war):",
            report.rejected.len()
        )
        .map_err(CliError::io)?;
        for r in &report.rejected {
            writeln!(out, "  {} {}: {}", r.entity, r.row_id, r.message).map_err(CliError::io)?;
        }
    }
    Ok(())
}
