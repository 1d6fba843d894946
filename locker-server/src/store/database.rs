//! The database handle: [`Store`], one SQLite connection shared by every request.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::Connection;

/// The server's SQLite database (WAL mode), shared by every request.
///
/// Cheap to clone. A temporary store lives in a temporary directory that is deleted when the
/// last clone is dropped.
#[derive(Clone)]
pub struct Store {
    inner: Arc<StoreInner>,
}

struct StoreInner {
    conn: Mutex<Connection>,
    path: PathBuf,
    // Dropped (and deleted) after the connection, since fields drop in declaration order.
    _temp: Option<tempfile::TempDir>,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.inner.path)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// A store around an open connection to the database file at `path`, which `temp`
    /// (if any) holds and deletes when the last clone is dropped.
    pub(super) fn new(conn: Connection, path: PathBuf, temp: Option<tempfile::TempDir>) -> Store {
        Store {
            inner: Arc::new(StoreInner {
                conn: Mutex::new(conn),
                path,
                _temp: temp,
            }),
        }
    }

    /// The path of the database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent (transactions roll
        // back on drop), so a poisoned lock is still usable.
        self.inner.conn.lock().unwrap_or_else(|e| e.into_inner())
    }
}
