//! `locker run --dotenv FILE` and `--preserve-env[=KEYS]` against a real server, with a real
//! dotenv file and real variables given to the `locker` process: precedence, `--sources`,
//! a missing and a malformed file, and `--watch` restarts.

mod common;

use common::{Project, Running, read, wait_until};
use locker_config::SecretUpdate;
use nix::sys::signal::Signal;
use predicates::prelude::*;

/// Prints the variables the command sees, one `NAME=value` a line (`-` when unset).
const PRINT: &str = r#"for v in DATABASE_URL SHARED PORT HOST LOCAL_ONLY; do
  eval "printf '%s=%s\n' $v \"\${$v--}\""
done"#;

fn seeded() -> Project {
    let p = Project::new();
    p.seed(
        &["dev"],
        &[
            (Some("dev"), "DATABASE_URL", "postgres://dev"),
            (None, "SHARED", "from all"),
            (Some("dev"), "PORT", "8080"),
            (Some("dev"), "HOST", "locker-host"),
        ],
    );
    std::fs::write(
        p.home.path().join(".env"),
        "# local settings\nLOCAL_ONLY=dotenv-local\nDATABASE_URL=postgres://dotenv\nPORT=1\n",
    )
    .unwrap();
    p
}

fn requests(p: &Project) -> usize {
    p.server.request_log().len()
}

#[test]
fn locker_over_the_dotenv_file_and_the_preserved_environment_over_locker() {
    let p = seeded();

    // A first run keeps the profile in the cache directory, so that the plain run and the
    // layered one below both find it there and are counted alike.
    p.locker(&["run", "--env", "dev", "--", "true"])
        .assert()
        .success();

    // No layer asked for: Locker wins over what locker inherited, the file is not read.
    let before = requests(&p);
    p.locker(&["run", "--env", "dev", "--", "sh", "-c", PRINT])
        .env("PORT", "9000")
        .env("HOST", "inherited-host")
        .assert()
        .success()
        .stdout(
            "DATABASE_URL=postgres://dev\nSHARED=from all\nPORT=8080\nHOST=locker-host\n\
             LOCAL_ONLY=-\n",
        )
        .stderr("");
    let plain = requests(&p) - before;

    // The file fills what Locker lacks; PORT comes from locker's environment, HOST does not.
    let before = requests(&p);
    let out = p
        .locker(&[
            "run",
            "--env",
            "dev",
            "--dotenv",
            ".env",
            "--preserve-env=PORT",
            "--sources",
            "--",
            "sh",
            "-c",
            PRINT,
        ])
        .env("PORT", "9000")
        .env("HOST", "inherited-host")
        .assert()
        .success()
        .stdout(
            "DATABASE_URL=postgres://dev\nSHARED=from all\nPORT=9000\nHOST=locker-host\n\
             LOCAL_ONLY=dotenv-local\n",
        )
        .get_output()
        .clone();
    assert_eq!(requests(&p) - before, plain, "the layers add no request");
    let stderr = String::from_utf8(out.stderr).unwrap();
    for line in [
        "locker: where the 5 values for dev come from:\n",
        "locker:   DATABASE_URL: environment \"dev\"\n",
        "locker:   HOST: environment \"dev\"\n",
        "locker:   LOCAL_ONLY: dotenv file .env, line 2\n",
        "locker:   PORT: process environment PORT\n",
        "locker:   SHARED: \"All\"\n",
    ] {
        assert!(stderr.contains(line), "{line:?} in {stderr}");
    }
    for value in [
        "postgres://",
        "from all",
        "9000",
        "8080",
        "host",
        "dotenv-local",
    ] {
        assert!(!stderr.contains(value), "{value:?} leaked: {stderr}");
    }

    // Without a list every key that locker's environment sets wins; a key no layer has is
    // never looked up, and an unset variable leaves Locker's value.
    p.locker(&[
        "run",
        "--env",
        "dev",
        "--preserve-env",
        "--",
        "sh",
        "-c",
        PRINT,
    ])
    .env("HOST", "inherited-host")
    .assert()
    .success()
    .stdout(
        "DATABASE_URL=postgres://dev\nSHARED=from all\nPORT=8080\nHOST=inherited-host\n\
         LOCAL_ONLY=-\n",
    );

    // With --no-inherit the preserved variables are the only ones of locker's environment
    // the command gets.
    let sh = which("sh");
    p.locker(&[
        "run",
        "--env",
        "dev",
        "--no-inherit",
        "--preserve-env=PORT",
        "--dotenv",
        ".env",
        "--",
        &sh,
        "-c",
        "env",
    ])
    .env("PORT", "9000")
    .assert()
    .success()
    .stdout(predicate::str::contains("PORT=9000\n"))
    .stdout(predicate::str::contains("LOCAL_ONLY=dotenv-local\n"))
    .stdout(predicate::str::contains("HOME=").not())
    .stdout(predicate::str::contains("LOCKER_").not());
}

#[test]
fn a_preserved_variable_that_is_not_utf8_is_named_never_shown() {
    use std::os::unix::ffi::OsStrExt as _;
    let p = seeded();
    let value = std::ffi::OsStr::from_bytes(b"s3cr3t-\xff");
    p.locker(&[
        "run",
        "--env",
        "dev",
        "--preserve-env=HOST",
        "--",
        "sh",
        "-c",
        "touch ran",
    ])
    .env("HOST", value)
    .assert()
    .code(1)
    .stderr(predicate::str::contains(
        "the process environment variable HOST is not valid UTF-8",
    ))
    .stderr(predicate::str::contains("s3cr3t").not());
    assert!(
        !p.home.path().join("ran").exists(),
        "the command did not run"
    );
    // Not preserved, it is simply inherited under Locker's value, as before.
    p.locker(&[
        "run",
        "--env",
        "dev",
        "--preserve-env=PORT",
        "--",
        "sh",
        "-c",
        PRINT,
    ])
    .env("HOST", value)
    .assert()
    .success()
    .stdout(predicate::str::contains("HOST=locker-host\n"));
}

#[test]
fn a_missing_dotenv_file_is_no_layer_and_says_so() {
    let p = seeded();
    p.locker(&[
        "run",
        "--env",
        "dev",
        "--dotenv",
        "missing.env",
        "--",
        "sh",
        "-c",
        PRINT,
    ])
    .assert()
    .success()
    .stdout(predicate::str::contains("DATABASE_URL=postgres://dev\n"))
    .stdout(predicate::str::contains("LOCAL_ONLY=-\n"))
    .stderr("locker: no dotenv file missing.env; going on without it\n");
}

#[test]
fn a_malformed_dotenv_file_is_an_error_naming_file_and_line_never_content() {
    let p = seeded();
    std::fs::write(
        p.home.path().join("bad.env"),
        "GOOD=fine\nTOKEN s3cr3t-token-value\n",
    )
    .unwrap();
    let marker = p.home.path().join("ran");
    let out = p
        .locker(&[
            "run",
            "--env",
            "dev",
            "--dotenv",
            "bad.env",
            "--",
            "sh",
            "-c",
            "touch ran",
        ])
        .assert()
        .code(1)
        .stdout("")
        .get_output()
        .clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("the dotenv file bad.env is malformed at line 2"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("s3cr3t") && !stderr.contains("fine"),
        "{stderr}"
    );
    assert!(!marker.exists(), "the command did not run");

    // A directory is refused too, not taken for a missing file.
    p.locker(&["run", "--env", "dev", "--dotenv", ".", "--", "true"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("is not a regular file"));
}

#[test]
fn watch_restarts_on_a_locker_change_but_not_for_a_preserved_key() {
    let p = Project::new();
    p.seed(
        &["dev"],
        &[
            (Some("dev"), "VALUE", "v1"),
            (Some("dev"), "PINNED", "locker-pinned"),
        ],
    );
    std::fs::write(
        p.home.path().join(".env"),
        "LOCAL=dotenv\nVALUE=dotenv-value\n",
    )
    .unwrap();
    let log = p.home.path().join("watch.log");
    let script = r#"trap 'echo "got TERM $VALUE" >> "$LOG"; exit 0' TERM
echo "start $VALUE $PINNED $LOCAL" >> "$LOG"
while :; do sleep 0.05; done"#;
    let running = Running::start(
        p.background(
            &[
                "run",
                "--env",
                "dev",
                "--watch",
                "--interval",
                "100ms",
                "--grace",
                "10s",
                "--dotenv",
                ".env",
                "--preserve-env=PINNED",
                "--",
                "sh",
                "-c",
                script,
            ],
            &log,
        )
        .env("PINNED", "env-pinned"),
    );
    wait_until("the first start", || {
        read(&log).contains("start v1 env-pinned dotenv")
    });

    // A change to the preserved key: what the command sees does not change.
    p.client()
        .modify(
            "PINNED",
            Some("dev"),
            SecretUpdate::new().value("new-pinned"),
        )
        .unwrap();
    let after_change = requests(&p);
    wait_until("two more checks", || requests(&p) >= after_change + 2);
    // A change to a Locker value restarts it.
    p.client()
        .modify("VALUE", Some("dev"), SecretUpdate::new().value("v2"))
        .unwrap();
    wait_until("the restart", || {
        read(&log).contains("start v2 env-pinned dotenv")
    });

    running.signal(Signal::SIGTERM);
    let (status, stderr) = running.finish();
    assert_eq!(status, Some(0), "{stderr}");
    assert_eq!(
        read(&log),
        "start v1 env-pinned dotenv\ngot TERM v1\nstart v2 env-pinned dotenv\ngot TERM v2\n"
    );
    assert!(
        stderr.contains("locker: VALUE changed in dev; restarting"),
        "{stderr}"
    );
    assert!(!stderr.contains("PINNED"), "{stderr}");
    for value in ["v1", "v2", "pinned", "dotenv"] {
        assert!(!stderr.contains(value), "{value:?} leaked: {stderr}");
    }
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
