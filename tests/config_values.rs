//! Building configs from given values: parsing, defaults, the all-problems report, redaction,
//! `describe()`, without network.

mod support;

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use locker_config::{ErrorKind, LockerConfig, Secret};
use serde::Deserialize;
use support::AppConfig;

#[derive(Debug, PartialEq, Deserialize)]
struct Limits {
    burst: u32,
    per_second: u32,
}

fn parse_level(raw: &str) -> Result<u8, String> {
    match raw {
        "low" => Ok(1),
        "high" => Ok(9),
        _ => Err(format!("bad level {raw}")),
    }
}

#[derive(Debug, LockerConfig)]
struct Everything {
    r#type: String,
    token: Option<Secret<String>>,
    ports: Option<Vec<u16>>,
    pin: Secret<u16>,
    backoff: Vec<Duration>,
    #[locker(json)]
    limits: Limits,
    #[locker(json)]
    labels: Option<BTreeMap<String, String>>,
    #[locker(with = parse_level)]
    level: u8,
    #[locker(default = -5)]
    offset: i32,
    #[locker(default = 0.5)]
    ratio: f64,
    #[locker(default = "127.0.0.1")]
    bind: IpAddr,
    #[locker(default = "127.0.0.1:9000")]
    admin: SocketAddr,
    #[locker(default = "/tmp/data")]
    data_dir: PathBuf,
    #[locker(default = "")]
    tags: Vec<String>,
}

#[test]
fn design_example_loads_with_defaults() {
    let cfg = AppConfig::from_values([("DATABASE_URL", "postgres://localhost/test")]).unwrap();
    assert_eq!(
        cfg.database_url.expose_secret(),
        "postgres://localhost/test"
    );
    assert_eq!(cfg.port, 8080);
    assert_eq!(cfg.request_timeout, Duration::from_secs(30));
    assert_eq!(cfg.redis_url, None);
    assert_eq!(
        cfg.allowed_origins,
        ["https://a.example", "https://b.example"]
    );
    assert!(!cfg.verbose);
}

#[test]
fn given_values_beat_defaults() {
    let cfg = AppConfig::from_values(vec![
        ("DATABASE_URL".to_owned(), "postgres://db/app".to_owned()),
        ("HTTP_PORT".to_owned(), "9090".to_owned()),
        ("REQUEST_TIMEOUT".to_owned(), "1h30m".to_owned()),
        ("REDIS_URL".to_owned(), "redis://cache".to_owned()),
        (
            "ALLOWED_ORIGINS".to_owned(),
            " https://x.example , https://y.example".to_owned(),
        ),
        ("VERBOSE".to_owned(), "Yes".to_owned()),
    ])
    .unwrap();
    assert_eq!(cfg.port, 9090);
    assert_eq!(cfg.request_timeout, Duration::from_secs(5400));
    assert_eq!(cfg.redis_url.as_deref(), Some("redis://cache"));
    assert_eq!(
        cfg.allowed_origins,
        ["https://x.example", "https://y.example"]
    );
    assert!(cfg.verbose);
}

#[test]
fn every_supported_shape() {
    let cfg = Everything::from_values([
        ("TYPE", "worker"),
        ("TOKEN", "s3cr3t"),
        ("PORTS", "80, 443"),
        ("PIN", "1234"),
        ("BACKOFF", "250ms,1s,5m"),
        ("LIMITS", r#"{"burst": 10, "per_second": 2}"#),
        ("LEVEL", "high"),
    ])
    .unwrap();
    assert_eq!(cfg.r#type, "worker");
    assert_eq!(
        cfg.token.as_ref().map(|t| t.expose_secret().as_str()),
        Some("s3cr3t")
    );
    assert_eq!(cfg.ports, Some(vec![80, 443]));
    assert_eq!(*cfg.pin.expose_secret(), 1234);
    assert_eq!(
        cfg.backoff,
        [
            Duration::from_millis(250),
            Duration::from_secs(1),
            Duration::from_secs(300)
        ]
    );
    assert_eq!(
        cfg.limits,
        Limits {
            burst: 10,
            per_second: 2
        }
    );
    assert_eq!(cfg.labels, None);
    assert_eq!(cfg.level, 9);
    assert_eq!(cfg.offset, -5);
    assert_eq!(cfg.ratio, 0.5);
    assert_eq!(cfg.bind, IpAddr::from([127, 0, 0, 1]));
    assert_eq!(cfg.admin.port(), 9000);
    assert_eq!(cfg.data_dir, PathBuf::from("/tmp/data"));
    assert!(cfg.tags.is_empty());
}

#[test]
fn keys_and_describe() {
    assert_eq!(
        AppConfig::KEYS,
        [
            "DATABASE_URL",
            "HTTP_PORT",
            "REQUEST_TIMEOUT",
            "REDIS_URL",
            "ALLOWED_ORIGINS",
            "VERBOSE"
        ]
    );
    let fields = AppConfig::describe();
    assert_eq!(fields[0].field(), "database_url");
    assert_eq!(fields[0].ty(), "Secret<String>");
    assert!(fields[0].is_secret() && fields[0].is_required());
    assert_eq!(fields[0].doc(), "Postgres connection string.");
    assert_eq!(fields[1].default(), Some("8080"));
    assert_eq!(fields[2].default(), Some("30s"));
    assert!(fields[3].is_optional() && !fields[3].is_required());
    assert_eq!(fields[5].default(), Some("Default::default()"));
    assert_eq!(Everything::KEYS[0], "TYPE");
    assert!(Everything::describe()[1].is_secret());
    assert_eq!(Everything::describe()[9].default(), Some("0.5"));
}

#[derive(Debug, LockerConfig)]
#[locker(env_prefix = "MYAPP_")]
struct Prefixed {
    port: u16,
}

#[derive(Debug, LockerConfig)]
#[locker(env_prefix = "")]
struct BareKeys {
    port: u16,
}

#[test]
fn env_prefix_is_what_the_struct_attribute_says() {
    assert_eq!(Prefixed::ENV_PREFIX, Some("MYAPP_"));
    assert_eq!(BareKeys::ENV_PREFIX, Some(""));
    assert_eq!(AppConfig::ENV_PREFIX, None);
    assert_eq!(Everything::ENV_PREFIX, None);
    // The attribute changes nothing else the derive generates.
    assert_eq!(Prefixed::KEYS, ["PORT"]);
    assert_eq!(
        Prefixed::from_values([("PORT", "8080")]).unwrap().port,
        8080
    );
    assert_eq!(BareKeys::from_values([("PORT", "1")]).unwrap().port, 1);
}

#[derive(Debug, LockerConfig)]
struct Lists {
    #[locker(default = "")]
    flags: Vec<bool>,
    #[locker(default = "")]
    hosts: Vec<IpAddr>,
    #[locker(default = "")]
    ratios: Vec<f32>,
}

#[test]
fn list_errors_name_the_items_in_the_plural() {
    let ok = Lists::from_values([
        ("FLAGS", "yes, off"),
        ("HOSTS", "127.0.0.1,::1"),
        ("RATIOS", "0.5"),
    ])
    .unwrap();
    assert_eq!(ok.flags, [true, false]);
    assert_eq!(ok.hosts[1], IpAddr::from([0u16, 0, 0, 0, 0, 0, 0, 1]));
    assert_eq!(ok.ratios, [0.5]);
    let err = Lists::from_values([
        ("FLAGS", "yes,maybe"),
        ("HOSTS", "127.0.0.1,localhost"),
        ("RATIOS", "0.5,half"),
    ])
    .map(|_| ())
    .unwrap_err();
    let report = err.config_report().expect("a config report");
    let lines: Vec<String> = report.problems().iter().map(|p| p.to_string()).collect();
    assert_eq!(
        lines,
        [
            "flags (FLAGS): invalid value from given values: expected a comma-separated list of \
             booleans (true/false, 1/0, yes/no or on/off)",
            "hosts (HOSTS): invalid value from given values: expected a comma-separated list of \
             IP addresses",
            "ratios (RATIOS): invalid value from given values: expected a comma-separated list of \
             numbers",
        ]
    );
}

#[test]
fn every_problem_reported_at_once_without_values() {
    let err = Everything::from_values([
        ("PORTS", "80,http"),
        ("PIN", "top-secret-pin"),
        ("BACKOFF", "soon"),
        ("LIMITS", "{not json"),
        ("LEVEL", "medium"),
        ("TOKEN", "fine"),
    ])
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    let report = err.config_report().expect("a config report");
    let lines: Vec<String> = report.problems().iter().map(|p| p.to_string()).collect();
    assert_eq!(
        lines,
        [
            "type (TYPE): missing: not given, and no default",
            "ports (PORTS): invalid value from given values: expected a comma-separated list of integers from 0 to 65535",
            "pin (PIN): invalid value from given values: expected an integer from 0 to 65535",
            "backoff (BACKOFF): invalid value from given values: expected a comma-separated list of durations such as 30s",
            "limits (LIMITS): invalid value from given values: expected JSON for Limits",
            "level (LEVEL): invalid value from given values: expected a value accepted by `parse_level`",
        ]
    );
    let shown = format!("{err}\n{err:?}\n{report:?}");
    for value in [
        "top-secret-pin",
        "http",
        "soon",
        "not json",
        "medium",
        "fine",
    ] {
        assert!(!shown.contains(value), "{value:?} leaked into {shown}");
    }
    assert!(
        err.to_string().contains(
            "failed to load Everything from the given values: 6 problems\n  - type (TYPE)"
        )
    );
}

#[test]
fn a_bad_string_default_is_reported_as_such() {
    #[derive(Debug, LockerConfig)]
    #[allow(dead_code)]
    struct BadDefault {
        #[locker(default = "forever")]
        timeout: Duration,
    }
    let err = BadDefault::from_values(std::iter::empty::<(&str, &str)>()).unwrap_err();
    assert_eq!(
        err.config_report().unwrap().problems()[0].to_string(),
        "timeout (TIMEOUT): invalid value from default: expected a duration such as 30s"
    );
}

#[test]
fn unknown_keys_are_rejected_with_a_suggestion() {
    let err = AppConfig::from_values([("DATABASE_URL", "x"), ("HTTP_PROT", "1")]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(
        err.to_string().contains("did you mean \"HTTP_PORT\"?"),
        "{err}"
    );
}

#[test]
fn debug_redacts_secrets() {
    let cfg = AppConfig::from_values([("DATABASE_URL", "postgres://user:pw@db/app")]).unwrap();
    let shown = format!("{cfg:?} {cfg:#?}");
    assert!(shown.contains("database_url: [REDACTED]"), "{shown}");
    assert!(!shown.contains("pw@db"), "{shown}");
    let all = Everything::from_values([
        ("TYPE", "t"),
        ("TOKEN", "tok-123"),
        ("PIN", "4321"),
        ("BACKOFF", ""),
        ("LIMITS", r#"{"burst":1,"per_second":1}"#),
        ("LEVEL", "low"),
    ])
    .unwrap();
    let shown = format!("{all:?}");
    assert!(shown.contains("token: Some([REDACTED])") && shown.contains("pin: [REDACTED]"));
    assert!(
        !shown.contains("tok-123") && !shown.contains("4321"),
        "{shown}"
    );
}

#[test]
fn errors_are_send_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<locker_config::Error>();
    assert_send_sync::<locker_config::ConfigReport>();
    assert_send_sync::<AppConfig>();
}

#[test]
fn an_error_chain_shows_the_problems_once() {
    let err = AppConfig::from_values([("HTTP_PORT", "eighty")]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(err.config_report().is_some());
    // The message is the whole report; nothing in the chain repeats it.
    assert!(std::error::Error::source(&err).is_none());
    let mut chain = err.to_string();
    let mut cause = std::error::Error::source(&err);
    while let Some(c) = cause {
        chain.push_str(&c.to_string());
        cause = c.source();
    }
    assert_eq!(chain.matches("HTTP_PORT").count(), 1, "{chain}");
}
