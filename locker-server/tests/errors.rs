//! Authentication, permissions, duplicates and bad input: each answered with the right status
//! and a JSON error body.

mod common;

use common::Api;
use locker_server::{Fault, LocalServer};
use serde_json::json;

#[tokio::test]
async fn missing_or_unknown_tokens_are_401_with_the_official_body() {
    let server = LocalServer::start().unwrap();
    let key = server.create_project().unwrap();
    let anon = Api::anonymous(&server);
    for path in [
        "/v1/profile",
        "/v1/sync/revision_date",
        "/v1/sync/deleted_item_date",
        "/v1/sync/secrets/count",
        "/v1/sync/environments/count",
        "/v1/secrets",
        "/v1/environments",
        "/v1/sync?page=1",
        "/locker_secrets/v1/profile",
    ] {
        let v = anon.get(path).await.assert_error(401);
        assert_eq!(v["code"], "0000", "{path}");
        assert_eq!(v["message"], "The authentication token is invalid");
    }
    let a = anon
        .post("/v1/secrets", &json!({"key": "k", "value": "v"}))
        .await;
    a.assert_error(401);

    let mut unknown = Api::new(&server, &key);
    unknown.token = Some("00000000-0000-4000-8000-000000000000".into());
    unknown.get("/v1/profile").await.assert_error(401);
    // The secret access key is not a token.
    unknown.token = Some(key.secret_access_key.clone());
    unknown.get("/v1/profile").await.assert_error(401);
    // Wrong scheme.
    let a = reqwest::Client::new()
        .get(format!("{}/v1/profile", server.base_url()))
        .header("Authorization", format!("Basic {}", key.access_key_id))
        .send()
        .await
        .unwrap();
    assert_eq!(a.status().as_u16(), 401);
}

#[tokio::test]
async fn read_only_keys_read_but_cannot_write() {
    let server = LocalServer::start().unwrap();
    let key = server.create_project().unwrap();
    let rw = Api::new(&server, &key);
    let env = rw.create_env("e").await;
    let secret = rw.create_secret("A", "1", None).await;
    let ro_key = server.create_access_key(&key, true).unwrap();
    assert!(ro_key.read_only);
    let ro = Api::new(&server, &ro_key);
    ro.list_secrets("hash=").await;
    assert_eq!(ro.get("/v1/environments").await.status, 200);
    let writes = [
        ro.post(
            "/v1/secrets",
            &json!({"key": "k", "value": "v", "hash": "h"}),
        )
        .await,
        ro.put(
            &format!("/v1/secrets/{}", secret["id"].as_str().unwrap()),
            &json!({"value": "x"}),
        )
        .await,
        ro.post("/v1/environments", &json!({"name": "n", "hash": "h"}))
            .await,
        ro.put(
            &format!("/v1/environments/{}", env["id"].as_str().unwrap()),
            &json!({"name": "x"}),
        )
        .await,
    ];
    for a in writes {
        assert_eq!(a.assert_error(403)["code"], "0002");
    }
    assert_eq!(ro.get("/v1/sync/secrets/count").await.text, "1");
    // A second read-write key can write.
    let rw2 = Api::new(&server, &server.create_access_key(&ro_key, false).unwrap());
    rw2.create_secret("B", "2", None).await;
}

#[tokio::test]
async fn projects_are_isolated() {
    let server = LocalServer::start().unwrap();
    let a = Api::new(&server, &server.create_project().unwrap());
    let b = Api::new(&server, &server.create_project().unwrap());
    let env = a.create_env("e").await;
    let secret = a.create_secret("A", "1", None).await;
    // Same names in another project do not collide.
    b.create_env("e").await;
    b.create_secret("A", "1", None).await;
    assert_eq!(b.get("/v1/sync/secrets/count").await.text, "1");
    // Another project's ids are unknown.
    let sid = secret["id"].as_str().unwrap();
    let eid = env["id"].as_str().unwrap();
    b.put(&format!("/v1/secrets/{sid}"), &json!({"value": "x"}))
        .await
        .assert_error(404);
    b.put(&format!("/v1/environments/{eid}"), &json!({"name": "x"}))
        .await
        .assert_error(404);
    b.post(
        "/v1/secrets",
        &json!({"key": "k", "value": "v", "hash": "h", "environment_id": eid}),
    )
    .await
    .assert_error(404);
}

#[tokio::test]
async fn duplicates_are_400_with_the_official_messages() {
    let server = LocalServer::start().unwrap();
    let api = Api::new(&server, &server.create_project().unwrap());
    let e1 = api.create_env("e1").await;
    let e2 = api.create_env("e2").await;
    let e1_id = e1["id"].as_str().unwrap();

    // (hash, environment) is unique; the same hash in another environment or in All is fine.
    api.create_secret("A", "1", None).await;
    api.create_secret("A", "1", Some(e1_id)).await;
    let b = api.create_secret("B", "1", Some(e1_id)).await;
    let secret_b = format!("/v1/secrets/{}", b["id"].as_str().unwrap());
    let e2_id = e2["id"].as_str().unwrap();
    let env_2 = format!("/v1/environments/{e2_id}");
    for (method, path, body, message) in [
        (
            "POST",
            "/v1/secrets",
            json!({"key": "k", "value": "v", "hash": "h:A"}),
            "This secret hash already exists",
        ),
        (
            "POST",
            "/v1/secrets",
            json!({"key": "k", "value": "v", "hash": "h:A", "environment_id": e1_id}),
            "This secret hash already exists",
        ),
        // Update into an existing (hash, environment).
        (
            "PUT",
            &secret_b,
            json!({"hash": "h:A"}),
            "This hash value already existed",
        ),
        (
            "PUT",
            &secret_b,
            json!({"hash": "h:A", "environment_id": ""}),
            "This hash value already existed",
        ),
        (
            "POST",
            "/v1/environments",
            json!({"name": "x", "hash": "h:e1"}),
            "This environment hash already exists",
        ),
        (
            "PUT",
            &env_2,
            json!({"hash": "h:e1"}),
            "The environment hash already existed",
        ),
    ] {
        let a = api.send(method, path, Some(&body.to_string())).await;
        assert_eq!(
            a.assert_error(400)["message"],
            message,
            "{method} {path} {body}"
        );
    }
    // Nothing changed.
    assert_eq!(api.get("/v1/sync/secrets/count").await.text, "3");
    assert_eq!(api.get("/v1/sync/environments/count").await.text, "2");
    // Renaming to its own hash is not a duplicate.
    let same = api.put(&env_2, &json!({"hash": "h:e2", "name": "n"})).await;
    assert_eq!(same.status, 200);
}

#[tokio::test]
async fn bad_input_is_answered_with_a_json_error() {
    let server = LocalServer::start().unwrap();
    let api = Api::new(&server, &server.create_project().unwrap());
    let env = api.create_env("e").await;
    let secret = api.create_secret("A", "1", None).await;
    let sid = secret["id"].as_str().unwrap().to_owned();
    let eid = env["id"].as_str().unwrap().to_owned();

    let cases: Vec<(&str, String, Option<String>, u16)> = vec![
        ("POST", "/v1/secrets".into(), Some("{not json".into()), 400),
        ("POST", "/v1/secrets".into(), Some("".into()), 400),
        ("POST", "/v1/secrets".into(), Some("[1,2]".into()), 400),
        (
            "POST",
            "/v1/secrets".into(),
            Some(r#"{"key":1,"value":"v","hash":"h"}"#.into()),
            400,
        ),
        (
            "POST",
            "/v1/secrets".into(),
            Some(r#"{"value":"v","hash":"h"}"#.into()),
            400,
        ),
        (
            "POST",
            "/v1/secrets".into(),
            Some(r#"{"key":"k","hash":"h"}"#.into()),
            400,
        ),
        (
            "POST",
            "/v1/secrets".into(),
            Some(r#"{"key":"k","value":"v","hash":["h"]}"#.into()),
            400,
        ),
        (
            "POST",
            "/v1/secrets".into(),
            Some(r#"{"key":"k","value":"v","hash":"h","environment_id":"nope"}"#.into()),
            404,
        ),
        (
            "PUT",
            format!("/v1/secrets/{sid}"),
            Some(r#"{"value":null}"#.into()),
            400,
        ),
        (
            "PUT",
            format!("/v1/secrets/{sid}"),
            Some(r#"{"value":true}"#.into()),
            400,
        ),
        (
            "PUT",
            format!("/v1/secrets/{sid}"),
            Some(r#"{"environment_id":"nope"}"#.into()),
            404,
        ),
        (
            "PUT",
            "/v1/secrets/unknown-id".into(),
            Some(r#"{"value":"x"}"#.into()),
            404,
        ),
        (
            "POST",
            "/v1/environments".into(),
            Some(r#"{"hash":"h"}"#.into()),
            400,
        ),
        (
            "POST",
            "/v1/environments".into(),
            Some(r#"{"name":{}}"#.into()),
            400,
        ),
        (
            "PUT",
            format!("/v1/environments/{eid}"),
            Some(r#"{"name":null}"#.into()),
            400,
        ),
        (
            "PUT",
            format!("/v1/environments/{eid}"),
            Some("nope".into()),
            400,
        ),
        (
            "PUT",
            "/v1/environments/unknown".into(),
            Some(r#"{"name":"x"}"#.into()),
            404,
        ),
        (
            "PUT",
            "/v1/secrets/%FF".into(),
            Some(r#"{"value":"x"}"#.into()),
            400,
        ),
        ("GET", "/v1/secrets?page=abc".into(), None, 400),
        ("GET", "/v1/secrets?page=%FF".into(), None, 400),
        ("GET", "/v1/secrets?page=0".into(), None, 400),
        ("GET", "/v1/secrets?size=-1".into(), None, 400),
        ("GET", "/v1/environments?size=x".into(), None, 400),
        (
            "GET",
            "/v1/secrets?revision_date=yesterday".into(),
            None,
            400,
        ),
        ("GET", "/v1/nothing-here".into(), None, 404),
        ("GET", "/".into(), None, 404),
        ("DELETE", format!("/v1/secrets/{sid}"), None, 405),
        ("PATCH", "/v1/environments".into(), Some("{}".into()), 405),
    ];
    for (method, path, body, status) in cases {
        let a = api.send(method, &path, body.as_deref()).await;
        assert_eq!(a.status, status, "{method} {path} {body:?}: {}", a.text);
        a.assert_error(status);
        assert!(a.content_type.unwrap().starts_with("application/json"));
    }
    // Nothing was written by the failed requests.
    assert_eq!(api.get("/v1/sync/secrets/count").await.text, "1");
    assert_eq!(api.get("/v1/sync/environments/count").await.text, "1");
}

#[tokio::test]
async fn oversized_bodies_are_413() {
    let server = LocalServer::start().unwrap();
    let api = Api::new(&server, &server.create_project().unwrap());
    let big = "x".repeat(2 * 1024 * 1024);
    let body = json!({"key": "k", "value": big, "hash": "h"});
    let a = api.post("/v1/secrets", &body).await;
    assert_eq!(a.assert_error(413)["code"], "0005");
    // A large but allowed value still works.
    let ok = json!({"key": "k", "value": "y".repeat(512 * 1024), "hash": "h"});
    assert_eq!(api.post("/v1/secrets", &ok).await.status, 201);
}

#[tokio::test]
async fn early_answers_to_large_bodies_are_json_not_a_reset_connection() {
    let server = LocalServer::start().unwrap();
    let key = server.create_project().unwrap();
    let rw = Api::new(&server, &key);
    let ro = Api::new(&server, &server.create_access_key(&key, true).unwrap());
    let anon = Api::anonymous(&server);
    let mut unknown = Api::new(&server, &key);
    unknown.token = Some("00000000-0000-4000-8000-000000000000".into());
    for size in [2 * 1024 * 1024, 16 * 1024 * 1024 - 64] {
        let body = format!(r#"{{"key":"k","value":"{}","hash":"h"}}"#, "x".repeat(size));
        for (api, path, status) in [
            (&anon, "/v1/secrets", 401),
            (&unknown, "/v1/secrets", 401),
            (&ro, "/v1/secrets", 403),
            (&rw, "/v1/nothing-here", 404),
            (&rw, "/v1/secrets", 503),
        ] {
            if status == 503 {
                server.inject(Fault::Status {
                    status,
                    retry_after: None,
                    times: 1,
                });
            }
            let a = api
                .try_send("POST", path, Some(&body))
                .await
                .unwrap_or_else(|e| panic!("{size} bytes to {path}, expected {status}: {e}"));
            a.assert_error(status);
        }
    }
    assert_eq!(rw.get("/v1/sync/secrets/count").await.text, "0");
}

#[tokio::test]
async fn permission_is_checked_before_the_body_is_parsed() {
    let server = LocalServer::start().unwrap();
    let key = server.create_project().unwrap();
    let rw = Api::new(&server, &key);
    let env = rw.create_env("e").await;
    let secret = rw.create_secret("A", "1", None).await;
    let ro = Api::new(&server, &server.create_access_key(&key, true).unwrap());
    let sid = secret["id"].as_str().unwrap();
    let eid = env["id"].as_str().unwrap();
    for (method, path) in [
        ("POST", "/v1/secrets".to_owned()),
        ("PUT", format!("/v1/secrets/{sid}")),
        ("POST", "/v1/environments".to_owned()),
        ("PUT", format!("/v1/environments/{eid}")),
    ] {
        for body in ["{not json", "", "[1,2]", r#"{"key":1}"#] {
            let a = ro.send(method, &path, Some(body)).await;
            assert_eq!(
                a.assert_error(403)["code"],
                "0002",
                "{method} {path} {body:?}"
            );
        }
    }
    // Without a valid token it is 401 before anything else.
    Api::anonymous(&server)
        .send("POST", "/v1/secrets", Some("{not json"))
        .await
        .assert_error(401);
}

#[tokio::test]
async fn access_key_issuing_errors_are_typed() {
    let server = LocalServer::start().unwrap();
    let key = server.create_project().unwrap();
    let mut wrong = key.clone();
    wrong.secret_access_key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=".into();
    let err = server.create_access_key(&wrong, false).unwrap_err();
    assert!(
        matches!(err, locker_server::ServerError::Crypto(_)),
        "{err:?}"
    );
    assert!(!err.to_string().contains(&wrong.secret_access_key));

    let mut bad = key.clone();
    bad.secret_access_key = "not base64!".into();
    assert!(matches!(
        server.create_access_key(&bad, false).unwrap_err(),
        locker_server::ServerError::Crypto(_)
    ));

    let mut unknown = key.clone();
    unknown.access_key_id = "nope".into();
    assert!(matches!(
        server.create_access_key(&unknown, false).unwrap_err(),
        locker_server::ServerError::UnknownAccessKey(_)
    ));

    let mut other_project = key.clone();
    other_project.project_id = 7;
    assert!(matches!(
        server.create_access_key(&other_project, false).unwrap_err(),
        locker_server::ServerError::ProjectMismatch { .. }
    ));
}
