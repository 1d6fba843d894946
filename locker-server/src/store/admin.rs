//! Projects and access keys: issuing keys and finding the key behind a bearer token.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use locker_protocol::crypto::SymmetricKey;
use rusqlite::{Connection, OptionalExtension, params};
use zeroize::Zeroizing;

use super::database::Store;
use super::error::StoreError;
use super::revision::now;
use crate::error::ServerError;
use crate::model::rows::AccessKeyRow;

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

impl Store {
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

/// The access key with this id, if any.
pub(crate) fn find_key(conn: &Connection, id: &str) -> Result<Option<AccessKeyRow>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT id, project_id, wrapped_key, read_only, creation_date
             FROM access_keys WHERE id = ?1",
            params![id],
            |r| {
                Ok(AccessKeyRow {
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
