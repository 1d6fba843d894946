//! Initialise the config once at startup, then read it anywhere with `AppConfig::global()`.
//!
//! Runs against a local Locker-compatible server it starts itself.
//!
//! ```text
//! cargo run --example global
//! ```

use std::error::Error;
use std::thread;

use locker_config::{LockerConfig, Secret};

mod support;

#[derive(Debug, LockerConfig)]
struct AppConfig {
    database_url: Secret<String>,
    #[locker(key = "HTTP_PORT", default = 8080)]
    port: u16,
    #[locker(default = 4)]
    workers: usize,
}

fn serve(worker: usize) {
    // Anywhere in the program: no config passed around.
    let cfg = AppConfig::global();
    println!(
        "worker {worker} listening on port {} (db {:?})",
        cfg.port, cfg.database_url
    );
}

fn main() -> Result<(), Box<dyn Error>> {
    let (_server, locker) = support::embedded_blocking()?;
    support::seed(
        &locker,
        &["prod"],
        &[
            (Some("prod"), "DATABASE_URL", "postgres://prod-db/app"),
            (None, "HTTP_PORT", "8443"),
        ],
    )?;

    // At startup. With credentials in the environment this is simply `AppConfig::init("prod")?`.
    let cfg = AppConfig::loader()
        .client(locker.as_async().clone())
        .environment("prod")
        .init()?;
    println!("initialised: {cfg:?}");

    let workers: Vec<_> = (0..cfg.workers)
        .map(|w| thread::spawn(move || serve(w)))
        .collect();
    for worker in workers {
        worker.join().expect("worker thread");
    }
    Ok(())
}
