//! Loading configs against a real `locker-server`: environment then "All" then default, the
//! all-problems report, redaction, unknown environments, overrides, provenance, and one list
//! request per load.

mod support;

use std::time::Duration;

use locker_config::config::ValueSource;
use locker_config::{ErrorKind, LockerConfig, Secret};
use support::fifty::{self, Fifty};
use support::{AppConfig, Project};

/// staging and prod; DATABASE_URL in prod and in "All", HTTP_PORT only in "All", VERBOSE in
/// staging only.
fn seeded() -> Project {
    let p = Project::new();
    p.seed(
        &["staging", "prod"],
        &[
            (Some("prod"), "DATABASE_URL", "postgres://prod-db/app"),
            (None, "DATABASE_URL", "postgres://shared-db/app"),
            (None, "HTTP_PORT", "9000"),
            (Some("staging"), "VERBOSE", "on"),
            (Some("staging"), "HTTP_PORT", "9100"),
        ],
    );
    p
}

#[test]
fn environment_wins_then_all_then_default() {
    let p = seeded();
    let loaded = p.loader::<AppConfig>("prod").load_with_sources().unwrap();
    let cfg = &loaded.config;
    assert_eq!(cfg.database_url.expose_secret(), "postgres://prod-db/app");
    assert_eq!(cfg.port, 9000);
    assert_eq!(cfg.request_timeout, Duration::from_secs(30));
    assert_eq!(cfg.redis_url, None);
    assert_eq!(
        cfg.allowed_origins,
        ["https://a.example", "https://b.example"]
    );
    assert!(!cfg.verbose);
    let sources: Vec<(&str, ValueSource)> = loaded
        .sources
        .iter()
        .map(|s| (s.field, s.source.clone()))
        .collect();
    assert_eq!(
        sources,
        [
            ("database_url", ValueSource::Environment("prod".into())),
            ("port", ValueSource::All),
            ("request_timeout", ValueSource::Default),
            ("redis_url", ValueSource::Absent),
            ("allowed_origins", ValueSource::Default),
            ("verbose", ValueSource::Default),
        ]
    );

    let staging = p.loader::<AppConfig>("staging").load().unwrap();
    assert_eq!(
        staging.database_url.expose_secret(),
        "postgres://shared-db/app"
    );
    assert_eq!(staging.port, 9100);
    assert!(staging.verbose);
}

#[test]
fn every_problem_is_reported_at_once_without_values() {
    let p = Project::new();
    p.seed(
        &["prod"],
        &[
            (Some("prod"), "HTTP_PORT", "eighty-eighty"),
            (Some("prod"), "REQUEST_TIMEOUT", "whenever"),
            (None, "VERBOSE", "perhaps-secretly"),
        ],
    );
    let err = p.loader::<AppConfig>("prod").load().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    let report = err.config_report().unwrap();
    assert_eq!(report.environment(), Some("prod"));
    assert_eq!(
        report.to_string(),
        "failed to load AppConfig for environment \"prod\": 4 problems\n  \
         - database_url (DATABASE_URL): missing: not set in environment \"prod\" nor in \"All\", and no default\n  \
         - port (HTTP_PORT): invalid value from environment \"prod\": expected an integer from 0 to 65535\n  \
         - request_timeout (REQUEST_TIMEOUT): invalid value from environment \"prod\": expected a duration such as 30s\n  \
         - verbose (VERBOSE): invalid value from \"All\": expected true/false, 1/0, yes/no or on/off"
    );
    let shown = format!("{err} {err:?}");
    for value in ["eighty-eighty", "whenever", "perhaps-secretly"] {
        assert!(!shown.contains(value), "{value} leaked: {shown}");
    }
}

#[test]
fn secrets_are_redacted_in_debug_and_errors() {
    #[derive(Debug, LockerConfig)]
    #[allow(dead_code)]
    struct WithSecrets {
        api_token: Secret<String>,
        pin: Secret<u16>,
    }
    let p = Project::new();
    p.seed(
        &["prod"],
        &[
            (Some("prod"), "API_TOKEN", "tok-very-secret"),
            (Some("prod"), "PIN", "pin-not-a-number"),
        ],
    );
    let err = p.loader::<WithSecrets>("prod").load().unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("pin-not-a-number"), "{shown}");
    assert!(shown.contains("pin (PIN): invalid value"), "{shown}");

    let cfg = seeded().loader::<AppConfig>("prod").load().unwrap();
    let shown = format!("{cfg:#?}");
    assert!(shown.contains("database_url: [REDACTED]"), "{shown}");
    assert!(!shown.contains("prod-db"), "{shown}");
}

#[test]
fn unknown_environment_is_not_found_and_empty_one_falls_back() {
    let p = seeded();
    let err = p.loader::<AppConfig>("qa").load().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(err.to_string().contains("\"qa\""), "{err}");

    p.seed(&["empty"], &[]);
    let cfg = p.loader::<AppConfig>("empty").load().unwrap();
    assert_eq!(cfg.database_url.expose_secret(), "postgres://shared-db/app");
    assert_eq!(cfg.port, 9000);
}

#[test]
fn overrides_beat_locker_and_unknown_keys_are_rejected() {
    let p = seeded();
    let cfg = p
        .loader::<AppConfig>("prod")
        .override_value("HTTP_PORT", "0")
        .load()
        .unwrap();
    assert_eq!(cfg.port, 0);
    let err = p
        .loader::<AppConfig>("prod")
        .override_value("HTTP_PROT", "0")
        .load()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(
        err.to_string().contains("did you mean \"HTTP_PORT\""),
        "{err}"
    );
}

#[test]
fn fifty_fields_cost_one_list_request() {
    let p = Project::new();
    fifty::seed(&p);
    let client = p.client();
    p.server.clear_request_log();

    let cfg = Fifty::loader()
        .client(client.clone())
        .cache_dir(p.cache_dir())
        .environment("prod")
        .load()
        .unwrap();
    assert_eq!(cfg.field_00, 0);
    assert_eq!(cfg.field_49, 49);
    assert_eq!(p.gets("/v1/secrets"), 1, "{:?}", p.server.request_log());
    // The profile and the one list: no environment list, nothing per field.
    assert_eq!(
        p.server.request_log().len(),
        2,
        "{:?}",
        p.server.request_log()
    );

    // A second load with the same client: again one list, no repeated profile fetch.
    let before: usize = p.server.request_log().len();
    Fifty::loader()
        .client(client)
        .cache_dir(p.cache_dir())
        .environment("prod")
        .load()
        .unwrap();
    assert_eq!(p.gets("/v1/secrets"), 2);
    let second = p.server.request_log().len() - before;
    assert!(
        second == 1,
        "second load used {second} requests: {:?}",
        p.server.request_log()
    );
}

#[test]
fn client_errors_pass_through_with_their_kind() {
    let p = seeded();
    let bad = p
        .builder()
        .access_key_id("no-such-key")
        .max_network_retries(0)
        .build()
        .unwrap();
    let err = AppConfig::loader()
        .client(bad)
        .cache_dir(p.cache_dir())
        .environment("prod")
        .load()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Authentication, "{err}");
}

#[tokio::test(flavor = "current_thread")]
async fn blocking_load_works_inside_a_current_thread_runtime() {
    let p = seeded();
    let cfg = p.loader::<AppConfig>("prod").load().unwrap();
    assert_eq!(cfg.port, 9000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_load_and_blocking_load_inside_a_multi_thread_runtime() {
    let p = seeded();
    let cfg = p.loader::<AppConfig>("prod").load_async().await.unwrap();
    assert_eq!(cfg.database_url.expose_secret(), "postgres://prod-db/app");
    let handle = tokio::spawn(p.loader::<AppConfig>("staging").load_async());
    assert_eq!(handle.await.unwrap().unwrap().port, 9100);
    let blocking = p.loader::<AppConfig>("prod").load().unwrap();
    assert_eq!(blocking.port, 9000);
}
