//! `locker run` against a real server: values as environment variables, exit codes, signals
//! passed on, `--watch` restarts, and `locker diff`.

mod common;

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
    Running::start(p.background(&args, log))
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
    let running = Running::start(p.background(
        &[
            "run",
            "--env",
            "dev",
            "--",
            "sh",
            "-c",
            "echo up >> \"$LOG\"; exec sleep 30",
        ],
        &log,
    ));
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
    let running = Running::start(p.background(
        &[
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
        ],
        &log,
    ));
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

/// A marker no other process on the machine has in its command line: digits only, so that
/// `sleep 3000.MARKER` is a valid duration.
fn marker(tag: u8) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{}{:09}{tag}", std::process::id(), nanos)
}

/// Processes alive (not zombies) whose command line holds `marker`, except `but`.
fn alive_with(marker: &str, but: nix::unistd::Pid) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        if pid == but.as_raw() {
            continue;
        }
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        let state = std::fs::read_to_string(entry.path().join("stat"))
            .ok()
            .and_then(|s| s.rsplit_once(") ").map(|(_, rest)| rest.chars().next()))
            .flatten();
        if cmdline.contains(marker) && state.is_some_and(|s| s != 'Z') {
            found.push(format!("{pid}: {cmdline}"));
        }
    }
    found
}

/// A shell that starts two background sleeps marked with `marker`, logs `start $VALUE` and
/// waits for them.
fn tree_script(marker: &str) -> String {
    format!(r#"sleep 3000.{marker}1 & sleep 3000.{marker}2 & echo "start $VALUE" >> "$LOG"; wait"#)
}

#[test]
fn sigterm_leaves_no_descendant_alive() {
    let p = Project::new();
    p.seed(&["dev"], &[(Some("dev"), "VALUE", "v1")]);
    let mark = marker(1);
    let log = p.home.path().join("tree.log");
    let running = Running::start(p.background(
        &["run", "--env", "dev", "--", "sh", "-c", &tree_script(&mark)],
        &log,
    ));
    let locker = running.pid();
    wait_until("the tree to start", || {
        read(&log).contains("start v1") && alive_with(&mark, locker).len() == 3
    });
    running.signal(Signal::SIGTERM);
    let (status, stderr) = running.finish();
    assert_eq!(status, Some(128 + 15), "{stderr}");
    let left = alive_with(&mark, locker);
    assert!(left.is_empty(), "descendants left alive: {left:?}");

    // A command that ends by itself: what it left running in its group is ended too.
    let mark = marker(2);
    let script = format!("sleep 3000.{mark}1 & echo up >> \"$LOG\"; exit 4");
    p.locker(&["run", "--env", "dev", "--", "sh", "-c", &script])
        .env("LOG", &log)
        .assert()
        .code(4);
    let left = alive_with(&mark, nix::unistd::Pid::from_raw(0));
    assert!(left.is_empty(), "left alive: {left:?}");
}

#[test]
fn watch_restarts_leave_no_orphans() {
    let p = Project::new();
    p.seed(&["dev"], &[(Some("dev"), "VALUE", "v1")]);
    let mark = marker(3);
    let log = p.home.path().join("watch-tree.log");
    let running = Running::start(p.background(
        &[
            "run",
            "--env",
            "dev",
            "--watch",
            "--interval",
            "100ms",
            "--",
            "sh",
            "-c",
            &tree_script(&mark),
        ],
        &log,
    ));
    let locker = running.pid();
    wait_until("the first start", || {
        read(&log).contains("start v1") && alive_with(&mark, locker).len() == 3
    });
    for n in 2..=4 {
        p.client()
            .modify(
                "VALUE",
                Some("dev"),
                SecretUpdate::new().value(format!("v{n}")),
            )
            .unwrap();
        wait_until("the restart", || {
            read(&log).contains(&format!("start v{n}"))
        });
        // Only the new generation: its shell and its two sleeps.
        wait_until("one generation alive", || {
            alive_with(&mark, locker).len() == 3
        });
    }
    running.signal(Signal::SIGTERM);
    let (status, stderr) = running.finish();
    assert_eq!(status, Some(128 + 15), "{stderr}");
    let left = alive_with(&mark, locker);
    assert!(
        left.is_empty(),
        "left alive after 3 restarts and SIGTERM: {left:?}"
    );
}

#[test]
fn a_signal_ends_run_while_locker_does_not_answer() {
    let p = Project::new();
    // A Locker that accepts connections and never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", silent.local_addr().unwrap());
    let accepted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = accepted.clone();
    std::thread::spawn(move || {
        let mut open = Vec::new();
        for conn in silent.incoming().flatten() {
            open.push(conn);
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    });
    let log = p.home.path().join("never.log");
    for (signal, extra) in [
        (Signal::SIGTERM, None),
        (Signal::SIGINT, None),
        (Signal::SIGHUP, Some("--watch")),
    ] {
        let before = accepted.load(std::sync::atomic::Ordering::SeqCst);
        let mut args = vec!["run", "--env", "dev"];
        args.extend(extra);
        args.extend(["--", "sh", "-c", "echo ran >> \"$LOG\""]);
        let running = Running::start(p.background(&args, &log).env("LOCKER_API_BASE", &base));
        wait_until("locker to be loading", || {
            accepted.load(std::sync::atomic::Ordering::SeqCst) > before
        });
        running.signal(signal);
        let (status, stderr) = running.finish();
        assert_eq!(status, Some(128 + signal as i32), "{signal}: {stderr}");
        assert!(stderr.contains("while loading"), "{stderr}");
    }
    assert_eq!(read(&log), "", "the command never ran");
}

#[test]
fn on_a_terminal_the_command_gets_it_in_a_group_of_its_own() {
    let p = Project::new();
    p.seed(&["dev"], &[(Some("dev"), "VALUE", "v1")]);
    // Fields 1, 5 and 8 of /proc/self/stat: pid, process group, terminal's foreground group.
    // locker hands the terminal over right after the command starts, so the command may look
    // before that: it looks again for up to 10 s (a program that reads the terminal earlier is
    // stopped by SIGTTIN and continued by the hand-over).
    let script = r#"n=0
while :; do
  read -r line < /proc/self/stat; set -- $line
  [ "$5" = "$8" ] || [ $n -ge 200 ] && break
  n=$((n + 1)); sleep 0.05
done
[ "$1" = "$5" ] && echo "leads its group"
[ "$5" = "$8" ] && echo "has the terminal""#;
    let Some(screen) = p.on_terminal(&["run", "--env", "dev", "--", "sh", "-c", script]) else {
        eprintln!("util-linux `script` is not installed; skipped");
        return;
    };
    assert!(screen.contains("leads its group"), "{screen:?}");
    assert!(screen.contains("has the terminal"), "{screen:?}");
}

/// Whether `pid` catches `signal` (its handler is installed), from /proc/PID/status.
fn catches(pid: nix::unistd::Pid, signal: Signal) -> bool {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("SigCgt:"))
        .and_then(|mask| u64::from_str_radix(mask.trim(), 16).ok())
        .is_some_and(|mask| mask & (1 << (signal as u64 - 1)) != 0)
}

#[test]
fn a_signal_ends_run_while_the_snapshot_read_blocks() {
    use std::os::unix::fs::OpenOptionsExt as _;
    let p = Project::new();
    p.seed(&["dev"], &[(Some("dev"), "VALUE", "v1")]);
    // A first run leaves the environment's snapshot; it is replaced by a FIFO nobody writes.
    p.locker(&["run", "--env", "dev", "--", "true"])
        .assert()
        .success();
    let cache = p.cache_dir();
    let snapshots: Vec<_> = std::fs::read_dir(&cache)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "snapshot"))
        .collect();
    assert_eq!(snapshots.len(), 1, "{snapshots:?}");
    let snapshot = &snapshots[0];
    std::fs::remove_file(snapshot).unwrap();
    nix::unistd::mkfifo(snapshot, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    // And Locker takes connections but does not answer.
    p.server.inject(locker_server::Fault::Delay {
        delay: std::time::Duration::from_secs(3600),
        times: 1000,
    });

    let log = p.home.path().join("fifo.log");
    let running = Running::start(p.background(
        &[
            "run",
            "--env",
            "dev",
            "--",
            "sh",
            "-c",
            "echo ran >> \"$LOG\"",
        ],
        &log,
    ));
    let pid = running.pid();
    wait_until("locker to catch SIGTERM", || catches(pid, Signal::SIGTERM));
    // Once locker opens the FIFO, hold its write end (without writing): locker's read then
    // blocks in the kernel. A loader that refuses a FIFO never opens it; it then waits for
    // Locker instead.
    let start = std::time::Instant::now();
    let mut writer = None;
    while writer.is_none() && start.elapsed() < std::time::Duration::from_secs(3) {
        writer = std::fs::OpenOptions::new()
            .write(true)
            .custom_flags(nix::fcntl::OFlag::O_NONBLOCK.bits())
            .open(snapshot)
            .ok();
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    eprintln!("locker opened the FIFO: {}", writer.is_some());
    running.signal(Signal::SIGTERM);
    let (status, stderr) = running.finish();
    assert_eq!(status, Some(128 + 15), "{stderr}");
    assert!(stderr.contains("while loading"), "{stderr}");
    assert_eq!(read(&log), "", "the command never ran");
    drop(writer);
}
