//! Environments: rows, lists, creation and updates of their own fields (a rename also
//! changes their secrets: [`super::rename`]).

use rusqlite::{Connection, params};

use super::table::{Change, Filter, Page, PageRequest, Table, execute_unique};
use crate::model::rows::EnvironmentRow;
use crate::store::error::StoreError;

pub(crate) const ENVIRONMENTS: Table<EnvironmentRow> = Table {
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

impl EnvironmentChanges {
    /// Whether the name or the hash changes, which the environment's secrets carry.
    pub(crate) fn renames(&self) -> bool {
        self.name.is_some() || self.hash.is_some()
    }
}

/// Writes `changes` to environment `id` at revision date `revision`, in the caller's
/// transaction: the environment's own fields only.
pub(crate) fn write_changes(
    tx: &Connection,
    project_id: i64,
    id: &str,
    changes: EnvironmentChanges,
    revision: f64,
) -> Result<(), StoreError> {
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
}
