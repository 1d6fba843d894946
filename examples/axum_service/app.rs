//! The service of `examples/axum_service.rs`: its configs, state, router and (simulated)
//! connection pool. `tests/axum_service.rs` includes this file to test the router.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use locker_config::{Live, LockerConfig, Origin, Secret};
use serde_json::{Value, json};

/// What may change while the service runs: read through `Live<AppConfig>`.
#[derive(Debug, LockerConfig)]
pub(crate) struct AppConfig {
    /// Postgres connection string.
    pub(crate) database_url: Secret<String>,
    /// How `/` greets.
    #[locker(default = "Hello")]
    pub(crate) greeting: String,
    /// Connections in the pool.
    #[locker(default = 4)]
    pub(crate) pool_size: u32,
}

/// What is fixed for the life of the process: read through `ServiceConfig::global()`, loaded
/// once at start (`init`), and given by `override_global_process` in tests.
#[derive(Debug, LockerConfig)]
pub(crate) struct ServiceConfig {
    /// The name the service answers with.
    #[locker(default = "axum-demo")]
    pub(crate) service_name: String,
    /// The port to listen on (0: any free port).
    #[locker(key = "HTTP_PORT", default = 0)]
    pub(crate) port: u16,
    /// How long a query may take.
    #[locker(default = "2s")]
    pub(crate) query_timeout: Duration,
}

/// A (simulated) connection pool to the database of `DATABASE_URL`.
#[derive(Debug)]
pub(crate) struct Pool {
    /// 1 for the first pool, one more per rebuild.
    pub(crate) generation: u64,
    /// The database host, without credentials.
    pub(crate) host: String,
    /// How many connections it holds.
    pub(crate) size: u32,
}

impl Pool {
    /// "Connects" to `url`; only the host is kept, never the password.
    pub(crate) fn connect(url: &Secret<String>, size: u32, generation: u64) -> Pool {
        let url = url.expose_secret();
        let rest = url.split_once("://").map_or(url.as_str(), |(_, rest)| rest);
        let authority = rest.split('/').next().unwrap_or_default();
        let host = authority.rsplit('@').next().unwrap_or_default().to_owned();
        Pool {
            generation,
            host,
            size,
        }
    }

    /// A query on one of its connections.
    async fn query(&self, timeout: Duration) -> Result<u64, &'static str> {
        tokio::time::timeout(timeout, async { 1 })
            .await
            .map_err(|_| "the query timed out")
    }
}

/// The state every handler sees: the live config and the current pool.
#[derive(Clone)]
pub(crate) struct AppState {
    /// The config, kept current by its refresh task.
    pub(crate) live: Live<AppConfig>,
    pool: Arc<RwLock<Arc<Pool>>>,
}

impl AppState {
    /// The state with a first pool for the current `DATABASE_URL`.
    pub(crate) fn new(live: Live<AppConfig>) -> Self {
        let cfg = live.current();
        let pool = Pool::connect(&cfg.database_url, cfg.pool_size, 1);
        AppState {
            live,
            pool: Arc::new(RwLock::new(Arc::new(pool))),
        }
    }

    /// The current pool.
    pub(crate) fn pool(&self) -> Arc<Pool> {
        self.pool.read().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// Starts the task that rebuilds the pool whenever `DATABASE_URL` or `POOL_SIZE` changes
/// (subscribed before it returns, so no change is missed). It runs until aborted or the live
/// config is gone.
pub(crate) fn spawn_pool_rebuilder(state: AppState) -> tokio::task::JoinHandle<()> {
    let mut changes = state.live.subscribe();
    tokio::spawn(async move {
        while let Some(change) = changes.next().await {
            let keys = change.keys();
            if !keys.contains(&"DATABASE_URL") && !keys.contains(&"POOL_SIZE") {
                continue;
            }
            let cfg = state.live.current();
            let next = Pool::connect(
                &cfg.database_url,
                cfg.pool_size,
                state.pool().generation + 1,
            );
            println!(
                "pool: {keys:?} changed; rebuilt for {} (generation {})",
                next.host, next.generation
            );
            *state.pool.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(next);
        }
    })
}

/// `/` greets, `/query` runs a query in a task of its own, `/healthz` serves the config's
/// health.
pub(crate) fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(hello))
        .route("/query", get(query))
        .route("/healthz", get(healthz))
        .with_state(state)
}

async fn hello(State(state): State<AppState>) -> String {
    let cfg = state.live.current();
    format!(
        "{} from {}",
        cfg.greeting,
        ServiceConfig::global().service_name
    )
}

async fn query(State(state): State<AppState>) -> Json<Value> {
    let pool = state.pool();
    // Work that runs in a task of its own, on whichever worker picks it up, as a database
    // driver's would: it still reads the process's config.
    let answer = tokio::spawn(async move {
        let service = ServiceConfig::global();
        let rows = pool.query(service.query_timeout).await;
        json!({
            "service": service.service_name,
            "pool_generation": pool.generation,
            "host": pool.host,
            "pool_size": pool.size,
            "rows": rows.ok(),
        })
    })
    .await
    .unwrap_or_else(|_| json!({"error": "the query task failed"}));
    Json(answer)
}

async fn healthz(State(state): State<AppState>) -> Json<Value> {
    let status = state.live.status();
    let healthy = status.consecutive_failures == 0 && status.origin == Origin::Network;
    Json(json!({
        "status": if healthy { "ok" } else { "degraded" },
        "config": status,
    }))
}
