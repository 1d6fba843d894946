//! Secrets: rows with their environment's name and hash, lists, creation, bulk imports and
//! updates.

use std::collections::HashMap;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension, params};

use super::environments::ENVIRONMENTS;
use super::table::{Change, Filter, Page, PageRequest, Table, execute_unique};
use crate::error::ServerError;
use crate::model::rows::SecretRow;
use crate::model::wire::render_secret;
use crate::store::database::Store;
use crate::store::error::{StoreError, is_unique_violation};
use crate::store::revision::bump_revision;

pub(crate) const SECRETS: Table<SecretRow> = Table {
    name: "secrets",
    hash_column: "secret_hash",
    has_environment: true,
    select: "t.seq, t.id, t.project_id, t.environment_id, t.key, t.value, t.description,
    t.secret_hash, t.creation_date, t.revision_date, t.updated_date FROM secrets t",
    from_row: secret_from_row,
    not_found: "Secret not found",
};

/// A secret without its environment's name and hash ([`add_environments`] adds them).
fn secret_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SecretRow> {
    let environment_id: String = r.get(3)?;
    Ok(SecretRow {
        id: r.get(1)?,
        project_id: r.get(2)?,
        environment_id: (!environment_id.is_empty()).then_some(environment_id),
        environment_name: None,
        environment_hash: None,
        key: r.get(4)?,
        value: r.get(5)?,
        description: r.get(6)?,
        secret_hash: r.get(7)?,
        creation_date: r.get(8)?,
        revision_date: r.get(9)?,
        updated_date: r.get(10)?,
    })
}

/// Fills in the name and hash of each secret's environment, looking each environment up once
/// (a page has thousands of secrets and a project a handful of environments).
fn add_environments(
    conn: &Connection,
    project_id: i64,
    rows: &mut [SecretRow],
) -> Result<(), StoreError> {
    let mut stmt = conn
        .prepare_cached("SELECT name, hash FROM environments WHERE id = ?1 AND project_id = ?2")?;
    let mut known: HashMap<String, Option<(String, String)>> = HashMap::new();
    for row in rows {
        let Some(env_id) = &row.environment_id else {
            continue;
        };
        if !known.contains_key(env_id) {
            let found = stmt
                .query_row(params![env_id, project_id], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            known.insert(env_id.clone(), found);
        }
        if let Some(Some((name, hash))) = known.get(env_id) {
            row.environment_name = Some(name.clone());
            row.environment_hash = (!hash.is_empty()).then(|| hash.clone());
        }
    }
    Ok(())
}

/// The stored JSON of `row`: what the API sends for it.
fn render(row: SecretRow) -> Result<String, StoreError> {
    render_secret(row)
        .map_err(|e| StoreError::Db(rusqlite::Error::ToSqlConversionFailure(Box::new(e))))
}

/// Rewrites the stored JSON of the project's secrets matching `condition` (on the table `t`,
/// its arguments numbered from `?2`; `?1` is the project id) from their current rows.
fn render_stored(
    conn: &Connection,
    project_id: i64,
    condition: &str,
    args: &[&dyn rusqlite::ToSql],
) -> Result<usize, StoreError> {
    let mut rows = {
        let sql = format!(
            "SELECT {} WHERE t.project_id = ?1 AND {condition}",
            SECRETS.select
        );
        let mut stmt = conn.prepare(&sql)?;
        let mut all: Vec<&dyn rusqlite::ToSql> = vec![&project_id];
        all.extend_from_slice(args);
        stmt.query_map(all.as_slice(), secret_from_row)?
            .collect::<Result<Vec<_>, _>>()?
    };
    add_environments(conn, project_id, &mut rows)?;
    let mut update = conn.prepare_cached("UPDATE secrets SET json = ?1 WHERE id = ?2")?;
    let n = rows.len();
    for row in rows {
        let id = row.id.clone();
        update.execute(params![render(row)?, id])?;
    }
    Ok(n)
}

/// Moves the revision date of environment `env_id`'s secrets to `revision` and rewrites
/// their stored JSON with its current name and hash, in the caller's transaction: what a
/// rename of the environment changes in them.
pub(crate) fn follow_environment(
    tx: &Connection,
    project_id: i64,
    env_id: &str,
    revision: f64,
) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE secrets SET revision_date = ?3
         WHERE project_id = ?1 AND environment_id = ?2",
        params![project_id, env_id, revision],
    )?;
    render_stored(tx, project_id, "t.environment_id = ?2", &[&env_id])?;
    Ok(())
}

/// Fills in the stored JSON of every secret that has none (rows written before the column
/// existed), in one transaction. Returns how many were filled.
pub(crate) fn fill_missing_json(conn: &mut Connection) -> Result<usize, StoreError> {
    let tx = conn.transaction()?;
    let projects = {
        let mut stmt = tx.prepare("SELECT DISTINCT project_id FROM secrets WHERE json IS NULL")?;
        stmt.query_map([], |r| r.get::<_, i64>(0))?
            .collect::<Result<Vec<_>, _>>()?
    };
    let mut n = 0;
    for project_id in projects {
        n += render_stored(&tx, project_id, "t.json IS NULL", &[])?;
    }
    tx.commit()?;
    Ok(n)
}

/// One page of the project's secrets matching `filter`, as their stored JSON joined with
/// `,` and appended to `out`: the `results` of a list answer, copied without decoding a row.
pub(crate) fn list_secret_json(
    conn: &Connection,
    project_id: i64,
    filter: &Filter,
    page: PageRequest,
    out: &mut Vec<u8>,
) -> Result<Page<()>, StoreError> {
    let mut first = true;
    SECRETS.list_with(
        conn,
        project_id,
        filter,
        page,
        "t.seq, t.json, t.id FROM secrets t",
        |row| {
            if !first {
                out.push(b',');
            }
            first = false;
            match row.get_ref(1)? {
                ValueRef::Text(json) => out.extend_from_slice(json),
                _ => {
                    // Written without its JSON (e.g. by an older server since the last
                    // open): render it from the row.
                    let id: String = row.get(2)?;
                    let mut secret = SECRETS.get(conn, project_id, &id)?;
                    add_environments(conn, project_id, std::slice::from_mut(&mut secret))?;
                    out.extend_from_slice(render(secret)?.as_bytes());
                }
            }
            Ok(())
        },
    )
}

/// How many secrets the project has.
pub(crate) fn count_secrets(conn: &Connection, project_id: i64) -> Result<i64, StoreError> {
    SECRETS.count(conn, project_id, &Filter::default())
}

/// One page of the project's secrets matching `filter`, in creation order.
pub(crate) fn list_secrets(
    conn: &Connection,
    project_id: i64,
    filter: &Filter,
    page: PageRequest,
) -> Result<Page<SecretRow>, StoreError> {
    let mut page = SECRETS.list(conn, project_id, filter, page)?;
    add_environments(conn, project_id, &mut page.rows)?;
    Ok(page)
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
) -> Result<SecretRow, StoreError> {
    let id = uuid::Uuid::new_v4().to_string();
    let mut row = SECRETS.write(conn, project_id, &id, |tx, revision| {
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
        )?;
        render_stored(tx, project_id, "t.id = ?2", &[&id])?;
        Ok(())
    })?;
    add_environments(conn, project_id, std::slice::from_mut(&mut row))?;
    Ok(row)
}

/// A secret to write straight into the database with [`Store::import_secrets`], as a client
/// would send it: cipher strings and the name hash, never plaintext.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretImport {
    /// The encrypted key.
    pub key: String,
    /// The encrypted value.
    pub value: String,
    /// The encrypted description, if any.
    pub description: Option<String>,
    /// The name hash of the plaintext key.
    pub hash: String,
    /// The environment's id; `None` is "All".
    pub environment_id: Option<String>,
}

impl std::fmt::Debug for SecretImport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretImport")
            .field("hash", &self.hash)
            .field("environment_id", &self.environment_id)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Writes many secrets into a project in one transaction, as if each had been created
    /// through `POST /v1/secrets` (same checks, one revision date for all of them): a fast
    /// way to seed a large project for tests and benchmarks. Returns how many were written;
    /// on any error (an unknown environment, a duplicate) nothing is.
    ///
    /// ```
    /// use locker_server::{SecretImport, Store};
    ///
    /// let store = Store::temporary().unwrap();
    /// let key = store.create_project().unwrap();
    /// let secrets = (0..3).map(|i| SecretImport {
    ///     key: format!("2.k{i}"), // cipher strings in real use
    ///     value: "2.v".into(),
    ///     description: None,
    ///     hash: format!("hash-{i}"),
    ///     environment_id: None,
    /// });
    /// assert_eq!(store.import_secrets(key.project_id, secrets).unwrap(), 3);
    /// ```
    pub fn import_secrets(
        &self,
        project_id: i64,
        secrets: impl IntoIterator<Item = SecretImport>,
    ) -> Result<usize, ServerError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let exists: Option<i64> = tx
            .query_row(
                "SELECT id FROM projects WHERE id = ?1",
                params![project_id],
                |r| r.get(0),
            )
            .optional()?;
        if exists.is_none() {
            return Err(ServerError::UnknownProject(project_id));
        }
        let revision = bump_revision(&tx, project_id)?;
        let mut environments = HashMap::new();
        let mut n = 0;
        {
            let mut insert = tx.prepare(
                "INSERT INTO secrets (id, project_id, environment_id, secret_hash, key, value,
                                      description, creation_date, revision_date, json)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9)",
            )?;
            for s in secrets {
                let row = imported_row(&tx, project_id, revision, s, &mut environments)?;
                let json = render(row.clone())?;
                let env = row.environment_id.unwrap_or_default();
                let args = params![
                    row.id,
                    project_id,
                    env,
                    row.secret_hash,
                    row.key,
                    row.value,
                    row.description,
                    revision,
                    json
                ];
                match insert.execute(args) {
                    Ok(_) => n += 1,
                    Err(e) if is_unique_violation(&e) => {
                        return Err(StoreError::Duplicate("This secret hash already exists").into());
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        }
        tx.commit()?;
        Ok(n)
    }
}

/// The row of an imported secret written at `revision`, with its environment's name and hash
/// (looked up once per environment in `environments`; an unknown one is a 404).
fn imported_row(
    conn: &Connection,
    project_id: i64,
    revision: f64,
    s: SecretImport,
    environments: &mut HashMap<String, (String, Option<String>)>,
) -> Result<SecretRow, StoreError> {
    let env = s.environment_id.filter(|e| !e.is_empty());
    let (environment_name, environment_hash) = match &env {
        None => (None, None),
        Some(env) => {
            if !environments.contains_key(env) {
                let found = ENVIRONMENTS.get(conn, project_id, env)?;
                let hash = (!found.hash.is_empty()).then_some(found.hash);
                environments.insert(env.clone(), (found.name, hash));
            }
            let (name, hash) = &environments[env];
            (Some(name.clone()), hash.clone())
        }
    };
    Ok(SecretRow {
        id: uuid::Uuid::new_v4().to_string(),
        project_id,
        environment_id: env,
        environment_name,
        environment_hash,
        key: s.key,
        value: s.value,
        description: s.description,
        secret_hash: s.hash,
        creation_date: revision,
        revision_date: revision,
        updated_date: None,
    })
}

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

/// Updates a secret; whatever changes, its revision date and the project's move forward.
pub(crate) fn update_secret(
    conn: &mut Connection,
    project_id: i64,
    id: &str,
    changes: SecretChanges,
) -> Result<SecretRow, StoreError> {
    let mut row = SECRETS.write(conn, project_id, id, |tx, revision| {
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
        )?;
        render_stored(tx, project_id, "t.id = ?2", &[&id])?;
        Ok(())
    })?;
    add_environments(conn, project_id, std::slice::from_mut(&mut row))?;
    Ok(row)
}
