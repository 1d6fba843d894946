//! [`Loader`]: one load = one list request, then every field resolved from memory.

use std::collections::BTreeSet;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use zeroize::Zeroizing;

use super::LockerConfig;
use super::build::{Values, build, check_key};
use super::report::{FieldSource, ValueSource};
use crate::client::{Locker, Want};
use crate::error::{Error, ErrorKind, Result};
use crate::live::{self, BuildFn, Live};
use crate::pipeline::{self, Source, SourceSettings};
use crate::snapshot::{CachePolicy, Origin, Records};

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
    overrides: Vec<(String, Zeroizing<String>)>,
    source: SourceSettings,
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
    /// Whether the values came from Locker or from the local snapshot.
    pub origin: Origin,
}

impl<T> fmt::Debug for Loader<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keys: Vec<&str> = self.overrides.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("Loader")
            .field("environment", &self.environment)
            .field("overrides", &keys)
            .field("source", &self.source)
            .finish()
    }
}

// By hand: a derive would require `T: Clone`. `global()` keeps the installed loader and
// loads with a copy, so a failed attempt can be retried with the same settings.
impl<T> Clone for Loader<T> {
    fn clone(&self) -> Self {
        Loader {
            environment: self.environment.clone(),
            overrides: self.overrides.clone(),
            source: self.source.clone(),
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
            overrides: Vec::new(),
            source: SourceSettings::default(),
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
        self.source.client = Some(locker);
        self
    }

    /// Uses `value` for `key` whatever Locker holds. Loading fails if `key` is not one of the
    /// config's keys.
    pub fn override_value(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.overrides
            .push((key.into(), Zeroizing::new(value.into())));
        self
    }

    /// The directory of the local snapshots. Default: `$LOCKER_CACHE_DIR`, else
    /// `~/.locker/cache`. It is created with mode 0700 when missing; snapshots are 0600.
    pub fn cache_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.source.cache_dir = Some(dir.into());
        self
    }

    /// When the local snapshot is read and written. Default:
    /// [`CachePolicy::NetworkFirst`] with a `max_stale` of 24 hours.
    pub fn cache_policy(mut self, policy: CachePolicy) -> Self {
        self.source.policy = policy;
        self
    }

    /// How long a load waits for Locker's first answer before it uses a usable snapshot
    /// instead (a Locker that accepts connections and never answers would otherwise cost every
    /// request timeout and retry). Default: 3 seconds. Without a usable snapshot the load waits
    /// for Locker's answer or error as usual; once Locker has answered, the rest of the load is
    /// waited for.
    pub fn fallback_after(mut self, bound: Duration) -> Self {
        self.source.fallback_after = bound;
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
            let (source, want, overrides) = self.prepare()?;
            let environment = want.environment.clone();
            let (records, origin) = pipeline::load(&source, &want).await?;
            let result = build_from::<T>(&records, &overrides);
            match &result {
                Ok(_) => tracing::debug!(config = T::NAME, %environment, %origin, "config loaded"),
                Err(err) => tracing::warn!(config = T::NAME, %environment, "{err}"),
            }
            let (config, sources) = result?;
            Ok(Loaded {
                config,
                sources,
                origin,
            })
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

    /// Loads (blocking), then keeps the config current: every `interval` (with ±20 % jitter)
    /// one revision probe asks Locker whether anything changed; when it did, the changes are
    /// fetched, the whole struct rebuilt and swapped in. See [`Live`].
    ///
    /// ```no_run
    /// # use locker_config::LockerConfig;
    /// # #[derive(LockerConfig)] struct AppConfig { database_url: String }
    /// # fn run() -> locker_config::Result<()> {
    /// use std::time::Duration;
    /// let live = AppConfig::loader().environment("prod").watch(Duration::from_secs(30))?;
    /// let cfg = live.current();
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`load`](Self::load); [`ErrorKind::InvalidInput`] for a zero interval.
    pub fn watch(self, interval: Duration) -> Result<Live<T>> {
        crate::runtime::block_on(self.watch_inner(interval))
    }

    /// [`watch`](Self::watch), asynchronously.
    ///
    /// # Errors
    ///
    /// As [`watch`](Self::watch).
    pub async fn watch_async(self, interval: Duration) -> Result<Live<T>> {
        let (source, want, overrides) = self.prepare()?;
        let (build, ignored) = live_build::<T>(overrides);
        live::start_on_runtime(source, want, build, ignored, interval).await
    }

    fn watch_inner(
        self,
        interval: Duration,
    ) -> impl Future<Output = Result<Live<T>>> + Send + 'static {
        let prepared = self.prepare();
        async move {
            let (source, want, overrides) = prepared?;
            let (build, ignored) = live_build::<T>(overrides);
            live::start(source, want, build, ignored, interval).await
        }
    }

    /// Checks the overrides and resolves the environment and client.
    #[allow(clippy::type_complexity)]
    fn prepare(self) -> Result<(Source, Want, Vec<(String, Zeroizing<String>)>)> {
        for (key, _) in &self.overrides {
            check_key::<T>(key, "override")?;
        }
        let want = Want {
            environment: environment_or_default::<T>(self.environment)?,
            keys: Some(config_keys::<T>().into_iter().collect::<BTreeSet<_>>()),
        };
        Ok((self.source.resolve()?, want, self.overrides))
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
        Ok(Resolved {
            environment: environment_or_default::<T>(self.environment)?,
            client: self.source.resolve()?.client,
            overrides: self.overrides,
        })
    }
}

/// The environment given to the loader, else `LOCKER_ENVIRONMENT`.
fn environment_or_default<T: LockerConfig>(given: Option<String>) -> Result<String> {
    if let Some(environment) = given {
        return Ok(environment);
    }
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

/// The keys a config reads (nested keys and aliases included): the only records a load
/// decrypts.
fn config_keys<T: LockerConfig>() -> Vec<String> {
    super::read_keys::<T>()
}

/// What a live `T` rebuilds itself with on every change, and the overridden keys, whose changes
/// in Locker are not changes of the config.
fn live_build<T: LockerConfig>(
    overrides: Vec<(String, Zeroizing<String>)>,
) -> (BuildFn<T>, BTreeSet<String>) {
    let ignored = overrides.iter().map(|(k, _)| k.clone()).collect();
    let build: BuildFn<T> = Arc::new(move |records: &Records, _: &Origin| {
        build_from::<T>(records, &overrides).map(|(config, _)| config)
    });
    (build, ignored)
}

/// Builds `T` from the records of one environment ("All" as the fallback) and the overrides.
fn build_from<T: LockerConfig>(
    records: &Records,
    overrides: &[(String, Zeroizing<String>)],
) -> Result<(T, Vec<FieldSource>)> {
    build::<T>(&values_from(records, overrides))
}

/// The key→value map of one environment ("All" as the fallback), overrides on top.
fn values_from(records: &Records, overrides: &[(String, Zeroizing<String>)]) -> Values {
    let mut values = Values::new(Some(records.environment.clone()));
    for (key, (value, in_environment)) in records.resolved() {
        let source = if in_environment {
            ValueSource::Environment(records.environment.clone())
        } else {
            ValueSource::All
        };
        values.set_if_absent(key.to_owned(), value.to_owned(), source);
    }
    for (key, value) in overrides {
        values.set(key.clone(), value.to_string(), ValueSource::Override);
    }
    values
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
    use super::values_from;
    use crate::config::ValueSource;
    use crate::snapshot::Records;
    use zeroize::Zeroizing;

    #[test]
    fn environment_wins_over_all_in_any_order_and_overrides_win_over_both() {
        let records = Records::for_tests(
            "prod",
            &[
                ("1", "A", "all-a", false),
                ("2", "A", "prod-a", true),
                ("3", "B", "prod-b", true),
                ("4", "B", "all-b", false),
                ("5", "C", "all-c", false),
                ("6", "D", "all-d", false),
            ],
        );
        let overrides = [("D".to_owned(), Zeroizing::new("given".to_owned()))];
        let values = values_from(&records, &overrides);
        let get = |k: &str| values.get(k).map(|(v, s)| (v.to_owned(), s.clone()));
        let prod = ValueSource::Environment("prod".into());
        assert_eq!(get("A"), Some(("prod-a".into(), prod.clone())));
        assert_eq!(get("B"), Some(("prod-b".into(), prod)));
        assert_eq!(get("C"), Some(("all-c".into(), ValueSource::All)));
        assert_eq!(get("D"), Some(("given".into(), ValueSource::Override)));
        assert_eq!(get("E"), None);
    }
}
