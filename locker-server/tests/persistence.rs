//! A database file survives a restart: projects, keys, environments, secrets and the revision.

mod common;

use common::Api;
use locker_server::{LocalServer, ServerOptions};

#[tokio::test]
async fn data_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("locker.db");
    let opts = ServerOptions {
        db_path: Some(db.clone()),
        ..ServerOptions::default()
    };

    let server = LocalServer::start_with(opts.clone()).unwrap();
    let key = server.create_project().unwrap();
    let api = Api::new(&server, &key);
    let env = api.create_env("prod").await;
    let secret = api.create_secret("A", "1", env["id"].as_str()).await;
    api.create_secret("B", "2", None).await;
    let rd = api.get("/v1/sync/revision_date").await.text;
    let profile = api.get("/v1/profile").await.json();
    server.shutdown();
    assert!(db.exists());

    let server = LocalServer::start_with(opts.clone()).unwrap();
    let api = Api::new(&server, &key);
    assert_eq!(
        api.get("/v1/profile").await.json()["profile"],
        profile["profile"]
    );
    assert_eq!(api.get("/v1/sync/revision_date").await.text, rd);
    let list = api.list_secrets("hash=").await;
    assert_eq!(list["count"], 2);
    assert_eq!(list["results"][0], secret);
    assert_eq!(api.get("/v1/sync/environments/count").await.text, "1");
    // Keys can still be issued from a key created before the restart, and ids keep counting.
    let ro = server.create_access_key(&key, true).unwrap();
    assert_eq!(Api::new(&server, &ro).get("/v1/profile").await.status, 200);
    assert_eq!(server.create_project().unwrap().project_id, 2);
    // Uniqueness still holds after the restart.
    let dup = api
        .post(
            "/v1/secrets",
            &serde_json::json!({"key": "k", "value": "v", "hash": "h:B"}),
        )
        .await;
    dup.assert_error(400);
    drop(server);

    // The same file can also be opened directly (e.g. by the command line) while no server runs.
    let store = locker_server::Store::open(&db).unwrap();
    assert_eq!(store.create_project().unwrap().project_id, 3);
}

#[test]
fn temporary_databases_are_independent_and_removed() {
    let a = LocalServer::start().unwrap();
    let b = LocalServer::start().unwrap();
    assert_ne!(a.store().path(), b.store().path());
    assert_eq!(a.create_project().unwrap().project_id, 1);
    assert_eq!(b.create_project().unwrap().project_id, 1);
    let path = a.store().path().to_owned();
    drop(a);
    assert!(!path.exists());
}

#[cfg(unix)]
#[test]
fn database_files_are_private_to_their_owner() {
    use std::os::unix::fs::PermissionsExt;

    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("locker.db");
    let server = LocalServer::start_with(ServerOptions {
        db_path: Some(db.clone()),
        ..ServerOptions::default()
    })
    .unwrap();
    server.create_project().unwrap();
    for suffix in ["", "-wal", "-shm"] {
        let path = dir.path().join(format!("locker.db{suffix}"));
        if let Ok(meta) = std::fs::metadata(&path) {
            assert_eq!(
                meta.permissions().mode() & 0o777,
                0o600,
                "{} is readable by others",
                path.display()
            );
        }
    }
    assert!(db.exists());
    server.shutdown();
}
