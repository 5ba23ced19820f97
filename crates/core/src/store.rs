//! The store: the only way data is written. Every write validates its input, writes the row and
//! appends its operation to the change log in one transaction, and keeps the search index in step.
//! A failed write leaves neither row nor log entry behind.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rusqlite::types::Value as SqlValue;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde_json::{Map, Value};

use crate::clock::{Clock, Hlc};
use crate::db;
use crate::entity::{Entity, EntityInfo};
use crate::error::{CoreError, Result};
use crate::fold::fold;
use crate::model::Row;
use crate::validate::{Ctx, PlaceCache, Validate};

/// Where a batch of writes came from, recorded with each of its operations.
#[derive(Debug, Clone)]
pub struct Source {
    /// One of manual, import, sync, bundle, demo, restore.
    pub kind: &'static str,
    pub file_name: Option<String>,
    pub sha256: Option<String>,
}

pub struct Store {
    conn: Connection,
    clock: Clock,
    author: String,
    path: PathBuf,
    checkpointer: Option<db::Checkpointer>,
    /// A checkpointer that was stopped and still copies the last of the WAL into the database
    /// (see [`Store::settle`]). Dropping the store waits for it.
    settling: Option<db::Checkpointer>,
}

impl Store {
    /// Opens the database at `path` (see [`db::open_connection`]) and loads this replica's clock.
    pub fn open(path: &Path) -> Result<Store> {
        Self::open_with_progress(path, &mut |_| {})
    }

    /// [`Store::open`] that tells `progress` what an upgrade of the file is doing.
    pub fn open_with_progress(path: &Path, progress: &mut dyn FnMut(db::OpenStep)) -> Result<Store> {
        let conn = db::open_with_progress(path, progress)?;
        // Writes, validations and imports use a few dozen distinct statements; the default cache
        // of 16 made them re-parse each other out.
        conn.set_prepared_statement_cache_capacity(256);
        conn.execute_batch(
            "CREATE TEMP TABLE IF NOT EXISTS pending_search(
                rowid INTEGER PRIMARY KEY, entity TEXT, row_id TEXT, school_id TEXT, title TEXT, body TEXT)",
        )?;
        let clock = Clock::load(&conn)?;
        let author = std::env::var("SCHULINVENTAR_AUTHOR")
            .or_else(|_| std::env::var("USER"))
            .or_else(|_| std::env::var("USERNAME"))
            .unwrap_or_else(|_| "unbekannt".into());
        Ok(Store { conn, clock, author, path: path.to_path_buf(), checkpointer: None, settling: None })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The id of this replica in the change log.
    pub fn node_id(&self) -> &str {
        self.clock.node()
    }

    pub fn author(&self) -> &str {
        &self.author
    }

    /// Who is recorded as author of the following writes.
    pub fn set_author(&mut self, author: impl Into<String>) {
        self.author = author.into();
    }

    /// Read access for queries. Writing through it bypasses the change log: don't.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Refreshes the query planner's statistics; worth it after large batches of writes.
    pub fn optimize(&self) -> Result<()> {
        self.conn.execute_batch("PRAGMA optimize=0x10002")?;
        Ok(())
    }

    /// Runs `f` in one write transaction; everything it wrote is committed together or not at all.
    pub fn write<R>(&mut self, source: Option<Source>, f: impl FnOnce(&mut Writer<'_>) -> Result<R>) -> Result<R> {
        self.write_if(source, |w| f(w).map(|r| (r, true)))
    }

    /// Like [`Store::write`], but `f` decides whether its writes are kept: when it returns
    /// `false` everything it wrote is rolled back and its result still returned. A dry run
    /// is a real run that keeps nothing.
    pub fn write_if<R>(
        &mut self,
        source: Option<Source>,
        f: impl FnOnce(&mut Writer<'_>) -> Result<(R, bool)>,
    ) -> Result<R> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Read under the write lock: another connection to this file (the app's sync runs on a
        // store of its own) may have applied operations with later timestamps since this
        // store's last write, and a local change must come after everything it could have seen.
        self.clock.observe_persisted(&tx)?;
        // Never below a purged operation's number (see `purge`): peers count that one as held.
        let next_seq: i64 = tx.query_row(
            "SELECT max(coalesce((SELECT max(origin_seq) FROM change_log WHERE origin_node = ?1), 0),
                        coalesce((SELECT origin_seq FROM purge_floor WHERE origin_node = ?1), 0)) + 1",
            [self.clock.node()],
            |r| r.get(0),
        )?;
        let source_id = match source {
            None => None,
            Some(s) => {
                let id = uuid::Uuid::now_v7().to_string();
                tx.execute(
                    "INSERT INTO change_sources(id, kind, file_name, sha256, author, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![id, s.kind, s.file_name, s.sha256, self.author, chrono::Utc::now().to_rfc3339()],
                )?;
                Some(id)
            }
        };
        let mut w = Writer {
            tx,
            clock: &self.clock,
            author: &self.author,
            next_seq,
            last_hlc: None,
            source_id,
            today: chrono::Local::now().date_naive(),
            places: PlaceCache::default(),
            pending_search: std::cell::Cell::new(0),
            step_seq: None,
            step_pending: 0,
            reason: None,
        };
        let (out, keep) = f(&mut w)?;
        if !keep {
            w.tx.rollback()?;
            return Ok(out);
        }
        w.flush_search()?;
        if let Some(last) = &w.last_hlc {
            Clock::persist(&w.tx, last)?;
        }
        w.tx.commit()?;
        if let Some(c) = &self.checkpointer {
            c.committed();
        }
        Ok(out)
    }

    /// Whether checkpoints run beside the writes, on a thread of their own (see
    /// `db::Checkpointer`), instead of at the end of a commit. For long runs of large writes:
    /// a sync turns this on for a pull of more than one page and off again when the pull ends.
    ///
    /// Turning it off does not wait for the last checkpoint: what it copies is committed
    /// already, readable and safe in the WAL. It goes on beside whatever comes next;
    /// [`Store::settle`] waits for it, and so do turning it on again and dropping the store.
    pub fn checkpoint_in_background(&mut self, on: bool) -> Result<()> {
        match (on, self.checkpointer.take()) {
            (true, Some(c)) => self.checkpointer = Some(c),
            (true, None) => {
                // One checkpoint thread at a time: a last run still going is waited for first.
                // Two would get in each other's way, and neither could empty the WAL file.
                self.settle();
                self.checkpointer = Some(db::Checkpointer::start(&self.conn, &self.path)?);
            }
            (false, Some(c)) => self.settling = Some(c.stop(&self.conn)?),
            (false, None) => {}
        }
        Ok(())
    }

    /// Waits until a checkpoint still running after [`Store::checkpoint_in_background`] was
    /// turned off is done: then every committed page is in the database file and the WAL
    /// file is emptied where no other connection was using it.
    pub fn settle(&mut self) {
        if let Some(mut c) = self.settling.take() {
            c.join();
        }
    }

    /// Whether a checkpoint still runs after [`Store::checkpoint_in_background`] was turned
    /// off (dropping the store then waits for it).
    pub fn settling(&self) -> bool {
        self.settling.as_ref().is_some_and(|c| !c.finished())
    }

    pub fn create<T: Entity + Validate>(&mut self, data: T) -> Result<Row<T>> {
        self.write(None, |w| w.create(data))
    }

    pub fn update<T: Entity + Validate>(&mut self, id: &str, data: T) -> Result<Row<T>> {
        self.write(None, |w| w.update(id, data))
    }

    /// An update with a documented reason, recorded in the change log (needed, e.g., to retire
    /// an earmarked item).
    pub fn update_with_reason<T: Entity + Validate>(&mut self, id: &str, data: T, reason: &str) -> Result<Row<T>> {
        self.write(None, |w| {
            w.set_reason(Some(reason.to_owned()));
            if w.reason.is_none() {
                return Err(CoreError::field("reason", "required", "Die Begründung muss angegeben werden."));
            }
            w.update(id, data)
        })
    }

    pub fn delete<T: Entity + Validate>(&mut self, id: &str) -> Result<()> {
        self.write(None, |w| w.delete::<T>(id))
    }

    pub fn undelete<T: Entity + Validate>(&mut self, id: &str) -> Result<Row<T>> {
        self.write(None, |w| w.undelete::<T>(id))
    }

    pub fn get<T: Entity>(&self, id: &str) -> Result<Row<T>> {
        get_row::<T>(&self.conn, id)?.ok_or_else(|| CoreError::not_found(T::INFO.name, id))
    }

    /// Online backup into `out`.
    pub fn backup(&self, out: &Path) -> Result<()> {
        db::backup_to(&self.conn, out)
    }

    /// Replaces the whole database with a verified backup (the current content is saved next to
    /// the database first).
    pub fn restore(&mut self, file: &Path) -> Result<()> {
        self.restore_with_progress(file, &mut |_| {})
    }

    /// [`Self::restore`] that tells `progress` what it is doing. The backup is checked once,
    /// before anything is written.
    pub fn restore_with_progress(&mut self, file: &Path, progress: &mut dyn FnMut(db::RestoreStep)) -> Result<()> {
        progress(db::RestoreStep::Check);
        db::verify_backup(file)?;
        // The file is about to be replaced: no checkpoint of the old content beside that.
        self.settle();
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S");
        let safety = self.path.with_extension(format!("before-restore-{stamp}.bak.sqlite"));
        db::copy_reporting(&self.conn, &safety, &mut |done, total| {
            progress(db::RestoreStep::SaveCurrent { done, total })
        })?;
        db::restore_verified(&mut self.conn, file, &mut |done, total| progress(db::RestoreStep::Copy { done, total }))?;
        self.clock = Clock::load(&self.conn)?;
        Ok(())
    }
}

/// A write transaction. Obtained from [`Store::write`].
pub struct Writer<'a> {
    pub(crate) tx: rusqlite::Transaction<'a>,
    pub(crate) clock: &'a Clock,
    author: &'a str,
    next_seq: i64,
    pub(crate) last_hlc: Option<Hlc>,
    source_id: Option<String>,
    today: NaiveDate,
    pub(crate) places: PlaceCache,
    /// Rows staged in temp.pending_search, not yet in the FTS5 index.
    pending_search: std::cell::Cell<usize>,
    /// The sequence number at the start of the open step, if one is open.
    step_seq: Option<i64>,
    /// Staged search rows at the start of the open step.
    step_pending: usize,
    /// The documented reason recorded with the following operations.
    reason: Option<String>,
}

/// Which rows keep a row alive: a row is not deleted while rows of these tables refer to it.
fn dependents(table: &str) -> &'static [(&'static str, &'static str)] {
    match table {
        "school_authorities" => {
            &[("schools", "authority_id"), ("allocations", "authority_id"), ("invoices", "authority_id")]
        }
        "schools" => &[
            ("buildings", "school_id"),
            ("rooms", "school_id"),
            ("devices", "school_id"),
            ("access_points", "school_id"),
            ("presentation_hardware", "school_id"),
            ("fibre_links", "school_id"),
            ("allocations", "school_id"),
            ("measures", "school_id"),
            ("invoice_lines", "school_id"),
            ("media_concepts", "school_id"),
        ],
        "buildings" => &[
            ("rooms", "building_id"),
            ("devices", "building_id"),
            ("access_points", "building_id"),
            ("presentation_hardware", "building_id"),
            ("fibre_links", "from_building_id"),
            ("fibre_links", "to_building_id"),
        ],
        "rooms" => &[("devices", "room_id"), ("access_points", "room_id"), ("presentation_hardware", "room_id")],
        "programmes" => {
            &[("allocations", "programme_id"), ("measures", "programme_id"), ("invoice_lines", "programme_id")]
        }
        "invoices" => &[("invoice_lines", "invoice_id")],
        "invoice_lines" => &[("invoice_items", "line_id")],
        _ => &[],
    }
}

impl Writer<'_> {
    pub fn today(&self) -> NaiveDate {
        self.today
    }

    /// Read access inside the transaction (sees this transaction's writes, the search index
    /// included).
    pub fn conn(&self) -> Result<&Connection> {
        self.flush_search()?;
        Ok(&self.tx)
    }

    /// Read access inside the transaction for queries that do not read the search index: it
    /// leaves staged search entries staged, so a long import writes the index in few large
    /// batches instead of one small segment per row.
    pub fn read(&self) -> &Connection {
        &self.tx
    }

    pub(crate) fn check<T: Validate>(&self, data: &T, id: Option<&str>) -> Result<()> {
        let ctx = Ctx { conn: &self.tx, today: self.today, places: &self.places };
        let errors = data.validate(&ctx, id)?;
        if errors.is_empty() {
            Ok(())
        } else {
            Err(CoreError::validation(errors))
        }
    }

    pub fn create<T: Entity + Validate>(&mut self, mut data: T) -> Result<Row<T>> {
        data.normalize();
        self.check(&data, None)?;
        let info = T::INFO;
        let id = uuid::Uuid::now_v7().to_string();
        let fields = field_map(&data, info)?;
        let hlc = self.clock.now();
        let ts = hlc.to_rfc3339();

        let cols = info.columns.join(", ");
        let marks = (0..info.columns.len()).map(|i| format!("?{}", i + 2)).collect::<Vec<_>>().join(", ");
        let n = info.columns.len();
        let sql = format!(
            "INSERT INTO {} (id, {cols}, created_at, updated_at, deleted_at) VALUES (?1, {marks}, ?{}, ?{}, NULL)",
            info.table,
            n + 2,
            n + 2
        );
        let mut values: Vec<SqlValue> = Vec::with_capacity(n + 2);
        values.push(SqlValue::Text(id.clone()));
        values.extend(info.columns.iter().map(|c| to_sql(&fields[*c])));
        values.push(SqlValue::Text(ts.clone()));
        self.tx.prepare_cached(&sql)?.execute(rusqlite::params_from_iter(values)).map_err(constraint_error)?;
        let rowid = self.tx.last_insert_rowid();
        let text = |c: &str| fields.get(c).and_then(Value::as_str);
        record_inventory_number(&self.tx, info, rowid, &id, text("school_id"), text("inventory_number"))
            .map_err(constraint_error)?;
        // A create logs the fields that have a value; an absent field is null.
        let logged: Map<String, Value> = fields.into_iter().filter(|(_, v)| !v.is_null()).collect();
        self.log(info, &id, &Value::Object(logged), Map::new(), &hlc)?;
        self.index(&data, &id, rowid, true)?;
        Ok(Row { id, data, created_at: ts.clone(), updated_at: ts, deleted_at: None })
    }

    /// Writes the fields of `data` that differ from the stored row as one operation. Unchanged
    /// input writes nothing.
    pub fn update<T: Entity + Validate>(&mut self, id: &str, mut data: T) -> Result<Row<T>> {
        data.normalize();
        let current = get_row::<T>(&self.tx, id)?
            .filter(|r| r.deleted_at.is_none())
            .ok_or_else(|| CoreError::not_found(T::INFO.name, id))?;
        self.check(&data, Some(id))?;
        let info = T::INFO;
        let old = field_map(&current.data, info)?;
        let new = field_map(&data, info)?;
        let mut changed: Map<String, Value> =
            new.iter().filter(|(k, v)| old.get(*k) != Some(*v)).map(|(k, v)| (k.clone(), v.clone())).collect();
        if changed.is_empty() {
            return Ok(current);
        }
        for group in crate::entity::tied_fields(info.name) {
            if group.iter().any(|f| changed.contains_key(*f)) {
                for f in group.iter() {
                    if let Some(v) = new.get(*f) {
                        changed.entry(f.to_string()).or_insert_with(|| v.clone());
                    }
                }
            }
        }
        self.check_earmark(info, id, &changed)?;
        let hlc = self.set_fields(info, id, &changed)?;
        self.index(&data, id, rowid_of(&self.tx, info, id)?, false)?;
        Ok(Row { data, updated_at: hlc.to_rfc3339(), ..current })
    }

    /// Soft-deletes a row. Refused while other rows still refer to it.
    pub fn delete<T: Entity + Validate>(&mut self, id: &str) -> Result<()> {
        let info = T::INFO;
        let current = get_row::<T>(&self.tx, id)?
            .filter(|r| r.deleted_at.is_none())
            .ok_or_else(|| CoreError::not_found(info.name, id))?;
        for (table, column) in dependents(info.table) {
            let n: i64 = self.tx.query_row(
                &format!("SELECT count(*) FROM {table} WHERE {column} = ?1 AND deleted_at IS NULL"),
                [id],
                |r| r.get(0),
            )?;
            if n > 0 {
                return Err(CoreError::field(
                    "id",
                    "has_dependents",
                    format!(
                        "„{}“ kann nicht gelöscht werden, solange noch {n} zugeordnete Einträge bestehen.",
                        current.data.title()
                    ),
                ));
            }
        }
        let now = self.clock.now();
        let mut f = Map::new();
        f.insert("deleted_at".into(), Value::String(now.to_rfc3339()));
        self.set_fields_at(info, id, &f, now)?;
        if let Some(code) = info.search_code {
            let rowid = rowid_of(&self.tx, info, id)?;
            self.unindex(fts_rowid(code, rowid))?;
        }
        Ok(())
    }

    /// Brings a soft-deleted row back, if it is still valid (its number may have been reused).
    pub fn undelete<T: Entity + Validate>(&mut self, id: &str) -> Result<Row<T>> {
        let info = T::INFO;
        let current = get_row::<T>(&self.tx, id)?.ok_or_else(|| CoreError::not_found(info.name, id))?;
        if current.deleted_at.is_none() {
            return Ok(current);
        }
        self.check(&current.data, Some(id))?;
        let mut f = Map::new();
        f.insert("deleted_at".into(), Value::Null);
        let hlc = self.set_fields(info, id, &f)?;
        self.index(&current.data, id, rowid_of(&self.tx, info, id)?, false)?;
        Ok(Row { deleted_at: None, updated_at: hlc.to_rfc3339(), ..current })
    }

    /// Runs `f` as one all-or-nothing step inside the transaction: if it fails, everything it
    /// wrote (rows, operations, search entries) is undone and the transaction goes on. An import
    /// uses this per sheet row, so a bad row never leaves half of itself behind.
    pub fn attempt<R>(&mut self, f: impl FnOnce(&mut Self) -> Result<R>) -> Result<R> {
        self.begin_step()?;
        match f(self) {
            Ok(out) => {
                self.end_step(true)?;
                Ok(out)
            }
            Err(e) => {
                self.end_step(false)?;
                Err(e)
            }
        }
    }

    /// Starts an all-or-nothing step (see [`Writer::attempt`]); steps do not nest.
    pub fn begin_step(&mut self) -> Result<()> {
        // Staged search rows stay staged: flushing them here would write one FTS segment per
        // step. A rollback restores the staging table (a temp table, inside the savepoint too).
        // Cached statements: parsing these per row showed in the import's profile.
        self.tx.prepare_cached("SAVEPOINT step")?.execute([])?;
        self.step_seq = Some(self.next_seq);
        self.step_pending = self.pending_search.get();
        Ok(())
    }

    /// Ends the step: keeps its writes, or undoes them all.
    pub fn end_step(&mut self, keep: bool) -> Result<()> {
        let Some(seq) = self.step_seq.take() else {
            return Err(CoreError::Database { message: "Interner Fehler: Schritt ohne Beginn beendet.".into() });
        };
        if keep {
            self.tx.prepare_cached("RELEASE step")?.execute([])?;
        } else {
            self.tx.prepare_cached("ROLLBACK TO step")?.execute([])?;
            self.tx.prepare_cached("RELEASE step")?.execute([])?;
            // The undone operations' sequence numbers are handed out again, so a replica's
            // sequence stays without gaps; staged search rows were undone with the rest.
            self.next_seq = seq;
            self.pending_search.set(self.step_pending);
            self.places.borrow_mut().clear();
        }
        Ok(())
    }

    /// Records `reason` with the following operations of this transaction (None: no reason).
    pub fn set_reason(&mut self, reason: Option<String>) {
        self.reason = reason.map(|r| r.trim().to_owned()).filter(|r| !r.is_empty());
    }

    /// Retiring an item or moving it to another school or room while it is earmarked (funded by
    /// a programme whose earmarking period has not ended) needs a documented reason.
    fn check_earmark(&self, info: &EntityInfo, id: &str, changed: &Map<String, Value>) -> Result<()> {
        if !matches!(info.name, "device" | "access_point" | "presentation_hardware") || self.reason.is_some() {
            return Ok(());
        }
        let retiring = changed.get("status").and_then(Value::as_str) == Some("retired");
        let moving = changed.contains_key("school_id") || changed.contains_key("room_id");
        if !retiring && !moving {
            return Ok(());
        }
        let earmark: Option<(String, String)> = self
            .tx
            .prepare_cached(
                "SELECT date(i.invoice_date, '+' || p.earmark_years || ' years') AS until, coalesce(p.short_name, p.name)
                 FROM invoice_items x
                 JOIN invoice_lines l ON l.id = x.line_id AND l.deleted_at IS NULL
                 JOIN invoices i ON i.id = l.invoice_id AND i.deleted_at IS NULL
                 JOIN programmes p ON p.id = l.programme_id
                 WHERE x.item_id = ?1 AND x.deleted_at IS NULL AND p.earmark_years > 0
                 ORDER BY until DESC LIMIT 1",
            )?
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let Some((until, programme)) = earmark else { return Ok(()) };
        let Ok(until) = NaiveDate::parse_from_str(&until, "%Y-%m-%d") else { return Ok(()) };
        if until <= self.today {
            return Ok(());
        }
        let (field, what) = if retiring { ("status", "ausgemustert") } else { ("room_id", "umgesetzt") };
        Err(CoreError::field(
            field,
            "earmarked",
            format!(
                "Der Gegenstand ist aus „{programme}“ gefördert und bis {} zweckgebunden. Er kann nur mit einer \
                 dokumentierten Begründung {what} werden.",
                until.format("%d.%m.%Y")
            ),
        ))
    }

    /// The id of the change source (import file, bundle …) this transaction records, if any.
    pub fn source_id(&self) -> Option<&str> {
        self.source_id.as_deref()
    }

    pub fn get<T: Entity>(&self, id: &str) -> Result<Row<T>> {
        get_row::<T>(&self.tx, id)?.ok_or_else(|| CoreError::not_found(T::INFO.name, id))
    }

    pub(crate) fn set_fields(&mut self, info: &EntityInfo, id: &str, fields: &Map<String, Value>) -> Result<Hlc> {
        let hlc = self.clock.now();
        self.set_fields_at(info, id, fields, hlc.clone())?;
        Ok(hlc)
    }

    pub(crate) fn set_fields_at(
        &mut self,
        info: &EntityInfo,
        id: &str,
        fields: &Map<String, Value>,
        hlc: Hlc,
    ) -> Result<()> {
        if matches!(info.table, "schools" | "buildings" | "rooms") {
            self.places.borrow_mut().clear();
        }
        let mut prev = self.field_versions(info, id, fields)?;
        if fields.get("deleted_at").is_some_and(Value::is_string) {
            // A delete also records the row's latest version it saw, so an edit made elsewhere
            // that it did not know of can be told apart from one it overrode knowingly.
            let seen: Option<String> = self
                .tx
                .prepare_cached("SELECT max(hlc) FROM change_log WHERE entity = ?1 AND row_id = ?2")?
                .query_row(params![info.name, id], |r| r.get(0))?;
            if let Some(seen) = seen {
                prev.insert(crate::apply::ROW_VERSION.into(), Value::String(seen));
            }
        }
        let sets = fields.keys().enumerate().map(|(i, k)| format!("{k} = ?{}", i + 3)).collect::<Vec<_>>().join(", ");
        let sql = format!("UPDATE {} SET updated_at = ?2, {sets} WHERE id = ?1", info.table);
        let mut values = vec![SqlValue::Text(id.to_owned()), SqlValue::Text(hlc.to_rfc3339())];
        values.extend(fields.values().map(to_sql));
        self.tx.prepare_cached(&sql)?.execute(rusqlite::params_from_iter(values)).map_err(constraint_error)?;
        self.log(info, id, &Value::Object(fields.clone()), prev, &hlc)?;
        match crate::entity::by_name(info.name) {
            Some(info) => self.after_local_write(info, id),
            None => Ok(()),
        }
    }

    /// For each field, the HLC of the operation that wrote its current value; null for the value
    /// a row had before any operation, which only rows the migrations seed (the programme
    /// catalogue) have: they were not created by an operation, so every replica names their
    /// first version alike.
    fn field_versions(&self, info: &EntityInfo, id: &str, fields: &Map<String, Value>) -> Result<Map<String, Value>> {
        let mut prev: Map<String, Value> = fields.keys().map(|k| (k.clone(), Value::Null)).collect();
        let mut missing = prev.len();
        let mut stmt = self
            .tx
            .prepare_cached(
                "SELECT hlc, fields, prev = '{}' AND fields <> '{}' FROM change_log WHERE entity = ?1 AND row_id = ?2 ORDER BY hlc DESC",
            )?;
        let mut rows = stmt.query(params![info.name, id])?;
        let mut created: Option<String> = None;
        while let Some(r) = rows.next()? {
            if missing == 0 {
                break;
            }
            let hlc: String = r.get(0)?;
            // Only a create names no previous versions; it is the row's oldest operation.
            if r.get(2)? {
                created = Some(hlc.clone());
            }
            let f: String = r.get(1)?;
            let f: Map<String, Value> = serde_json::from_str(&f)?;
            for k in f.keys() {
                if let Some(slot) = prev.get_mut(k) {
                    if slot.is_null() {
                        *slot = Value::String(hlc.clone());
                        missing -= 1;
                    }
                }
            }
        }
        // A field no operation names has held null since the row was created: the create wrote
        // that version. A seeded row has no create; its fields' first versions stay null (not the
        // oldest operation this replica happens to hold, which another replica may lack).
        if missing > 0 {
            if let Some(created) = created {
                prev.values_mut().filter(|v| v.is_null()).for_each(|v| *v = Value::String(created.clone()));
            }
        }
        Ok(prev)
    }

    fn log(&mut self, info: &EntityInfo, id: &str, fields: &Value, prev: Map<String, Value>, hlc: &Hlc) -> Result<()> {
        let seq = self.next_seq;
        self.next_seq += 1;
        let fields = fields.to_string();
        self.tx
            .prepare_cached(
                "INSERT INTO change_log(origin_node, origin_seq, hlc, entity, row_id, fields, prev, author, schema_version, source_id, reason)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?
            .execute(params![
                self.clock.node(),
                seq,
                hlc.0,
                info.name,
                id,
                fields,
                Value::Object(prev).to_string(),
                self.author,
                db::SCHEMA_VERSION,
                self.source_id,
                self.reason,
            ])?;
        erase_loan_holders(&self.tx, info.name, self.tx.last_insert_rowid(), id, &hlc.0, &fields)?;
        self.last_hlc = Some(hlc.clone());
        Ok(())
    }

    /// Writes the row's search entry; `fresh` rows have none to replace yet.
    pub(crate) fn index<T: Entity>(&mut self, data: &T, id: &str, rowid: i64, fresh: bool) -> Result<()> {
        match SearchEntry::of(data, id) {
            Some(entry) => self.stage_search(T::INFO, id, rowid, fresh, &entry),
            None => Ok(()),
        }
    }

    /// Writes a search entry worked out beforehand (see [`SearchEntry::of`]).
    pub(crate) fn stage_search(
        &mut self,
        info: &EntityInfo,
        id: &str,
        rowid: i64,
        fresh: bool,
        entry: &SearchEntry,
    ) -> Result<()> {
        let Some(code) = info.search_code else { return Ok(()) };
        let key = fts_rowid(code, rowid);
        if !fresh {
            self.unindex(key)?;
        }
        self.tx
            .prepare_cached(
                "INSERT INTO temp.pending_search(rowid, entity, row_id, school_id, title, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![key, info.name, id, entry.school, entry.title, entry.body])?;
        self.pending_search.set(self.pending_search.get() + 1);
        // Bounded staging: memory stays flat however many rows one transaction writes.
        if self.pending_search.get() >= 20_000 {
            self.flush_search()?;
        }
        Ok(())
    }

    pub(crate) fn unindex(&self, key: i64) -> Result<()> {
        // The entry is either still staged (written by this transaction) or in the index.
        let staged = self.tx.prepare_cached("DELETE FROM temp.pending_search WHERE rowid = ?1")?.execute([key])?;
        if staged > 0 {
            self.pending_search.set(self.pending_search.get().saturating_sub(staged));
        } else {
            self.tx.prepare_cached("DELETE FROM search_index WHERE rowid = ?1")?.execute([key])?;
        }
        Ok(())
    }

    /// Moves staged search entries into the FTS5 index in one statement. FTS5 flushes its
    /// in-memory buffer at every statement that writes to it, so one INSERT per row would write
    /// a tiny index segment per row and merge them over and over.
    fn flush_search(&self) -> Result<()> {
        if self.pending_search.get() > 0 {
            self.tx.execute_batch(
                "INSERT INTO search_index(rowid, entity, row_id, school_id, title, body)
                   SELECT rowid, entity, row_id, school_id, title, body FROM temp.pending_search;
                 DELETE FROM temp.pending_search;",
            )?;
            self.pending_search.set(0);
        }
        Ok(())
    }
}

/// A row's search entry as it is staged: the columns of `search_index` that come from the row.
/// It depends on the row's data alone, so it can be worked out before the row is written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SearchEntry {
    school: Option<String>,
    title: String,
    /// The searchable text, folded (see [`fold`]).
    body: String,
}

impl SearchEntry {
    /// The entry of row `id` holding `data`; none for rows without one.
    pub(crate) fn of<T: Entity>(data: &T, id: &str) -> Option<SearchEntry> {
        T::INFO.search_code?;
        let text = data.search_text()?;
        let school = if T::INFO.school_column == Some("id") { Some(id) } else { data.school_id() };
        Some(SearchEntry { school: school.map(str::to_owned), title: data.title(), body: fold(&text) })
    }
}

pub(crate) fn fts_rowid(code: i64, rowid: i64) -> i64 {
    (code << 40) | rowid
}

pub(crate) fn rowid_of(conn: &Connection, info: &EntityInfo, id: &str) -> Result<i64> {
    Ok(conn.prepare_cached(&by_id_sql(info).rowid)?.query_row([id], |r| r.get(0))?)
}

/// The row's rowid, if the row exists.
pub(crate) fn find_rowid(conn: &Connection, info: &EntityInfo, id: &str) -> rusqlite::Result<Option<i64>> {
    conn.prepare_cached(&by_id_sql(info).rowid)?.query_row([id], |r| r.get(0)).optional()
}

/// The entity's fields as a JSON object keyed by column.
pub(crate) fn field_map<T: Entity>(data: &T, info: &EntityInfo) -> Result<Map<String, Value>> {
    let Value::Object(mut map) = serde_json::to_value(data)? else {
        return Err(CoreError::Database { message: "Interner Fehler: Datensatz ist kein Objekt.".into() });
    };
    map.retain(|k, _| info.columns.contains(&k.as_str()));
    debug_assert_eq!(map.len(), info.columns.len(), "columns of {} out of step with its struct", info.name);
    Ok(map)
}

pub(crate) fn to_sql(v: &Value) -> SqlValue {
    match v {
        Value::Null => SqlValue::Null,
        Value::Bool(b) => SqlValue::Integer(i64::from(*b)),
        Value::Number(n) => {
            n.as_i64().map(SqlValue::Integer).unwrap_or_else(|| SqlValue::Real(n.as_f64().unwrap_or(0.0)))
        }
        Value::String(s) => SqlValue::Text(s.clone()),
        other => SqlValue::Text(other.to_string()),
    }
}

pub(crate) fn from_sql(v: rusqlite::types::ValueRef<'_>) -> Value {
    use rusqlite::types::ValueRef;
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::from(i),
        ValueRef::Real(f) => Value::from(f),
        ValueRef::Text(t) => Value::String(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(_) => Value::Null,
    }
}

/// `SELECT` list of an entity's full row in [`Row`] order.
pub(crate) fn select_list(info: &EntityInfo, alias: &str) -> String {
    let mut cols = vec![format!("{alias}.id")];
    cols.extend(info.columns.iter().map(|c| format!("{alias}.{c}")));
    cols.extend(["created_at", "updated_at", "deleted_at"].iter().map(|c| format!("{alias}.{c}")));
    cols.join(", ")
}

/// Reads one result row produced by [`select_list`] into a typed [`Row`].
pub(crate) fn read_row<T: Entity>(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row<T>> {
    let info = T::INFO;
    let mut map = Map::with_capacity(info.columns.len() + 4);
    map.insert("id".into(), from_sql(r.get_ref(0)?));
    for (i, c) in info.columns.iter().enumerate() {
        map.insert((*c).into(), from_sql(r.get_ref(i + 1)?));
    }
    let n = info.columns.len();
    for (i, c) in ["created_at", "updated_at", "deleted_at"].iter().enumerate() {
        map.insert((*c).into(), from_sql(r.get_ref(n + 1 + i)?));
    }
    serde_json::from_value(Value::Object(map))
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e)))
}

/// The statements that read one row by id, per entity, built once: they are the store's most
/// frequent queries (every write reads its row, every synced row is looked up).
#[derive(Clone)]
struct ByIdSql {
    /// `SELECT <select_list> FROM <table> t WHERE t.id = ?1`
    row: String,
    /// `SELECT rowid FROM <table> WHERE id = ?1`
    rowid: String,
}

fn by_id_sql(info: &EntityInfo) -> std::borrow::Cow<'static, ByIdSql> {
    static SQL: std::sync::OnceLock<std::collections::HashMap<&'static str, ByIdSql>> = std::sync::OnceLock::new();
    let build = |info: &EntityInfo| ByIdSql {
        row: format!("SELECT {} FROM {} t WHERE t.id = ?1", select_list(info, "t"), info.table),
        rowid: format!("SELECT rowid FROM {} WHERE id = ?1", info.table),
    };
    let all = SQL.get_or_init(|| crate::entity::ALL.iter().map(|i| (i.table, build(i))).collect());
    match all.get(info.table) {
        Some(sql) => std::borrow::Cow::Borrowed(sql),
        None => std::borrow::Cow::Owned(build(info)),
    }
}

/// Records the inventory number of the live item just inserted (row `id` at `rowid`, of
/// `school_id`) in `inventory_numbers`, whose primary key refuses a number its Schulträger
/// already uses (see migration 0009). Other tables and items without a number record nothing.
/// If recording fails, the row is taken out again: the INSERT and its record stand or fall
/// together. One row inserted with VALUES, so neither statement needs a statement journal.
pub(crate) fn record_inventory_number(
    conn: &Connection,
    info: &EntityInfo,
    rowid: i64,
    id: &str,
    school_id: Option<&str>,
    number: Option<&str>,
) -> rusqlite::Result<()> {
    if !matches!(info.table, "devices" | "access_points" | "presentation_hardware") {
        return Ok(());
    }
    let (Some(school_id), Some(number)) = (school_id, number) else { return Ok(()) };
    let recorded = conn
        .prepare_cached(
            "INSERT INTO inventory_numbers(authority_id, inventory_number, entity, row_id)
             VALUES ((SELECT authority_id FROM schools WHERE id = ?1), ?2, ?3, ?4)",
        )?
        .execute(params![school_id, number, info.name, id]);
    if let Err(e) = recorded {
        conn.prepare_cached(&format!("DELETE FROM {} WHERE rowid = ?1", info.table))?.execute([rowid])?;
        return Err(e);
    }
    Ok(())
}

/// After an operation of `entity` (`fields`, change-log entry `seq`) is logged; only a loan's
/// does anything. Erasing a holder's name (GDPR Art. 17) removes it from the change log as well,
/// not only from the loan row, or the history, conflicts, bundles and the hub would keep serving
/// it. An erasing operation (`holder_erased` true) blanks `holder_name` in every operation of the
/// same loan up to its own time stamp; an older operation that arrives after it (a stale bundle,
/// a slow replica) is blanked as it is logged. Runs inside the writing transaction, the same on
/// every replica and on the hub, whatever order the operations come in (until migration 0009,
/// two triggers did).
pub(crate) fn erase_loan_holders(
    conn: &Connection,
    entity: &str,
    seq: i64,
    loan: &str,
    hlc: &str,
    fields: &str,
) -> rusqlite::Result<()> {
    if entity != "loan" {
        return Ok(());
    }
    conn.prepare_cached(
        "UPDATE change_log SET fields = json_set(fields, '$.holder_name', NULL)
         WHERE json_extract(?3, '$.holder_erased') = 1
           AND entity = 'loan' AND row_id = ?1 AND hlc <= ?2 AND json_type(fields, '$.holder_name') = 'text'",
    )?
    .execute(params![loan, hlc, fields])?;
    conn.prepare_cached(
        "UPDATE change_log SET fields = json_set(fields, '$.holder_name', NULL)
         WHERE seq = ?3 AND json_type(fields, '$.holder_name') = 'text'
           AND EXISTS (SELECT 1 FROM change_log e WHERE e.entity = 'loan' AND e.row_id = ?1
                       AND e.hlc >= ?2 AND json_extract(e.fields, '$.holder_erased') = 1)",
    )?
    .execute(params![loan, hlc, seq])?;
    Ok(())
}

/// What [`erase_loan_holders`] does for each operation, for the whole log at once: blanks
/// `holder_name` in every operation of a loan that an erasing operation of the same loan at the
/// same or a later time stamp follows. The same result, in whatever order the operations were
/// logged; for a batch logged into an empty log before its indexes are built.
pub(crate) fn erase_loan_holders_in_log(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE change_log SET fields = json_set(fields, '$.holder_name', NULL)
         WHERE entity = 'loan' AND json_type(fields, '$.holder_name') = 'text'
           AND EXISTS (SELECT 1 FROM change_log e WHERE e.entity = 'loan' AND e.row_id = change_log.row_id
                       AND e.hlc >= change_log.hlc AND json_extract(e.fields, '$.holder_erased') = 1)",
        [],
    )?;
    Ok(())
}

pub(crate) fn get_row<T: Entity>(conn: &Connection, id: &str) -> Result<Option<Row<T>>> {
    Ok(conn.prepare_cached(&by_id_sql(T::INFO).row)?.query_row([id], read_row::<T>).optional()?)
}

/// Turns a constraint violation the validation did not foresee (a race with another process)
/// into a German validation error instead of a raw SQLite message.
pub(crate) fn constraint_error(e: rusqlite::Error) -> CoreError {
    if let rusqlite::Error::SqliteFailure(f, msg) = &e {
        if f.code == rusqlite::ErrorCode::ConstraintViolation {
            let m = msg.clone().unwrap_or_default();
            let field = if m.contains("inventory_number") {
                "inventory_number"
            } else if m.contains("serial") {
                "serial_number"
            } else if m.contains("mac") {
                "mac_address"
            } else if m.contains("school_number") {
                "school_number"
            } else {
                "id"
            };
            return CoreError::field(field, "constraint", format!("Die Datenbank lehnt den Wert ab ({m})."));
        }
    }
    e.into()
}
