//! Every key of one environment, resolved ("All" as the fallback), for programs that pass
//! secrets on rather than read a typed config (for example as environment variables).
//!
//! Same pipeline as the typed loader — one list, snapshots, cache policies, live refresh —
//! with "every key" in place of a config's keys.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use zeroize::Zeroizing;

use crate::client::{Locker, Want};
use crate::error::{Error, ErrorKind, Result};
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
    values: BTreeMap<String, Zeroizing<String>>,
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

    fn from_records(records: &Records, origin: &Origin) -> Self {
        EnvValues {
            values: records
                .resolved()
                .into_iter()
                .map(|(k, (v, _))| (k.to_owned(), Zeroizing::new(v.to_owned())))
                .collect(),
            origin: origin.clone(),
        }
    }

    /// The value of `key`, if the environment or "All" has it.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(|v| v.as_str())
    }

    /// Every `(key, value)`, sorted by key.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.values.iter().map(|(k, v)| (k.as_str(), v.as_str()))
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
pub struct ValuesLoader {
    environment: String,
    source: SourceSettings,
}

impl fmt::Debug for ValuesLoader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ValuesLoader")
            .field("environment", &self.environment)
            .field("source", &self.source)
            .finish()
    }
}

impl ValuesLoader {
    /// A loader of `environment` with the default client ([`Locker::from_env`]), snapshot
    /// directory and policy ([`CachePolicy::default`]).
    pub fn new(environment: impl Into<String>) -> Self {
        ValuesLoader {
            environment: environment.into(),
            source: SourceSettings::default(),
        }
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

    fn prepare(self) -> Result<(Source, Want)> {
        if self.environment.trim().is_empty() {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                "the environment name must not be empty",
            ));
        }
        let want = Want {
            environment: self.environment,
            keys: None,
        };
        Ok((self.source.resolve()?, want))
    }

    /// Loads asynchronously.
    ///
    /// # Errors
    ///
    /// As a typed load: Locker's errors, [`ErrorKind::NotFound`] for an unknown environment.
    pub async fn load_async(self) -> Result<EnvValues> {
        let (source, want) = self.prepare()?;
        let (records, origin) = pipeline::load(&source, &want).await?;
        Ok(EnvValues::from_records(&records, &origin))
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
            let (source, want) = prepared?;
            live::start(source, want, build(), Default::default(), interval).await
        })
    }

    /// [`watch`](Self::watch), asynchronously.
    ///
    /// # Errors
    ///
    /// As [`watch`](Self::watch).
    pub async fn watch_async(self, interval: Duration) -> Result<Live<EnvValues>> {
        let (source, want) = self.prepare()?;
        live::start_on_runtime(source, want, build(), Default::default(), interval).await
    }
}

fn build() -> BuildFn<EnvValues> {
    Arc::new(|records: &Records, origin: &Origin| Ok(EnvValues::from_records(records, origin)))
}
