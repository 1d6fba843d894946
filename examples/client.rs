//! Every client operation, mirroring the official SDK documentation.
//!
//! Runs offline: it starts a local Locker-compatible server on 127.0.0.1, creates a project and
//! uses its access key. With `LOCKER_ACCESS_KEY_ID` and `LOCKER_SECRET_ACCESS_KEY` set (and
//! optionally `LOCKER_API_BASE`), it talks to that Locker instead — note that it then creates
//! secrets and environments there.
//!
//! ```text
//! cargo run --example client
//! LOCKER_LOG=debug cargo run --example client   # log every API call to stderr
//! ```

use locker_config::{
    EnvironmentUpdate, ExportFormat, Locker, NewEnvironment, NewSecret, SecretUpdate,
};

mod support;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Keep the local server alive for the whole program.
    let (_server, locker) = if std::env::var_os("LOCKER_ACCESS_KEY_ID").is_some() {
        (None, Locker::from_env()?)
    } else {
        let (server, locker) = support::embedded()?;
        (Some(server), locker)
    };
    println!("connected to {}", locker.api_base());

    // Environments: create, get by name, list, modify.
    let staging = locker
        .create_environment(
            NewEnvironment::new("staging")
                .external_url("https://staging.example.com")
                .description("pre-production"),
        )
        .await?;
    println!("created environment {} ({})", staging.name, staging.id);
    let found = locker.get_environment("staging").await?;
    println!("get_environment(staging) -> {:?}", found.map(|e| e.name));
    locker
        .modify_environment(
            "staging",
            EnvironmentUpdate::new().external_url("https://stg.example.com"),
        )
        .await?;
    for env in locker.list_environments().await? {
        println!("environment {} -> {:?}", env.name, env.external_url);
    }

    // Secrets: create in "All" and in one environment.
    locker
        .create(NewSecret::new("DATABASE_URL", "postgres://localhost/app").description("shared"))
        .await?;
    locker
        .create(NewSecret::new("DATABASE_URL", "postgres://staging-db/app").environment("staging"))
        .await?;

    // Get a value: the exact environment, else "All"; with a default when absent.
    let in_staging = locker.get("DATABASE_URL", Some("staging")).await?;
    let in_prod = locker.get("DATABASE_URL", Some("production")).await?;
    let port = locker.get_or("HTTP_PORT", Some("staging"), "8080").await?;
    println!("staging: {in_staging:?}, production falls back to All: {in_prod:?}, port: {port}");

    // Retrieve the full secret; a missing one is a NotFound error.
    let secret = locker.retrieve("DATABASE_URL", Some("staging")).await?;
    println!("retrieved {secret:?}"); // Debug never shows the value
    if let Err(e) = locker.retrieve("NOPE", None).await {
        println!("retrieve(NOPE) -> {} ({:?})", e, e.kind());
    }

    // Modify: value, description, key, environment.
    locker
        .modify(
            "DATABASE_URL",
            Some("staging"),
            SecretUpdate::new()
                .value("postgres://new-staging-db/app")
                .description("rotated"),
        )
        .await?;
    locker
        .create(NewSecret::new("LEGACY_TOKEN", "t0k3n"))
        .await?;
    locker
        .modify(
            "LEGACY_TOKEN",
            None,
            SecretUpdate::new().key("API_TOKEN").environment("staging"),
        )
        .await?;

    // List all secrets, or exactly one environment's.
    for s in locker.list_secrets(None).await? {
        println!(
            "{} in {}",
            s.key,
            s.environment_name.as_deref().unwrap_or("All")
        );
    }
    println!(
        "staging has {} secrets",
        locker.list_secrets(Some("staging")).await?.len()
    );

    // Export as dotenv or JSON.
    print!(
        "{}",
        locker.export(Some("staging"), ExportFormat::Dotenv).await?
    );
    println!("{}", locker.export(None, ExportFormat::Json).await?);

    // The blocking facade has the same methods, for programs without a runtime.
    let blocking = locker_config::blocking::Locker::new(locker.clone());
    let value =
        tokio::task::spawn_blocking(move || blocking.get("API_TOKEN", Some("staging"))).await??;
    println!("blocking get -> {}", value.is_some());
    Ok(())
}
