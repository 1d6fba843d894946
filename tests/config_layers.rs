//! The layers around Locker against a real server: process environment variables (set for a
//! real child process, never in this one), a dotenv file, their place in the precedence, the
//! load report and `check`, and that they cost no request.

mod support;

use std::path::PathBuf;
use std::time::Duration;

use locker_config::config::ValueSource;
use locker_config::{EnvValues, ErrorKind, LockerConfig};
use support::{AppConfig, Project, is_child, run_ignored_test};

/// The child's dotenv file and snapshot directory come through these variables.
const DOTENV_VAR: &str = "LAYERS_TEST_DOTENV";
const CACHE_VAR: &str = "LAYERS_TEST_CACHE";

/// prod: DATABASE_URL and HTTP_PORT; "All": REQUEST_TIMEOUT.
fn seeded() -> Project {
    let p = Project::new();
    p.seed(
        &["prod"],
        &[
            (Some("prod"), "DATABASE_URL", "postgres://locker/prod"),
            (Some("prod"), "HTTP_PORT", "443"),
            (None, "REQUEST_TIMEOUT", "45s"),
        ],
    );
    p
}

/// A dotenv file with a value Locker has (HTTP_PORT, line 2) and two it lacks (REDIS_URL on
/// line 3, VERBOSE on line 5).
fn dotenv(dir: &tempfile::TempDir) -> PathBuf {
    let path = dir.path().join(".env.local");
    std::fs::write(
        &path,
        "# developer settings\nHTTP_PORT=1\nREDIS_URL=\"redis://localhost:6379\"\n\nexport VERBOSE=yes\n",
    )
    .unwrap();
    path
}

/// The variables of a child: credentials, the dotenv file and snapshot directory, and
/// `MYAPP_HTTP_PORT` (plus a bare `HTTP_PORT` and an unread `MYAPP_` variable, which must
/// change nothing).
fn child_vars(
    p: &Project,
    dotenv: &std::path::Path,
    cache: &std::path::Path,
) -> Vec<(&'static str, String)> {
    let mut vars = p.credential_vars();
    vars.extend([
        (DOTENV_VAR, dotenv.display().to_string()),
        (CACHE_VAR, cache.display().to_string()),
        ("MYAPP_HTTP_PORT", "9000".to_owned()),
        ("HTTP_PORT", "7".to_owned()),
        ("MYAPP_UNREAD", "x".to_owned()),
    ]);
    vars
}

fn child_paths() -> (PathBuf, PathBuf) {
    let var = |name| PathBuf::from(std::env::var_os(name).expect("set by the parent"));
    (var(DOTENV_VAR), var(CACHE_VAR))
}

#[test]
fn a_process_environment_variable_overrides_locker_and_the_layers_cost_no_request() {
    let p = seeded();
    let dir = tempfile::tempdir().unwrap();
    let path = dotenv(&dir);
    p.server.clear_request_log();
    run_ignored_test(
        "child_loads_with_every_layer",
        &child_vars(&p, &path, &dir.path().join("cache")),
    );
    // The child loads with every layer, then without any (each with a client of its own):
    // both cost the profile and one list, nothing per layer or key.
    let log: Vec<String> = p
        .server
        .request_log()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(
        log,
        [
            "GET /v1/profile",
            "GET /v1/secrets",
            "GET /v1/profile",
            "GET /v1/secrets"
        ]
    );
}

#[test]
#[ignore = "run by a_process_environment_variable_overrides_locker_and_the_layers_cost_no_request in a child process"]
fn child_loads_with_every_layer() {
    if !is_child() {
        return;
    }
    let (path, cache) = child_paths();
    let loaded = AppConfig::loader()
        .environment("prod")
        .cache_dir(cache)
        .process_env("MYAPP_")
        .dotenv_file(&path)
        .load_with_sources()
        .unwrap();
    let cfg = loaded.config;
    assert_eq!(cfg.port, 9000); // process environment over Locker over the dotenv file
    assert_eq!(cfg.database_url.expose_secret(), "postgres://locker/prod");
    assert_eq!(cfg.request_timeout, Duration::from_secs(45));
    assert_eq!(cfg.redis_url.as_deref(), Some("redis://localhost:6379"));
    assert!(cfg.verbose);
    let sources: Vec<String> = loaded.sources.iter().map(ToString::to_string).collect();
    let file = path.display();
    assert_eq!(
        sources,
        [
            "database_url (DATABASE_URL) <- environment \"prod\"".to_owned(),
            "port (HTTP_PORT) <- process environment MYAPP_HTTP_PORT".to_owned(),
            "request_timeout (REQUEST_TIMEOUT) <- \"All\"".to_owned(),
            format!("redis_url (REDIS_URL) <- dotenv file {file}, line 3"),
            "allowed_origins (ALLOWED_ORIGINS) <- default".to_owned(),
            format!("verbose (VERBOSE) <- dotenv file {file}, line 5"),
        ]
    );
    assert_eq!(
        loaded.sources[1].source,
        ValueSource::ProcessEnv {
            var: "MYAPP_HTTP_PORT".into()
        }
    );
    // Without process_env, the process environment is not read at all. (A snapshot directory
    // of its own: this load is as cold as the first.)
    let plain = AppConfig::loader()
        .environment("prod")
        .cache_dir(child_paths().1.join("plain"))
        .load()
        .unwrap();
    assert_eq!(plain.port, 443);
}

#[test]
fn check_reports_what_the_process_environment_shadows() {
    let p = seeded();
    let dir = tempfile::tempdir().unwrap();
    let path = dotenv(&dir);
    run_ignored_test(
        "child_checks_and_loads_values_with_layers",
        &child_vars(&p, &path, &dir.path().join("cache")),
    );
}

#[test]
#[ignore = "run by check_reports_what_the_process_environment_shadows in a child process"]
fn child_checks_and_loads_values_with_layers() {
    if !is_child() {
        return;
    }
    let (path, cache) = child_paths();
    let report = AppConfig::loader()
        .environment("prod")
        .process_env("MYAPP_")
        .dotenv_file(&path)
        .check()
        .unwrap();
    assert!(report.is_ok(), "{report}");
    let shadowed = report.shadowed_by_process_env();
    assert_eq!(shadowed.len(), 1, "{report}");
    assert_eq!(shadowed[0].key, "HTTP_PORT");
    assert!(
        report.to_string().ends_with(
            "keys the process environment shadows:\n    \
             - port (HTTP_PORT) <- process environment MYAPP_HTTP_PORT"
        ),
        "{report}"
    );

    // The same layers for every key, as `locker run` passes them on.
    let values = EnvValues::loader("prod")
        .cache_dir(cache)
        .process_env("MYAPP_")
        .dotenv_file(&path)
        .load()
        .unwrap();
    assert_eq!(values.get("HTTP_PORT"), Some("9000"));
    assert_eq!(values.get("REDIS_URL"), Some("redis://localhost:6379"));
    assert_eq!(values.get("DATABASE_URL"), Some("postgres://locker/prod"));
    // A variable for a key no layer holds adds nothing.
    assert_eq!(values.get("UNREAD"), None);
    assert_eq!(
        values.source("REDIS_URL"),
        Some(&ValueSource::DotenvFile {
            path: path.clone(),
            line: 3
        })
    );
    assert_eq!(
        values
            .source("HTTP_PORT")
            .map(ToString::to_string)
            .as_deref(),
        Some("process environment MYAPP_HTTP_PORT")
    );
}

#[test]
fn a_dotenv_file_fills_what_locker_lacks_and_a_missing_one_is_no_layer() {
    let p = seeded();
    let dir = tempfile::tempdir().unwrap();
    let path = dotenv(&dir);
    let loaded = p
        .loader::<AppConfig>("prod")
        .dotenv_file(&path)
        .load_with_sources()
        .unwrap();
    assert_eq!(loaded.config.port, 443); // Locker over the dotenv file
    assert_eq!(
        loaded.config.redis_url.as_deref(),
        Some("redis://localhost:6379")
    );
    assert_eq!(
        loaded.sources[1].source,
        ValueSource::Environment("prod".into())
    );

    let missing = p
        .loader::<AppConfig>("prod")
        .dotenv_file(dir.path().join("no-such.env"))
        .load_with_sources()
        .unwrap();
    assert_eq!(missing.config.redis_url, None);
    assert_eq!(missing.sources[3].source, ValueSource::Absent);
}

#[test]
fn a_bad_dotenv_file_fails_the_load_before_any_request_without_its_content() {
    let p = seeded();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".env");
    std::fs::write(
        &path,
        "DATABASE_URL=postgres://dotenv\nsecret-password-here\n",
    )
    .unwrap();
    p.server.clear_request_log();
    let err = p
        .loader::<AppConfig>("prod")
        .dotenv_file(&path)
        .load()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert_eq!(
        err.message(),
        format!(
            "the dotenv file {} is malformed at line 2: expected KEY=value",
            path.display()
        )
    );
    let shown = format!("{err} {err:?} {err:#}");
    assert!(
        !shown.contains("secret-password") && !shown.contains("postgres://dotenv"),
        "{shown}"
    );
    assert!(p.server.request_log().is_empty());
}

#[cfg(unix)]
#[test]
fn a_fifo_as_dotenv_file_is_refused_at_once() {
    let p = seeded();
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo.env");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    // Nobody ever writes to the FIFO: opening it for reading would wait forever.
    let err = p
        .loader::<AppConfig>("prod")
        .dotenv_file(&fifo)
        .load()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(err.message().ends_with("is not a regular file"), "{err}");
    let err = EnvValues::loader("prod")
        .client(p.client())
        .dotenv_file(&fifo)
        .load()
        .unwrap_err();
    assert!(err.message().ends_with("is not a regular file"), "{err}");
}

#[derive(Debug, LockerConfig)]
struct Nested {
    #[locker(nested)]
    db: Db,
}

#[derive(Debug, LockerConfig)]
struct Db {
    #[locker(alias = "DSN")]
    url: String,
}

#[test]
fn nested_prefixes_and_aliases_compose_with_the_process_environment() {
    let p = Project::new();
    p.seed(&["prod"], &[(Some("prod"), "DB_URL", "postgres://locker")]);
    let dir = tempfile::tempdir().unwrap();
    run_ignored_test(
        "child_nested_and_alias",
        &[
            p.credential_vars(),
            vec![
                (CACHE_VAR, dir.path().join("cache").display().to_string()),
                ("MYAPP_DB_DSN", "postgres://env-alias".to_owned()),
            ],
        ]
        .concat(),
    );
}

#[test]
#[ignore = "run by nested_prefixes_and_aliases_compose_with_the_process_environment in a child process"]
fn child_nested_and_alias() {
    if !is_child() {
        return;
    }
    let cache = PathBuf::from(std::env::var_os(CACHE_VAR).unwrap());
    let loaded = Nested::loader()
        .environment("prod")
        .cache_dir(cache)
        .process_env("MYAPP_")
        .load_with_sources()
        .unwrap();
    // The process environment is a higher layer than Locker, even through an alias.
    assert_eq!(loaded.config.db.url, "postgres://env-alias");
    assert_eq!(
        loaded.sources[0].to_string(),
        "db.url (DB_URL) <- process environment MYAPP_DB_DSN via alias DB_DSN"
    );
}

#[test]
fn a_live_config_keeps_its_layers_on_every_refresh() {
    let p = seeded();
    let dir = tempfile::tempdir().unwrap();
    let path = dotenv(&dir);
    let live = p
        .loader::<AppConfig>("prod")
        .dotenv_file(&path)
        .watch(Duration::from_secs(3600))
        .unwrap();
    assert_eq!(
        live.current().redis_url.as_deref(),
        Some("redis://localhost:6379")
    );
    let mut changes = live.subscribe();
    p.blocking()
        .modify(
            "DATABASE_URL",
            Some("prod"),
            locker_config::SecretUpdate::new().value("postgres://rotated"),
        )
        .unwrap();
    live.refresh_now().unwrap();
    assert_eq!(
        changes.try_next().expect("a change").keys(),
        ["DATABASE_URL"]
    );
    let now = live.current();
    assert_eq!(now.database_url.expose_secret(), "postgres://rotated");
    // Rebuilt with the dotenv file under Locker, as the first load was.
    assert_eq!(now.redis_url.as_deref(), Some("redis://localhost:6379"));
    assert_eq!(now.port, 443);
}
