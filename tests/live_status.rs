//! The health of a live config against a real `locker-server`: its status after a good load,
//! after failed refreshes (injected faults, a value that does not build, the refresh task's
//! own ticks), after a start from the snapshot, and once Locker answers again; never a request
//! and never a value. And its changes read as a `futures_core::Stream`.

mod support;

use std::time::Duration;

use futures_util::StreamExt;
use locker_config::{ErrorKind, Live, Loader, LockerConfig, Origin, SecretUpdate, SnapshotReason};
use locker_server::Fault;
use support::{AppConfig, Project, eventually};

/// Longer than any test: ticks never interfere with `refresh_now`.
const HOUR: Duration = Duration::from_secs(3600);

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

/// A loader whose client does not retry, so that one injected fault fails one refresh.
fn loader<T: LockerConfig>(p: &Project) -> Loader<T> {
    p.loader("prod")
        .client(p.builder().max_network_retries(0).build().unwrap())
}

fn set(p: &Project, key: &str, value: &str) {
    p.blocking()
        .modify(key, None, SecretUpdate::new().value(value))
        .unwrap();
}

#[test]
fn status_after_a_good_load_failures_and_recovery() {
    let p = seeded();
    let live: Live<AppConfig> = loader(&p).watch(HOUR).unwrap();

    let status = live.status();
    assert_eq!(status.origin, Origin::Network);
    let loaded_at = status.last_success.expect("Locker answered the load");
    assert!(status.last_error.is_none());
    assert_eq!(status.consecutive_failures, 0);

    // A status is read from memory: no request, however often it is asked.
    p.server.clear_request_log();
    for _ in 0..1000 {
        live.status();
    }
    let requests = p.server.request_log().len();
    println!("{requests} requests for 1000 status calls");
    assert_eq!(requests, 0);

    // Locker fails twice.
    p.server.inject(Fault::Status {
        status: 503,
        retry_after: None,
        times: 2,
    });
    for failures in 1..=2 {
        let err = live.refresh_now().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Server);
        let status = live.status();
        assert_eq!(status.consecutive_failures, failures);
        let last = status.last_error.expect("the error is kept");
        assert_eq!(last.kind(), ErrorKind::Server);
        assert_eq!(last.status(), Some(503));
        assert_eq!(last.to_string(), err.to_string());
        // The value and where it came from are unchanged.
        assert_eq!(status.origin, Origin::Network);
        assert_eq!(status.last_success, Some(loaded_at));
    }

    // A value that does not build is a failure too, reported without the value.
    set(&p, "HTTP_PORT", "eighty");
    let err = live.refresh_now().unwrap_err();
    let status = live.status();
    assert_eq!(status.consecutive_failures, 3);
    let last = status.last_error.clone().unwrap();
    assert_eq!(last.kind(), ErrorKind::Config);
    assert_eq!(last.to_string(), err.to_string());
    let json = serde_json::to_string(&status).unwrap();
    assert!(!json.contains("eighty"), "{json}");
    assert!(!json.contains("prod-db"), "{json}");
    assert_eq!(live.current().port, 9000);

    // Recovery resets the count and clears the error.
    set(&p, "HTTP_PORT", "9001");
    live.refresh_now().unwrap();
    let status = live.status();
    assert_eq!(status.consecutive_failures, 0);
    assert!(status.last_error.is_none());
    assert!(status.last_success.unwrap() >= loaded_at);
    assert_eq!(live.current().port, 9001);

    let json = serde_json::to_value(&status).unwrap();
    assert_eq!(json["origin"], serde_json::json!({"source": "locker"}));
    assert_eq!(json["consecutive_failures"], 0);
    assert!(json["last_error"].is_null());
    assert!(
        json["last_success"].as_str().unwrap().ends_with('Z'),
        "{json}"
    );
}

#[test]
fn the_refresh_task_records_its_failures_and_its_recovery() {
    let p = seeded();
    let live: Live<AppConfig> = loader(&p).watch(Duration::from_millis(50)).unwrap();
    p.server.inject(Fault::Drop { times: u32::MAX });
    eventually(|| live.status().consecutive_failures >= 2);
    let status = live.status();
    let last = status.last_error.unwrap();
    assert_eq!(last.kind(), ErrorKind::Connection, "{last}");
    assert_eq!(status.origin, Origin::Network);

    p.server.clear_faults();
    eventually(|| live.status().consecutive_failures == 0);
    assert!(live.status().last_error.is_none());
}

#[test]
fn a_start_from_the_snapshot_says_so_until_locker_answers() {
    let p = seeded();
    // A first load writes the snapshot; then Locker goes away.
    loader::<AppConfig>(&p).load().unwrap();
    p.server.inject(Fault::Drop { times: u32::MAX });
    let live: Live<AppConfig> = loader(&p)
        .fallback_after(Duration::from_millis(200))
        .watch(HOUR)
        .unwrap();
    let status = live.status();
    let Origin::Snapshot { reason, .. } = status.origin else {
        panic!("started from the snapshot: {:?}", status.origin);
    };
    assert_eq!(reason, SnapshotReason::Unreachable);
    assert_eq!(status.last_success, None);
    assert_eq!(status.consecutive_failures, 0);

    let err = live.refresh_now().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection);
    let status = live.status();
    assert_eq!(status.consecutive_failures, 1);
    assert!(status.origin.is_snapshot());
    let json = serde_json::to_value(&status).unwrap();
    assert_eq!(json["origin"]["source"], "snapshot");
    assert_eq!(json["origin"]["reason"], "unreachable");
    assert!(json["origin"]["age_secs"].is_u64(), "{json}");
    assert!(json["last_success"].is_null());
    assert!(
        json["last_error"]
            .as_str()
            .unwrap()
            .starts_with("connection error")
    );

    // Locker answers again: the records it confirmed are now Locker's.
    p.server.clear_faults();
    live.refresh_now().unwrap();
    let status = live.status();
    assert_eq!(status.origin, Origin::Network);
    assert!(status.last_success.is_some());
    assert_eq!(status.consecutive_failures, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_are_a_stream_that_ends_with_the_live_value() {
    let p = seeded();
    let live: Live<AppConfig> = loader(&p).watch_async(HOUR).await.unwrap();
    let mut changes = live.subscribe();

    let client = p.client();
    for (key, value) in [("HTTP_PORT", "9001"), ("DATABASE_URL", "postgres://b/app")] {
        let env = (key == "DATABASE_URL").then_some("prod");
        client
            .modify(key, env, SecretUpdate::new().value(value))
            .await
            .unwrap();
        live.refresh_now_async().await.unwrap();
    }
    let keys: Vec<Vec<String>> = changes
        .by_ref()
        .take(2)
        .map(|change| change.keys().iter().map(|k| k.to_string()).collect())
        .collect()
        .await;
    assert_eq!(keys, [["HTTP_PORT"], ["DATABASE_URL"]]);

    // The inherent next() and the stream read one queue.
    client
        .modify("HTTP_PORT", None, SecretUpdate::new().value("9002"))
        .await
        .unwrap();
    live.refresh_now_async().await.unwrap();
    assert_eq!(
        StreamExt::next(&mut changes).await.unwrap().keys(),
        ["HTTP_PORT"]
    );
    assert!(changes.try_next().is_none());

    // The last handle gone, the stream ends.
    drop(live);
    assert!(StreamExt::next(&mut changes).await.is_none());
}
