//! Credential resolution: explicit → environment variables → credential file. The resolver is
//! pure, so no test touches the process environment.

mod support;

use std::collections::HashMap;

use locker_config::credentials::{DEFAULT_API_BASE, Explicit, resolve};
use locker_config::{ErrorKind, Locker};
use tempfile::TempDir;

const SECRET: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |name| map.get(name).cloned()
}

/// A home directory holding `.locker/{file}` with `contents`.
fn home_with(file: &str, contents: &str) -> TempDir {
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir(home.path().join(".locker")).unwrap();
    std::fs::write(home.path().join(".locker").join(file), contents).unwrap();
    home
}

#[test]
fn environment_variables_in_precedence_order() {
    let e = env(&[
        ("ACCESS_KEY_ID", "second"),
        ("LOCKER_ACCESS_KEY_ID", "first"),
        ("ACCESS_KEY_SECRET", "last"),
        ("SECRET_ACCESS_KEY", SECRET),
        ("LOCKER_API_BASE", "http://127.0.0.1:1"),
    ]);
    let c = resolve(Explicit::default(), &e, None).unwrap();
    assert_eq!(c.access_key_id(), "first");
    assert_eq!(c.expose_secret_access_key(), SECRET);
    assert_eq!(c.api_base(), "http://127.0.0.1:1");
}

#[test]
fn explicit_values_win() {
    let e = env(&[
        ("LOCKER_ACCESS_KEY_ID", "env"),
        ("LOCKER_SECRET_ACCESS_KEY", "env"),
    ]);
    let explicit = Explicit::new()
        .access_key_id("explicit")
        .secret_access_key(SECRET);
    let c = resolve(explicit, &e, None).unwrap();
    assert_eq!(c.access_key_id(), "explicit");
    assert_eq!(c.expose_secret_access_key(), SECRET);
    assert_eq!(c.api_base(), DEFAULT_API_BASE);
}

#[test]
fn the_credential_file_is_the_last_resort() {
    let home = home_with(
        "credential.json",
        &format!(
            r#"{{"access_key_id":"from-file","secret_access_key":"{SECRET}","api_base":"http://file:1"}}"#
        ),
    );
    let c = resolve(Explicit::default(), &env(&[]), Some(home.path())).unwrap();
    assert_eq!(c.access_key_id(), "from-file");
    assert_eq!(c.api_base(), "http://file:1");
    let dbg = format!("{c:?}");
    assert!(dbg.contains("from…") && !dbg.contains(SECRET), "{dbg}");
    assert!(!dbg.contains("from-file"), "{dbg}");

    let c = resolve(
        Explicit::default(),
        &env(&[("LOCKER_ACCESS_KEY_ID", "env")]),
        Some(home.path()),
    )
    .unwrap();
    assert_eq!(c.access_key_id(), "env");
}

#[test]
fn the_alternative_file_name_is_accepted() {
    let home = home_with(
        "credentials",
        &format!(r#"{{"access_key_id":"alt","secret_access_key":"{SECRET}"}}"#),
    );
    let c = resolve(Explicit::default(), &env(&[]), Some(home.path())).unwrap();
    assert_eq!(c.access_key_id(), "alt");
}

#[test]
fn missing_credentials_name_every_place_looked() {
    let home = tempfile::tempdir().unwrap();
    let err = resolve(
        Explicit::default(),
        &env(&[("LOCKER_ACCESS_KEY_ID", "id")]),
        Some(home.path()),
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Credentials);
    let msg = err.to_string();
    assert!(msg.contains("secret access key"), "{msg}");
    assert!(!msg.contains("no access key id"), "{msg}");
    for place in [
        "LOCKER_SECRET_ACCESS_KEY",
        "SECRET_ACCESS_KEY",
        "LOCKER_ACCESS_KEY_SECRET",
        "ACCESS_KEY_SECRET",
        "credential.json",
        ".locker/credentials",
    ] {
        assert!(msg.contains(place), "{place} missing from {msg}");
    }
}

#[test]
fn a_malformed_file_is_a_credentials_error_without_its_contents() {
    let home = home_with(
        "credential.json",
        &format!("{{\"secret_access_key\": \"{SECRET}\", oops"),
    );
    let err = resolve(Explicit::default(), &env(&[]), Some(home.path())).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Credentials);
    assert!(err.message().contains("credential.json"), "{err}");
    assert!(!format!("{err:?}").contains(SECRET));
}

/// The bug this guards against: a broken credential file made `Locker::from_env()` fail even
/// though both keys came from environment variables.
#[test]
fn from_env_ignores_a_malformed_file_when_the_environment_gives_both_keys() {
    let home = home_with("credential.json", "{ this is not json");
    support::run_ignored_test(
        "child_from_env_with_a_malformed_file",
        &[
            ("HOME", home.path().display().to_string()),
            (
                "LOCKER_ACCESS_KEY_ID",
                "4b4a4b0e-3b0c-4f8e-9d5e-6f1b2f3c4d5e".into(),
            ),
            ("LOCKER_SECRET_ACCESS_KEY", SECRET.into()),
        ],
    );
}

#[test]
#[ignore = "run in a child process by the test above"]
fn child_from_env_with_a_malformed_file() {
    if !support::is_child() {
        return;
    }
    let locker = Locker::from_env().unwrap();
    assert_eq!(locker.api_base(), DEFAULT_API_BASE);
}

#[test]
fn from_env_reports_where_a_needed_file_is_malformed() {
    let home = home_with("credential.json", "{\n  \"access_key_id\": 7,\n  oops }");
    support::run_ignored_test(
        "child_from_env_with_a_needed_malformed_file",
        &[
            ("HOME", home.path().display().to_string()),
            ("LOCKER_SECRET_ACCESS_KEY", SECRET.into()),
        ],
    );
}

#[test]
#[ignore = "run in a child process by the test above"]
fn child_from_env_with_a_needed_malformed_file() {
    if !support::is_child() {
        return;
    }
    let err = Locker::from_env().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Credentials, "{err:?}");
    assert!(err.message().contains("credential.json"), "{err}");
    assert!(err.message().contains("line 2, column"), "{err}");
}
