//! Teacher loan devices: handing a device to a person, taking it back, the list of loans with the
//! device they concern, and erasing the holder's name once a loan is closed.
//!
//! Erasing sets `holder_erased` and clears `holder_name`; logging that operation then blanks the
//! name in every earlier operation of that loan in the change log (`store::erase_loan_holders`),
//! on every replica, so the history and sync no longer carry it.

use chrono::NaiveDate;
use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};

use crate::entity::Entity;
use crate::error::{CoreError, Result};
use crate::model::{Loan, LoanData};
use crate::store::{read_row, select_list, Store};

/// Which loans a list shows.
#[derive(Debug, Clone, Default, Serialize, Deserialize, specta::Type)]
pub struct LoanFilter {
    /// Only loans of devices of this school (by id).
    pub school_id: Option<String>,
    /// Only the loans of this device, newest first.
    pub device_id: Option<String>,
    /// Only loans not yet returned.
    #[serde(default)]
    pub open_only: bool,
    /// Only open loans whose due date has passed.
    #[serde(default)]
    pub overdue_only: bool,
    /// At most this many (default 500, at most 5,000).
    pub limit: Option<u32>,
}

/// A loan with what the list shows about its device.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct LoanView {
    pub loan: Loan,
    pub device_inventory_number: Option<String>,
    /// Manufacturer and model of the device.
    pub device_description: String,
    pub school_id: String,
    pub school_number: String,
    pub school_name: String,
    /// Not returned, and the due date has passed.
    pub overdue: bool,
}

/// Loans matching `filter`: open ones first, by due date (soonest first), then closed ones,
/// newest first.
pub fn loans(conn: &Connection, filter: &LoanFilter, today: NaiveDate) -> Result<Vec<LoanView>> {
    let limit = filter.limit.unwrap_or(500).clamp(1, 5_000);
    let sql = format!(
        "SELECT {}, d.inventory_number, d.manufacturer, d.model, s.id, s.school_number, s.name
         FROM loans t JOIN devices d ON d.id = t.device_id JOIN schools s ON s.id = d.school_id
         WHERE t.deleted_at IS NULL
           AND (?1 IS NULL OR d.school_id = ?1)
           AND (?2 IS NULL OR t.device_id = ?2)
           AND (?3 = 0 OR t.returned_on IS NULL)
           AND (?4 = 0 OR (t.returned_on IS NULL AND t.due_on < ?5))
         ORDER BY t.returned_on IS NOT NULL,
                  CASE WHEN t.returned_on IS NULL THEN t.due_on IS NULL END,
                  CASE WHEN t.returned_on IS NULL THEN t.due_on END,
                  t.returned_on DESC, t.loaned_on DESC, t.id
         LIMIT ?6",
        select_list(LoanData::INFO, "t")
    );
    let base = LoanData::INFO.columns.len() + 4;
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(
        params![
            filter.school_id,
            filter.device_id,
            filter.open_only || filter.overdue_only,
            filter.overdue_only,
            today.to_string(),
            limit
        ],
        |r| {
            let loan: Loan = read_row(r)?;
            let description = [r.get::<_, Option<String>>(base + 1)?, r.get::<_, Option<String>>(base + 2)?]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            let overdue = loan.data.returned_on.is_none() && loan.data.due_on.is_some_and(|d| d < today);
            Ok(LoanView {
                loan,
                device_inventory_number: r.get(base)?,
                device_description: description,
                school_id: r.get(base + 3)?,
                school_number: r.get(base + 4)?,
                school_name: r.get(base + 5)?,
                overdue,
            })
        },
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

impl Store {
    /// Hands the device to `holder` today, to be returned by `due_on`.
    pub fn lend(
        &mut self,
        device_id: &str,
        holder: &str,
        due_on: Option<NaiveDate>,
        notes: Option<String>,
    ) -> Result<Loan> {
        if holder.trim().is_empty() {
            return Err(CoreError::field("holder_name", "required", "Bitte angeben, wer das Gerät erhält."));
        }
        self.write(None, |w| {
            let today = w.today();
            w.create(LoanData {
                device_id: device_id.into(),
                holder_name: Some(holder.into()),
                holder_erased: false,
                loaned_on: today,
                due_on,
                returned_on: None,
                notes,
            })
        })
    }

    /// Records that the device of loan `id` came back on `on`.
    pub fn return_loan(&mut self, id: &str, on: NaiveDate) -> Result<Loan> {
        let mut data = self.get::<LoanData>(id)?.data;
        if data.returned_on.is_some() {
            return Err(CoreError::invalid_argument(Some("returned_on"), "Diese Ausleihe ist bereits zurückgegeben."));
        }
        data.returned_on = Some(on);
        self.update(id, data)
    }

    /// Erases the holder's name of a returned loan, here and in the change log.
    pub fn erase_holder(&mut self, id: &str) -> Result<Loan> {
        let mut data = self.get::<LoanData>(id)?.data;
        if data.returned_on.is_none() {
            return Err(CoreError::field(
                "holder_name",
                "erase_open_loan",
                "Der Name kann erst nach der Rückgabe gelöscht werden.",
            ));
        }
        data.holder_name = None;
        data.holder_erased = true;
        self.update(id, data)
    }
}
