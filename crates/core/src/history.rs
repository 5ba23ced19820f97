//! The history of one row, read from the change log: who changed which field from what to what,
//! when, and where the change came from (an import file, a sync, a bundle). Auditors ask for this
//! first; it is derived, never stored twice.

use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::clock::Hlc;
use crate::entity;
use crate::error::{CoreError, Result};
use crate::store::find_rowid;

/// One field's change within one operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct FieldChange {
    pub field: String,
    /// The value before this operation (null when the field had none yet).
    pub from: Value,
    pub to: Value,
}

/// One operation on the row, oldest first in [`history`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct HistoryEntry {
    /// When the change was made (RFC 3339, UTC), from the operation's timestamp.
    pub at: String,
    pub author: String,
    /// What kind of batch it came with: manual, import, sync, bundle, demo, restore; none for
    /// operations received from another replica without a source of their own.
    pub source_kind: Option<String>,
    /// The imported file's name, where the change came from an import.
    pub file_name: Option<String>,
    /// The documented reason (earmarked items, conflict resolutions).
    pub reason: Option<String>,
    /// The replica that made the change.
    pub origin_node: String,
    pub changes: Vec<FieldChange>,
}

/// Fields the history leaves out: bookkeeping the user does not edit.
const HIDDEN: [&str; 2] = ["created_at", "updated_at"];

/// The history of the row `id` of entity `entity` (its change-log name, e.g. "device"), oldest
/// change first. Operations are replayed in the order the merge uses (timestamp, then replica),
/// so "from" is the value the field had just before, as every replica sees it. An operation that
/// set a field to the value it already had is not listed as a change of that field.
pub fn history(conn: &Connection, entity: &str, id: &str) -> Result<Vec<HistoryEntry>> {
    let info = entity::by_name(entity).ok_or_else(|| {
        CoreError::invalid_argument(Some("entity"), format!("Unbekannte Art von Eintrag: „{entity}“."))
    })?;
    let mut stmt = conn.prepare_cached(
        "SELECT l.hlc, l.author, l.origin_node, l.fields, l.reason, s.kind, s.file_name
         FROM change_log l LEFT JOIN change_sources s ON s.id = l.source_id
         WHERE l.entity = ?1 AND l.row_id = ?2 ORDER BY l.hlc, l.origin_node",
    )?;
    let mut rows = stmt.query(rusqlite::params![entity, id])?;
    let mut state: Map<String, Value> = Map::new();
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let hlc: String = r.get(0)?;
        let fields: String = r.get(3)?;
        let fields: Map<String, Value> = serde_json::from_str(&fields)?;
        let mut changes = Vec::new();
        for (field, to) in fields {
            let from = state.get(&field).cloned().unwrap_or(Value::Null);
            if from == to {
                continue;
            }
            state.insert(field.clone(), to.clone());
            if !HIDDEN.contains(&field.as_str()) {
                changes.push(FieldChange { field, from, to });
            }
        }
        if changes.is_empty() {
            continue;
        }
        out.push(HistoryEntry {
            at: Hlc(hlc).to_rfc3339(),
            author: r.get(1)?,
            origin_node: r.get(2)?,
            reason: r.get(4)?,
            source_kind: r.get(5)?,
            file_name: r.get(6)?,
            changes,
        });
    }
    if out.is_empty() && find_rowid(conn, info, id)?.is_none() {
        return Err(CoreError::not_found(entity, id));
    }
    Ok(out)
}
