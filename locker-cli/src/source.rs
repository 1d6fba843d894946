//! What `run` and `diff` see of an environment: every key it resolves (the environment's own
//! value, else the one in "All") with where the values came from, loaded once or watched for
//! changes.
//!
//! This is the library's untyped loader ([`EnvValues`]) with its encrypted snapshots and
//! fallback rules, its layers (a dotenv file below Locker, locker's own environment above it)
//! and its live refresh ([`Live`]): the command adds nothing of its own.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use locker_config::{Changes, EnvValues, Live, Locker, Origin, Result, ValuesLoader};

/// Every key of one environment with its value: the environment's own, else "All"'s.
pub(crate) type Values = EnvValues;

/// The age of the snapshot the values came from, when they did not come from Locker.
pub(crate) fn snapshot_age(values: &Values) -> Option<Duration> {
    match values.origin() {
        Origin::Snapshot { age, .. } => Some(*age),
        _ => None,
    }
}

/// The layers around Locker a command asked for; none by default.
#[derive(Debug, Clone, Default)]
pub(crate) struct Layers {
    /// A dotenv file whose keys fill what Locker lacks.
    pub(crate) dotenv: Option<PathBuf>,
    /// Locker's own environment wins over Locker: `Some(empty)` for every key, else for the
    /// keys listed.
    pub(crate) preserve_env: Option<Vec<String>>,
}

impl Layers {
    fn loader(&self, environment: impl Into<String>) -> ValuesLoader {
        let mut loader = EnvValues::loader(environment);
        if let Some(path) = &self.dotenv {
            loader = loader.dotenv_file(path);
        }
        if let Some(keys) = &self.preserve_env {
            loader = loader.process_env("");
            if !keys.is_empty() {
                loader = loader.process_env_keys(keys.iter().cloned());
            }
        }
        loader
    }
}

/// Loads the values of `environment`, falling back to the local snapshot when Locker cannot
/// be reached (the library's default policy).
///
/// # Errors
///
/// [`locker_config::ErrorKind::NotFound`] for an unknown environment; otherwise as the
/// library's loader.
pub(crate) async fn load(locker: &Locker, environment: &str, layers: &Layers) -> Result<Values> {
    layers
        .loader(environment)
        .client(locker.clone())
        .load_async()
        .await
}

/// An environment kept current by the library's live refresh; the refresh stops when this is
/// dropped.
#[derive(Debug)]
pub(crate) struct Watch {
    live: Live<EnvValues>,
    changes: Changes,
}

impl Watch {
    /// The latest values.
    pub(crate) fn current(&self) -> Arc<Values> {
        self.live.current()
    }

    /// Waits for the next change and returns the keys whose value changed, appeared or went
    /// away (changes that are already waiting are merged). `None` once watching ended.
    pub(crate) async fn changed(&mut self) -> Option<Vec<String>> {
        let first = self.changes.next().await?;
        let mut keys: Vec<String> = first.keys().into_iter().map(str::to_owned).collect();
        while let Some(more) = self.changes.try_next() {
            keys.extend(more.keys().into_iter().map(str::to_owned));
        }
        keys.sort();
        keys.dedup();
        Some(keys)
    }
}

/// Loads `environment`, then lets the library check it for changes every `interval` (one
/// cheap revision probe per tick; only changed records are fetched).
///
/// # Errors
///
/// As [`load`], for the first load.
pub(crate) async fn watch(
    locker: Locker,
    environment: String,
    layers: &Layers,
    interval: Duration,
) -> Result<Watch> {
    let live = layers
        .loader(environment)
        .client(locker)
        .watch_async(interval)
        .await?;
    let changes = live.subscribe();
    Ok(Watch { live, changes })
}
