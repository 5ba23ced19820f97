//! Applying operations made on other replicas. This is a write like any other: it runs inside a
//! [`Writer`] transaction, appends every new operation to the change log with its original
//! origin, sequence, HLC and author, and brings the affected rows and their search entries in
//! step.
//!
//! Merging is last-writer-wins per field: a field holds the value of the operation with the
//! greatest HLC that names it (the stored HLC text ends in the node id, so text order is the order
//! (time, node)). Rows are rebuilt from their operations in the log, so the result does not
//! depend on the order in which operations arrive, and applying a batch twice changes nothing.
//! Fields this replica does not know (a newer schema) stay in the log and are picked up by the
//! same rebuild once the column exists.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::mpsc;

use rusqlite::types::{ToSqlOutput, Value as SqlValue, ValueRef};
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::clock::Hlc;
use crate::entity::{self, EntityInfo};
use crate::error::{CoreError, Result};
use crate::model::*;
use crate::store::{constraint_error, find_rowid, fts_rowid, get_row, to_sql, SearchEntry, Source, Store, Writer};

/// `data` with `field` set to `value` (checked against the field's type), and the field's value
/// before.
fn with_field<T: crate::Entity>(data: &T, field: &str, value: Value) -> Result<(T, Option<Value>)> {
    let Value::Object(mut map) = serde_json::to_value(data)? else {
        return Err(CoreError::Database { message: "Interner Fehler: Datensatz ist kein Objekt.".into() });
    };
    let before = map.insert(field.to_owned(), value);
    let data = serde_json::from_value(Value::Object(map))
        .map_err(|e| CoreError::field(field, "invalid", format!("Der Wert für „{field}“ passt nicht: {e}.")))?;
    Ok((data, before))
}

/// Calls `$go::<T>(…)` with the data type of the entity named `$entity`.
macro_rules! by_entity {
    ($entity:expr, $id:expr, $go:ident($($arg:expr),*)) => {
        match $entity {
            "school_authority" => $go::<SchoolAuthorityData>($($arg),*),
            "school" => $go::<SchoolData>($($arg),*),
            "building" => $go::<BuildingData>($($arg),*),
            "room" => $go::<RoomData>($($arg),*),
            "device" => $go::<DeviceData>($($arg),*),
            "loan" => $go::<LoanData>($($arg),*),
            "fibre_link" => $go::<FibreLinkData>($($arg),*),
            "access_point" => $go::<AccessPointData>($($arg),*),
            "presentation_hardware" => $go::<PresentationHardwareData>($($arg),*),
            "programme" => $go::<ProgrammeData>($($arg),*),
            "allocation" => $go::<AllocationData>($($arg),*),
            "measure" => $go::<MeasureData>($($arg),*),
            "invoice" => $go::<InvoiceData>($($arg),*),
            "invoice_line" => $go::<InvoiceLineData>($($arg),*),
            "invoice_item" => $go::<InvoiceItemData>($($arg),*),
            "media_concept" => $go::<MediaConceptData>($($arg),*),
            other => Err(CoreError::not_found(other, $id)),
        }
    };
}

/// One operation as it travels between replicas: a change-log row without the local sequence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Op {
    pub origin_node: String,
    pub origin_seq: i64,
    pub hlc: String,
    pub entity: String,
    pub row_id: String,
    pub fields: Map<String, Value>,
    pub prev: Map<String, Value>,
    pub author: String,
    pub schema_version: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Key in a delete operation's `prev` naming the row's latest version (HLC) the deleting replica
/// had seen: edits with a greater HLC were made without knowledge of the delete.
pub const ROW_VERSION: &str = "*";

/// Per origin node, the highest origin sequence a replica holds.
pub type VersionVector = BTreeMap<String, i64>;

/// A row as its operations say: per column the latest value, and its first and last HLC. The
/// values are borrowed from operations in memory where they come from a batch being applied.
struct Merged<'a> {
    values: BTreeMap<&'static str, Cow<'a, Value>>,
    first: Hlc,
    last: Hlc,
}

impl<'a> Merged<'a> {
    fn deleted(&self) -> bool {
        !self.values.get("deleted_at").is_none_or(|v| v.is_null())
    }

    /// Folds a row's operations, given in (HLC, node) order: per known column the last value.
    fn fold<K: AsRef<str>>(
        info: &'static EntityInfo,
        ops: impl IntoIterator<Item = (Hlc, impl IntoIterator<Item = (K, Cow<'a, Value>)>)>,
    ) -> Option<Merged<'a>> {
        let mut values: BTreeMap<&'static str, Cow<'a, Value>> = BTreeMap::new();
        values.insert("deleted_at", Cow::Owned(Value::Null));
        let (mut first, mut last): (Option<Hlc>, Option<Hlc>) = (None, None);
        for (hlc, fields) in ops {
            for (k, v) in fields {
                let known = info.columns.iter().chain(["deleted_at"].iter()).find(|c| **c == k.as_ref());
                if let Some(col) = known {
                    values.insert(col, v);
                }
            }
            first.get_or_insert_with(|| hlc.clone());
            last = Some(hlc);
        }
        first.zip(last).map(|(first, last)| Merged { values, first, last })
    }
}

/// The row as the operations of `batch` alone say (all of them for one row).
fn fold_batch<'b>(info: &'static EntityInfo, batch: &[&'b Op]) -> Option<Merged<'b>> {
    let mut ops = batch.to_vec();
    ops.sort_by(|a, b| (&a.hlc, &a.origin_node).cmp(&(&b.hlc, &b.origin_node)));
    Merged::fold(
        info,
        ops.into_iter().map(|op| (Hlc(op.hlc.clone()), op.fields.iter().map(|(k, v)| (k, Cow::Borrowed(v))))),
    )
}

/// Batches with at least this many operations have their rows merged ahead, on a second thread
/// (see [`prepare_rows`]). Below it, starting the thread costs more than it saves.
pub const PREPARE_AHEAD: usize = 64;

/// Operations logged, or rows written, between two reports of [`Writer::apply_remote_reporting`].
pub const PROGRESS_EVERY: usize = 1_000;

/// How far applying a batch of operations has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum ApplyProgress {
    /// `done` of the batch's `total` operations are looked at (the new ones logged).
    Log { done: usize, total: usize },
    /// `done` of the `total` rows the new operations touch are written.
    Rows { done: usize, total: usize },
}

/// A new row as far as its operations alone decide it: its merged values and, for tables with a
/// search index, its search entry. `None` where the general path of [`Writer::rebuild_row`] has
/// to decide: a deleted row, or values that are not a valid row of a searchable table (the
/// general path reads such rows back and reports why).
type Insert<'b> = Option<(Merged<'b>, Option<SearchEntry>)>;

/// One row of a batch merged ahead: its key (position in [`entity::ALL`], row id), how many of
/// the batch's operations name it, and its [`Insert`] made from all of them.
type PreparedRow<'b> = ((usize, &'b str), usize, Insert<'b>);

/// Rows go to the writer in pieces of this many.
const PREPARED_PIECE: usize = 256;

/// The [`Insert`] of row `id` merged as `state`.
fn insertable<'b, T: crate::Entity>(state: Merged<'b>, id: &str) -> Result<Insert<'b>> {
    if state.deleted() {
        return Ok(None);
    }
    // Rows with a search entry: the entry comes from these values, so they have to be a valid
    // `T` before anything is written. A column no operation names is NULL in the new row, or
    // its default: only NOT NULL columns have defaults, and a NULL for them is not a valid `T`,
    // which leaves such rows to the general path (it reads them back).
    if T::INFO.search_code.is_none() {
        return Ok(Some((state, None)));
    }
    // Read from the merged values in place, without building a JSON object first.
    const NULL: &Value = &Value::Null;
    let columns = T::INFO.columns.iter().map(|c| (*c, state.values.get(c).map_or(NULL, |v| &**v)));
    let entry = match T::deserialize(serde::de::value::MapDeserializer::<_, serde_json::Error>::new(columns)) {
        Ok(data) => SearchEntry::of(&data, id),
        Err(_) => return Ok(None),
    };
    Ok(Some((state, entry)))
}

/// Merges every row a batch names from the batch's operations alone, as
/// [`Writer::apply_remote`] would for a row new to this replica, and sends them in key order,
/// the order in which the writer writes rows. This reads nothing from the database, so it runs
/// on a second thread while the operations are being logged; the writer uses a row's merge only
/// where that proves to be the row's whole history. Stops early when the writer is gone.
fn prepare_rows<'b>(ops: &'b [Op], out: mpsc::Sender<Vec<PreparedRow<'b>>>) {
    let mut keyed: Vec<(usize, &str, usize)> = ops
        .iter()
        .enumerate()
        .filter_map(|(i, op)| entity::ALL.iter().position(|e| e.name == op.entity).map(|pos| (pos, &*op.row_id, i)))
        .collect();
    keyed.sort_unstable();
    let mut piece = Vec::with_capacity(PREPARED_PIECE);
    for row in keyed.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)) {
        let (pos, id) = (row[0].0, row[0].1);
        let info = entity::ALL[pos];
        let batch: Vec<&Op> = row.iter().map(|&(_, _, i)| &ops[i]).collect();
        let insert = match fold_batch(info, &batch) {
            Some(state) => by_entity!(info.name, id, insertable(state, id)).ok().flatten(),
            None => None,
        };
        piece.push(((pos, id), batch.len(), insert));
        if piece.len() == PREPARED_PIECE
            && out.send(std::mem::replace(&mut piece, Vec::with_capacity(PREPARED_PIECE))).is_err()
        {
            return;
        }
    }
    let _ = out.send(piece);
}

/// The writer's end of [`prepare_rows`]: the rows as they arrive, asked for in the same order.
struct Ahead<'b> {
    rows: mpsc::Receiver<Vec<PreparedRow<'b>>>,
    piece: std::vec::IntoIter<PreparedRow<'b>>,
    next: Option<PreparedRow<'b>>,
}

impl<'b> Ahead<'b> {
    fn new(rows: mpsc::Receiver<Vec<PreparedRow<'b>>>) -> Self {
        Ahead { rows, piece: Vec::new().into_iter(), next: None }
    }

    /// Row `key` as merged ahead, waiting for it if need be; rows before it that were not asked
    /// for (all their operations were known here already) are passed over. Keys have to be
    /// asked for in ascending order.
    fn take(&mut self, key: (usize, &str)) -> Option<(usize, Insert<'b>)> {
        loop {
            if self.next.is_none() {
                self.next = match self.piece.next() {
                    Some(row) => Some(row),
                    None => {
                        // The thread sends every row before it hangs up (a panic comes back
                        // when the scope ends); after the last one, nothing is ahead.
                        self.piece = self.rows.recv().ok()?.into_iter();
                        continue;
                    }
                };
            }
            let (at, _, _) = self.next.as_ref()?;
            match at.cmp(&key) {
                std::cmp::Ordering::Less => self.next = None,
                std::cmp::Ordering::Equal => return self.next.take().map(|(_, n, insert)| (n, insert)),
                std::cmp::Ordering::Greater => return None,
            }
        }
    }
}

/// A remote operation whose row could not be written (e.g. an inventory number another row
/// already holds). The operation is kept in the change log; the row keeps its former state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rejected {
    pub entity: String,
    pub row_id: String,
    pub message: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ApplyReport {
    /// Operations new to this replica, now in its change log.
    pub applied: usize,
    /// Operations this replica already had, or for rows purged here.
    pub skipped: usize,
    pub rejected: Vec<Rejected>,
}

/// A table that was empty before a batch and gets at least this many of its rows (or
/// operations, for the change log) has its secondary indexes built after they are in (see
/// [`Known::deferred`]).
pub const DEFER_INDEXES_AT: usize = 1_000;

/// What the rows of a batch can be written with, known without asking the database for each
/// row again. The default knows nothing: every look-up is made.
#[derive(Debug, Clone, Default)]
struct Known {
    /// No row is parked. Only the general path of [`Writer::rebuild_row`] parks rows; after it
    /// this is asked again.
    none_parked: bool,
    /// The change log held no operation before the batch (a new laptop's first import or
    /// pull): a row's operations in the log are the batch's.
    log_was_empty: bool,
    /// Bit `i`: the table of `entity::ALL[i]` held no row before the batch's rows were written.
    /// A row is first written at its own turn, so the look-up for it is spared; should it be
    /// there after all, its INSERT fails and the general path takes over.
    empty_tables: u64,
    /// The `CREATE INDEX` statements of the secondary indexes dropped for the batch: those of
    /// tables that were empty and get many rows ([`DEFER_INDEXES_AT`]). Built once after the
    /// rows are in, each is one sorted pass instead of one B-tree insert per row, and such a
    /// table has up to seven of them. Only indexes that refuse nothing (not UNIQUE) are
    /// dropped, so every row meets the same constraints. They are built again, in the same
    /// transaction, before the first row that takes the general path (which looks rows and
    /// operations up by them) and after the last row; should the batch fail, the rollback
    /// keeps them.
    deferred: Vec<String>,
    /// The change log's indexes are among them (it was empty before the batch). Erasing loan
    /// holders' names looks the log up by row, so it is done for the whole batch once they are
    /// built (see [`crate::store::erase_loan_holders_in_log`]).
    log_deferred: bool,
}

impl Known {
    fn table_was_empty(&self, info: &EntityInfo) -> bool {
        entity::ALL.iter().position(|e| e.name == info.name).is_some_and(|i| self.empty_tables & (1 << i) != 0)
    }

    /// Drops the secondary indexes of `table` that refuse nothing, keeping their definitions.
    fn defer_indexes(&mut self, tx: &rusqlite::Transaction<'_>, table: &str) -> Result<()> {
        let indexes: Vec<(String, String)> = tx
            .prepare(
                "SELECT s.name, s.sql FROM pragma_index_list(?1) l JOIN sqlite_schema s ON s.name = l.name
                 WHERE l.\"unique\" = 0 AND l.origin = 'c'",
            )?
            .query_map([table], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (name, sql) in indexes {
            tx.execute_batch(&format!("DROP INDEX \"{name}\""))?;
            self.deferred.push(sql);
        }
        Ok(())
    }

    /// Builds the indexes [`Self::defer_indexes`] dropped (nothing when none is), then erases
    /// loan holders' names in the log if that waited for them.
    fn build_deferred(&mut self, tx: &rusqlite::Transaction<'_>) -> Result<()> {
        for sql in self.deferred.drain(..) {
            tx.execute_batch(&sql)?;
        }
        if std::mem::take(&mut self.log_deferred) {
            crate::store::erase_loan_holders_in_log(tx)?;
        }
        Ok(())
    }
}

/// Operations a [`LogRows`] statement logs at a time.
const LOG_ROWS: usize = 64;

/// The change log's columns an applied operation writes, in the order of the INSERTs' values.
const LOG_COLUMNS: &str =
    "origin_node, origin_seq, hlc, entity, row_id, fields, prev, author, schema_version, source_id, reason";

/// Logs a batch's operations into a change log that was empty before it, [`LOG_ROWS`] to one
/// INSERT: one statement's set-up (cursors, the log's AUTOINCREMENT counter) for many rows. The
/// local sequence numbers follow the batch's order, as when each operation is logged alone. An
/// operation that comes twice in the batch is logged once, as `INSERT OR IGNORE` does.
struct LogRows<'b> {
    /// Operations waiting for their statement, with their fields and `prev` as JSON text.
    pending: Vec<LogRow<'b>>,
    /// (origin, sequence) of every operation of the batch so far.
    seen: std::collections::HashSet<(&'b str, i64)>,
}

impl<'b> LogRows<'b> {
    fn new(ops: usize) -> Self {
        LogRows { pending: Vec::with_capacity(LOG_ROWS), seen: std::collections::HashSet::with_capacity(ops) }
    }

    /// Takes in `op`; false, with nothing done, if the batch had it already.
    fn add(
        &mut self,
        tx: &rusqlite::Connection,
        op: &'b Op,
        fields: String,
        prev: Cow<'b, str>,
        source: Option<&str>,
    ) -> Result<bool> {
        if !self.seen.insert((&op.origin_node, op.origin_seq)) {
            return Ok(false);
        }
        self.pending.push((op, fields, prev));
        if self.pending.len() == LOG_ROWS {
            self.flush(tx, source)?;
        }
        Ok(true)
    }

    /// Logs the operations waiting.
    fn flush(&mut self, tx: &rusqlite::Connection, source: Option<&str>) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let row = format!("({})", ["?"; 11].join(", "));
        let sql = format!("INSERT INTO change_log({LOG_COLUMNS}) VALUES {}", vec![row; self.pending.len()].join(", "));
        let mut stmt = tx.prepare_cached(&sql)?;
        let mut at = 0;
        for row in &self.pending {
            for value in log_values(row, &source) {
                at += 1;
                stmt.raw_bind_parameter(at, value)?;
            }
        }
        stmt.raw_execute()?;
        self.pending.clear();
        Ok(())
    }
}

/// An operation with its fields and `prev` as JSON text, as the change log keeps them.
type LogRow<'b> = (&'b Op, String, Cow<'b, str>);

/// The values of an operation's change-log row, in the order of [`LOG_COLUMNS`].
fn log_values<'v>((op, fields, prev): &'v LogRow<'_>, source: &'v Option<&str>) -> [&'v dyn rusqlite::ToSql; 11] {
    [
        &op.origin_node,
        &op.origin_seq,
        &op.hlc,
        &op.entity,
        &op.row_id,
        fields,
        prev,
        &op.author,
        &op.schema_version,
        source,
        &op.reason,
    ]
}

const SELECT_OP: &str =
    "SELECT origin_node, origin_seq, hlc, entity, row_id, fields, prev, author, schema_version, reason FROM change_log";

fn read_op(r: &rusqlite::Row<'_>) -> rusqlite::Result<(Op, String, String)> {
    Ok((
        Op {
            origin_node: r.get(0)?,
            origin_seq: r.get(1)?,
            hlc: r.get(2)?,
            entity: r.get(3)?,
            row_id: r.get(4)?,
            fields: Map::new(),
            prev: Map::new(),
            author: r.get(7)?,
            schema_version: r.get(8)?,
            reason: r.get(9)?,
        },
        r.get(5)?,
        r.get(6)?,
    ))
}

impl Store {
    /// This replica's version vector.
    pub fn version_vector(&self) -> Result<VersionVector> {
        // Purged operations count as held (see `purge`), so the vector never goes backwards.
        let mut stmt = self.conn().prepare_cached(
            "SELECT origin_node, max(s) FROM (
                 SELECT origin_node, max(origin_seq) AS s FROM change_log GROUP BY origin_node
                 UNION ALL SELECT origin_node, origin_seq FROM purge_floor)
             GROUP BY origin_node",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The operations this replica holds that a replica at `since` lacks, at most `limit`, in the
    /// order this replica logged them. That order is causal (a row's create comes before the
    /// rows that refer to it) and, per origin, gapless but for purged rows' operations: a
    /// receiver's log stays a prefix of every origin's sequence (less what was purged), so a
    /// version vector describes it exactly.
    pub fn ops_since(&self, since: &VersionVector, limit: usize) -> Result<Vec<Op>> {
        let since = serde_json::to_string(since)?;
        let mut stmt = self.conn().prepare_cached(&format!(
            "{SELECT_OP} WHERE origin_seq > coalesce((SELECT value FROM json_each(?1) WHERE key = origin_node), 0)
             ORDER BY seq LIMIT ?2"
        ))?;
        let rows = stmt.query_map(params![since, limit as i64], read_op)?;
        let mut out = Vec::new();
        for row in rows {
            let (mut op, fields, prev) = row?;
            op.fields = serde_json::from_str(&fields)?;
            op.prev = serde_json::from_str(&prev)?;
            out.push(op);
        }
        Ok(out)
    }

    /// Applies remote operations in one transaction (see [`Writer::apply_remote`]).
    pub fn apply_ops(&mut self, ops: &[Op], source: Option<Source>) -> Result<ApplyReport> {
        self.write(source, |w| w.apply_remote(ops))
    }
}

impl Writer<'_> {
    /// Adds the operations this replica does not have yet to its change log and rebuilds the rows
    /// they touch. A row that cannot be written (a constraint) is reported, not an error: the rest
    /// of the batch goes on.
    ///
    /// A batch of [`PREPARE_AHEAD`] operations or more has its rows merged on a second thread
    /// while this one logs the operations (see [`prepare_rows`]); the rows are then written from
    /// those merges where the log holds nothing else for them.
    pub fn apply_remote(&mut self, ops: &[Op]) -> Result<ApplyReport> {
        self.apply_remote_reporting(ops, &mut |_| {})
    }

    /// [`Self::apply_remote`], telling `progress` how far it has come every
    /// [`PROGRESS_EVERY`] operations logged and rows written, and at the end of each.
    pub fn apply_remote_reporting(
        &mut self,
        ops: &[Op],
        progress: &mut dyn FnMut(ApplyProgress),
    ) -> Result<ApplyReport> {
        if ops.len() < PREPARE_AHEAD {
            return self.apply_batch(ops, None, progress);
        }
        std::thread::scope(|s| {
            let (out, rows) = mpsc::channel();
            s.spawn(move || prepare_rows(ops, out));
            self.apply_batch(ops, Some(Ahead::new(rows)), progress)
        })
    }

    /// [`Self::apply_remote`], with the rows of the batch merged `ahead` where that is done.
    fn apply_batch<'b>(
        &mut self,
        ops: &'b [Op],
        mut ahead: Option<Ahead<'b>>,
        progress: &mut dyn FnMut(ApplyProgress),
    ) -> Result<ApplyReport> {
        let mut report = ApplyReport::default();
        // Per touched row, the operations of this batch newly logged for it.
        let mut touched: BTreeMap<(usize, &'b str), Vec<&'b Op>> = BTreeMap::new();
        let mut max_hlc: Option<String> = None;
        // Most replicas have purged nothing: then no operation needs the look-up.
        let any_purged: bool =
            self.tx.prepare_cached("SELECT EXISTS (SELECT 1 FROM purged_rows)")?.query_row([], |r| r.get(0))?;
        let log_was_empty: bool =
            self.tx.prepare_cached("SELECT NOT EXISTS (SELECT 1 FROM change_log)")?.query_row([], |r| r.get(0))?;
        let mut known = Known { log_was_empty, ..Known::default() };
        if log_was_empty && ops.len() >= DEFER_INDEXES_AT {
            known.defer_indexes(&self.tx, "change_log")?;
            known.log_deferred = true;
        }
        // One statement for the whole loop, not one look-up in the statement cache per operation.
        let mut log = self.tx.prepare_cached(&format!(
            "INSERT OR IGNORE INTO change_log({LOG_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
        ))?;
        // Into a log that was empty every operation is new, but for one the batch holds twice:
        // `LogRows` tells those apart and logs the others many to a statement.
        let mut bulk = (known.log_deferred && !any_purged).then(|| LogRows::new(ops.len()));
        for (i, op) in ops.iter().enumerate() {
            if i % PROGRESS_EVERY == 0 {
                progress(ApplyProgress::Log { done: i, total: ops.len() });
            }
            if op.origin_seq <= 0 || Hlc(op.hlc.clone()).parse_time().is_none() {
                return Err(CoreError::Database {
                    message: format!(
                        "Ungültige Operation {}/{} für {} {}: Sequenz oder Zeitstempel fehlerhaft.",
                        op.origin_node, op.origin_seq, op.entity, op.row_id
                    ),
                });
            }
            // A purged row stays purged: its late operations are not taken in.
            if any_purged && crate::purge::is_purged(&self.tx, &op.entity, &op.row_id)? {
                report.skipped += 1;
                continue;
            }
            let fields = serde_json::to_string(&op.fields)?;
            // Most operations overwrote nothing: their `prev` is the empty object.
            let prev: Cow<str> =
                if op.prev.is_empty() { Cow::Borrowed("{}") } else { Cow::Owned(serde_json::to_string(&op.prev)?) };
            if let Some(bulk) = bulk.as_mut() {
                if !bulk.add(&self.tx, op, fields, prev, self.source_id())? {
                    report.skipped += 1;
                    continue;
                }
            } else {
                let row = (op, fields, prev);
                let inserted = log.execute(&log_values(&row, &self.source_id())[..])?;
                if inserted == 0 {
                    report.skipped += 1;
                    continue;
                }
                let seq = self.tx.last_insert_rowid();
                if !known.log_deferred {
                    crate::store::erase_loan_holders(&self.tx, &op.entity, seq, &op.row_id, &op.hlc, &row.1)?;
                }
            }
            report.applied += 1;
            if max_hlc.as_deref().is_none_or(|m| op.hlc.as_str() > m) {
                max_hlc = Some(op.hlc.clone());
            }
            // Parents before children: entity::ALL lists referenced tables first.
            if let Some(pos) = entity::ALL.iter().position(|e| e.name == op.entity) {
                touched.entry((pos, op.row_id.as_str())).or_default().push(op);
            }
        }
        if let Some(bulk) = bulk.as_mut() {
            bulk.flush(&self.tx, self.source_id())?;
        }
        drop(log);
        progress(ApplyProgress::Log { done: ops.len(), total: ops.len() });
        let mut written = false;
        let waiting = self.unwritten_waiting()?;
        known.none_parked = !self.any_parked()?;
        // Rows per table, in the order of entity::ALL.
        let mut rows_per_table: Vec<(usize, usize)> = Vec::new();
        for (pos, _) in touched.keys() {
            match rows_per_table.last_mut() {
                Some((p, n)) if p == pos => *n += 1,
                _ => rows_per_table.push((*pos, 1)),
            }
        }
        for (pos, rows) in rows_per_table {
            let table = entity::ALL[pos].table;
            let sql = format!("SELECT NOT EXISTS (SELECT 1 FROM {table})");
            if self.tx.prepare_cached(&sql)?.query_row([], |r| r.get::<_, bool>(0))? {
                known.empty_tables |= 1 << pos;
                if rows >= DEFER_INDEXES_AT {
                    known.defer_indexes(&self.tx, table)?;
                }
            }
        }
        for (i, ((pos, row_id), batch)) in touched.iter().enumerate() {
            if i % PROGRESS_EVERY == 0 {
                progress(ApplyProgress::Rows { done: i, total: touched.len() });
            }
            let info = entity::ALL[*pos];
            let merged = ahead.as_mut().and_then(|a| a.take((*pos, row_id)));
            match self.try_rebuild(info, row_id, batch, merged, waiting, &mut known)? {
                None => written = true,
                Some(message) => {
                    report.rejected.push(Rejected { entity: info.name.into(), row_id: (*row_id).into(), message })
                }
            }
        }
        progress(ApplyProgress::Rows { done: touched.len(), total: touched.len() });
        known.build_deferred(&self.tx)?;
        if written && (waiting || !report.rejected.is_empty()) {
            self.retry_unwritten()?;
        }
        if let Some(m) = max_hlc {
            let m = Hlc(m);
            if let Some(t) = m.parse_time() {
                self.clock.observe_time(t);
            }
            if self.last_hlc.as_ref().is_none_or(|l| &m > l) {
                self.last_hlc = Some(m);
            }
        }
        Ok(report)
    }

    /// Rebuilds one row in a savepoint: `None` when written, else why not (the row is then kept in
    /// `sync_unwritten` and tried again by later syncs, see [`Self::retry_unwritten`]).
    /// `listed`: whether the row may be listed there already (then it is taken off when written).
    /// `batch`: the row's operations logged by the batch being applied, if any; `ahead`: the
    /// row as [`prepare_rows`] merged it from the batch.
    fn try_rebuild<'b>(
        &mut self,
        info: &'static EntityInfo,
        row_id: &str,
        batch: &[&'b Op],
        ahead: Option<(usize, Insert<'b>)>,
        listed: bool,
        known: &mut Known,
    ) -> Result<Option<String>> {
        if self.insert_new(info, row_id, batch, ahead, known)? {
            if listed {
                self.tx
                    .prepare_cached("DELETE FROM sync_unwritten WHERE entity = ?1 AND row_id = ?2")?
                    .execute(params![info.name, row_id])?;
            }
            return Ok(None);
        }
        // The general path looks rows and operations up by every index, and may park rows.
        known.build_deferred(&self.tx)?;
        known.none_parked = false;
        self.tx.prepare_cached("SAVEPOINT apply_row")?.execute([])?;
        match self.rebuild_row(info, row_id) {
            Ok(()) => {
                self.tx.prepare_cached("RELEASE apply_row")?.execute([])?;
                if listed {
                    self.tx
                        .prepare_cached("DELETE FROM sync_unwritten WHERE entity = ?1 AND row_id = ?2")?
                        .execute(params![info.name, row_id])?;
                }
                Ok(None)
            }
            Err(e) => {
                self.tx.prepare_cached("ROLLBACK TO apply_row")?.execute([])?;
                self.tx.prepare_cached("RELEASE apply_row")?.execute([])?;
                let message = e.to_string();
                self.tx
                    .prepare_cached(
                        "INSERT OR REPLACE INTO sync_unwritten(entity, row_id, message) VALUES (?1, ?2, ?3)",
                    )?
                    .execute(params![info.name, row_id, message])?;
                Ok(Some(message))
            }
        }
    }

    /// Whether any row is parked (see [`crate::unique`]; usually none is).
    fn any_parked(&self) -> Result<bool> {
        Ok(self.tx.prepare_cached("SELECT EXISTS (SELECT 1 FROM sync_parked)")?.query_row([], |r| r.get(0))?)
    }

    /// Whether any row waits in `sync_unwritten` (an indexed probe; usually none does).
    fn unwritten_waiting(&self) -> Result<bool> {
        Ok(self.tx.prepare_cached("SELECT EXISTS (SELECT 1 FROM sync_unwritten)")?.query_row([], |r| r.get(0))?)
    }

    /// Tries again the rows earlier syncs could not write, now that rows were written that they
    /// may have waited for (a parent that arrived late). Repeats while that writes more, parents
    /// before children; rows that still fail stay listed.
    fn retry_unwritten(&mut self) -> Result<()> {
        loop {
            let waiting: BTreeSet<(usize, String)> = {
                let mut stmt = self.tx.prepare_cached("SELECT entity, row_id FROM sync_unwritten")?;
                let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
                let mut out = BTreeSet::new();
                for row in rows {
                    let (name, id) = row?;
                    if let Some(pos) = entity::ALL.iter().position(|e| e.name == name) {
                        out.insert((pos, id));
                    }
                }
                out
            };
            let mut progress = false;
            for (pos, row_id) in &waiting {
                progress |=
                    self.try_rebuild(entity::ALL[*pos], row_id, &[], None, true, &mut Known::default())?.is_none();
            }
            if !progress {
                return Ok(());
            }
        }
    }

    /// The common case of a sync, written without a savepoint: a row new here and live, while
    /// no row is parked. One INSERT writes it, and SQLite undoes a failing statement by itself,
    /// so there is nothing to roll back; the search entry is made from the merged values instead
    /// of reading the row back. False, with nothing written, where the general path has to
    /// decide (it also reports why a row cannot be written). An error after the row is in (the
    /// search entry) ends the whole transaction.
    fn insert_new<'b>(
        &mut self,
        info: &'static EntityInfo,
        id: &str,
        batch: &[&'b Op],
        ahead: Option<(usize, Insert<'b>)>,
        known: &mut Known,
    ) -> Result<bool> {
        fn go<'b, T: crate::Entity>(
            w: &mut Writer<'_>,
            id: &str,
            batch: &[&'b Op],
            ahead: Option<(usize, Insert<'b>)>,
            known: &mut Known,
        ) -> Result<bool> {
            let info = T::INFO;
            if !known.none_parked {
                known.none_parked = !w.any_parked()?;
            }
            if !known.none_parked || (!known.table_was_empty(info) && find_rowid(&w.tx, info, id)?.is_some()) {
                return Ok(false);
            }
            // The merge made ahead holds all of the batch's operations for the row; it is the
            // row's merge when they were all new here and the log holds no others for it.
            let insert = match ahead {
                Some((ops, insert)) if ops == batch.len() && w.holds_only(info, id, ops, known.log_was_empty)? => {
                    insert
                }
                _ => match w.merged_with(info, id, batch, known.log_was_empty)? {
                    Some(state) => insertable::<T>(state, id)?,
                    None => None,
                },
            };
            let Some((state, entry)) = insert else { return Ok(false) };
            let Ok(rowid) = w.write_row(info, id, &state, false, None) else { return Ok(false) };
            if let Some(entry) = entry {
                w.stage_search(info, id, rowid, true, &entry)?;
            }
            Ok(true)
        }
        by_entity!(info.name, id, go(self, id, batch, ahead, known))
    }

    /// Writes the row as its operations in the log say: per field the value of the latest
    /// operation naming it. A row that would share a unique value with a live row is parked or
    /// parks the other (see [`crate::unique`]); rows it had parked are tried again.
    pub(crate) fn rebuild_row(&mut self, info: &'static EntityInfo, id: &str) -> Result<()> {
        self.rebuild_at(info, id, 0)
    }

    fn rebuild_at(&mut self, info: &'static EntityInfo, id: &str, depth: usize) -> Result<()> {
        if depth > 32 {
            return Err(CoreError::Database {
                message: format!("{} {id}: zu viele voneinander abhängige doppelte Werte.", info.name),
            });
        }
        let Some(state) = self.merged(info, id)? else { return Ok(()) };
        self.tx
            .prepare_cached("DELETE FROM sync_parked WHERE entity = ?1 AND row_id = ?2")?
            .execute(params![info.name, id])?;
        if state.deleted() {
            self.write_state(info, id, &state, false).map_err(constraint_error)?;
            return self.retry_parked_by(id, depth);
        }
        // Each round either writes the row live, parks it, or parks rows with a later claim.
        let mut displaced: Vec<String> = Vec::new();
        for _ in 0..8 {
            self.tx.prepare_cached("SAVEPOINT live_row")?.execute([])?;
            let tried = self.write_state(info, id, &state, false);
            match tried {
                Ok(()) => {
                    self.tx.prepare_cached("RELEASE live_row")?.execute([])?;
                    // Rows the displaced ones had parked may now be free (or wait for this one).
                    for other in displaced {
                        self.retry_parked_by(&other, depth + 1)?;
                    }
                    return self.retry_parked_by(id, depth);
                }
                Err(e) => {
                    self.tx.prepare_cached("ROLLBACK TO live_row")?.execute([])?;
                    self.tx.prepare_cached("RELEASE live_row")?.execute([])?;
                    if !crate::unique::is_unique_violation(&e) {
                        return Err(constraint_error(e));
                    }
                }
            }
            // Store it hidden, then see who holds its values.
            self.write_state(info, id, &state, true).map_err(constraint_error)?;
            let blockers = crate::unique::blockers(&self.tx, info, id)?;
            let mine = crate::unique::claim(&self.tx, info.name, id)?;
            let mut winner: Option<(crate::unique::Blocker, (String, String))> = None;
            for b in &blockers {
                let theirs = crate::unique::claim(&self.tx, b.entity.name, &b.id)?;
                if theirs < mine && winner.as_ref().is_none_or(|(_, w)| theirs < *w) {
                    winner = Some((b.clone(), theirs));
                }
            }
            if let Some((b, _)) = winner {
                self.tx
                    .prepare_cached("INSERT INTO sync_parked(entity, row_id, field, blocker_entity, blocker_id) VALUES (?1, ?2, ?3, ?4, ?5)")?
                    .execute(params![info.name, id, b.field, b.entity.name, b.id])?;
                return self.retry_parked_by(id, depth);
            }
            if blockers.is_empty() {
                return Err(CoreError::Database {
                    message: format!(
                        "{} {id}: ein eindeutiger Wert ist doppelt, aber kein anderer Eintrag hält ihn.",
                        info.name
                    ),
                });
            }
            // Every holder was created later: they give way.
            for b in blockers {
                let Some(theirs) = self.merged(b.entity, &b.id)? else { continue };
                self.write_state(b.entity, &b.id, &theirs, true).map_err(constraint_error)?;
                self.tx
                    .prepare_cached("INSERT OR REPLACE INTO sync_parked(entity, row_id, field, blocker_entity, blocker_id) VALUES (?1, ?2, ?3, ?4, ?5)")?
                    .execute(params![b.entity.name, b.id, b.field, info.name, id])?;
                displaced.push(b.id);
            }
        }
        Err(CoreError::Database {
            message: format!("{} {id}: doppelte Werte ließen sich nicht auflösen.", info.name)
        })
    }

    /// Tries again every row parked because of row `id` (which changed).
    fn retry_parked_by(&mut self, id: &str, depth: usize) -> Result<()> {
        let parked: Vec<(String, String)> = {
            let mut stmt = self.tx.prepare_cached(
                "SELECT entity, row_id FROM sync_parked WHERE blocker_id = ?1 ORDER BY entity, row_id",
            )?;
            let rows = stmt.query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        for (entity, row) in parked {
            if let Some(info) = entity::by_name(&entity) {
                self.rebuild_at(info, &row, depth + 1)?;
            }
        }
        Ok(())
    }

    /// After a local write to row `id`: if it was parked, or held a value a parked row waits
    /// for, those rows are worked out again.
    pub(crate) fn after_local_write(&mut self, info: &'static EntityInfo, id: &str) -> Result<()> {
        let (own, others): (bool, bool) = self.tx.prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM sync_parked WHERE entity = ?1 AND row_id = ?2), EXISTS (SELECT 1 FROM sync_parked WHERE blocker_id = ?2)",
        )?.query_row(params![info.name, id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        if own {
            self.rebuild_row(info, id)
        } else if others {
            self.retry_parked_by(id, 0)
        } else {
            Ok(())
        }
    }

    /// The row as its operations say, if it has any.
    fn merged(&self, info: &'static EntityInfo, id: &str) -> Result<Option<Merged<'static>>> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT hlc, fields FROM change_log WHERE entity = ?1 AND row_id = ?2 ORDER BY hlc, origin_node",
        )?;
        let mut rows = stmt.query(params![info.name, id])?;
        let mut ops: Vec<(Hlc, Map<String, Value>)> = Vec::new();
        while let Some(r) = rows.next()? {
            ops.push((Hlc(r.get(0)?), serde_json::from_str(&r.get::<_, String>(1)?)?));
        }
        Ok(Merged::fold(info, ops.into_iter().map(|(hlc, f)| (hlc, f.into_iter().map(|(k, v)| (k, Cow::Owned(v)))))))
    }

    /// The row as its operations say, from `batch` (operations just logged) when the log holds
    /// no others for it: that spares reading them back and parsing their fields again.
    /// `log_was_empty`: the log held nothing before the batch, so it holds no others.
    fn merged_with<'b>(
        &self,
        info: &'static EntityInfo,
        id: &str,
        batch: &[&'b Op],
        log_was_empty: bool,
    ) -> Result<Option<Merged<'b>>> {
        if batch.is_empty() || !self.holds_only(info, id, batch.len(), log_was_empty)? {
            return self.merged(info, id);
        }
        Ok(fold_batch(info, batch))
    }

    /// Whether the change log holds just `n` operations for the row (the batch's): surely so
    /// when it `was_empty` before the batch, else they are counted.
    fn holds_only(&self, info: &EntityInfo, id: &str, n: usize, was_empty: bool) -> Result<bool> {
        Ok(was_empty || self.logged_for(info, id)? == n)
    }

    /// How many operations the change log holds for the row.
    fn logged_for(&self, info: &EntityInfo, id: &str) -> Result<usize> {
        let logged: i64 = self
            .tx
            .prepare_cached("SELECT count(*) FROM change_log WHERE entity = ?1 AND row_id = ?2")?
            .query_row(params![info.name, id], |r| r.get(0))?;
        Ok(logged as usize)
    }

    /// Writes a merged row and its search entry; `parked` stores it hidden (deleted at its last
    /// change). Returns SQLite's own error so a unique violation can be told apart.
    fn write_state(
        &mut self,
        info: &'static EntityInfo,
        id: &str,
        state: &Merged,
        parked: bool,
    ) -> std::result::Result<(), rusqlite::Error> {
        let existing = find_rowid(&self.tx, info, id)?;
        let rowid = self.write_row(info, id, state, parked, existing)?;
        if let Some(code) = info.search_code {
            let search = |e: CoreError| rusqlite::Error::ToSqlConversionFailure(Box::new(e));
            if existing.is_some() {
                self.unindex(fts_rowid(code, rowid)).map_err(search)?;
            }
            if !parked && !state.deleted() {
                match info.name {
                    "school" => self.reindex::<SchoolData>(id, rowid),
                    "room" => self.reindex::<RoomData>(id, rowid),
                    "device" => self.reindex::<DeviceData>(id, rowid),
                    "access_point" => self.reindex::<AccessPointData>(id, rowid),
                    "presentation_hardware" => self.reindex::<PresentationHardwareData>(id, rowid),
                    _ => Ok(()),
                }
                .map_err(search)?;
            }
        }
        Ok(())
    }

    /// Writes a merged row's columns: an UPDATE of the row at `existing`, else an INSERT.
    /// Returns the row's rowid.
    fn write_row(
        &mut self,
        info: &'static EntityInfo,
        id: &str,
        state: &Merged,
        parked: bool,
        existing: Option<i64>,
    ) -> std::result::Result<i64, rusqlite::Error> {
        let insert = existing.is_none();
        let sql = row_sql(info, state, insert);
        self.tx.prepare_cached(&sql)?.execute(rusqlite::params_from_iter(row_params(id, state, parked, insert)))?;
        match existing {
            Some(rowid) => Ok(rowid),
            None => {
                let rowid = self.tx.last_insert_rowid();
                if !parked && !state.deleted() {
                    let text = |c: &str| state.values.get(c).and_then(|v| v.as_str());
                    let (school, number) = (text("school_id"), text("inventory_number"));
                    crate::store::record_inventory_number(&self.tx, info, rowid, id, school, number)?;
                }
                Ok(rowid)
            }
        }
    }

    fn reindex<T: crate::Entity>(&mut self, id: &str, rowid: i64) -> Result<()> {
        let row = get_row::<T>(&self.tx, id)?.ok_or_else(|| CoreError::not_found(T::INFO.name, id))?;
        self.index(&row.data, id, rowid, true)
    }
}

/// The INSERT (a new row) or UPDATE of a merged row's columns, with the parameters of
/// [`row_params`]. Built once per table and set of columns on each thread.
fn row_sql(info: &'static EntityInfo, state: &Merged, insert: bool) -> std::rc::Rc<str> {
    /// Per (table, columns, insert) the statement.
    type Cache = std::collections::HashMap<(&'static str, u64, bool), std::rc::Rc<str>>;
    thread_local! {
        static SQL: std::cell::RefCell<Cache> = Default::default();
    }
    // Bit i: column i of the entity; the bit after them: deleted_at.
    let mask = state.values.keys().fold(0u64, |m, k| {
        let i = info.columns.iter().position(|c| c == k).unwrap_or(info.columns.len());
        m | (1 << i)
    });
    SQL.with(|cache| {
        cache
            .borrow_mut()
            .entry((info.table, mask, insert))
            .or_insert_with(|| {
                let cols = state.values.keys();
                if insert {
                    let names: String = cols.clone().map(|c| format!(", {c}")).collect();
                    let marks: String = (0..cols.len()).map(|i| format!(", ?{}", i + 3)).collect();
                    format!(
                        "INSERT INTO {} (id, updated_at, created_at{names}) VALUES (?1, ?2, ?{}{marks})",
                        info.table,
                        state.values.len() + 3
                    )
                } else {
                    let sets: String = cols.enumerate().map(|(i, c)| format!(", {c} = ?{}", i + 3)).collect();
                    format!("UPDATE {} SET updated_at = ?2{sets} WHERE id = ?1", info.table)
                }
                .into()
            })
            .clone()
    })
}

/// The parameters of [`row_sql`]: id, last change, the columns in key order, and for an insert
/// the first change. `parked` stores the row deleted at its last change.
fn row_params<'a>(id: &'a str, state: &'a Merged<'_>, parked: bool, insert: bool) -> Vec<ToSqlOutput<'a>> {
    let last = state.last.to_rfc3339();
    let mut params: Vec<ToSqlOutput<'a>> = Vec::with_capacity(state.values.len() + 3);
    params.push(ToSqlOutput::Borrowed(ValueRef::Text(id.as_bytes())));
    params.push(ToSqlOutput::Owned(SqlValue::Text(last.clone())));
    params.extend(state.values.iter().map(|(k, v)| {
        if parked && *k == "deleted_at" {
            ToSqlOutput::Owned(SqlValue::Text(last.clone()))
        } else {
            to_sql_ref(v)
        }
    }));
    if insert {
        params.push(ToSqlOutput::Owned(SqlValue::Text(state.first.to_rfc3339())));
    }
    params
}

/// A value as an SQL parameter, as [`to_sql`] gives it, with text borrowed instead of copied.
fn to_sql_ref(v: &Value) -> ToSqlOutput<'_> {
    match v {
        Value::String(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
        other => ToSqlOutput::Owned(to_sql(other)),
    }
}

impl Writer<'_> {
    /// Writes `field` of row `id` as it is in `data`, as one operation, without the checks of
    /// an update (for rows that are hidden or deleted).
    fn log_field<T: crate::Entity>(&mut self, id: &str, data: &T, field: &str) -> Result<()> {
        let mut f = Map::new();
        f.insert(field.to_owned(), crate::store::field_map(data, T::INFO)?.remove(field).unwrap_or(Value::Null));
        self.set_fields(T::INFO, id, &f).map(|_| ())
    }

    /// Sets one field of a row named by entity and id to `value`, as a normal validated update
    /// (used to resolve a sync conflict). Always writes one operation naming the field, even when
    /// it already holds the value: keeping the winning value must supersede the conflicting
    /// versions like any other choice.
    pub fn set_field(&mut self, entity: &str, id: &str, field: &str, value: Value) -> Result<()> {
        fn go<T: crate::Entity + crate::Validate>(
            w: &mut Writer<'_>,
            id: &str,
            field: &str,
            value: Value,
        ) -> Result<()> {
            if !T::INFO.columns.contains(&field) {
                return Err(CoreError::field(
                    field,
                    "unknown_field",
                    format!("{} hat kein Feld „{field}“.", T::INFO.name),
                ));
            }
            let row = w.get::<T>(id)?;
            let (mut data, before) = with_field(&row.data, field, value)?;
            if row.deleted_at.is_some() {
                // A conflict on a row deleted since: the decision is kept in the tombstone, so an
                // undelete brings back the chosen value.
                data.normalize();
                return w.log_field(id, &data, field);
            }
            let after = w.update(id, data)?;
            if crate::store::field_map(&after.data, T::INFO)?.remove(field) == before {
                // Unchanged, so `update` logged nothing for this field: log it once more.
                w.log_field(id, &after.data, field)?;
            }
            Ok(())
        }
        by_entity!(entity, id, go(self, id, field, value))
    }

    /// Restores a deleted row named by entity and id (a normal undelete, validated).
    pub fn restore_row(&mut self, entity: &str, id: &str) -> Result<()> {
        fn go<T: crate::Entity + crate::Validate>(w: &mut Writer<'_>, id: &str) -> Result<()> {
            w.undelete::<T>(id).map(|_| ())
        }
        by_entity!(entity, id, go(self, id))
    }

    /// Gives a row that sync keeps hidden (see [`crate::unique`]) another value for the field it
    /// shares with a live row, validated like any write; the row then comes back.
    pub fn set_parked_field(&mut self, entity: &str, id: &str, field: &str, value: Value) -> Result<()> {
        fn go<T: crate::Entity + crate::Validate>(
            w: &mut Writer<'_>,
            id: &str,
            field: &str,
            value: Value,
        ) -> Result<()> {
            let parked: bool =
                w.tx.prepare_cached("SELECT EXISTS (SELECT 1 FROM sync_parked WHERE entity = ?1 AND row_id = ?2)")?
                    .query_row(params![T::INFO.name, id], |r| r.get(0))?;
            if !parked || !T::INFO.columns.contains(&field) {
                return Err(CoreError::InvalidArgument {
                    message: format!(
                        "{} {id} ist nicht wegen eines doppelten Werts in „{field}“ ausgeblendet.",
                        T::INFO.name
                    ),
                    field: Some("id".into()),
                });
            }
            let (mut data, _) = with_field(&w.get::<T>(id)?.data, field, value)?;
            data.normalize();
            w.check(&data, Some(id))?;
            w.log_field(id, &data, field)
        }
        by_entity!(entity, id, go(self, id, field, value))
    }

    /// Confirms the deletion of a deleted row with a new delete operation: it supersedes the
    /// earlier one, so conflicts about edits that delete hid are closed with the row kept
    /// deleted.
    pub fn confirm_delete(&mut self, entity: &str, id: &str) -> Result<()> {
        let info = entity::by_name(entity).ok_or_else(|| CoreError::not_found(entity, id))?;
        let deleted: Option<Option<String>> = self
            .tx
            .prepare_cached(&format!("SELECT deleted_at FROM {} WHERE id = ?1", info.table))?
            .query_row([id], |r| r.get(0))
            .optional()?;
        match deleted {
            Some(Some(_)) => {
                let now = self.clock.now();
                let mut f = Map::new();
                f.insert("deleted_at".into(), Value::String(now.to_rfc3339()));
                self.set_fields_at(info, id, &f, now)
            }
            Some(None) => Err(CoreError::InvalidArgument {
                message: format!("{} {id} ist nicht gelöscht.", info.name),
                field: Some("id".into()),
            }),
            None => Err(CoreError::not_found(entity, id)),
        }
    }
}
