//! A database created before secrets kept their JSON opens, gets the column filled, and lists
//! byte for byte what it listed before.

mod common;

use common::{Api, LIST_QUERY};
use locker_server::{LocalServer, ServerOptions};
use serde_json::json;

/// Names of the columns of `table`.
fn columns(db: &std::path::Path, table: &str) -> Vec<String> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare("SELECT name FROM pragma_table_info(?1)")
        .unwrap();
    stmt.query_map([table], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[tokio::test]
async fn a_database_of_the_earlier_schema_is_migrated_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("locker.db");
    let opts = ServerOptions {
        db_path: Some(db.clone()),
        ..ServerOptions::default()
    };

    let server = LocalServer::start_with(opts.clone()).unwrap();
    let key = server.create_project().unwrap();
    let api = Api::new(&server, &key);
    let prod = api.create_env("prod").await;
    let prod_id = prod["id"].as_str().unwrap();
    let legacy = api
        .post("/v1/environments", &json!({"name": "enc:legacy"}))
        .await
        .json();
    api.create_secret("A", "1", Some(prod_id)).await;
    api.create_secret("B", "2", None).await;
    api.create_secret("C", "3", legacy["id"].as_str()).await;
    let list_path = format!("/v1/secrets?{LIST_QUERY}");
    let paged_path = "/v1/secrets?size=2";
    let before = api.get(&list_path).await.text;
    let paged_before = api.get(paged_path).await.text;
    server.shutdown();

    // Back to the earlier schema: no stored JSON.
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch(
            "DROP INDEX secrets_missing_json; ALTER TABLE secrets DROP COLUMN json;",
        )
        .unwrap();
    }
    assert!(!columns(&db, "secrets").contains(&"json".to_owned()));

    let server = LocalServer::start_with(opts.clone()).unwrap();
    let api = Api::new(&server, &key);
    assert_eq!(api.get(&list_path).await.text, before);
    assert_eq!(api.get(paged_path).await.text, paged_before);
    // Writes keep the filled JSON current.
    let renamed = api
        .put(
            &format!("/v1/environments/{prod_id}"),
            &json!({"name": "enc:production"}),
        )
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.text);
    let list = api.list_secrets("").await;
    assert_eq!(list["results"][0]["environment_name"], "enc:production");
    assert_eq!(list["results"][0]["data"]["key"], "enc:A");
    server.shutdown();

    assert!(columns(&db, "secrets").contains(&"json".to_owned()));
    let conn = rusqlite::Connection::open(&db).unwrap();
    let missing: i64 = conn
        .query_row("SELECT COUNT(*) FROM secrets WHERE json IS NULL", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(missing, 0);
}
