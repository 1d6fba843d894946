//! Snapshots and cache policies against a real `locker-server`: falling back when Locker is
//! down or hangs, failing closed on 401/403 and unknown environments, refusing stale, tampered,
//! truncated, foreign and future snapshots, `CacheFirst` and `SnapshotOnly`, file modes, and a
//! prod load that never decrypts staging's values.

mod support;

use std::time::{Duration, Instant};

use locker_config::{CachePolicy, ErrorKind, Locker, Origin, SnapshotReason};
use locker_server::Fault;
use support::{AppConfig, Project, Relay, cache_dir, snapshot_files};

const DAY: Duration = Duration::from_secs(24 * 3600);

fn seeded() -> Project {
    let p = Project::new();
    p.seed(
        &["staging", "prod"],
        &[
            (Some("prod"), "DATABASE_URL", "postgres://prod-db/app"),
            (Some("staging"), "DATABASE_URL", "postgres://staging-db/app"),
            (None, "HTTP_PORT", "9000"),
        ],
    );
    p
}

/// Every request fails like an unreachable Locker (dropped connections), retries included.
fn go_down(p: &Project) {
    p.server.inject(Fault::Drop { times: 1000 });
}

fn snapshot_reason(origin: &Origin) -> Option<SnapshotReason> {
    match origin {
        Origin::Snapshot { reason, .. } => Some(*reason),
        _ => None,
    }
}

#[test]
fn locker_down_with_a_fresh_snapshot_loads_from_it() {
    let p = seeded();
    let (_tmp, dir) = cache_dir();
    let first = p
        .loader::<AppConfig>("prod")
        .cache_dir(&dir)
        .load_with_sources()
        .unwrap();
    assert_eq!(first.origin, Origin::Network);
    assert_eq!(snapshot_files(&dir).len(), 1);

    go_down(&p);
    let loaded = p
        .loader::<AppConfig>("prod")
        .cache_dir(&dir)
        .load_with_sources()
        .unwrap();
    assert_eq!(
        snapshot_reason(&loaded.origin),
        Some(SnapshotReason::Unreachable)
    );
    let Origin::Snapshot { age, .. } = loaded.origin else {
        unreachable!()
    };
    assert!(age < DAY);
    assert_eq!(
        loaded.config.database_url.expose_secret(),
        "postgres://prod-db/app"
    );
    assert_eq!(loaded.config.port, 9000);
}

#[test]
fn a_snapshot_older_than_max_stale_is_an_error_naming_its_age_and_the_limit() {
    let p = seeded();
    let (_tmp, dir) = cache_dir();
    p.loader::<AppConfig>("prod")
        .cache_dir(&dir)
        .load()
        .unwrap();
    std::thread::sleep(Duration::from_millis(20));
    go_down(&p);
    let err = p
        .loader::<AppConfig>("prod")
        .cache_dir(&dir)
        .cache_policy(CachePolicy::NetworkFirst {
            max_stale: Duration::from_millis(1),
        })
        .load()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection, "{err}");
    let msg = err.to_string();
    assert!(msg.contains("is 0s old"), "{msg}");
    assert!(
        msg.contains("older than the limit of 1ms (max_stale)"),
        "{msg}"
    );
}

#[test]
fn authentication_and_permission_failures_never_fall_back() {
    let p = seeded();
    let (_tmp, dir) = cache_dir();
    p.loader::<AppConfig>("prod")
        .cache_dir(&dir)
        .load()
        .unwrap();
    for (status, kind) in [
        (401, ErrorKind::Authentication),
        (403, ErrorKind::PermissionDenied),
    ] {
        p.server.inject(Fault::Status {
            status,
            retry_after: None,
            times: 10,
        });
        let err = p
            .loader::<AppConfig>("prod")
            .cache_dir(&dir)
            .load()
            .unwrap_err();
        assert_eq!(err.kind(), kind, "{err}");
        p.server.clear_faults();
    }
}

#[test]
fn an_unknown_environment_fails_closed_and_an_empty_one_loads() {
    let p = seeded();
    p.seed(&["empty"], &[]);
    let (_tmp, dir) = cache_dir();
    let err = p
        .loader::<AppConfig>("nope")
        .cache_dir(&dir)
        .load()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    assert!(snapshot_files(&dir).is_empty());
    // An existing environment without secrets of its own is not an unknown one: "All" applies
    // (DATABASE_URL has no value there, so the config reports it missing, not the environment).
    let err = p
        .loader::<AppConfig>("empty")
        .cache_dir(&dir)
        .load()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config, "{err}");
    assert!(err.to_string().contains("DATABASE_URL"), "{err}");
}

#[test]
fn a_hanging_locker_falls_back_within_the_bound() {
    let p = seeded();
    let relay = Relay::start(p.server.addr());
    let (_tmp, dir) = cache_dir();
    let client = || {
        p.builder()
            .api_base(relay.base_url())
            .build()
            .expect("client")
    };
    let first = p
        .loader::<AppConfig>("prod")
        .client(client())
        .cache_dir(&dir)
        .load_with_sources()
        .unwrap();
    assert_eq!(first.origin, Origin::Network);

    relay.hang();
    let started = Instant::now();
    let loaded = p
        .loader::<AppConfig>("prod")
        .client(client())
        .cache_dir(&dir)
        .fallback_after(Duration::from_millis(300))
        .load_with_sources()
        .unwrap();
    // A liveness bound: without the fallback bound this waits out 3 × 10 s of timeouts.
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(
        snapshot_reason(&loaded.origin),
        Some(SnapshotReason::Unreachable)
    );
    assert_eq!(
        loaded.config.database_url.expose_secret(),
        "postgres://prod-db/app"
    );
}

#[test]
fn tampered_truncated_and_future_snapshots_are_refused() {
    let p = seeded();
    let (_tmp, dir) = cache_dir();
    p.loader::<AppConfig>("prod")
        .cache_dir(&dir)
        .load()
        .unwrap();
    let file = snapshot_files(&dir).pop().unwrap();
    let good = std::fs::read_to_string(&file).unwrap();
    let snapshot_only = || {
        p.loader::<AppConfig>("prod")
            .cache_dir(&dir)
            .cache_policy(CachePolicy::SnapshotOnly)
            .load()
    };
    assert!(snapshot_only().is_ok());

    // One character of the ciphertext changed: the MAC no longer verifies.
    let at = good.find('|').unwrap() + 5;
    let mut tampered = good.clone().into_bytes();
    tampered[at] = if tampered[at] == b'A' { b'B' } else { b'A' };
    let truncated = good[..good.len() / 2].to_owned();
    let future = good.replacen("\"format\":1", "\"format\":7", 1);
    for (content, why) in [
        (String::from_utf8(tampered).unwrap(), "tampered"),
        (truncated, "truncated"),
        (future, "newer version"),
        (String::new(), "corrupt"),
    ] {
        std::fs::write(&file, &content).unwrap();
        let err = snapshot_only().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config, "{err}");
        assert!(err.to_string().contains(why), "{why}: {err}");
        // The default policy ignores it (with a warning) and loads from Locker…
        assert!(p.loader::<AppConfig>("prod").cache_dir(&dir).load().is_ok());
        // …which wrote a good snapshot again; with Locker down, a bad one is no fallback.
        std::fs::write(&file, &content).unwrap();
        go_down(&p);
        let err = p
            .loader::<AppConfig>("prod")
            .cache_dir(&dir)
            .load()
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Connection, "{err}");
        p.server.clear_faults();
    }
}

#[test]
fn a_snapshot_of_another_access_key_is_refused() {
    let p = seeded();
    let other = p.server.create_access_key(&p.key, true).unwrap();
    let (_tmp, dir) = cache_dir();
    p.loader::<AppConfig>("prod")
        .cache_dir(&dir)
        .load()
        .unwrap();
    let mine = snapshot_files(&dir);
    p.loader::<AppConfig>("prod")
        .client(p.client_with(&other))
        .cache_dir(&dir)
        .load()
        .unwrap();
    let theirs: Vec<_> = snapshot_files(&dir)
        .into_iter()
        .filter(|f| !mine.contains(f))
        .collect();
    assert_eq!(theirs.len(), 1);
    // The other key's snapshot file now holds this key's snapshot.
    std::fs::copy(&mine[0], &theirs[0]).unwrap();
    let err = p
        .loader::<AppConfig>("prod")
        .client(p.client_with(&other))
        .cache_dir(&dir)
        .cache_policy(CachePolicy::SnapshotOnly)
        .load()
        .unwrap_err();
    assert!(err.to_string().contains("other credentials"), "{err}");
}

#[test]
fn snapshot_only_never_contacts_locker_and_needs_a_snapshot() {
    let p = seeded();
    let (_tmp, dir) = cache_dir();
    let err = p
        .loader::<AppConfig>("prod")
        .cache_dir(&dir)
        .cache_policy(CachePolicy::SnapshotOnly)
        .load()
        .unwrap_err();
    assert!(err.to_string().contains("no snapshot"), "{err}");
    p.loader::<AppConfig>("prod")
        .cache_dir(&dir)
        .load()
        .unwrap();
    p.server.clear_request_log();
    let loaded = p
        .loader::<AppConfig>("prod")
        .cache_dir(&dir)
        .cache_policy(CachePolicy::SnapshotOnly)
        .load_with_sources()
        .unwrap();
    assert_eq!(
        snapshot_reason(&loaded.origin),
        Some(SnapshotReason::SnapshotOnly)
    );
    assert!(p.server.request_log().is_empty());
}

#[test]
fn cache_first_uses_a_fresh_snapshot_without_a_request_and_probes_an_older_one() {
    let p = seeded();
    let (_tmp, dir) = cache_dir();
    let client = p.client();
    p.loader::<AppConfig>("prod")
        .client(client.clone())
        .cache_dir(&dir)
        .load()
        .unwrap();
    p.server.clear_request_log();
    let cache_first = |rest_time| {
        p.loader::<AppConfig>("prod")
            .client(client.clone())
            .cache_dir(&dir)
            .cache_policy(CachePolicy::CacheFirst {
                rest_time,
                max_stale: DAY,
            })
            .load_with_sources()
            .unwrap()
    };
    let fresh = cache_first(Duration::from_secs(3600));
    assert_eq!(snapshot_reason(&fresh.origin), Some(SnapshotReason::Fresh));
    assert!(p.server.request_log().is_empty());

    // Older than the rest time, nothing changed: one revision probe, no list.
    let unchanged = cache_first(Duration::ZERO);
    assert_eq!(
        snapshot_reason(&unchanged.origin),
        Some(SnapshotReason::Unchanged)
    );
    assert_eq!(p.server.request_log().len(), 1);
    assert_eq!(p.gets("/v1/sync/revision_date"), 1);

    // Something changed: the changes since the snapshot, then the new value.
    p.blocking()
        .modify(
            "DATABASE_URL",
            Some("prod"),
            locker_config::SecretUpdate::new().value("postgres://rotated/app"),
        )
        .unwrap();
    p.server.clear_request_log();
    let changed = cache_first(Duration::ZERO);
    assert_eq!(changed.origin, Origin::Network);
    assert_eq!(
        changed.config.database_url.expose_secret(),
        "postgres://rotated/app"
    );
    assert_eq!(p.gets("/v1/secrets"), 1);
}

#[cfg(unix)]
#[test]
fn snapshots_are_0600_in_a_0700_directory() {
    use std::os::unix::fs::PermissionsExt as _;
    let p = seeded();
    let (_tmp, dir) = cache_dir();
    p.loader::<AppConfig>("prod")
        .cache_dir(&dir)
        .load()
        .unwrap();
    let mode =
        |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700);
    // The snapshot and the cached profile, and no temporary file left behind.
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort_by_key(|f| f.extension().map(|x| x.to_owned()));
    let extensions: Vec<_> = files
        .iter()
        .map(|f| f.extension().unwrap().to_str().unwrap())
        .collect();
    assert_eq!(
        extensions,
        ["profile", "snapshot"],
        "no temporary file left behind"
    );
    assert_eq!(mode(&snapshot_files(&dir)[0]), 0o600);
    assert_eq!(mode(&files[0]), 0o600);
    // The files hold no value, no key and no project key in the clear.
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        assert!(!text.contains("prod-db") && !text.contains("DATABASE_URL"));
        assert!(!text.contains("project_id") && !text.contains("wrapped_key"));
    }
}

#[test]
fn cache_policy_off_writes_nothing() {
    let p = seeded();
    let (_tmp, dir) = cache_dir();
    p.loader::<AppConfig>("prod")
        .cache_dir(&dir)
        .cache_policy(CachePolicy::Off)
        .load()
        .unwrap();
    assert!(!dir.exists());
}

/// A staging secret whose value is a well-formed cipher string with a wrong MAC, written with
/// the bearer token alone.
async fn corrupt_staging_value(p: &Project, client: &Locker) {
    let record = client
        .retrieve("DATABASE_URL", Some("staging"))
        .await
        .unwrap();
    let pid = client.project_id().await.unwrap();
    let forged = format!("2.{0}|{0}|{1}", "A".repeat(22) + "==", "A".repeat(43) + "=");
    let body = serde_json::json!({
        "hash": locker_protocol::crypto::name_hash(pid, "DATABASE_URL"),
        "value": forged,
    });
    let resp = reqwest::Client::new()
        .put(format!("{}/v1/secrets/{}", p.server.base_url(), record.id))
        .bearer_auth(&p.key.access_key_id)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{}", resp.status());
}

#[tokio::test]
async fn a_prod_load_never_decrypts_staging_values() {
    let p = seeded();
    let client = p.client();
    corrupt_staging_value(&p, &client).await;
    let (_tmp, dir) = cache_dir();
    // staging itself now fails closed…
    let err = p
        .loader::<AppConfig>("staging")
        .client(client.clone())
        .cache_dir(&dir)
        .load_async()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decryption, "{err}");
    // …while prod, in the same single list, never touches staging's records.
    let cfg = p
        .loader::<AppConfig>("prod")
        .client(client)
        .cache_dir(&dir)
        .load_async()
        .await
        .unwrap();
    assert_eq!(cfg.database_url.expose_secret(), "postgres://prod-db/app");
}

#[test]
fn a_snapshot_of_another_environment_is_refused() {
    let p = seeded();
    let (_tmp, dir) = cache_dir();
    p.loader::<AppConfig>("staging")
        .cache_dir(&dir)
        .load()
        .unwrap();
    let staging = snapshot_files(&dir);
    p.loader::<AppConfig>("prod")
        .cache_dir(&dir)
        .load()
        .unwrap();
    let prod: Vec<_> = snapshot_files(&dir)
        .into_iter()
        .filter(|f| !staging.contains(f))
        .collect();
    std::fs::copy(&staging[0], &prod[0]).unwrap();
    let err = p
        .loader::<AppConfig>("prod")
        .cache_dir(&dir)
        .cache_policy(CachePolicy::SnapshotOnly)
        .load()
        .unwrap_err();
    assert!(
        err.to_string().contains("holds environment \"staging\""),
        "{err}"
    );
    // Locker down: a staging snapshot is never prod's fallback.
    go_down(&p);
    let err = p
        .loader::<AppConfig>("prod")
        .cache_dir(&dir)
        .load()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection, "{err}");
}

#[test]
fn a_fallback_logs_one_warning_without_values() {
    // In a process of its own: the only subscriber there is the test's, so no test running in
    // parallel can change which events reach it.
    support::run_ignored_test("fallback_logging_in_a_child", &[]);
}

#[test]
#[ignore = "run in a child process by a_fallback_logs_one_warning_without_values"]
fn fallback_logging_in_a_child() {
    if !support::is_child() {
        return;
    }
    let p = seeded();
    let (_tmp, dir) = cache_dir();
    p.loader::<AppConfig>("prod")
        .cache_dir(&dir)
        .load()
        .unwrap();
    go_down(&p);
    let captured = support::Captured::warnings();
    let loaded = p
        .loader::<AppConfig>("prod")
        .cache_dir(&dir)
        .load_with_sources()
        .unwrap();
    assert!(loaded.origin.is_snapshot());
    let log = captured.text();
    assert_eq!(log.matches("using the local snapshot").count(), 1, "{log}");
    for secret in [
        "postgres://prod-db/app",
        p.key.secret_access_key.as_str(),
        p.key.access_key_id.as_str(),
    ] {
        assert!(!log.contains(secret), "{log}");
    }
}

#[test]
fn server_errors_and_rate_limits_after_retries_fall_back() {
    let p = seeded();
    let (_tmp, dir) = cache_dir();
    p.loader::<AppConfig>("prod")
        .cache_dir(&dir)
        .load()
        .unwrap();
    for status in [500, 502, 503, 504, 429] {
        p.server.inject(Fault::Status {
            status,
            retry_after: None,
            times: 1000,
        });
        let loaded = p
            .loader::<AppConfig>("prod")
            .cache_dir(&dir)
            .load_with_sources()
            .unwrap();
        assert_eq!(
            snapshot_reason(&loaded.origin),
            Some(SnapshotReason::Unreachable),
            "{status}"
        );
        p.server.clear_faults();
    }
}
