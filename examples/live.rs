//! Live config and running through an outage, against the embedded Locker-compatible server.
//!
//! Loads `prod` and keeps it current: a background refresh asks Locker every second whether
//! anything changed (one small request) and swaps in a rebuilt config when it did. Then Locker
//! goes down, and a new start runs on the encrypted local snapshot.
//!
//! ```text
//! cargo run --example live
//! ```

use std::error::Error;
use std::time::Duration;

use locker_config::{
    CachePolicy, Live, LockerConfig, NewEnvironment, NewSecret, Origin, Secret, SecretUpdate,
};
use locker_server::Fault;

mod support;

#[derive(Debug, LockerConfig)]
#[allow(dead_code)] // the URL is only printed, redacted
struct AppConfig {
    /// Postgres connection string.
    database_url: Secret<String>,
    #[locker(key = "HTTP_PORT", default = 8080)]
    port: u16,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let (server, locker) = support::embedded()?;
    locker
        .create_environment(NewEnvironment::new("prod"))
        .await?;
    for (k, v) in [
        ("DATABASE_URL", "postgres://prod-db/app"),
        ("HTTP_PORT", "443"),
    ] {
        locker
            .create(NewSecret::new(k, v).environment("prod"))
            .await?;
    }
    // Snapshots go to $LOCKER_CACHE_DIR or ~/.locker/cache by default; a demo keeps its own.
    let cache = tempfile::tempdir()?;

    let live: Live<AppConfig> = AppConfig::loader()
        .environment("prod")
        .client(locker.clone())
        .cache_dir(cache.path())
        .watch_async(Duration::from_secs(1))
        .await?;
    println!(
        "port {} (config: {:?})",
        live.current().port,
        live.current()
    );

    let mut changes = live.subscribe();
    locker
        .modify("HTTP_PORT", Some("prod"), SecretUpdate::new().value("8443"))
        .await?;
    println!("HTTP_PORT changed in Locker; waiting for the next refresh…");
    if let Some(change) = changes.next().await {
        println!(
            "changed keys: {:?}; port is now {}",
            change.keys(),
            live.current().port
        );
    }

    // Locker goes away. A new start with the default policy (NetworkFirst, 24 h) falls back to
    // the snapshot the live config keeps up to date, after at most `fallback_after`.
    server.inject(Fault::Drop { times: u32::MAX });
    let loaded = AppConfig::loader()
        .environment("prod")
        .client(locker)
        .cache_dir(cache.path())
        .cache_policy(CachePolicy::default())
        .fallback_after(Duration::from_secs(1))
        .load_async_with_sources()
        .await?;
    if let Origin::Snapshot { age, reason, .. } = &loaded.origin {
        println!(
            "Locker is down; started from a snapshot {age:.1?} old ({reason}): port {}",
            loaded.config.port
        );
    }
    Ok(())
}
