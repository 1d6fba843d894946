//! Every endpoint over HTTP, with the shapes of the wire protocol.

mod common;

use common::Api;
use locker_protocol::crypto::{SymmetricKey, name_hash};
use locker_server::LocalServer;
use serde_json::{Value, json};

#[tokio::test]
async fn profile_returns_a_wrapped_project_key_that_the_secret_unwraps() {
    let server = LocalServer::start().unwrap();
    let key = server.create_project().unwrap();
    assert_eq!(key.project_id, 1);
    let api = Api::new(&server, &key);
    let a = api.get("/v1/profile").await;
    assert_eq!(a.status, 200, "{}", a.text);
    let v = a.json();
    assert_eq!(v["object"], "access_key");
    let p = &v["profile"];
    assert_eq!(p["id"], key.access_key_id.as_str());
    assert_eq!(p["project_id"], 1);
    assert_eq!(p["editable"], true);
    let wrapped = p["key"].as_str().unwrap();
    let unwrapping = SymmetricKey::from_secret_access_key(&key.secret_access_key).unwrap();
    let project_key = unwrapping.unwrap_key(wrapped).unwrap();

    // A second key of the same project unwraps the same project key; a read-only key is not
    // editable.
    let ro = server.create_access_key(&key, true).unwrap();
    let v = Api::new(&server, &ro).get("/v1/profile").await.json();
    assert_eq!(v["profile"]["editable"], false);
    assert_eq!(v["profile"]["project_id"], 1);
    let pk2 = SymmetricKey::from_secret_access_key(&ro.secret_access_key)
        .unwrap()
        .unwrap_key(v["profile"]["key"].as_str().unwrap())
        .unwrap();
    assert_eq!(&*pk2.to_bytes(), &*project_key.to_bytes());

    // A second project gets id 2 and a different key.
    let other = server.create_project().unwrap();
    assert_eq!(other.project_id, 2);
    assert!(!format!("{key:?}").contains(&key.secret_access_key));
}

#[tokio::test]
async fn secrets_create_list_filter_and_update() {
    let server = LocalServer::start().unwrap();
    let key = server.create_project().unwrap();
    let api = Api::new(&server, &key);
    let pk = SymmetricKey::from_secret_access_key(&key.secret_access_key)
        .unwrap()
        .unwrap_key(
            api.get("/v1/profile").await.json()["profile"]["key"]
                .as_str()
                .unwrap(),
        )
        .unwrap();

    let staging = api
        .post(
            "/v1/environments",
            &json!({"name": pk.encrypt("staging"), "hash": name_hash(1, "staging"),
                    "external_url": pk.encrypt("https://staging.example.com")}),
        )
        .await;
    assert!(staging.status == 200 || staging.status == 201);
    let staging = staging.json();
    let env_id = staging["id"].as_str().unwrap().to_owned();

    let body = json!({
        "key": pk.encrypt("REDIS_URL"),
        "value": pk.encrypt("redis://localhost:6379/0"),
        "description": pk.encrypt(""),
        "hash": name_hash(1, "REDIS_URL"),
    });
    let a = api.post("/v1/secrets", &body).await;
    assert!(a.status == 200 || a.status == 201, "{}", a.text);
    let all = a.json();
    assert_eq!(all["object"], "secret");
    assert_eq!(all["environment_id"], Value::Null);
    assert_eq!(all["key"], all["data"]["key"]);
    assert_eq!(all["value"], all["data"]["value"]);
    assert_eq!(all["description"], all["data"]["description"]);
    assert_eq!(
        pk.decrypt(all["value"].as_str().unwrap()).unwrap(),
        "redis://localhost:6379/0"
    );

    let mut body2 = body.clone();
    body2["value"] = Value::from(pk.encrypt("redis://staging:6379/0"));
    body2["environment_id"] = Value::from(env_id.as_str());
    body2["environment_name"] = Value::from(pk.encrypt("staging"));
    let in_env = api.post("/v1/secrets", &body2).await.json();
    assert_eq!(in_env["environment_id"], env_id.as_str());
    assert_eq!(in_env["environment_hash"], name_hash(1, "staging").as_str());
    assert_eq!(
        pk.decrypt(in_env["environment_name"].as_str().unwrap())
            .unwrap(),
        "staging"
    );
    api.create_secret("OTHER", "x", None).await;

    // Full list, empty hash = no filter.
    let list = api.list_secrets("hash=").await;
    assert_eq!(list["count"], 3);
    assert_eq!(list["next"], Value::Null);
    assert_eq!(list["previous"], Value::Null);
    assert!(list["revision_date"].is_f64());
    assert_eq!(list["results"].as_array().unwrap().len(), 3);
    assert_eq!(list["results"][0]["id"], all["id"]);

    // Hash filter.
    let h = name_hash(1, "REDIS_URL");
    let list = api.list_secrets(&format!("hash={h}")).await;
    assert_eq!(list["count"], 2);
    // Environment filter.
    let list = api.list_secrets(&format!("environment_id={env_id}")).await;
    assert_eq!(list["count"], 1);
    assert_eq!(list["results"][0]["id"], in_env["id"]);

    // Update: only present fields change; "" moves to All — here it would collide with the
    // existing REDIS_URL in All, so rename first.
    let id = in_env["id"].as_str().unwrap();
    let upd = api
        .put(
            &format!("/v1/secrets/{id}"),
            &json!({"key": pk.encrypt("CACHE_URL"), "hash": name_hash(1, "CACHE_URL")}),
        )
        .await;
    assert_eq!(upd.status, 200, "{}", upd.text);
    let upd = upd.json();
    assert_eq!(upd["secret_hash"], name_hash(1, "CACHE_URL").as_str());
    assert_eq!(upd["value"], in_env["value"]);
    assert_eq!(upd["environment_id"], env_id.as_str());
    assert!(upd["revision_date"].as_f64() > in_env["revision_date"].as_f64());
    let moved = api
        .put(
            &format!("/v1/secrets/{id}"),
            &json!({"environment_id": "", "environment_name": pk.encrypt(""),
                    "hash": name_hash(1, "CACHE_URL")}),
        )
        .await
        .json();
    assert_eq!(moved["environment_id"], Value::Null);
    assert_eq!(moved["environment_name"], Value::Null);
    let back = api
        .put(
            &format!("/v1/secrets/{id}"),
            &json!({"environment_id": env_id, "description": null}),
        )
        .await
        .json();
    assert_eq!(back["environment_id"], env_id.as_str());
    assert_eq!(back["description"], Value::Null);
    assert_eq!(back["data"]["description"], Value::Null);
}

#[tokio::test]
async fn environments_create_list_filter_update_and_rename_propagates() {
    let server = LocalServer::start().unwrap();
    let key = server.create_project().unwrap();
    let api = Api::new(&server, &key);
    let env = api
        .post(
            "/v1/environments",
            &json!({"name": "n1", "hash": "h1", "external_url": "u1", "description": "d1"}),
        )
        .await;
    assert!(env.status == 200 || env.status == 201);
    let env = env.json();
    assert_eq!(env["object"], "environment");
    assert_eq!(env["project_id"], 1);
    assert_eq!(env["hash"], "h1");
    for f in ["name", "external_url", "description"] {
        assert_eq!(env[f], env["data"][f], "{f}");
    }
    api.create_env("prod").await;
    let q = "count_environment=1&page=1&paging=1&revision_date=0.000000&size=2000";
    let list = api.get(&format!("/v1/environments?{q}&hash=")).await.json();
    assert_eq!(list["count"], 2);
    assert_eq!(list["results"][0]["id"], env["id"]);
    let list = api
        .get(&format!("/v1/environments?{q}&hash=h1"))
        .await
        .json();
    assert_eq!(list["count"], 1);

    let env_id = env["id"].as_str().unwrap();
    let secret = api.create_secret("K", "v", Some(env_id)).await;
    assert_eq!(secret["environment_name"], "n1");

    let upd = api
        .put(
            &format!("/v1/environments/{env_id}"),
            &json!({"name": "n2", "hash": "h2", "external_url": null}),
        )
        .await;
    assert_eq!(upd.status, 200, "{}", upd.text);
    let upd = upd.json();
    assert_eq!(upd["name"], "n2");
    assert_eq!(upd["data"]["name"], "n2");
    assert_eq!(upd["hash"], "h2");
    assert_eq!(upd["external_url"], Value::Null);
    assert_eq!(upd["description"], "d1");
    let list = api.list_secrets("hash=").await;
    assert_eq!(list["results"][0]["environment_name"], "n2");
    assert_eq!(list["results"][0]["environment_hash"], "h2");
}

#[tokio::test]
async fn sync_probes_are_bare_numbers_that_move() {
    let server = LocalServer::start().unwrap();
    let key = server.create_project().unwrap();
    let api = Api::new(&server, &key);
    let probe = |path: &'static str| {
        let api = api.clone();
        async move {
            let a = api.get(path).await;
            assert_eq!(a.status, 200);
            assert_eq!(a.content_type.as_deref(), Some("application/json"));
            assert!(!a.text.ends_with('\n'), "{:?}", a.text);
            assert!(!a.text.starts_with('"'), "{:?}", a.text);
            a.text.parse::<f64>().unwrap()
        }
    };
    let rd0 = probe("/v1/sync/revision_date").await;
    assert!(rd0 > 1.6e9);
    assert_eq!(probe("/v1/sync/secrets/count").await, 0.0);
    assert_eq!(probe("/v1/sync/environments/count").await, 0.0);
    let del = probe("/v1/sync/deleted_item_date").await;

    let env = api.create_env("e").await;
    let rd1 = probe("/v1/sync/revision_date").await;
    assert!(rd1 > rd0);
    assert_eq!(probe("/v1/sync/environments/count").await, 1.0);
    let s = api.create_secret("A", "1", None).await;
    api.create_secret("B", "1", env["id"].as_str()).await;
    let rd2 = probe("/v1/sync/revision_date").await;
    assert!(rd2 > rd1);
    assert_eq!(probe("/v1/sync/secrets/count").await, 2.0);
    let id = s["id"].as_str().unwrap();
    assert_eq!(
        api.put(&format!("/v1/secrets/{id}"), &json!({"value": "x"}))
            .await
            .status,
        200
    );
    let rd3 = probe("/v1/sync/revision_date").await;
    assert!(rd3 > rd2);
    assert_eq!(probe("/v1/sync/deleted_item_date").await, del);

    // The list's revision_date is the project's.
    let list = api.list_secrets("hash=").await;
    assert_eq!(list["revision_date"].as_f64().unwrap(), rd3);
    // Accepts the server's own revision date and a bare 0 as the revision_date parameter:
    // an official client (no X-Locker-Delta header) gets everything for each; a client that
    // asks for deltas gets nothing changed after the server's own date, everything after 0.
    for (rd, count, delta_count) in [
        (format!("{rd3}"), 2, 0),
        ("0".to_owned(), 2, 2),
        ("0.000000".to_owned(), 2, 2),
    ] {
        let path = format!(
            "/v1/secrets?count_secrets=1&page=1&paging=1&revision_date={rd}&size=2000&hash="
        );
        let a = api.get(&path).await;
        assert_eq!(a.status, 200);
        assert_eq!(a.json()["count"], count, "{rd}");
        let a = api.clone().delta().get(&path).await;
        assert_eq!(a.status, 200);
        assert_eq!(a.json()["count"], delta_count, "{rd} with the delta header");
    }
}

#[tokio::test]
async fn pagination_follows_relative_next_links() {
    let server = LocalServer::start().unwrap();
    let key = server.create_project().unwrap();
    let api = Api::new(&server, &key);
    for i in 0..5 {
        api.create_secret(&format!("K{i}"), "v", None).await;
    }
    let mut path =
        "/v1/secrets?count_secrets=1&page=1&paging=1&revision_date=0.000000&size=2&hash="
            .to_owned();
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let page = api.get(&path).await.json();
        pages += 1;
        assert_eq!(page["count"], 5);
        if pages == 1 {
            assert_eq!(page["previous"], Value::Null);
        } else {
            assert!(
                page["previous"]
                    .as_str()
                    .unwrap()
                    .starts_with("/v1/secrets?")
            );
        }
        for r in page["results"].as_array().unwrap() {
            seen.push(r["key"].as_str().unwrap().to_owned());
        }
        match page["next"].as_str() {
            Some(next) => {
                assert!(next.starts_with("/v1/secrets?"), "{next}");
                assert!(next.contains("size=2") && next.contains("hash="), "{next}");
                path = next.to_owned();
            }
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let want: Vec<String> = (0..5).map(|i| format!("enc:K{i}")).collect();
    assert_eq!(seen, want);

    // Environments page the same way, and a page past the end is empty.
    for i in 0..3 {
        api.create_env(&format!("e{i}")).await;
    }
    let p = api.get("/v1/environments?page=2&size=2&hash=").await.json();
    assert_eq!(p["count"], 3);
    assert_eq!(p["results"].as_array().unwrap().len(), 1);
    assert_eq!(p["next"], Value::Null);
    assert_eq!(p["previous"], "/v1/environments?page=1&size=2&hash=");
    let p = api.get("/v1/environments?page=9&size=2").await.json();
    assert_eq!(p["results"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn every_route_is_also_served_under_the_locker_secrets_prefix() {
    let server = LocalServer::start().unwrap();
    let key = server.create_project().unwrap();
    let api = Api::new(&server, &key).with_prefix("/locker_secrets");
    assert_eq!(api.get("/v1/profile").await.status, 200);
    let env = api.create_env("x").await;
    api.create_secret("A", "b", env["id"].as_str()).await;
    let list = api.list_secrets("hash=").await;
    assert_eq!(list["count"], 1);
    assert_eq!(api.get("/v1/sync/secrets/count").await.text, "1");
    let log = server.request_log();
    assert!(log.iter().all(|r| r.path.starts_with("/v1/")), "{log:?}");
    assert_eq!(log[0].method, "GET");
    assert_eq!(log[0].path, "/v1/profile");
    assert_eq!(log[0].status, 200);
    let posts: Vec<_> = log.iter().filter(|r| r.method == "POST").collect();
    assert_eq!(posts.len(), 2);
    assert!(log.iter().any(|r| r.query.contains("count_secrets=1")));
    server.clear_request_log();
    assert!(server.request_log().is_empty());
}

#[test]
fn works_from_plain_sync_tests_and_shuts_down() {
    let server = LocalServer::start().unwrap();
    let key = server.create_project().unwrap();
    let addr = server.addr();
    assert_eq!(server.base_url(), format!("http://{addr}"));
    let db = server.store().path().to_owned();
    assert!(db.exists());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let status = rt.block_on(async { Api::new(&server, &key).get("/v1/profile").await.status });
    assert_eq!(status, 200);
    server.shutdown();
    assert!(!db.exists(), "temporary database removed on shutdown");
    assert!(
        std::net::TcpStream::connect(addr).is_err(),
        "nothing listens after shutdown"
    );
}
