//! What is at the snapshot path, and who can write to its directory, against a real
//! `locker-server`: a FIFO, a symlink to `/dev/zero` and a directory are refused without
//! blocking or reading without end; a snapshot directory writable by group or others is
//! warned about and not used. Every load is bounded by a timeout, so a regression fails
//! instead of hanging the test run. The profile kept beside the snapshots gets the same
//! protections.
#![cfg(unix)]

mod support;

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use locker_config::{CachePolicy, Error, ErrorKind, Loaded, Origin};
use locker_server::Fault;
use support::{AppConfig, Project, snapshot_files};

/// Longer than any of these loads takes; a load that blocks on a FIFO never returns.
const BOUND: Duration = Duration::from_secs(20);

fn seeded() -> Project {
    let p = Project::new();
    p.seed(
        &["prod"],
        &[
            (Some("prod"), "DATABASE_URL", "postgres://prod-db/app"),
            (None, "HTTP_PORT", "9000"),
        ],
    );
    p
}

/// A load of prod with `policy`, run on a thread of its own and given up after [`BOUND`].
fn load(p: &Project, policy: CachePolicy) -> Result<Loaded<AppConfig>, Error> {
    let loader = p.loader::<AppConfig>("prod").cache_policy(policy);
    let (tx, rx) = mpsc::channel();
    let started = Instant::now();
    std::thread::spawn(move || {
        let _ = tx.send(loader.load_with_sources());
    });
    let result = rx
        .recv_timeout(BOUND)
        .unwrap_or_else(|_| panic!("the load did not return within {BOUND:?}"));
    assert!(started.elapsed() < BOUND);
    result
}

fn network_first() -> CachePolicy {
    CachePolicy::default()
}

/// The path of the snapshot a first load of prod writes.
fn snapshot_path(p: &Project) -> PathBuf {
    let loaded = load(p, network_first()).unwrap();
    assert_eq!(loaded.origin, Origin::Network);
    let mut files = snapshot_files(&p.cache_dir());
    assert_eq!(files.len(), 1);
    files.pop().unwrap()
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

/// Each thing that is not a regular file, put at the snapshot path.
fn plant(kind: &str, path: &Path) {
    let _ = std::fs::remove_file(path);
    match kind {
        "a FIFO" => nix::unistd::mkfifo(path, nix::sys::stat::Mode::S_IRWXU).unwrap(),
        "a device" => std::os::unix::fs::symlink("/dev/zero", path).unwrap(),
        "a directory" => std::fs::create_dir(path).unwrap(),
        _ => unreachable!(),
    }
}

#[test]
fn a_fifo_a_device_or_a_directory_at_the_snapshot_path_is_refused_without_blocking() {
    for kind in ["a FIFO", "a device", "a directory"] {
        let p = seeded();
        let path = snapshot_path(&p);
        plant(kind, &path);

        // Snapshot-only: an error saying what is there, at once.
        let err = load(&p, CachePolicy::SnapshotOnly).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config, "{kind}: {err}");
        assert!(
            err.to_string()
                .contains(&format!("it is not a regular file but {kind}")),
            "{kind}: {err}"
        );

        // Locker down: no fallback, no hang.
        p.server.inject(Fault::Drop { times: 1000 });
        let err = load(&p, network_first()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Connection, "{kind}: {err}");
        p.server.clear_faults();

        // Locker up: the load is served by Locker, with or without a probe first.
        for policy in [
            CachePolicy::CacheFirst {
                rest_time: Duration::from_secs(3600),
                max_stale: Duration::from_secs(3600),
            },
            network_first(),
        ] {
            let loaded = load(&p, policy).unwrap();
            assert_eq!(loaded.origin, Origin::Network, "{kind}");
            assert_eq!(
                loaded.config.database_url.expose_secret(),
                "postgres://prod-db/app"
            );
        }
        if kind == "a directory" {
            // Never replaced (a rename does not go over a directory), never read.
            assert!(path.is_dir());
        } else {
            // The load's own snapshot took the place of what was there.
            assert!(
                std::fs::symlink_metadata(&path).unwrap().is_file(),
                "{kind}"
            );
            assert_eq!(mode(&path), 0o600);
            let loaded = load(&p, CachePolicy::SnapshotOnly).unwrap();
            assert!(loaded.origin.is_snapshot());
        }
    }
}

#[test]
fn a_symlink_to_dev_zero_is_never_read() {
    // Reading /dev/zero to the size limit would still take a 256 MiB buffer and seconds; the
    // refusal comes from fstat before any read.
    let p = seeded();
    let path = snapshot_path(&p);
    plant("a device", &path);
    let started = Instant::now();
    let err = load(&p, CachePolicy::SnapshotOnly).unwrap_err();
    assert!(err.to_string().contains("a device"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn a_snapshot_directory_writable_by_group_or_others_is_not_used() {
    for loose in [0o777, 0o770, 0o702] {
        let p = seeded();
        let path = snapshot_path(&p);
        let dir = p.cache_dir();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(loose)).unwrap();

        // Snapshot-only: an error naming the directory, its mode, and the repair.
        let err = load(&p, CachePolicy::SnapshotOnly).unwrap_err();
        let msg = err.to_string();
        assert_eq!(err.kind(), ErrorKind::Config, "{msg}");
        assert!(
            msg.contains("writable by group or others")
                && msg.contains(&format!("{loose:04o}"))
                && msg.contains(&dir.display().to_string())
                && msg.contains("chmod go-w"),
            "{msg}"
        );

        // Locker down: the snapshot there is not a fallback.
        p.server.inject(Fault::Drop { times: 1000 });
        let err = load(&p, network_first()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Connection, "{err}");
        p.server.clear_faults();

        // Locker up: the load succeeds and writes nothing there (neither snapshot nor profile:
        // the profile the first load left goes too, so the directory is empty).
        std::fs::remove_file(&path).unwrap();
        for entry in std::fs::read_dir(&dir).unwrap() {
            std::fs::remove_file(entry.unwrap().path()).unwrap();
        }
        let loaded = load(&p, network_first()).unwrap();
        assert_eq!(loaded.origin, Origin::Network);
        assert!(snapshot_files(&dir).is_empty());
        assert_eq!(
            std::fs::read_dir(&dir).unwrap().count(),
            0,
            "no temporary file"
        );
        // The directory is left as it is: fixing it is the owner's decision.
        assert_eq!(mode(&dir), loose);

        // Made private again, it is used again.
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        load(&p, network_first()).unwrap();
        assert_eq!(snapshot_files(&dir).len(), 1);
        assert!(
            load(&p, CachePolicy::SnapshotOnly)
                .unwrap()
                .origin
                .is_snapshot()
        );
    }
}

#[test]
fn a_loose_snapshot_directory_is_warned_about_without_values() {
    // In a process of its own: the only subscriber there is the test's.
    support::run_ignored_test("loose_directory_warning_in_a_child", &[]);
}

#[test]
#[ignore = "run in a child process by a_loose_snapshot_directory_is_warned_about_without_values"]
fn loose_directory_warning_in_a_child() {
    if !support::is_child() {
        return;
    }
    let p = seeded();
    snapshot_path(&p);
    std::fs::set_permissions(p.cache_dir(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let captured = support::Captured::warnings();
    let loaded = load(&p, network_first()).unwrap();
    assert_eq!(loaded.origin, Origin::Network);
    let log = captured.text();
    assert!(log.contains("WARN"), "{log}");
    assert!(
        log.contains("writable by group or others (mode 0777)"),
        "{log}"
    );
    for secret in ["postgres://prod-db/app", p.key.secret_access_key.as_str()] {
        assert!(!log.contains(secret), "{log}");
    }
}

/// The profile file a first load of prod leaves in the cache directory.
fn profile_path(p: &Project) -> PathBuf {
    snapshot_path(p);
    let mut files: Vec<PathBuf> = std::fs::read_dir(p.cache_dir())
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "profile"))
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    files.pop().unwrap()
}

/// How many times the profile was fetched from Locker since the log was last cleared.
fn profile_requests(p: &Project) -> usize {
    p.server
        .request_log()
        .iter()
        .filter(|r| r.path == "/v1/profile")
        .count()
}

#[test]
fn a_fifo_a_device_or_a_directory_at_the_profile_path_is_refused_without_blocking() {
    for kind in ["a FIFO", "a device", "a directory"] {
        let p = seeded();
        let path = profile_path(&p);
        plant(kind, &path);

        // A cold load is served by Locker, the profile fetched again instead of read from what
        // is there.
        p.server.clear_request_log();
        let started = Instant::now();
        let loaded = load(&p, network_first()).unwrap();
        assert!(started.elapsed() < Duration::from_secs(5), "{kind}");
        assert_eq!(loaded.origin, Origin::Network, "{kind}");
        assert_eq!(
            loaded.config.database_url.expose_secret(),
            "postgres://prod-db/app"
        );
        assert_eq!(profile_requests(&p), 1, "{kind}");

        p.server.clear_request_log();
        load(&p, network_first()).unwrap();
        if kind == "a directory" {
            // Never replaced (a rename does not go over a directory), never read: each cold
            // load fetches the profile.
            assert!(path.is_dir());
            assert_eq!(profile_requests(&p), 1, "{kind}");
        } else {
            // The profile fetched took the place of what was there, and is used.
            assert!(
                std::fs::symlink_metadata(&path).unwrap().is_file(),
                "{kind}"
            );
            assert_eq!(mode(&path), 0o600);
            assert_eq!(profile_requests(&p), 0, "{kind}");
        }
    }
}

#[test]
fn a_profile_symlinked_to_dev_zero_is_never_read() {
    // The refusal comes from fstat before any read: no buffer the size of the limit, at once.
    let p = seeded();
    let path = profile_path(&p);
    plant("a device", &path);
    p.server.clear_request_log();
    let started = Instant::now();
    load(&p, network_first()).unwrap();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(profile_requests(&p), 1);
}

#[test]
fn a_profile_in_a_directory_writable_by_group_or_others_is_not_used() {
    for loose in [0o777, 0o770, 0o702] {
        let p = seeded();
        let path = profile_path(&p);
        let dir = p.cache_dir();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(loose)).unwrap();

        // The cached profile is not read: the cold load fetches it again.
        p.server.clear_request_log();
        let loaded = load(&p, network_first()).unwrap();
        assert_eq!(loaded.origin, Origin::Network);
        assert_eq!(profile_requests(&p), 1, "{loose:04o}");

        // Nor written: a profile file put there by someone else stays as it is, and no
        // temporary file is left.
        std::fs::remove_file(&path).unwrap();
        for f in snapshot_files(&dir) {
            std::fs::remove_file(f).unwrap();
        }
        p.server.clear_request_log();
        load(&p, network_first()).unwrap();
        assert_eq!(profile_requests(&p), 1, "{loose:04o}");
        assert_eq!(
            std::fs::read_dir(&dir).unwrap().count(),
            0,
            "nothing written in a loose directory"
        );
        assert_eq!(mode(&dir), loose);

        // Made private again, it is used again.
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        load(&p, network_first()).unwrap();
        assert!(path.is_file());
        p.server.clear_request_log();
        load(&p, network_first()).unwrap();
        assert_eq!(profile_requests(&p), 0, "{loose:04o}");
    }
}
