//! [`LockerBuilder`]: the client's settings, their defaults, and the checks run once by
//! [`LockerBuilder::build`].

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use tokio::sync::OnceCell;

use super::{Inner, Locker, logging};
use crate::credentials::{self, Explicit};
use crate::error::{Error, ErrorKind, Result};
use locker_protocol::crypto::SymmetricKey;

/// The default number of times a failed read is retried.
pub const DEFAULT_MAX_NETWORK_RETRIES: u32 = 2;
/// The default timeout of a read (GET) request.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// The default timeout of a write (POST, PUT) request.
pub const DEFAULT_WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// The default page size of list requests (what official clients send).
pub const DEFAULT_PAGE_SIZE: u32 = 2000;

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
    profile_cache: ProfileCache,
}

/// Where a client keeps its profile between processes.
#[derive(Clone, Debug, Default)]
enum ProfileCache {
    #[default]
    Off,
    /// `$LOCKER_CACHE_DIR`, else `~/.locker/cache`, resolved when the client is built.
    Default,
    Dir(std::path::PathBuf),
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
            profile_cache: ProfileCache::Off,
        }
    }
}

impl fmt::Debug for LockerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let header_names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("LockerBuilder")
            .field(
                "access_key_id",
                &self
                    .explicit
                    .given_access_key_id()
                    .map(credentials::key_id_prefix),
            )
            .field(
                "secret_access_key",
                &self
                    .explicit
                    .has_secret_access_key()
                    .then_some("[REDACTED]"),
            )
            .field("api_base", &self.explicit.given_api_base())
            .field("headers", &header_names)
            .field("timeout", &self.timeout)
            .field("max_network_retries", &self.max_retries)
            .field("log", &self.log)
            .field("user_agent_suffix", &self.user_agent_suffix)
            .field("page_size", &self.page_size)
            .field("profile_cache", &self.profile_cache)
            .finish()
    }
}

impl LockerBuilder {
    /// The access key id. Default: `LOCKER_ACCESS_KEY_ID` / `ACCESS_KEY_ID`, then the
    /// credential file.
    pub fn access_key_id(mut self, id: impl Into<String>) -> Self {
        self.explicit = self.explicit.access_key_id(id);
        self
    }

    /// The secret access key (standard base64). It decrypts the project key and is never sent
    /// to the server. Default: `LOCKER_SECRET_ACCESS_KEY` (and the other variables of
    /// [`crate::credentials`]), then the credential file.
    pub fn secret_access_key(mut self, key: impl Into<String>) -> Self {
        self.explicit = self.explicit.secret_access_key(key);
        self
    }

    /// The API base URL, e.g. `https://api.locker.io/locker_secrets` (the default; also read
    /// from `LOCKER_API_BASE`). A trailing slash is stripped.
    pub fn api_base(mut self, base: impl Into<String>) -> Self {
        self.explicit = self.explicit.api_base(base);
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

    /// Keeps the access key's profile (the project key, wrapped under the access key) in
    /// `dir` between processes, sealed as the loader's snapshots are and in the same file, so
    /// that a new client's first [`Locker::get`], [`Locker::retrieve`], [`Locker::set`],
    /// [`Locker::list_secrets`], [`Locker::list_secrets_partial`] or [`Locker::export`] sends
    /// no profile request (other calls fetch it, and keep it). Default: no profile cache (the loader keeps its own, see
    /// `Loader::cache_dir`).
    ///
    /// A cached key is never trusted: an answer is taken, and a write sent, only once a record
    /// or an environment of the project has been decrypted under it (a MAC check); a key that
    /// fails the check is dropped and the profile fetched again. Setting the value of a key
    /// that is new in "All" has nothing to check the key against, so it fetches the profile.
    /// A corrupt or foreign file, or one in a directory others can write to, is ignored with a
    /// warning.
    ///
    /// ```
    /// let dir = tempfile::tempdir().unwrap();
    /// let locker = locker_config::Locker::builder()
    ///     .access_key_id("4b4a4b0e-3b0c-4f8e-9d5e-6f1b2f3c4d5e")
    ///     .secret_access_key("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
    ///     .api_base("http://127.0.0.1:8000")
    ///     .profile_cache(dir.path())
    ///     .build()
    ///     .unwrap();
    /// # let _ = locker;
    /// ```
    pub fn profile_cache(mut self, dir: impl Into<std::path::PathBuf>) -> Self {
        self.profile_cache = ProfileCache::Dir(dir.into());
        self
    }

    /// [`LockerBuilder::profile_cache`] in the default cache directory: `$LOCKER_CACHE_DIR`,
    /// else `~/.locker/cache` (none when neither can be told), as the loader's snapshots.
    pub fn default_profile_cache(mut self) -> Self {
        self.profile_cache = ProfileCache::Default;
        self
    }

    /// Builds the client. No request is sent yet, and no file is read unless the credentials
    /// must come from the credential file.
    ///
    /// Side effect: when a log level is set (the builder's [`LockerBuilder::log`], else the
    /// `LOCKER_LOG` environment variable), this installs a global stderr `tracing` subscriber,
    /// unless the program already has one; see [`LockerBuilder::log`].
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
        self.install_logger(env_log.as_deref())?;
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
            Error::new(ErrorKind::Credentials, "the secret access key is unusable").with_source(e)
        })?;
        let headers = self.default_headers(&access_key_id)?;
        let http = http_client(&api_base, headers, self.timeout)?;
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
                environments: Mutex::default(),
                profile_cache: match self.profile_cache {
                    ProfileCache::Off => None,
                    ProfileCache::Default => crate::sealed::default_cache_dir(),
                    ProfileCache::Dir(dir) => Some(dir),
                },
                want_hashes: Mutex::default(),
            }),
        })
    }

    /// Installs the stderr logger of [`LockerBuilder::log`], or of `LOCKER_LOG` when the
    /// builder sets no level. An unusable `LOCKER_LOG` is ignored rather than breaking the
    /// program; an unusable builder level is an error.
    fn install_logger(&self, env_log: Option<&str>) -> Result<()> {
        match &self.log {
            Some(level) => logging::install(logging::parse_level(level)?),
            None => {
                if let Some(level) = env_log.and_then(|l| logging::parse_level(l).ok()) {
                    logging::install(level);
                }
            }
        }
        Ok(())
    }

    /// The headers of every request (PROTOCOL.md §1): the bearer token, the user agent, the
    /// content type and cache control, then the caller's own headers, which may override them.
    /// The token and custom values are marked sensitive so they are never logged.
    fn default_headers(&self, access_key_id: &str) -> Result<HeaderMap> {
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
        Ok(headers)
    }
}

/// The HTTP client: these default headers, no redirects, and TLS only for an `https` base (the
/// process-wide configuration of [`super::tls`], so the system roots are read once).
fn http_client(
    api_base: &str,
    headers: HeaderMap,
    timeout: Option<Duration>,
) -> Result<reqwest::Client> {
    let builder = reqwest::Client::builder()
        .default_headers(headers)
        .connect_timeout(timeout.unwrap_or(DEFAULT_READ_TIMEOUT))
        // The API never redirects; following one would carry custom headers (such as
        // Cloudflare Access secrets) to wherever the redirect points. A 3xx is an error.
        .redirect(reqwest::redirect::Policy::none());
    let builder = if api_base.starts_with("https://") {
        builder.tls_backend_preconfigured(super::tls::shared_config()?)
    } else {
        // A plain-http base never speaks TLS (redirects are not followed): trust no root
        // rather than read the system's.
        builder.tls_certs_only(std::iter::empty())
    };
    builder.build().map_err(|e| {
        Error::new(ErrorKind::InvalidInput, "could not build the HTTP client").with_source(e)
    })
}

fn normalize_api_base(base: &str) -> Result<String> {
    let trimmed = base.trim().trim_end_matches('/');
    let parsed = url::Url::parse(trimmed).map_err(|e| {
        Error::new(
            ErrorKind::InvalidInput,
            format!("invalid API base URL {trimmed:?}"),
        )
        .with_source(e)
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn debug_never_shows_the_secret_or_the_whole_key_id() {
        let id = "4b4a4b0e-3b0c-4f8e-9d5e-6f1b2f3c4d5e";
        let b = builder()
            .access_key_id(id)
            .header("CF-Access-Client-Secret", "hush");
        let s = format!("{b:?}");
        assert!(!s.contains("AAECAwQF") && !s.contains("hush"), "{s}");
        assert!(!s.contains("4b4a4b0e-") && s.contains("4b4a…"), "{s}");
        let l = b.build().unwrap();
        let s = format!("{l:?}");
        assert!(!s.contains("AAECAwQF") && !s.contains("4b4a4b0e-"), "{s}");
        assert!(s.contains("4b4a…"), "{s}");
    }

    #[test]
    fn messages_do_not_repeat_their_source() {
        use std::error::Error as _;
        for err in [
            builder()
                .secret_access_key("not base64!")
                .build()
                .unwrap_err(),
            builder().api_base("http://[::1").build().unwrap_err(),
        ] {
            let source = err.source().expect("a source").to_string();
            assert!(!err.to_string().contains(&source), "{err} / {source}");
        }
    }

    #[test]
    fn http_and_https_bases_build() {
        // The https client shares the process-wide TLS configuration.
        let a = builder().api_base("https://127.0.0.1:9").build().unwrap();
        let b = builder().api_base("https://127.0.0.1:9").build().unwrap();
        assert_eq!(a.api_base(), b.api_base());
    }
}
