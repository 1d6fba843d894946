//! Live configuration: a first load, then a background refresh that swaps in a whole new value
//! when Locker changes, and tells subscribers which keys changed.
//!
//! Each tick asks Locker's revision date (one small request); only when it moved are the
//! changes since the last fetch listed and applied by record id, the value rebuilt and swapped.
//! A value that fails to build keeps the current one (logged without values) and is retried on
//! the next tick. The refresh task runs on the library's own runtime and stops when the last
//! [`Live`] handle is dropped.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::{Arc, Weak};
use std::time::Duration;

use arc_swap::ArcSwap;
use tokio::sync::{Mutex, broadcast, oneshot};

use crate::client::{Locker, Want};
use crate::error::{Error, ErrorKind, Result};
use crate::pipeline::{self, Source};
use crate::snapshot::{self, Origin, Records, SnapshotFile};

/// Builds the live value from the records of one environment.
pub(crate) type BuildFn<T> = Arc<dyn Fn(&Records, &Origin) -> Result<T> + Send + Sync>;

/// How many changes a subscriber may fall behind before it misses some.
const CHANGE_BUFFER: usize = 64;

/// The longest a failing refresh backs off to, unless the interval itself is longer.
const MAX_BACKOFF: Duration = Duration::from_secs(300);

/// A configuration that stays current: see [`Loader::watch`](crate::Loader::watch).
///
/// Cheap to clone; clones share one value and one refresh task. The task stops when the last
/// handle is dropped.
///
/// ```no_run
/// # use locker_config::LockerConfig;
/// # #[derive(LockerConfig)] struct AppConfig { database_url: String }
/// # async fn run() -> locker_config::Result<()> {
/// use std::time::Duration;
///
/// let live = AppConfig::loader()
///     .environment("prod")
///     .watch_async(Duration::from_secs(30))
///     .await?;
/// let cfg = live.current(); // an Arc<AppConfig>, never half-updated
/// let mut changes = live.subscribe();
/// while let Some(change) = changes.next().await {
///     if change.keys().contains(&"DATABASE_URL") {
///         // reconnect with live.current().database_url
///     }
/// }
/// # Ok(()) }
/// ```
pub struct Live<T> {
    shared: Arc<Shared<T>>,
}

impl<T> Clone for Live<T> {
    fn clone(&self) -> Self {
        Live {
            shared: self.shared.clone(),
        }
    }
}

impl<T> fmt::Debug for Live<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Live").finish_non_exhaustive()
    }
}

struct Shared<T> {
    current: ArcSwap<T>,
    changes: broadcast::Sender<Change>,
    engine: Mutex<Engine<T>>,
    // Dropped with the last handle: the refresh task sees its receiver close and ends.
    _stop: oneshot::Sender<()>,
}

struct Engine<T> {
    client: Locker,
    want: Want,
    records: Records,
    file: Option<SnapshotFile>,
    snapshot_only: bool,
    build: BuildFn<T>,
    /// Keys whose changes do not matter (overridden by the loader).
    ignored: BTreeSet<String>,
}

/// A change of a live configuration: which keys changed (never their values).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    keys: Arc<[String]>,
}

impl Change {
    /// The keys whose value changed, was added or removed, sorted.
    pub fn keys(&self) -> Vec<&str> {
        self.keys.iter().map(String::as_str).collect()
    }
}

/// The changes of a [`Live`] value, from [`Live::subscribe`].
#[derive(Debug)]
pub struct Changes {
    rx: broadcast::Receiver<Change>,
}

impl Changes {
    /// The next change; `None` once the live value is gone. A subscriber that falls more than
    /// 64 changes behind skips the oldest.
    pub async fn next(&mut self) -> Option<Change> {
        loop {
            match self.rx.recv().await {
                Ok(change) => return Some(change),
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }

    /// The next change if one is waiting, without waiting.
    pub fn try_next(&mut self) -> Option<Change> {
        loop {
            match self.rx.try_recv() {
                Ok(change) => return Some(change),
                Err(broadcast::error::TryRecvError::Lagged(_)) => continue,
                Err(_) => return None,
            }
        }
    }
}

impl<T: Send + Sync + 'static> Live<T> {
    /// The current value: cheap, lock-free, never a half-updated value.
    pub fn current(&self) -> Arc<T> {
        self.shared.current.load_full()
    }

    /// A stream of changes from now on.
    pub fn subscribe(&self) -> Changes {
        Changes {
            rx: self.shared.changes.subscribe(),
        }
    }

    /// Refreshes now (for example after a 401 from a rotated password), blocking the calling
    /// thread; works from a plain thread and from inside a tokio runtime.
    ///
    /// # Errors
    ///
    /// As a load: Locker's error, or the configuration error of a new value that does not
    /// build (the current value is kept).
    pub fn refresh_now(&self) -> Result<()> {
        let shared = self.shared.clone();
        crate::runtime::block_on(async move { shared.refresh().await.map(|_| ()) })
    }

    /// [`refresh_now`](Self::refresh_now), asynchronously.
    ///
    /// # Errors
    ///
    /// As [`refresh_now`](Self::refresh_now).
    pub async fn refresh_now_async(&self) -> Result<()> {
        let shared = self.shared.clone();
        join(crate::runtime::spawn(async move {
            shared.refresh().await.map(|_| ())
        }))
        .await
    }
}

impl<T: Send + Sync + 'static> Shared<T> {
    /// One refresh: `true` when the value changed.
    async fn refresh(&self) -> Result<bool> {
        let mut engine = self.engine.lock().await;
        let next = if engine.snapshot_only {
            let Some(file) = &engine.file else {
                return Ok(false);
            };
            match file.read(&engine.want) {
                Ok(Some(r)) if r.fetched_at != engine.records.fetched_at => Some(r),
                Ok(_) => None,
                Err(why) => {
                    return Err(Error::new(
                        ErrorKind::Config,
                        format!("the snapshot cannot be used: {why}"),
                    ));
                }
            }
        } else {
            pipeline::refresh(&engine.client, &engine.want, &engine.records, None).await?
        };
        let Some(next) = next else {
            return Ok(false);
        };
        let keys: Vec<String> = snapshot::changed_keys(&engine.records, &next)
            .into_iter()
            .filter(|k| !engine.ignored.contains(k))
            .collect();
        if !keys.is_empty() {
            let origin = if engine.snapshot_only {
                Origin::Snapshot {
                    age: next.age(),
                    fetched_at: std::time::SystemTime::now() - next.age(),
                    reason: snapshot::SnapshotReason::SnapshotOnly,
                }
            } else {
                Origin::Network
            };
            match (engine.build)(&next, &origin) {
                Ok(value) => self.current.store(Arc::new(value)),
                Err(e) => {
                    tracing::warn!(
                        environment = %engine.want.environment,
                        "the refreshed configuration does not build; keeping the current one: {e}"
                    );
                    return Err(e);
                }
            }
        }
        engine.records = next;
        if !engine.snapshot_only {
            pipeline::write_snapshot(engine.file.as_ref(), &engine.records);
        }
        if keys.is_empty() {
            return Ok(false);
        }
        tracing::info!(environment = %engine.want.environment, keys = ?keys, "configuration changed");
        // No subscriber is not an error.
        let _ = self.changes.send(Change { keys: keys.into() });
        Ok(true)
    }
}

/// Loads once with `source`, builds the value, and starts the refresh task.
pub(crate) async fn start<T: Send + Sync + 'static>(
    source: Source,
    want: Want,
    build: BuildFn<T>,
    ignored: BTreeSet<String>,
    interval: Duration,
) -> Result<Live<T>> {
    if interval.is_zero() {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            "the refresh interval must be longer than zero",
        ));
    }
    let (records, origin) = pipeline::load(&source, &want).await?;
    let value = build(&records, &origin)?;
    let file = source.snapshot_file(&want);
    let (stop_tx, stop_rx) = oneshot::channel();
    let (changes, _) = broadcast::channel(CHANGE_BUFFER);
    let shared = Arc::new(Shared {
        current: ArcSwap::from_pointee(value),
        changes,
        engine: Mutex::new(Engine {
            client: source.client,
            want,
            records,
            file,
            snapshot_only: source.policy == snapshot::CachePolicy::SnapshotOnly,
            build,
            ignored,
        }),
        _stop: stop_tx,
    });
    spawn_ticker(Arc::downgrade(&shared), stop_rx, interval);
    Ok(Live { shared })
}

/// [`start`] on the library's runtime, so that every request of the live value (the first
/// load included) runs where its connections live, whatever runtime the caller has.
pub(crate) async fn start_on_runtime<T: Send + Sync + 'static>(
    source: Source,
    want: Want,
    build: BuildFn<T>,
    ignored: BTreeSet<String>,
    interval: Duration,
) -> Result<Live<T>> {
    join(crate::runtime::spawn(start(
        source, want, build, ignored, interval,
    )))
    .await
}

async fn join<T>(handle: tokio::task::JoinHandle<Result<T>>) -> Result<T> {
    match handle.await {
        Ok(r) => r,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(_) => Err(Error::new(
            ErrorKind::Connection,
            "the library's runtime stopped before the work finished",
        )),
    }
}

fn spawn_ticker<T: Send + Sync + 'static>(
    shared: Weak<Shared<T>>,
    mut stop: oneshot::Receiver<()>,
    interval: Duration,
) {
    crate::runtime::spawn(async move {
        let mut failures = 0u32;
        loop {
            let delay = tick_delay(interval, failures, rand::random::<f64>());
            tokio::select! {
                _ = &mut stop => return,
                () = tokio::time::sleep(delay) => {}
            }
            let Some(shared) = shared.upgrade() else {
                return;
            };
            match shared.refresh().await {
                Ok(_) => failures = 0,
                Err(e) => {
                    failures = failures.saturating_add(1);
                    tracing::warn!(failures, "live configuration refresh failed: {e}");
                }
            }
        }
    });
}

/// The wait before the next tick: the interval ±20 % (so a fleet does not poll in step), doubled
/// per consecutive failure up to five minutes (or the interval, if longer).
pub(crate) fn tick_delay(interval: Duration, failures: u32, jitter: f64) -> Duration {
    let jitter = if jitter.is_finite() {
        jitter.clamp(0.0, 1.0)
    } else {
        0.5
    };
    let cap = interval.max(MAX_BACKOFF);
    let base = interval.saturating_mul(1u32 << failures.min(16)).min(cap);
    base.mul_f64(0.8 + 0.4 * jitter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_carry_jitter_and_back_off() {
        let s = Duration::from_secs;
        assert_eq!(tick_delay(s(10), 0, 0.0), s(8));
        assert_eq!(tick_delay(s(10), 0, 1.0), s(12));
        assert_eq!(tick_delay(s(10), 1, 0.5), s(20));
        assert_eq!(tick_delay(s(10), 10, 0.5), s(300));
        assert_eq!(tick_delay(s(3600), 3, 0.5), s(3600));
        assert_eq!(tick_delay(s(10), 0, f64::NAN), s(10));
    }

    #[test]
    fn change_lists_keys() {
        let c = Change {
            keys: vec!["A".to_owned(), "B".to_owned()].into(),
        };
        assert!(c.keys().contains(&"A"));
        assert_eq!(format!("{c:?}"), r#"Change { keys: ["A", "B"] }"#);
    }
}
