//! Purging tombstones for good. A delete is a field (`deleted_at`), so a deleted row and all of
//! its operations stay on every replica until garbage collection decides (on the hub, see
//! `schulinventar_hub::sqlite::gc`) that every device has seen the deletion. Then the row is
//! purged everywhere with [`Writer::purge_row`]: the row, its search entry and its change-log
//! operations are removed in the caller's transaction, and the row is remembered in
//! `purged_rows`, so that an operation for it that turns up later (a stale bundle, a replica that
//! missed the purge) is skipped by [`Writer::apply_remote`] and cannot bring it back.
//!
//! The version vector must not go backwards when the highest operation of an origin is purged:
//! `purge_floor` keeps, per origin, the highest purged sequence number, and
//! [`Store::version_vector`] and the sequence of this replica's own next operation never go below
//! it.
//!
//! A row other rows still refer to (by foreign key, or an invoice item naming an asset) is not
//! purged: the rows referring to it have to go first.

use std::collections::HashSet;
use std::path::Path;

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::entity::{self, EntityInfo};
use crate::error::{CoreError, Result};
use crate::store::{fts_rowid, Store, Writer};

/// A row purged by garbage collection, as it travels between replicas.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurgedRow {
    pub entity: String,
    pub row_id: String,
}

/// What [`Writer::purge_row`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purge {
    /// The row and its operations were removed (or were not here) and the row is remembered as
    /// purged.
    Purged,
    /// Other rows still refer to the row, or it is part of an unresolved duplicate: nothing was
    /// changed.
    Referenced,
}

/// The rows of other tables that refer to rows of `table`: (table, column), from the schema's
/// foreign keys, plus invoice items, which name the asset they paid for without a foreign key.
pub fn referencing(conn: &rusqlite::Connection, table: &str) -> Result<Vec<(&'static str, String)>> {
    let mut out = Vec::new();
    for info in entity::ALL {
        let mut stmt = conn.prepare_cached("SELECT \"from\" FROM pragma_foreign_key_list(?1) WHERE \"table\" = ?2")?;
        let cols = stmt.query_map(params![info.table, table], |r| r.get::<_, String>(0))?;
        for c in cols {
            out.push((info.table, c?));
        }
    }
    if matches!(table, "devices" | "access_points" | "presentation_hardware" | "fibre_links") {
        out.push(("invoice_items", "item_id".to_owned()));
    }
    Ok(out)
}

/// Rows every replica creates in its own migrations (the seeded programme catalogue, with fixed
/// ids): garbage collection leaves their tombstones alone, since a replica set up later would
/// have the rows again without the operations that deleted them.
pub fn seeded_rows() -> Result<HashSet<(String, String)>> {
    let conn = crate::db::open_connection(Path::new(":memory:"))?;
    let mut out = HashSet::new();
    for info in entity::ALL {
        let mut stmt = conn.prepare(&format!("SELECT id FROM {}", info.table))?;
        for id in stmt.query_map([], |r| r.get::<_, String>(0))? {
            out.insert((info.name.to_owned(), id?));
        }
    }
    Ok(out)
}

impl Writer<'_> {
    /// Whether `entity` row `id` was purged here (operations for it are skipped).
    pub fn is_purged(&self, entity: &str, id: &str) -> Result<bool> {
        is_purged(&self.tx, entity, id)
    }

    /// Purges the `(entity, id)` rows another replica purged, skipping those purged here already;
    /// returns how many were purged now (rows still referred to here stay, see [`Self::purge_row`]).
    pub fn purge_rows<'r>(&mut self, rows: impl IntoIterator<Item = (&'r str, &'r str)>) -> Result<usize> {
        let mut purged = 0;
        for (entity, id) in rows {
            if !self.is_purged(entity, id)? && self.purge_row(entity, id)? == Purge::Purged {
                purged += 1;
            }
        }
        Ok(purged)
    }

    /// Removes a row for good: the row, its search entry and all of its operations, and remembers
    /// it as purged. Refused (nothing changed) while other rows, deleted or not, still refer to
    /// it. A row that is not here is only remembered, so that its operations are skipped later.
    pub fn purge_row(&mut self, entity_name: &str, id: &str) -> Result<Purge> {
        let info: &EntityInfo = entity::by_name(entity_name).ok_or_else(|| CoreError::not_found(entity_name, id))?;
        // A row hidden as a duplicate waits for a person's decision, and so does the row holding
        // its value (see `unique`): neither goes before that.
        let parked: bool = self.tx.prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM sync_parked WHERE (entity = ?1 AND row_id = ?2) OR (blocker_entity = ?1 AND blocker_id = ?2))",
        )?.query_row([info.name, id], |r| r.get(0))?;
        if parked {
            return Ok(Purge::Referenced);
        }
        for (table, column) in referencing(&self.tx, info.table)? {
            let n: i64 = self
                .tx
                .prepare_cached(&format!("SELECT count(*) FROM {table} WHERE {column} = ?1"))?
                .query_row([id], |r| r.get(0))?;
            if n > 0 {
                return Ok(Purge::Referenced);
            }
        }
        let rowid: Option<i64> = self
            .tx
            .prepare_cached(&format!("SELECT rowid FROM {} WHERE id = ?1", info.table))?
            .query_row([id], |r| r.get(0))
            .optional()?;
        if let (Some(code), Some(rowid)) = (info.search_code, rowid) {
            self.unindex(fts_rowid(code, rowid))?;
        }
        self.tx
            .prepare_cached(
                "INSERT INTO purge_floor(origin_node, origin_seq)
                   SELECT origin_node, max(origin_seq) FROM change_log WHERE entity = ?1 AND row_id = ?2
                   GROUP BY origin_node
                 ON CONFLICT(origin_node) DO UPDATE SET origin_seq = max(origin_seq, excluded.origin_seq)",
            )?
            .execute(params![info.name, id])?;
        self.tx
            .prepare_cached("DELETE FROM change_log WHERE entity = ?1 AND row_id = ?2")?
            .execute(params![info.name, id])?;
        self.tx
            .prepare_cached("DELETE FROM sync_unwritten WHERE entity = ?1 AND row_id = ?2")?
            .execute(params![info.name, id])?;
        if rowid.is_some() {
            if matches!(info.table, "schools" | "buildings" | "rooms") {
                self.places.borrow_mut().clear();
            }
            self.tx.prepare_cached(&format!("DELETE FROM {} WHERE id = ?1", info.table))?.execute([id])?;
        }
        self.tx
            .prepare_cached("INSERT OR IGNORE INTO purged_rows(entity, row_id, purged_at) VALUES (?1, ?2, ?3)")?
            .execute(params![info.name, id, chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)])?;
        Ok(Purge::Purged)
    }
}

pub(crate) fn is_purged(conn: &rusqlite::Connection, entity: &str, id: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM purged_rows WHERE entity = ?1 AND row_id = ?2")?
        .query_row([entity, id], |_| Ok(()))
        .optional()?
        .is_some())
}

impl Store {
    /// Every row purged here, in the order purged.
    pub fn purged_rows(&self) -> Result<Vec<PurgedRow>> {
        let mut stmt =
            self.conn().prepare_cached("SELECT entity, row_id FROM purged_rows ORDER BY purged_at, entity, row_id")?;
        let rows = stmt.query_map([], |r| Ok(PurgedRow { entity: r.get(0)?, row_id: r.get(1)? }))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Whether `entity` row `id` was purged here.
    pub fn is_purged(&self, entity: &str, id: &str) -> Result<bool> {
        is_purged(self.conn(), entity, id)
    }
}
