//! Revision bookkeeping: the clock of revision dates and the project's revision date, which
//! every write moves strictly forward.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, params};

use super::error::StoreError;

/// Now as float seconds since the epoch, with microsecond precision: the nearest `f64` to a
/// six-decimal number, so that the value a client prints with six decimals reads back equal.
pub(crate) fn now() -> f64 {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO);
    d.as_micros() as f64 / 1_000_000.0
}

/// The project's revision date: the time of its latest change.
pub(crate) fn project_revision(conn: &Connection, project_id: i64) -> Result<f64, StoreError> {
    Ok(conn.query_row(
        "SELECT revision_date FROM projects WHERE id = ?1",
        params![project_id],
        |r| r.get(0),
    )?)
}

/// Moves the project's revision date forward, strictly (by at least a microsecond, to now if
/// that is later), and returns it. Every record a write touches takes this date.
pub(crate) fn bump_revision(conn: &Connection, project_id: i64) -> Result<f64, StoreError> {
    Ok(conn.query_row(
        "UPDATE projects
         SET revision_date = MAX(?2, round((revision_date + 0.000001) * 1000000) / 1000000)
         WHERE id = ?1 RETURNING revision_date",
        params![project_id, now()],
        |r| r.get(0),
    )?)
}
