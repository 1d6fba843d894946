//! The async client for the Locker Secrets API.
//!
//! [`Locker`] speaks the wire protocol of the official SDKs: it authenticates with the access
//! key id, fetches the access key's profile once to unwrap the project key with the secret
//! access key, and then encrypts and decrypts every secret and environment on the client. The
//! server only ever sees cipher strings and lookup hashes.
//!
//! ```no_run
//! # async fn demo() -> locker_config::Result<()> {
//! use locker_config::{Locker, NewSecret};
//!
//! let locker = Locker::from_env()?; // LOCKER_ACCESS_KEY_ID, LOCKER_SECRET_ACCESS_KEY, …
//! locker
//!     .create(NewSecret::new("DATABASE_URL", "postgres://db/app").environment("staging"))
//!     .await?;
//! let url = locker.get("DATABASE_URL", Some("staging")).await?;
//! assert_eq!(url.as_deref(), Some("postgres://db/app"));
//! # Ok(()) }
//! ```

mod builder;
mod decrypt;
mod environments;
mod error_response;
mod export;
mod logging;
mod pagination;
mod profile_cache;
mod profile_file;
mod requests;
mod retry;
mod secrets;
mod sync;
#[cfg(test)]
pub(crate) mod test_project;
#[cfg(test)]
mod tests;
mod tls;
mod transport;

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::OnceCell;

use crate::error::{Error, ErrorKind, Result};
use crate::model::Environment;
use locker_protocol::crypto::{CryptoError, SymmetricKey};
use locker_protocol::wire::ProfileResponse;

pub use builder::{
    DEFAULT_MAX_NETWORK_RETRIES, DEFAULT_PAGE_SIZE, DEFAULT_READ_TIMEOUT, DEFAULT_WRITE_TIMEOUT,
    LockerBuilder,
};
pub use export::ExportFormat;
pub(crate) use profile_file::ProfileFile;
pub use requests::{EnvironmentUpdate, NewEnvironment, NewSecret, SecretUpdate};
#[cfg(test)]
pub(crate) use sync::Kept;
pub(crate) use sync::{Listing, Want};

/// A client for the Locker Secrets API.
///
/// Cheap to clone: clones share one connection pool and one cached profile (the project key
/// is fetched once per client, on first use; if that fetch fails, the next call tries again).
///
/// `Debug` shows the API base and the first characters of the access key id (the bearer
/// token), never the whole id or the secret access key.
#[derive(Clone)]
pub struct Locker {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    api_base: String,
    access_key_id: String,
    master_key: SymmetricKey,
    timeout: Option<Duration>,
    max_retries: u32,
    page_size: u32,
    session: OnceCell<Session>,
    /// Environments by name, as last looked up: `get`/`retrieve` with an environment cost one
    /// request on a warm client. An entry that no longer matches is refreshed on a miss.
    environments: Mutex<HashMap<String, Environment>>,
    /// Where the profile is kept between processes ([`LockerBuilder::profile_cache`]).
    profile_cache: Option<std::path::PathBuf>,
    /// The name hashes of the last few lists' selections, most recent last.
    want_hashes: Mutex<Vec<Arc<sync::WantHashes>>>,
}

/// What the access key's profile gives: the project and its key, unwrapped.
pub(crate) struct Session {
    pub(crate) project_id: i64,
    pub(crate) key: SymmetricKey,
    pub(crate) editable: Option<bool>,
}

impl fmt::Debug for Locker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Locker")
            .field("api_base", &self.inner.api_base)
            .field(
                "access_key_id",
                &crate::credentials::key_id_prefix(&self.inner.access_key_id),
            )
            .field("secret_access_key", &"[REDACTED]")
            .field("max_network_retries", &self.inner.max_retries)
            .finish_non_exhaustive()
    }
}

impl Locker {
    /// A builder with every setting at its default.
    pub fn builder() -> LockerBuilder {
        LockerBuilder::default()
    }

    /// A client from the environment: `LOCKER_ACCESS_KEY_ID`, `LOCKER_SECRET_ACCESS_KEY`,
    /// `LOCKER_API_BASE`, `LOCKER_LOG` (and the other names of [`crate::credentials`]), then
    /// `~/.locker/credential.json`. Same as `Locker::builder().build()`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Credentials`] naming what is missing and every place looked.
    pub fn from_env() -> Result<Locker> {
        Locker::builder().build()
    }

    /// A client with these credentials (other settings as in [`Locker::builder`]).
    ///
    /// # Errors
    ///
    /// As [`LockerBuilder::build`].
    pub fn new(
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<String>,
    ) -> Result<Locker> {
        Locker::builder()
            .access_key_id(access_key_id)
            .secret_access_key(secret_access_key)
            .build()
    }

    /// The API base URL requests go to (no trailing slash).
    pub fn api_base(&self) -> &str {
        &self.inner.api_base
    }

    /// The access key id.
    pub fn access_key_id(&self) -> &str {
        &self.inner.access_key_id
    }

    /// The project id of the access key (fetches the profile on first use).
    ///
    /// # Errors
    ///
    /// As any request; [`ErrorKind::Decryption`] if the secret access key does not match.
    pub async fn project_id(&self) -> Result<i64> {
        Ok(self.session().await?.project_id)
    }

    /// Whether the access key may write, when the server says (`editable` in the profile).
    ///
    /// # Errors
    ///
    /// As [`Locker::project_id`].
    pub async fn is_read_only(&self) -> Result<Option<bool>> {
        Ok(self.session().await?.editable.map(|e| !e))
    }

    /// The profile, if this client has it already (fetched, or adopted from a cache).
    pub(crate) fn known_session(&self) -> Option<&Session> {
        self.inner.session.get()
    }

    /// Takes `session` as this client's profile, unless it has one already. Only for a session
    /// whose key has just opened records of the project (see `Locker::sync_list_as`).
    pub(crate) fn adopt_session(&self, session: Session) {
        // Set already (a concurrent fetch won): that one stays.
        let _ = self.inner.session.set(session);
    }

    async fn session(&self) -> Result<&Session> {
        self.inner
            .session
            .get_or_try_init(|| async {
                let resp: ProfileResponse = self.read("/v1/profile".into()).await?;
                let profile = match resp.profile {
                    Some(p) if p.key.is_some() => p,
                    _ => resp.top,
                };
                let (Some(wrapped), Some(project_id)) = (profile.key, profile.project_id) else {
                    return Err(Error::new(
                        ErrorKind::InvalidResponse,
                        "the profile has no project key or project id",
                    ));
                };
                let key = self.inner.master_key.unwrap_key(&wrapped).map_err(|e| {
                    let msg = match e {
                        CryptoError::MacMismatch => {
                            "could not decrypt the project key: the secret access key does not \
                             match the access key id"
                        }
                        _ => "could not decrypt the project key in the access key's profile",
                    };
                    Error::new(ErrorKind::Decryption, msg).with_source(e)
                })?;
                let session = Session {
                    project_id,
                    key,
                    editable: profile.editable,
                };
                self.keep_profile(&session);
                Ok(session)
            })
            .await
    }
}

fn invalid(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidInput, msg)
}

fn check_name(what: &str, name: &str) -> Result<()> {
    if name.is_empty() {
        return Err(invalid(format!("the {what} must not be empty")));
    }
    Ok(())
}
