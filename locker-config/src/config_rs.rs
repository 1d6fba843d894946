//! Locker as a [config-rs](config) source (feature `config`).
//!
//! ```no_run
//! use config::{Config, File};
//! use locker_config::EnvValues;
//! use locker_config::config_rs::LockerSource;
//!
//! #[derive(serde::Deserialize)]
//! struct Settings {
//!     port: u16,                                   // PORT = "9000" in Locker
//!     database_url: locker_config::Secret<String>, // DATABASE_URL, never printed
//! }
//!
//! let settings: Settings = Config::builder()
//!     .add_source(File::with_name("App").required(false))          // lowest
//!     .add_source(LockerSource::new(EnvValues::loader("prod")))     // over the file
//!     .add_source(config::Environment::with_prefix("APP"))          // highest
//!     .build()?
//!     .try_deserialize()?;
//! # Ok::<(), config::ConfigError>(())
//! ```
//!
//! In async code, [`LockerSource`] is also a [`config::AsyncSource`]:
//! `Config::builder().add_async_source(LockerSource::new(…)).build().await`.

use config::{AsyncSource, ConfigError, Map, Source, Value, ValueKind};

use crate::values::{EnvValues, ValuesLoader};

/// Every key of one Locker environment ("All" as the fallback) as a [`config::Source`] and a
/// [`config::AsyncSource`].
///
/// Built from a [`ValuesLoader`], so the values go through the same pipeline as the derive's:
/// decryption and integrity checks, snapshots and their fallback, the loader's process
/// environment and dotenv layers. Keys are lowercased and `__` nests (`DB__POOL` → `db.pool`);
/// values are strings, as config-rs's own `Environment` source gives them, which config-rs
/// converts on extraction (`"9000"` extracts as a `u16`, `"true"` as a `bool`). Each value's
/// origin names Locker and the environment, never the value.
///
/// The synchronous [`Source::collect`] blocks the calling thread, and works inside a tokio
/// runtime too; [`AsyncSource::collect`] awaits.
#[derive(Debug, Clone)]
pub struct LockerSource {
    loader: ValuesLoader,
}

impl LockerSource {
    /// A source of what `loader` loads.
    pub fn new(loader: ValuesLoader) -> Self {
        LockerSource { loader }
    }

    fn map(&self, values: &EnvValues) -> Map<String, Value> {
        let origin = format!("Locker environment {:?}", self.loader.environment());
        values
            .iter()
            .map(|(key, value)| {
                let key = key.to_ascii_lowercase().replace("__", ".");
                let value = Value::new(Some(&origin), ValueKind::String(value.to_owned()));
                (key, value)
            })
            .collect()
    }
}

fn foreign(err: crate::error::Error) -> ConfigError {
    ConfigError::Foreign(Box::new(err))
}

impl Source for LockerSource {
    fn clone_into_box(&self) -> Box<dyn Source + Send + Sync> {
        Box::new(self.clone())
    }

    fn collect(&self) -> Result<Map<String, Value>, ConfigError> {
        let values = self.loader.clone().load().map_err(foreign)?;
        Ok(self.map(&values))
    }
}

#[async_trait::async_trait]
impl AsyncSource for LockerSource {
    async fn collect(&self) -> Result<Map<String, Value>, ConfigError> {
        let values = self.loader.clone().load_async().await.map_err(foreign)?;
        Ok(self.map(&values))
    }
}
