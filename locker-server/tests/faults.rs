//! Injected faults: statuses with Retry-After, delays and dropped connections.

mod common;

use std::time::{Duration, Instant};

use common::Api;
use locker_server::{Fault, LocalServer};

#[tokio::test]
async fn status_faults_answer_the_next_requests_then_stop() {
    let server = LocalServer::start().unwrap();
    let key = server.create_project().unwrap();
    let api = Api::new(&server, &key);
    server.inject(Fault::Status {
        status: 503,
        retry_after: None,
        times: 2,
    });
    server.inject(Fault::Status {
        status: 429,
        retry_after: Some(3),
        times: 1,
    });
    let a = api.get("/v1/profile").await;
    a.assert_error(503);
    assert_eq!(a.retry_after, None);
    api.get("/v1/secrets").await.assert_error(503);
    let a = api.get("/v1/profile").await;
    a.assert_error(429);
    assert_eq!(a.retry_after.as_deref(), Some("3"));
    assert_eq!(api.get("/v1/profile").await.status, 200);

    let log = server.request_log();
    let statuses: Vec<u16> = log.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [503, 503, 429, 200]);
    assert_eq!(log[1].path, "/v1/secrets");
}

#[tokio::test]
async fn a_faulted_write_changes_nothing() {
    let server = LocalServer::start().unwrap();
    let api = Api::new(&server, &server.create_project().unwrap());
    server.inject(Fault::Status {
        status: 500,
        retry_after: None,
        times: 1,
    });
    let a = api
        .post(
            "/v1/secrets",
            &serde_json::json!({"key": "k", "value": "v", "hash": "h"}),
        )
        .await;
    a.assert_error(500);
    assert_eq!(api.get("/v1/sync/secrets/count").await.text, "0");
}

#[tokio::test]
async fn delay_faults_delay_then_answer() {
    let server = LocalServer::start().unwrap();
    let api = Api::new(&server, &server.create_project().unwrap());
    server.inject(Fault::Delay {
        delay: Duration::from_millis(1500),
        times: 1,
    });
    let start = Instant::now();
    assert_eq!(api.get("/v1/profile").await.status, 200);
    assert!(start.elapsed() >= Duration::from_millis(1500));
    // The fault is used up: the next request is not delayed (a loopback GET takes far less
    // than the delay, even on a busy machine).
    let start = Instant::now();
    assert_eq!(api.get("/v1/profile").await.status, 200);
    assert!(start.elapsed() < Duration::from_millis(1500));

    // A client timeout shorter than the delay sees a timeout.
    server.inject(Fault::Delay {
        delay: Duration::from_millis(800),
        times: 1,
    });
    let mut short = api.clone();
    short.http = reqwest::Client::builder()
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let err = short
        .try_send("GET", "/v1/profile", None)
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
}

#[tokio::test]
async fn drop_faults_close_the_connection_without_an_answer() {
    let server = LocalServer::start().unwrap();
    let api = Api::new(&server, &server.create_project().unwrap());
    // Warm up a pooled keep-alive connection first: a drop must also work on it.
    assert_eq!(api.get("/v1/profile").await.status, 200);
    server.inject(Fault::Drop { times: 2 });
    for _ in 0..2 {
        let start = Instant::now();
        let err = api.try_send("GET", "/v1/profile", None).await.unwrap_err();
        assert!(!err.is_timeout(), "{err:?}");
        assert!(err.status().is_none(), "{err:?}");
        assert!(start.elapsed() < Duration::from_secs(5), "no hang");
    }
    assert_eq!(api.get("/v1/profile").await.status, 200);
    let statuses: Vec<u16> = server.request_log().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [200, 0, 0, 200]);
}

#[tokio::test]
async fn clear_faults_and_zero_times() {
    let server = LocalServer::start().unwrap();
    let api = Api::new(&server, &server.create_project().unwrap());
    server.inject(Fault::Drop { times: 0 });
    assert_eq!(api.get("/v1/profile").await.status, 200);
    server.inject(Fault::Status {
        status: 503,
        retry_after: None,
        times: 5,
    });
    server.clear_faults();
    assert_eq!(api.get("/v1/profile").await.status, 200);
}
