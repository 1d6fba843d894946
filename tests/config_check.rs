//! `check` against a live project (problems and drift, one list request, never a value) and
//! the `.env` and Markdown templates.

mod support;

use locker_config::config::ValueSource;
use locker_config::{ErrorKind, Locker, LockerConfig, Secret, TemplateFormat};
use support::Project;

#[derive(Debug, LockerConfig)]
#[allow(dead_code)]
struct AppConfig {
    /// Postgres connection string.
    database_url: Secret<String>,
    #[locker(key = "HTTP_PORT", default = 8080)]
    port: u16,
    #[locker(alias = "REDIS_URI")]
    redis_url: Option<String>,
    name: String,
}

const VALUES: [&str; 4] = [
    "postgres://typo-value",
    "redis://via-alias",
    "legacy-on",
    "staging-only",
];

fn seeded() -> Project {
    let p = Project::new();
    p.seed(
        &["prod", "staging"],
        &[
            (Some("prod"), "DATABSE_URL", VALUES[0]),
            (None, "HTTP_PORT", "9000"),
            (Some("prod"), "REDIS_URI", VALUES[1]),
            (Some("prod"), "NAME", ""),
            (Some("prod"), "LEGACY_FLAG", VALUES[2]),
            (Some("staging"), "STAGING_ONLY", VALUES[3]),
        ],
    );
    p
}

#[test]
fn check_finds_a_typo_and_the_drift_in_one_request() {
    let p = seeded();
    p.server.clear_request_log();
    let report = p.loader::<AppConfig>("prod").check().unwrap();
    assert_eq!(p.gets("/v1/secrets"), 1, "{:?}", p.server.request_log());

    assert!(!report.is_ok());
    assert_eq!(report.environment(), "prod");
    assert_eq!(report.problems().len(), 1);
    assert_eq!(report.problems()[0].key, "DATABASE_URL");
    let unused: Vec<(&str, Option<&str>)> = report
        .unused_keys()
        .iter()
        .map(|u| (u.key.as_str(), u.did_you_mean))
        .collect();
    assert_eq!(
        unused,
        [("DATABSE_URL", Some("DATABASE_URL")), ("LEGACY_FLAG", None)]
    );
    assert_eq!(report.from_all_only().len(), 1);
    assert_eq!(report.from_all_only()[0].field, "port");
    assert_eq!(report.empty_values().len(), 1);
    assert_eq!(report.empty_values()[0].key, "NAME");
    assert_eq!(
        report.empty_values()[0].source,
        ValueSource::Environment("prod".into())
    );
    assert_eq!(report.aliases_used()[0].alias, Some("REDIS_URI"));

    assert_eq!(
        report.to_string(),
        "check of AppConfig in environment \"prod\": 1 problem, 5 warnings\n  \
         a load would fail on:\n    \
         - database_url (DATABASE_URL): missing: not set in environment \"prod\" nor in \"All\", and no default\n  \
         keys that no field reads:\n    \
         - DATABSE_URL (did you mean DATABASE_URL?)\n    \
         - LEGACY_FLAG\n  \
         fields set only in \"All\":\n    \
         - port (HTTP_PORT) <- \"All\"\n  \
         empty values:\n    \
         - name (NAME) is empty in environment \"prod\"\n  \
         deprecated keys in use:\n    \
         - redis_url (REDIS_URL) <- environment \"prod\" via alias REDIS_URI"
    );
    let shown = format!("{report}\n{report:?}");
    for value in VALUES {
        assert!(!shown.contains(value), "{value} leaked: {shown}");
    }
}

#[tokio::test]
async fn check_async_with_overrides_and_an_own_client() {
    let p = seeded();
    let report = AppConfig::loader()
        .environment("prod")
        .client(p.client())
        .override_value("DATABASE_URL", "postgres://override")
        .check_async()
        .await
        .unwrap();
    assert!(report.is_ok(), "{report}");
    assert!(!report.is_clean());
    assert!(
        report
            .to_string()
            .starts_with("check of AppConfig in environment \"prod\": loads, with 5 warnings\n")
    );

    let err = p
        .loader::<AppConfig>("nowhere")
        .check_async()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

#[test]
fn a_clean_environment_reads_all_good() {
    let p = Project::new();
    p.seed(
        &["prod"],
        &[
            (Some("prod"), "DATABASE_URL", "postgres://db"),
            (Some("prod"), "NAME", "app"),
        ],
    );
    let report = p.loader::<AppConfig>("prod").check().unwrap();
    assert!(report.is_clean());
    assert_eq!(
        report.to_string(),
        "check of AppConfig in environment \"prod\": all good"
    );
}

#[test]
fn check_is_an_error_only_when_it_cannot_look() {
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let p = Project::new();
    let client = Locker::builder()
        .access_key_id(p.key.access_key_id.clone())
        .secret_access_key(p.key.secret_access_key.clone())
        .api_base(format!("http://127.0.0.1:{port}"))
        .max_network_retries(0)
        .build()
        .unwrap();
    let err = AppConfig::loader()
        .environment("prod")
        .client(client)
        .check()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection);
}

/// A config with every rule, for the templates.
#[derive(Debug, LockerConfig)]
#[allow(dead_code)]
struct Service {
    #[locker(nested)]
    db: Db,
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
    #[locker(default = "hello world")]
    greeting: String,
}

#[derive(Debug, LockerConfig)]
#[allow(dead_code)]
struct Db {
    /// Postgres connection string.
    url: Secret<String>,
    #[locker(default)]
    pool_size: u32,
}

#[test]
fn dotenv_template() {
    assert_eq!(
        Service::template(TemplateFormat::Dotenv),
        r#"# Service

# db.url: Postgres connection string.
# Secret<String>, required, secret
DB_URL=

# db.pool_size
# u32, default Default::default()
DB_POOL_SIZE=

# port: The port to listen on.
# Use 0 for any free port.
# u16, default 443 (dev: 8080, test: 0)
PORT=443

# sentry_dsn
# Option<Secret<String>>, required in prod, secret
SENTRY_DSN=

# redis_url
# Option<String>, optional, deprecated alias REDIS_URI
REDIS_URL=

# hosts
# Vec<String>, default a.example;b.example, list separated by ";"
HOSTS="a.example;b.example"

# greeting
# String, default hello world
GREETING="hello world"
"#
    );
}

#[test]
fn markdown_template() {
    assert_eq!(
        Service::template(TemplateFormat::Markdown),
        "| Key | Field | Type | Default | Required | Secret | Description |\n\
         |---|---|---|---|---|---|---|\n\
         | `DB_URL` | `db.url` | `Secret<String>` |  | yes | yes | Postgres connection string. |\n\
         | `DB_POOL_SIZE` | `db.pool_size` | `u32` | `Default::default()` | no | no |  |\n\
         | `PORT` | `port` | `u16` | `443`; dev: `8080`; test: `0` | no | no | The port to listen on. Use 0 for any free port. |\n\
         | `SENTRY_DSN` | `sentry_dsn` | `Option<Secret<String>>` |  | in prod | yes |  |\n\
         | `REDIS_URL` | `redis_url` | `Option<String>` |  | no | no | Deprecated alias: `REDIS_URI`. |\n\
         | `HOSTS` | `hosts` | `Vec<String>` | `a.example;b.example` | no | no | Items separated by `;`. |\n\
         | `GREETING` | `greeting` | `String` | `hello world` | no | no |  |\n"
    );
}

#[tokio::test]
async fn check_never_decrypts_another_environment() {
    let p = seeded();
    let client = p.client();
    // Forge staging's only record: a well-formed cipher string whose MAC cannot verify.
    let record = client
        .retrieve("STAGING_ONLY", Some("staging"))
        .await
        .unwrap();
    let pid = client.project_id().await.unwrap();
    let forged = format!("2.{0}|{0}|{1}", "A".repeat(22) + "==", "A".repeat(43) + "=");
    let (status, _) = p
        .raw(
            "PUT",
            &format!("/v1/secrets/{}", record.id),
            Some(serde_json::json!({
                "hash": locker_protocol::crypto::name_hash(pid, "STAGING_ONLY"),
                "value": forged,
            })),
        )
        .await;
    assert_eq!(status, 200);
    // staging fails closed; prod, from the same kind of list, never touches staging's records.
    let err = AppConfig::loader()
        .client(client.clone())
        .environment("staging")
        .check_async()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decryption, "{err}");
    let report = AppConfig::loader()
        .client(client)
        .environment("prod")
        .check_async()
        .await
        .unwrap();
    assert!(!report.to_string().contains(VALUES[3]));
}
