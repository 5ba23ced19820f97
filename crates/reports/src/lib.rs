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

use chrono::NaiveDate;
use rusqlite::Connection;
use schulinventar_core::CoreError;
use serde::{Deserialize, Serialize};

/// Which report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    Verwendungsnachweis,
    Inventory,
    Kpi,
    Lifecycle,
}

/// A report and its parameters, as the CLI and the app ask for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct ReportRequest {
    pub kind: ReportKind,
    /// The programme of a Verwendungsnachweis.
    pub programme_id: Option<String>,
    /// The Schulträger of a Verwendungsnachweis (none: the school's, or the only one).
    pub authority_id: Option<String>,
    /// The school of an inventory report (none: all schools).
    pub school_number: Option<String>,
    /// Months ahead of a lifecycle report.
    pub months: Option<u32>,
}

/// Builds the document a request asks for.
pub fn build(conn: &Connection, request: &ReportRequest, today: NaiveDate) -> Result<Document, CoreError> {
    match request.kind {
        ReportKind::Verwendungsnachweis => {
            let programme = request.programme_id.as_deref().ok_or_else(|| {
                CoreError::invalid_argument(Some("programme_id"), "Der Verwendungsnachweis braucht ein Förderprogramm.")
            })?;
            let authority = match (&request.authority_id, &request.school_number) {
                (Some(a), _) => a.clone(),
                (None, Some(n)) => conn
                    .query_row(
                        "SELECT authority_id FROM schools WHERE school_number = ?1 AND deleted_at IS NULL",
                        [n],
                        |r| r.get(0),
                    )
                    .map_err(|_| CoreError::not_found("school", n))?,
                (None, None) => {
                    let ids: Vec<String> = conn
                        .prepare("SELECT id FROM school_authorities WHERE deleted_at IS NULL ORDER BY name LIMIT 2")?
                        .query_map([], |r| r.get(0))?
                        .collect::<rusqlite::Result<_>>()?;
                    match ids.as_slice() {
                        [one] => one.clone(),
                        [] => return Err(CoreError::invalid_argument(None, "Es ist kein Schulträger erfasst.")),
                        _ => {
                            return Err(CoreError::invalid_argument(
                                Some("authority_id"),
                                "Es gibt mehrere Schulträger: bitte den Schulträger wählen.",
                            ))
                        }
                    }
                }
            };
            Ok(verwendungsnachweis::build(conn, programme, &authority, today)?.0)
        }
        ReportKind::Inventory => inventory::inventory(conn, request.school_number.as_deref(), today),
        ReportKind::Kpi => inventory::kpi(conn, today),
        ReportKind::Lifecycle => inventory::lifecycle(conn, request.months.unwrap_or(12), today),
    }
}

pub use document::Document;
