//! Secrets and environments: typed rows, keyset-paged lists, creation and updates.
//!
//! Every list walks an index in sequence order from a cursor (`seq > ?`), so a page costs its
//! own rows wherever it is in the list, and a list is counted once (by its first page).

use std::collections::HashMap;

use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, Params, params, params_from_iter};

use super::admin::bump_revision;
use super::database::Store;
use super::error::{StoreError, is_unique_violation};
use crate::error::ServerError;

/// A secret as stored, with its environment's name and hash.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SecretRow {
    pub(crate) id: String,
    pub(crate) project_id: i64,
    /// `None` is "All".
    pub(crate) environment_id: Option<String>,
    /// The environment's encrypted name.
    pub(crate) environment_name: Option<String>,
    /// `None` also for environments created without a hash.
    pub(crate) environment_hash: Option<String>,
    pub(crate) key: String,
    pub(crate) value: String,
    pub(crate) description: Option<String>,
    pub(crate) secret_hash: String,
    pub(crate) creation_date: f64,
    pub(crate) revision_date: f64,
    pub(crate) updated_date: Option<f64>,
}

/// An environment as stored.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct EnvironmentRow {
    pub(crate) id: String,
    pub(crate) project_id: i64,
    /// Empty for environments that older clients created without a hash.
    pub(crate) hash: String,
    pub(crate) name: String,
    pub(crate) external_url: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) creation_date: f64,
    pub(crate) revision_date: f64,
    pub(crate) updated_date: Option<f64>,
}

/// Which rows of a project a list returns; `None` = no condition.
#[derive(Debug, Clone, Default)]
pub(crate) struct Filter {
    /// The secret hash, or the environment hash.
    pub(crate) hash: Option<String>,
    /// Secrets of one environment (`""` for "All"); ignored for environments.
    pub(crate) environment_id: Option<String>,
    /// Only rows whose revision date is later than this (delta sync).
    pub(crate) changed_after: Option<f64>,
}

/// Where a page starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Start {
    /// After the row with this sequence number (0: from the first row): a `next` cursor.
    After(i64),
    /// After this many matching rows: a page number a client built itself. The rows skipped
    /// are read from the index only.
    Skip(i64),
}

/// A page to read.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PageRequest {
    pub(crate) start: Start,
    /// At most this many rows; `None` = all of them.
    pub(crate) limit: Option<i64>,
    /// The list's count, when an earlier page already counted it.
    pub(crate) count: Option<i64>,
}

impl PageRequest {
    /// Every matching row.
    pub(crate) const ALL: PageRequest = PageRequest {
        start: Start::After(0),
        limit: None,
        count: None,
    };
}

/// One page of a list.
#[derive(Debug)]
pub(crate) struct Page<T> {
    pub(crate) rows: Vec<T>,
    /// How many rows the whole list has.
    pub(crate) count: i64,
    /// The sequence number of the last row: the cursor of the next page.
    pub(crate) last_seq: Option<i64>,
    /// Whether rows follow this page.
    pub(crate) more: bool,
}

/// How to read one kind of row; the table is aliased `t`.
struct Table<R> {
    name: &'static str,
    /// The column the `hash` filter compares.
    hash_column: &'static str,
    /// Whether the `environment_id` filter applies.
    has_environment: bool,
    /// The selected columns, the sequence number first, and the `FROM` clause.
    select: &'static str,
    from_row: fn(&rusqlite::Row<'_>) -> rusqlite::Result<R>,
    /// The 404 message for an unknown id.
    not_found: &'static str,
}

impl<R> Table<R> {
    /// The `WHERE` condition of `filter` and its arguments, numbered from `?1`.
    fn condition(&self, project_id: i64, filter: &Filter) -> (String, Vec<SqlValue>) {
        let mut sql = "t.project_id = ?1".to_owned();
        let mut args = vec![SqlValue::Integer(project_id)];
        let mut add = |column: &str, op: &str, value: SqlValue| {
            args.push(value);
            sql.push_str(&format!(" AND t.{column} {op} ?{}", args.len()));
        };
        if let Some(hash) = &filter.hash {
            add(self.hash_column, "=", SqlValue::Text(hash.clone()));
        }
        if let (true, Some(env)) = (self.has_environment, &filter.environment_id) {
            add("environment_id", "=", SqlValue::Text(env.clone()));
        }
        if let Some(after) = filter.changed_after {
            add("revision_date", ">", SqlValue::Real(after));
        }
        (sql, args)
    }

    /// How many rows of the project match `filter`.
    fn count(
        &self,
        conn: &Connection,
        project_id: i64,
        filter: &Filter,
    ) -> Result<i64, StoreError> {
        let (cond, args) = self.condition(project_id, filter);
        let sql = format!("SELECT COUNT(*) FROM {} t WHERE {cond}", self.name);
        Ok(conn.query_row(&sql, params_from_iter(args), |r| r.get(0))?)
    }

    /// One page of the rows matching `filter`, in creation order. Run it in a transaction
    /// for the count and the rows to come from one snapshot.
    fn list(
        &self,
        conn: &Connection,
        project_id: i64,
        filter: &Filter,
        req: PageRequest,
    ) -> Result<Page<R>, StoreError> {
        let (cond, args) = self.condition(project_id, filter);
        let from_start = matches!(req.start, Start::After(0) | Start::Skip(0));
        let after = match req.start {
            Start::After(seq) => Some(seq),
            Start::Skip(0) => Some(0),
            Start::Skip(n) => {
                let sql = format!(
                    "SELECT t.seq FROM {} t WHERE {cond} ORDER BY t.seq LIMIT 1 OFFSET ?{}",
                    self.name,
                    args.len() + 1
                );
                let mut skip_args = args.clone();
                skip_args.push(SqlValue::Integer(n - 1));
                conn.query_row(&sql, params_from_iter(skip_args), |r| r.get(0))
                    .optional()?
            }
        };
        let Some(after) = after else {
            // Past the end.
            let count = match req.count {
                Some(n) => n,
                None => self.count(conn, project_id, filter)?,
            };
            return Ok(Page {
                rows: Vec::new(),
                count,
                last_seq: None,
                more: false,
            });
        };
        let sql = format!(
            "SELECT {} WHERE {cond} AND t.seq > ?{} ORDER BY t.seq LIMIT ?{}",
            self.select,
            args.len() + 1,
            args.len() + 2
        );
        let mut page_args = args;
        page_args.push(SqlValue::Integer(after));
        // One row more than asked tells whether another page follows.
        page_args.push(SqlValue::Integer(req.limit.map_or(-1, |l| l + 1)));
        let mut stmt = conn.prepare_cached(&sql)?;
        let mut rows = Vec::new();
        let mut last_seq = None;
        let mut more = false;
        let mut cursor = stmt.query(params_from_iter(page_args))?;
        while let Some(row) = cursor.next()? {
            if req.limit.is_some_and(|l| rows.len() as i64 >= l) {
                more = true;
                break;
            }
            last_seq = Some(row.get(0)?);
            rows.push((self.from_row)(row)?);
        }
        drop(cursor);
        drop(stmt);
        let count = match req.count {
            Some(n) => n,
            // A list that fits in its first page counts itself.
            None if from_start && !more => rows.len() as i64,
            None => self.count(conn, project_id, filter)?,
        };
        Ok(Page {
            rows,
            count,
            last_seq,
            more,
        })
    }

    /// The row `id` of the project, or the table's 404.
    fn get(&self, conn: &Connection, project_id: i64, id: &str) -> Result<R, StoreError> {
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
    ) -> Result<R, StoreError> {
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

const SECRETS: Table<SecretRow> = Table {
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
        )
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
        let mut known_environments = std::collections::HashSet::new();
        let mut n = 0;
        {
            let mut insert = tx.prepare(
                "INSERT INTO secrets (id, project_id, environment_id, secret_hash, key, value,
                                      description, creation_date, revision_date)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
            )?;
            for s in secrets {
                let env = s.environment_id.unwrap_or_default();
                if !env.is_empty() && !known_environments.contains(&env) {
                    ENVIRONMENTS.get(&tx, project_id, &env)?;
                    known_environments.insert(env.clone());
                }
                let id = uuid::Uuid::new_v4().to_string();
                let args = params![
                    id,
                    project_id,
                    env,
                    s.hash,
                    s.key,
                    s.value,
                    s.description,
                    revision
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
        )
    })?;
    add_environments(conn, project_id, std::slice::from_mut(&mut row))?;
    Ok(row)
}

const ENVIRONMENTS: Table<EnvironmentRow> = Table {
    name: "environments",
    hash_column: "hash",
    has_environment: false,
    select: "t.seq, t.id, t.project_id, t.hash, t.name, t.external_url, t.description,
    t.creation_date, t.revision_date, t.updated_date FROM environments t",
    from_row: env_from_row,
    not_found: "Environment not found",
};

fn env_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<EnvironmentRow> {
    Ok(EnvironmentRow {
        id: r.get(1)?,
        project_id: r.get(2)?,
        hash: r.get(3)?,
        name: r.get(4)?,
        external_url: r.get(5)?,
        description: r.get(6)?,
        creation_date: r.get(7)?,
        revision_date: r.get(8)?,
        updated_date: r.get(9)?,
    })
}

/// How many environments the project has.
pub(crate) fn count_environments(conn: &Connection, project_id: i64) -> Result<i64, StoreError> {
    ENVIRONMENTS.count(conn, project_id, &Filter::default())
}

/// One page of the project's environments matching `filter`, in creation order.
pub(crate) fn list_environments(
    conn: &Connection,
    project_id: i64,
    filter: &Filter,
    page: PageRequest,
) -> Result<Page<EnvironmentRow>, StoreError> {
    ENVIRONMENTS.list(conn, project_id, filter, page)
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
) -> Result<EnvironmentRow, StoreError> {
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

/// Updates an environment. A new name or hash also changes what its secrets carry
/// (`environment_name`, `environment_hash`), so their revision dates move with it and a delta
/// list returns them too.
pub(crate) fn update_environment(
    conn: &mut Connection,
    project_id: i64,
    id: &str,
    changes: EnvironmentChanges,
) -> Result<EnvironmentRow, StoreError> {
    let renamed = changes.name.is_some() || changes.hash.is_some();
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
        )?;
        if renamed {
            tx.execute(
                "UPDATE secrets SET revision_date = ?3
                 WHERE project_id = ?1 AND environment_id = ?2",
                params![project_id, id, revision],
            )?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::database::Store;

    /// The plan SQLite picks for `sql`, one detail per line.
    fn plan(conn: &Connection, sql: &str, args: &[SqlValue]) -> String {
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let rows = stmt
            .query_map(params_from_iter(args), |r| r.get::<_, String>(3))
            .unwrap();
        rows.map(Result::unwrap).collect::<Vec<_>>().join("\n")
    }

    #[test]
    fn every_list_walks_an_index_without_sorting() {
        let store = Store::temporary().unwrap();
        let conn = store.lock();
        let filters = [
            Filter::default(),
            Filter {
                hash: Some("h".into()),
                ..Filter::default()
            },
            Filter {
                environment_id: Some("e".into()),
                ..Filter::default()
            },
            Filter {
                hash: Some("h".into()),
                environment_id: Some("e".into()),
                ..Filter::default()
            },
        ];
        for filter in &filters {
            for (name, select, (cond, mut args)) in [
                ("secrets", SECRETS.select, SECRETS.condition(1, filter)),
                (
                    "environments",
                    ENVIRONMENTS.select,
                    ENVIRONMENTS.condition(1, filter),
                ),
            ] {
                let n = args.len();
                args.extend([SqlValue::Integer(0), SqlValue::Integer(10)]);
                let sql = format!(
                    "SELECT {select} WHERE {cond} AND t.seq > ?{} ORDER BY t.seq LIMIT ?{}",
                    n + 1,
                    n + 2
                );
                let p = plan(&conn, &sql, &args);
                assert!(!p.contains("TEMP B-TREE"), "{name} {filter:?}: {p}");
                assert!(p.contains("USING"), "{name} {filter:?}: {p}");
                let count = format!("SELECT COUNT(*) FROM {name} t WHERE {cond}");
                let p = plan(&conn, &count, &args[..n]);
                assert!(
                    p.contains("USING") && p.contains("INDEX"),
                    "{name} {filter:?}: {p}"
                );
            }
        }
    }

    #[test]
    fn keyset_pages_cover_every_row_once_and_count_once() {
        let store = Store::temporary().unwrap();
        let key = store.create_project().unwrap();
        let mut conn = store.lock();
        for i in 0..7 {
            let new = NewSecret {
                key: format!("k{i}"),
                value: "v".into(),
                description: None,
                hash: format!("h{i}"),
                environment_id: String::new(),
            };
            create_secret(&mut conn, key.project_id, new).unwrap();
        }
        let all = Filter::default();
        let mut req = PageRequest {
            start: Start::After(0),
            limit: Some(3),
            count: None,
        };
        let mut keys = Vec::new();
        loop {
            let page = list_secrets(&conn, key.project_id, &all, req).unwrap();
            assert_eq!(page.count, 7);
            keys.extend(page.rows.iter().map(|r| r.key.clone()));
            if !page.more {
                break;
            }
            req = PageRequest {
                start: Start::After(page.last_seq.unwrap()),
                limit: Some(3),
                count: Some(page.count),
            };
        }
        assert_eq!(keys, (0..7).map(|i| format!("k{i}")).collect::<Vec<_>>());
        // A page number skips rows; past the end is empty.
        let third = PageRequest {
            start: Start::Skip(6),
            limit: Some(3),
            count: None,
        };
        let page = list_secrets(&conn, key.project_id, &all, third).unwrap();
        assert_eq!(page.rows.len(), 1);
        assert_eq!(page.rows[0].key, "k6");
        assert!(!page.more);
        let past = PageRequest {
            start: Start::Skip(30),
            ..third
        };
        let page = list_secrets(&conn, key.project_id, &all, past).unwrap();
        assert!(page.rows.is_empty());
        assert_eq!(page.count, 7);
    }
}
