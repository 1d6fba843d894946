//! Environment updates, and the cascade of a rename: the environment's secrets carry its name
//! and hash (`environment_name`, `environment_hash`), so they change with it.

use rusqlite::Connection;

use super::environments::{ENVIRONMENTS, EnvironmentChanges, write_changes};
use super::secrets::follow_environment;
use crate::model::rows::EnvironmentRow;
use crate::store::error::StoreError;

/// Updates an environment. A new name or hash also changes what its secrets carry, so their
/// revision dates move with it (a delta list returns them too) and their stored JSON is
/// rewritten, in the same transaction.
pub(crate) fn update_environment(
    conn: &mut Connection,
    project_id: i64,
    id: &str,
    changes: EnvironmentChanges,
) -> Result<EnvironmentRow, StoreError> {
    let renamed = changes.renames();
    ENVIRONMENTS.write(conn, project_id, id, |tx, revision| {
        write_changes(tx, project_id, id, changes, revision)?;
        if renamed {
            follow_environment(tx, project_id, id, revision)?;
        }
        Ok(())
    })
}
