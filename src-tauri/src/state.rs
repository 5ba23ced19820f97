//! The store shared by all commands.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use schulinventar_core::{CoreError, Store};

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
}

impl AppState {
    pub fn new(db_path: PathBuf) -> Self {
        Self { inner: Arc::new(Inner { db_path, store: Mutex::new(None) }) }
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
            *guard = Some(Store::open(&self.inner.db_path)?);
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

    fn lock(&self) -> MutexGuard<'_, Option<Store>> {
        // A panic while holding the lock leaves the connection itself usable: SQLite rolls back
        // any open transaction, so recover the guard instead of failing every later command.
        self.inner.store.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
