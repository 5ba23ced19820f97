//! `funding status` and `funding check`.

use std::io::Write;
use std::process::ExitCode;

use clap::Subcommand;
use schulinventar_core::funding::{self, Finding, Severity};
use schulinventar_core::validate_funding::euros;
use schulinventar_core::Store;

use crate::CliError;

#[derive(Subcommand, Debug)]
pub enum FundingCommand {
    /// Budget je Förderprogramm und Schulträger (und Schule): zugewiesen, bewilligt, ausgegeben, verbleibend; dazu die Befunde
    Status {
        /// Nur dieses Programm (ID, z. B. programme-digitalpakt-basis)
        #[arg(long)]
        programme: Option<String>,
        /// Nur diese Schule (Schulnummer)
        #[arg(long)]
        school: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Prüft die Förderregeln; Exit-Code 1, wenn eine Regel verletzt ist
    Check {
        #[arg(long)]
        json: bool,
    },
}

fn severity_label(s: Severity) -> &'static str {
    match s {
        Severity::Violation => "VERSTOSS",
        Severity::Warning => "Hinweis",
        Severity::Info => "Info",
    }
}

fn print_findings(out: &mut impl Write, findings: &[Finding]) -> std::io::Result<()> {
    if findings.is_empty() {
        writeln!(out, "Keine Befunde.")?;
    }
    for f in findings {
        writeln!(out, "[{}] {} ({})", severity_label(f.severity), f.message, f.code)?;
    }
    Ok(())
}

pub fn run(store: &Store, cmd: FundingCommand, out: &mut impl Write) -> Result<ExitCode, CliError> {
    let today = chrono::Local::now().date_naive();
    match cmd {
        FundingCommand::Status { programme, school, json } => {
            let school_id = match &school {
                Some(n) => Some(store.school_by_number(n)?.id),
                None => None,
            };
            if let Some(p) = &programme {
                store.get::<schulinventar_core::ProgrammeData>(p)?;
            }
            let budgets = funding::budgets(store.conn(), programme.as_deref(), school_id.as_deref())?;
            let findings: Vec<Finding> = funding::check(store.conn(), today)?
                .into_iter()
                .filter(|f| programme.is_none() || f.programme_id.is_none() || f.programme_id == programme)
                .filter(|f| school_id.is_none() || f.school_id.is_none() || f.school_id == school_id)
                .collect();
            if json {
                let v = serde_json::json!({ "budgets": budgets, "findings": findings });
                writeln!(out, "{v}").map_err(CliError::io)?;
            } else {
                writeln!(
                    out,
                    "{:<24} {:<28} {:>16} {:>16} {:>16} {:>16} {:>16}",
                    "Programm",
                    "Schulträger / Schule",
                    "zugewiesen",
                    "bewilligt",
                    "ausgegeben",
                    "Eigenanteil",
                    "verbleibend"
                )
                .map_err(CliError::io)?;
                for b in &budgets {
                    let whom = match (&b.school_number, &b.school) {
                        (Some(n), Some(s)) => format!("  {n} {s}"),
                        _ => b.authority.clone(),
                    };
                    writeln!(
                        out,
                        "{:<24} {:<28} {:>16} {:>16} {:>16} {:>16} {:>16}",
                        b.programme.chars().take(24).collect::<String>(),
                        whom.chars().take(28).collect::<String>(),
                        euros(b.allocated_cents),
                        euros(b.approved_cents),
                        euros(b.spent_cents),
                        euros(b.own_cents),
                        b.remaining_cents.map_or_else(|| "–".to_owned(), euros)
                    )
                    .map_err(CliError::io)?;
                }
                writeln!(out).map_err(CliError::io)?;
                print_findings(out, &findings).map_err(CliError::io)?;
            }
            Ok(ExitCode::SUCCESS)
        }
        FundingCommand::Check { json } => {
            let findings = funding::check(store.conn(), today)?;
            let violations = findings.iter().filter(|f| f.severity == Severity::Violation).count();
            let warnings = findings.iter().filter(|f| f.severity == Severity::Warning).count();
            if json {
                let v = serde_json::json!({ "violations": violations, "warnings": warnings, "findings": findings });
                writeln!(out, "{v}").map_err(CliError::io)?;
            } else {
                print_findings(out, &findings).map_err(CliError::io)?;
                writeln!(out, "{violations} Regelverstöße, {warnings} Hinweise.").map_err(CliError::io)?;
            }
            Ok(if violations > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS })
        }
    }
}
