//! The one way to open a Schulinventar database: pragmas, schema check, migrations (with an
//! automatic backup first), and online backup/restore.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};
use serde::Serialize;

use crate::error::{CoreError, Result};

/// `PRAGMA application_id` of our files ("SCHI"), so that a foreign SQLite file is recognised.
pub const APPLICATION_ID: i64 = 0x5343_4849;

/// Append-only list of schema migrations; the index + 1 is the schema version.
pub const MIGRATIONS: &[&str] = &[
    include_str!("../../../migrations/0001_initial.sql"),
    include_str!("../../../migrations/0002_imports.sql"),
    include_str!("../../../migrations/0003_funding.sql"),
    include_str!("../../../migrations/0004_parked.sql"),
    include_str!("../../../migrations/0005_purge.sql"),
    include_str!("../../../migrations/0006_unwritten.sql"),
    include_str!("../../../migrations/0007_serial_index.sql"),
    include_str!("../../../migrations/0008_loan_erasure.sql"),
    include_str!("../../../migrations/0009_store_kept.sql"),
    include_str!("../../../migrations/0010_change_log_edits.sql"),
    include_str!("../../../migrations/0011_check_lists.sql"),
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Where the desktop app and the CLI keep their database unless told otherwise:
/// `$SCHULINVENTAR_DB`, else `<platform data dir>/Schulinventar/schulinventar.sqlite`.
pub fn default_db_path() -> PathBuf {
    if let Some(p) = std::env::var_os("SCHULINVENTAR_DB").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    directories::ProjectDirs::from("de", "Schulinventar", "Schulinventar")
        .map(|d| d.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from("."))
        .join("schulinventar.sqlite")
}

/// Bytes the WAL file keeps when it starts over (`PRAGMA journal_size_limit`).
pub const WAL_SIZE_LIMIT: i64 = 64 << 20;

fn set_pragmas(conn: &Connection) -> Result<()> {
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.set_prepared_statement_cache_capacity(256);
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Statement journals and temporary indexes in memory: on disk they cost a write per page touched.
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    // 32 MB page cache.
    conn.pragma_update(None, "cache_size", -32_000)?;
    // A large write (a bundle, an initial sync) makes the WAL file as large as everything it
    // wrote; when the WAL starts over, it is cut back to this size instead of keeping the space.
    conn.pragma_update(None, "journal_size_limit", WAL_SIZE_LIMIT)?;
    Ok(())
}

fn header(conn: &Connection) -> Result<(i64, i64, i64)> {
    let app: i64 = conn.pragma_query_value(None, "application_id", |r| r.get(0))?;
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let tables: i64 = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
    Ok((app, version, tables))
}

/// Checks that the connection holds a Schulinventar database this build can use.
fn check_ours(conn: &Connection, supported: i64) -> Result<i64> {
    let (app, version, tables) = header(conn)?;
    if app != APPLICATION_ID && !(app == 0 && version == 0 && tables == 0) {
        return Err(CoreError::InvalidBackup { message: "Die Datei ist keine Schulinventar-Datenbank.".into() });
    }
    if version > supported {
        return Err(CoreError::SchemaTooNew {
            message: format!(
                "Die Datenbank wurde mit einer neueren Version von Schulinventar erstellt \
                 (Schema {version}, diese Version kennt bis {supported}). \
                 Bitte aktualisieren Sie Schulinventar."
            ),
            found: version,
            supported,
        });
    }
    Ok(version)
}

/// Opens (creating if needed) the database at `path`: sets the pragmas, refuses files that are
/// not ours or are newer than this build, backs the file up and migrates it if it is older.
pub fn open_connection(path: &Path) -> Result<Connection> {
    open_with_migrations(path, MIGRATIONS)
}

/// [`open_connection`] with an explicit migration list, so tests can play a future upgrade.
#[doc(hidden)]
pub fn open_with_migrations(path: &Path, migrations: &[&str]) -> Result<Connection> {
    open_reporting(path, migrations, &mut |_| {})
}

/// What a restore is doing, for a progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestoreStep {
    /// Checking the backup file (format, version, integrity) before anything is changed.
    Check,
    /// Saving the current database next to it: `done` of `total` pages.
    SaveCurrent { done: u32, total: u32 },
    /// Copying the backup in: `done` of `total` pages.
    Copy { done: u32, total: u32 },
}

/// What opening a database is busy with, for a progress display. Only an upgrade takes long: the
/// file is copied first (in pages of the database), then each pending migration runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum OpenStep {
    /// Copying the file before the upgrade: `done` of `total` pages.
    Backup { done: u32, total: u32 },
    /// Running the upgrade to schema version `number`, the last one being `last`.
    Migrate { number: u32, last: u32 },
}

/// [`open_connection`] that tells `progress` about the backup and each migration of an upgrade.
pub fn open_with_progress(path: &Path, progress: &mut dyn FnMut(OpenStep)) -> Result<Connection> {
    open_reporting(path, MIGRATIONS, progress)
}

fn open_reporting(path: &Path, migrations: &[&str], progress: &mut dyn FnMut(OpenStep)) -> Result<Connection> {
    let latest = migrations.len() as i64;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let existed = path.exists() && std::fs::metadata(path)?.len() > 0;
    let mut conn = Connection::open(path)?;
    set_pragmas(&conn).map_err(|e| match e {
        CoreError::Database { .. } => CoreError::InvalidBackup {
            message: format!("„{}“ ist keine lesbare SQLite-Datenbank.", path.display()),
        },
        e => e,
    })?;
    let version = check_ours(&conn, latest)?;
    if version < latest {
        if existed && version > 0 {
            let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S");
            let bak = path.with_extension(format!("v{version}-{stamp}.bak.sqlite"));
            copy_reporting(&conn, &bak, &mut |done, total| progress(OpenStep::Backup { done, total }))?;
        }
        for (i, sql) in migrations.iter().enumerate().skip(version as usize) {
            progress(OpenStep::Migrate { number: i as u32 + 1, last: latest as u32 });
            migrate_to(&mut conn, sql, i as i64 + 1)?;
        }
    }
    Ok(conn)
}

fn migrate(conn: &mut Connection, migrations: &[&str], from: i64) -> Result<()> {
    for (i, sql) in migrations.iter().enumerate().skip(from as usize) {
        migrate_to(conn, sql, i as i64 + 1)?;
    }
    Ok(())
}

/// Runs one migration, which brings the file to `version`, in a transaction of its own.
fn migrate_to(conn: &mut Connection, sql: &str, version: i64) -> Result<()> {
    let tx = conn.transaction()?;
    tx.execute_batch(sql)?;
    tx.pragma_update(None, "user_version", version)?;
    tx.pragma_update(None, "application_id", APPLICATION_ID)?;
    tx.commit()?;
    Ok(())
}

/// Online backup of the open database into a new file (replaced if it exists).
pub fn backup_to(conn: &Connection, out: &Path) -> Result<()> {
    copy_reporting(conn, out, &mut |_, _| {})
}

/// [`backup_to`], telling `progress` the pages copied and the pages in all after each step.
pub(crate) fn copy_reporting(conn: &Connection, out: &Path, progress: &mut dyn FnMut(u32, u32)) -> Result<()> {
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = out.with_extension("partial");
    let _ = std::fs::remove_file(&tmp);
    {
        let mut dst = Connection::open(&tmp)?;
        run_backup(&Backup::new(conn, &mut dst)?, progress)?;
    }
    std::fs::rename(&tmp, out)?;
    Ok(())
}

/// Runs an online backup to its end, telling `progress` the pages copied of all.
fn run_backup(backup: &Backup<'_, '_>, progress: &mut dyn FnMut(u32, u32)) -> Result<()> {
    /// 4 MiB with the default page size: a few dozen steps for a large school authority's file.
    const PAGES_PER_STEP: i32 = 1024;
    loop {
        let step = backup.step(PAGES_PER_STEP)?;
        let p = backup.progress();
        let total = p.pagecount.max(0) as u32;
        progress(total.saturating_sub(p.remaining.max(0) as u32), total);
        match step {
            StepResult::Done => return Ok(()),
            StepResult::More => {}
            // Busy or locked: another connection holds the source; wait as `run_to_completion` does.
            _ => std::thread::sleep(Duration::from_millis(10)),
        }
    }
}

/// Checks a file offered for restore without changing it: readable SQLite, ours, intact, not newer.
pub fn verify_backup(file: &Path) -> Result<i64> {
    let bad = |why: &str| CoreError::InvalidBackup {
        message: format!("„{}“ kann nicht wiederhergestellt werden: {why}", file.display()),
    };
    if !file.is_file() {
        return Err(bad("Die Datei existiert nicht."));
    }
    let conn = Connection::open_with_flags(file, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|_| bad("Die Datei ist keine SQLite-Datenbank."))?;
    let (app, version, _) = header(&conn).map_err(|_| bad("Die Datei ist keine SQLite-Datenbank oder beschädigt."))?;
    if app != APPLICATION_ID {
        return Err(bad("Die Datei ist keine Schulinventar-Datenbank."));
    }
    if version > SCHEMA_VERSION {
        return Err(bad("Sie stammt von einer neueren Version von Schulinventar."));
    }
    let check: String = conn
        .query_row("PRAGMA integrity_check(1)", [], |r| r.get(0))
        .map_err(|_| bad("Die Integritätsprüfung ist fehlgeschlagen."))?;
    if check != "ok" {
        return Err(bad(&format!("Die Integritätsprüfung meldet: {check}")));
    }
    Ok(version)
}

/// Replaces the content of the open database with a backup file that [`verify_backup`] has
/// passed, then migrates it; `progress` is told the pages copied of all.
pub(crate) fn restore_verified(conn: &mut Connection, file: &Path, progress: &mut dyn FnMut(u32, u32)) -> Result<()> {
    let src = Connection::open_with_flags(file, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    run_backup(&Backup::new(&src, conn)?, progress)?;
    set_pragmas(conn)?;
    let version = check_ours(conn, SCHEMA_VERSION)?;
    migrate(conn, MIGRATIONS, version)
}

/// Copies committed pages from the WAL into the database file on a thread and connection of its
/// own, so that a long run of large writes (a sync pulling a whole Schulträger) does not wait at
/// each commit for the checkpoint SQLite would otherwise run there: on an initial sync of the
/// municipality demo those took a sixth of the time. The writing connection's automatic
/// checkpoints are off while this runs and come back with [`Checkpointer::stop`], which also
/// gives back the WAL file's space where it can.
pub(crate) struct Checkpointer {
    kick: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    /// The writing connection's `wal_autocheckpoint` before, restored on [`Checkpointer::stop`].
    autocheckpoint: i64,
}

impl Checkpointer {
    /// Starts checkpointing `path` beside `writer`, whose automatic checkpoints it turns off.
    pub(crate) fn start(writer: &Connection, path: &Path) -> Result<Checkpointer> {
        let conn =
            Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
        conn.busy_timeout(Duration::from_secs(5))?;
        let autocheckpoint = writer.pragma_query_value(None, "wal_autocheckpoint", |r| r.get(0))?;
        writer.pragma_update(None, "wal_autocheckpoint", 0)?;
        let (kick, kicked) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::Builder::new().name("checkpoint".into()).spawn(move || {
            // Kicks that came in meanwhile are covered by one checkpoint. A passive checkpoint
            // never waits for the writer; one that fails or stops short leaves the pages in the
            // WAL, where readers find them, for the next one (or the last connection's close).
            while kicked.recv().is_ok() {
                while kicked.try_recv().is_ok() {}
                let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
            }
            // The WAL file is as large as the whole run wrote (an initial sync: more than the
            // database). Cut to nothing if no one else is reading or writing just now; else
            // the next write that starts the WAL over cuts it to `WAL_SIZE_LIMIT`.
            let _ = conn.busy_timeout(Duration::ZERO);
            let _ = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        })?;
        Ok(Checkpointer { kick: Some(kick), thread: Some(thread), autocheckpoint })
    }

    /// A write was committed: its pages can be copied.
    pub(crate) fn committed(&self) {
        if let Some(kick) = &self.kick {
            let _ = kick.send(());
        }
    }

    /// Gives the writing connection its automatic checkpoints back and lets the thread finish
    /// on its own: it copies what is left of the WAL (after a large import, the whole write:
    /// more than a second here) and empties the WAL file where no other connection is using
    /// it. Everything is committed already, so no one needs to wait for that; the returned
    /// checkpointer is that last run, to [`Checkpointer::join`] or drop (which waits).
    pub(crate) fn stop(mut self, writer: &Connection) -> Result<Checkpointer> {
        self.kick = None;
        writer.pragma_update(None, "wal_autocheckpoint", self.autocheckpoint)?;
        Ok(self)
    }

    /// Whether the thread has ended (its last checkpoint is done).
    pub(crate) fn finished(&self) -> bool {
        self.thread.as_ref().is_none_or(|t| t.is_finished())
    }

    /// Waits for the thread to end: every checkpoint asked for is done.
    pub(crate) fn join(&mut self) {
        self.kick = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.join();
    }
}
