//! Unique values that two replicas can both claim while offline (a serial number, an inventory
//! number, a school number …) and the rows sync keeps hidden because of them.
//!
//! When applying remote operations would give two live rows the same unique value, the row
//! created first (smallest HLC of its first operation, then id) keeps it and the other is
//! *parked*: stored with `deleted_at` set to its own last change time and listed in
//! `sync_parked`. The outcome depends only on the operations, not on the order they arrived, so
//! every replica hides the same rows. A parked row comes back by itself when the value is free
//! again (the other row deleted or changed), or when a person gives it another value.

use rusqlite::{params, Connection, OptionalExtension};

use crate::entity::{self, EntityInfo};
use crate::error::Result;

/// One unique key of an entity: the field a person sees, and a query for the live rows other
/// than `?1` that hold the same value as row `?1` (which must be in its table), as
/// `(entity, id)`.
struct Key {
    entity: &'static str,
    field: &'static str,
    blockers: &'static str,
}

macro_rules! same_as {
    ($entity:literal, $table:literal, $cond:literal) => {
        concat!(
            "SELECT '",
            $entity,
            "', o.id FROM ",
            $table,
            " o JOIN ",
            $table,
            " n ON n.id = ?1 WHERE o.id <> n.id AND o.deleted_at IS NULL AND ",
            $cond
        )
    };
}

macro_rules! asset_keys {
    ($entity:literal, $table:literal) => {
        [
            Key {
                entity: $entity,
                field: "serial_number",
                blockers: same_as!(
                    $entity,
                    $table,
                    "n.serial_number IS NOT NULL AND o.serial_number = n.serial_number AND lower(o.manufacturer) = lower(n.manufacturer)"
                ),
            },
            Key {
                entity: $entity,
                field: "inventory_number",
                blockers: concat!(
                    "SELECT i.entity, i.row_id FROM ",
                    $table,
                    " n JOIN schools s ON s.id = n.school_id JOIN inventory_numbers i ON i.authority_id = s.authority_id
                     AND i.inventory_number = n.inventory_number WHERE n.id = ?1 AND i.row_id <> n.id"
                ),
            },
        ]
    };
}

const DEVICE: [Key; 2] = asset_keys!("device", "devices");
const ACCESS_POINT: [Key; 2] = asset_keys!("access_point", "access_points");
const PRESENTATION: [Key; 2] = asset_keys!("presentation_hardware", "presentation_hardware");
const OTHER: [Key; 6] = [
    Key {
        entity: "school",
        field: "school_number",
        blockers: same_as!("school", "schools", "o.land = n.land AND o.school_number = n.school_number"),
    },
    Key {
        entity: "access_point",
        field: "mac_address",
        blockers: same_as!("access_point", "access_points", "n.mac_address IS NOT NULL AND o.mac_address = n.mac_address"),
    },
    Key {
        entity: "loan",
        field: "returned_on",
        blockers: same_as!("loan", "loans", "o.device_id = n.device_id AND o.returned_on IS NULL AND n.returned_on IS NULL"),
    },
    Key {
        entity: "invoice",
        field: "invoice_number",
        blockers: same_as!(
            "invoice",
            "invoices",
            "o.authority_id = n.authority_id AND lower(o.supplier) = lower(n.supplier) AND o.invoice_number = n.invoice_number"
        ),
    },
    Key {
        entity: "invoice_item",
        field: "item_id",
        blockers: same_as!("invoice_item", "invoice_items", "o.line_id = n.line_id AND o.item_id = n.item_id"),
    },
    Key {
        entity: "media_concept",
        field: "school_id",
        blockers: same_as!("media_concept", "media_concepts", "o.school_id = n.school_id"),
    },
];

fn keys(entity: &str) -> impl Iterator<Item = &'static Key> + '_ {
    DEVICE
        .iter()
        .chain(ACCESS_POINT.iter())
        .chain(PRESENTATION.iter())
        .chain(OTHER.iter())
        .filter(move |k| k.entity == entity)
}

/// A live row that holds a unique value row `id` also has.
#[derive(Debug, Clone)]
pub struct Blocker {
    pub field: &'static str,
    pub entity: &'static EntityInfo,
    pub id: String,
}

/// The live rows (other than itself) holding one of the unique values of row `id`, which must
/// be stored in its table. Sorted by field, entity and id.
pub fn blockers(conn: &Connection, info: &EntityInfo, id: &str) -> Result<Vec<Blocker>> {
    let mut out = Vec::new();
    for key in keys(info.name) {
        let mut stmt = conn.prepare_cached(key.blockers)?;
        let mut rows = stmt.query([id])?;
        while let Some(r) = rows.next()? {
            let entity: String = r.get(0)?;
            if let Some(e) = entity::by_name(&entity) {
                out.push(Blocker { field: key.field, entity: e, id: r.get(1)? });
            }
        }
    }
    out.sort_by(|a, b| (a.field, a.entity.name, &a.id).cmp(&(b.field, b.entity.name, &b.id)));
    out.dedup_by(|a, b| (a.field, a.entity.name, &a.id) == (b.field, b.entity.name, &b.id));
    Ok(out)
}

/// The claim of a row on its unique values: the HLC of its first operation (ties cannot
/// happen, HLCs end in the node id), then its id. Smaller wins.
pub fn claim(conn: &Connection, entity: &str, id: &str) -> Result<(String, String)> {
    let first: Option<String> = conn
        .prepare_cached("SELECT min(hlc) FROM change_log WHERE entity = ?1 AND row_id = ?2")?
        .query_row(params![entity, id], |r| r.get(0))
        .optional()?
        .flatten();
    Ok((first.unwrap_or_default(), id.to_owned()))
}

/// A row sync keeps hidden, with the live row that holds its value.
#[derive(Debug, Clone)]
pub struct ParkedRow {
    pub entity: &'static EntityInfo,
    pub id: String,
    pub blocker: Blocker,
}

/// Every hidden row with each live row that currently holds one of its values (derived from
/// the rows' content, so equal on replicas that hold the same operations).
pub fn parked(conn: &Connection) -> Result<Vec<ParkedRow>> {
    let ids: Vec<(String, String)> = {
        let mut stmt = conn.prepare_cached("SELECT entity, row_id FROM sync_parked ORDER BY entity, row_id")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut out = Vec::new();
    for (entity, id) in ids {
        let Some(info) = entity::by_name(&entity) else { continue };
        for blocker in blockers(conn, info, &id)? {
            out.push(ParkedRow { entity: info, id: id.clone(), blocker });
        }
    }
    Ok(out)
}

/// Whether a SQLite error is a unique-key (or inventory-number) violation.
pub(crate) fn is_unique_violation(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _)
        if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
            || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY)
}
