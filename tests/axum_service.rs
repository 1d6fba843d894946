//! The router of `examples/axum_service.rs`, driven with `tower::ServiceExt::oneshot` on a
//! multi-thread runtime: its handlers read a live config from a real `locker-server` and, in the
//! tasks they spawn, a `ServiceConfig` given by `override_global_process`; the pool follows
//! `DATABASE_URL`; `/healthz` serves the config's health without a request to Locker and
//! without a value.
//!
//! Every test here reads `ServiceConfig::global()`, so each installs a process override of its
//! own; they take turns, and never see each other's.

mod support;

#[path = "../examples/axum_service/app.rs"]
#[allow(dead_code)]
mod app;

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use locker_config::{Live, ProcessOverrideGuard, SecretUpdate};
use locker_server::Fault;
use serde_json::Value;
use support::Project;
use tower::ServiceExt;

use app::{AppConfig, AppState, ServiceConfig};

const HOUR: Duration = Duration::from_secs(3600);

fn seeded() -> Project {
    let p = Project::new();
    p.seed(
        &["prod"],
        &[
            (
                Some("prod"),
                "DATABASE_URL",
                "postgres://app:s3cr3t@prod-db:5432/app",
            ),
            (Some("prod"), "GREETING", "Welcome"),
        ],
    );
    p
}

fn service_config(name: &str) -> ProcessOverrideGuard<ServiceConfig> {
    ServiceConfig::override_global_process(
        ServiceConfig::from_values([("SERVICE_NAME", name), ("QUERY_TIMEOUT", "5s")]).unwrap(),
    )
}

async fn live(p: &Project) -> Live<AppConfig> {
    p.loader("prod")
        .client(p.builder().max_network_retries(0).build().unwrap())
        .watch_async(HOUR)
        .await
        .unwrap()
}

/// `GET path` through the router: the status and the body.
async fn get(state: &AppState, path: &str) -> (StatusCode, String) {
    let response = app::router(state.clone())
        .oneshot(Request::get(path).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

async fn get_json(state: &AppState, path: &str) -> Value {
    let (status, body) = get(state, path).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_str(&body).unwrap()
}

async fn set(p: &Project, key: &str, value: &str) {
    p.client()
        .modify(key, Some("prod"), SecretUpdate::new().value(value))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handlers_read_the_live_config_and_spawned_work_the_process_override() {
    let _service = service_config("under-test");
    let p = seeded();
    let state = AppState::new(live(&p).await);

    assert_eq!(
        get(&state, "/").await,
        (StatusCode::OK, "Welcome from under-test".to_owned())
    );
    // /query reads ServiceConfig::global() in a task of its own, on a worker thread.
    let query = get_json(&state, "/query").await;
    assert_eq!(query["service"], "under-test");
    assert_eq!(query["host"], "prod-db:5432");
    assert_eq!(query["pool_generation"], 1);
    assert_eq!(query["pool_size"], 4);
    assert_eq!(query["rows"], 1);
    assert!(!query.to_string().contains("s3cr3t"));

    // A new greeting is served after the next refresh, without a restart.
    set(&p, "GREETING", "Bonjour").await;
    state.live.refresh_now_async().await.unwrap();
    assert_eq!(get(&state, "/").await.1, "Bonjour from under-test");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pool_is_rebuilt_when_database_url_changes_and_only_then() {
    let _service = service_config("pool-test");
    let p = seeded();
    let state = AppState::new(live(&p).await);
    let rebuilder = app::spawn_pool_rebuilder(state.clone());

    // A greeting change first: no rebuild. The URL change after it: one.
    set(&p, "GREETING", "Hi").await;
    state.live.refresh_now_async().await.unwrap();
    set(&p, "DATABASE_URL", "postgres://app:n3w@prod-db-2:5432/app").await;
    state.live.refresh_now_async().await.unwrap();
    let started = Instant::now();
    while state.pool().generation < 2 {
        assert!(started.elapsed() < Duration::from_secs(20), "no rebuild");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let query = get_json(&state, "/query").await;
    assert_eq!(query["pool_generation"], 2);
    assert_eq!(query["host"], "prod-db-2:5432");
    assert!(!query.to_string().contains("n3w"));
    rebuilder.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_serves_the_status_without_a_request_or_a_value() {
    let _service = service_config("health-test");
    let p = seeded();
    let state = AppState::new(live(&p).await);

    p.server.clear_request_log();
    let health = get_json(&state, "/healthz").await;
    assert_eq!(health["status"], "ok");
    assert_eq!(health["config"]["origin"]["source"], "locker");
    assert_eq!(health["config"]["consecutive_failures"], 0);
    assert!(health["config"]["last_error"].is_null());
    assert!(health["config"]["last_success"].is_string());
    assert_eq!(p.server.request_log().len(), 0, "/healthz asked Locker");

    // Locker fails a refresh: degraded, with the error and the count, never a value.
    p.server.inject(Fault::Status {
        status: 503,
        retry_after: None,
        times: 1,
    });
    assert!(state.live.refresh_now_async().await.is_err());
    p.server.clear_request_log();
    let health = get_json(&state, "/healthz").await;
    assert_eq!(health["status"], "degraded");
    assert_eq!(health["config"]["consecutive_failures"], 1);
    let error = health["config"]["last_error"].as_str().unwrap();
    assert!(error.contains("HTTP 503"), "{error}");
    assert!(!health.to_string().contains("s3cr3t"), "{health}");
    assert_eq!(p.server.request_log().len(), 0);

    // Back to ok once Locker answers.
    state.live.refresh_now_async().await.unwrap();
    assert_eq!(get_json(&state, "/healthz").await["status"], "ok");
}
