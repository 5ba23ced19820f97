//! Which school an operation concerns, and whether a device may write it.
//!
//! For tables with a school column: the value the operation sets, else the row's last known
//! school; loans and invoice items belong to the school of their device or invoice line; school
//! authorities, programmes and invoices are shared. An admin device may write an operation only
//! if every school it concerns (before and after) has one of the device's school numbers.

use schulinventar_core::clock::Hlc;
use schulinventar_core::entity::{self, EntityInfo};
use schulinventar_sync::protocol::{Role, MAX_FUTURE_SECS};
use schulinventar_sync::Op;
use serde_json::Value;
use std::collections::HashMap;

use rusqlite::OptionalExtension;

use super::SqliteStorage;
use crate::storage::{Device, HubResult};

/// Where the school of a row of a table comes from.
pub(super) enum SchoolOf {
    /// The `schools` table itself: the row is the school.
    Itself,
    /// A column of the row names the school.
    Column(&'static str),
    /// The row belongs to the school of the row its column refers to.
    Parent(&'static str, &'static str),
    /// Shared by all schools (authorities, programmes, invoices).
    Nobody,
}

pub(super) fn school_of(info: &EntityInfo) -> SchoolOf {
    match (info.name, info.school_column) {
        (_, Some("id")) => SchoolOf::Itself,
        (_, Some(col)) => SchoolOf::Column(col),
        ("loan", None) => SchoolOf::Parent("device_id", "device"),
        ("invoice_item", None) => SchoolOf::Parent("line_id", "invoice_line"),
        _ => SchoolOf::Nobody,
    }
}

/// Why an operation is refused: (code, German reason).
pub(super) type Refusal = (&'static str, String);

/// What the hub records about an accepted operation.
pub(super) struct Placement {
    pub(super) scoped: bool,
    pub(super) school: Option<String>,
    pub(super) prev_school: Option<String>,
}

/// Row schools and school numbers learnt from the operations of the page being checked, ahead
/// of the database: an operation may refer to a row created earlier in the same page.
#[derive(Default)]
pub(super) struct Overlay {
    pub(super) rows: HashMap<(String, String), (String, String)>,
    pub(super) numbers: HashMap<String, (String, String)>,
}

impl SqliteStorage {
    /// The latest known school of a row (school id, HLC of the operation that set it).
    fn row_school(&self, overlay: &Overlay, entity: &str, row_id: &str) -> HubResult<Option<(String, String)>> {
        if let Some(v) = overlay.rows.get(&(entity.to_owned(), row_id.to_owned())) {
            return Ok(Some(v.clone()));
        }
        Ok(self
            .store
            .conn()
            .prepare_cached("SELECT school_id, hlc FROM hub_rows WHERE entity = ?1 AND row_id = ?2")?
            .query_row([entity, row_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?)
    }

    fn school_number(&self, overlay: &Overlay, school_id: &str) -> HubResult<Option<(String, String)>> {
        if let Some(v) = overlay.numbers.get(school_id) {
            return Ok(Some(v.clone()));
        }
        Ok(self
            .store
            .conn()
            .prepare_cached("SELECT school_number, hlc FROM hub_schools WHERE school_id = ?1")?
            .query_row([school_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?)
    }

    /// Decides about one operation; on acceptance, records what it teaches about schools in
    /// the overlay.
    pub(super) fn check(
        &self,
        device: &Device,
        op: &Op,
        now_secs: u64,
        overlay: &mut Overlay,
    ) -> HubResult<Result<Placement, Refusal>> {
        let Some(info) = entity::ALL.iter().copied().find(|e| e.name == op.entity) else {
            return Ok(Err(("invalid", format!("Die Tabelle „{}“ ist dem Hub unbekannt.", op.entity))));
        };
        let Some(time) = Hlc(op.hlc.clone()).parse_time().filter(|_| op.origin_seq > 0) else {
            return Ok(Err((
                "invalid",
                format!("Die Änderung {}/{} hat eine ungültige Nummer oder Zeit.", op.origin_node, op.origin_seq),
            )));
        };
        let secs = time >> 32;
        if secs > now_secs + MAX_FUTURE_SECS {
            let hours = (secs - now_secs) / 3600;
            return Ok(Err((
                "future",
                format!(
                    "Der Zeitstempel der Änderung ({}) liegt {hours} Stunden nach der Uhr des Hubs; mehr als 24 Stunden \
                     werden nicht angenommen. Die Uhr des sendenden Geräts geht vermutlich vor.",
                    Hlc(op.hlc.clone()).to_rfc3339()
                ),
            )));
        }
        let admin = device.role == Role::Admin;
        let str_field = |name: &str| op.fields.get(name).and_then(Value::as_str).map(str::to_owned);

        // The row's last known school and when it was set (for rows with a school).
        let mut known: Option<Option<(String, String)>> = None;
        // (school after the operation, school before it)
        let (new, old, scoped) = match school_of(info) {
            SchoolOf::Nobody => {
                if admin {
                    return Ok(Err((
                        "read_only",
                        format!(
                            "Einträge der Art „{}“ gehören zu keiner einzelnen Schule; sie darf nur die \
                             Schulträger-Verwaltung ändern.",
                            info.name
                        ),
                    )));
                }
                (None, None, false)
            }
            SchoolOf::Itself => (Some(op.row_id.clone()), Some(op.row_id.clone()), true),
            SchoolOf::Column(col) => {
                let row = self.row_school(overlay, info.name, &op.row_id)?;
                let old = row.as_ref().map(|(s, _)| s.clone());
                known = Some(row);
                (str_field(col), old, true)
            }
            SchoolOf::Parent(col, parent) => {
                let new = match str_field(col) {
                    Some(pid) => self.row_school(overlay, parent, &pid)?.map(|(s, _)| s),
                    None => None,
                };
                let row = self.row_school(overlay, info.name, &op.row_id)?;
                let old = row.as_ref().map(|(s, _)| s.clone());
                known = Some(row);
                (new, old, true)
            }
        };

        if admin {
            let allowed = |n: &str| device.schools.iter().any(|s| s == n);
            let mut numbers: Vec<String> = Vec::new();
            if let SchoolOf::Itself = school_of(info) {
                numbers.extend(str_field("school_number"));
                numbers.extend(self.school_number(overlay, &op.row_id)?.map(|(n, _)| n));
            } else {
                for s in new.iter().chain(old.iter()) {
                    match self.school_number(overlay, s)? {
                        Some((n, _)) => numbers.push(n),
                        None => {
                            return Ok(Err((
                                "unknown_school",
                                format!("Die Schule mit der Kennung {s} ist dem Hub unbekannt."),
                            )))
                        }
                    }
                }
            }
            if numbers.is_empty() {
                return Ok(Err((
                    "unknown_school",
                    format!(
                        "Zu welcher Schule „{}“ {} gehört, ist dem Hub unbekannt; die Änderung kann keiner \
                         freigeschalteten Schule zugeordnet werden.",
                        info.name, op.row_id
                    ),
                )));
            }
            if let Some(n) = numbers.iter().find(|n| !allowed(n)) {
                return Ok(Err((
                    "scope",
                    format!(
                        "Die Änderung betrifft die Schule {n}; dieses Gerät ist nur für {} freigeschaltet.",
                        device.schools.join(", ")
                    ),
                )));
            }
        }

        // Learn from the accepted operation (latest HLC wins, as in the merge).
        if let SchoolOf::Itself = school_of(info) {
            if let Some(n) = str_field("school_number") {
                let newer = self.school_number(overlay, &op.row_id)?.is_none_or(|(_, h)| op.hlc > h);
                if newer {
                    overlay.numbers.insert(op.row_id.clone(), (n, op.hlc.clone()));
                }
            }
        } else if let Some(s) = &new {
            // Looked up above; the overlay has not changed since.
            let row = match known {
                Some(row) => row,
                None => self.row_school(overlay, info.name, &op.row_id)?,
            };
            let newer = row.is_none_or(|(_, h)| op.hlc > h);
            if newer {
                overlay.rows.insert((info.name.to_owned(), op.row_id.clone()), (s.clone(), op.hlc.clone()));
            }
        }
        let school = new.clone().or(old.clone());
        let prev_school = old.filter(|o| Some(o) != school.as_ref());
        Ok(Ok(Placement { scoped, school, prev_school }))
    }
}
