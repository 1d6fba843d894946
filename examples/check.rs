//! Checks a typed config against one environment (every problem a load would hit, plus keys no
//! field reads, fields set only in "All", empty values and deprecated keys in use; never a
//! value), then prints the config's keys as a Markdown table.
//!
//! With Locker credentials (`LOCKER_ACCESS_KEY_ID` and `LOCKER_SECRET_ACCESS_KEY`, or
//! `~/.locker/credential.json`) it checks that project (the environment is the first argument,
//! else `LOCKER_ENVIRONMENT`, else `prod`); without, it starts the embedded Locker-compatible
//! server and seeds a `prod` environment with a few typical mistakes to find.
//!
//! ```text
//! cargo run --example check [ENVIRONMENT]
//! ```
//!
//! The exit status is 1 when a load would fail, so the program can gate a deployment.

use std::error::Error;
use std::process::ExitCode;
use std::time::Duration;

use locker_config::blocking::Locker;
use locker_config::{ErrorKind, LockerConfig, Secret, TemplateFormat};

mod support;

/// A database connection.
#[derive(Debug, LockerConfig)]
#[allow(dead_code)] // this example only checks the config
struct DbConfig {
    /// Postgres connection string.
    url: Secret<String>,
    /// Connections kept open.
    #[locker(default = 10, default_in(dev = 2))]
    pool_size: u32,
}

#[derive(Debug, LockerConfig)]
#[allow(dead_code)]
#[locker(validate = check_app)]
struct AppConfig {
    /// The primary database (keys `DB_…`).
    #[locker(nested)]
    db: DbConfig,
    /// A read replica (keys `REPLICA_DB_…`), if there is one.
    #[locker(nested, prefix = "REPLICA_DB_")]
    replica: Option<DbConfig>,
    /// The port to listen on.
    #[locker(key = "HTTP_PORT", default = 443, default_in(dev = 8080))]
    port: u16,
    /// Error reporting; required in prod.
    #[locker(required_in("prod"))]
    sentry_dsn: Option<Secret<String>>,
    /// Cache connection string.
    #[locker(alias = "REDIS_URI")]
    redis_url: Option<String>,
    /// Hosts served.
    #[locker(delimiter = ";", default = "localhost")]
    hosts: Vec<String>,
    /// Worker threads.
    #[locker(default = 4, validate = at_least_one)]
    workers: u32,
    /// Time allowed for one request.
    #[locker(default = "30s")]
    request_timeout: Duration,
}

fn at_least_one(n: &u32) -> Result<(), &'static str> {
    if *n == 0 {
        Err("must be at least 1")
    } else {
        Ok(())
    }
}

fn check_app(app: &AppConfig) -> Result<(), String> {
    match &app.replica {
        Some(replica) if replica.pool_size > app.db.pool_size => {
            Err("the replica pool must not be larger than the primary pool".into())
        }
        _ => Ok(()),
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// Whether a load would succeed.
fn run() -> Result<bool, Box<dyn Error>> {
    let requested = std::env::args().nth(1);
    // Kept alive until the end: dropping it stops the embedded server.
    let (_server, locker, environment) = match Locker::from_env() {
        Ok(locker) => {
            let env = requested
                .or_else(|| std::env::var("LOCKER_ENVIRONMENT").ok())
                .unwrap_or_else(|| "prod".to_owned());
            println!(
                "Checking the Locker project at {}, environment {env:?}\n",
                locker.as_async().api_base()
            );
            (None, locker, env)
        }
        Err(e) if e.kind() == ErrorKind::Credentials && !support::credentials_set() => {
            let (server, locker) = support::embedded_blocking()?;
            seed(&locker)?;
            println!(
                "No Locker credentials: checking a demo project on the embedded server at {}\n",
                server.base_url()
            );
            (
                Some(server),
                locker,
                requested.unwrap_or_else(|| "prod".to_owned()),
            )
        }
        Err(e) => return Err(e.into()),
    };

    let report = AppConfig::loader()
        .client(locker.as_async().clone())
        .environment(environment.as_str())
        .check()?;
    println!("{report}\n");

    println!("The keys of AppConfig, for a README:\n");
    println!("{}", AppConfig::template(TemplateFormat::Markdown));
    Ok(report.is_ok())
}

/// `prod` with a typo'd key, a value only in "All", an empty value, an old key name and a
/// worker count the validation rejects.
fn seed(locker: &Locker) -> Result<(), Box<dyn Error>> {
    let secrets = [
        (
            Some("prod"),
            "DB_URL",
            "postgres://app:s3cr3t@prod-db:5432/app",
        ),
        (Some("prod"), "DB_POOL_SIEZ", "20"),
        (None, "HTTP_PORT", "8443"),
        (Some("prod"), "REDIS_URI", "redis://cache:6379"),
        (Some("prod"), "HOSTS", ""),
        (Some("prod"), "WORKERS", "0"),
    ];
    support::seed(locker, &["prod"], &secrets)
}
