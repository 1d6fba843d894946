//! Secrets and environments: their rows ([`secrets`], [`environments`]) read and written
//! through one keyset-paged table reader ([`table`]); an environment's update, whose rename
//! changes its secrets too, above both ([`rename`]).

pub(crate) mod environments;
pub(crate) mod rename;
pub(crate) mod secrets;
pub(crate) mod table;

pub(crate) use environments::{
    EnvironmentChanges, NewEnvironment, count_environments, create_environment, list_environments,
};
pub(crate) use rename::update_environment;
pub use secrets::SecretImport;
pub(crate) use secrets::{
    NewSecret, SecretChanges, count_secrets, create_secret, list_secret_json, list_secrets,
    update_secret,
};
pub(crate) use table::{Filter, Page, PageRequest, Start};

#[cfg(test)]
mod tests {
    use rusqlite::types::Value as SqlValue;
    use rusqlite::{Connection, params_from_iter};

    use super::environments::ENVIRONMENTS;
    use super::secrets::SECRETS;
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
    fn finding_secrets_without_json_reads_only_a_partial_index() {
        let store = Store::temporary().unwrap();
        let conn = store.lock();
        for (sql, args) in [
            (
                "SELECT DISTINCT project_id FROM secrets WHERE json IS NULL",
                vec![],
            ),
            (
                "SELECT t.id FROM secrets t WHERE t.project_id = ?1 AND t.json IS NULL",
                vec![SqlValue::Integer(1)],
            ),
        ] {
            let p = plan(&conn, sql, &args);
            assert!(p.contains("secrets_missing_json"), "{sql}: {p}");
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
