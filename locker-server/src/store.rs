//! SQLite storage: projects, access keys, environments and secrets.
//!
//! The server only ever stores what clients send (cipher strings, name hashes, ids) plus, per
//! access key, the project key wrapped under that key's secret access key. Secret access keys
//! are handed out once and never stored.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use locker_protocol::crypto::SymmetricKey;
use rusqlite::types::ToSql;
use rusqlite::{Connection, ErrorCode, OptionalExtension, Params, params};
use serde_json::{Value, json};
use zeroize::Zeroizing;

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
    updated_date   REAL
);
CREATE UNIQUE INDEX IF NOT EXISTS secrets_hash_env_unique
    ON secrets(project_id, secret_hash, environment_id) WHERE secret_hash <> '';
CREATE INDEX IF NOT EXISTS secrets_project_env ON secrets(project_id, environment_id);
";

/// A Locker access key as issued by the server: the id (sent as the bearer token) and the
/// secret access key (never sent to the server; it decrypts the project key).
///
/// `Debug` redacts the secret access key.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessKey {
    /// The project this key belongs to (appears in name hashes).
    pub project_id: i64,
    /// The access key id (a UUIDv4), sent as `Authorization: Bearer <id>`.
    pub access_key_id: String,
    /// The secret access key: standard padded base64 of 32 random bytes.
    pub secret_access_key: String,
    /// Whether the key can only read (writes answer 403).
    pub read_only: bool,
}

impl fmt::Debug for AccessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessKey")
            .field("project_id", &self.project_id)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field("read_only", &self.read_only)
            .finish()
    }
}

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
        let conn = Connection::open(&path)?;
        conn.busy_timeout(Duration::from_secs(10))?;
        let _mode: String =
            conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.execute_batch(SCHEMA)?;
        Ok(Store {
            inner: Arc::new(StoreInner {
                conn: Mutex::new(conn),
                path,
                _temp: temp,
            }),
        })
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

    /// Creates a new project with a fresh random project key and returns its first
    /// (read-write) access key. Project ids count up from 1.
    pub fn create_project(&self) -> Result<AccessKey, ServerError> {
        let project_key = SymmetricKey::generate();
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let now = now();
        tx.execute(
            "INSERT INTO projects (creation_date, revision_date) VALUES (?1, ?1)",
            params![now],
        )?;
        let project_id = tx.last_insert_rowid();
        let key = issue_key(&tx, project_id, &project_key, false, now)?;
        tx.commit()?;
        Ok(key)
    }

    /// Issues a further access key for the project of `existing`, read-only or read-write.
    ///
    /// The project key is unwrapped with `existing.secret_access_key` and rewrapped under a new
    /// random secret access key, so the server never needs to store a secret.
    pub fn create_access_key(
        &self,
        existing: &AccessKey,
        read_only: bool,
    ) -> Result<AccessKey, ServerError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let row: Option<(i64, String)> = tx
            .query_row(
                "SELECT project_id, wrapped_key FROM access_keys WHERE id = ?1",
                params![existing.access_key_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let (project_id, wrapped) =
            row.ok_or_else(|| ServerError::UnknownAccessKey(existing.access_key_id.clone()))?;
        if project_id != existing.project_id {
            return Err(ServerError::ProjectMismatch {
                access_key_id: existing.access_key_id.clone(),
                claimed: existing.project_id,
                actual: project_id,
            });
        }
        let unwrapping = SymmetricKey::from_secret_access_key(&existing.secret_access_key)?;
        let project_key = unwrapping.unwrap_key(&wrapped)?;
        let key = issue_key(&tx, project_id, &project_key, read_only, now())?;
        tx.commit()?;
        Ok(key)
    }
}

fn issue_key(
    conn: &Connection,
    project_id: i64,
    project_key: &SymmetricKey,
    read_only: bool,
    now: f64,
) -> Result<AccessKey, ServerError> {
    let mut raw = Zeroizing::new([0u8; 32]);
    getrandom::fill(raw.as_mut()).map_err(|_| ServerError::Random)?;
    let secret_access_key = STANDARD.encode(raw.as_ref());
    let wrapping = SymmetricKey::from_secret_access_key(&secret_access_key)?;
    let wrapped = wrapping.wrap_key(project_key);
    let access_key_id = uuid::Uuid::new_v4().to_string();
    conn.execute(
        "INSERT INTO access_keys (id, project_id, wrapped_key, read_only, creation_date)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![access_key_id, project_id, wrapped, read_only, now],
    )?;
    Ok(AccessKey {
        project_id,
        access_key_id,
        secret_access_key,
        read_only,
    })
}

/// Now as float seconds since the epoch, with microsecond precision.
pub(crate) fn now() -> f64 {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO);
    d.as_micros() as f64 / 1_000_000.0
}

// ---------------------------------------------------------------------------------------------
// Data access used by the HTTP handlers.

/// Why a data operation failed, mapped to an HTTP answer by the API layer.
#[derive(Debug)]
pub(crate) enum StoreError {
    NotFound(&'static str),
    Duplicate(&'static str),
    Db(rusqlite::Error),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Db(e)
    }
}

fn is_unique_violation(e: &rusqlite::Error) -> bool {
    e.sqlite_error_code() == Some(ErrorCode::ConstraintViolation)
}

/// The identity behind an access key id.
#[derive(Debug, Clone)]
pub(crate) struct KeyInfo {
    pub(crate) id: String,
    pub(crate) project_id: i64,
    pub(crate) wrapped_key: String,
    pub(crate) read_only: bool,
    pub(crate) creation_date: f64,
}

pub(crate) fn find_key(conn: &Connection, id: &str) -> Result<Option<KeyInfo>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT id, project_id, wrapped_key, read_only, creation_date
             FROM access_keys WHERE id = ?1",
            params![id],
            |r| {
                Ok(KeyInfo {
                    id: r.get(0)?,
                    project_id: r.get(1)?,
                    wrapped_key: r.get(2)?,
                    read_only: r.get(3)?,
                    creation_date: r.get(4)?,
                })
            },
        )
        .optional()?)
}

pub(crate) fn profile_json(conn: &Connection, key: &KeyInfo) -> Result<Value, StoreError> {
    let revision = project_revision(conn, key.project_id)?;
    Ok(json!({
        "object": "access_key",
        "id": key.id,
        "client_id": key.id,
        "key": key.wrapped_key,
        "activated": true,
        "editable": !key.read_only,
        "restrict_ip": [],
        "creation_date": key.creation_date,
        "revision_date": revision,
        "expiration_date": null,
        "project_id": key.project_id,
    }))
}

pub(crate) fn project_revision(conn: &Connection, project_id: i64) -> Result<f64, StoreError> {
    Ok(conn.query_row(
        "SELECT revision_date FROM projects WHERE id = ?1",
        params![project_id],
        |r| r.get(0),
    )?)
}

/// Moves the project's revision date forward (strictly) and returns it.
fn bump_revision(conn: &Connection, project_id: i64) -> Result<f64, StoreError> {
    Ok(conn.query_row(
        "UPDATE projects SET revision_date = MAX(?2, round((revision_date + 0.000001) * 1000000) / 1000000)
         WHERE id = ?1 RETURNING revision_date",
        params![project_id, now()],
        |r| r.get(0),
    )?)
}

pub(crate) fn count_secrets(conn: &Connection, project_id: i64) -> Result<i64, StoreError> {
    SECRETS.total(conn, "t.project_id = ?1", &[&project_id])
}

pub(crate) fn count_environments(conn: &Connection, project_id: i64) -> Result<i64, StoreError> {
    ENVIRONMENTS.total(conn, "t.project_id = ?1", &[&project_id])
}

/// A page request: `limit` items from `offset`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Page {
    pub(crate) limit: i64,
    pub(crate) offset: i64,
}

/// How to read one kind of row (secrets or environments); the table is aliased `t`.
struct Table {
    /// The table name.
    name: &'static str,
    /// The selected columns and the `FROM` clause, in the order `from_row` reads them.
    select: &'static str,
    from_row: fn(&rusqlite::Row<'_>) -> rusqlite::Result<Value>,
    /// The 404 message for an unknown id.
    not_found: &'static str,
}

impl Table {
    /// How many rows match `filter`, a condition on `args` (numbered from `?1`).
    fn total(
        &self,
        conn: &Connection,
        filter: &str,
        args: &[&dyn ToSql],
    ) -> Result<i64, StoreError> {
        let sql = format!("SELECT COUNT(*) FROM {} t WHERE {filter}", self.name);
        Ok(conn.query_row(&sql, args, |r| r.get(0))?)
    }

    /// The rows matching `filter` in creation order: the total and the page.
    fn list(
        &self,
        conn: &Connection,
        filter: &str,
        args: &[&dyn ToSql],
        page: Page,
    ) -> Result<(i64, Vec<Value>), StoreError> {
        let total = self.total(conn, filter, args)?;
        let (limit, offset) = (args.len() + 1, args.len() + 2);
        let mut stmt = conn.prepare(&format!(
            "SELECT {} WHERE {filter} ORDER BY t.seq LIMIT ?{limit} OFFSET ?{offset}",
            self.select
        ))?;
        let mut args = args.to_vec();
        args.extend([&page.limit as &dyn ToSql, &page.offset]);
        let rows = stmt
            .query_map(args.as_slice(), self.from_row)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok((total, rows))
    }

    /// The row `id` of the project, or the table's 404.
    fn get(&self, conn: &Connection, project_id: i64, id: &str) -> Result<Value, StoreError> {
        conn.query_row(
            &format!(
                "SELECT {} WHERE t.project_id = ?1 AND t.id = ?2",
                self.select
            ),
            params![project_id, id],
            self.from_row,
        )
        .optional()?
        .ok_or(StoreError::NotFound(self.not_found))
    }

    /// Runs `write` in a transaction, with the project's new revision date, and returns row
    /// `id` as written. Nothing changes (not even the revision date) if `write` fails.
    fn write(
        &self,
        conn: &mut Connection,
        project_id: i64,
        id: &str,
        write: impl FnOnce(&Connection, f64) -> Result<(), StoreError>,
    ) -> Result<Value, StoreError> {
        let tx = conn.transaction()?;
        let revision = bump_revision(&tx, project_id)?;
        write(&tx, revision)?;
        let row = self.get(&tx, project_id, id)?;
        tx.commit()?;
        Ok(row)
    }
}

/// Executes an insert or update; a uniqueness violation is a [`StoreError::Duplicate`] with
/// `duplicate` as its message.
fn execute_unique(
    conn: &Connection,
    sql: &str,
    args: impl Params,
    duplicate: &'static str,
) -> Result<(), StoreError> {
    match conn.execute(sql, args) {
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e) => Err(StoreError::Duplicate(duplicate)),
        Err(e) => Err(StoreError::Db(e)),
    }
}

const SECRETS: Table = Table {
    name: "secrets",
    select: "t.id, t.project_id, t.environment_id, e.name, e.hash, t.key, t.value,
    t.description, t.secret_hash, t.creation_date, t.revision_date, t.updated_date
    FROM secrets t LEFT JOIN environments e
      ON t.environment_id <> '' AND e.id = t.environment_id AND e.project_id = t.project_id",
    from_row: secret_from_row,
    not_found: "Secret not found",
};

fn secret_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Value> {
    let env_id: String = r.get(2)?;
    let env_name: Option<String> = r.get(3)?;
    let env_hash: Option<String> = r.get(4)?;
    let key: String = r.get(5)?;
    let value: String = r.get(6)?;
    let description: Option<String> = r.get(7)?;
    let env_id = (!env_id.is_empty()).then_some(env_id);
    Ok(json!({
        "object": "secret",
        "id": r.get::<_, String>(0)?,
        "project_id": r.get::<_, i64>(1)?,
        "creation_date": r.get::<_, f64>(9)?,
        "revision_date": r.get::<_, f64>(10)?,
        "updated_date": r.get::<_, Option<f64>>(11)?,
        "deleted_date": null,
        "last_use_date": null,
        "environment_id": env_id,
        "environment_name": env_name,
        "environment_hash": env_hash.filter(|h| !h.is_empty()),
        "key": key,
        "value": value,
        "description": description,
        "secret_hash": r.get::<_, String>(8)?,
        "data": { "key": key, "value": value, "description": description },
    }))
}

/// Lists secrets of a project in creation order; returns the total and the page.
pub(crate) fn list_secrets(
    conn: &Connection,
    project_id: i64,
    hash: Option<&str>,
    environment_id: Option<&str>,
    page: Page,
) -> Result<(i64, Vec<Value>), StoreError> {
    SECRETS.list(
        conn,
        "t.project_id = ?1 AND (?2 IS NULL OR t.secret_hash = ?2)
         AND (?3 IS NULL OR t.environment_id = ?3)",
        &[&project_id, &hash, &environment_id],
        page,
    )
}

/// The fields of a new secret.
#[derive(Debug)]
pub(crate) struct NewSecret {
    pub(crate) key: String,
    pub(crate) value: String,
    pub(crate) description: Option<String>,
    pub(crate) hash: String,
    /// Empty = "All".
    pub(crate) environment_id: String,
}

pub(crate) fn create_secret(
    conn: &mut Connection,
    project_id: i64,
    new: NewSecret,
) -> Result<Value, StoreError> {
    let id = uuid::Uuid::new_v4().to_string();
    SECRETS.write(conn, project_id, &id, |tx, revision| {
        if !new.environment_id.is_empty() {
            ENVIRONMENTS.get(tx, project_id, &new.environment_id)?;
        }
        execute_unique(
            tx,
            "INSERT INTO secrets (id, project_id, environment_id, secret_hash, key, value,
                                  description, creation_date, revision_date)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
            params![
                id,
                project_id,
                new.environment_id,
                new.hash,
                new.key,
                new.value,
                new.description,
                revision
            ],
            "This secret hash already exists",
        )
    })
}

/// A field of an update: absent (unchanged) or a new value (`None` = null).
pub(crate) type Change<T> = Option<T>;

/// The fields of a secret update; `None` = unchanged.
#[derive(Debug, Default)]
pub(crate) struct SecretChanges {
    pub(crate) key: Change<String>,
    pub(crate) value: Change<String>,
    pub(crate) description: Change<Option<String>>,
    pub(crate) hash: Change<String>,
    /// `Some("")` moves the secret to "All".
    pub(crate) environment_id: Change<String>,
}

pub(crate) fn update_secret(
    conn: &mut Connection,
    project_id: i64,
    id: &str,
    changes: SecretChanges,
) -> Result<Value, StoreError> {
    SECRETS.write(conn, project_id, id, |tx, revision| {
        SECRETS.get(tx, project_id, id)?;
        if let Some(env) = changes.environment_id.as_deref().filter(|e| !e.is_empty()) {
            ENVIRONMENTS.get(tx, project_id, env)?;
        }
        execute_unique(
            tx,
            "UPDATE secrets SET
                key = COALESCE(?3, key),
                value = COALESCE(?4, value),
                description = CASE WHEN ?5 THEN ?6 ELSE description END,
                secret_hash = COALESCE(?7, secret_hash),
                environment_id = COALESCE(?8, environment_id),
                revision_date = ?9,
                updated_date = ?9
             WHERE project_id = ?1 AND id = ?2",
            params![
                project_id,
                id,
                changes.key,
                changes.value,
                changes.description.is_some(),
                changes.description.flatten(),
                changes.hash,
                changes.environment_id,
                revision
            ],
            "This hash value already existed",
        )
    })
}

const ENVIRONMENTS: Table = Table {
    name: "environments",
    select: "t.id, t.project_id, t.hash, t.name, t.external_url, t.description,
    t.creation_date, t.revision_date, t.updated_date FROM environments t",
    from_row: env_from_row,
    not_found: "Environment not found",
};

fn env_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Value> {
    let name: String = r.get(3)?;
    let external_url: Option<String> = r.get(4)?;
    let description: Option<String> = r.get(5)?;
    Ok(json!({
        "object": "environment",
        "id": r.get::<_, String>(0)?,
        "project_id": r.get::<_, i64>(1)?,
        "hash": r.get::<_, String>(2)?,
        "name": name,
        "external_url": external_url,
        "description": description,
        "creation_date": r.get::<_, f64>(6)?,
        "revision_date": r.get::<_, f64>(7)?,
        "updated_date": r.get::<_, Option<f64>>(8)?,
        "data": { "name": name, "external_url": external_url, "description": description },
    }))
}

/// Lists environments of a project in creation order; returns the total and the page.
pub(crate) fn list_environments(
    conn: &Connection,
    project_id: i64,
    hash: Option<&str>,
    page: Page,
) -> Result<(i64, Vec<Value>), StoreError> {
    ENVIRONMENTS.list(
        conn,
        "t.project_id = ?1 AND (?2 IS NULL OR t.hash = ?2)",
        &[&project_id, &hash],
        page,
    )
}

/// The fields of a new environment.
#[derive(Debug)]
pub(crate) struct NewEnvironment {
    pub(crate) name: String,
    /// Empty when a legacy client created it without a hash.
    pub(crate) hash: String,
    pub(crate) external_url: Option<String>,
    pub(crate) description: Option<String>,
}

pub(crate) fn create_environment(
    conn: &mut Connection,
    project_id: i64,
    new: NewEnvironment,
) -> Result<Value, StoreError> {
    let id = uuid::Uuid::new_v4().to_string();
    ENVIRONMENTS.write(conn, project_id, &id, |tx, revision| {
        execute_unique(
            tx,
            "INSERT INTO environments (id, project_id, hash, name, external_url, description,
                                       creation_date, revision_date)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
            params![
                id,
                project_id,
                new.hash,
                new.name,
                new.external_url,
                new.description,
                revision
            ],
            "This environment hash already exists",
        )
    })
}

/// The fields of an environment update; `None` = unchanged.
#[derive(Debug, Default)]
pub(crate) struct EnvironmentChanges {
    pub(crate) name: Change<String>,
    pub(crate) hash: Change<String>,
    pub(crate) external_url: Change<Option<String>>,
    pub(crate) description: Change<Option<String>>,
}

pub(crate) fn update_environment(
    conn: &mut Connection,
    project_id: i64,
    id: &str,
    changes: EnvironmentChanges,
) -> Result<Value, StoreError> {
    ENVIRONMENTS.write(conn, project_id, id, |tx, revision| {
        ENVIRONMENTS.get(tx, project_id, id)?;
        execute_unique(
            tx,
            "UPDATE environments SET
                name = COALESCE(?3, name),
                hash = COALESCE(?4, hash),
                external_url = CASE WHEN ?5 THEN ?6 ELSE external_url END,
                description = CASE WHEN ?7 THEN ?8 ELSE description END,
                revision_date = ?9,
                updated_date = ?9
             WHERE project_id = ?1 AND id = ?2",
            params![
                project_id,
                id,
                changes.name,
                changes.hash,
                changes.external_url.is_some(),
                changes.external_url.flatten(),
                changes.description.is_some(),
                changes.description.flatten(),
                revision
            ],
            "The environment hash already existed",
        )
    })
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
