//! A local server stops and starts again on the same address while clients keep connections
//! open (a Locker restart): the new listener binds at once, as `SO_REUSEADDR` allows.

mod common;

use common::Api;
use locker_server::{LocalServer, ServerOptions};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_restarts_on_its_address_while_keep_alive_connections_were_open() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("locker.db");
    let first = LocalServer::start_with(ServerOptions {
        db_path: Some(db.clone()),
        ..ServerOptions::default()
    })
    .unwrap();
    let addr = first.addr();
    let key = first.create_project().unwrap();
    // One client, kept across the restart: its pooled keep-alive connections are open when
    // the server stops.
    let api = Api::new(&first, &key);
    let mut requests = tokio::task::JoinSet::new();
    for i in 0..8 {
        let api = api.clone();
        requests.spawn(async move { api.create_secret(&format!("K{i}"), "v", None).await });
    }
    requests.join_all().await;
    assert_eq!(api.get("/v1/sync/secrets/count").await.text, "8");

    tokio::task::spawn_blocking(move || first.shutdown())
        .await
        .unwrap();
    let second = tokio::task::spawn_blocking(move || {
        LocalServer::start_with(ServerOptions {
            db_path: Some(db),
            listen: addr,
        })
    })
    .await
    .unwrap()
    .expect("the restarted server binds the same address");
    assert_eq!(second.addr(), addr);

    // The same client is served by the new server: its stale pooled connections are retried
    // on fresh ones (or fail once, as connections closed under a client may).
    let mut answer = api.try_send("GET", "/v1/sync/secrets/count", None).await;
    if answer.is_err() {
        answer = api.try_send("GET", "/v1/sync/secrets/count", None).await;
    }
    assert_eq!(answer.unwrap().text, "8");
    let fresh = Api::new(&second, &key);
    let listed = fresh.list_secrets("hash=").await;
    assert_eq!(listed["count"], 8);
    second.shutdown();
}
