//! A real axum service on a live config: handlers read `live.current()`, a task rebuilds the
//! (simulated) connection pool when `DATABASE_URL` changes, `/healthz` serves the config's
//! health as JSON, and Ctrl-C or SIGTERM shuts it down gracefully.
//!
//! It starts the embedded Locker-compatible server and seeds `prod`. Without arguments it
//! runs a short demo against itself (requests, a rotated `DATABASE_URL`, Locker going down and
//! coming back) and stops; with `--serve` it keeps serving until Ctrl-C or SIGTERM.
//!
//! ```text
//! cargo run --example axum_service
//! cargo run --example axum_service -- --serve
//! ```
//!
//! The service itself (configs, state, router, pool) is in `examples/axum_service/app.rs`, which
//! `tests/axum_service.rs` tests with `tower::ServiceExt::oneshot`.

#[path = "axum_service/app.rs"]
mod app;

use std::error::Error;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use app::{AppConfig, AppState, ServiceConfig};
use locker_config::{Live, Locker, NewEnvironment, NewSecret, SecretUpdate};
use locker_server::{Fault, LocalServer};
use tokio::sync::oneshot;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let serve = std::env::args().skip(1).any(|arg| arg == "--serve");

    let server = LocalServer::start()?;
    let key = server.create_project()?;
    let locker = Locker::builder()
        .access_key_id(key.access_key_id.clone())
        .secret_access_key(key.secret_access_key.clone())
        .api_base(server.base_url())
        .build()?;
    seed(&locker).await?;
    println!(
        "Embedded Locker server at {}, project seeded.",
        server.base_url()
    );
    // Snapshots go to $LOCKER_CACHE_DIR or ~/.locker/cache by default; a demo keeps its own.
    let cache = tempfile::tempdir()?;

    // Settings fixed for the life of the process: loaded once into the global instance (a
    // blocking load, so off the async workers).
    let loader = ServiceConfig::loader()
        .client(locker.clone())
        .environment("prod")
        .cache_dir(cache.path());
    tokio::task::spawn_blocking(move || loader.init()).await??;

    // Settings that may change: a live value, refreshed in the background.
    let interval = if serve {
        Duration::from_secs(30)
    } else {
        Duration::from_millis(500)
    };
    let live: Live<AppConfig> = AppConfig::loader()
        .client(locker.clone())
        .environment("prod")
        .cache_dir(cache.path())
        .watch_async(interval)
        .await?;
    let state = AppState::new(live);
    let rebuilder = app::spawn_pool_rebuilder(state.clone());

    let listener =
        tokio::net::TcpListener::bind(("127.0.0.1", ServiceConfig::global().port)).await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = oneshot::channel();
    let service = tokio::spawn(
        axum::serve(listener, app::router(state))
            .with_graceful_shutdown(shutdown_signal(stopped)?)
            .into_future(),
    );

    if serve {
        println!("Serving on http://{addr} (/, /query, /healthz); Ctrl-C or SIGTERM stops it.");
        // `stop` lives until the server is done: only a signal ends it.
        service.await??;
        drop(stop);
    } else {
        demo(addr, &locker, &server).await?;
        let _ = stop.send(());
        service.await??;
    }
    rebuilder.abort();
    println!("Shut down gracefully.");
    Ok(())
}

/// Resolves on Ctrl-C, on SIGTERM (Unix), or when `stopped` fires (the demo is over). The
/// signal handlers are installed before it returns, so a signal that comes before the server
/// first polls it is not lost.
fn shutdown_signal(
    stopped: oneshot::Receiver<()>,
) -> std::io::Result<impl Future<Output = ()> + Send + 'static> {
    #[cfg(unix)]
    let (mut interrupt, mut terminate) = {
        use tokio::signal::unix::{SignalKind, signal};
        (
            signal(SignalKind::interrupt())?,
            signal(SignalKind::terminate())?,
        )
    };
    Ok(async move {
        #[cfg(unix)]
        let (ctrl_c, terminate) = (interrupt.recv(), terminate.recv());
        #[cfg(not(unix))]
        let (ctrl_c, terminate) = (tokio::signal::ctrl_c(), std::future::pending::<()>());
        tokio::select! {
            _ = ctrl_c => println!("Ctrl-C: finishing the requests in flight…"),
            _ = terminate => println!("SIGTERM: finishing the requests in flight…"),
            _ = stopped => println!("Demo over: finishing the requests in flight…"),
        }
    })
}

async fn seed(locker: &Locker) -> Result<(), Box<dyn Error>> {
    locker
        .create_environment(NewEnvironment::new("prod"))
        .await?;
    for (key, value) in [
        ("DATABASE_URL", "postgres://app:s3cr3t@prod-db:5432/app"),
        ("GREETING", "Welcome"),
        ("SERVICE_NAME", "orders"),
    ] {
        locker
            .create(NewSecret::new(key, value).environment("prod"))
            .await?;
    }
    Ok(())
}

/// Requests against the running service while its config changes and Locker goes away.
async fn demo(
    addr: SocketAddr,
    locker: &Locker,
    server: &LocalServer,
) -> Result<(), Box<dyn Error>> {
    let http = reqwest::Client::new();
    let get = |path: &str| {
        let request = http.get(format!("http://{addr}{path}"));
        async move { request.send().await?.text().await }
    };
    println!("\nGET /        {}", get("/").await?);
    println!("GET /query   {}", get("/query").await?);
    println!("GET /healthz {}", get("/healthz").await?);

    println!("\nDATABASE_URL rotated in Locker…");
    locker
        .modify(
            "DATABASE_URL",
            Some("prod"),
            SecretUpdate::new().value("postgres://app:n3w@prod-db-2:5432/app"),
        )
        .await?;
    wait_for(|| async { get("/query").await.is_ok_and(|b| b.contains("prod-db-2")) }).await?;
    println!("GET /query   {}", get("/query").await?);

    println!("\nLocker goes down; the service keeps its config and says so…");
    server.inject(Fault::Drop { times: u32::MAX });
    wait_for(|| async { get("/healthz").await.is_ok_and(|b| b.contains("degraded")) }).await?;
    println!("GET /healthz {}", get("/healthz").await?);
    println!("GET /        {}", get("/").await?);

    println!("\nLocker is back…");
    server.clear_faults();
    wait_for(|| async { get("/healthz").await.is_ok_and(|b| b.contains(r#""ok""#)) }).await?;
    println!("GET /healthz {}\n", get("/healthz").await?);
    Ok(())
}

/// Polls `done` until it holds (the refresh runs in the background), for at most 30 s.
async fn wait_for<F, Fut>(mut done: F) -> Result<(), Box<dyn Error>>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while !done().await {
        if started.elapsed() > Duration::from_secs(30) {
            return Err("the service did not pick up the change in 30 s".into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}
