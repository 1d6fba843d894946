//! The legacy `GET /v1/sync` read of 2023 clients, and environments created without a hash.

mod common;

use common::Api;
use locker_server::LocalServer;
use serde_json::{Value, json};

#[tokio::test]
async fn legacy_sync_returns_profile_secrets_environments_and_counts() {
    let server = LocalServer::start().unwrap();
    let key = server.create_project().unwrap();
    let api = Api::new(&server, &key);

    // Legacy clients create environments without a hash; several of them must not collide.
    let e1 = api
        .post("/v1/environments", &json!({"name": "legacy-1"}))
        .await;
    assert_eq!(e1.status, 201, "{}", e1.text);
    let e1 = e1.json();
    assert_eq!(e1["hash"], "");
    let e2 = api
        .post("/v1/environments", &json!({"name": "legacy-2", "hash": ""}))
        .await;
    assert_eq!(e2.status, 201, "{}", e2.text);
    api.create_env("modern").await;
    let e1_id = e1["id"].as_str().unwrap();
    api.create_secret("A", "1", Some(e1_id)).await;
    api.create_secret("B", "2", None).await;

    for prefix in ["", "/locker_secrets"] {
        for q in [
            "size=1000&paging=1&count_secrets=1&page=1",
            "size=1000&paging=1&count_environment=1&page=1",
        ] {
            let a = api.get(&format!("{prefix}/v1/sync?{q}")).await;
            assert_eq!(a.status, 200, "{}", a.text);
            let v = a.json();
            assert_eq!(v["object"], "sync");
            assert_eq!(v["profile"]["id"], key.access_key_id.as_str());
            assert!(v["profile"]["key"].as_str().unwrap().starts_with("2."));
            assert_eq!(v["count"]["projects"], 1);
            assert_eq!(v["count"]["secrets"], 2);
            assert_eq!(v["count"]["environments"], 3);
            let secrets = v["secrets"].as_array().unwrap();
            assert_eq!(secrets.len(), 2);
            assert_eq!(secrets[0]["key"], "enc:A");
            assert_eq!(secrets[0]["environment_id"], e1_id);
            assert_eq!(secrets[0]["environment_name"], "legacy-1");
            assert_eq!(secrets[0]["environment_hash"], Value::Null);
            let envs = v["environments"].as_array().unwrap();
            assert_eq!(envs.len(), 3);
            // Legacy clients read environment fields from `data` only.
            assert_eq!(envs[0]["data"]["name"], "legacy-1");
            assert_eq!(envs[0]["id"], e1_id);
        }
    }
    // An environment without hash can be renamed by id.
    let upd = api
        .put(
            &format!("/v1/environments/{e1_id}"),
            &json!({"name": "legacy-1b"}),
        )
        .await;
    assert_eq!(upd.status, 200);
    assert_eq!(upd.json()["hash"], "");
    // An empty hash filter lists all of them.
    let list = api.get("/v1/environments?hash=").await.json();
    assert_eq!(list["count"], 3);
}

#[tokio::test]
async fn legacy_sync_requires_authentication() {
    let server = LocalServer::start().unwrap();
    Api::anonymous(&server)
        .get("/v1/sync?size=1000&paging=1&count_secrets=1&page=1")
        .await
        .assert_error(401);
}
