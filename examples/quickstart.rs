//! Loads a typed config for `prod` from Locker and shows where every value came from.
//!
//! With Locker credentials (`LOCKER_ACCESS_KEY_ID` and `LOCKER_SECRET_ACCESS_KEY`, or
//! `~/.locker/credential.json`) it reads that project (the environment is `LOCKER_ENVIRONMENT`,
//! default `prod`); without, it starts the embedded Locker-compatible server, seeds `staging`,
//! `prod` and "All" through the client, and loads from there.
//!
//! The load has two more layers: the process environment (`QUICKSTART_` + key wins over Locker;
//! the embedded demo runs itself again with `QUICKSTART_HTTP_PORT=9000` set, as a deployer
//! would set it) and a `.env.local` file that fills what Locker lacks (the embedded demo writes
//! one in a temporary directory).
//!
//! ```text
//! cargo run --example quickstart
//! ```

use std::error::Error;
use std::path::PathBuf;
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use locker_config::blocking::Locker;
use locker_config::{ErrorKind, LockerConfig, Origin, Secret};

mod support;

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

/// The prefix of the process environment variables that override Locker in this demo.
const ENV_PREFIX: &str = "QUICKSTART_";
/// The variable the embedded demo sets for itself to show an override.
const PORT_VAR: &str = "QUICKSTART_HTTP_PORT";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn Error>> {
    // Credentials from the environment or ~/.locker/credential.json; without any, the embedded
    // local server.
    // The embedded demo keeps its snapshot in a temporary directory; a real project uses the
    // default ($LOCKER_CACHE_DIR, else ~/.locker/cache).
    let demo_cache = tempfile::tempdir()?;
    let (server, locker, environment) = match Locker::from_env() {
        Ok(locker) => {
            let env = std::env::var("LOCKER_ENVIRONMENT").unwrap_or_else(|_| "prod".to_owned());
            println!(
                "Using the Locker project at {}, environment {env:?}\n",
                locker.as_async().api_base()
            );
            (None, locker, env)
        }
        // No credentials at all: the embedded server. Credentials that are set but broken are
        // an error worth seeing, not a reason to fall back.
        Err(e) if e.kind() == ErrorKind::Credentials && !support::credentials_set() => {
            if std::env::var_os(PORT_VAR).is_none() {
                // Show a deployer's override without asking for a manual step: run this demo
                // again with the variable set in its environment.
                println!("Running the demo with {PORT_VAR}=9000 in its process environment.");
                let status = Command::new(std::env::current_exe()?)
                    .env(PORT_VAR, "9000")
                    .status()?;
                std::process::exit(status.code().unwrap_or(1));
            }
            println!("No Locker credentials in the environment or in ~/.locker.");
            let (server, locker) = support::embedded_blocking()?;
            seed(&locker)?;
            println!(
                "Started the embedded Locker server at {} and seeded a demo project.\n",
                server.base_url()
            );
            (Some(server), locker, "prod".to_owned())
        }
        Err(e) => return Err(e.into()),
    };
    let requests_before = server.as_ref().map(|s| s.request_log().len());

    let start = Instant::now();
    // A developer's local settings: what Locker lacks. The embedded demo writes one; a real
    // project may have none (a missing file is no layer).
    let dotenv = if server.is_some() {
        let path = demo_cache.path().join(".env.local");
        std::fs::write(
            &path,
            "# local settings, not secrets\nREDIS_URL=redis://localhost:6379\nHTTP_PORT=3000\n",
        )?;
        path
    } else {
        PathBuf::from(".env.local")
    };
    let mut loader = AppConfig::loader()
        .client(locker.as_async().clone())
        .environment(environment.as_str())
        .process_env(ENV_PREFIX) // QUICKSTART_HTTP_PORT wins over HTTP_PORT in Locker
        .dotenv_file(&dotenv); // below Locker: HTTP_PORT=3000 there loses to Locker's
    if server.is_some() {
        loader = loader.cache_dir(demo_cache.path().join("cache"));
    }
    let loaded = loader.load_with_sources()?;
    let took = start.elapsed();

    println!("{:#?}\n", loaded.config);
    println!(
        "Where each value came from (highest first: overrides, {ENV_PREFIX}* variables, Locker, .env.local, defaults):"
    );
    for source in &loaded.sources {
        println!(
            "  {:<16} {:<16} {}",
            source.field, source.key, source.source
        );
    }
    // Locker, or the local snapshot when Locker cannot be reached (see CachePolicy).
    if let Origin::Snapshot { age, .. } = &loaded.origin {
        println!("\nLocker is unreachable: running on a snapshot taken {age:.0?} ago.");
    }
    print!(
        "\nLoaded {} fields for {environment:?} from {} in {took:.1?}",
        AppConfig::KEYS.len(),
        loaded.origin
    );
    match (&server, requests_before) {
        (Some(server), Some(before)) => {
            let requests = &server.request_log()[before..];
            let paths: Vec<String> = requests
                .iter()
                .map(|r| format!("{} {}", r.method, r.path))
                .collect();
            let plural = if requests.len() == 1 { "" } else { "s" };
            println!(
                " with {} request{plural} ({}).",
                requests.len(),
                paths.join(", ")
            );
        }
        _ => println!("."),
    }
    Ok(())
}

/// staging and prod, a few secrets in each, and some shared by all environments ("All").
fn seed(locker: &Locker) -> Result<(), Box<dyn Error>> {
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
    support::seed(locker, &["staging", "prod"], &secrets)
}
