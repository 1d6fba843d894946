//! Secrets operations against a real local server.

mod support;

use locker_config::{ErrorKind, Locker, NewSecret, SecretUpdate};
use support::Project;

/// What `get` finds for `key` in `environment`.
async fn get(locker: &Locker, key: &str, environment: Option<&str>) -> Option<String> {
    locker.get(key, environment).await.unwrap()
}

#[tokio::test]
async fn create_get_retrieve_and_list() {
    let p = Project::new();
    p.seed(&["staging"], &[]);
    let locker = p.client();
    let created = locker
        .create(NewSecret::new("DATABASE_URL", "postgres://all/db").description("shared database"))
        .await
        .unwrap();
    assert_eq!(created.key, "DATABASE_URL");
    assert_eq!(created.value, "postgres://all/db");
    assert_eq!(created.description.as_deref(), Some("shared database"));
    assert_eq!(created.environment_id, None);

    let staged = locker
        .create(NewSecret::new("DATABASE_URL", "postgres://staging/db").environment("staging"))
        .await
        .unwrap();
    assert_eq!(staged.environment_name.as_deref(), Some("staging"));
    assert!(staged.environment_id.is_some());

    // Exact environment wins; other environments and no environment fall back to "All".
    assert_eq!(
        get(&locker, "DATABASE_URL", Some("staging"))
            .await
            .as_deref(),
        Some("postgres://staging/db")
    );
    assert_eq!(
        get(&locker, "DATABASE_URL", Some("production"))
            .await
            .as_deref(),
        Some("postgres://all/db")
    );
    assert_eq!(
        get(&locker, "DATABASE_URL", None).await.as_deref(),
        Some("postgres://all/db")
    );
    assert_eq!(get(&locker, "MISSING", Some("staging")).await, None);
    assert_eq!(
        locker.get_or("MISSING", None, "fallback").await.unwrap(),
        "fallback"
    );
    assert_eq!(
        locker
            .get_or("DATABASE_URL", None, "fallback")
            .await
            .unwrap(),
        "postgres://all/db"
    );

    let full = locker
        .retrieve("DATABASE_URL", Some("staging"))
        .await
        .unwrap();
    assert_eq!(full.id, staged.id);
    let err = locker
        .retrieve("MISSING", Some("staging"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);

    let all = locker.list_secrets(None).await.unwrap();
    assert_eq!(all.len(), 2);
    assert!(
        all.iter()
            .any(|s| s.environment_name.as_deref() == Some("staging"))
    );
    assert!(all.iter().any(|s| s.environment_name.is_none()));

    // Exactly one environment: no "All" fallback.
    let only = locker.list_secrets(Some("staging")).await.unwrap();
    assert_eq!(only.len(), 1);
    assert_eq!(only[0].value, "postgres://staging/db");
    let err = locker.list_secrets(Some("nowhere")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn the_profile_is_fetched_once_and_shared_by_clones() {
    let p = Project::new();
    let locker = p.client();
    let clone = locker.clone();
    locker.create(NewSecret::new("A", "1")).await.unwrap();
    clone.get("A", None).await.unwrap();
    clone.list_secrets(None).await.unwrap();
    assert_eq!(p.count("GET", "/v1/profile"), 1);
    assert!(locker.project_id().await.unwrap() > 0);
}

#[tokio::test]
async fn pagination_follows_next_over_several_pages() {
    let p = Project::new();
    let locker = p.builder().page_size(2).build().unwrap();
    for i in 0..5 {
        locker
            .create(NewSecret::new(format!("KEY_{i}"), format!("value {i}")))
            .await
            .unwrap();
    }
    p.server.clear_request_log();
    let all = locker.list_secrets(None).await.unwrap();
    let mut keys: Vec<_> = all.iter().map(|s| s.key.clone()).collect();
    keys.sort();
    assert_eq!(keys, ["KEY_0", "KEY_1", "KEY_2", "KEY_3", "KEY_4"]);
    assert!(
        p.count("GET", "/v1/secrets") >= 3,
        "{:?}",
        p.server.request_log()
    );
}

#[tokio::test]
async fn modify_value_key_description_and_environment() {
    let p = Project::new();
    p.seed(&["staging"], &[]);
    let locker = p.client();
    locker.create(NewSecret::new("TOKEN", "one")).await.unwrap();

    let m = locker
        .modify(
            "TOKEN",
            None,
            SecretUpdate::new().value("two").description("rotated"),
        )
        .await
        .unwrap();
    assert_eq!(
        (m.value.as_str(), m.description.as_deref()),
        ("two", Some("rotated"))
    );
    assert_eq!(get(&locker, "TOKEN", None).await.as_deref(), Some("two"));

    let m = locker
        .modify("TOKEN", None, SecretUpdate::new().key("API_TOKEN"))
        .await
        .unwrap();
    assert_eq!(m.key, "API_TOKEN");
    assert_eq!(get(&locker, "TOKEN", None).await, None);

    // Move to staging: no longer in "All".
    let m = locker
        .modify(
            "API_TOKEN",
            None,
            SecretUpdate::new().environment("staging"),
        )
        .await
        .unwrap();
    assert_eq!(m.environment_name.as_deref(), Some("staging"));
    assert_eq!(get(&locker, "API_TOKEN", None).await, None);
    assert_eq!(
        get(&locker, "API_TOKEN", Some("staging")).await.as_deref(),
        Some("two")
    );

    // And back to "All".
    let m = locker
        .modify(
            "API_TOKEN",
            Some("staging"),
            SecretUpdate::new().environment_all(),
        )
        .await
        .unwrap();
    assert_eq!(m.environment_id, None);
    assert_eq!(
        get(&locker, "API_TOKEN", None).await.as_deref(),
        Some("two")
    );

    // Modify looks at the exact environment only.
    let err = locker
        .modify("API_TOKEN", Some("staging"), SecretUpdate::new().value("x"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    let err = locker
        .modify(
            "API_TOKEN",
            None,
            SecretUpdate::new().environment("nowhere"),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn duplicates_are_conflicts_and_unknown_environments_write_nothing() {
    let p = Project::new();
    let locker = p.client();
    locker.create(NewSecret::new("DUP", "1")).await.unwrap();
    let err = locker.create(NewSecret::new("DUP", "2")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict, "{err:?}");
    assert!(err.status().is_some());

    locker.create(NewSecret::new("OTHER", "1")).await.unwrap();
    let err = locker
        .modify("OTHER", None, SecretUpdate::new().key("DUP"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict, "{err:?}");

    let posts = p.count("POST", "/v1/secrets");
    let err = locker
        .create(NewSecret::new("X", "1").environment("nowhere"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(p.count("POST", "/v1/secrets"), posts);

    let err = locker.create(NewSecret::new("", "1")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
}

#[tokio::test]
async fn values_round_trip_exactly() {
    let p = Project::new();
    let locker = p.client();
    for (k, v) in [
        ("EMPTY", ""),
        ("UNICODE", "héllo wörld ✓ 🦀"),
        ("MULTI", "line1\nline2\r\n\"quoted\" $HOME \\"),
        ("SIXTEEN", "0123456789abcdef"),
    ] {
        locker.create(NewSecret::new(k, v)).await.unwrap();
        assert_eq!(get(&locker, k, None).await.as_deref(), Some(v), "{k}");
    }
}
