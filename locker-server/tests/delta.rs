//! Delta sync: for a client that sends `X-Locker-Delta: 1` (as locker-config does),
//! `revision_date` in list queries means "changed after", and every change moves the record's
//! revision date and the project's strictly forward.

mod common;

use common::Api;
use locker_server::LocalServer;
use serde_json::{Value, json};

const SECRETS: &str = "/v1/secrets?count_secrets=1&page=1&paging=1&size=2000&hash=";
const ENVIRONMENTS: &str = "/v1/environments?count_environment=1&page=1&paging=1&size=2000&hash=";

/// The project's revision date, as the probe prints it.
async fn revision(api: &Api) -> String {
    let a = api.get("/v1/sync/revision_date").await;
    assert_eq!(a.status, 200);
    a.text
}

/// The ids (in order) and the count of a list changed after `rd`.
async fn changed_after(api: &Api, list: &str, rd: &str) -> (Vec<String>, i64) {
    let a = api.get(&format!("{list}&revision_date={rd}")).await;
    assert_eq!(a.status, 200, "{}", a.text);
    let v = a.json();
    let ids = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    (ids, v["count"].as_i64().unwrap())
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn lists_answer_what_changed_after_the_revision_date_given() {
    let server = LocalServer::start().unwrap();
    let api = Api::new(&server, &server.create_project().unwrap()).delta();
    let prod = api.create_env("prod").await;
    let a = api.create_secret("A", "1", None).await;
    let b = api.create_secret("B", "1", prod["id"].as_str()).await;
    let rd0 = revision(&api).await;

    // 0, 0.000000, empty and absent mean everything.
    for rd in ["0", "0.000000", ""] {
        assert_eq!(changed_after(&api, SECRETS, rd).await.1, 2, "{rd}");
        assert_eq!(changed_after(&api, ENVIRONMENTS, rd).await.1, 1, "{rd}");
    }
    let all = api.get(SECRETS).await.json();
    assert_eq!(all["count"], 2);
    // The server's own current revision date: nothing changed, in every printing of it.
    let rd0_f: f64 = rd0.parse().unwrap();
    for rd in [
        rd0.clone(),
        format!("{rd0_f:.6}"),
        all["revision_date"].to_string(),
    ] {
        assert_eq!(changed_after(&api, SECRETS, &rd).await, (vec![], 0), "{rd}");
        assert_eq!(changed_after(&api, ENVIRONMENTS, &rd).await, (vec![], 0));
    }

    // One change: exactly that record, with its new revision date, later than rd0.
    let upd = api
        .put(&format!("/v1/secrets/{}", id(&a)), &json!({"value": "2"}))
        .await
        .json();
    assert!(upd["revision_date"].as_f64().unwrap() > rd0_f);
    let (ids, count) = changed_after(&api, SECRETS, &rd0).await;
    assert_eq!((ids, count), (vec![id(&a)], 1));
    let rd1 = revision(&api).await;
    assert_eq!(
        upd["revision_date"].as_f64().unwrap(),
        rd1.parse::<f64>().unwrap()
    );
    assert_eq!(changed_after(&api, SECRETS, &rd1).await.1, 0);

    // Filters combine with it.
    let h = "h:B";
    let q = format!(
        "{}&environment_id={}",
        SECRETS.trim_end_matches("&hash="),
        id(&prod)
    );
    assert_eq!(changed_after(&api, &q, &rd0).await.1, 0);
    assert_eq!(changed_after(&api, &q, "0").await.0, vec![id(&b)]);
    let q = format!("{SECRETS}{h}");
    assert_eq!(changed_after(&api, &q, "0").await.0, vec![id(&b)]);
    assert_eq!(changed_after(&api, &q, &rd0).await.1, 0);
}

#[tokio::test]
async fn every_kind_of_change_moves_the_record_and_the_project_forward() {
    let server = LocalServer::start().unwrap();
    let api = Api::new(&server, &server.create_project().unwrap()).delta();
    let prod = api.create_env("prod").await;
    let staging = api.create_env("staging").await;
    let s = api.create_secret("K", "v", prod["id"].as_str()).await;
    let other = api.create_secret("OTHER", "v", None).await;
    let sid = id(&s);
    let path = format!("/v1/secrets/{sid}");

    let changes = [
        json!({"value": "v2"}),
        json!({"key": "enc:K2", "hash": "h:K2"}),
        json!({"environment_id": staging["id"], "environment_name": "enc:staging"}),
        json!({"environment_id": "", "environment_name": "enc:"}),
        json!({"environment_id": prod["id"]}),
        json!({"description": "d"}),
        json!({"description": null}),
        json!({}),
    ];
    let mut last = s["revision_date"].as_f64().unwrap();
    for change in changes {
        let before = revision(&api).await;
        let a = api.put(&path, &change).await;
        assert_eq!(a.status, 200, "{change}: {}", a.text);
        let rd = a.json()["revision_date"].as_f64().unwrap();
        assert!(
            rd > last,
            "{change}: the record's revision date moved forward"
        );
        let after = revision(&api).await;
        assert!(
            after.parse::<f64>().unwrap() > before.parse::<f64>().unwrap(),
            "{change}: the project's revision date moved forward"
        );
        assert_eq!(rd, after.parse::<f64>().unwrap());
        // Changed after the previous revision: this record only.
        assert_eq!(
            changed_after(&api, SECRETS, &before).await.0,
            vec![sid.clone()]
        );
        last = rd;
    }

    // Renaming an environment changes what its secrets carry, so they come back too.
    let before = revision(&api).await;
    let a = api
        .put(
            &format!("/v1/environments/{}", id(&prod)),
            &json!({"name": "enc:production", "hash": "h:production"}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(
        changed_after(&api, ENVIRONMENTS, &before).await.0,
        vec![id(&prod)]
    );
    let (ids, _) = changed_after(&api, SECRETS, &before).await;
    assert_eq!(ids, vec![sid.clone()]);
    let list = api
        .get(&format!("{SECRETS}&revision_date={before}"))
        .await
        .json();
    assert_eq!(list["results"][0]["environment_name"], "enc:production");
    assert_eq!(list["results"][0]["environment_hash"], "h:production");
    // Its URL alone does not touch the secrets.
    let before = revision(&api).await;
    api.put(
        &format!("/v1/environments/{}", id(&prod)),
        &json!({"external_url": "enc:u"}),
    )
    .await;
    assert!(changed_after(&api, SECRETS, &before).await.0.is_empty());

    // A failed write moves nothing.
    let before = revision(&api).await;
    let dup = api
        .put(
            &format!("/v1/secrets/{}", id(&other)),
            &json!({"hash": "h:K2", "environment_id": prod["id"]}),
        )
        .await;
    assert_eq!(dup.status, 400, "{}", dup.text);
    assert_eq!(revision(&api).await, before);
    assert_eq!(changed_after(&api, SECRETS, &before).await.1, 0);
}

#[tokio::test]
async fn deleted_item_date_stays_zero_because_nothing_is_ever_deleted() {
    let server = LocalServer::start().unwrap();
    let api = Api::new(&server, &server.create_project().unwrap()).delta();
    assert_eq!(api.get("/v1/sync/deleted_item_date").await.text, "0");
    let env = api.create_env("e").await;
    let s = api.create_secret("A", "1", env["id"].as_str()).await;
    // A move to "All" is a change of the record, which an unfiltered delta list returns.
    let rd = revision(&api).await;
    api.put(
        &format!("/v1/secrets/{}", id(&s)),
        &json!({"environment_id": ""}),
    )
    .await;
    assert_eq!(api.get("/v1/sync/deleted_item_date").await.text, "0");
    let list = api
        .get(&format!("{SECRETS}&revision_date={rd}"))
        .await
        .json();
    assert_eq!(list["results"][0]["environment_id"], Value::Null);
}

#[tokio::test]
async fn a_delta_after_one_change_in_a_large_project_is_one_record() {
    let server = LocalServer::start().unwrap();
    let api = Api::new(&server, &server.create_project().unwrap()).delta();
    let mut ids = Vec::new();
    for i in 0..300 {
        ids.push(id(&api.create_secret(&format!("K{i}"), "v", None).await));
    }
    let rd = revision(&api).await;
    api.put(&format!("/v1/secrets/{}", ids[150]), &json!({"value": "w"}))
        .await;
    // Small pages: the delta still fits in one, with no next link.
    let a = api
        .get(&format!(
            "/v1/secrets?count_secrets=1&page=1&paging=1&size=100&hash=&revision_date={rd}"
        ))
        .await
        .json();
    assert_eq!(a["count"], 1);
    assert_eq!(a["next"], Value::Null);
    assert_eq!(a["results"][0]["id"], ids[150].as_str());
}
