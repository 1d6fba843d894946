//! Per-environment defaults, `required_in`, aliases (and their warning), field and container
//! validation, and list delimiters, end to end against a local server.

mod support;

use std::time::Duration;

use locker_config::config::{ProblemKind, ValueSource};
use locker_config::{ErrorKind, LockerConfig, Secret};
use support::Project;

#[derive(Debug, LockerConfig)]
struct Server {
    #[locker(default = 443, default_in(dev = 8080, test = "0"))]
    port: u16,
    #[locker(default_in(dev = "1s"))]
    timeout: Duration,
    #[locker(required_in("prod"))]
    sentry_dsn: Option<Secret<String>>,
}

#[test]
fn per_environment_defaults_in_two_environments() {
    let p = Project::new();
    p.seed(
        &["dev", "prod"],
        &[
            (Some("prod"), "TIMEOUT", "30s"),
            (Some("prod"), "SENTRY_DSN", "https://key@sentry.example/1"),
            (Some("dev"), "UNRELATED", "x"),
        ],
    );
    p.server.clear_request_log();
    let dev = p.loader::<Server>("dev").load_with_sources().unwrap();
    assert_eq!(dev.config.port, 8080);
    assert_eq!(dev.config.timeout, Duration::from_secs(1));
    assert!(dev.config.sentry_dsn.is_none());
    assert_eq!(dev.sources[0].source, ValueSource::Default);

    let prod = p.loader::<Server>("prod").load().unwrap();
    assert_eq!(prod.port, 443);
    assert_eq!(prod.timeout, Duration::from_secs(30));
    assert_eq!(
        prod.sentry_dsn.as_ref().map(|s| s.expose_secret().as_str()),
        Some("https://key@sentry.example/1")
    );
    assert_eq!(p.gets("/v1/secrets"), 2);

    // `from_values` has no environment: the plain default applies, and `timeout` has none.
    let err = Server::from_values([("PORT", "1")]).unwrap_err();
    assert_eq!(
        err.config_report().unwrap().problems()[0].to_string(),
        "timeout (TIMEOUT): missing: not given, and no default"
    );

    let port = &Server::describe()[0];
    assert_eq!(port.default(), Some("443"));
    assert_eq!(port.defaults_in(), [("dev", "8080"), ("test", "0")]);
    assert_eq!(port.default_in("test"), Some("0"));
    assert!(Server::describe()[1].is_required_in("prod"));
    assert!(!Server::describe()[1].is_required_in("dev"));
    assert_eq!(Server::describe()[2].required_in(), ["prod"]);
}

#[test]
fn required_in_makes_an_optional_field_required_in_that_environment_only() {
    let p = Project::new();
    p.seed(&["prod", "staging"], &[(None, "TIMEOUT", "5s")]);
    let staging = p.loader::<Server>("staging").load().unwrap();
    assert!(staging.sentry_dsn.is_none());
    let err = p.loader::<Server>("prod").load().unwrap_err();
    let problems = err.config_report().unwrap().problems();
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].kind, ProblemKind::Missing);
    assert_eq!(
        problems[0].to_string(),
        "sentry_dsn (SENTRY_DSN): missing: not set in environment \"prod\" nor in \"All\", and no default"
    );
}

#[derive(Debug, LockerConfig)]
struct Cache {
    #[locker(alias = "REDIS_URI", alias = "REDIS")]
    redis_url: Option<String>,
    #[locker(alias = "CACHE_TTL")]
    ttl: Duration,
}

#[test]
fn aliases_are_read_when_the_key_is_absent_with_a_one_line_warning() {
    // In a process of its own: the only subscriber there is the test's, so no test running in
    // parallel can change which events reach it.
    support::run_ignored_test("aliases_in_a_child", &[]);
}

#[tokio::test]
#[ignore = "run in a child process by aliases_are_read_when_the_key_is_absent_with_a_one_line_warning"]
async fn aliases_in_a_child() {
    if !support::is_child() {
        return;
    }
    let p = Project::new();
    p.seed(
        &["prod"],
        &[
            (Some("prod"), "REDIS", "redis://older"),
            (Some("prod"), "REDIS_URI", "redis://old"),
            (None, "CACHE_TTL", "5m"),
            (Some("prod"), "TTL", "1m"),
        ],
    );
    let captured = support::Captured::warnings();

    let loaded = p
        .loader::<Cache>("prod")
        .load_async_with_sources()
        .await
        .unwrap();
    // The first alias in order wins; the key itself wins over any alias.
    assert_eq!(loaded.config.redis_url.as_deref(), Some("redis://old"));
    assert_eq!(loaded.config.ttl, Duration::from_secs(60));
    assert_eq!(loaded.sources[0].alias, Some("REDIS_URI"));
    assert_eq!(
        loaded.sources[0].to_string(),
        "redis_url (REDIS_URL) <- environment \"prod\" via alias REDIS_URI"
    );
    assert_eq!(loaded.sources[1].alias, None);

    let logs = captured.text();
    let warnings: Vec<&str> = logs.lines().filter(|l| l.contains("WARN")).collect();
    assert_eq!(warnings.len(), 1, "{logs}");
    assert!(
        warnings[0].contains(
            "redis_url is read from the deprecated key REDIS_URI; rename that secret to REDIS_URL"
        ),
        "{logs}"
    );
    assert!(!logs.contains("redis://"), "a value was logged: {logs}");

    assert_eq!(Cache::describe()[0].aliases(), ["REDIS_URI", "REDIS"]);
    // Aliases are accepted by `from_values` and overrides too.
    let cfg = Cache::from_values([("CACHE_TTL", "2s")]).unwrap();
    assert_eq!(cfg.ttl, Duration::from_secs(2));
}

#[derive(Debug, LockerConfig)]
#[locker(validate = check_pool)]
struct Pool {
    #[locker(default = 1)]
    min: u32,
    #[locker(validate = nonzero)]
    max: u32,
}

fn nonzero(n: &u32) -> Result<(), String> {
    if *n == 0 {
        Err("must be at least 1".into())
    } else {
        Ok(())
    }
}

fn check_pool(pool: &Pool) -> Result<(), &'static str> {
    if pool.min > pool.max {
        Err("min must not exceed max")
    } else {
        Ok(())
    }
}

#[derive(Debug, LockerConfig)]
#[locker(validate = check_app)]
#[allow(dead_code)]
struct Validated {
    #[locker(nested)]
    pool: Pool,
    #[locker(validate = https_only)]
    callback: Option<String>,
    #[locker(key = "HTTP_PORT")]
    port: u16,
    #[locker(default = "a;b", delimiter = ";")]
    hosts: Vec<String>,
}

fn https_only(url: &str) -> Result<(), String> {
    if url.starts_with("https://") {
        Ok(())
    } else {
        Err("must use https".into())
    }
}

fn check_app(app: &Validated) -> Result<(), String> {
    if app.hosts.len() > usize::from(app.port) {
        return Err("more hosts than ports".into());
    }
    Ok(())
}

#[test]
fn validation_failures_are_listed_with_the_other_problems_without_values() {
    let p = Project::new();
    p.seed(
        &["prod"],
        &[
            (Some("prod"), "POOL_MAX", "0"),
            (Some("prod"), "CALLBACK", "http://plain-text-callback"),
            (Some("prod"), "HTTP_PORT", "not-a-port"),
        ],
    );
    let err = p.loader::<Validated>("prod").load().unwrap_err();
    let report = err.config_report().unwrap();
    assert_eq!(
        report.to_string(),
        "failed to load Validated for environment \"prod\": 3 problems\n  \
         - pool.max (POOL_MAX): value from environment \"prod\" rejected by validation: must be at least 1\n  \
         - callback (CALLBACK): value from environment \"prod\" rejected by validation: must use https\n  \
         - port (HTTP_PORT): invalid value from environment \"prod\": expected an integer from 0 to 65535"
    );
    assert!(!format!("{err:?}").contains("plain-text-callback"));
}

#[test]
fn container_validation_runs_once_the_fields_load() {
    let err = Validated::from_values([("POOL_MIN", "5"), ("POOL_MAX", "2"), ("HTTP_PORT", "1")])
        .unwrap_err();
    let problems = err.config_report().unwrap().problems();
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].field, "pool");
    assert_eq!(problems[0].key, "");
    assert_eq!(
        problems[0].to_string(),
        "pool: rejected by validation: min must not exceed max"
    );

    let err = Validated::from_values([("POOL_MAX", "2"), ("HTTP_PORT", "1")]).unwrap_err();
    assert_eq!(
        err.config_report().unwrap().problems()[0].to_string(),
        "Validated: rejected by validation: more hosts than ports"
    );

    let ok = Validated::from_values([
        ("POOL_MAX", "2"),
        ("HTTP_PORT", "3"),
        ("CALLBACK", "https://cb.example"),
        ("HOSTS", r"a.example;b\;c;d\\"),
    ])
    .unwrap();
    assert_eq!(ok.hosts, ["a.example", "b;c", "d\\"]);
    assert_eq!(ok.callback.as_deref(), Some("https://cb.example"));
}

#[test]
fn delimiters_are_described_and_named_in_errors() {
    assert_eq!(Validated::describe()[4].delimiter(), Some(";"));
    assert_eq!(Validated::describe()[3].delimiter(), None);

    #[derive(Debug, LockerConfig)]
    #[allow(dead_code)]
    struct Ports {
        #[locker(delimiter = "|")]
        ports: Option<Vec<u16>>,
        plain: Option<Vec<u8>>,
    }
    assert_eq!(Ports::describe()[1].delimiter(), Some(","));
    let err = Ports::from_values([("PORTS", "1|x")]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert_eq!(
        err.config_report().unwrap().problems()[0].to_string(),
        "ports (PORTS): invalid value from given values: expected a list of integers from 0 to \
         65535 separated by `|`"
    );
}
