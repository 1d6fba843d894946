//! Locker as a layer of figment and config-rs, with the real crates against a real server: a
//! file under Locker under the environment, lenient typing, errors that name Locker and the
//! environment, an injected unencrypted value that fails the extraction, the async source.

mod support;

use config::{Config, FileFormat};
use figment::Figment;
use figment::providers::{Env, Format, Json};
use locker_config::config_rs::LockerSource;
use locker_config::figment::LockerProvider;
use locker_config::{EnvValues, Secret, ValuesLoader};
use serde::Deserialize;
use serde_json::json;
use support::{Project, is_child, run_ignored_test};

const ATTACKER: &str = "postgres://attacker/steal";

#[derive(Debug, Deserialize)]
struct Settings {
    port: u16,
    name: String,
    debug: bool,
    db: Db,
}

#[derive(Debug, Deserialize)]
struct Db {
    pool: u32,
    url: Secret<String>,
}

/// The file layer: every key, so that what Locker and the environment do not set shows.
const FILE: &str =
    r#"{"port": 1, "name": "file", "debug": true, "db": {"pool": 1, "url": "file://db"}}"#;

/// prod: PORT and DB__URL; "All": DB__POOL and NAME.
fn seeded() -> Project {
    let p = Project::new();
    p.seed(
        &["prod"],
        &[
            (Some("prod"), "PORT", "9000"),
            (Some("prod"), "DB__URL", "postgres://locker/prod"),
            (None, "DB__POOL", "5"),
            (None, "NAME", "locker"),
        ],
    );
    p
}

fn loader(p: &Project) -> ValuesLoader {
    EnvValues::loader("prod")
        .client(p.client())
        .cache_dir(p.cache_dir())
}

fn assert_layered(s: &Settings, name: &str) {
    assert_eq!(s.port, 9000); // "9000" from Locker extracts as a u16
    assert_eq!(s.db.pool, 5); // DB__POOL → db.pool
    assert_eq!(s.db.url.expose_secret(), "postgres://locker/prod");
    assert!(s.debug); // only the file sets it
    assert_eq!(s.name, name);
    assert_eq!(format!("{:?}", s.db), "Db { pool: 5, url: [REDACTED] }");
}

#[test]
fn figment_file_under_locker_under_the_environment() {
    let p = seeded();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("App.json");
    std::fs::write(&file, FILE).unwrap();
    let mut vars = p.credential_vars();
    vars.push(("ADAPTER_TEST_FILE", file.display().to_string()));
    vars.push((
        "ADAPTER_TEST_CACHE",
        dir.path().join("cache").display().to_string(),
    ));
    vars.push(("APP_NAME", "from-env".to_owned()));
    p.server.clear_request_log();
    run_ignored_test("child_figment_with_env", &vars);
    // Figment asks the provider once: the profile and one list.
    assert_eq!(p.gets("/v1/secrets"), 1, "{:?}", p.server.request_log());
    assert_eq!(
        p.server.request_log().len(),
        2,
        "{:?}",
        p.server.request_log()
    );
}

#[test]
#[ignore = "run by figment_file_under_locker_under_the_environment in a child process"]
fn child_figment_with_env() {
    if !is_child() {
        return;
    }
    let var = |name| std::env::var(name).unwrap();
    let settings: Settings = Figment::new()
        .merge(Json::file(var("ADAPTER_TEST_FILE")))
        .merge(LockerProvider::new(
            EnvValues::loader("prod").cache_dir(var("ADAPTER_TEST_CACHE")),
        ))
        .merge(Env::prefixed("APP_"))
        .extract()
        .unwrap();
    assert_layered(&settings, "from-env");
}

#[tokio::test(flavor = "current_thread")]
async fn figment_works_inside_a_runtime_and_names_locker_in_errors() {
    let p = seeded();
    let settings: Settings = Figment::new()
        .merge(Json::string(FILE))
        .merge(LockerProvider::new(loader(&p)))
        .extract()
        .unwrap();
    assert_layered(&settings, "locker");

    let locker = p.client();
    locker
        .modify(
            "PORT",
            Some("prod"),
            locker_config::SecretUpdate::new().value("not-a-port"),
        )
        .await
        .unwrap();
    let err = Figment::new()
        .merge(Json::string(FILE))
        .merge(LockerProvider::new(loader(&p)))
        .extract::<Settings>()
        .unwrap_err();
    let message = err.to_string();
    assert!(
        message.ends_with("for key \"PORT\" in Locker environment \"prod\""),
        "{message}"
    );
}

/// Writes `ATTACKER` as the plaintext value of DB__URL with only the bearer token.
async fn inject_plaintext(p: &Project) -> String {
    let record = p.client().retrieve("DB__URL", Some("prod")).await.unwrap();
    let (status, _) = p
        .raw(
            "PUT",
            &format!("/v1/secrets/{}", record.id),
            Some(json!({ "value": ATTACKER })),
        )
        .await;
    assert_eq!(status, 200);
    record.id
}

#[tokio::test]
async fn an_injected_unencrypted_value_fails_both_extractions() {
    let p = seeded();
    let id = inject_plaintext(&p).await;

    let err = Figment::new()
        .merge(Json::string(FILE))
        .merge(LockerProvider::new(loader(&p)))
        .extract::<Settings>()
        .unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(shown.contains("could not decrypt the value"), "{shown}");
    assert!(shown.contains(&id), "{shown}");
    assert!(!shown.contains(ATTACKER), "{shown}");

    let err = Config::builder()
        .add_source(config::File::from_str(FILE, FileFormat::Json))
        .add_source(LockerSource::new(loader(&p)))
        .build()
        .unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(shown.contains("could not decrypt the value"), "{shown}");
    assert!(!shown.contains(ATTACKER), "{shown}");

    let err = Config::builder()
        .add_async_source(LockerSource::new(loader(&p)))
        .build()
        .await
        .unwrap_err();
    assert!(!format!("{err} {err:?}").contains(ATTACKER));
}

/// config-rs's environment source, given its variables explicitly (no process environment).
fn environment(vars: &[(&str, &str)]) -> config::Environment {
    config::Environment::with_prefix("APP").source(Some(
        vars.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn config_rs_file_under_locker_under_the_environment_sync_inside_a_runtime() {
    let p = seeded();
    let settings: Settings = Config::builder()
        .add_source(config::File::from_str(FILE, FileFormat::Json))
        .add_source(LockerSource::new(loader(&p)))
        .add_source(environment(&[("APP_NAME", "from-env")]))
        .build()
        .unwrap()
        .try_deserialize()
        .unwrap();
    assert_layered(&settings, "from-env");
}

#[tokio::test]
async fn config_rs_async_source() {
    let p = seeded();
    p.server.clear_request_log();
    let built = Config::builder()
        .add_source(config::File::from_str(FILE, FileFormat::Json))
        .add_async_source(LockerSource::new(loader(&p)))
        .build()
        .await
        .unwrap();
    let settings: Settings = built.clone().try_deserialize().unwrap();
    assert_layered(&settings, "locker");
    assert_eq!(p.gets("/v1/secrets"), 1, "{:?}", p.server.request_log());

    // A bad value: config-rs's error names Locker and the environment as the origin.
    let locker = p.client();
    locker
        .modify(
            "PORT",
            Some("prod"),
            locker_config::SecretUpdate::new().value("not-a-port"),
        )
        .await
        .unwrap();
    let err = Config::builder()
        .add_async_source(LockerSource::new(loader(&p)))
        .build()
        .await
        .unwrap()
        .get::<u16>("port")
        .unwrap_err();
    assert!(
        err.to_string().contains("in Locker environment \"prod\""),
        "{err}"
    );
}
