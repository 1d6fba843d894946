//! Cold start: a new client (a new process) that finds the cache directory an earlier run left
//! loads with one request, the list; the profile comes from the cache. Without a cache
//! (`CachePolicy::Off`) a cold load is two requests, and nothing is kept.

mod support;

use locker_config::{CachePolicy, LockerConfig};
use support::Project;

#[derive(Debug, LockerConfig)]
struct Cfg {
    database_url: String,
    log_level: String,
}

fn seeded() -> Project {
    let p = Project::new();
    p.seed(
        &["prod", "staging"],
        &[
            (Some("prod"), "DATABASE_URL", "postgres://db/prod"),
            (Some("staging"), "DATABASE_URL", "postgres://db/staging"),
            (None, "LOG_LEVEL", "info"),
        ],
    );
    p.server.clear_request_log();
    p
}

fn requests(p: &Project) -> Vec<String> {
    p.server
        .request_log()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

fn files(dir: &std::path::Path, extension: &str) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .filter(|e| e.path().extension().is_some_and(|x| x == extension))
                .count()
        })
        .unwrap_or(0)
}

#[tokio::test]
async fn a_cold_load_with_the_cache_of_an_earlier_run_is_one_request() {
    let p = seeded();
    // The first run: no cache yet, so the profile and the list.
    let first = p.loader::<Cfg>("prod").load_async().await.unwrap();
    assert_eq!(requests(&p), ["GET /v1/profile", "GET /v1/secrets"]);
    assert_eq!(files(&p.cache_dir(), "profile"), 1);
    assert_eq!(files(&p.cache_dir(), "snapshot"), 1);

    // Every later run (a new client each, as a new process has): the list only.
    for _ in 0..2 {
        p.server.clear_request_log();
        let cfg = p.loader::<Cfg>("prod").load_async().await.unwrap();
        assert_eq!(requests(&p), ["GET /v1/secrets"]);
        assert_eq!(cfg.database_url, first.database_url);
        assert_eq!(cfg.log_level, "info");
    }

    // Another environment of the same access key shares the profile.
    p.server.clear_request_log();
    let staging = p.loader::<Cfg>("staging").load_async().await.unwrap();
    assert_eq!(staging.database_url, "postgres://db/staging");
    assert_eq!(requests(&p), ["GET /v1/secrets"]);

    // The client that adopted the cached profile uses it for what follows, without a fetch.
    let locker = p.client();
    let cfg = p
        .loader::<Cfg>("prod")
        .client(locker.clone())
        .load_async()
        .await
        .unwrap();
    assert_eq!(cfg.database_url, "postgres://db/prod");
    p.server.clear_request_log();
    assert_eq!(locker.project_id().await.unwrap(), p.key.project_id);
    assert!(requests(&p).is_empty(), "{:?}", requests(&p));
}

#[tokio::test]
async fn with_snapshots_off_every_cold_load_is_two_requests_and_nothing_is_kept() {
    let p = seeded();
    for _ in 0..2 {
        p.server.clear_request_log();
        let cfg = p
            .loader::<Cfg>("prod")
            .cache_policy(CachePolicy::Off)
            .load_async()
            .await
            .unwrap();
        assert_eq!(cfg.database_url, "postgres://db/prod");
        assert_eq!(requests(&p), ["GET /v1/profile", "GET /v1/secrets"]);
    }
    assert_eq!(files(&p.cache_dir(), "profile"), 0);
    assert_eq!(files(&p.cache_dir(), "snapshot"), 0);

    // Nor is a profile an earlier run kept read with snapshots off.
    p.loader::<Cfg>("prod").load_async().await.unwrap();
    assert_eq!(files(&p.cache_dir(), "profile"), 1);
    p.server.clear_request_log();
    p.loader::<Cfg>("prod")
        .cache_policy(CachePolicy::Off)
        .load_async()
        .await
        .unwrap();
    assert_eq!(requests(&p), ["GET /v1/profile", "GET /v1/secrets"]);
}

#[tokio::test]
async fn another_access_key_does_not_use_the_profile_of_the_first() {
    let p = seeded();
    p.loader::<Cfg>("prod").load_async().await.unwrap();
    let other = p
        .server
        .create_access_key(&p.key, true)
        .expect("a second key");
    p.server.clear_request_log();
    let cfg = p
        .loader::<Cfg>("prod")
        .client(p.client_with(&other))
        .load_async()
        .await
        .unwrap();
    assert_eq!(cfg.database_url, "postgres://db/prod");
    assert_eq!(requests(&p), ["GET /v1/profile", "GET /v1/secrets"]);
    assert_eq!(files(&p.cache_dir(), "profile"), 2);
}

#[tokio::test]
async fn a_client_that_has_its_profile_leaves_it_with_its_first_snapshot() {
    let p = seeded();
    let warm = p.client();
    warm.project_id().await.unwrap();
    p.loader::<Cfg>("prod")
        .client(warm)
        .load_async()
        .await
        .unwrap();
    assert_eq!(files(&p.cache_dir(), "profile"), 1);
    p.server.clear_request_log();
    p.loader::<Cfg>("prod").load_async().await.unwrap();
    assert_eq!(requests(&p), ["GET /v1/secrets"]);
}
