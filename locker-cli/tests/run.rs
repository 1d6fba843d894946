//! `locker run` against a real server: values as environment variables, exit codes, signals
//! passed on, `--watch` restarts, and `locker diff`.

mod common;

use std::process::Stdio;

use common::{Project, Running, read, wait_until};
use locker_config::SecretUpdate;
use nix::sys::signal::Signal;
use predicates::prelude::*;

#[test]
fn the_command_gets_the_values_and_its_exit_code_is_lockers() {
    let p = Project::new();
    p.seed(
        &["dev", "prod"],
        &[
            (Some("dev"), "DATABASE_URL", "postgres://dev"),
            (None, "DATABASE_URL", "postgres://all"),
            (None, "SHARED", "from all"),
            (Some("prod"), "ONLY_PROD", "no"),
            (Some("dev"), "MULTI", "line one\nline two"),
        ],
    );
    p.locker(&[
        "run",
        "--env",
        "dev",
        "--",
        "sh",
        "-c",
        r#"printf '%s|%s|%s|%s' "$DATABASE_URL" "$SHARED" "${ONLY_PROD-unset}" "$MULTI"; exit 7"#,
    ])
    .assert()
    .code(7)
    .stdout("postgres://dev|from all|unset|line one\nline two")
    .stderr("");

    // The environment comes from LOCKER_ENVIRONMENT too, and locker's own variables are
    // inherited unless --no-inherit.
    p.locker(&["run", "--", "sh", "-c", "echo \"$DATABASE_URL $HOME\""])
        .env("LOCKER_ENVIRONMENT", "prod")
        .assert()
        .success()
        .stdout(format!("postgres://all {}\n", p.home.path().display()));
    let sh = which("sh");
    p.locker(&[
        "run",
        "--env",
        "dev",
        "--no-inherit",
        "--",
        &sh,
        "-c",
        "env",
    ])
    .assert()
    .success()
    .stdout(predicate::str::contains("SHARED=from all"))
    .stdout(predicate::str::contains("HOME=").not())
    .stdout(predicate::str::contains("LOCKER_").not());
}

#[test]
fn bad_names_are_reported_and_missing_commands_or_environments_fail() {
    let p = Project::new();
    p.seed(
        &["dev"],
        &[(Some("dev"), "my-key", "v1"), (Some("dev"), "GOOD", "v2")],
    );
    p.locker(&["run", "--env", "dev", "--", "sh", "-c", "echo \"$GOOD\""])
        .assert()
        .success()
        .stdout("v2\n")
        .stderr(predicate::str::contains("my-key"))
        .stderr(predicate::str::contains("v1").not());
    p.locker(&["run", "--env", "dev", "--", "no-such-command-here"])
        .assert()
        .code(127);
    p.locker(&["run", "--env", "nope", "--", "true"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("nope"));
    p.locker(&["run", "--env", "dev"]).assert().code(2);
}

/// A shell script that records the signals it gets and (once it can) its start in `$LOG`, then
/// waits.
const TRAPPING: &str = r#"trap 'echo "got TERM $VALUE" >> "$LOG"; exit 0' TERM
trap 'echo "got INT $VALUE" >> "$LOG"; exit 3' INT
echo "start $VALUE" >> "$LOG"
while :; do sleep 0.05; done"#;

fn spawn_trapping(p: &Project, extra: &[&str], log: &std::path::Path) -> Running {
    let mut args = vec!["run", "--env", "dev"];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--", "sh", "-c", TRAPPING]);
    let child = p
        .locker_std(&args)
        .env("LOG", log)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("locker starts");
    Running(Some(child))
}

#[test]
fn sigterm_and_sigint_reach_the_command() {
    let p = Project::new();
    p.seed(&["dev"], &[(Some("dev"), "VALUE", "v1")]);
    for (signal, line, code) in [
        (Signal::SIGTERM, "got TERM v1", 0),
        (Signal::SIGINT, "got INT v1", 3),
    ] {
        let log = p.home.path().join(format!("{signal}.log"));
        let running = spawn_trapping(&p, &[], &log);
        wait_until("the command to start", || read(&log).contains("start v1"));
        running.signal(signal);
        let (status, stderr) = running.finish();
        assert_eq!(status, Some(code), "{stderr}");
        assert!(read(&log).contains(line), "{}", read(&log));
    }

    // A command that does not catch SIGTERM dies of it, and locker reports 128 + 15.
    let log = p.home.path().join("plain.log");
    let child = p
        .locker_std(&[
            "run",
            "--env",
            "dev",
            "--",
            "sh",
            "-c",
            "echo up >> \"$LOG\"; exec sleep 30",
        ])
        .env("LOG", &log)
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let running = Running(Some(child));
    wait_until("the command to start", || read(&log).contains("up"));
    running.signal(Signal::SIGTERM);
    assert_eq!(running.finish().0, Some(128 + 15));
}

#[test]
fn watch_restarts_the_command_when_a_value_changes() {
    let p = Project::new();
    p.seed(
        &["dev"],
        &[(Some("dev"), "VALUE", "v1"), (None, "OTHER", "x")],
    );
    let log = p.home.path().join("watch.log");
    let running = spawn_trapping(
        &p,
        &["--watch", "--interval", "100ms", "--grace", "10s"],
        &log,
    );
    wait_until("the first start", || read(&log).contains("start v1"));

    p.client()
        .modify("VALUE", Some("dev"), SecretUpdate::new().value("v2"))
        .unwrap();
    wait_until("the restart", || read(&log).contains("start v2"));
    let text = read(&log);
    assert!(
        text.contains("got TERM v1"),
        "stopped with SIGTERM first: {text}"
    );

    running.signal(Signal::SIGTERM);
    let (status, stderr) = running.finish();
    assert_eq!(status, Some(0), "{stderr}");
    assert!(read(&log).ends_with("got TERM v2\n"), "{}", read(&log));
    assert!(stderr.contains("VALUE changed in dev"), "{stderr}");
    assert!(!stderr.contains("v1") && !stderr.contains("v2"), "{stderr}");
}

#[test]
fn watch_kills_a_command_that_ignores_sigterm_after_the_grace_period() {
    let p = Project::new();
    p.seed(&["dev"], &[(Some("dev"), "VALUE", "v1")]);
    let log = p.home.path().join("stubborn.log");
    // Ignores SIGTERM; the second run (with the new value) ends by itself with 5.
    let script = r#"trap '' TERM; echo "start $VALUE" >> "$LOG"
if [ "$VALUE" = v2 ]; then exit 5; fi
while :; do sleep 0.05; done"#;
    let child = p
        .locker_std(&[
            "run",
            "--env",
            "dev",
            "--watch",
            "--interval",
            "100ms",
            "--grace",
            "200ms",
            "--",
            "sh",
            "-c",
            script,
        ])
        .env("LOG", &log)
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let running = Running(Some(child));
    wait_until("the first start", || read(&log).contains("start v1"));
    p.client()
        .modify("VALUE", Some("dev"), SecretUpdate::new().value("v2"))
        .unwrap();
    let (status, stderr) = running.finish();
    assert_eq!(read(&log), "start v1\nstart v2\n");
    assert_eq!(status, Some(5), "{stderr}");
}

#[test]
fn diff_compares_values_without_printing_them() {
    let p = Project::new();
    p.seed(
        &["staging", "prod"],
        &[
            (None, "SHARED", "same-everywhere"),
            (Some("staging"), "DATABASE_URL", "postgres://staging-secret"),
            (Some("prod"), "DATABASE_URL", "postgres://prod-secret"),
            (Some("staging"), "DEBUG", "1"),
            (Some("prod"), "SENTRY_DSN", "https://sentry-secret"),
            (Some("staging"), "PORT", "8080"),
            (Some("prod"), "PORT", "8080"),
        ],
    );
    let out = p
        .locker(&["diff", "staging", "prod"])
        .assert()
        .success()
        .get_output()
        .clone();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        stdout,
        "different\tDATABASE_URL\nonly-a\tDEBUG\nequal\tPORT\nonly-b\tSENTRY_DSN\nequal\tSHARED\n"
    );
    let json = p
        .locker(&["diff", "staging", "prod", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let json: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(json["only_in_a"], serde_json::json!(["DEBUG"]));
    assert_eq!(json["only_in_b"], serde_json::json!(["SENTRY_DSN"]));
    assert_eq!(json["equal"], serde_json::json!(["PORT", "SHARED"]));
    assert_eq!(json["different"], serde_json::json!(["DATABASE_URL"]));
    for text in [stdout, json.to_string()] {
        assert!(
            !text.contains("secret") && !text.contains("same-everywhere"),
            "{text}"
        );
    }
    p.locker(&["diff", "staging", "nope"]).assert().code(4);
}

fn which(program: &str) -> String {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{program} on PATH"))
        .display()
        .to_string()
}

#[test]
fn run_falls_back_to_the_snapshot_when_locker_is_down_and_says_so() {
    let p = Project::new();
    p.seed(&["dev"], &[(Some("dev"), "DATABASE_URL", "postgres://dev")]);
    let print = [
        "run",
        "--env",
        "dev",
        "--",
        "sh",
        "-c",
        "printf %s \"$DATABASE_URL\"",
    ];
    // The first run loads from Locker and leaves its encrypted snapshot under the home.
    p.locker(&print)
        .assert()
        .success()
        .stdout("postgres://dev")
        .stderr("");
    // Locker goes down (every connection dropped): the same values, from the snapshot, and one
    // line on stderr that says so — without a value.
    p.server
        .inject(locker_server::Fault::Drop { times: 10_000 });
    p.locker(&print)
        .assert()
        .success()
        .stdout("postgres://dev")
        .stderr(predicate::str::contains("using the local snapshot of dev"))
        .stderr(predicate::str::contains("postgres://").not());
}
