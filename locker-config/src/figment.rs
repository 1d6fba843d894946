//! Locker as a [figment] provider (feature `figment`).
//!
//! ```no_run
//! use figment::Figment;
//! use figment::providers::{Env, Format, Json};
//! use locker_config::EnvValues;
//! use locker_config::figment::LockerProvider;
//!
//! #[derive(serde::Deserialize)]
//! struct Settings {
//!     port: u16,                                   // HTTP port: PORT
//!     database_url: locker_config::Secret<String>, // DATABASE_URL, never printed
//!     db: Db,                                      // DB__POOL in Locker → db.pool
//! }
//! #[derive(serde::Deserialize)]
//! struct Db { pool: u32 }
//!
//! let settings: Settings = Figment::new()
//!     .merge(Json::file("App.json"))                             // lowest
//!     .merge(LockerProvider::new(EnvValues::loader("prod")))   // over the file
//!     .merge(Env::prefixed("APP_"))                              // highest
//!     .extract()?;
//! # Ok::<(), figment::Error>(())
//! ```

use std::collections::BTreeMap;

use figment::value::{Dict, Map, Value};
use figment::{Error, Metadata, Profile, Provider};

use crate::values::{EnvValues, ValuesLoader};

/// Every key of one Locker environment ("All" as the fallback) as a [`figment::Provider`].
///
/// Built from a [`ValuesLoader`], so the values go through the same pipeline as the derive's:
/// decryption and integrity checks, snapshots and their fallback, the loader's process
/// environment and dotenv layers. Keys are lowercased and `__` nests (`DB__POOL` → `db.pool`);
/// values are typed as figment's own `Env` provider types them (`"9000"` is a number,
/// `"true"` a bool, `[1, 2]` an array), so they extract into the same types.
///
/// The data is loaded when figment asks for it ([`Figment::merge`](figment::Figment::merge)
/// does at once), blocking the calling thread; that works inside a tokio runtime too. The
/// provider's metadata names Locker and the environment, and maps keys back to Locker's, so
/// an error says `for key "DB__POOL" in Locker environment "prod"`. (figment's own type errors
/// also quote the value they found; use [`Secret`](crate::Secret) fields, or this crate's
/// derive, for values that must never be shown.)
#[derive(Debug, Clone)]
pub struct LockerProvider {
    loader: ValuesLoader,
    profile: Profile,
}

impl LockerProvider {
    /// A provider of what `loader` loads, for figment's default profile.
    pub fn new(loader: ValuesLoader) -> Self {
        LockerProvider {
            loader,
            profile: Profile::Default,
        }
    }

    /// The figment profile the values are emitted for. Default: [`Profile::Default`].
    #[must_use]
    pub fn profile(mut self, profile: impl Into<Profile>) -> Self {
        self.profile = profile.into();
        self
    }
}

impl Provider for LockerProvider {
    fn metadata(&self) -> Metadata {
        Metadata::named(format!(
            "Locker environment {:?}",
            self.loader.environment()
        ))
        .interpolater(|_: &Profile, keys: &[&str]| {
            keys.iter()
                .map(|k| k.to_ascii_uppercase())
                .collect::<Vec<_>>()
                .join("__")
        })
    }

    fn data(&self) -> Result<Map<Profile, Dict>, Error> {
        let values = self
            .loader
            .clone()
            .load()
            .map_err(|e| Error::from(e.to_string()))?;
        let mut map = Map::new();
        map.insert(self.profile.clone(), dict(&values));
        Ok(map)
    }
}

/// The values as a nested dictionary: keys lowercased and split at `__`, values parsed as
/// figment's `Env` provider parses them.
fn dict(values: &EnvValues) -> Dict {
    let mut dict = Dict::new();
    for (key, value) in values.iter() {
        let parsed: Value = value.parse().unwrap_or_else(|never| match never {});
        insert(&mut dict, &path(key), parsed);
    }
    dict
}

/// `DB__POOL` → `["db", "pool"]`.
fn path(key: &str) -> Vec<String> {
    key.to_ascii_lowercase()
        .split("__")
        .map(str::to_owned)
        .collect()
}

/// Sets `path` in `dict`; a later value replaces an earlier one, except that two tables merge
/// (as figment merges its `Env` provider's variables).
fn insert(dict: &mut Dict, path: &[String], value: Value) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    if rest.is_empty() {
        dict.insert(first.clone(), value);
        return;
    }
    let entry = dict
        .entry(first.clone())
        .or_insert_with(|| Value::from(BTreeMap::<String, Value>::new()));
    if !matches!(entry, Value::Dict(..)) {
        *entry = Value::from(BTreeMap::<String, Value>::new());
    }
    if let Value::Dict(_, inner) = entry {
        insert(inner, rest, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_nest_and_values_are_typed_like_figments_env() {
        let mut dict = Dict::new();
        for (k, v) in [
            ("DB__POOL", "5"),
            ("DB__URL", "postgres://x"),
            ("PORT", "9000"),
            ("ON", "true"),
        ] {
            insert(&mut dict, &path(k), v.parse().unwrap());
        }
        let db = dict["db"].as_dict().unwrap();
        assert_eq!(db["pool"].to_u128(), Some(5));
        assert_eq!(db["url"].as_str(), Some("postgres://x"));
        assert_eq!(dict["port"].to_u128(), Some(9000));
        assert_eq!(dict["on"].to_bool(), Some(true));
    }
}
