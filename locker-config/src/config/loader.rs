//! [`Loader`]: one load = one list request, then every field resolved from memory.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;

use zeroize::Zeroizing;

use super::LockerConfig;
use super::build::{Values, build, check_key};
use super::report::{FieldSource, ValueSource};
use crate::{Error, ErrorKind, Locker, Result, SecretRecord};

/// The environment variable naming the environment when none is given.
pub const ENVIRONMENT_VAR: &str = "LOCKER_ENVIRONMENT";

/// Loads a config type with full control: environment, client, overrides.
///
/// Get one from `AppConfig::loader()`. Setters consume and return the loader.
///
/// ```no_run
/// # use locker_config::LockerConfig;
/// # #[derive(LockerConfig)] struct AppConfig { #[locker(key = "HTTP_PORT")] port: u16 }
/// # async fn run(locker: locker_config::Locker) -> locker_config::Result<()> {
/// let cfg = AppConfig::loader()
///     .environment("staging")
///     .client(locker.clone())
///     .override_value("HTTP_PORT", "0")
///     .load_async()
///     .await?;
/// # Ok(()) }
/// ```
#[must_use]
pub struct Loader<T> {
    environment: Option<String>,
    client: Option<Locker>,
    overrides: Vec<(String, Zeroizing<String>)>,
    _config: PhantomData<fn() -> T>,
}

/// A loaded config plus where each field's value came from.
#[derive(Debug)]
#[non_exhaustive]
pub struct Loaded<T> {
    /// The config.
    pub config: T,
    /// One entry per field, in field order (never the value).
    pub sources: Vec<FieldSource>,
}

impl<T> fmt::Debug for Loader<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keys: Vec<&str> = self.overrides.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("Loader")
            .field("environment", &self.environment)
            .field("client", &self.client.as_ref().map(|_| "Locker"))
            .field("overrides", &keys)
            .finish()
    }
}

// By hand: a derive would require `T: Clone`. `global()` keeps the installed loader and
// loads with a copy, so a failed attempt can be retried with the same settings.
impl<T> Clone for Loader<T> {
    fn clone(&self) -> Self {
        Loader {
            environment: self.environment.clone(),
            client: self.client.clone(),
            overrides: self.overrides.clone(),
            _config: PhantomData,
        }
    }
}

impl<T: LockerConfig> Default for Loader<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: LockerConfig> Loader<T> {
    /// A loader with no environment (defaults to `LOCKER_ENVIRONMENT`), no client (defaults to
    /// [`Locker::from_env`]) and no overrides.
    pub fn new() -> Self {
        Loader {
            environment: None,
            client: None,
            overrides: Vec::new(),
            _config: PhantomData,
        }
    }

    /// The environment to load, e.g. `prod`. Default: the `LOCKER_ENVIRONMENT` variable.
    pub fn environment(mut self, environment: impl Into<String>) -> Self {
        self.environment = Some(environment.into());
        self
    }

    /// The client to load with. Default: [`Locker::from_env`] (environment variables, then
    /// `~/.locker/credential.json`).
    pub fn client(mut self, locker: Locker) -> Self {
        self.client = Some(locker);
        self
    }

    /// Uses `value` for `key` whatever Locker holds. Loading fails if `key` is not one of the
    /// config's keys.
    pub fn override_value(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.overrides
            .push((key.into(), Zeroizing::new(value.into())));
        self
    }

    /// Loads asynchronously.
    pub fn load_async(self) -> impl Future<Output = Result<T>> + Send + 'static {
        let fut = self.load_async_with_sources();
        async move { fut.await.map(|loaded| loaded.config) }
    }

    /// Loads asynchronously, also telling where each value came from.
    // Not `async fn`: the signature promises a `Send + 'static` future that can be spawned.
    #[allow(clippy::manual_async_fn)]
    pub fn load_async_with_sources(
        self,
    ) -> impl Future<Output = Result<Loaded<T>>> + Send + 'static {
        async move {
            for (key, _) in &self.overrides {
                check_key::<T>(key, "override")?;
            }
            let environment = match self.environment {
                Some(env) => env,
                None => environment_from_env::<T>()?,
            };
            let client = match self.client {
                Some(client) => client,
                None => Locker::from_env()?,
            };
            let mut values = fetch(&client, &environment).await?;
            for (key, value) in self.overrides {
                values.set(key, value.to_string(), ValueSource::Override);
            }
            let result = build::<T>(&values);
            match &result {
                Ok(_) => tracing::debug!(config = T::NAME, %environment, "config loaded"),
                Err(err) => tracing::warn!(config = T::NAME, %environment, "{err}"),
            }
            let (config, sources) = result?;
            Ok(Loaded { config, sources })
        }
    }

    /// Loads, blocking the calling thread. Works from a plain `main` and from inside a tokio
    /// runtime alike (the request runs on a background runtime).
    pub fn load(self) -> Result<T> {
        crate::runtime::block_on(self.load_async())
    }

    /// Like [`load`](Self::load), also telling where each value came from.
    pub fn load_with_sources(self) -> Result<Loaded<T>> {
        crate::runtime::block_on(self.load_async_with_sources())
    }
}

/// A loader's settings with the environment and client resolved, for `check`.
pub(super) struct Resolved {
    pub(super) environment: String,
    pub(super) client: Locker,
    pub(super) overrides: Vec<(String, Zeroizing<String>)>,
}

impl<T: LockerConfig> Loader<T> {
    /// For `check`: the environment and client this loader would use (resolved from the
    /// process environment when not set), and its overrides.
    pub(super) fn resolved(self) -> Result<Resolved> {
        let environment = match self.environment {
            Some(env) => env,
            None => environment_from_env::<T>()?,
        };
        let client = match self.client {
            Some(client) => client,
            None => Locker::from_env()?,
        };
        Ok(Resolved {
            environment,
            client,
            overrides: self.overrides,
        })
    }
}

fn environment_from_env<T: LockerConfig>() -> Result<String> {
    match std::env::var(ENVIRONMENT_VAR) {
        Ok(env) if !env.trim().is_empty() => Ok(env),
        _ => Err(Error::new(
            ErrorKind::Config,
            format!(
                "no environment to load {name} for: set {ENVIRONMENT_VAR}, call \
                 {name}::init(environment) at startup, or use {name}::loader().environment(…)",
                name = T::NAME
            ),
        )),
    }
}

/// One list request for the whole project, then key → value for `environment` with "All" as
/// the fallback. An environment without any secret is checked once, to tell an unknown
/// environment from an empty one.
async fn fetch(client: &Locker, environment: &str) -> Result<Values> {
    let records = client.list_secrets(None).await?;
    let (values, seen_environment) = resolve(records, environment);
    if !seen_environment && client.get_environment(environment).await?.is_none() {
        return Err(Error::new(
            ErrorKind::NotFound,
            format!("environment {environment:?} does not exist in this Locker project"),
        ));
    }
    Ok(values)
}

/// key → value for `environment`, the environment's secret winning over the one in "All";
/// also whether any secret belongs to `environment`.
fn resolve(records: Vec<SecretRecord>, environment: &str) -> (Values, bool) {
    let mut values = Values::new(Some(environment.to_owned()));
    let mut seen_environment = false;
    for record in records {
        match record.environment_name.as_deref() {
            Some(name) if name == environment => {
                seen_environment = true;
                let source = ValueSource::Environment(environment.to_owned());
                values.set(record.key, record.value, source);
            }
            None => values.set_if_absent(record.key, record.value, ValueSource::All),
            Some(_) => {}
        }
    }
    (values, seen_environment)
}

/// `from_values`: builds `T` from the given pairs, no network.
pub(crate) fn from_values<T, I, K, V>(pairs: I) -> Result<T>
where
    T: LockerConfig,
    I: IntoIterator<Item = (K, V)>,
    K: AsRef<str>,
    V: AsRef<str>,
{
    let mut values = Values::new(None);
    for (key, value) in pairs {
        let key = key.as_ref();
        check_key::<T>(key, "value")?;
        values.set(
            key.to_owned(),
            value.as_ref().to_owned(),
            ValueSource::Given,
        );
    }
    build::<T>(&values).map(|(config, _)| config)
}

#[cfg(test)]
mod tests {
    use super::resolve;
    use crate::SecretRecord;
    use crate::config::ValueSource;

    fn record(env: Option<&str>, key: &str, value: &str) -> SecretRecord {
        SecretRecord {
            id: String::new(),
            key: key.to_owned(),
            value: value.to_owned(),
            description: None,
            environment_id: env.map(str::to_owned),
            environment_name: env.map(str::to_owned),
            project_id: 1,
            creation_date: None,
            revision_date: None,
        }
    }

    #[test]
    fn environment_wins_over_all_in_any_order() {
        let records = vec![
            record(None, "A", "all-a"),
            record(Some("prod"), "A", "prod-a"),
            record(Some("prod"), "B", "prod-b"),
            record(None, "B", "all-b"),
            record(None, "C", "all-c"),
            record(Some("staging"), "D", "staging-d"),
        ];
        let (values, seen) = resolve(records, "prod");
        assert!(seen);
        let get = |k: &str| values.get(k).map(|(v, s)| (v.to_owned(), s.clone()));
        let prod = ValueSource::Environment("prod".into());
        assert_eq!(get("A"), Some(("prod-a".into(), prod.clone())));
        assert_eq!(get("B"), Some(("prod-b".into(), prod)));
        assert_eq!(get("C"), Some(("all-c".into(), ValueSource::All)));
        assert_eq!(get("D"), None);
    }

    #[test]
    fn an_environment_without_secrets_is_reported_unseen() {
        let (_, seen) = resolve(vec![record(None, "A", "x")], "qa");
        assert!(!seen);
    }
}
