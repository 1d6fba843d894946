//! Keyset paging: `next` carries a cursor, plain `page=N` still works, a list is counted once
//! and every row is returned once even while the list changes.

mod common;

use common::Api;
use locker_server::LocalServer;
use serde_json::Value;

/// Follows `next` from `first`; returns the keys (or environment names) seen and every page.
async fn follow(api: &Api, first: &str) -> (Vec<String>, Vec<Value>) {
    let mut path = first.to_owned();
    let (mut keys, mut pages) = (Vec::new(), Vec::new());
    loop {
        let a = api.get(&path).await;
        assert_eq!(a.status, 200, "{path}: {}", a.text);
        let page = a.json();
        for r in page["results"].as_array().unwrap() {
            let name = r["key"].as_str().or(r["name"].as_str());
            keys.push(name.unwrap().to_owned());
        }
        let next = page["next"].as_str().map(str::to_owned);
        pages.push(page);
        match next {
            Some(n) => path = n,
            None => return (keys, pages),
        }
    }
}

#[tokio::test]
async fn next_links_carry_a_cursor_and_plain_page_numbers_still_work() {
    let server = LocalServer::start().unwrap();
    let api = Api::new(&server, &server.create_project().unwrap());
    for i in 0..7 {
        api.create_secret(&format!("K{i}"), "v", None).await;
    }
    let (keys, pages) = follow(
        &api,
        "/v1/secrets?count_secrets=1&page=1&paging=1&size=3&hash=",
    )
    .await;
    assert_eq!(
        keys,
        (0..7).map(|i| format!("enc:K{i}")).collect::<Vec<_>>()
    );
    assert_eq!(pages.len(), 3);
    let next = pages[0]["next"].as_str().unwrap();
    assert!(
        next.starts_with("/v1/secrets?count_secrets=1&page=2&paging=1&size=3&hash=&cursor="),
        "{next}"
    );
    assert_eq!(
        pages[2]["previous"],
        "/v1/secrets?count_secrets=1&page=2&paging=1&size=3&hash="
    );

    // Page numbers built by a client give the same pages.
    for (n, page) in pages.iter().enumerate() {
        let plain = api
            .get(&format!("/v1/secrets?page={}&size=3&hash=", n + 1))
            .await
            .json();
        assert_eq!(plain["results"], page["results"], "page {}", n + 1);
        assert_eq!(plain["count"], 7);
        assert_eq!(plain["next"].is_null(), page["next"].is_null());
    }
    // A list that fits its first page, and one asked without paging.
    let one = api.get("/v1/secrets?page=1&size=7").await.json();
    assert_eq!(
        (one["count"].as_i64(), one["next"].is_null()),
        (Some(7), true)
    );
    let unpaged = api.get("/v1/secrets?paging=0&size=2").await.json();
    assert_eq!(unpaged["results"].as_array().unwrap().len(), 7);
    assert_eq!(unpaged["count"], 7);
}

#[tokio::test]
async fn a_list_that_changes_while_it_is_read_returns_every_row_once() {
    let server = LocalServer::start().unwrap();
    let api = Api::new(&server, &server.create_project().unwrap());
    let mut first = Vec::new();
    for i in 0..6 {
        first.push(api.create_secret(&format!("K{i}"), "v", None).await);
    }
    let page1 = api.get("/v1/secrets?page=1&size=3&hash=").await.json();
    let revision = page1["revision_date"].clone();
    // Meanwhile: a row of page 1 changes and a row is added.
    let id0 = first[0]["id"].as_str().unwrap();
    assert_eq!(
        api.put(
            &format!("/v1/secrets/{id0}"),
            &serde_json::json!({"value": "w"})
        )
        .await
        .status,
        200
    );
    api.create_secret("K6", "v", None).await;
    let (keys, pages) = follow(&api, page1["next"].as_str().unwrap()).await;
    // No row twice, none skipped; the new row comes last.
    assert_eq!(
        keys,
        (3..7).map(|i| format!("enc:K{i}")).collect::<Vec<_>>()
    );
    for page in &pages {
        // Counted once, by the first page; the revision date the list started from.
        assert_eq!(page["count"], 6);
        assert_eq!(page["revision_date"], revision);
    }
}

#[tokio::test]
async fn filtered_lists_page_by_cursor_too() {
    let server = LocalServer::start().unwrap();
    let api = Api::new(&server, &server.create_project().unwrap());
    let envs: Vec<Value> = {
        let mut v = Vec::new();
        for name in ["a", "b"] {
            v.push(api.create_env(name).await);
        }
        v
    };
    for i in 0..10 {
        let env = envs[i % 2]["id"].as_str();
        api.create_secret(&format!("K{i}"), "v", env).await;
    }
    let env_a = envs[0]["id"].as_str().unwrap();
    let (keys, pages) = follow(
        &api,
        &format!("/v1/secrets?page=1&size=2&environment_id={env_a}"),
    )
    .await;
    assert_eq!(keys, ["enc:K0", "enc:K2", "enc:K4", "enc:K6", "enc:K8"]);
    assert_eq!(pages.len(), 3);
    assert!(pages.iter().all(|p| p["count"] == 5));
    let (names, env_pages) = follow(&api, "/v1/environments?page=1&size=1&hash=").await;
    assert_eq!(names, ["enc:a", "enc:b"]);
    assert_eq!(env_pages.len(), 2);
    assert!(env_pages[0]["next"].as_str().unwrap().contains("cursor="));
}

#[tokio::test]
async fn a_cursor_that_is_not_ours_is_a_json_400() {
    let server = LocalServer::start().unwrap();
    let api = Api::new(&server, &server.create_project().unwrap());
    for bad in ["x", "1_2", "-1_0_0", "1_2_3_4", "%FF"] {
        let a = api.get(&format!("/v1/secrets?page=2&cursor={bad}")).await;
        assert_eq!(a.assert_error(400)["code"], "0004", "{bad}");
    }
}
