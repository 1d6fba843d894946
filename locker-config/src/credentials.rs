//! Where the client's credentials come from.
//!
//! Each setting resolves on its own, in this order: a value given explicitly (the builder), then
//! environment variables, then the shared credential file `~/.locker/credential.json` (or
//! `~/.locker/credentials`):
//!
//! | setting | environment variables, in precedence order | file field |
//! |---|---|---|
//! | access key id | `LOCKER_ACCESS_KEY_ID`, `ACCESS_KEY_ID` | `access_key_id` |
//! | secret access key | `LOCKER_SECRET_ACCESS_KEY`, `SECRET_ACCESS_KEY`, `LOCKER_ACCESS_KEY_SECRET`, `ACCESS_KEY_SECRET` | `secret_access_key` |
//! | API base URL | `LOCKER_API_BASE` | `api_base` |
//!
//! Empty environment variables count as unset. The API base defaults to
//! [`DEFAULT_API_BASE`].
//!
//! [`resolve`] is a pure function of its inputs (an environment lookup and a home directory are
//! passed in), so it can be tested without touching the process environment.

use std::fmt;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::error::{Error, ErrorKind, Result};

/// The API base URL used when none is configured.
pub const DEFAULT_API_BASE: &str = "https://api.locker.io/locker_secrets";

/// Environment variables holding the access key id, in precedence order.
pub const ACCESS_KEY_ID_VARS: &[&str] = &["LOCKER_ACCESS_KEY_ID", "ACCESS_KEY_ID"];

/// Environment variables holding the secret access key, in precedence order.
pub const SECRET_ACCESS_KEY_VARS: &[&str] = &[
    "LOCKER_SECRET_ACCESS_KEY",
    "SECRET_ACCESS_KEY",
    "LOCKER_ACCESS_KEY_SECRET",
    "ACCESS_KEY_SECRET",
];

/// The environment variable holding the API base URL.
pub const API_BASE_VAR: &str = "LOCKER_API_BASE";

/// The credential files looked at, relative to the home directory, in order.
pub const CREDENTIAL_FILES: &[&str] = &[".locker/credential.json", ".locker/credentials"];

/// Resolved credentials: an access key id, its secret access key and the API base URL.
///
/// `Debug` shows the first characters of the access key id (the bearer token) and the API
/// base, never the secret access key.
#[derive(Clone)]
pub struct Credentials {
    access_key_id: String,
    secret_access_key: Zeroizing<String>,
    api_base: String,
}

impl Credentials {
    /// Credentials from explicit values.
    pub fn new(
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<String>,
        api_base: impl Into<String>,
    ) -> Self {
        Credentials {
            access_key_id: access_key_id.into(),
            secret_access_key: Zeroizing::new(secret_access_key.into()),
            api_base: api_base.into(),
        }
    }

    /// The access key id (sent as the bearer token).
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    /// The secret access key. It is a decryption key: it is never sent to the server.
    pub fn expose_secret_access_key(&self) -> &str {
        &self.secret_access_key
    }

    /// The API base URL.
    pub fn api_base(&self) -> &str {
        &self.api_base
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &key_id_prefix(&self.access_key_id))
            .field("secret_access_key", &"[REDACTED]")
            .field("api_base", &self.api_base)
            .finish()
    }
}

/// Values given explicitly, which win over the environment and the credential file.
///
/// ```
/// use locker_config::credentials::Explicit;
/// let explicit = Explicit::new()
///     .access_key_id("4b4a4b0e-3b0c-4f8e-9d5e-6f1b2f3c4d5e")
///     .api_base("http://127.0.0.1:8787");
/// # let _ = explicit;
/// ```
#[derive(Clone, Default)]
#[must_use]
pub struct Explicit {
    access_key_id: Option<String>,
    secret_access_key: Option<Zeroizing<String>>,
    api_base: Option<String>,
}

impl Explicit {
    /// Nothing given: every setting comes from the environment or the credential file.
    pub fn new() -> Self {
        Self::default()
    }

    /// The access key id.
    pub fn access_key_id(mut self, id: impl Into<String>) -> Self {
        self.access_key_id = Some(id.into());
        self
    }

    /// The secret access key.
    pub fn secret_access_key(mut self, key: impl Into<String>) -> Self {
        self.secret_access_key = Some(Zeroizing::new(key.into()));
        self
    }

    /// The API base URL.
    pub fn api_base(mut self, base: impl Into<String>) -> Self {
        self.api_base = Some(base.into());
        self
    }

    pub(crate) fn given_access_key_id(&self) -> Option<&str> {
        self.access_key_id.as_deref()
    }

    pub(crate) fn has_secret_access_key(&self) -> bool {
        self.secret_access_key.is_some()
    }

    pub(crate) fn given_api_base(&self) -> Option<&str> {
        self.api_base.as_deref()
    }
}

impl fmt::Debug for Explicit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Explicit")
            .field(
                "access_key_id",
                &self.access_key_id.as_deref().map(key_id_prefix),
            )
            .field(
                "secret_access_key",
                &self.secret_access_key.as_ref().map(|_| "[REDACTED]"),
            )
            .field("api_base", &self.api_base)
            .finish()
    }
}

/// The first characters of an access key id, for `Debug` output: the id is the bearer token,
/// so it is never shown whole.
pub(crate) fn key_id_prefix(id: &str) -> String {
    let prefix: String = id.chars().take(4).collect();
    if id.chars().count() <= 4 {
        // Too short to show any of it.
        return "[REDACTED]".to_string();
    }
    format!("{prefix}…")
}

#[derive(serde::Deserialize, Default)]
struct FileCredentials {
    access_key_id: Option<String>,
    #[serde(alias = "access_key_secret")]
    secret_access_key: Option<String>,
    api_base: Option<String>,
}

/// Resolves credentials: explicit values, then the variables read through `env`, then the first
/// credential file found under `home` (`None`: no home directory, no file).
///
/// ```
/// use locker_config::credentials::{resolve, Explicit};
/// let env = |name: &str| match name {
///     "ACCESS_KEY_ID" => Some("a7c1…".to_string()),
///     "LOCKER_SECRET_ACCESS_KEY" => Some("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=".to_string()),
///     _ => None,
/// };
/// let creds = resolve(Explicit::default(), &env, None).unwrap();
/// assert_eq!(creds.access_key_id(), "a7c1…");
/// assert_eq!(creds.api_base(), locker_config::credentials::DEFAULT_API_BASE);
/// ```
///
/// # Errors
///
/// [`ErrorKind::Credentials`] when the access key id or the secret access key is found nowhere
/// (the message names every variable and file looked at, never a value), or when a credential
/// file exists but cannot be read or is not a JSON object.
pub fn resolve(
    explicit: Explicit,
    env: &dyn Fn(&str) -> Option<String>,
    home: Option<&Path>,
) -> Result<Credentials> {
    let from_env = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| env(n).filter(|v| !v.trim().is_empty()))
    };
    let mut access_key_id = explicit
        .access_key_id
        .filter(|v| !v.is_empty())
        .or_else(|| from_env(ACCESS_KEY_ID_VARS));
    let mut secret = explicit
        .secret_access_key
        .filter(|v| !v.is_empty())
        .or_else(|| from_env(SECRET_ACCESS_KEY_VARS).map(Zeroizing::new));
    let mut api_base = explicit
        .api_base
        .filter(|v| !v.is_empty())
        .or_else(|| from_env(&[API_BASE_VAR]));

    let files: Vec<PathBuf> = home
        .map(|h| CREDENTIAL_FILES.iter().map(|f| h.join(f)).collect())
        .unwrap_or_default();
    // The file only matters for what neither the builder nor the environment gave: with both
    // keys at hand it is not even read, so a broken file cannot get in the way. Its API base
    // goes with its keys.
    if (access_key_id.is_none() || secret.is_none())
        && let Some((path, file)) = read_first_file(&files)?
    {
        access_key_id = access_key_id.or(file.access_key_id.filter(|v| !v.is_empty()));
        secret = secret.or(file
            .secret_access_key
            .filter(|v| !v.is_empty())
            .map(Zeroizing::new));
        api_base = api_base.or(file.api_base.filter(|v| !v.is_empty()));
        tracing::debug!(path = %path.display(), "read the Locker credential file");
    }

    let looked = |vars: &[&str], field: &str| {
        let mut places = vec![];
        places.extend(vars.iter().map(|v| format!("the {v} environment variable")));
        if files.is_empty() {
            places.push("no credential file (no home directory)".to_string());
        } else {
            for f in &files {
                places.push(format!("\"{field}\" in {}", f.display()));
            }
        }
        places.join(", ")
    };
    let mut missing = vec![];
    if access_key_id.is_none() {
        missing.push(format!(
            "no access key id was given; looked at the builder, {}",
            looked(ACCESS_KEY_ID_VARS, "access_key_id")
        ));
    }
    if secret.is_none() {
        missing.push(format!(
            "no secret access key was given; looked at the builder, {}",
            looked(SECRET_ACCESS_KEY_VARS, "secret_access_key")
        ));
    }
    if !missing.is_empty() {
        return Err(Error::new(ErrorKind::Credentials, missing.join("; ")));
    }
    Ok(Credentials {
        access_key_id: access_key_id.unwrap_or_default(),
        secret_access_key: secret.unwrap_or_default(),
        api_base: api_base.unwrap_or_else(|| DEFAULT_API_BASE.to_string()),
    })
}

/// Resolves credentials from the process environment and the user's home directory.
pub(crate) fn resolve_from_process(explicit: Explicit) -> Result<Credentials> {
    let env = |name: &str| std::env::var(name).ok();
    let home = home::home_dir();
    resolve(explicit, &env, home.as_deref())
}

fn read_first_file(files: &[PathBuf]) -> Result<Option<(PathBuf, FileCredentials)>> {
    for path in files {
        let text = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                return Err(Error::new(
                    ErrorKind::Credentials,
                    format!("could not read the credential file {}", path.display()),
                )
                .with_source(e));
            }
        };
        warn_if_shared(path);
        let parsed: FileCredentials = serde_json::from_slice(&text).map_err(|e| {
            // serde_json's message can quote input; report only where it failed.
            Error::new(
                ErrorKind::Credentials,
                format!(
                    "the credential file {} is not a JSON object with \"access_key_id\" and \
                     \"secret_access_key\" strings (error at line {}, column {})",
                    path.display(),
                    e.line(),
                    e.column()
                ),
            )
        })?;
        return Ok(Some((path.clone(), parsed)));
    }
    Ok(None)
}

/// Warns, like ssh does for private keys, when the credential file is readable or writable by
/// group or others: it holds the secret access key.
fn warn_if_shared(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        if let Ok(meta) = std::fs::metadata(path)
            && let Some(mode) = shared_mode(meta.permissions().mode())
        {
            tracing::warn!(
                path = %path.display(),
                mode = %format!("{mode:03o}"),
                "the Locker credential file is accessible by group or others; it holds the \
                 secret access key: restrict it with `chmod 600`"
            );
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// The permission bits of `mode` when group or others have any access to the file.
#[cfg_attr(not(unix), allow(dead_code))]
fn shared_mode(mode: u32) -> Option<u32> {
    (mode & 0o077 != 0).then_some(mode & 0o777)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn explicit_wins_and_debug_redacts() {
        let explicit = Explicit::new()
            .access_key_id("id")
            .secret_access_key("c2VjcmV0");
        let env = |n: &str| (n == "LOCKER_ACCESS_KEY_ID").then(|| "other".to_string());
        let c = resolve(explicit.clone(), &env, None).unwrap();
        assert_eq!(c.access_key_id(), "id");
        assert_eq!(c.api_base(), DEFAULT_API_BASE);
        assert!(!format!("{c:?}").contains("c2VjcmV0"));
        assert!(!format!("{explicit:?}").contains("c2VjcmV0"));
    }

    #[test]
    fn missing_names_every_place() {
        let dir = tempfile::tempdir().unwrap();
        let e = resolve(Explicit::default(), &no_env, Some(dir.path())).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Credentials);
        for needle in [
            "LOCKER_ACCESS_KEY_ID",
            "ACCESS_KEY_SECRET",
            "credential.json",
        ] {
            assert!(e.message().contains(needle), "{e}");
        }
    }
}

#[cfg(test)]
mod file_tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    const SECRET: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    fn home_with(contents: &str) -> tempfile::TempDir {
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir(home.path().join(".locker")).unwrap();
        std::fs::write(home.path().join(".locker/credential.json"), contents).unwrap();
        home
    }

    /// Runs `f` with a subscriber that records this thread's log output.
    fn logs_of(f: impl FnOnce()) -> String {
        #[derive(Clone, Default)]
        struct Sink(Arc<Mutex<Vec<u8>>>);
        impl std::io::Write for Sink {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(buf);
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let sink = Sink::default();
        let writer = sink.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        tracing::subscriber::with_default(subscriber, f);
        let bytes = sink.0.lock().unwrap().clone();
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn a_malformed_file_is_not_read_when_the_environment_gives_both_keys() {
        let home = home_with("{ not json");
        let env = |n: &str| match n {
            "LOCKER_ACCESS_KEY_ID" => Some("id".to_string()),
            "LOCKER_SECRET_ACCESS_KEY" => Some(SECRET.to_string()),
            _ => None,
        };
        let c = resolve(Explicit::new(), &env, Some(home.path())).unwrap();
        assert_eq!(c.access_key_id(), "id");
        assert_eq!(c.api_base(), DEFAULT_API_BASE);
    }

    #[test]
    fn a_malformed_file_that_is_needed_says_where() {
        let home = home_with("{\n  \"access_key_id\": \"id\",\n  oops\n}");
        let env = |n: &str| (n == "LOCKER_ACCESS_KEY_ID").then(|| "id".to_string());
        let err = resolve(Explicit::new(), &env, Some(home.path())).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Credentials);
        assert!(err.message().contains("line 3, column 3"), "{err}");
        assert!(err.message().contains("credential.json"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn a_file_readable_by_others_is_used_with_a_warning() {
        use std::os::unix::fs::PermissionsExt as _;
        let home = home_with(&format!(
            r#"{{"access_key_id":"id","secret_access_key":"{SECRET}"}}"#
        ));
        let path = home.path().join(".locker/credential.json");
        let no_env = |_: &str| None;

        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let logs = logs_of(|| {
            resolve(Explicit::new(), &no_env, Some(home.path())).unwrap();
        });
        assert!(logs.contains("accessible by group or others"), "{logs}");
        assert!(logs.contains("644"), "{logs}");
        assert!(!logs.contains(SECRET), "{logs}");

        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let logs = logs_of(|| {
            resolve(Explicit::new(), &no_env, Some(home.path())).unwrap();
        });
        assert!(!logs.contains("accessible by group or others"), "{logs}");
    }

    #[test]
    fn shared_modes() {
        assert_eq!(shared_mode(0o100600), None);
        assert_eq!(shared_mode(0o100400), None);
        assert_eq!(shared_mode(0o100640), Some(0o640));
        assert_eq!(shared_mode(0o100602), Some(0o602));
    }

    #[test]
    fn key_id_prefixes() {
        assert_eq!(key_id_prefix("4b4a4b0e-3b0c"), "4b4a…");
        assert_eq!(key_id_prefix("abc"), "[REDACTED]");
        assert_eq!(key_id_prefix("abcd"), "[REDACTED]");
    }
}
