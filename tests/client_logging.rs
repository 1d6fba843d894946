//! `LOCKER_LOG=debug` logs every API call to stderr, and never a secret.
//!
//! Environment variables are process-global, so the logged operations run in a child process:
//! this test binary re-executes itself, running only `child_logged_operations`.

mod common;

use std::process::Command;

use locker_config::{Locker, NewSecret};

const CHILD_MARKER: &str = "LOCKER_CONFIG_LOGGING_CHILD";
const SECRET_VALUE: &str = "pa55w0rd-very-secret-value";

#[test]
fn debug_logs_show_calls_but_no_secrets() {
    let p = common::project();
    let home = tempfile::tempdir().unwrap();
    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_logged_operations",
            "--ignored",
            "--nocapture",
        ])
        .env(CHILD_MARKER, "1")
        .env("LOCKER_LOG", "debug")
        .env("LOCKER_ACCESS_KEY_ID", &p.key.access_key_id)
        .env("LOCKER_SECRET_ACCESS_KEY", &p.key.secret_access_key)
        .env("LOCKER_API_BASE", p.server.base_url())
        .env("HOME", home.path())
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "child failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("1 passed"), "{stdout}");
    assert!(stderr.contains("DEBUG"), "no debug output:\n{stderr}");
    assert!(stderr.contains("locker_api"), "no API span:\n{stderr}");
    assert!(stderr.contains("/v1/secrets"), "{stderr}");
    let all = format!("{stdout}{stderr}");
    assert!(!all.contains(SECRET_VALUE), "a secret value was logged");
    assert!(
        !all.contains(&p.key.secret_access_key),
        "the secret access key was logged"
    );
    assert!(
        !all.contains(&p.key.access_key_id),
        "the bearer token was logged"
    );
}

#[tokio::test]
#[ignore = "run by debug_logs_show_calls_but_no_secrets in a child process"]
async fn child_logged_operations() {
    if std::env::var_os(CHILD_MARKER).is_none() {
        return;
    }
    let locker = Locker::from_env().unwrap();
    locker
        .create(NewSecret::new("DB_PASSWORD", SECRET_VALUE).description("db"))
        .await
        .unwrap();
    assert_eq!(
        locker
            .get("DB_PASSWORD", Some("nowhere"))
            .await
            .unwrap()
            .as_deref(),
        Some(SECRET_VALUE)
    );
    locker.list_secrets(None).await.unwrap();
    let err = locker
        .create(NewSecret::new("DB_PASSWORD", SECRET_VALUE))
        .await;
    assert!(err.is_err());
}
