//! How tests give `AppConfig::global()` their own values: no network, no environment
//! variables, no interference between tests running in parallel.
//!
//! ```text
//! cargo run --example testing
//! ```

use std::thread;

use locker_config::{LockerConfig, Secret};

#[derive(Debug, LockerConfig)]
struct AppConfig {
    database_url: Secret<String>,
    #[locker(key = "HTTP_PORT", default = 8080)]
    port: u16,
    #[locker(default)]
    verbose: bool,
}

/// Application code reads the global config.
fn banner() -> String {
    let cfg = AppConfig::global();
    format!(
        "port {} verbose {} database {:?}",
        cfg.port, cfg.verbose, cfg.database_url
    )
}

fn test_config(port: &str, verbose: &str) -> AppConfig {
    AppConfig::from_values([
        ("DATABASE_URL", "postgres://localhost/test"),
        ("HTTP_PORT", port),
        ("VERBOSE", verbose),
    ])
    .expect("a valid test config")
}

fn main() {
    // Two "tests" on two threads at once, each with its own values.
    let a = thread::spawn(|| {
        let _guard = AppConfig::override_global(test_config("3000", "no"));
        banner()
    });
    let b = thread::spawn(|| AppConfig::with_override_sync(test_config("4000", "yes"), banner));
    println!("test a sees: {}", a.join().unwrap());
    println!("test b sees: {}", b.join().unwrap());

    // from_values reports every problem at once, without the values.
    let err = AppConfig::from_values([("HTTP_PORT", "http"), ("VERBOSE", "maybe")]).unwrap_err();
    println!("\n{err}");
}
