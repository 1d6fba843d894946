//! Initialise the config once at startup, then read it anywhere with `AppConfig::global()`.
//!
//! Runs against a local Locker-compatible server it starts itself.
//!
//! ```text
//! cargo run --example global
//! ```

use std::error::Error;
use std::thread;

use locker_config::blocking::Locker;
use locker_config::{LockerConfig, NewEnvironment, NewSecret, Secret};
use locker_server::LocalServer;

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
    let server = LocalServer::start()?;
    let key = server.create_project()?;
    let locker = Locker::builder()
        .access_key_id(key.access_key_id.clone())
        .secret_access_key(key.secret_access_key.clone())
        .api_base(server.base_url())
        .build_blocking()?;
    locker.create_environment(NewEnvironment::new("prod"))?;
    locker.create(NewSecret::new("DATABASE_URL", "postgres://prod-db/app").environment("prod"))?;
    locker.create(NewSecret::new("HTTP_PORT", "8443"))?;

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
