//! Every key of one environment, resolved ("All" as the fallback), for programs that pass
//! secrets on rather than read a typed config (for example as environment variables).
//!
//! Same pipeline as the typed loader — one list, snapshots, cache policies, live refresh,
//! the process environment and dotenv layers — with "every key" in place of a config's keys.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use zeroize::Zeroizing;

use crate::client::{Locker, Want};
use crate::config::ValueSource;
use crate::error::{Error, ErrorKind, Result};
use crate::layers::{DotenvFile, EnvLookup, ProcessEnv};
use crate::live::{self, BuildFn, Live};
use crate::pipeline::{self, Source, SourceSettings};
use crate::snapshot::{CachePolicy, Origin, Records};

/// All keys of one environment, the environment's value winning over the one in "All".
///
/// `Debug` lists the keys and the origin, never a value.
///
/// ```no_run
/// use locker_config::EnvValues;
///
/// let values = EnvValues::loader("prod").load()?;
/// for (key, value) in values.iter() {
///     // e.g. command.env(key, value)
///     # let _ = (key, value);
/// }
/// println!("{} keys from {}", values.len(), values.origin());
/// # Ok::<(), locker_config::Error>(())
/// ```
pub struct EnvValues {
    values: BTreeMap<String, (Zeroizing<String>, ValueSource)>,
    origin: Origin,
}

impl fmt::Debug for EnvValues {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnvValues")
            .field("keys", &self.values.keys().collect::<Vec<_>>())
            .field("origin", &self.origin)
            .finish()
    }
}

impl EnvValues {
    /// A loader for `environment`; same as [`ValuesLoader::new`].
    pub fn loader(environment: impl Into<String>) -> ValuesLoader {
        ValuesLoader::new(environment)
    }

    /// Locker's values, the dotenv file's under them and the process environment's over them.
    fn from_records(records: &Records, origin: &Origin, layers: &ValueLayers) -> Result<Self> {
        let mut values: BTreeMap<String, (Zeroizing<String>, ValueSource)> = records
            .resolved()
            .into_iter()
            .map(|(k, (v, in_environment))| {
                let source = if in_environment {
                    ValueSource::Environment(records.environment.clone())
                } else {
                    ValueSource::All
                };
                (k.to_owned(), (Zeroizing::new(v.to_owned()), source))
            })
            .collect();
        if let Some(file) = &layers.dotenv {
            for entry in &file.entries {
                values.entry(entry.key.clone()).or_insert_with(|| {
                    let source = ValueSource::DotenvFile {
                        path: file.path.clone(),
                        line: entry.line,
                    };
                    (entry.value.clone(), source)
                });
            }
        }
        if let Some(process) = &layers.process {
            let keys = values.keys().map(String::as_str);
            let keys = keys.filter(|k| layers.process_keys.as_ref().is_none_or(|o| o.contains(*k)));
            for found in process.read(keys)? {
                let source = ValueSource::ProcessEnv { var: found.var };
                values.insert(found.key, (found.value, source));
            }
        }
        Ok(EnvValues {
            values,
            origin: origin.clone(),
        })
    }

    /// The value of `key`, if any layer has it.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(|(v, _)| v.as_str())
    }

    /// Where the value of `key` came from (never the value): the environment, "All", the
    /// process environment or the dotenv file.
    ///
    /// ```no_run
    /// use locker_config::EnvValues;
    /// use locker_config::config::ValueSource;
    ///
    /// let values = EnvValues::loader("prod").process_env("MYAPP_").load()?;
    /// if let Some(ValueSource::ProcessEnv { var }) = values.source("HTTP_PORT") {
    ///     println!("HTTP_PORT is overridden by {var}");
    /// }
    /// # Ok::<(), locker_config::Error>(())
    /// ```
    pub fn source(&self, key: &str) -> Option<&ValueSource> {
        self.values.get(key).map(|(_, source)| source)
    }

    /// Every `(key, value)`, sorted by key.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.values
            .iter()
            .map(|(k, (v, _))| (k.as_str(), v.as_str()))
    }

    /// The number of keys.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether there is no key at all.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Whether the values came from Locker or from the local snapshot.
    pub fn origin(&self) -> &Origin {
        &self.origin
    }
}

/// Loads [`EnvValues`]: the client, snapshots and live refresh as for a typed config.
///
/// ```no_run
/// use locker_config::{CachePolicy, EnvValues, ValuesLoader};
/// use std::time::Duration;
///
/// # fn run(locker: locker_config::Locker) -> locker_config::Result<()> {
/// let values = ValuesLoader::new("staging")
///     .client(locker)
///     .cache_policy(CachePolicy::NetworkOnly)
///     .load()?;
/// # Ok(()) }
/// ```
#[must_use]
#[derive(Clone)]
pub struct ValuesLoader {
    environment: String,
    process_env: Option<String>,
    process_keys: Option<BTreeSet<String>>,
    dotenv: Option<PathBuf>,
    env_lookup: EnvLookup,
    source: SourceSettings,
}

impl fmt::Debug for ValuesLoader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ValuesLoader")
            .field("environment", &self.environment)
            .field("process_env", &self.process_env)
            .field("process_env_keys", &self.process_keys)
            .field("dotenv_file", &self.dotenv)
            .field("source", &self.source)
            .finish()
    }
}

/// The layers around Locker of one [`ValuesLoader`].
#[derive(Clone, Default)]
struct ValueLayers {
    process: Option<ProcessEnv>,
    process_keys: Option<BTreeSet<String>>,
    dotenv: Option<DotenvFile>,
}

impl ValuesLoader {
    /// A loader of `environment` with the default client ([`Locker::from_env`]), snapshot
    /// directory and policy ([`CachePolicy::default`]).
    pub fn new(environment: impl Into<String>) -> Self {
        ValuesLoader {
            environment: environment.into(),
            process_env: None,
            process_keys: None,
            dotenv: None,
            env_lookup: EnvLookup::Process,
            source: SourceSettings::default(),
        }
    }

    /// The environment this loader loads.
    pub fn environment(&self) -> &str {
        &self.environment
    }

    /// Lets process environment variables override Locker: for every key the environment,
    /// "All" or the dotenv file holds, the variable `prefix + key` wins when set. Only these
    /// variables are looked up (a variable for a key no layer holds adds nothing); `""` reads
    /// the bare keys. Default: no process environment. As
    /// [`Loader::process_env`](crate::Loader::process_env).
    pub fn process_env(mut self, prefix: impl Into<String>) -> Self {
        self.process_env = Some(prefix.into());
        self
    }

    /// Limits [`process_env`](Self::process_env) to `keys`: only their variables are looked
    /// up, every other key keeps its value from Locker or the dotenv file. Default: every key.
    ///
    /// ```no_run
    /// use locker_config::EnvValues;
    ///
    /// // PORT=9000 in the process environment wins over PORT in Locker; DATABASE_URL does not.
    /// let values = EnvValues::loader("dev").process_env("").process_env_keys(["PORT"]).load()?;
    /// # Ok::<(), locker_config::Error>(())
    /// ```
    pub fn process_env_keys<I, K>(mut self, keys: I) -> Self
    where
        I: IntoIterator<Item = K>,
        K: Into<String>,
    {
        self.process_keys = Some(keys.into_iter().map(Into::into).collect());
        self
    }

    /// Adds the keys of a dotenv file that Locker lacks, below Locker; a missing file is no
    /// layer. As [`Loader::dotenv_file`](crate::Loader::dotenv_file), except that every key
    /// of the file is kept.
    pub fn dotenv_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.dotenv = Some(path.into());
        self
    }

    /// Reads process environment variables from `vars` instead of the process.
    #[cfg(test)]
    pub(crate) fn env_lookup(mut self, vars: &[(&str, &str)]) -> Self {
        self.env_lookup = EnvLookup::Map(Arc::new(
            vars.iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        ));
        self
    }

    /// The client to load with. Default: [`Locker::from_env`].
    pub fn client(mut self, locker: Locker) -> Self {
        self.source.client = Some(locker);
        self
    }

    /// The snapshot directory; as [`Loader::cache_dir`](crate::Loader::cache_dir).
    pub fn cache_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.source.cache_dir = Some(dir.into());
        self
    }

    /// The snapshot policy; as [`Loader::cache_policy`](crate::Loader::cache_policy).
    pub fn cache_policy(mut self, policy: CachePolicy) -> Self {
        self.source.policy = policy;
        self
    }

    /// The bound on waiting for Locker when a snapshot could stand in; as
    /// [`Loader::fallback_after`](crate::Loader::fallback_after). Default: 3 seconds.
    pub fn fallback_after(mut self, bound: Duration) -> Self {
        self.source.fallback_after = bound;
        self
    }

    /// The process environment layer (variables are read per load, for the keys found) and
    /// the dotenv file, read now.
    fn layers(&self) -> Result<ValueLayers> {
        Ok(ValueLayers {
            process: match &self.process_env {
                Some(prefix) => Some(ProcessEnv::new(prefix, self.env_lookup.clone())?),
                None => None,
            },
            process_keys: self.process_keys.clone(),
            dotenv: match &self.dotenv {
                Some(path) => DotenvFile::read(path)?,
                None => None,
            },
        })
    }

    fn prepare(self) -> Result<(Source, Want, ValueLayers)> {
        if self.environment.trim().is_empty() {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                "the environment name must not be empty",
            ));
        }
        let layers = self.layers()?;
        let want = Want {
            environment: self.environment,
            keys: None,
        };
        Ok((self.source.resolve()?, want, layers))
    }

    /// Loads asynchronously.
    ///
    /// # Errors
    ///
    /// As a typed load: Locker's errors, [`ErrorKind::NotFound`] for an unknown environment.
    pub async fn load_async(self) -> Result<EnvValues> {
        let (source, want, layers) = self.prepare()?;
        let (records, origin) = pipeline::load(&source, &want).await?;
        EnvValues::from_records(&records, &origin, &layers)
    }

    /// Loads, blocking the calling thread (works inside a tokio runtime too).
    ///
    /// # Errors
    ///
    /// As [`load_async`](Self::load_async).
    pub fn load(self) -> Result<EnvValues> {
        crate::runtime::block_on(self.load_async())
    }

    /// Loads, then keeps the values current; see [`Loader::watch`](crate::Loader::watch).
    ///
    /// # Errors
    ///
    /// As [`load`](Self::load); [`ErrorKind::InvalidInput`] for a zero interval.
    pub fn watch(self, interval: Duration) -> Result<Live<EnvValues>> {
        let prepared = self.prepare();
        crate::runtime::block_on(async move {
            let (source, want, layers) = prepared?;
            live::start(source, want, build(layers), Default::default(), interval).await
        })
    }

    /// [`watch`](Self::watch), asynchronously.
    ///
    /// # Errors
    ///
    /// As [`watch`](Self::watch).
    pub async fn watch_async(self, interval: Duration) -> Result<Live<EnvValues>> {
        let (source, want, layers) = self.prepare()?;
        live::start_on_runtime(source, want, build(layers), Default::default(), interval).await
    }
}

fn build(layers: ValueLayers) -> BuildFn<EnvValues> {
    Arc::new(move |records: &Records, origin: &Origin| {
        EnvValues::from_records(records, origin, &layers)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_process_environment_over_locker_over_the_dotenv_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".env");
        std::fs::write(&path, "A=dotenv-a\nLOCAL=dotenv-local\nONLY=dotenv-only\n").unwrap();
        let loader = ValuesLoader::new("prod")
            .process_env("APP_")
            .dotenv_file(&path)
            .env_lookup(&[
                ("APP_B", "env-b"),
                ("APP_LOCAL", "env-local"),
                ("APP_NEW", "x"),
            ]);
        let layers = loader.layers().unwrap();
        let records = Records::for_tests(
            "prod",
            &[
                ("1", "A", "all-a", false),
                ("2", "B", "prod-b", true),
                ("3", "C", "prod-c", true),
            ],
        );
        let values = EnvValues::from_records(&records, &Origin::Network, &layers).unwrap();
        let got: Vec<(&str, &str, String)> = values
            .iter()
            .map(|(k, v)| (k, v, values.source(k).unwrap().to_string()))
            .collect();
        let limited = ValuesLoader::new("prod")
            .process_env("APP_")
            .process_env_keys(["LOCAL", "C"])
            .env_lookup(&[("APP_B", "env-b"), ("APP_LOCAL", "env-local")])
            .dotenv_file(&path);
        let some = EnvValues::from_records(&records, &Origin::Network, &limited.layers().unwrap())
            .unwrap();
        assert_eq!(some.get("B"), Some("prod-b"), "B is not in the keys");
        assert_eq!(some.get("LOCAL"), Some("env-local"));
        assert_eq!(some.get("C"), Some("prod-c"), "no APP_C set");
        let only = format!("dotenv file {}, line 3", path.display());
        assert_eq!(
            got,
            [
                ("A", "all-a", "\"All\""),
                ("B", "env-b", "process environment APP_B"),
                ("C", "prod-c", "environment \"prod\""),
                ("LOCAL", "env-local", "process environment APP_LOCAL"),
                ("ONLY", "dotenv-only", only.as_str()),
            ]
            .map(|(k, v, s)| (k, v, s.to_owned()))
        );
    }
}
