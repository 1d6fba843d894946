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
use locker_config::crypto::SymmetricKey;
use rusqlite::{Connection, ErrorCode, OptionalExtension, params};
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
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM secrets WHERE project_id = ?1",
        params![project_id],
        |r| r.get(0),
    )?)
}

pub(crate) fn count_environments(conn: &Connection, project_id: i64) -> Result<i64, StoreError> {
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM environments WHERE project_id = ?1",
        params![project_id],
        |r| r.get(0),
    )?)
}

/// A page request: `limit` items from `offset`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Page {
    pub(crate) limit: i64,
    pub(crate) offset: i64,
}

const SECRET_COLUMNS: &str = "s.id, s.project_id, s.environment_id, e.name, e.hash, s.key, s.value,
    s.description, s.secret_hash, s.creation_date, s.revision_date, s.updated_date
    FROM secrets s LEFT JOIN environments e
      ON s.environment_id <> '' AND e.id = s.environment_id AND e.project_id = s.project_id";

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
    let filter = "s.project_id = ?1 AND (?2 IS NULL OR s.secret_hash = ?2)
                  AND (?3 IS NULL OR s.environment_id = ?3)";
    let total: i64 = conn.query_row(
        &format!("SELECT COUNT(*) FROM secrets s WHERE {filter}"),
        params![project_id, hash, environment_id],
        |r| r.get(0),
    )?;
    let mut stmt = conn.prepare(&format!(
        "SELECT {SECRET_COLUMNS} WHERE {filter} ORDER BY s.seq LIMIT ?4 OFFSET ?5"
    ))?;
    let rows = stmt
        .query_map(
            params![project_id, hash, environment_id, page.limit, page.offset],
            secret_from_row,
        )?
        .collect::<Result<Vec<_>, _>>()?;
    Ok((total, rows))
}

fn get_secret(conn: &Connection, project_id: i64, id: &str) -> Result<Value, StoreError> {
    conn.query_row(
        &format!("SELECT {SECRET_COLUMNS} WHERE s.project_id = ?1 AND s.id = ?2"),
        params![project_id, id],
        secret_from_row,
    )
    .optional()?
    .ok_or(StoreError::NotFound("Secret not found"))
}

fn check_environment(conn: &Connection, project_id: i64, id: &str) -> Result<(), StoreError> {
    let found: Option<i64> = conn
        .query_row(
            "SELECT 1 FROM environments WHERE project_id = ?1 AND id = ?2",
            params![project_id, id],
            |r| r.get(0),
        )
        .optional()?;
    found
        .map(|_| ())
        .ok_or(StoreError::NotFound("Environment not found"))
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
    let tx = conn.transaction()?;
    if !new.environment_id.is_empty() {
        check_environment(&tx, project_id, &new.environment_id)?;
    }
    let revision = bump_revision(&tx, project_id)?;
    let id = uuid::Uuid::new_v4().to_string();
    tx.execute(
        "INSERT INTO secrets (id, project_id, environment_id, secret_hash, key, value, description,
                              creation_date, revision_date)
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
    )
    .map_err(|e| {
        if is_unique_violation(&e) {
            StoreError::Duplicate("This secret hash already exists")
        } else {
            StoreError::Db(e)
        }
    })?;
    let secret = get_secret(&tx, project_id, &id)?;
    tx.commit()?;
    Ok(secret)
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
    let tx = conn.transaction()?;
    get_secret(&tx, project_id, id)?;
    if let Some(env) = changes.environment_id.as_deref().filter(|e| !e.is_empty()) {
        check_environment(&tx, project_id, env)?;
    }
    let revision = bump_revision(&tx, project_id)?;
    let set_description = changes.description.is_some();
    tx.execute(
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
            set_description,
            changes.description.flatten(),
            changes.hash,
            changes.environment_id,
            revision
        ],
    )
    .map_err(|e| {
        if is_unique_violation(&e) {
            StoreError::Duplicate("This hash value already existed")
        } else {
            StoreError::Db(e)
        }
    })?;
    let secret = get_secret(&tx, project_id, id)?;
    tx.commit()?;
    Ok(secret)
}

const ENV_COLUMNS: &str = "id, project_id, hash, name, external_url, description, creation_date,
    revision_date, updated_date FROM environments";

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
    let filter = "project_id = ?1 AND (?2 IS NULL OR hash = ?2)";
    let total: i64 = conn.query_row(
        &format!("SELECT COUNT(*) FROM environments WHERE {filter}"),
        params![project_id, hash],
        |r| r.get(0),
    )?;
    let mut stmt = conn.prepare(&format!(
        "SELECT {ENV_COLUMNS} WHERE {filter} ORDER BY seq LIMIT ?3 OFFSET ?4"
    ))?;
    let rows = stmt
        .query_map(
            params![project_id, hash, page.limit, page.offset],
            env_from_row,
        )?
        .collect::<Result<Vec<_>, _>>()?;
    Ok((total, rows))
}

fn get_environment(conn: &Connection, project_id: i64, id: &str) -> Result<Value, StoreError> {
    conn.query_row(
        &format!("SELECT {ENV_COLUMNS} WHERE project_id = ?1 AND id = ?2"),
        params![project_id, id],
        env_from_row,
    )
    .optional()?
    .ok_or(StoreError::NotFound("Environment not found"))
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
    let tx = conn.transaction()?;
    let revision = bump_revision(&tx, project_id)?;
    let id = uuid::Uuid::new_v4().to_string();
    tx.execute(
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
    )
    .map_err(|e| {
        if is_unique_violation(&e) {
            StoreError::Duplicate("This environment hash already exists")
        } else {
            StoreError::Db(e)
        }
    })?;
    let env = get_environment(&tx, project_id, &id)?;
    tx.commit()?;
    Ok(env)
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
    let tx = conn.transaction()?;
    get_environment(&tx, project_id, id)?;
    let revision = bump_revision(&tx, project_id)?;
    tx.execute(
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
    )
    .map_err(|e| {
        if is_unique_violation(&e) {
            StoreError::Duplicate("The environment hash already existed")
        } else {
            StoreError::Db(e)
        }
    })?;
    let env = get_environment(&tx, project_id, id)?;
    tx.commit()?;
    Ok(env)
}
