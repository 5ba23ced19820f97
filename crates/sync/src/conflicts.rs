//! Conflicts, derived from the change log alone so that every replica holding the same
//! operations lists the same conflicts:
//! - `concurrent`: an operation overwrote a field whose value another replica had set without
//!   knowing of it; the later one won, the other value was lost. Either both overwrote the same
//!   version of the field, or the later one overwrote a version older than the earlier one (a
//!   replica that sets a field always names the version it held, which is at least as new as
//!   every version it had received, so it had not received the earlier operation). A null
//!   version is a seeded row's value from before any operation, older than every operation.
//! - `edit_deleted`: an operation changed a row after another replica had deleted it (the row
//!   stays deleted, the edit is hidden).
//! - `deleted_concurrently`: a replica deleted a row without knowing of an edit made elsewhere
//!   (the edit has the earlier HLC but is newer than the row version the delete recorded as
//!   seen); the row is deleted and the edit hidden with it.
//!
//! - `duplicate`: two replicas gave different rows the same unique value (serial number,
//!   inventory number, school number …) while offline; the row created first keeps it and the
//!   other is kept hidden (see `schulinventar_core::unique`) until a person gives it another
//!   value or discards it. Open as long as the row is hidden.
//!
//! A conflict is open while the winning operation still holds the field; resolving writes a new
//! normal operation, which closes it on every replica that receives it. For the two kinds about
//! deleted rows, resolving restores the row (the edit comes back) or confirms the deletion.

use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use schulinventar_core::{CoreError, Result, Store};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Version {
    pub value: Value,
    pub hlc: String,
    pub node: String,
    pub author: String,
    /// RFC 3339 time of the operation.
    pub at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Conflict {
    /// Short stable id (hex), derived from the two operations and the field, so it is the same
    /// on every replica.
    pub id: String,
    /// `concurrent` or `edit_deleted`.
    pub kind: String,
    pub entity: String,
    pub row_id: String,
    pub field: String,
    pub winner: Version,
    pub loser: Version,
    pub open: bool,
}

fn at(hlc: &str) -> String {
    schulinventar_core::clock::Hlc(hlc.to_owned()).to_rfc3339()
}

/// Every conflict in the change log, sorted by entity, row, field and the losing operation.
pub fn list(store: &Store) -> Result<Vec<Conflict>> {
    conflicts(store, None)
}

/// The open conflicts on the given rows (entity, row id): what a sync that brought operations
/// for a few rows recounts instead of the whole change log.
pub fn open_on_rows<'a>(store: &Store, rows: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<usize> {
    let mut open = 0;
    for row in rows {
        open += conflicts(store, Some(row))?.iter().filter(|c| c.open).count();
    }
    Ok(open)
}

/// The conflicts of the whole change log, or of one row.
fn conflicts(store: &Store, row: Option<(&str, &str)>) -> Result<Vec<Conflict>> {
    let conn = store.conn();
    let mut out = Vec::new();
    // One row: both halves start from that row's operations (the index on entity, row id, hlc).
    let (only_a, only_d) = match row {
        Some(_) => ("AND a.entity = ?1 AND a.row_id = ?2", "d.entity = ?1 AND d.row_id = ?2 AND"),
        None => ("", ""),
    };
    // Every operation taking part changed an existing row, so it names previous versions: the
    // `prev <> '{}'` conditions let SQLite read them from the partial index `change_log_edits`
    // instead of going through all the creates.
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT 'concurrent', a.entity, a.row_id, f.key,
                json_extract(b.fields, '$.\"' || f.key || '\"'), b.hlc, b.origin_node, b.author,
                json_extract(a.fields, '$.\"' || f.key || '\"'), a.hlc, a.origin_node, a.author,
                (SELECT max(c.hlc) FROM change_log c
                   WHERE c.entity = a.entity AND c.row_id = a.row_id AND json_type(c.fields, '$.\"' || f.key || '\"') IS NOT NULL)
         FROM change_log a
         JOIN json_each(a.prev) f ON f.key <> '*'
         JOIN change_log b ON b.entity = a.entity AND b.row_id = a.row_id AND b.hlc > a.hlc
              AND b.origin_node <> a.origin_node AND b.prev <> '{{}}'
         JOIN json_each(b.prev) g ON g.key = f.key AND (g.value IS f.value OR g.value < a.hlc OR g.value IS NULL)
         WHERE a.prev <> '{{}}' {only_a}
         UNION ALL
         SELECT 'edit_deleted', e.entity, e.row_id, f.key,
                json_extract(d.fields, '$.deleted_at'), d.hlc, d.origin_node, d.author,
                json_extract(e.fields, '$.\"' || f.key || '\"'), e.hlc, e.origin_node, e.author,
                (SELECT max(c.hlc) FROM change_log c
                   WHERE c.entity = e.entity AND c.row_id = e.row_id AND json_type(c.fields, '$.deleted_at') IS NOT NULL)
         FROM change_log d
         JOIN change_log e ON e.entity = d.entity AND e.row_id = d.row_id AND e.hlc > d.hlc
              AND e.origin_node <> d.origin_node
         JOIN json_each(e.fields) f ON f.key <> 'deleted_at'
         WHERE {only_d} d.prev <> '{{}}' AND e.prev <> '{{}}' AND json_type(d.fields, '$.deleted_at') = 'text'
           AND json_type(e.fields, '$.deleted_at') IS NULL
           AND NOT EXISTS (SELECT 1 FROM change_log u WHERE u.entity = d.entity AND u.row_id = d.row_id
                           AND u.hlc > d.hlc AND u.hlc < e.hlc AND json_type(u.fields, '$.deleted_at') = 'null')
         UNION ALL
         SELECT 'deleted_concurrently', e.entity, e.row_id, f.key,
                json_extract(d.fields, '$.deleted_at'), d.hlc, d.origin_node, d.author,
                json_extract(e.fields, '$.\"' || f.key || '\"'), e.hlc, e.origin_node, e.author,
                (SELECT max(c.hlc) FROM change_log c
                   WHERE c.entity = e.entity AND c.row_id = e.row_id AND json_type(c.fields, '$.deleted_at') IS NOT NULL)
         FROM change_log d
         JOIN change_log e ON e.entity = d.entity AND e.row_id = d.row_id AND e.hlc < d.hlc
              AND e.hlc > json_extract(d.prev, '$.\"*\"') AND e.origin_node <> d.origin_node
         JOIN json_each(e.fields) f ON f.key <> 'deleted_at'
         WHERE {only_d} d.prev <> '{{}}' AND e.prev <> '{{}}'
           AND json_type(d.fields, '$.deleted_at') = 'text' AND json_type(d.prev, '$.\"*\"') = 'text'
           AND json_type(e.fields, '$.deleted_at') IS NULL
         ORDER BY 2, 3, 4, 10"
    ))?;
    let mut rows = match row {
        Some((entity, row_id)) => stmt.query(rusqlite::params![entity, row_id])?,
        None => stmt.query([])?,
    };
    while let Some(r) = rows.next()? {
        let value = |i: usize| -> rusqlite::Result<Value> {
            Ok(match r.get_ref(i)? {
                rusqlite::types::ValueRef::Null => Value::Null,
                rusqlite::types::ValueRef::Integer(n) => Value::from(n),
                rusqlite::types::ValueRef::Real(x) => Value::from(x),
                rusqlite::types::ValueRef::Text(t) => Value::String(String::from_utf8_lossy(t).into_owned()),
                rusqlite::types::ValueRef::Blob(_) => Value::Null,
            })
        };
        let kind: String = r.get(0)?;
        let winner_hlc: String = r.get(5)?;
        let current: Option<String> = r.get(12)?;
        let loser_hlc: String = r.get(9)?;
        let field: String = r.get(3)?;
        out.push(Conflict {
            id: conflict_id(&kind, &field, &winner_hlc, &loser_hlc),
            open: current.as_deref() == Some(winner_hlc.as_str()),
            kind,
            entity: r.get(1)?,
            row_id: r.get(2)?,
            field,
            winner: Version {
                value: value(4)?,
                at: at(&winner_hlc),
                hlc: winner_hlc,
                node: r.get(6)?,
                author: r.get(7)?,
            },
            loser: Version {
                value: value(8)?,
                at: at(&loser_hlc),
                hlc: loser_hlc,
                node: r.get(10)?,
                author: r.get(11)?,
            },
        });
    }
    if row.is_none() {
        out.extend(duplicates(store)?);
    }
    Ok(out)
}

/// The rows sync keeps hidden because another row holds one of their unique values: each side
/// is the row's first operation with the row's current value of the field.
fn duplicates(store: &Store) -> Result<Vec<Conflict>> {
    let conn = store.conn();
    let version = |entity: &schulinventar_core::entity::EntityInfo, id: &str, field: &str| -> Result<Version> {
        let (hlc, node, author): (String, String, String) = conn
            .prepare_cached(
                "SELECT hlc, origin_node, author FROM change_log WHERE entity = ?1 AND row_id = ?2 ORDER BY hlc LIMIT 1",
            )?
            .query_row(rusqlite::params![entity.name, id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        let value: Value = conn
            .prepare_cached(&format!("SELECT {field} FROM {} WHERE id = ?1", entity.table))?
            .query_row([id], |r| {
                Ok(match r.get_ref(0)? {
                    rusqlite::types::ValueRef::Integer(n) => Value::from(n),
                    rusqlite::types::ValueRef::Text(t) => Value::String(String::from_utf8_lossy(t).into_owned()),
                    _ => Value::Null,
                })
            })?;
        Ok(Version { value, at: at(&hlc), hlc, node, author })
    };
    let mut out = Vec::new();
    for p in schulinventar_core::unique::parked(conn)? {
        let winner = version(p.blocker.entity, &p.blocker.id, p.blocker.field)?;
        let loser = version(p.entity, &p.id, p.blocker.field)?;
        out.push(Conflict {
            id: conflict_id("duplicate", p.blocker.field, &winner.hlc, &loser.hlc),
            kind: "duplicate".into(),
            entity: p.entity.name.into(),
            row_id: p.id,
            field: p.blocker.field.into(),
            winner,
            loser,
            open: true,
        });
    }
    Ok(out)
}

/// Resolves a `duplicate` conflict from what a person typed: a new value for the hidden row
/// (text, trimmed, not empty), or `None` to discard it. Refused for other kinds of conflict.
pub fn resolve_duplicate(store: &mut Store, conflict: &Conflict, new_value: Option<&str>) -> Result<()> {
    let refused = |message: String, field: &str| CoreError::InvalidArgument { message, field: Some(field.into()) };
    if conflict.kind != "duplicate" {
        return Err(refused(format!("Der Konflikt „{}“ betrifft keinen doppelten Wert.", conflict.id), "id"));
    }
    let value = match new_value.map(str::trim) {
        None => Value::Null,
        Some("") => return Err(refused(format!("Bitte einen neuen Wert für „{}“ angeben.", conflict.field), "value")),
        Some(v) => Value::String(v.to_owned()),
    };
    resolve(store, conflict, value)
}

/// The number of rows sync keeps hidden for a duplicate value (each an open conflict).
pub fn open_duplicates(store: &Store) -> Result<usize> {
    Ok(schulinventar_core::unique::parked(store.conn())?.len())
}

/// The HLCs end in the node id and entity and row follow from the operations, so the two HLCs,
/// the kind and the field name one conflict.
fn conflict_id(kind: &str, field: &str, winner_hlc: &str, loser_hlc: &str) -> String {
    let sum = Sha256::digest(format!("{kind}\n{field}\n{winner_hlc}\n{loser_hlc}"));
    sum.iter().take(6).map(|b| format!("{b:02x}")).collect()
}

/// The open conflict whose id starts with `id` (at least 4 characters). Refused when none or
/// several match, or when the conflict is already resolved.
pub fn find_open(store: &Store, id: &str) -> Result<Conflict> {
    let id = id.trim().to_ascii_lowercase();
    let refused = |message: String| CoreError::InvalidArgument { message, field: Some("id".into()) };
    if id.len() < 4 {
        return Err(refused(format!("Die Konfliktnummer „{id}“ ist zu kurz (mindestens 4 Zeichen).")));
    }
    let matches: Vec<Conflict> = list(store)?.into_iter().filter(|c| c.id.starts_with(&id)).collect();
    match matches.as_slice() {
        [] => Err(refused(format!("Es gibt keinen Konflikt „{id}“."))),
        [c] if !c.open => Err(refused(format!("Der Konflikt „{}“ ist bereits gelöst.", c.id))),
        [c] => Ok(c.clone()),
        _ => Err(refused(format!("„{id}“ passt auf mehrere Konflikte; bitte mehr Zeichen angeben."))),
    }
}

/// Resolves a conflict with the chosen `value`. A `concurrent` conflict writes `value` to its
/// field as a new operation. A conflict about a deleted row (`edit_deleted`,
/// `deleted_concurrently`) is resolved by restoring the row when the edit's value is chosen (the
/// edit comes back with it), or by confirming the deletion (a new delete operation) when the
/// deletion's value is chosen.
///
/// A `duplicate` is resolved by giving the hidden row another `value` for the field (validated;
/// the row comes back), or with `null` by discarding the hidden row (it stays deleted).
pub fn resolve(store: &mut Store, conflict: &Conflict, value: Value) -> Result<()> {
    if conflict.kind == "duplicate" {
        let (entity, id) = (conflict.entity.as_str(), conflict.row_id.as_str());
        return if value.is_null() {
            store.write(None, |w| w.confirm_delete(entity, id))
        } else {
            store.write(None, |w| w.set_parked_field(entity, id, &conflict.field, value))
        };
    }
    if conflict.kind == "edit_deleted" || conflict.kind == "deleted_concurrently" {
        let (entity, id) = (conflict.entity.as_str(), conflict.row_id.as_str());
        return if value == conflict.loser.value {
            store.write(None, |w| w.restore_row(entity, id))
        } else if value == conflict.winner.value {
            store.write(None, |w| w.confirm_delete(entity, id))
        } else {
            Err(CoreError::InvalidArgument {
                message: format!(
                    "Der Konflikt „{}“ betrifft einen gelöschten Eintrag: er wird gelöst, indem der Eintrag wiederhergestellt oder die Löschung bestätigt wird.",
                    conflict.id
                ),
                field: Some("value".into()),
            })
        };
    }
    store.write(None, |w| w.set_field(&conflict.entity, &conflict.row_id, &conflict.field, value))
}
