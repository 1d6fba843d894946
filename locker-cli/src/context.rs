//! What every command runs with: the global options, who owns standard input, and the library
//! client built from them on first use (credentials, API base and logging resolved by
//! `locker_config` exactly as for any program using it).

use std::cell::OnceCell;
use std::io::Read as _;

use locker_config::Locker;
use zeroize::Zeroizing;

use crate::cli::Global;
use crate::error::{CliResult, Failure};

/// What commands need to reach Locker; the client is built on first use, so a command that
/// fails on its own input does so before credentials are looked at.
#[derive(Debug)]
pub(crate) struct Context {
    global: Global,
    stdin_taken: bool,
    client: OnceCell<Locker>,
}

impl Context {
    pub(crate) fn new(global: Global) -> Self {
        Context {
            global,
            stdin_taken: false,
            client: OnceCell::new(),
        }
    }

    /// Claims standard input for a command's own data (a value, a file).
    ///
    /// # Errors
    ///
    /// A usage failure when `--secret-access-key-stdin` already claims it.
    pub(crate) fn take_stdin(&mut self, what: &str) -> CliResult<()> {
        if self.global.secret_access_key_stdin || self.stdin_taken {
            return Err(Failure::usage(format!(
                "standard input cannot carry both the secret access key and {what}; give the \
                 key through LOCKER_SECRET_ACCESS_KEY or the credential file instead"
            )));
        }
        self.stdin_taken = true;
        Ok(())
    }

    /// The client.
    ///
    /// # Errors
    ///
    /// The library's credential and settings errors (exit code 3 for missing credentials).
    pub(crate) fn client(&self) -> CliResult<Locker> {
        if let Some(client) = self.client.get() {
            return Ok(client.clone());
        }
        let mut builder =
            Locker::builder().user_agent_suffix(concat!("locker-cli/", env!("CARGO_PKG_VERSION")));
        if let Some(base) = &self.global.api_base {
            builder = builder.api_base(base);
        }
        if self.global.secret_access_key_stdin {
            builder = builder.secret_access_key(read_key_from_stdin()?.as_str());
        }
        // The profile from the cache directory, as the library's loads keep it: a command
        // sends no profile request when an earlier one left it (`--no-cache`: always fetched).
        if !self.global.no_cache {
            builder = builder.default_profile_cache();
        }
        let client = builder.build()?;
        Ok(self.client.get_or_init(|| client).clone())
    }
}

/// The first line of standard input, trimmed.
fn read_key_from_stdin() -> CliResult<Zeroizing<String>> {
    let mut text = Zeroizing::new(String::new());
    std::io::stdin().read_to_string(&mut text).map_err(|e| {
        Failure::usage(format!(
            "could not read the secret access key from standard input: {e}"
        ))
    })?;
    let key = Zeroizing::new(text.lines().next().unwrap_or_default().trim().to_string());
    if key.is_empty() {
        return Err(Failure::with_code(
            crate::error::AUTH,
            "--secret-access-key-stdin was given but standard input is empty",
        ));
    }
    Ok(key)
}
