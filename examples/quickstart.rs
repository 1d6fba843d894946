//! Loads a typed config for `prod` from Locker and shows where every value came from.
//!
//! With `LOCKER_ACCESS_KEY_ID` and `LOCKER_SECRET_ACCESS_KEY` set it reads that project (the
//! environment is `LOCKER_ENVIRONMENT`, default `prod`); without, it starts a local
//! Locker-compatible server, seeds `staging`, `prod` and "All", and loads from there.
//!
//! ```text
//! cargo run --example quickstart
//! ```

use std::error::Error;
use std::time::{Duration, Instant};

use locker_config::blocking::Locker;
use locker_config::{LockerConfig, NewEnvironment, NewSecret, Secret};
use locker_server::LocalServer;

#[derive(Debug, LockerConfig)]
#[allow(dead_code)] // this example only prints the config
struct AppConfig {
    /// Postgres connection string.
    database_url: Secret<String>,
    #[locker(key = "HTTP_PORT", default = 8080)]
    port: u16,
    #[locker(default = "30s")]
    request_timeout: Duration,
    redis_url: Option<String>,
    #[locker(default = "https://a.example,https://b.example")]
    allowed_origins: Vec<String>,
    #[locker(default)]
    verbose: bool,
}

fn main() -> Result<(), Box<dyn Error>> {
    let (_server, locker, environment) = if std::env::var_os("LOCKER_ACCESS_KEY_ID").is_some() {
        let env = std::env::var("LOCKER_ENVIRONMENT").unwrap_or_else(|_| "prod".to_owned());
        println!("Using the Locker project of LOCKER_ACCESS_KEY_ID, environment {env:?}\n");
        (None, Locker::from_env()?, env)
    } else {
        let server = LocalServer::start()?;
        let key = server.create_project()?;
        let locker = Locker::new(
            Locker::builder()
                .access_key_id(key.access_key_id.clone())
                .secret_access_key(key.secret_access_key.clone())
                .api_base(server.base_url())
                .build()?,
        );
        seed(&locker)?;
        println!(
            "Started a local Locker server at {} and seeded it\n",
            server.base_url()
        );
        (Some(server), locker, "prod".to_owned())
    };

    let start = Instant::now();
    let loaded = AppConfig::loader()
        .client(locker.as_async().clone())
        .environment(environment.as_str())
        .load_with_sources()?;
    let took = start.elapsed();

    println!("{:#?}\n", loaded.config);
    println!("Where each value came from:");
    for source in &loaded.sources {
        println!(
            "  {:<16} {:<16} {}",
            source.field, source.key, source.source
        );
    }
    println!(
        "\nLoaded {} fields for {environment:?} in {took:.1?} with one list request.",
        AppConfig::KEYS.len()
    );
    Ok(())
}

/// staging and prod, a few secrets in each, and some shared by all environments ("All").
fn seed(locker: &Locker) -> Result<(), Box<dyn Error>> {
    for env in ["staging", "prod"] {
        locker.create_environment(NewEnvironment::new(env))?;
    }
    let secrets = [
        (
            Some("prod"),
            "DATABASE_URL",
            "postgres://app:s3cr3t@prod-db:5432/app",
        ),
        (Some("prod"), "HTTP_PORT", "443"),
        (
            Some("staging"),
            "DATABASE_URL",
            "postgres://app:st4ging@staging-db:5432/app",
        ),
        (Some("staging"), "VERBOSE", "yes"),
        (None, "REQUEST_TIMEOUT", "45s"),
        (
            None,
            "ALLOWED_ORIGINS",
            "https://app.example,https://admin.example",
        ),
    ];
    for (env, key, value) in secrets {
        let mut secret = NewSecret::new(key, value);
        if let Some(env) = env {
            secret = secret.environment(env);
        }
        locker.create(secret)?;
    }
    Ok(())
}
