//! [`Loader`]: one load = one list request, then every field resolved from memory.

use std::collections::BTreeSet;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use zeroize::Zeroizing;

use super::build::{Values, build, check_key};
use super::report::{FieldSource, ValueSource};
use super::{LockerConfig, read_keys};
use crate::client::{Locker, Want};
use crate::error::{Error, ErrorKind, Result};
use crate::layers::{DotenvFile, EnvLookup, EnvVar, ProcessEnv};
use crate::live::{self, BuildFn, Live};
use crate::pipeline::{self, Source, SourceSettings};
use crate::snapshot::{CachePolicy, Origin, Records};

/// The environment variable naming the environment when none is given.
pub const ENVIRONMENT_VAR: &str = "LOCKER_ENVIRONMENT";

/// Loads a config type with full control: environment, client, overrides, layers.
///
/// Get one from `AppConfig::loader()`. Setters consume and return the loader.
///
/// A field's value comes from the highest of these layers that sets its key or one of its
/// aliases (within a layer, the key before the aliases):
///
/// 1. [`override_value`](Self::override_value);
/// 2. the process environment, when asked for with [`process_env`](Self::process_env) or
///    `#[locker(env_prefix = "…")]`: the variable `prefix + key`;
/// 3. Locker: the environment, then "All";
/// 4. a dotenv file, when given with [`dotenv_file`](Self::dotenv_file);
/// 5. the field's `default_in(…)` for the environment, then its `default`.
///
/// The layers are read before the list request and add none: a load is still one request
/// (plus the client's profile, once).
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
    process_env: Option<String>,
    dotenv: Option<PathBuf>,
    env_lookup: EnvLookup,
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
            .field("process_env", &self.process_env)
            .field("dotenv_file", &self.dotenv)
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
            process_env: self.process_env.clone(),
            dotenv: self.dotenv.clone(),
            env_lookup: self.env_lookup.clone(),
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
    /// [`Locker::from_env`]), no overrides and no dotenv file; the process environment is read
    /// only with the struct's `#[locker(env_prefix = "…")]`.
    pub fn new() -> Self {
        Loader {
            environment: None,
            overrides: Vec::new(),
            process_env: None,
            dotenv: None,
            env_lookup: EnvLookup::Process,
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

    /// Lets process environment variables override Locker: a field reads `prefix + key` (for
    /// a nested field, its full key: `MYAPP_` + `DB_URL`), then `prefix + alias` for each
    /// alias, before Locker. Only these variables are looked up. `""` reads the bare keys.
    /// Default: the struct's `#[locker(env_prefix = "…")]`, else no process environment.
    ///
    /// The report of [`load_with_sources`](Self::load_with_sources) names the variable
    /// ([`ValueSource::ProcessEnv`]), never its value, and [`check`](Self::check) lists the
    /// keys the process environment shadows.
    ///
    /// ```no_run
    /// # use locker_config::LockerConfig;
    /// # #[derive(LockerConfig)] struct AppConfig { #[locker(key = "HTTP_PORT")] port: u16 }
    /// // MYAPP_HTTP_PORT=9000 in the process environment wins over HTTP_PORT in Locker.
    /// let cfg = AppConfig::loader().environment("prod").process_env("MYAPP_").load()?;
    /// # Ok::<(), locker_config::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Loading fails ([`ErrorKind::InvalidInput`]) for a prefix containing `=` or a NUL
    /// character, and ([`ErrorKind::Config`]) for a variable that is not valid UTF-8.
    pub fn process_env(mut self, prefix: impl Into<String>) -> Self {
        self.process_env = Some(prefix.into());
        self
    }

    /// Fills what Locker lacks from a dotenv file (`KEY=value` lines, parsed with `dotenvy`:
    /// quotes, `export`, comments, `${VAR}` substitution), below Locker and above the defaults.
    /// A missing file is no layer, so a `.env.local` can stay on developer machines only. Only
    /// the keys the config reads are kept; a key set twice takes its last value. Default: none.
    ///
    /// ```no_run
    /// # use locker_config::LockerConfig;
    /// # #[derive(LockerConfig)] struct AppConfig { #[locker(key = "HTTP_PORT")] port: u16 }
    /// let cfg = AppConfig::loader().environment("dev").dotenv_file(".env.local").load()?;
    /// # Ok::<(), locker_config::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Loading fails ([`ErrorKind::Config`]) when the file is malformed (the error names the
    /// file and line, never its content), is not a regular file (a FIFO or device is refused
    /// without being waited on), is larger than 1 MiB, or cannot be read.
    pub fn dotenv_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.dotenv = Some(path.into());
        self
    }

    /// Reads process environment variables from `vars` instead of the process (unit tests
    /// never change their own process's environment).
    #[cfg(test)]
    pub(crate) fn env_lookup(mut self, vars: &[(&str, &str)]) -> Self {
        self.env_lookup = EnvLookup::Map(Arc::new(
            vars.iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        ));
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
            let (source, want, layers) = self.prepare()?;
            let environment = want.environment.clone();
            let (records, origin) = pipeline::load(&source, &want).await?;
            let result = build_from::<T>(&records, &layers);
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
        let (source, want, layers) = self.prepare()?;
        let (build, ignored) = live_build::<T>(layers);
        live::start_on_runtime(source, want, build, ignored, interval).await
    }

    fn watch_inner(
        self,
        interval: Duration,
    ) -> impl Future<Output = Result<Live<T>>> + Send + 'static {
        let prepared = self.prepare();
        async move {
            let (source, want, layers) = prepared?;
            let (build, ignored) = live_build::<T>(layers);
            live::start(source, want, build, ignored, interval).await
        }
    }

    /// Checks the overrides, reads the layers and resolves the environment and client.
    fn prepare(self) -> Result<(Source, Want, Layers)> {
        let environment = environment_or_default::<T>(self.environment.clone())?;
        let layers = Layers::read::<T>(
            self.overrides,
            self.process_env,
            self.dotenv.as_deref(),
            self.env_lookup,
        )?;
        let want = Want {
            environment,
            keys: Some(Arc::clone(&read_keys::<T>().set)),
        };
        Ok((self.source.resolve()?, want, layers))
    }
}

/// What one load puts around Locker's values, read before the request: the overrides, the
/// process environment variables found and the dotenv file.
#[derive(Clone, Default)]
pub(super) struct Layers {
    overrides: Vec<(String, Zeroizing<String>)>,
    process: Vec<EnvVar>,
    dotenv: Option<DotenvFile>,
}

impl Layers {
    /// Checks the overrides' keys and reads the process environment (`prefix`, else
    /// `T::ENV_PREFIX`) and the dotenv file for the keys `T` reads.
    fn read<T: LockerConfig>(
        overrides: Vec<(String, Zeroizing<String>)>,
        prefix: Option<String>,
        dotenv: Option<&Path>,
        lookup: EnvLookup,
    ) -> Result<Self> {
        for (key, _) in &overrides {
            check_key::<T>(key, "override")?;
        }
        let keys = read_keys::<T>();
        let process = match prefix.as_deref().or(T::ENV_PREFIX) {
            Some(prefix) => {
                ProcessEnv::new(prefix, lookup)?.read(keys.ordered.iter().map(String::as_str))?
            }
            None => Vec::new(),
        };
        let dotenv = match dotenv {
            Some(path) => DotenvFile::read(path)?.map(|mut file| {
                file.entries.retain(|e| keys.set.contains(&e.key));
                file
            }),
            None => None,
        };
        Ok(Layers {
            overrides,
            process,
            dotenv,
        })
    }

    /// The keys whose value in Locker does not matter: overridden, or set in the process
    /// environment.
    fn shadowed_keys(&self) -> BTreeSet<String> {
        let overridden = self.overrides.iter().map(|(k, _)| k.clone());
        overridden
            .chain(self.process.iter().map(|v| v.key.clone()))
            .collect()
    }
}

/// A loader's settings with the environment and client resolved, for `check`.
pub(super) struct Resolved {
    pub(super) environment: String,
    pub(super) client: Locker,
    pub(super) layers: Layers,
}

impl<T: LockerConfig> Loader<T> {
    /// For `check`: the environment and client this loader would use (resolved from the
    /// process environment when not set), and its layers.
    pub(super) fn resolved(self) -> Result<Resolved> {
        let environment = environment_or_default::<T>(self.environment)?;
        let layers = Layers::read::<T>(
            self.overrides,
            self.process_env,
            self.dotenv.as_deref(),
            self.env_lookup,
        )?;
        Ok(Resolved {
            environment,
            client: self.source.resolve()?.client,
            layers,
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

/// What a live `T` rebuilds itself with on every change (the layers as read at the start), and
/// the keys whose changes in Locker are not changes of the config.
fn live_build<T: LockerConfig>(layers: Layers) -> (BuildFn<T>, BTreeSet<String>) {
    let ignored = layers.shadowed_keys();
    let build: BuildFn<T> = Arc::new(move |records: &Records, _: &Origin| {
        build_from::<T>(records, &layers).map(|(config, _)| config)
    });
    (build, ignored)
}

/// Builds `T` from the records of one environment ("All" as the fallback) and the layers.
fn build_from<T: LockerConfig>(
    records: &Records,
    layers: &Layers,
) -> Result<(T, Vec<FieldSource>)> {
    build::<T>(&values_from(records, layers))
}

/// The key→value map of one load: the dotenv file under Locker (the environment, then
/// "All"), the process environment and the overrides over it.
pub(super) fn values_from(records: &Records, layers: &Layers) -> Values {
    let mut values = Values::new(Some(records.environment.clone()));
    for (key, (value, in_environment)) in records.resolved() {
        let source = if in_environment {
            ValueSource::Environment(records.environment.clone())
        } else {
            ValueSource::All
        };
        values.set_if_absent(key.to_owned(), value.to_owned(), source);
    }
    if let Some(file) = &layers.dotenv {
        for entry in &file.entries {
            let source = ValueSource::DotenvFile {
                path: file.path.clone(),
                line: entry.line,
            };
            values.set_if_absent(entry.key.clone(), entry.value.to_string(), source);
        }
    }
    for found in &layers.process {
        let source = ValueSource::ProcessEnv {
            var: found.var.clone(),
        };
        values.set(found.key.clone(), found.value.to_string(), source);
    }
    for (key, value) in &layers.overrides {
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
    use super::{Layers, Loader, values_from};
    use crate::client::Locker;
    use crate::config::ValueSource;
    use crate::layers::{DotenvFile, EnvLookup};
    use crate::snapshot::Records;
    use std::path::Path;
    use std::sync::Arc;
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
        let layers = Layers {
            overrides: vec![("D".to_owned(), Zeroizing::new("given".to_owned()))],
            ..Layers::default()
        };
        let values = values_from(&records, &layers);
        let get = |k: &str| values.get(k).map(|(v, s)| (v.to_owned(), s.clone()));
        let prod = ValueSource::Environment("prod".into());
        assert_eq!(get("A"), Some(("prod-a".into(), prod.clone())));
        assert_eq!(get("B"), Some(("prod-b".into(), prod)));
        assert_eq!(get("C"), Some(("all-c".into(), ValueSource::All)));
        assert_eq!(get("D"), Some(("given".into(), ValueSource::Override)));
        assert_eq!(get("E"), None);
    }

    #[derive(Debug, crate::LockerConfig)]
    struct Db {
        url: String,
        #[locker(default = 5)]
        pool: u32,
    }

    #[derive(Debug, crate::LockerConfig)]
    struct App {
        #[locker(nested)]
        db: Db,
        #[locker(key = "HTTP_PORT", alias = "PORT", default = 80)]
        port: u16,
        name: String,
        region: String,
        #[locker(default = "d")]
        level: String,
    }

    #[test]
    fn a_type_s_keys_are_computed_once_in_field_order_with_aliases() {
        let keys = super::read_keys::<App>();
        assert_eq!(
            keys.ordered,
            [
                "DB_URL",
                "DB_POOL",
                "HTTP_PORT",
                "PORT",
                "NAME",
                "REGION",
                "LEVEL"
            ]
        );
        assert_eq!(keys.set.len(), keys.ordered.len());
        assert!(keys.ordered.iter().all(|k| keys.set.contains(k)));
        // Every load of the type shares them; another type has its own.
        assert!(std::ptr::eq(keys, super::read_keys::<App>()));
        let client = Locker::new("id", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=").unwrap();
        let (_, want, _) = Loader::<App>::new()
            .client(client)
            .environment("prod")
            .prepare()
            .unwrap();
        assert!(Arc::ptr_eq(want.keys.as_ref().unwrap(), &keys.set));
        assert_eq!(super::read_keys::<Db>().ordered, ["URL", "POOL"]);
    }

    fn layers(vars: &[(&str, &str)], dotenv: &str, overrides: &[(&str, &str)]) -> Layers {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".env");
        std::fs::write(&path, dotenv).unwrap();
        let loader = Loader::<App>::new().env_lookup(vars);
        let mut layers = Layers::read::<App>(
            overrides
                .iter()
                .map(|(k, v)| ((*k).to_owned(), Zeroizing::new((*v).to_owned())))
                .collect(),
            Some("MYAPP_".into()),
            Some(&path),
            loader.env_lookup,
        )
        .unwrap();
        // Name the file as a user would have; the directory goes away.
        if let Some(file) = &mut layers.dotenv {
            file.path = Path::new(".env").to_owned();
        }
        layers
    }

    #[test]
    fn each_layer_in_its_place() {
        let records = Records::for_tests(
            "prod",
            &[
                ("1", "DB_URL", "locker-url", true),
                ("2", "NAME", "locker-name", false),
                ("3", "REGION", "locker-region", true),
            ],
        );
        let layers = layers(
            &[
                ("MYAPP_DB_URL", "env-url"),
                ("MYAPP_PORT", "8081"),
                ("DB_POOL", "bare"),
                ("MYAPP_REGION", "env-region"),
            ],
            "# local\nNAME=dotenv-name\nLEVEL=dotenv-level\nUNREAD=x\nDB_POOL=7\n",
            &[("REGION", "override-region")],
        );
        assert!(layers.dotenv.as_ref().unwrap().get("UNREAD").is_none());
        let (app, sources) = super::build_from::<App>(&records, &layers).unwrap();
        assert_eq!(app.db.url, "env-url");
        assert_eq!(app.db.pool, 7);
        assert_eq!(app.port, 8081);
        assert_eq!(app.name, "locker-name");
        assert_eq!(app.region, "override-region");
        assert_eq!(app.level, "dotenv-level");
        let shown: Vec<String> = sources.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "db.url (DB_URL) <- process environment MYAPP_DB_URL",
                "db.pool (DB_POOL) <- dotenv file .env, line 5",
                "port (HTTP_PORT) <- process environment MYAPP_PORT via alias PORT",
                "name (NAME) <- \"All\"",
                "region (REGION) <- override",
                "level (LEVEL) <- dotenv file .env, line 3",
            ]
        );
        assert_eq!(
            layers.shadowed_keys().into_iter().collect::<Vec<_>>(),
            ["DB_URL", "PORT", "REGION"]
        );
    }

    #[test]
    fn the_struct_prefix_applies_when_the_loader_names_none() {
        let lookup = EnvLookup::Map(std::sync::Arc::new(
            [("MYAPP_NAME".to_owned(), "env".to_owned())].into(),
        ));
        // App has no env_prefix: without process_env nothing is read.
        let none = Layers::read::<App>(Vec::new(), None, None, lookup.clone()).unwrap();
        assert!(none.process.is_empty());
        let some = Layers::read::<App>(Vec::new(), Some("MYAPP_".into()), None, lookup).unwrap();
        assert_eq!(some.process.len(), 1);
    }

    #[test]
    fn a_malformed_dotenv_file_fails_the_load_before_any_request() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".env");
        std::fs::write(&path, "NAME=fine\nthis line is not an assignment\n").unwrap();
        let err = Loader::<App>::new()
            .environment("prod")
            .dotenv_file(&path)
            .prepare()
            .err()
            .unwrap();
        assert_eq!(err.kind(), crate::ErrorKind::Config);
        assert!(
            err.message()
                .ends_with("is malformed at line 2: expected KEY=value"),
            "{err}"
        );
        assert!(!err.message().contains("assignment"));
        let _ = DotenvFile::read(&path);
    }
}
