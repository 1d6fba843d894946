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

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use tokio::sync::OnceCell;
use tracing::Instrument;
use zeroize::Zeroizing;

use crate::credentials::{self, Explicit};
use crate::crypto::{CipherString, CryptoError, SymmetricKey, name_hash};
use crate::export::{self, ExportFormat};
use crate::retry::{self, Outcome};
use crate::wire::{
    EnvironmentBody, ListResponse, ProfileResponse, SecretBody, WireEnvironment, WireSecret,
};
use crate::{Environment, Error, ErrorKind, Result, SecretRecord, logging};

/// The default number of times a failed read is retried.
pub const DEFAULT_MAX_NETWORK_RETRIES: u32 = 2;
/// The default timeout of a read (GET) request.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// The default timeout of a write (POST, PUT) request.
pub const DEFAULT_WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// The default page size of list requests (what official clients send).
pub const DEFAULT_PAGE_SIZE: u32 = 2000;

/// The largest response body the client reads; a longer one is an invalid response.
const MAX_RESPONSE_BODY: usize = 16 * 1024 * 1024;
/// The most pages a single list follows before giving up (a server looping on `next`).
const MAX_PAGES: usize = 10_000;

/// The four duplicate messages the server answers with HTTP 400.
const DUPLICATE_MESSAGES: &[&str] = &[
    "This secret hash already exists",
    "This hash value already existed",
    "This environment hash already exists",
    "The environment hash already existed",
];

/// A client for the Locker Secrets API.
///
/// Cheap to clone: clones share one connection pool and one cached profile (the project key
/// is fetched once per client, on first use; if that fetch fails, the next call tries again).
///
/// `Debug` shows the API base and the access key id, never the secret access key.
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
}

struct Session {
    project_id: i64,
    key: SymmetricKey,
    editable: Option<bool>,
}

impl fmt::Debug for Locker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Locker")
            .field("api_base", &self.inner.api_base)
            .field("access_key_id", &self.inner.access_key_id)
            .field("secret_access_key", &"[REDACTED]")
            .field("max_network_retries", &self.inner.max_retries)
            .finish_non_exhaustive()
    }
}

/// Builds a [`Locker`]; start with [`Locker::builder`].
///
/// Settings not given fall back to environment variables and then the credential file (see
/// [`crate::credentials`]). Invalid settings (a bad URL, header, log level or secret access
/// key) are reported once, by [`LockerBuilder::build`].
///
/// ```
/// use std::time::Duration;
/// let locker = locker_config::Locker::builder()
///     .access_key_id("4b4a4b0e-3b0c-4f8e-9d5e-6f1b2f3c4d5e")
///     .secret_access_key("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
///     .api_base("http://127.0.0.1:8000")
///     .timeout(Duration::from_secs(5))
///     .max_network_retries(3)
///     .build()
///     .unwrap();
/// assert!(!format!("{locker:?}").contains("AAECAwQF"));
/// ```
#[must_use]
#[derive(Clone)]
pub struct LockerBuilder {
    explicit: Explicit,
    headers: Vec<(String, String)>,
    timeout: Option<Duration>,
    max_retries: u32,
    log: Option<String>,
    user_agent_suffix: Option<String>,
    page_size: u32,
}

impl Default for LockerBuilder {
    fn default() -> Self {
        LockerBuilder {
            explicit: Explicit::default(),
            headers: Vec::new(),
            timeout: None,
            max_retries: DEFAULT_MAX_NETWORK_RETRIES,
            log: None,
            user_agent_suffix: None,
            page_size: DEFAULT_PAGE_SIZE,
        }
    }
}

impl fmt::Debug for LockerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let header_names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("LockerBuilder")
            .field("access_key_id", &self.explicit.access_key_id)
            .field(
                "secret_access_key",
                &self
                    .explicit
                    .secret_access_key
                    .as_ref()
                    .map(|_| "[REDACTED]"),
            )
            .field("api_base", &self.explicit.api_base)
            .field("headers", &header_names)
            .field("timeout", &self.timeout)
            .field("max_network_retries", &self.max_retries)
            .field("log", &self.log)
            .field("user_agent_suffix", &self.user_agent_suffix)
            .field("page_size", &self.page_size)
            .finish()
    }
}

impl LockerBuilder {
    /// The access key id. Default: `LOCKER_ACCESS_KEY_ID` / `ACCESS_KEY_ID`, then the
    /// credential file.
    pub fn access_key_id(mut self, id: impl Into<String>) -> Self {
        self.explicit.access_key_id = Some(id.into());
        self
    }

    /// The secret access key (standard base64). It decrypts the project key and is never sent
    /// to the server. Default: `LOCKER_SECRET_ACCESS_KEY` (and the other variables of
    /// [`crate::credentials`]), then the credential file.
    pub fn secret_access_key(mut self, key: impl Into<String>) -> Self {
        self.explicit.secret_access_key = Some(Zeroizing::new(key.into()));
        self
    }

    /// The API base URL, e.g. `https://api.locker.io/locker_secrets` (the default; also read
    /// from `LOCKER_API_BASE`). A trailing slash is stripped.
    pub fn api_base(mut self, base: impl Into<String>) -> Self {
        self.explicit.api_base = Some(base.into());
        self
    }

    /// Adds a header sent with every request, after the client's own headers so it can
    /// override them (e.g. Cloudflare Access `CF-Access-Client-Id`). Default: none. Header
    /// values are never logged.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The timeout of every request. Default: 10 s for reads, 30 s for writes.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// How many times a failed read (connection failure, timeout, HTTP 429/502/503/504) is
    /// retried, with jittered exponential backoff honouring `Retry-After`. Writes are never
    /// retried. Default: 2.
    pub fn max_network_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// Installs a stderr logger at this level (`debug`, `info`, `warning` or `error`) if the
    /// program has no `tracing` subscriber. Default: the `LOCKER_LOG` environment variable,
    /// else no logger.
    pub fn log(mut self, level: impl Into<String>) -> Self {
        self.log = Some(level.into());
        self
    }

    /// Text appended to the `User-Agent` (`Locker Secret Rust SDK - version X`). Default: none.
    pub fn user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.user_agent_suffix = Some(suffix.into());
        self
    }

    /// The page size of list requests. Default: 2000.
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = size;
        self
    }

    /// Builds a [`crate::blocking::Locker`], the synchronous facade, for programs without an
    /// async runtime.
    ///
    /// ```no_run
    /// let locker = locker_config::Locker::builder()
    ///     .api_base("http://127.0.0.1:8787")
    ///     .build_blocking()?;
    /// let environments = locker.list_environments()?;
    /// # let _ = environments;
    /// # Ok::<(), locker_config::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`LockerBuilder::build`].
    pub fn build_blocking(self) -> Result<crate::blocking::Locker> {
        self.build().map(crate::blocking::Locker::new)
    }

    /// Builds the client. No request is sent yet.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Credentials`] when the access key id or secret access key is missing, or the
    /// secret access key is not valid base64; [`ErrorKind::InvalidInput`] for an invalid API
    /// base URL, header, log level or page size.
    pub fn build(self) -> Result<Locker> {
        let env_log = std::env::var(logging::LOG_VAR).ok();
        let creds = credentials::resolve_from_process(self.explicit.clone())?;
        self.build_with(creds, env_log)
    }

    fn build_with(
        self,
        creds: credentials::Credentials,
        env_log: Option<String>,
    ) -> Result<Locker> {
        // Logging first, so the rest of the build can log.
        match &self.log {
            Some(level) => logging::install(logging::parse_level(level)?),
            None => {
                // An unusable LOCKER_LOG is ignored rather than breaking the program.
                if let Some(level) = env_log
                    .as_deref()
                    .and_then(|l| logging::parse_level(l).ok())
                {
                    logging::install(level);
                }
            }
        }

        let api_base = normalize_api_base(creds.api_base())?;
        if self.page_size == 0 {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                "the page size must be at least 1",
            ));
        }
        let access_key_id = creds.access_key_id().trim().to_string();
        let master_key = SymmetricKey::from_secret_access_key(
            creds.expose_secret_access_key().trim(),
        )
        .map_err(|e| {
            Error::new(
                ErrorKind::Credentials,
                format!("the secret access key is unusable: {e}"),
            )
            .with_source(e)
        })?;

        let mut headers = HeaderMap::new();
        let mut auth = HeaderValue::from_str(&format!("Bearer {access_key_id}")).map_err(|_| {
            Error::new(
                ErrorKind::Credentials,
                "the access key id contains characters not allowed in an HTTP header",
            )
        })?;
        auth.set_sensitive(true);
        headers.insert(reqwest::header::AUTHORIZATION, auth);
        let mut user_agent = format!(
            "Locker Secret Rust SDK - version {}",
            env!("CARGO_PKG_VERSION")
        );
        if let Some(suffix) = self.user_agent_suffix.as_deref().filter(|s| !s.is_empty()) {
            user_agent.push(' ');
            user_agent.push_str(suffix);
        }
        headers.insert(
            reqwest::header::USER_AGENT,
            HeaderValue::from_str(&user_agent).map_err(|_| {
                Error::new(
                    ErrorKind::InvalidInput,
                    "the user agent suffix contains characters not allowed in an HTTP header",
                )
            })?,
        );
        headers.insert(
            reqwest::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        headers.insert(
            reqwest::header::CACHE_CONTROL,
            HeaderValue::from_static("no-cache"),
        );
        for (name, value) in &self.headers {
            let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                Error::new(
                    ErrorKind::InvalidInput,
                    format!("invalid header name {name:?}"),
                )
            })?;
            let mut value = HeaderValue::from_str(value).map_err(|_| {
                Error::new(
                    ErrorKind::InvalidInput,
                    format!("the value of header {name} contains characters not allowed in an HTTP header"),
                )
            })?;
            value.set_sensitive(true);
            headers.insert(name, value);
        }

        let http = reqwest::Client::builder()
            .default_headers(headers)
            .connect_timeout(self.timeout.unwrap_or(DEFAULT_READ_TIMEOUT))
            .build()
            .map_err(|e| {
                Error::new(
                    ErrorKind::InvalidInput,
                    format!("could not build the HTTP client: {e}"),
                )
                .with_source(e)
            })?;

        Ok(Locker {
            inner: Arc::new(Inner {
                http,
                api_base,
                access_key_id,
                master_key,
                timeout: self.timeout,
                max_retries: self.max_retries,
                page_size: self.page_size,
                session: OnceCell::new(),
            }),
        })
    }
}

fn normalize_api_base(base: &str) -> Result<String> {
    let trimmed = base.trim().trim_end_matches('/');
    let parsed = url::Url::parse(trimmed).map_err(|e| {
        Error::new(
            ErrorKind::InvalidInput,
            format!("invalid API base URL {trimmed:?}: {e}"),
        )
    })?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            format!("invalid API base URL {trimmed:?}: expected an http or https URL"),
        ));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            format!("invalid API base URL {trimmed:?}: it must not have a query or fragment"),
        ));
    }
    Ok(trimmed.to_string())
}

/// A secret to create: key, value, and optionally a description and an environment.
///
/// ```
/// let s = locker_config::NewSecret::new("REDIS_URL", "redis://cache:6379")
///     .description("the cache")
///     .environment("staging");
/// # let _ = s;
/// ```
#[derive(Clone)]
#[must_use]
pub struct NewSecret {
    key: String,
    value: Zeroizing<String>,
    description: Option<String>,
    environment: Option<String>,
}

impl NewSecret {
    /// A secret `key` = `value` in "All" (every environment), without description.
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Self {
        NewSecret {
            key: key.into(),
            value: Zeroizing::new(value.into()),
            description: None,
            environment: None,
        }
    }

    /// A description. Default: none.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// The environment (by name) the secret belongs to. Default: none, i.e. "All".
    pub fn environment(mut self, environment: impl Into<String>) -> Self {
        self.environment = Some(environment.into());
        self
    }
}

impl fmt::Debug for NewSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewSecret")
            .field("key", &self.key)
            .field("value", &"[REDACTED]")
            .field("description", &self.description)
            .field("environment", &self.environment)
            .finish()
    }
}

/// Changes to a secret; fields not set stay as they are.
///
/// ```
/// let u = locker_config::SecretUpdate::new().value("new value").environment("production");
/// # let _ = u;
/// ```
#[derive(Clone, Default)]
#[must_use]
pub struct SecretUpdate {
    value: Option<Zeroizing<String>>,
    key: Option<String>,
    description: Option<String>,
    environment: Option<Option<String>>,
}

impl SecretUpdate {
    /// No changes yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// A new value.
    pub fn value(mut self, value: impl Into<String>) -> Self {
        self.value = Some(Zeroizing::new(value.into()));
        self
    }

    /// A new key (rename).
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// A new description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Moves the secret to the environment with this name.
    pub fn environment(mut self, environment: impl Into<String>) -> Self {
        self.environment = Some(Some(environment.into()));
        self
    }

    /// Moves the secret to "All" (no environment).
    pub fn environment_all(mut self) -> Self {
        self.environment = Some(None);
        self
    }
}

impl fmt::Debug for SecretUpdate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretUpdate")
            .field("value", &self.value.as_ref().map(|_| "[REDACTED]"))
            .field("key", &self.key)
            .field("description", &self.description)
            .field("environment", &self.environment)
            .finish()
    }
}

/// An environment to create.
///
/// ```
/// let e = locker_config::NewEnvironment::new("staging")
///     .external_url("https://staging.example.com")
///     .description("pre-production");
/// # let _ = e;
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct NewEnvironment {
    name: String,
    external_url: Option<String>,
    description: Option<String>,
}

impl NewEnvironment {
    /// An environment called `name`, without URL or description.
    pub fn new(name: impl Into<String>) -> Self {
        NewEnvironment {
            name: name.into(),
            external_url: None,
            description: None,
        }
    }

    /// The environment's external URL. Default: none.
    pub fn external_url(mut self, url: impl Into<String>) -> Self {
        self.external_url = Some(url.into());
        self
    }

    /// A description. Default: none.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
}

/// Changes to an environment; fields not set stay as they are.
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct EnvironmentUpdate {
    name: Option<String>,
    external_url: Option<String>,
    description: Option<String>,
}

impl EnvironmentUpdate {
    /// No changes yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// A new name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// A new external URL.
    pub fn external_url(mut self, url: impl Into<String>) -> Self {
        self.external_url = Some(url.into());
        self
    }

    /// A new description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
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

fn env_label(environment: Option<&str>) -> String {
    match environment {
        Some(e) => format!("environment {e:?}"),
        None => "\"All\"".to_string(),
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

    // ---- secrets -------------------------------------------------------------------------

    /// All secrets (`None`), each with its environment name, or exactly the secrets of one
    /// environment (no "All" fallback; an unknown environment is a [`ErrorKind::NotFound`]
    /// error).
    ///
    /// # Errors
    ///
    /// As any request, plus [`ErrorKind::Decryption`] if a field cannot be decrypted.
    pub async fn list_secrets(&self, environment: Option<&str>) -> Result<Vec<SecretRecord>> {
        let session = self.session().await?;
        match environment {
            None => {
                let wire: Vec<WireSecret> = self
                    .list_all("/v1/secrets", "count_secrets", "hash", "")
                    .await?;
                self.decrypt_secrets(session, wire, HashMap::new()).await
            }
            Some(name) => {
                check_name("environment name", name)?;
                let env = self.require_environment(name).await?;
                let wire: Vec<WireSecret> = self
                    .list_all("/v1/secrets", "count_secrets", "environment_id", &env.id)
                    .await?;
                let wire = wire
                    .into_iter()
                    .filter(|s| s.environment_id.as_deref() == Some(env.id.as_str()))
                    .collect();
                let mut names = HashMap::new();
                names.insert(env.id.clone(), env.name.clone());
                self.decrypt_secrets(session, wire, names).await
            }
        }
    }

    /// The value of `key` in `environment`, else in "All"; `None` if neither exists. Without
    /// an environment, the value in "All".
    ///
    /// # Errors
    ///
    /// As any request.
    pub async fn get(&self, key: &str, environment: Option<&str>) -> Result<Option<String>> {
        Ok(self.find(key, environment, true).await?.map(|s| s.value))
    }

    /// Like [`Locker::get`], with `default_value` when the secret does not exist.
    ///
    /// # Errors
    ///
    /// As any request.
    pub async fn get_or(
        &self,
        key: &str,
        environment: Option<&str>,
        default_value: &str,
    ) -> Result<String> {
        Ok(self
            .get(key, environment)
            .await?
            .unwrap_or_else(|| default_value.to_string()))
    }

    /// The full secret `key` in `environment`, else in "All".
    ///
    /// # Errors
    ///
    /// [`ErrorKind::NotFound`] if it exists in neither; otherwise as any request.
    pub async fn retrieve(&self, key: &str, environment: Option<&str>) -> Result<SecretRecord> {
        self.find(key, environment, true).await?.ok_or_else(|| {
            Error::new(
                ErrorKind::NotFound,
                format!("no secret {key:?} in {} or \"All\"", env_label(environment)),
            )
        })
    }

    /// Creates a secret. Its environment, if any, must exist.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::NotFound`] for an unknown environment (nothing is written),
    /// [`ErrorKind::Conflict`] if the key already exists in that environment,
    /// [`ErrorKind::PermissionDenied`] with a read-only key; otherwise as any request.
    pub async fn create(&self, secret: NewSecret) -> Result<SecretRecord> {
        check_name("secret key", &secret.key)?;
        let session = self.session().await?;
        let mut body = SecretBody {
            key: Some(session.key.encrypt(&secret.key)),
            hash: name_hash(session.project_id, &secret.key),
            value: Some(session.key.encrypt(&secret.value)),
            description: secret
                .description
                .as_deref()
                .map(|d| session.key.encrypt(d)),
            ..Default::default()
        };
        let mut names = HashMap::new();
        if let Some(name) = secret.environment.as_deref() {
            check_name("environment name", name)?;
            let env = self.require_environment(name).await?;
            body.environment_id = Some(env.id.clone());
            body.environment_name = Some(session.key.encrypt(name));
            names.insert(env.id, env.name);
        }
        let wire: WireSecret = self
            .write(Method::POST, "/v1/secrets".into(), &body)
            .await?;
        self.decrypt_secret_one(session, wire, names).await
    }

    /// Changes the secret `key` in exactly `environment` (`None`: the one in "All").
    ///
    /// # Errors
    ///
    /// [`ErrorKind::NotFound`] if that secret or the target environment does not exist;
    /// [`ErrorKind::Conflict`] if the new key already exists there; otherwise as any request.
    pub async fn modify(
        &self,
        key: &str,
        environment: Option<&str>,
        update: SecretUpdate,
    ) -> Result<SecretRecord> {
        let session = self.session().await?;
        let current = self.find(key, environment, false).await?.ok_or_else(|| {
            Error::new(
                ErrorKind::NotFound,
                format!("no secret {key:?} in {}", env_label(environment)),
            )
        })?;
        let new_key = update.key.as_deref().unwrap_or(key);
        check_name("secret key", new_key)?;
        let mut body = SecretBody {
            key: update.key.as_deref().map(|k| session.key.encrypt(k)),
            hash: name_hash(session.project_id, new_key),
            value: update.value.as_deref().map(|v| session.key.encrypt(v)),
            description: update
                .description
                .as_deref()
                .map(|d| session.key.encrypt(d)),
            ..Default::default()
        };
        let mut names = HashMap::new();
        if let (Some(id), Some(name)) = (&current.environment_id, &current.environment_name) {
            names.insert(id.clone(), name.clone());
        }
        match &update.environment {
            None => {}
            Some(None) => {
                body.environment_id = Some(String::new());
                body.environment_name = Some(session.key.encrypt(""));
            }
            Some(Some(name)) => {
                check_name("environment name", name)?;
                let env = self.require_environment(name).await?;
                body.environment_id = Some(env.id.clone());
                body.environment_name = Some(session.key.encrypt(name));
                names.insert(env.id, env.name);
            }
        }
        let path = format!("/v1/secrets/{}", encode_segment(&current.id));
        let wire: WireSecret = self.write(Method::PUT, path, &body).await?;
        self.decrypt_secret_one(session, wire, names).await
    }

    /// Exports all secrets (`None`) or exactly one environment's secrets (no "All" fallback,
    /// like the official SDKs) as dotenv or JSON; see [`ExportFormat`].
    ///
    /// # Errors
    ///
    /// As [`Locker::list_secrets`].
    pub async fn export(&self, environment: Option<&str>, format: ExportFormat) -> Result<String> {
        let secrets = self.list_secrets(environment).await?;
        export::render(&secrets, format)
    }

    // ---- environments --------------------------------------------------------------------

    /// Every environment of the project.
    ///
    /// # Errors
    ///
    /// As any request.
    pub async fn list_environments(&self) -> Result<Vec<Environment>> {
        let session = self.session().await?;
        let wire: Vec<WireEnvironment> = self
            .list_all("/v1/environments", "count_environment", "hash", "")
            .await?;
        wire.into_iter()
            .map(|e| decrypt_environment(session, e))
            .collect()
    }

    /// The environment called `name`, or `None`.
    ///
    /// # Errors
    ///
    /// As any request.
    pub async fn get_environment(&self, name: &str) -> Result<Option<Environment>> {
        check_name("environment name", name)?;
        let session = self.session().await?;
        let hash = name_hash(session.project_id, name);
        let wire: Vec<WireEnvironment> = self
            .list_all("/v1/environments", "count_environment", "hash", &hash)
            .await?;
        for e in wire {
            let env = decrypt_environment(session, e)?;
            if env.name == name {
                return Ok(Some(env));
            }
        }
        Ok(None)
    }

    /// Creates an environment.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Conflict`] if the name exists; otherwise as any request.
    pub async fn create_environment(&self, env: NewEnvironment) -> Result<Environment> {
        check_name("environment name", &env.name)?;
        let session = self.session().await?;
        let body = EnvironmentBody {
            name: Some(session.key.encrypt(&env.name)),
            hash: name_hash(session.project_id, &env.name),
            external_url: env.external_url.as_deref().map(|u| session.key.encrypt(u)),
            description: env.description.as_deref().map(|d| session.key.encrypt(d)),
        };
        let wire: WireEnvironment = self
            .write(Method::POST, "/v1/environments".into(), &body)
            .await?;
        decrypt_environment(session, wire)
    }

    /// Changes the environment called `name`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::NotFound`] if it does not exist, [`ErrorKind::Conflict`] if the new name
    /// exists; otherwise as any request.
    pub async fn modify_environment(
        &self,
        name: &str,
        update: EnvironmentUpdate,
    ) -> Result<Environment> {
        let session = self.session().await?;
        let current = self.require_environment(name).await?;
        let new_name = update.name.as_deref().unwrap_or(name);
        check_name("environment name", new_name)?;
        let body = EnvironmentBody {
            name: update.name.as_deref().map(|n| session.key.encrypt(n)),
            hash: name_hash(session.project_id, new_name),
            external_url: update
                .external_url
                .as_deref()
                .map(|u| session.key.encrypt(u)),
            description: update
                .description
                .as_deref()
                .map(|d| session.key.encrypt(d)),
        };
        let path = format!("/v1/environments/{}", encode_segment(&current.id));
        let wire: WireEnvironment = self.write(Method::PUT, path, &body).await?;
        decrypt_environment(session, wire)
    }

    // ---- internals -----------------------------------------------------------------------

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
                Ok(Session {
                    project_id,
                    key,
                    editable: profile.editable,
                })
            })
            .await
    }

    async fn require_environment(&self, name: &str) -> Result<Environment> {
        self.get_environment(name).await?.ok_or_else(|| {
            Error::new(
                ErrorKind::NotFound,
                format!("no environment named {name:?}"),
            )
        })
    }

    /// The secret `key` in `environment` (falling back to "All" when `fallback`).
    async fn find(
        &self,
        key: &str,
        environment: Option<&str>,
        fallback: bool,
    ) -> Result<Option<SecretRecord>> {
        check_name("secret key", key)?;
        if let Some(e) = environment {
            check_name("environment name", e)?;
        }
        let session = self.session().await?;
        // Environments are matched by id, so a renamed environment still finds its secrets.
        let target = match environment {
            Some(name) => self.get_environment(name).await?,
            None => None,
        };
        if environment.is_some() && target.is_none() && !fallback {
            return Ok(None);
        }
        let hash = name_hash(session.project_id, key);
        let wire: Vec<WireSecret> = self
            .list_all("/v1/secrets", "count_secrets", "hash", &hash)
            .await?;
        let target_id = target.as_ref().map(|e| e.id.as_str());
        let wire: Vec<WireSecret> = wire
            .into_iter()
            .filter(|w| {
                let id = w.environment_id.as_deref().filter(|id| !id.is_empty());
                id.is_none() || id == target_id
            })
            .collect();
        let names = target
            .as_ref()
            .map(|e| HashMap::from([(e.id.clone(), e.name.clone())]));
        let secrets = self
            .decrypt_secrets(session, wire, names.unwrap_or_default())
            .await?;
        let mut in_env = None;
        let mut in_all = None;
        for s in secrets.into_iter().filter(|s| s.key == key) {
            if s.environment_id.is_none() {
                in_all = in_all.or(Some(s));
            } else {
                in_env = in_env.or(Some(s));
            }
        }
        Ok(match environment {
            Some(_) if fallback => in_env.or(in_all),
            Some(_) => in_env,
            None => in_all,
        })
    }

    async fn decrypt_secret_one(
        &self,
        session: &Session,
        wire: WireSecret,
        names: HashMap<String, String>,
    ) -> Result<SecretRecord> {
        self.decrypt_secrets(session, vec![wire], names)
            .await?
            .pop()
            .ok_or_else(|| Error::new(ErrorKind::InvalidResponse, "empty secret"))
    }

    /// Decrypts secrets. Environment names come from `names` (id → name), else from the
    /// project's environment list (fetched once if a secret's environment is not in `names`),
    /// else from the secret's own encrypted `environment_name`.
    async fn decrypt_secrets(
        &self,
        session: &Session,
        wire: Vec<WireSecret>,
        mut names: HashMap<String, String>,
    ) -> Result<Vec<SecretRecord>> {
        // The server sends each secret's environment name (encrypted); only a secret without
        // one costs an extra request for the environment list.
        let unknown = wire.iter().any(|w| {
            w.environment_id
                .as_deref()
                .is_some_and(|id| !id.is_empty() && !names.contains_key(id))
                && w.environment_name.as_deref().is_none_or(str::is_empty)
        });
        if unknown {
            for e in self.list_environments().await? {
                names.entry(e.id).or_insert(e.name);
            }
        }
        let mut out = Vec::with_capacity(wire.len());
        for w in wire {
            let environment_id = w.environment_id.filter(|id| !id.is_empty());
            let environment_name = match (&environment_id, w.environment_name.as_deref()) {
                (None, _) => None,
                (Some(id), wire_name) => match names.get(id) {
                    Some(n) => Some(n.clone()),
                    None => match wire_name {
                        Some(n) => Some(decrypt_field(
                            &session.key,
                            n,
                            "environment name of a secret",
                        )?)
                        .filter(|n| !n.is_empty()),
                        None => None,
                    },
                },
            };
            let data = w.data.unwrap_or_default();
            let key = w.key.or(data.key).ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidResponse,
                    "a secret in the response has no key",
                )
            })?;
            let value = w.value.or(data.value).unwrap_or_default();
            let description = w.description.or(data.description);
            let id = w.id.ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidResponse,
                    "a secret in the response has no id",
                )
            })?;
            let mut record = SecretRecord {
                id,
                key: decrypt_field(&session.key, &key, "key of a secret")?,
                value: decrypt_field(&session.key, &value, "value of a secret")?,
                description: None,
                environment_id,
                environment_name,
                project_id: w.project_id.unwrap_or(session.project_id),
                creation_date: w.creation_date,
                revision_date: w.revision_date,
            };
            record.description = match description {
                Some(d) => Some(decrypt_field(&session.key, &d, "description of a secret")?),
                None => None,
            };
            out.push(record);
        }
        Ok(out)
    }

    /// Follows `next` from the first page of `path` until done.
    async fn list_all<T: DeserializeOwned>(
        &self,
        path: &str,
        count_param: &str,
        filter: &str,
        filter_value: &str,
    ) -> Result<Vec<T>> {
        let mut url = format!(
            "{path}?{count_param}=1&page=1&paging=1&revision_date=0.000000&size={}&{filter}={filter_value}",
            self.inner.page_size
        );
        let mut items = Vec::new();
        let mut seen = std::collections::HashSet::new();
        loop {
            if !seen.insert(url.clone()) || seen.len() > MAX_PAGES {
                return Err(Error::new(
                    ErrorKind::InvalidResponse,
                    format!("the server's pagination of {path} does not end"),
                ));
            }
            let page: ListResponse<T> = self.read(url.clone()).await?;
            let (mut results, next) = page.into_parts();
            let empty = results.is_empty();
            items.append(&mut results);
            match next {
                Some(next) if !empty => url = self.relative_next(&next)?,
                _ => return Ok(items),
            }
        }
    }

    /// `next` is a path relative to the API base; an absolute URL is accepted only under it.
    fn relative_next(&self, next: &str) -> Result<String> {
        let next = next.trim();
        if next.starts_with("http://") || next.starts_with("https://") {
            return match next.strip_prefix(self.inner.api_base.as_str()) {
                Some(rest) if rest.starts_with('/') => Ok(rest.to_string()),
                _ => Err(Error::new(
                    ErrorKind::InvalidResponse,
                    "the server's next page link points outside the API base",
                )),
            };
        }
        Ok(if next.starts_with('/') {
            next.to_string()
        } else {
            format!("/{next}")
        })
    }

    async fn read<T: DeserializeOwned>(&self, path_and_query: String) -> Result<T> {
        let body = self.send(Method::GET, path_and_query, None).await?;
        parse_json(&body.0, &body.1)
    }

    async fn write<T: DeserializeOwned, B: serde::Serialize>(
        &self,
        method: Method,
        path: String,
        body: &B,
    ) -> Result<T> {
        let bytes = serde_json::to_vec_pretty(body).map_err(|e| {
            Error::new(
                ErrorKind::InvalidInput,
                "could not serialize the request body",
            )
            .with_source(e)
        })?;
        let body = self.send(method, path, Some(bytes)).await?;
        parse_json(&body.0, &body.1)
    }

    /// Sends one API call (with retries for reads) and returns the success body and a label.
    async fn send(
        &self,
        method: Method,
        path_and_query: String,
        body: Option<Vec<u8>>,
    ) -> Result<(Vec<u8>, String)> {
        let path = path_and_query
            .split('?')
            .next()
            .unwrap_or_default()
            .to_string();
        let label = format!("{method} {path}");
        let span = tracing::debug_span!(
            "locker_api",
            method = %method,
            path = %path,
            status = tracing::field::Empty,
            attempts = tracing::field::Empty,
        );
        let is_read = method == Method::GET;
        let timeout = self.inner.timeout.unwrap_or(if is_read {
            DEFAULT_READ_TIMEOUT
        } else {
            DEFAULT_WRITE_TIMEOUT
        });
        let url = format!("{}{}", self.inner.api_base, path_and_query);
        let max_retries = if is_read { self.inner.max_retries } else { 0 };
        async move {
            let mut attempt = 0u32;
            loop {
                attempt += 1;
                let started = Instant::now();
                let mut req = self.inner.http.request(method.clone(), &url).timeout(timeout);
                if let Some(b) = &body {
                    req = req.body(b.clone());
                }
                let result = match req.send().await {
                    Ok(resp) => {
                        let status = resp.status();
                        let retry_after = resp
                            .headers()
                            .get(reqwest::header::RETRY_AFTER)
                            .and_then(|v| v.to_str().ok())
                            .and_then(retry::parse_retry_after);
                        match read_capped(resp).await {
                            Ok((bytes, truncated)) => Ok((status, retry_after, bytes, truncated)),
                            Err(e) => Err(e),
                        }
                    }
                    Err(e) => Err(e),
                };
                let elapsed_ms = started.elapsed().as_millis() as u64;
                let span = tracing::Span::current();
                span.record("attempts", attempt);
                let (outcome, error) = match result {
                    Ok((status, retry_after, bytes, truncated)) => {
                        span.record("status", status.as_u16());
                        tracing::debug!(status = status.as_u16(), attempt, elapsed_ms, "locker api response");
                        if status.is_success() {
                            if truncated {
                                return Err(Error::new(
                                    ErrorKind::InvalidResponse,
                                    format!("the response to {label} is larger than {MAX_RESPONSE_BODY} bytes"),
                                )
                                .with_status(status.as_u16()));
                            }
                            return Ok((bytes, label));
                        }
                        (
                            Outcome::Status {
                                status: status.as_u16(),
                                retry_after,
                            },
                            error_from_response(status.as_u16(), retry_after, &bytes),
                        )
                    }
                    Err(e) => {
                        let what = if e.is_timeout() {
                            format!("{label} timed out after {timeout:?}")
                        } else if e.is_connect() {
                            format!("could not connect to the Locker server for {label}")
                        } else {
                            format!("the connection failed during {label}")
                        };
                        tracing::debug!(attempt, elapsed_ms, error = %what, "locker api call failed");
                        (
                            Outcome::Connection,
                            Error::new(ErrorKind::Connection, what).with_source(e.without_url()),
                        )
                    }
                };
                match retry::retry_delay(attempt, max_retries, &outcome, rand::random::<f64>()) {
                    Some(delay) => {
                        tracing::warn!(attempt, delay_ms = delay.as_millis() as u64, error = %error, "retrying a locker api read");
                        tokio::time::sleep(delay).await;
                    }
                    None => return Err(error),
                }
            }
        }
        .instrument(span)
        .await
    }
}

/// Reads at most [`MAX_RESPONSE_BODY`] bytes; the flag says whether there was more.
async fn read_capped(
    mut resp: reqwest::Response,
) -> std::result::Result<(Vec<u8>, bool), reqwest::Error> {
    let mut buf = Vec::new();
    while let Some(chunk) = resp.chunk().await? {
        let room = MAX_RESPONSE_BODY - buf.len();
        if chunk.len() > room {
            buf.extend_from_slice(&chunk[..room]);
            return Ok((buf, true));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok((buf, false))
}

fn parse_json<T: DeserializeOwned>(bytes: &[u8], label: &str) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| {
        // serde_json's message can quote the input; report only the category and position.
        let what = match e.classify() {
            serde_json::error::Category::Io | serde_json::error::Category::Syntax => {
                "is not valid JSON"
            }
            serde_json::error::Category::Eof => "is truncated JSON",
            serde_json::error::Category::Data => "does not have the expected shape",
        };
        let snippet = if bytes.is_empty() {
            " (empty body)"
        } else {
            ""
        };
        Error::new(
            ErrorKind::InvalidResponse,
            format!(
                "the response to {label} {what}{snippet} (line {}, column {})",
                e.line(),
                e.column()
            ),
        )
    })
}

fn encode_segment(id: &str) -> String {
    url::form_urlencoded::byte_serialize(id.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// Decrypts a field that looks like a cipher string; passes other strings through as plaintext
/// (what official clients do).
fn decrypt_field(key: &SymmetricKey, text: &str, what: &str) -> Result<String> {
    if !CipherString::looks_like(text) {
        return Ok(text.to_string());
    }
    key.decrypt(text).map_err(|e| {
        Error::new(
            ErrorKind::Decryption,
            format!("could not decrypt the {what}: {e}"),
        )
        .with_source(e)
    })
}

fn decrypt_environment(session: &Session, w: WireEnvironment) -> Result<Environment> {
    let data = w.data.unwrap_or_default();
    let id = w.id.ok_or_else(|| {
        Error::new(
            ErrorKind::InvalidResponse,
            "an environment in the response has no id",
        )
    })?;
    let name = w.name.or(data.name).ok_or_else(|| {
        Error::new(
            ErrorKind::InvalidResponse,
            "an environment in the response has no name",
        )
    })?;
    let opt = |v: Option<String>, what: &str| -> Result<Option<String>> {
        match v {
            Some(v) => Ok(Some(decrypt_field(&session.key, &v, what)?)),
            None => Ok(None),
        }
    };
    Ok(Environment {
        id,
        name: decrypt_field(&session.key, &name, "name of an environment")?,
        external_url: opt(
            w.external_url.or(data.external_url),
            "external URL of an environment",
        )?,
        description: opt(
            w.description.or(data.description),
            "description of an environment",
        )?,
        project_id: w.project_id.unwrap_or(session.project_id),
    })
}

/// The error for a non-2xx response: kind by status, message and code parsed leniently from a
/// JSON body (`message`, `detail`, `error`, `code`), the raw body kept (capped).
pub(crate) fn error_from_response(
    status: u16,
    retry_after: Option<Duration>,
    body: &[u8],
) -> Error {
    let text = String::from_utf8_lossy(body);
    let json: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let field = |name: &str| -> Option<String> {
        let v = json.as_ref()?.get(name)?;
        match v {
            serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
            serde_json::Value::Null | serde_json::Value::String(_) => None,
            other => Some(other.to_string()),
        }
    };
    let message = field("message")
        .or_else(|| field("detail"))
        .or_else(|| field("error"))
        .unwrap_or_else(|| {
            StatusCode::from_u16(status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("unexpected response")
                .to_string()
        });
    let code = field("code");
    let duplicate = DUPLICATE_MESSAGES.iter().any(|m| message.contains(m))
        || message.to_ascii_lowercase().contains("already exist");
    let kind = match status {
        401 => ErrorKind::Authentication,
        403 => ErrorKind::PermissionDenied,
        404 => ErrorKind::NotFound,
        409 => ErrorKind::Conflict,
        400 | 422 if duplicate => ErrorKind::Conflict,
        400 | 422 => ErrorKind::Validation,
        429 => ErrorKind::RateLimited,
        500..=599 => ErrorKind::Server,
        _ => ErrorKind::InvalidResponse,
    };
    let mut err = Error::new(kind, message).with_status(status);
    if let Some(code) = code {
        err = err.with_code(code);
    }
    if !text.is_empty() {
        err = err.with_body(text.into_owned());
    }
    if let Some(after) = retry_after {
        err = err.with_retry_after(after);
    }
    err
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_statuses_to_kinds() {
        let k = |s, b: &str| error_from_response(s, None, b.as_bytes()).kind();
        assert_eq!(
            k(
                401,
                r#"{"code":"0000","message":"The authentication token is invalid"}"#
            ),
            ErrorKind::Authentication
        );
        assert_eq!(k(403, ""), ErrorKind::PermissionDenied);
        assert_eq!(k(404, "<html>nope</html>"), ErrorKind::NotFound);
        assert_eq!(k(409, ""), ErrorKind::Conflict);
        assert_eq!(
            k(400, r#"{"message":"This secret hash already exists"}"#),
            ErrorKind::Conflict
        );
        assert_eq!(k(400, r#"{"message":"bad"}"#), ErrorKind::Validation);
        assert_eq!(k(422, r#"{"detail":[{"loc":"x"}]}"#), ErrorKind::Validation);
        assert_eq!(k(429, ""), ErrorKind::RateLimited);
        assert_eq!(k(500, ""), ErrorKind::Server);
        assert_eq!(k(503, "<html>Bad gateway</html>"), ErrorKind::Server);
    }

    #[test]
    fn parses_message_code_and_body() {
        let e = error_from_response(
            401,
            None,
            br#"{"code":"0000","message":"The authentication token is invalid"}"#,
        );
        assert_eq!(e.message(), "The authentication token is invalid");
        assert_eq!(e.code(), Some("0000"));
        assert_eq!(e.status(), Some(401));
        assert!(e.body().unwrap().contains("0000"));
        let e = error_from_response(502, Some(Duration::from_secs(1)), b"<html>\xff</html>");
        assert_eq!(e.message(), "Bad Gateway");
        assert_eq!(e.retry_after(), Some(Duration::from_secs(1)));
        let e = error_from_response(418, None, b"");
        assert!(e.body().is_none());
    }

    #[test]
    fn api_base_is_normalized_and_checked() {
        assert_eq!(normalize_api_base("http://h:1/x/").unwrap(), "http://h:1/x");
        for bad in ["", "not a url", "ftp://h", "http://h/?q=1"] {
            assert_eq!(
                normalize_api_base(bad).unwrap_err().kind(),
                ErrorKind::InvalidInput,
                "{bad}"
            );
        }
    }

    #[test]
    fn invalid_json_errors_do_not_quote_the_body() {
        let e =
            parse_json::<serde_json::Value>(b"<html>secret page</html>", "GET /v1/x").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidResponse);
        assert!(!e.to_string().contains("secret page"));
        let e = parse_json::<serde_json::Value>(b"{\"a\":", "GET /v1/x").unwrap_err();
        assert!(e.message().contains("truncated"));
    }

    fn builder() -> LockerBuilder {
        Locker::builder()
            .access_key_id("id")
            .secret_access_key("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
            .api_base("http://127.0.0.1:9/")
    }

    #[test]
    fn build_reports_bad_input_once() {
        assert_eq!(
            builder()
                .secret_access_key("not base64!")
                .build()
                .unwrap_err()
                .kind(),
            ErrorKind::Credentials
        );
        assert_eq!(
            builder()
                .header("bad name", "v")
                .build()
                .unwrap_err()
                .kind(),
            ErrorKind::InvalidInput
        );
        assert_eq!(
            builder()
                .header("x-a", "bad\nvalue")
                .build()
                .unwrap_err()
                .kind(),
            ErrorKind::InvalidInput
        );
        assert_eq!(
            builder().log("shout").build().unwrap_err().kind(),
            ErrorKind::InvalidInput
        );
        assert_eq!(
            builder().page_size(0).build().unwrap_err().kind(),
            ErrorKind::InvalidInput
        );
        let l = builder().build().unwrap();
        assert_eq!(l.api_base(), "http://127.0.0.1:9");
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let b = builder().header("CF-Access-Client-Secret", "hush");
        let s = format!("{b:?}");
        assert!(!s.contains("AAECAwQF") && !s.contains("hush"), "{s}");
        let l = b.build().unwrap();
        assert!(!format!("{l:?}").contains("AAECAwQF"));
        let n = NewSecret::new("K", "the-value");
        assert!(!format!("{n:?}").contains("the-value"));
        let u = SecretUpdate::new().value("the-value");
        assert!(!format!("{u:?}").contains("the-value"));
    }
}

/// The client against a canned HTTP responder speaking the PROTOCOL.md test vector.
#[cfg(test)]
mod vector_tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    const SECRET: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    const PROFILE_KEY: &str = "2.oKGio6SlpqeoqaqrrK2urw==|or46p0JFEiM3d9uyk59m82cuBS4oi5kw1n4FX1g1pDTlRuIFH/THx4fUpKLVB/PlycsCXuG23gfjm1a8aGZxFvxIR1Ajd8HPULgCvF5E5YU=|qXTeivhgDPpbrpRmHYWvifBqxn5eBPd16gJvgUE3Qbc=";
    const REDIS_URL: &str = "2.sLGys7S1tre4ubq7vL2+vw==|PjoB8mcDPk3F2X1F+mteSw==|cz0kyDLU3WgO6ym/Y3u5El7F3zJM1tlcLyMt7wD/wGM=";
    const REDIS_VALUE: &str = "2.wMHCw8TFxsfIycrLzM3Ozw==|p9poqeAWHDkfWfxCqwyD+mQvCfF4fc4F6grvQaYYgow=|Vvs8KVeItAdboRGLLZhN2MSRxyxAS7KjZUMATSPLx20=";
    const STAGING: &str = "2.4OHi4+Tl5ufo6err7O3u7w==|wwkOh70NwdgGzrh2eIsz+w==|Z2iGCuDa7hz5W0gyP/QZyIDHELFTHA+kybxKrUwz/x8=";

    type Route = fn(&str) -> (u16, String);

    /// Serves one canned response per request (connection closed after each).
    async fn serve(route: Route) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                        match sock.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    let head = String::from_utf8_lossy(&buf).to_string();
                    let target = head.split(' ').nth(1).unwrap_or("/").to_string();
                    let (status, body) = route(&target);
                    let resp = format!(
                        "HTTP/1.1 {status} X\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = sock.write_all(resp.as_bytes()).await;
                });
            }
        });
        format!("http://{addr}/locker_secrets/")
    }

    fn profile() -> String {
        format!(r#"{{"object":"access_key","profile":{{"key":"{PROFILE_KEY}","project_id":42}}}}"#)
    }

    fn route(target: &str) -> (u16, String) {
        let path = target.strip_prefix("/locker_secrets").unwrap_or("");
        if path == "/v1/profile" {
            return (200, profile());
        }
        if path.starts_with("/v1/environments?")
            && path.contains("count_environment=1")
            && path.contains("hash=_fd1YL0kcWCvDldx-YGV3FZvCfoyX1nL5xBKEcsTZ98")
        {
            return (
                200,
                format!(
                    r#"{{"count":1,"next":null,"results":[{{"id":"e1","project_id":42,"data":{{"name":"{STAGING}"}}}}]}}"#
                ),
            );
        }
        if path.starts_with("/v1/secrets?")
            && path.contains("count_secrets=1")
            && path.contains("hash=pRSYmvA7F9OBodtBWMZUDLoTVe7NNJokTGsh8YBDIM4")
        {
            return (
                200,
                format!(
                    r#"{{"count":2,"next":"/v1/secrets?page=2&size=1","results":[
                    {{"id":"s1","environment_id":"e1","key":"{REDIS_URL}","value":"{REDIS_VALUE}"}}]}}"#
                ),
            );
        }
        if path == "/v1/secrets?page=2&size=1" {
            return (
                200,
                r#"{"count":2,"next":null,"results":[{"id":"s0","environment_id":null,"key":"REDIS_URL","value":"plain"}]}"#.to_string(),
            );
        }
        if path.starts_with("/v1/environments?") {
            return (200, "<html><body>login</body></html>".into());
        }
        (404, r#"{"code":"0004","message":"Not found"}"#.into())
    }

    fn client(base: &str, secret: &str) -> Locker {
        Locker::builder()
            .access_key_id("key-id")
            .secret_access_key(secret)
            .api_base(base)
            .build()
            .unwrap()
    }

    #[tokio::test]
    async fn decrypts_the_test_vector_and_follows_next() {
        let base = serve(route).await;
        let locker = client(&base, SECRET);
        assert_eq!(locker.project_id().await.unwrap(), 42);
        let rec = locker.retrieve("REDIS_URL", Some("staging")).await.unwrap();
        assert_eq!(rec.value, "redis://localhost:6379/0");
        assert_eq!(rec.environment_name.as_deref(), Some("staging"));
        // The second page holds the "All" secret, stored as plaintext (passed through).
        assert_eq!(
            locker.get("REDIS_URL", None).await.unwrap().as_deref(),
            Some("plain")
        );
        let env = locker.get_environment("staging").await.unwrap().unwrap();
        assert_eq!(env.id, "e1");
    }

    #[tokio::test]
    async fn html_on_success_is_an_invalid_response() {
        let base = serve(route).await;
        let err = client(&base, SECRET).list_environments().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidResponse, "{err:?}");
    }

    #[tokio::test]
    async fn a_wrong_secret_access_key_fails_on_the_project_key() {
        let base = serve(route).await;
        let other = "AQECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
        let err = client(&base, other).project_id().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decryption);
        assert!(err.message().contains("does not match"));
    }

    #[tokio::test]
    async fn error_statuses_keep_message_and_code() {
        let base = serve(route).await;
        let locker = client(&base, SECRET);
        let err = locker
            .read::<serde_json::Value>("/v1/nowhere".into())
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        assert_eq!(err.code(), Some("0004"));
        assert_eq!(err.message(), "Not found");
    }
}
