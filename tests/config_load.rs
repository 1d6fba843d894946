//! Loading configs against a real `locker-server`: environment then "All" then default, the
//! all-problems report, redaction, unknown environments, overrides, provenance, and one list
//! request per load.

mod config_support;

use std::time::Duration;

use config_support::{Project, fifty::Fifty, project};
use locker_config::config::ValueSource;
use locker_config::{ErrorKind, Locker, LockerConfig, Secret};

#[derive(Debug, LockerConfig)]
struct AppConfig {
    /// Postgres connection string.
    database_url: Secret<String>,
    #[locker(key = "HTTP_PORT", default = 8080)]
    port: u16,
    #[locker(default = "30s")]
    request_timeout: Duration,
    redis_url: Option<String>,
    #[locker(default = "https://a.example,https://b.example")]
    allowed_origins: Vec<String>,
    #[locker(default)]
    verbose: bool,
}

/// staging and prod; DATABASE_URL in prod and in "All", HTTP_PORT only in "All", VERBOSE in
/// staging only.
fn seeded() -> Project {
    let p = project();
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
    let loaded = AppConfig::loader()
        .client(p.client())
        .environment("prod")
        .load_with_sources()
        .unwrap();
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

    let staging = AppConfig::loader()
        .client(p.client())
        .environment("staging")
        .load()
        .unwrap();
    assert_eq!(
        staging.database_url.expose_secret(),
        "postgres://shared-db/app"
    );
    assert_eq!(staging.port, 9100);
    assert!(staging.verbose);
}

#[test]
fn every_problem_is_reported_at_once_without_values() {
    let p = project();
    p.seed(
        &["prod"],
        &[
            (Some("prod"), "HTTP_PORT", "eighty-eighty"),
            (Some("prod"), "REQUEST_TIMEOUT", "whenever"),
            (None, "VERBOSE", "perhaps-secretly"),
        ],
    );
    let err = AppConfig::loader()
        .client(p.client())
        .environment("prod")
        .load()
        .unwrap_err();
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
    let p = project();
    p.seed(
        &["prod"],
        &[
            (Some("prod"), "API_TOKEN", "tok-very-secret"),
            (Some("prod"), "PIN", "pin-not-a-number"),
        ],
    );
    let err = WithSecrets::loader()
        .client(p.client())
        .environment("prod")
        .load()
        .unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("pin-not-a-number"), "{shown}");
    assert!(shown.contains("pin (PIN): invalid value"), "{shown}");

    let cfg = AppConfig::loader()
        .client(seeded().client())
        .environment("prod")
        .load()
        .unwrap();
    let shown = format!("{cfg:#?}");
    assert!(shown.contains("database_url: [REDACTED]"), "{shown}");
    assert!(!shown.contains("prod-db"), "{shown}");
}

#[test]
fn unknown_environment_is_not_found_and_empty_one_falls_back() {
    let p = seeded();
    let err = AppConfig::loader()
        .client(p.client())
        .environment("qa")
        .load()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(err.to_string().contains("\"qa\""), "{err}");

    p.seed(&["empty"], &[]);
    let cfg = AppConfig::loader()
        .client(p.client())
        .environment("empty")
        .load()
        .unwrap();
    assert_eq!(cfg.database_url.expose_secret(), "postgres://shared-db/app");
    assert_eq!(cfg.port, 9000);
}

#[test]
fn overrides_beat_locker_and_unknown_keys_are_rejected() {
    let p = seeded();
    let cfg = AppConfig::loader()
        .client(p.client())
        .environment("prod")
        .override_value("HTTP_PORT", "0")
        .load()
        .unwrap();
    assert_eq!(cfg.port, 0);
    let err = AppConfig::loader()
        .client(p.client())
        .environment("prod")
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
    let p = project();
    let secrets: Vec<(Option<&str>, String, String)> = (0..50)
        .map(|i| {
            let env = if i % 2 == 0 { Some("prod") } else { None };
            (env, format!("FIELD_{i:02}"), i.to_string())
        })
        .collect();
    let refs: Vec<(Option<&str>, &str, &str)> = secrets
        .iter()
        .map(|(e, k, v)| (*e, k.as_str(), v.as_str()))
        .collect();
    p.seed(&["prod"], &refs);
    let client = p.client();
    p.server.clear_request_log();

    let cfg = Fifty::loader()
        .client(client.clone())
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
    let bad = Locker::builder()
        .access_key_id("no-such-key")
        .secret_access_key(p.key.secret_access_key.clone())
        .api_base(p.server.base_url())
        .max_network_retries(0)
        .build()
        .unwrap();
    let err = AppConfig::loader()
        .client(bad)
        .environment("prod")
        .load()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Authentication, "{err}");
}

#[tokio::test(flavor = "current_thread")]
async fn blocking_load_works_inside_a_current_thread_runtime() {
    let p = seeded();
    let cfg = AppConfig::loader()
        .client(p.client())
        .environment("prod")
        .load()
        .unwrap();
    assert_eq!(cfg.port, 9000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_load_and_blocking_load_inside_a_multi_thread_runtime() {
    let p = seeded();
    let cfg = AppConfig::loader()
        .client(p.client())
        .environment("prod")
        .load_async()
        .await
        .unwrap();
    assert_eq!(cfg.database_url.expose_secret(), "postgres://prod-db/app");
    let handle = tokio::spawn(
        AppConfig::loader()
            .client(p.client())
            .environment("staging")
            .load_async(),
    );
    assert_eq!(handle.await.unwrap().unwrap().port, 9100);
    let blocking = AppConfig::loader()
        .client(p.client())
        .environment("prod")
        .load()
        .unwrap();
    assert_eq!(blocking.port, 9000);
}
