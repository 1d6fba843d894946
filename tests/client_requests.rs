//! Request counts at the server: `get`/`retrieve` with an environment cost one request on a warm
//! client (two cold: the profile and the lookup), a renamed and recreated environment is
//! followed, and environments that older
//! clients created without a hash are still found by name.

mod support;

use locker_config::{EnvironmentUpdate, NewEnvironment, NewSecret};
use serde_json::json;
use support::Project;

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
    p
}

#[tokio::test]
async fn get_with_an_environment_is_one_request_on_a_warm_client() {
    let p = seeded();
    let locker = p.client();
    p.server.clear_request_log();
    // Cold: the profile and the secret's lookup by hash (its record names its environment).
    assert_eq!(
        locker
            .get("DATABASE_URL", Some("prod"))
            .await
            .unwrap()
            .as_deref(),
        Some("postgres://db/prod")
    );
    let log = p.server.request_log();
    assert_eq!(log.len(), 2, "{log:?}");
    assert_eq!((p.gets("/v1/profile"), p.gets("/v1/secrets")), (1, 1));
    p.server.clear_request_log();
    assert_eq!(
        locker
            .get("DATABASE_URL", Some("prod"))
            .await
            .unwrap()
            .as_deref(),
        Some("postgres://db/prod")
    );
    let rec = locker.retrieve("DATABASE_URL", Some("prod")).await.unwrap();
    assert_eq!(rec.environment_name.as_deref(), Some("prod"));
    // "All" fallback, same cost.
    assert_eq!(
        locker
            .get("LOG_LEVEL", Some("prod"))
            .await
            .unwrap()
            .as_deref(),
        Some("info")
    );
    let log = p.server.request_log();
    assert_eq!(log.len(), 3, "{log:?}");
    assert!(
        log.iter()
            .all(|r| r.method == "GET" && r.path == "/v1/secrets"),
        "{log:?}"
    );

    // Another environment costs no lookup either: each record tells its environment by hash.
    p.server.clear_request_log();
    locker.get("DATABASE_URL", Some("staging")).await.unwrap();
    locker.get("DATABASE_URL", Some("staging")).await.unwrap();
    assert_eq!(p.gets("/v1/environments"), 0);
    assert_eq!(p.gets("/v1/secrets"), 2);
}

#[tokio::test]
async fn a_stale_cached_environment_is_refreshed_when_the_lookup_misses() {
    let p = seeded();
    let warm = p.client();
    assert_eq!(
        warm.get("DATABASE_URL", Some("prod"))
            .await
            .unwrap()
            .as_deref(),
        Some("postgres://db/prod")
    );
    // Someone else renames prod away and makes a new prod with its own value.
    let other = p.client();
    other
        .modify_environment("prod", EnvironmentUpdate::new().name("prod-old"))
        .await
        .unwrap();
    other
        .create_environment(NewEnvironment::new("prod"))
        .await
        .unwrap();
    other
        .create(NewSecret::new("DATABASE_URL", "postgres://db/new-prod").environment("prod"))
        .await
        .unwrap();

    p.server.clear_request_log();
    assert_eq!(
        warm.get("DATABASE_URL", Some("prod"))
            .await
            .unwrap()
            .as_deref(),
        Some("postgres://db/new-prod")
    );
    // The list by hash holds every environment's record, each with its environment's current
    // hash: no environment lookup, and the list is not fetched again.
    assert_eq!(p.gets("/v1/secrets"), 1, "{:?}", p.server.request_log());
    assert_eq!(
        p.gets("/v1/environments"),
        0,
        "{:?}",
        p.server.request_log()
    );
    // And the list of one environment follows the new id as well.
    let listed = warm.list_secrets(Some("prod")).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].value, "postgres://db/new-prod");
}

#[tokio::test]
async fn environments_without_a_hash_are_found_by_name() {
    let p = seeded();
    let locker = p.client();
    let legacy = locker
        .create_environment(NewEnvironment::new("legacy"))
        .await
        .unwrap();
    locker
        .create(NewSecret::new("DATABASE_URL", "postgres://db/legacy").environment("legacy"))
        .await
        .unwrap();
    // Older clients create environments without a hash: clear it, as they would have left it.
    let (status, body) = p
        .raw(
            "PUT",
            &format!("/v1/environments/{}", legacy.id),
            Some(json!({"hash": ""})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body["hash"].as_str().is_none_or(str::is_empty), "{body}");

    let fresh = p.client();
    let found = fresh.get_environment("legacy").await.unwrap().unwrap();
    assert_eq!(found.id, legacy.id);
    assert!(fresh.get_environment("nowhere").await.unwrap().is_none());
    assert_eq!(
        p.client()
            .get("DATABASE_URL", Some("legacy"))
            .await
            .unwrap()
            .as_deref(),
        Some("postgres://db/legacy")
    );
    let listed = p.client().list_secrets(Some("legacy")).await.unwrap();
    assert_eq!(listed.len(), 1);
}
