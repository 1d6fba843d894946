//! Nested structs: prefixes, flattening, the same struct twice, recursion, `Option<Nested>`,
//! full paths in keys, errors and sources, key collisions, and one list request per load.

mod support;

use locker_config::config::{ProblemKind, ValueSource};
use locker_config::{ErrorKind, LockerConfig, Secret};
use support::Project;

#[derive(Debug, LockerConfig)]
struct DbConfig {
    /// Postgres connection string.
    url: Secret<String>,
    #[locker(default = 10)]
    pool_size: u32,
}

#[derive(Debug, LockerConfig)]
struct Limits {
    #[locker(default = 100)]
    max: u32,
}

#[derive(Debug, LockerConfig)]
struct CacheConfig {
    url: String,
    #[locker(nested)]
    limits: Limits,
}

#[derive(Debug, LockerConfig)]
struct AppConfig {
    #[locker(nested)]
    db: DbConfig,
    #[locker(nested, prefix = "REPLICA_DB_")]
    replica: DbConfig,
    #[locker(nested)]
    cache: Option<CacheConfig>,
    #[locker(nested, prefix = "")]
    limits: Limits,
    #[locker(key = "HTTP_PORT", default = 8080)]
    port: u16,
}

#[test]
fn keys_and_describe_use_full_paths() {
    assert_eq!(
        AppConfig::KEYS,
        [
            "DB_URL",
            "DB_POOL_SIZE",
            "REPLICA_DB_URL",
            "REPLICA_DB_POOL_SIZE",
            "CACHE_URL",
            "CACHE_LIMITS_MAX",
            "MAX",
            "HTTP_PORT",
        ]
    );
    let fields: Vec<(&str, &str)> = AppConfig::describe()
        .iter()
        .map(|f| (f.field(), f.key()))
        .collect();
    assert_eq!(
        fields,
        [
            ("db.url", "DB_URL"),
            ("db.pool_size", "DB_POOL_SIZE"),
            ("replica.url", "REPLICA_DB_URL"),
            ("replica.pool_size", "REPLICA_DB_POOL_SIZE"),
            ("cache.url", "CACHE_URL"),
            ("cache.limits.max", "CACHE_LIMITS_MAX"),
            ("limits.max", "MAX"),
            ("port", "HTTP_PORT"),
        ]
    );
    let db_url = &AppConfig::describe()[0];
    assert!(db_url.is_secret() && db_url.is_required());
    assert_eq!(db_url.doc(), "Postgres connection string.");
    // The fields of an optional nested struct are optional.
    assert!(AppConfig::describe()[4].is_optional());
    // The nested type on its own keeps its own keys.
    assert_eq!(DbConfig::KEYS, ["URL", "POOL_SIZE"]);
}

#[test]
fn a_nested_config_loads_in_one_list_request() {
    let p = Project::new();
    p.seed(
        &["prod"],
        &[
            (Some("prod"), "DB_URL", "postgres://primary/app"),
            (Some("prod"), "REPLICA_DB_URL", "postgres://replica/app"),
            (None, "REPLICA_DB_POOL_SIZE", "3"),
            (Some("prod"), "CACHE_URL", "redis://cache"),
            (None, "CACHE_LIMITS_MAX", "7"),
            (Some("prod"), "MAX", "9"),
        ],
    );
    p.server.clear_request_log();
    let loaded = p
        .loader::<AppConfig>("prod")
        .load_with_sources()
        .expect("the nested config loads");
    assert_eq!(p.gets("/v1/secrets"), 1, "{:?}", p.server.request_log());
    let cfg = loaded.config;
    assert_eq!(cfg.db.url.expose_secret(), "postgres://primary/app");
    assert_eq!(cfg.db.pool_size, 10);
    assert_eq!(cfg.replica.url.expose_secret(), "postgres://replica/app");
    assert_eq!(cfg.replica.pool_size, 3);
    let cache = cfg.cache.expect("cache keys are set");
    assert_eq!(cache.url, "redis://cache");
    assert_eq!(cache.limits.max, 7);
    assert_eq!(cfg.limits.max, 9);
    assert_eq!(cfg.port, 8080);

    let sources: Vec<String> = loaded.sources.iter().map(ToString::to_string).collect();
    assert_eq!(
        sources,
        [
            "db.url (DB_URL) <- environment \"prod\"",
            "db.pool_size (DB_POOL_SIZE) <- default",
            "replica.url (REPLICA_DB_URL) <- environment \"prod\"",
            "replica.pool_size (REPLICA_DB_POOL_SIZE) <- \"All\"",
            "cache.url (CACHE_URL) <- environment \"prod\"",
            "cache.limits.max (CACHE_LIMITS_MAX) <- \"All\"",
            "limits.max (MAX) <- environment \"prod\"",
            "port (HTTP_PORT) <- default",
        ]
    );
}

#[test]
fn an_optional_nested_struct_is_none_when_none_of_its_keys_is_set() {
    let cfg = AppConfig::from_values([("DB_URL", "a"), ("REPLICA_DB_URL", "b")]).unwrap();
    assert!(cfg.cache.is_none());
    // A default inside it does not count as set.
    assert_eq!(cfg.limits.max, 100);
}

#[test]
fn an_optional_nested_struct_with_only_some_keys_names_what_is_missing() {
    let err = AppConfig::from_values([
        ("DB_URL", "a"),
        ("REPLICA_DB_URL", "b"),
        ("CACHE_LIMITS_MAX", "5"),
    ])
    .unwrap_err();
    let report = err.config_report().unwrap();
    assert_eq!(report.problems().len(), 1);
    let problem = &report.problems()[0];
    assert_eq!(problem.field, "cache.url");
    assert_eq!(problem.key, "CACHE_URL");
    assert_eq!(
        problem.kind,
        ProblemKind::Incomplete {
            group: "cache".into()
        }
    );
    assert_eq!(
        problem.to_string(),
        "cache.url (CACHE_URL): missing: `cache` is optional, but some of its keys are set and \
         this one is not"
    );
}

#[test]
fn problems_name_the_full_path_and_key() {
    let p = Project::new();
    p.seed(
        &["prod"],
        &[
            (Some("prod"), "REPLICA_DB_URL", "postgres://replica/app"),
            (Some("prod"), "REPLICA_DB_POOL_SIZE", "many-connections"),
        ],
    );
    let err = p.loader::<AppConfig>("prod").load().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert_eq!(
        err.config_report().unwrap().to_string(),
        "failed to load AppConfig for environment \"prod\": 2 problems\n  \
         - db.url (DB_URL): missing: not set in environment \"prod\" nor in \"All\", and no default\n  \
         - replica.pool_size (REPLICA_DB_POOL_SIZE): invalid value from environment \"prod\": \
         expected an integer from 0 to 4294967295"
    );
    assert!(!format!("{err} {err:?}").contains("many-connections"));
}

#[derive(Debug, LockerConfig)]
#[allow(dead_code)]
struct Endpoint {
    url: String,
}

/// `prefix = ""` flattens `Endpoint`'s `URL` onto the outer `url` field's key: the macro cannot
/// see the inner key, so the collision is a load error.
#[derive(Debug, LockerConfig)]
#[allow(dead_code)]
struct Colliding {
    #[locker(nested, prefix = "")]
    endpoint: Endpoint,
    url: String,
}

#[test]
fn a_key_collision_across_nesting_is_a_load_error_naming_both_fields() {
    let err = Colliding::from_values([("URL", "x")]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    let problems = err.config_report().unwrap().problems();
    assert_eq!(problems.len(), 1);
    assert_eq!(
        problems[0].kind,
        ProblemKind::KeyCollision {
            other: "endpoint.url"
        }
    );
    assert_eq!(
        problems[0].to_string(),
        "url (URL): field `endpoint.url` reads the same key; give one of them another key or prefix"
    );
    assert_eq!(problems[0].source, ValueSource::Absent);
}

#[test]
fn a_key_collision_is_reported_by_check_too() {
    let p = Project::new();
    p.seed(&["prod"], &[(Some("prod"), "URL", "x")]);
    let report = p.loader::<Colliding>("prod").check().unwrap();
    assert!(!report.is_ok());
    assert!(
        report
            .to_string()
            .contains("url (URL): field `endpoint.url` reads the same key"),
        "{report}"
    );
}
