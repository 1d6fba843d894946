//! Concurrent writes never lose a write; duplicate races have exactly one winner.

mod common;

use std::future::Future;

use common::Api;
use locker_server::LocalServer;
use serde_json::json;

/// Runs `task(api, i)` for every `i` in `0..n` at once, each on its own clone of `api`, and
/// returns the results.
async fn concurrently<T, F, Fut>(api: &Api, n: usize, task: F) -> Vec<T>
where
    F: Fn(Api, usize) -> Fut,
    Fut: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..n {
        tasks.spawn(task(api.clone(), i));
    }
    tasks.join_all().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_concurrent_creates_all_land_exactly_once() {
    let server = LocalServer::start().unwrap();
    let api = Api::new(&server, &server.create_project().unwrap());
    let statuses = concurrently(&api, 100, |api, i| async move {
        let body = json!({"key": format!("enc:K{i}"), "value": "v", "hash": format!("h{i}")});
        api.post("/v1/secrets", &body).await.status
    })
    .await;
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 201),
        "{statuses:?}"
    );
    let list = api.list_secrets("hash=").await;
    assert_eq!(list["count"], 100);
    let mut keys: Vec<String> = list["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["key"].as_str().unwrap().to_owned())
        .collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), 100);
    assert_eq!(api.get("/v1/sync/secrets/count").await.text, "100");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_duplicates_have_exactly_one_winner() {
    let server = LocalServer::start().unwrap();
    let api = Api::new(&server, &server.create_project().unwrap());
    let results = concurrently(&api, 20, |api, i| async move {
        let s = api
            .post(
                "/v1/secrets",
                &json!({"key": "k", "value": format!("v{i}"), "hash": "same"}),
            )
            .await;
        let e = api
            .post(
                "/v1/environments",
                &json!({"name": format!("n{i}"), "hash": "env"}),
            )
            .await;
        (s.status, e.status, s.text, e.text)
    })
    .await;
    for (statuses, want) in [
        (
            results.iter().map(|r| (r.0, &r.2)).collect::<Vec<_>>(),
            "This secret hash already exists",
        ),
        (
            results.iter().map(|r| (r.1, &r.3)).collect::<Vec<_>>(),
            "This environment hash already exists",
        ),
    ] {
        assert_eq!(statuses.iter().filter(|(s, _)| *s == 201).count(), 1);
        for (status, text) in statuses.iter().filter(|(s, _)| *s != 201) {
            assert_eq!(*status, 400);
            assert!(text.contains(want), "{text}");
        }
    }
    assert_eq!(api.get("/v1/sync/secrets/count").await.text, "1");
    assert_eq!(api.get("/v1/sync/environments/count").await.text, "1");
}

#[test]
fn many_servers_in_parallel_threads() {
    let handles: Vec<_> = (0..8)
        .map(|_| {
            std::thread::spawn(|| {
                let server = LocalServer::start().unwrap();
                let key = server.create_project().unwrap();
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async {
                    let api = Api::new(&server, &key);
                    api.create_secret("A", "1", None).await;
                    assert_eq!(api.get("/v1/sync/secrets/count").await.text, "1");
                });
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}
