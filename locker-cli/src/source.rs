//! What `run` and `diff` see of an environment: every key it resolves (the environment's own
//! value, else the one in "All") with where the values came from, loaded once or watched for
//! changes. The rest of the command never asks how.

// Adapter over the library's untyped loader.
//
// The library's `EnvValues::loader(env)…load_async()` and `watch_async(interval)` (a
// `Live<EnvValues>`) are what this module stands for: `Values` mirrors `EnvValues` (get, iter
// sorted by key, len, origin) and `Watch` mirrors `Live` (current, a stream of changed keys).
// Until that loader is available this is built on the client: one environment lookup and one
// list of every secret, the environment over "All", and a polling task for changes. Swapping
// to the loader (and with it encrypted snapshots and the fallback rules) changes this file only.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use locker_config::{Error, ErrorKind, Locker, Result};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Where values came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Origin {
    /// Fetched from Locker just now.
    Network,
    /// Read from the local snapshot because Locker could not be reached.
    #[allow(dead_code)] // produced by the library's loader
    Snapshot {
        /// How old the snapshot is.
        age: Duration,
    },
}

/// Every key of one environment with its value: the environment's own, else "All"'s.
///
/// `Debug` lists the keys, never a value.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Values {
    map: BTreeMap<String, String>,
    origin: Origin,
}

impl Values {
    /// The value of `key`, if the environment resolves it.
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.map.get(key).map(String::as_str)
    }

    /// Every key and value, sorted by key.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.map.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// How many keys there are.
    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }

    /// Where the values came from.
    pub(crate) fn origin(&self) -> &Origin {
        &self.origin
    }
}

impl fmt::Debug for Values {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Values")
            .field("keys", &self.map.keys().collect::<Vec<_>>())
            .field("origin", &self.origin)
            .finish()
    }
}

/// The age of the snapshot the values came from, when they did not come from Locker.
pub(crate) fn snapshot_age(values: &Values) -> Option<Duration> {
    match values.origin() {
        Origin::Snapshot { age, .. } => Some(*age),
        Origin::Network => None,
    }
}

/// Loads the values of `environment`.
///
/// # Errors
///
/// [`ErrorKind::NotFound`] for an unknown environment; otherwise as the client's requests.
pub(crate) async fn load(locker: &Locker, environment: &str) -> Result<Values> {
    let env = locker.get_environment(environment).await?.ok_or_else(|| {
        Error::new(
            ErrorKind::NotFound,
            format!("no environment named {environment:?}"),
        )
    })?;
    let mut shared = BTreeMap::new();
    let mut own = BTreeMap::new();
    for s in locker.list_secrets(None).await? {
        match s.environment_id.as_deref() {
            None => {
                shared.insert(s.key, s.value);
            }
            Some(id) if id == env.id => {
                own.insert(s.key, s.value);
            }
            Some(_) => {}
        }
    }
    shared.extend(own);
    Ok(Values {
        map: shared,
        origin: Origin::Network,
    })
}

/// An environment watched for changes; the polling stops when it is dropped.
#[derive(Debug)]
pub(crate) struct Watch {
    current: Arc<Values>,
    changes: mpsc::Receiver<(Arc<Values>, Vec<String>)>,
    task: JoinHandle<()>,
}

impl Watch {
    /// The latest values.
    pub(crate) fn current(&self) -> Arc<Values> {
        self.current.clone()
    }

    /// Waits for the next change and returns the keys whose value changed, appeared or went
    /// away (several changes that are already waiting are merged). `None` once watching ended.
    pub(crate) async fn changed(&mut self) -> Option<Vec<String>> {
        let (values, mut keys) = self.changes.recv().await?;
        self.current = values;
        while let Ok((values, more)) = self.changes.try_recv() {
            self.current = values;
            keys.extend(more);
        }
        keys.sort();
        keys.dedup();
        Some(keys)
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Loads `environment` and then checks it again every `interval`.
///
/// A failed check keeps the current values (the problem is logged without values) and the
/// next tick tries again.
///
/// # Errors
///
/// As [`load`], for the first load.
pub(crate) async fn watch(
    locker: Locker,
    environment: String,
    interval: Duration,
) -> Result<Watch> {
    let first = Arc::new(load(&locker, &environment).await?);
    let (tx, rx) = mpsc::channel(16);
    let mut last = first.clone();
    let task = tokio::spawn(async move {
        let mut ticks = tokio::time::interval(interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticks.tick().await; // the first tick is immediate: that was the first load
        loop {
            ticks.tick().await;
            let next = match load(&locker, &environment).await {
                Ok(v) => Arc::new(v),
                Err(e) => {
                    tracing::warn!(environment = %environment, error = %e, "could not check the environment for changes");
                    continue;
                }
            };
            let keys = changed_keys(&last, &next);
            if keys.is_empty() {
                continue;
            }
            last = next.clone();
            if tx.send((next, keys)).await.is_err() {
                return;
            }
        }
    });
    Ok(Watch {
        current: first,
        changes: rx,
        task,
    })
}

/// The keys whose value differs between `a` and `b`, including keys only one of them has.
fn changed_keys(a: &Values, b: &Values) -> Vec<String> {
    let mut keys: Vec<String> = a
        .map
        .iter()
        .filter(|(k, v)| b.map.get(*k) != Some(*v))
        .map(|(k, _)| k.clone())
        .collect();
    keys.extend(b.map.keys().filter(|k| !a.map.contains_key(*k)).cloned());
    keys.sort();
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(pairs: &[(&str, &str)]) -> Values {
        Values {
            map: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            origin: Origin::Network,
        }
    }

    #[test]
    fn changed_keys_cover_changes_additions_and_removals() {
        let a = values(&[("A", "1"), ("B", "2"), ("C", "3")]);
        let b = values(&[("A", "1"), ("B", "two"), ("D", "4")]);
        assert_eq!(changed_keys(&a, &b), ["B", "C", "D"]);
        assert!(changed_keys(&a, &a).is_empty());
    }

    #[test]
    fn debug_shows_keys_only() {
        let v = values(&[("DATABASE_URL", "postgres://user:hunter2@db/app")]);
        let s = format!("{v:?}");
        assert!(s.contains("DATABASE_URL") && !s.contains("hunter2"), "{s}");
        assert_eq!(
            v.get("DATABASE_URL"),
            Some("postgres://user:hunter2@db/app")
        );
        assert_eq!(v.len(), 1);
        assert_eq!(snapshot_age(&v), None);
    }
}
