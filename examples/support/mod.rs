//! What the examples share: the embedded Locker-compatible server they run against when no
//! Locker credentials are set up, a client for it, and seeding a demo project.
//!
//! Every example compiles this module but uses only part of it, so unused items are allowed.
#![allow(dead_code)]

use std::error::Error;

use locker_config::{Locker, NewEnvironment, NewSecret, blocking};
use locker_server::LocalServer;

/// Starts the embedded server with one new project, and a client for that project. The server
/// stops when the returned [`LocalServer`] is dropped, so keep it alive for the whole program.
pub(crate) fn embedded() -> Result<(LocalServer, Locker), Box<dyn Error>> {
    let server = LocalServer::start()?;
    let key = server.create_project()?;
    let locker = Locker::builder()
        .access_key_id(key.access_key_id.clone())
        .secret_access_key(key.secret_access_key.clone())
        .api_base(server.base_url())
        .build()?;
    Ok((server, locker))
}

/// [`embedded`], with the blocking client, for examples without an async runtime.
pub(crate) fn embedded_blocking() -> Result<(LocalServer, blocking::Locker), Box<dyn Error>> {
    let (server, locker) = embedded()?;
    Ok((server, blocking::Locker::new(locker)))
}

/// Whether any credential is set up: an access key id or secret access key variable, or a
/// credential file (which `Locker::from_env` reports on when it is unreadable or malformed).
/// Credentials that are set but broken are an error worth seeing, not a reason to fall back to
/// the embedded server.
pub(crate) fn credentials_set() -> bool {
    use locker_config::credentials::{
        ACCESS_KEY_ID_VARS, CREDENTIAL_FILES, SECRET_ACCESS_KEY_VARS,
    };
    let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
    ACCESS_KEY_ID_VARS
        .iter()
        .chain(SECRET_ACCESS_KEY_VARS)
        .any(|var| std::env::var_os(var).is_some())
        || home.is_some_and(|home| CREDENTIAL_FILES.iter().any(|f| home.join(f).exists()))
}

/// Creates `environments`, then `secrets` as `(environment, key, value)`, `None` being "All".
pub(crate) fn seed(
    locker: &blocking::Locker,
    environments: &[&str],
    secrets: &[(Option<&str>, &str, &str)],
) -> Result<(), Box<dyn Error>> {
    for env in environments {
        locker.create_environment(NewEnvironment::new(*env))?;
    }
    for (env, key, value) in secrets {
        let mut secret = NewSecret::new(*key, *value);
        if let Some(env) = env {
            secret = secret.environment(*env);
        }
        locker.create(secret)?;
    }
    Ok(())
}
