//! Retries of reads after transient failures; writes are never retried.

mod support;

use std::time::{Duration, Instant};

use locker_config::{ErrorKind, NewSecret};
use locker_server::Fault;
use support::Project;

#[tokio::test]
async fn reads_succeed_after_transient_503s() {
    let p = Project::new();
    let locker = p.client();
    locker.create(NewSecret::new("K", "v")).await.unwrap();
    p.server.clear_request_log();
    p.server.inject(Fault::Status {
        status: 503,
        retry_after: None,
        times: 2,
    });
    assert_eq!(locker.get("K", None).await.unwrap().as_deref(), Some("v"));
    let log = p.server.request_log();
    let statuses: Vec<u16> = log.iter().map(|r| r.status).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 503).count(), 2, "{log:?}");
    assert_eq!(*statuses.last().unwrap(), 200);
}

#[tokio::test]
async fn reads_honour_retry_after_on_429() {
    let p = Project::new();
    let locker = p.client();
    locker.project_id().await.unwrap();
    p.server.inject(Fault::Status {
        status: 429,
        retry_after: Some(1),
        times: 1,
    });
    let started = Instant::now();
    locker.list_environments().await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(950));
}

#[tokio::test]
async fn exhausted_retries_report_the_last_error() {
    let p = Project::new();
    let locker = p.builder().max_network_retries(1).build().unwrap();
    locker.project_id().await.unwrap();
    p.server.clear_request_log();
    p.server.inject(Fault::Status {
        status: 429,
        retry_after: Some(0),
        times: 5,
    });
    let err = locker.list_environments().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited, "{err:?}");
    assert_eq!(err.status(), Some(429));
    assert_eq!(p.count("GET", "/v1/environments"), 2);
}

#[tokio::test]
async fn writes_are_never_retried() {
    let p = Project::new();
    let locker = p.client();
    locker.project_id().await.unwrap();
    p.server.clear_request_log();
    p.server.inject(Fault::Status {
        status: 503,
        retry_after: None,
        times: 1,
    });
    let err = locker.create(NewSecret::new("K", "v")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Server, "{err:?}");
    assert_eq!(err.status(), Some(503));
    assert_eq!(p.count("POST", "/v1/secrets"), 1);
}

#[tokio::test]
async fn dropped_connections_are_retried() {
    let p = Project::new();
    let locker = p.client();
    locker.project_id().await.unwrap();
    p.server.inject(Fault::Drop { times: 1 });
    locker.list_environments().await.unwrap();
}

#[tokio::test]
async fn a_slow_server_times_out_as_a_connection_error() {
    let p = Project::new();
    let locker = p
        .builder()
        .timeout(Duration::from_millis(200))
        .max_network_retries(0)
        .build()
        .unwrap();
    locker.project_id().await.unwrap();
    p.server.inject(Fault::Delay {
        delay: Duration::from_secs(2),
        times: 1,
    });
    let err = locker.list_environments().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection, "{err:?}");
    assert!(err.message().contains("timed out"), "{err}");
}
