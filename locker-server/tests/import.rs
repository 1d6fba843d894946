//! Seeding a project in bulk through `Store::import_secrets`.

mod common;

use common::Api;
use locker_server::{LocalServer, SecretImport, ServerError};

fn secret(i: usize, env: Option<&str>) -> SecretImport {
    SecretImport {
        key: format!("enc:K{i}"),
        value: format!("enc:value-{i}"),
        description: None,
        hash: format!("h:K{i}"),
        environment_id: env.map(str::to_owned),
    }
}

#[tokio::test]
async fn imported_secrets_are_served_like_created_ones() {
    let server = LocalServer::start().unwrap();
    let key = server.create_project().unwrap();
    let api = Api::new(&server, &key);
    let env = api.create_env("prod").await;
    let env_id = env["id"].as_str().unwrap();
    let before = api.get("/v1/sync/revision_date").await.text;
    let n = server
        .store()
        .import_secrets(
            key.project_id,
            (0..2500).map(|i| secret(i, (i % 2 == 0).then_some(env_id))),
        )
        .unwrap();
    assert_eq!(n, 2500);
    let after = api.get("/v1/sync/revision_date").await.text;
    assert!(after.parse::<f64>().unwrap() > before.parse::<f64>().unwrap());
    assert_eq!(api.get("/v1/sync/secrets/count").await.text, "2500");
    let page = api.list_secrets("hash=h:K10").await;
    assert_eq!(page["count"], 1);
    let s = &page["results"][0];
    assert_eq!(s["environment_id"], env_id);
    assert_eq!(s["environment_name"], "enc:prod");
    assert_eq!(s["data"]["value"], "enc:value-10");
    // All of them changed after the revision before the import.
    let delta = api
        .clone()
        .delta()
        .get(&format!(
            "/v1/secrets?page=1&size=2000&revision_date={before}"
        ))
        .await
        .json();
    assert_eq!(delta["count"], 2500);
}

#[test]
fn a_bad_import_writes_nothing_and_says_why() {
    let server = LocalServer::start().unwrap();
    let key = server.create_project().unwrap();
    let store = server.store();
    let p = key.project_id;
    let err = store
        .import_secrets(p, [secret(1, None), secret(1, None)])
        .unwrap_err();
    assert!(matches!(err, ServerError::Duplicate(_)), "{err:?}");
    let err = store
        .import_secrets(p, [secret(2, Some("no-such-environment"))])
        .unwrap_err();
    assert!(matches!(err, ServerError::NotFound(_)), "{err:?}");
    let err = store.import_secrets(99, [secret(3, None)]).unwrap_err();
    assert!(matches!(err, ServerError::UnknownProject(99)), "{err:?}");
    assert_eq!(store.import_secrets(p, [secret(1, None)]).unwrap(), 1);
    // Values stay out of Debug.
    let shown = format!("{:?}", secret(7, None));
    assert!(
        !shown.contains("value-7") && !shown.contains("enc:K7"),
        "{shown}"
    );
}
