//! Garbage collection of tombstones. A deleted row keeps its operations on every replica until
//! every device that was sent them has acknowledged them; only then may it go for good.
//!
//! A device acknowledges with its pull cursor: pulling "after N" says it applied everything in its
//! scope up to hub sequence N (`hub_devices.last_cursor`). A deleted row is purged when
//! - it was deleted at least the grace period ago (`older_than_days`), so that a laptop that
//!   undeletes it offline has time to sync;
//! - every enrolled, non-revoked device whose scope covers any of the row's operations has a
//!   cursor at or past the last of them (other schools' admins and revoked devices do not count);
//! - no open conflict names it and it is not part of an unresolved duplicate;
//! - no other row refers to it (children go first: tables are walked from the leaves up);
//! - it is not one of the rows every replica seeds itself (the programme catalogue).
//!
//! The hub then removes the row and its operations ([`schulinventar_core::Writer::purge_row`])
//! and logs the purge in `hub_purges` under a new hub sequence number, with the schools the
//! row's operations concerned. Pulls hand the purge to the devices of those schools like an
//! operation, and they purge the row too. Pushes of later operations for the row are refused.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};
use schulinventar_core::entity::{self, EntityInfo};
use schulinventar_core::purge::{self, Purge};
use schulinventar_sync::protocol::Role;
use serde::Serialize;

use super::scope::{school_of, SchoolOf};
use super::SqliteStorage;
use crate::storage::HubResult;

/// A device that has not yet acknowledged the deletion of some rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WaitingDevice {
    pub id: i64,
    pub name: String,
    /// The device's pull cursor (hub sequence it has acknowledged).
    pub cursor: i64,
    /// Deleted rows that wait for this device.
    pub rows: usize,
}

/// What one garbage collection did (`schulinventar hub gc --json` prints it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct GcReport {
    /// Rows removed for good, with their operations.
    pub purged: usize,
    /// The same per kind of row (entity name → rows).
    pub purged_by_entity: BTreeMap<String, usize>,
    /// Operations removed with them.
    pub ops_removed: usize,
    /// Deleted rows younger than the grace period.
    pub too_recent: usize,
    /// Deleted rows that a device in their scope has not acknowledged yet.
    pub waiting: usize,
    /// Those devices.
    pub waiting_for: Vec<WaitingDevice>,
    /// Deleted rows other rows still refer to, or part of an unresolved duplicate.
    pub referenced: usize,
    /// Deleted rows named by an open conflict.
    pub in_conflict: usize,
    /// Deleted rows of the seeded catalogue (never purged).
    pub seeded: usize,
    /// The grace period used, in days.
    pub older_than_days: u32,
}

struct ActiveDevice {
    id: i64,
    name: String,
    all_schools: bool,
    school_ids: HashSet<String>,
    cursor: i64,
}

/// A deleted row that may go: nothing but references can hold it back any more.
struct Candidate {
    entity: &'static str,
    id: String,
    scoped: bool,
    schools: BTreeSet<String>,
    ops: Vec<RowOp>,
}

/// One accepted operation of a deleted row, as the hub placed it.
struct RowOp {
    hub_seq: i64,
    origin_node: String,
    origin_seq: i64,
    scoped: bool,
    schools: Vec<String>,
}

impl SqliteStorage {
    fn active_devices(&self) -> HubResult<Vec<ActiveDevice>> {
        let conn = self.store.conn();
        let mut stmt =
            conn.prepare("SELECT id, name, role, last_cursor FROM hub_devices WHERE revoked_at IS NULL ORDER BY id")?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, i64>(3)?))
        })?;
        let mut schools = conn.prepare_cached(
            "SELECT s.school_id FROM hub_schools s
             JOIN hub_device_schools d ON d.school_number = s.school_number WHERE d.device_id = ?1",
        )?;
        let mut out = Vec::new();
        for row in rows {
            let (id, name, role, cursor) = row?;
            let school_ids = schools.query_map([id], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
            out.push(ActiveDevice { id, name, all_schools: role != Role::Admin.as_str(), school_ids, cursor });
        }
        Ok(out)
    }

    fn row_ops(&self, entity: &str, row_id: &str) -> HubResult<Vec<RowOp>> {
        let mut stmt = self.store.conn().prepare_cached(
            "SELECT h.hub_seq, h.origin_node, h.origin_seq, h.scoped, h.school_id, h.prev_school_id
             FROM change_log c JOIN hub_ops h ON h.origin_node = c.origin_node AND h.origin_seq = c.origin_seq
             WHERE c.entity = ?1 AND c.row_id = ?2",
        )?;
        let rows = stmt.query_map([entity, row_id], |r| {
            let schools: Vec<String> =
                [r.get::<_, Option<String>>(4)?, r.get::<_, Option<String>>(5)?].into_iter().flatten().collect();
            Ok(RowOp { hub_seq: r.get(0)?, origin_node: r.get(1)?, origin_seq: r.get(2)?, scoped: r.get(3)?, schools })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Purges the tombstones every device concerned has acknowledged and that were deleted at
    /// least `older_than_days` before `now` (see the module documentation).
    pub fn gc(&mut self, older_than_days: u32, now: DateTime<Utc>) -> HubResult<GcReport> {
        let cutoff = (now - chrono::Duration::days(i64::from(older_than_days)))
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let devices = self.active_devices()?;
        let seeded = purge::seeded_rows()?;
        let in_conflict: HashSet<(String, String)> = schulinventar_sync::conflicts::list(&self.store)?
            .into_iter()
            .filter(|c| c.open)
            .map(|c| (c.entity, c.row_id))
            .collect();

        let mut report = GcReport { older_than_days, ..GcReport::default() };
        let mut waiting: BTreeMap<i64, usize> = BTreeMap::new();
        let mut candidates: Vec<Candidate> = Vec::new();
        // Leaves first: a row's children come later in `entity::ALL`.
        for info in entity::ALL.iter().rev() {
            let ids: Vec<(String, String)> = {
                let mut stmt = self
                    .store
                    .conn()
                    .prepare(&format!("SELECT id, deleted_at FROM {} WHERE deleted_at IS NOT NULL", info.table))?;
                let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
                rows.collect::<rusqlite::Result<_>>()?
            };
            for (id, deleted_at) in ids {
                let key = (info.name.to_owned(), id);
                if seeded.contains(&key) {
                    report.seeded += 1;
                    continue;
                }
                if deleted_at > cutoff {
                    report.too_recent += 1;
                    continue;
                }
                if in_conflict.contains(&key) {
                    report.in_conflict += 1;
                    continue;
                }
                let ops = self.row_ops(info.name, &key.1)?;
                let mut held = false;
                for d in &devices {
                    let sees =
                        |op: &RowOp| d.all_schools || !op.scoped || op.schools.iter().any(|s| d.school_ids.contains(s));
                    if ops.iter().any(|op| sees(op) && op.hub_seq > d.cursor) {
                        *waiting.entry(d.id).or_default() += 1;
                        held = true;
                    }
                }
                if held {
                    report.waiting += 1;
                    continue;
                }
                let scoped = !matches!(school_of(info), SchoolOf::Nobody);
                let mut schools: BTreeSet<String> = ops.iter().flat_map(|op| op.schools.iter().cloned()).collect();
                if let Some(s) = self.current_school(info, &key.1)? {
                    schools.insert(s);
                }
                candidates.push(Candidate { entity: info.name, id: key.1, scoped, schools, ops });
            }
        }
        report.waiting_for = devices
            .iter()
            .filter_map(|d| {
                waiting.get(&d.id).map(|&rows| WaitingDevice { id: d.id, name: d.name.clone(), cursor: d.cursor, rows })
            })
            .collect();
        if candidates.is_empty() {
            return Ok(report);
        }

        let (purged, referenced, ops_removed, by_entity) = self.store.write(None, |w| {
            let mut purged = 0;
            let mut referenced = 0;
            let mut ops_removed = 0;
            let mut by_entity: BTreeMap<String, usize> = BTreeMap::new();
            let conn = w.read();
            let mut next: i64 = conn.query_row(
                "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'hub_ops'), 0),
                            coalesce((SELECT max(hub_seq) FROM hub_purges), 0))",
                [],
                |r| r.get(0),
            )?;
            for Candidate { entity, id, scoped, schools, ops } in &candidates {
                if w.purge_row(entity, id)? == Purge::Referenced {
                    referenced += 1;
                    continue;
                }
                let conn = w.read();
                let mut forget = conn.prepare_cached("DELETE FROM hub_ops WHERE origin_node = ?1 AND origin_seq = ?2")?;
                for op in ops {
                    ops_removed += forget.execute(params![op.origin_node, op.origin_seq])?;
                }
                conn.prepare_cached("DELETE FROM hub_rows WHERE entity = ?1 AND row_id = ?2")?
                    .execute(params![entity, id])?;
                next += 1;
                let schools = serde_json::to_string(schools)?;
                conn.prepare_cached(
                    "INSERT INTO hub_purges(hub_seq, entity, row_id, scoped, schools, purged_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )?
                .execute(params![next, entity, id, scoped, schools, super::now_rfc3339()])?;
                purged += 1;
                *by_entity.entry((*entity).to_owned()).or_default() += 1;
            }
            // Operations accepted later get numbers after the purges.
            let conn = w.read();
            conn.execute("UPDATE sqlite_sequence SET seq = max(seq, ?1) WHERE name = 'hub_ops'", [next])?;
            Ok((purged, referenced, ops_removed, by_entity))
        })?;
        report.purged = purged;
        report.referenced = referenced;
        report.ops_removed = ops_removed;
        report.purged_by_entity = by_entity;
        tracing::info!(purged, waiting = report.waiting, too_recent = report.too_recent, "Speicherbereinigung am Hub");
        Ok(report)
    }

    /// The school a row belongs to now, as far as the hub knows.
    fn current_school(&self, info: &EntityInfo, row_id: &str) -> HubResult<Option<String>> {
        if let SchoolOf::Itself = school_of(info) {
            return Ok(Some(row_id.to_owned()));
        }
        Ok(self
            .store
            .conn()
            .prepare_cached("SELECT school_id FROM hub_rows WHERE entity = ?1 AND row_id = ?2")?
            .query_row([info.name, row_id], |r| r.get(0))
            .optional()?)
    }
}
