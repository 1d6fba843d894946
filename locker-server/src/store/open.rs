//! Opening the database: the file (private to its owner), the connection's settings, the
//! schema and its indexes, and the migration of databases written by earlier versions.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::Connection;

use super::database::Store;
use super::rows::secrets::fill_missing_json;
use crate::error::ServerError;

const SCHEMA: &str = r"
CREATE TABLE IF NOT EXISTS projects (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    creation_date REAL NOT NULL,
    revision_date REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS access_keys (
    id            TEXT PRIMARY KEY,
    project_id    INTEGER NOT NULL REFERENCES projects(id),
    wrapped_key   TEXT NOT NULL,
    read_only     INTEGER NOT NULL,
    creation_date REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS environments (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    id            TEXT NOT NULL UNIQUE,
    project_id    INTEGER NOT NULL REFERENCES projects(id),
    hash          TEXT NOT NULL DEFAULT '',
    name          TEXT NOT NULL,
    external_url  TEXT,
    description   TEXT,
    creation_date REAL NOT NULL,
    revision_date REAL NOT NULL,
    updated_date  REAL
);
CREATE UNIQUE INDEX IF NOT EXISTS environments_hash_unique
    ON environments(project_id, hash) WHERE hash <> '';
CREATE TABLE IF NOT EXISTS secrets (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    id             TEXT NOT NULL UNIQUE,
    project_id     INTEGER NOT NULL REFERENCES projects(id),
    environment_id TEXT NOT NULL DEFAULT '',
    secret_hash    TEXT NOT NULL DEFAULT '',
    key            TEXT NOT NULL,
    value          TEXT NOT NULL,
    description    TEXT,
    creation_date  REAL NOT NULL,
    revision_date  REAL NOT NULL,
    updated_date   REAL,
    -- The secret as the API sends it (with its environment's name and hash), kept up to date
    -- on every write so that lists copy it.
    json           TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS secrets_hash_env_unique
    ON secrets(project_id, secret_hash, environment_id) WHERE secret_hash <> '';
CREATE INDEX IF NOT EXISTS secrets_project_env ON secrets(project_id, environment_id);
-- Lists walk these in sequence order (each index ends on the rowid, which is seq), so a page
-- costs its own rows whatever its position, and a filter never sorts.
CREATE INDEX IF NOT EXISTS secrets_project_seq ON secrets(project_id, seq);
CREATE INDEX IF NOT EXISTS secrets_project_hash ON secrets(project_id, secret_hash);
CREATE INDEX IF NOT EXISTS secrets_project_revision ON secrets(project_id, revision_date);
CREATE INDEX IF NOT EXISTS environments_project_seq ON environments(project_id, seq);
CREATE INDEX IF NOT EXISTS environments_project_hash ON environments(project_id, hash);
CREATE INDEX IF NOT EXISTS environments_project_revision
    ON environments(project_id, revision_date);
";

impl Store {
    /// Opens (or creates) the database file at `path` and creates the schema if needed.
    ///
    /// ```
    /// let dir = tempfile::tempdir().unwrap();
    /// let store = locker_server::Store::open(&dir.path().join("locker.db")).unwrap();
    /// let key = store.create_project().unwrap();
    /// assert_eq!(key.project_id, 1);
    /// ```
    pub fn open(path: &Path) -> Result<Store, ServerError> {
        Self::open_inner(path.to_path_buf(), None)
    }

    /// Creates a store in a fresh temporary directory, deleted when the store is dropped.
    pub fn temporary() -> Result<Store, ServerError> {
        let dir = tempfile::Builder::new().prefix("locker-server").tempdir()?;
        let path = dir.path().join("locker.db");
        Self::open_inner(path, Some(dir))
    }

    fn open_inner(path: PathBuf, temp: Option<tempfile::TempDir>) -> Result<Store, ServerError> {
        create_private(&path)?;
        let mut conn = Connection::open(&path)?;
        conn.busy_timeout(Duration::from_secs(10))?;
        let _mode: String =
            conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // Lists read whole projects: keep them in memory (64 MiB of cache, reads mapped).
        conn.pragma_update(None, "cache_size", -65536)?;
        let _mmap: i64 =
            conn.pragma_update_and_check(None, "mmap_size", 256 * 1024 * 1024, |r| r.get(0))?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.execute_batch(SCHEMA)?;
        migrate(&mut conn)?;
        Ok(Store::new(conn, path, temp))
    }
}

/// Brings a database created by an earlier schema up to this one: secrets get their stored
/// JSON column, filled from their rows.
fn migrate(conn: &mut Connection) -> Result<(), ServerError> {
    let has_json: bool = conn.query_row(
        "SELECT COUNT(*) > 0 FROM pragma_table_info('secrets') WHERE name = 'json'",
        [],
        |r| r.get(0),
    )?;
    if !has_json {
        conn.execute_batch("ALTER TABLE secrets ADD COLUMN json TEXT")?;
    }
    // Empty but for rows still to fill, so finding them costs nothing on a current database.
    conn.execute_batch(
        "CREATE INDEX IF NOT EXISTS secrets_missing_json ON secrets(project_id)
         WHERE json IS NULL",
    )?;
    fill_missing_json(conn)?;
    Ok(())
}

/// Creates the database file readable by its owner only, if it does not exist yet. SQLite gives
/// its `-wal` and `-shm` files the same permissions. The data is ciphertext, but wrapped keys
/// and metadata are nobody else's business.
fn create_private(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}
