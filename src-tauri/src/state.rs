//! The store shared by all commands, and the store of its own a sync runs on.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, TryLockError};
use std::time::Duration;

use schulinventar_core::{CoreError, OpenStep, Store};
use serde::Serialize;

/// Cheap to clone: commands move a clone onto a blocking thread.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    db_path: PathBuf,
    /// `None` until the first successful open. A failed open (e.g. a database from a newer
    /// version) is retried by the next command, which then reports the error to the UI.
    store: Mutex<Option<Store>>,
    /// What opening the store is doing; read by the window while the store's lock is held.
    opening: Mutex<DatabaseStatus>,
    /// Held for the length of a sync run, so that two never run at once.
    syncing: Mutex<()>,
}

/// Whether the database is open yet, and what opening it is busy with (an upgrade of a large file
/// copies it first and then migrates it, which takes a while).
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct DatabaseStatus {
    pub state: OpenState,
    /// The step under way while `state` is `opening`; none before the first step is known.
    pub step: Option<OpenStep>,
    /// Why the last attempt failed (German), when `state` is `failed`.
    pub message: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum OpenState {
    Opening,
    Ready,
    /// The next command tries again.
    Failed,
}

/// Page cache of the window's connection, in KiB as SQLite's `cache_size` counts negative values.
const WINDOW_CACHE_KIB: i64 = -8_000;

/// How long a sync's write waits for another connection's transaction (an import writes its
/// rows in one) before it gives up; a command's store waits for a page of the sync at most
/// the five seconds the store sets.
const SYNC_BUSY_TIMEOUT: Duration = Duration::from_secs(300);

impl AppState {
    pub fn new(db_path: PathBuf) -> Self {
        let opening = Mutex::new(DatabaseStatus { state: OpenState::Opening, step: None, message: None });
        Self { inner: Arc::new(Inner { db_path, store: Mutex::new(None), opening, syncing: Mutex::new(()) }) }
    }

    pub fn db_path(&self) -> &Path {
        &self.inner.db_path
    }

    /// Opens the store now, so the first command does not pay for migrations.
    pub fn warm_up(&self) {
        if let Err(e) = self.with_store(|_| Ok(())) {
            eprintln!("Datenbank {} nicht geöffnet: {e}", self.db_path().display());
        }
    }

    /// Runs `f` on the store, opening it first if needed. Blocks: call from a blocking thread.
    pub fn with_store<T>(&self, f: impl FnOnce(&Store) -> Result<T, CoreError>) -> Result<T, CoreError> {
        self.with_store_mut(|store| f(store))
    }

    /// Like [`AppState::with_store`] for jobs that write (an import holds the store, and with it
    /// every other command, until it is done). Blocks: call from a blocking thread.
    pub fn with_store_mut<T, E: From<CoreError>>(&self, f: impl FnOnce(&mut Store) -> Result<T, E>) -> Result<T, E> {
        let mut guard = self.lock();
        if guard.is_none() {
            *guard = Some(self.open_reporting()?);
        }
        match guard.as_mut() {
            Some(store) => f(store),
            None => unreachable!("store was opened above"),
        }
    }

    /// Runs `f` on a read-only connection of its own, so long reads (a report, a list export of
    /// millions of rows) leave the store free for every other command. The database is opened
    /// (created, migrated) through the store first if that has not happened yet.
    pub fn with_reader<T>(
        &self,
        f: impl FnOnce(&rusqlite::Connection) -> Result<T, CoreError>,
    ) -> Result<T, CoreError> {
        self.with_store(|_| Ok(()))?;
        let conn = rusqlite::Connection::open_with_flags(
            &self.inner.db_path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(CoreError::from)?;
        conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(CoreError::from)?;
        f(&conn)
    }

    /// Runs a sync job `f` on a [`Store`] of its own opened on the same file, so that every other
    /// command goes on using the shared store while `f` waits for the network. SQLite (WAL) lets
    /// the two connections read at once and takes turns for writes; each store reads the last
    /// timestamp under its write lock, so a local change made during a sync still comes after
    /// the operations the sync pulled. Returns `None` without running `f` when a sync is already
    /// running. Blocks: call from a blocking thread.
    pub fn with_sync_store<T, E: From<CoreError>>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, E>,
    ) -> Result<Option<T>, E> {
        let _syncing = match self.inner.syncing.try_lock() {
            Ok(guard) => guard,
            // A panicked sync left nothing behind but its rolled-back transaction.
            Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
            Err(TryLockError::WouldBlock) => return Ok(None),
        };
        // Created and migrated through the shared store first, as for a reader.
        self.with_store(|_| Ok(()))?;
        let mut store = Store::open(&self.inner.db_path)?;
        store.conn().busy_timeout(SYNC_BUSY_TIMEOUT).map_err(CoreError::from)?;
        let out = f(&mut store).map(Some);
        // A large pull or import leaves its last checkpoint running (a second or more): the
        // result is in, so the window need not wait for it.
        if store.settling() {
            std::thread::spawn(move || drop(store));
        }
        out
    }

    /// Whether the store is open, and what opening it is doing. Never waits for the store.
    pub fn database_status(&self) -> DatabaseStatus {
        self.status().clone()
    }

    fn open_reporting(&self) -> Result<Store, CoreError> {
        self.set_status(OpenState::Opening, None, None);
        let opened = Store::open_with_progress(&self.inner.db_path, &mut |step| {
            self.set_status(OpenState::Opening, Some(step), None)
        })
        .and_then(|store| {
            // The window's reads come from the OS's file cache about as fast; a small page
            // cache of its own keeps the app's memory low (the core's default is 32 MB).
            store.conn().pragma_update(None, "cache_size", WINDOW_CACHE_KIB)?;
            Ok(store)
        });
        // Every way out ends the "opening" status, so the window never waits for nothing.
        match &opened {
            Ok(_) => self.set_status(OpenState::Ready, None, None),
            Err(e) => self.set_status(OpenState::Failed, None, Some(e.to_string())),
        }
        opened
    }

    fn set_status(&self, state: OpenState, step: Option<OpenStep>, message: Option<String>) {
        *self.status() = DatabaseStatus { state, step, message };
    }

    fn status(&self) -> MutexGuard<'_, DatabaseStatus> {
        self.inner.opening.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn lock(&self) -> MutexGuard<'_, Option<Store>> {
        // A panic while holding the lock leaves the connection itself usable: SQLite rolls back
        // any open transaction, so recover the guard instead of failing every later command.
        self.inner.store.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
