//! The process-global instance: exactly one load when many threads race, `init`, and the lazy
//! load from `LOCKER_ENVIRONMENT` and credentials in the environment (in a child process, so
//! no test sets variables in this one).

mod support;

use std::sync::Barrier;
use std::thread;

use locker_config::{ErrorKind, LockerConfig, Secret};
use support::{Project, is_child, run_ignored_test};

#[derive(Debug, LockerConfig)]
struct Raced {
    database_url: Secret<String>,
    #[locker(key = "HTTP_PORT", default = 8080)]
    port: u16,
}

#[derive(Debug, LockerConfig)]
struct Initialised {
    #[locker(key = "HTTP_PORT")]
    port: u16,
}

#[derive(Debug, LockerConfig)]
struct FromEnvironment {
    database_url: Secret<String>,
    #[locker(key = "HTTP_PORT")]
    port: u16,
}

fn race<T: Sync>(threads: usize, f: impl Fn() -> &'static T + Sync) -> Vec<&'static T> {
    let barrier = Barrier::new(threads);
    thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    barrier.wait();
                    f()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

#[test]
fn thirty_two_racing_threads_cause_one_load() {
    let p = Project::new();
    p.seed(
        &["prod"],
        &[
            (Some("prod"), "DATABASE_URL", "postgres://db"),
            (None, "HTTP_PORT", "7000"),
        ],
    );
    p.loader::<Raced>("prod").install_global().unwrap();
    p.server.clear_request_log();

    let seen = race(32, Raced::global);
    assert!(seen.iter().all(|c| std::ptr::eq(*c, seen[0])));
    assert_eq!(seen[0].port, 7000);
    assert_eq!(seen[0].database_url.expose_secret(), "postgres://db");
    assert_eq!(p.gets("/v1/secrets"), 1, "{:?}", p.server.request_log());

    // Later calls are free.
    Raced::global();
    assert_eq!(p.gets("/v1/secrets"), 1);
    let err = p.loader::<Raced>("prod").init().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
}

#[test]
fn init_sets_the_global_once() {
    let p = Project::new();
    p.seed(&["prod"], &[(Some("prod"), "HTTP_PORT", "1234")]);
    let cfg = p.loader::<Initialised>("prod").init().unwrap();
    assert_eq!(cfg.port, 1234);
    assert!(std::ptr::eq(cfg, Initialised::global()));
    let again = p.loader::<Initialised>("prod").init();
    assert!(
        again
            .unwrap_err()
            .to_string()
            .contains("already initialised")
    );
    // A test override still wins on this thread.
    let _guard =
        Initialised::override_global(Initialised::from_values([("HTTP_PORT", "1")]).unwrap());
    assert_eq!(Initialised::global().port, 1);
}

#[test]
fn lazy_global_reads_the_process_environment() {
    let p = Project::new();
    p.seed(
        &["prod", "staging"],
        &[
            (Some("prod"), "DATABASE_URL", "postgres://db"),
            (Some("prod"), "HTTP_PORT", "4242"),
        ],
    );
    let mut vars = p.credential_vars();
    vars.push(("LOCKER_ENVIRONMENT", "prod".into()));
    p.server.clear_request_log();
    run_ignored_test("child_races_the_lazy_global", &vars);
    // One list for the 32 racing threads, one for the explicit `load` after them.
    assert_eq!(p.gets("/v1/secrets"), 2, "{:?}", p.server.request_log());
}

/// Runs only as the child of `lazy_global_reads_the_process_environment`.
#[test]
#[ignore = "run by lazy_global_reads_the_process_environment in a child process"]
fn child_races_the_lazy_global() {
    if !is_child() {
        return;
    }
    let seen = race(32, FromEnvironment::global);
    assert_eq!(seen[0].port, 4242);
    assert_eq!(seen[0].database_url.expose_secret(), "postgres://db");
    assert!(seen.iter().all(|c| std::ptr::eq(*c, seen[0])));
    // `load` reads credentials from the environment as well.
    assert_eq!(FromEnvironment::load("prod").unwrap().port, 4242);
}

#[derive(Debug, LockerConfig)]
struct NeverLoaded {
    #[locker(default = 1)]
    n: u8,
}

#[test]
fn lazy_global_without_an_environment_panics_clearly() {
    run_ignored_test("child_global_without_environment", &[]);
}

/// Runs only as the child of `lazy_global_without_an_environment_panics_clearly`.
#[test]
#[ignore = "run by lazy_global_without_an_environment_panics_clearly in a child process"]
fn child_global_without_environment() {
    if !is_child() {
        return;
    }
    let panic = std::panic::catch_unwind(|| NeverLoaded::global().n).unwrap_err();
    let message = panic.downcast_ref::<String>().unwrap();
    assert!(
        message.starts_with("NeverLoaded::global() could not load the config: "),
        "{message}"
    );
    assert!(message.contains("set LOCKER_ENVIRONMENT"), "{message}");
}

#[derive(Debug, LockerConfig)]
struct Retried {
    #[locker(key = "HTTP_PORT")]
    port: u16,
}

fn global_panic_message() -> String {
    let panic = std::panic::catch_unwind(|| Retried::global().port).unwrap_err();
    panic.downcast_ref::<String>().unwrap().clone()
}

#[test]
fn a_failed_lazy_load_keeps_the_installed_loader_for_the_next_call() {
    let p = Project::new();
    p.seed(&["prod"], &[]);
    p.loader::<Retried>("prod").install_global().unwrap();
    p.server.clear_request_log();

    // Each failed attempt lists with the installed loader (this server, environment "prod")
    // and reports the same error; none falls back to a default loader.
    let first = global_panic_message();
    assert!(
        first.starts_with("Retried::global() could not load the config: "),
        "{first}"
    );
    assert!(
        first.contains("port (HTTP_PORT): missing: not set in environment \"prod\""),
        "{first}"
    );
    assert_eq!(global_panic_message(), first);
    assert_eq!(p.gets("/v1/secrets"), 2, "{:?}", p.server.request_log());

    // Once the value exists, the next call loads it with that same loader.
    p.blocking()
        .create(locker_config::NewSecret::new("HTTP_PORT", "6060").environment("prod"))
        .unwrap();
    assert_eq!(Retried::global().port, 6060);
    assert_eq!(p.gets("/v1/secrets"), 3);
    Retried::global();
    assert_eq!(p.gets("/v1/secrets"), 3);
}
