//! The JSON schema (`TemplateFormat::Json`, `format` 1) of a derived config, read back as a
//! `Schema`, and a check of an environment against it: the same report as the typed check
//! wherever no value has to be parsed, in the same requests.

mod support;

use locker_config::config::{ProblemKind, Schema};
use locker_config::{ErrorKind, LockerConfig, Secret, TemplateFormat};
use serde_json::json;
use support::Project;

/// Every rule a schema carries: nested (twice, once optional), aliases, default_in,
/// required_in, secrets, docs, a bare default.
#[derive(Debug, LockerConfig)]
#[allow(dead_code)]
struct Service {
    #[locker(nested)]
    db: Db,
    #[locker(nested, prefix = "REPLICA_DB_")]
    replica: Option<Db>,
    /// The port to listen on.
    /// Use 0 for any free port.
    #[locker(default = 443, default_in(dev = 8080, test = 0))]
    port: u16,
    #[locker(required_in("prod"))]
    sentry_dsn: Option<Secret<String>>,
    #[locker(alias = "REDIS_URI")]
    redis_url: Option<String>,
    #[locker(delimiter = ";", default = "a.example;b.example")]
    hosts: Vec<String>,
    #[locker(default_in(dev = "local"))]
    name: String,
}

#[derive(Debug, LockerConfig)]
#[allow(dead_code)]
struct Db {
    /// Postgres connection string.
    #[locker(alias = "URI")]
    url: Secret<String>,
    #[locker(default)]
    pool_size: u32,
}

#[allow(clippy::too_many_arguments)]
fn key(
    key: &str,
    field: &str,
    ty: &str,
    required: bool,
    required_in: &[&str],
    default: Option<&str>,
    default_in: serde_json::Value,
    secret: bool,
    aliases: &[&str],
    doc: &str,
) -> serde_json::Value {
    json!({
        "key": key, "field": field, "type": ty, "required": required,
        "required_in": required_in, "default": default, "default_in": default_in,
        "secret": secret, "aliases": aliases, "doc": doc,
    })
}

#[test]
fn the_json_template_is_the_schema_of_every_key_in_field_order() {
    let text = Service::template(TemplateFormat::Json);
    let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
    let url_doc = "Postgres connection string.";
    let expected = json!({
        "format": 1,
        "name": "Service",
        "keys": [
            key("DB_URL", "db.url", "Secret<String>", true, &[], None, json!({}), true, &["DB_URI"], url_doc),
            key("DB_POOL_SIZE", "db.pool_size", "u32", false, &[], Some("Default::default()"), json!({}), false, &[], ""),
            key("REPLICA_DB_URL", "replica.url", "Secret<String>", false, &[], None, json!({}), true, &["REPLICA_DB_URI"], url_doc),
            key("REPLICA_DB_POOL_SIZE", "replica.pool_size", "u32", false, &[], Some("Default::default()"), json!({}), false, &[], ""),
            key("PORT", "port", "u16", false, &[], Some("443"), json!({"dev": "8080", "test": "0"}), false, &[],
                "The port to listen on.\nUse 0 for any free port."),
            key("SENTRY_DSN", "sentry_dsn", "Option<Secret<String>>", false, &["prod"], None, json!({}), true, &[], ""),
            key("REDIS_URL", "redis_url", "Option<String>", false, &[], None, json!({}), false, &["REDIS_URI"], ""),
            key("HOSTS", "hosts", "Vec<String>", false, &[], Some("a.example;b.example"), json!({}), false, &[], ""),
            key("NAME", "name", "String", true, &[], None, json!({"dev": "local"}), false, &[], ""),
        ]
    });
    assert_eq!(parsed, expected, "{text}");
    // default_in keeps the order of the code.
    assert!(text.find("\"dev\"").unwrap() < text.find("\"test\"").unwrap());
    assert!(text.ends_with("}\n"));

    let schema = Schema::from_json(&text).unwrap();
    assert_eq!(schema.name(), "Service");
    let keys: Vec<&str> = schema.fields().iter().map(|f| f.key()).collect();
    assert_eq!(keys, Service::KEYS);
    let replica_url = schema.fields()[2];
    assert!(replica_url.is_optional() && replica_url.is_secret());
    assert!(schema.fields()[8].is_required_in("prod") && !schema.fields()[8].is_required_in("dev"));
    assert!(schema.fields()[5].is_required_in("prod") && !schema.fields()[5].is_required_in("dev"));
    // What was read writes the same text again.
    assert_eq!(schema.to_json(), text);
}

const VALUES: [&str; 4] = [
    "postgres://typo-value-3141",
    "redis://via-alias-2718",
    "legacy-on-1618",
    "postgres://replica-1414",
];

fn seeded() -> Project {
    let p = Project::new();
    p.seed(
        &["prod", "dev", "empty"],
        &[
            (Some("prod"), "DB_ULR", VALUES[0]),
            (None, "HOSTS", "x.example;y.example"),
            (Some("prod"), "REDIS_URI", VALUES[1]),
            (Some("prod"), "NAME", " "),
            (Some("prod"), "LEGACY_FLAG", VALUES[2]),
            (Some("prod"), "REPLICA_DB_URL", VALUES[3]),
            (Some("dev"), "DB_URI", VALUES[0]),
        ],
    );
    p
}

#[tokio::test]
async fn a_schema_check_reports_what_the_typed_check_reports() {
    let p = seeded();
    let schema = Schema::from_json(&Service::template(TemplateFormat::Json)).unwrap();
    for environment in ["prod", "dev", "empty"] {
        let typed = p
            .loader::<Service>(environment)
            .check_async()
            .await
            .unwrap();
        let untyped = schema.check_async(&p.client(), environment).await.unwrap();
        assert_eq!(untyped, typed, "{environment}: {untyped}\n---\n{typed}");
        let shown = format!("{untyped}\n{untyped:?}");
        for value in VALUES {
            assert!(!shown.contains(value), "{value} leaked: {shown}");
        }
    }

    // prod: DB_URL missing (a typo beside it) and SENTRY_DSN required there.
    let report = schema.check_async(&p.client(), "prod").await.unwrap();
    let missing: Vec<&str> = report.problems().iter().map(|p| p.key).collect();
    assert_eq!(missing, ["DB_URL", "SENTRY_DSN"]);
    assert!(
        report
            .problems()
            .iter()
            .all(|p| p.kind == ProblemKind::Missing)
    );
    assert_eq!(report.unused_keys()[0].did_you_mean, Some("DB_URL"));
    assert_eq!(report.empty_values()[0].key, "NAME");
    assert_eq!(report.from_all_only()[0].key, "HOSTS");
    assert_eq!(report.aliases_used()[0].alias, Some("REDIS_URI"));
    // dev: DB_URL through its alias, NAME from default_in.
    let dev = Schema::of::<Service>()
        .check_async(&p.client(), "dev")
        .await
        .unwrap();
    assert!(dev.is_ok(), "{dev}");
    // empty: an environment without a record of its own.
    let empty = schema.check(&p.client(), "empty").unwrap();
    assert_eq!(empty.problems().len(), 2, "{empty}");
}

#[test]
fn a_schema_cannot_parse_values() {
    let p = Project::new();
    p.seed(
        &["prod"],
        &[
            (Some("prod"), "DB_URL", "postgres://db"),
            (Some("prod"), "PORT", "eighty"),
            (Some("prod"), "SENTRY_DSN", "https://sentry"),
            (Some("prod"), "NAME", "app"),
        ],
    );
    let typed = p.loader::<Service>("prod").check().unwrap();
    assert!(matches!(
        typed.problems()[0].kind,
        ProblemKind::Invalid { .. }
    ));
    let untyped = Schema::of::<Service>().check(&p.client(), "prod").unwrap();
    assert!(untyped.is_clean(), "{untyped}");
}

#[test]
fn a_schema_check_costs_what_the_typed_check_costs() {
    let p = seeded();
    let schema = Schema::of::<Service>();
    for (environment, lookups) in [("prod", 0), ("empty", 1)] {
        let client = p.client();
        p.server.clear_request_log();
        schema.check(&client, environment).unwrap();
        let log = p.server.request_log();
        assert_eq!(p.gets("/v1/secrets"), 1, "{log:?}");
        assert_eq!(p.gets("/v1/environments"), lookups, "{log:?}");
        let schema_requests = log.len();

        let client = p.client();
        p.server.clear_request_log();
        p.loader::<Service>(environment)
            .client(client)
            .check()
            .unwrap();
        assert_eq!(schema_requests, p.server.request_log().len());
        // The profile, one list, and the environment lookup only when no record names it.
        assert_eq!(schema_requests, 2 + lookups, "{log:?}");
    }

    let err = schema.check(&p.client(), "nowhere").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    let err = schema.check(&p.client(), " ").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
}
