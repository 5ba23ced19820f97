//! Offline sync between Schulinventar replicas. Every replica keeps all operations in its change
//! log; replicas exchange the operations the other lacks (by version vector) and apply them with
//! [`Store::apply_ops`], which merges last-writer-wins per field. Equal [`digest`]s mean two
//! replicas hold the same content.

use rusqlite::types::ValueRef;
use serde_json::Value;
use sha2::{Digest, Sha256};

pub use schulinventar_core::apply::{ApplyReport, Op, Rejected, VersionVector};
use schulinventar_core::{entity, Result, Source, Store};

pub mod bundle;
#[cfg(feature = "client")]
pub mod client;
pub mod conflicts;
pub mod protocol;

/// Operations per page when two replicas exchange operations.
pub const PAGE: usize = 500;

/// SHA-256 (hex) over the canonical content of every synced table: per table in a fixed order,
/// its rows sorted by id, each row a JSON array of its columns (id, fields, created_at,
/// updated_at, deleted_at).
pub fn digest(store: &Store) -> Result<String> {
    let mut hash = Sha256::new();
    for info in entity::ALL {
        hash.update(info.table.as_bytes());
        hash.update(b"\n");
        let mut cols = vec!["id"];
        cols.extend(info.columns.iter().copied());
        cols.extend(["created_at", "updated_at", "deleted_at"]);
        let sql = format!("SELECT {} FROM {} ORDER BY id", cols.join(", "), info.table);
        let mut stmt = store.conn().prepare(&sql)?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let row: Vec<Value> =
                (0..cols.len()).map(|i| r.get_ref(i).map(canonical)).collect::<rusqlite::Result<_>>()?;
            hash.update(Value::Array(row).to_string().as_bytes());
            hash.update(b"\n");
        }
    }
    Ok(hash.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

fn canonical(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::from(i),
        ValueRef::Real(f) => Value::from(f),
        ValueRef::Text(t) => Value::String(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::String(b.iter().map(|x| format!("{x:02x}")).collect()),
    }
}

/// Sends `from`'s operations that `to` lacks to `to`, in pages of at most `page` operations,
/// each page applied in one transaction. Returns the summed report.
pub fn push(from: &Store, to: &mut Store, page: usize) -> Result<ApplyReport> {
    let mut total = ApplyReport::default();
    loop {
        let have = to.version_vector()?;
        let ops = from.ops_since(&have, page.max(1))?;
        if ops.is_empty() {
            return Ok(total);
        }
        let source = Source { kind: "sync", file_name: None, sha256: None };
        let r = to.apply_ops(&ops, Some(source))?;
        total.applied += r.applied;
        total.skipped += r.skipped;
        total.rejected.extend(r.rejected);
        if r.applied == 0 {
            // Nothing new although the version vector said otherwise: stop rather than loop.
            return Ok(total);
        }
    }
}

/// Both directions: afterwards `a` and `b` hold the same operations.
pub fn exchange(a: &mut Store, b: &mut Store, page: usize) -> Result<(ApplyReport, ApplyReport)> {
    let to_b = push(a, b, page)?;
    let to_a = push(b, a, page)?;
    Ok((to_b, to_a))
}
