//! The keyset reader shared by secrets and environments: filters, page requests, pages, and
//! [`Table`], which counts, pages, gets and writes one kind of row.
//!
//! Every list walks an index in sequence order from a cursor (`seq > ?`), so a page costs its
//! own rows wherever it is in the list, and a list is counted once (by its first page).

use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, Params, params, params_from_iter};

use crate::store::error::{StoreError, is_unique_violation};
use crate::store::revision::bump_revision;

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
pub(crate) struct Table<R> {
    pub(crate) name: &'static str,
    /// The column the `hash` filter compares.
    pub(crate) hash_column: &'static str,
    /// Whether the `environment_id` filter applies.
    pub(crate) has_environment: bool,
    /// The selected columns, the sequence number first, and the `FROM` clause.
    pub(crate) select: &'static str,
    pub(crate) from_row: fn(&rusqlite::Row<'_>) -> rusqlite::Result<R>,
    /// The 404 message for an unknown id.
    pub(crate) not_found: &'static str,
}

impl<R> Table<R> {
    /// The `WHERE` condition of `filter` and its arguments, numbered from `?1`.
    pub(crate) fn condition(&self, project_id: i64, filter: &Filter) -> (String, Vec<SqlValue>) {
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
    pub(crate) fn count(
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
    pub(crate) fn list(
        &self,
        conn: &Connection,
        project_id: i64,
        filter: &Filter,
        req: PageRequest,
    ) -> Result<Page<R>, StoreError> {
        let mut rows = Vec::new();
        let page = self.list_with(conn, project_id, filter, req, self.select, |row| {
            rows.push((self.from_row)(row)?);
            Ok(())
        })?;
        Ok(Page {
            rows,
            count: page.count,
            last_seq: page.last_seq,
            more: page.more,
        })
    }

    /// Like [`Table::list`], but selects `select` (the sequence number first, then the `FROM`
    /// clause) and hands each row of the page to `each` as it is read, so a caller can copy
    /// what it needs without building a row value. The returned page has no rows.
    pub(crate) fn list_with(
        &self,
        conn: &Connection,
        project_id: i64,
        filter: &Filter,
        req: PageRequest,
        select: &str,
        mut each: impl FnMut(&rusqlite::Row<'_>) -> Result<(), StoreError>,
    ) -> Result<Page<()>, StoreError> {
        let (cond, args) = self.condition(project_id, filter);
        let from_start = matches!(req.start, Start::After(0) | Start::Skip(0));
        let Some(after) = self.start_after(conn, &cond, &args, req.start)? else {
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
            "SELECT {select} WHERE {cond} AND t.seq > ?{} ORDER BY t.seq LIMIT ?{}",
            args.len() + 1,
            args.len() + 2
        );
        let mut page_args = args;
        page_args.push(SqlValue::Integer(after));
        // One row more than asked tells whether another page follows.
        page_args.push(SqlValue::Integer(req.limit.map_or(-1, |l| l + 1)));
        let mut stmt = conn.prepare_cached(&sql)?;
        let mut n: i64 = 0;
        let mut last_seq = None;
        let mut more = false;
        let mut cursor = stmt.query(params_from_iter(page_args))?;
        while let Some(row) = cursor.next()? {
            if req.limit.is_some_and(|l| n >= l) {
                more = true;
                break;
            }
            last_seq = Some(row.get(0)?);
            each(row)?;
            n += 1;
        }
        drop(cursor);
        drop(stmt);
        let count = match req.count {
            Some(c) => c,
            // A list that fits in its first page counts itself.
            None if from_start && !more => n,
            None => self.count(conn, project_id, filter)?,
        };
        Ok(Page {
            rows: Vec::new(),
            count,
            last_seq,
            more,
        })
    }

    /// The sequence number a page starts after: the cursor's, or that of the last row a page
    /// number skips (read from the index only); `None` past the end.
    fn start_after(
        &self,
        conn: &Connection,
        cond: &str,
        args: &[SqlValue],
        start: Start,
    ) -> Result<Option<i64>, StoreError> {
        match start {
            Start::After(seq) => Ok(Some(seq)),
            Start::Skip(0) => Ok(Some(0)),
            Start::Skip(n) => {
                let sql = format!(
                    "SELECT t.seq FROM {} t WHERE {cond} ORDER BY t.seq LIMIT 1 OFFSET ?{}",
                    self.name,
                    args.len() + 1
                );
                let mut skip_args = args.to_vec();
                skip_args.push(SqlValue::Integer(n - 1));
                Ok(conn
                    .query_row(&sql, params_from_iter(skip_args), |r| r.get(0))
                    .optional()?)
            }
        }
    }

    /// The row `id` of the project, or the table's 404.
    pub(crate) fn get(
        &self,
        conn: &Connection,
        project_id: i64,
        id: &str,
    ) -> Result<R, StoreError> {
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
    pub(crate) fn write(
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
pub(crate) fn execute_unique(
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

/// A field of an update: absent (unchanged) or a new value (`None` = null).
pub(crate) type Change<T> = Option<T>;
