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
use std::pin::Pin;
use std::sync::{Arc, Weak};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, SystemTime};

use arc_swap::ArcSwap;
use serde::ser::{Serialize, SerializeStruct, Serializer};
use tokio::sync::{Mutex, broadcast, oneshot};
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;

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
    // Written under the engine lock after each load or refresh; read by `status()` without it.
    health: std::sync::Mutex<LiveStatus>,
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
///
/// Read them with [`next`](Changes::next), or as a [`futures_core::Stream`] of [`Change`]s
/// (with `StreamExt` from `futures` or `tokio-stream`) that ends once the live value is gone.
#[derive(Debug)]
pub struct Changes {
    stream: BroadcastStream<Change>,
}

impl Changes {
    /// The next change; `None` once the live value is gone. A subscriber that falls more than
    /// 64 changes behind skips the oldest.
    pub async fn next(&mut self) -> Option<Change> {
        std::future::poll_fn(|cx| self.poll_change(cx)).await
    }

    /// The next change if one is waiting, without waiting.
    pub fn try_next(&mut self) -> Option<Change> {
        // A waiting change makes the receive ready at its first poll; nothing waiting leaves
        // it pending, and the next `next()` polls it again with a real waker.
        match self.poll_change(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(change) => change,
            Poll::Pending => None,
        }
    }

    fn poll_change(&mut self, cx: &mut Context<'_>) -> Poll<Option<Change>> {
        use futures_core::Stream;
        loop {
            return match Pin::new(&mut self.stream).poll_next(cx) {
                Poll::Ready(Some(Ok(change))) => Poll::Ready(Some(change)),
                Poll::Ready(Some(Err(BroadcastStreamRecvError::Lagged(_)))) => continue,
                Poll::Ready(None) => Poll::Ready(None),
                Poll::Pending => Poll::Pending,
            };
        }
    }
}

impl futures_core::Stream for Changes {
    type Item = Change;

    /// As [`Changes::next`]: skips what a lagging subscriber missed, ends with the live value.
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Change>> {
        self.get_mut().poll_change(cx)
    }
}

/// The health of a [`Live`] value, from [`Live::status`]: where its value came from, when Locker
/// last answered, the last error and how many refreshes in a row failed. Never a value, so it
/// can be served as is on a health endpoint: it implements `serde::Serialize`.
///
/// ```
/// # use locker_config::{LiveStatus, Origin};
/// fn healthy(status: &LiveStatus) -> bool {
///     status.consecutive_failures == 0 && status.origin == Origin::Network
/// }
/// ```
///
/// As JSON (`serde_json::to_string(&live.status())`), while Locker refuses a value that started
/// from the snapshot:
///
/// ```json
/// {"origin": {"source": "snapshot", "reason": "unreachable", "age_secs": 3600,
///             "fetched_at": "2026-01-01T09:00:00Z"},
///  "last_success": null, "last_error": "connection error: …", "consecutive_failures": 12}
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct LiveStatus {
    /// Where the current records came from: [`Origin::Network`] once Locker has answered a load
    /// or refresh, else the snapshot it started from (its `age` as of this status).
    pub origin: Origin,
    /// When Locker last answered a load or refresh (under
    /// [`CachePolicy::SnapshotOnly`](crate::CachePolicy::SnapshotOnly), when the snapshot was
    /// last read); `None` while the value has only come from the snapshot.
    pub last_success: Option<SystemTime>,
    /// The error of the last failed refresh, until one succeeds; it names keys and
    /// environments, never values.
    pub last_error: Option<Arc<Error>>,
    /// Refreshes that failed since the last success (a value that does not build counts).
    pub consecutive_failures: u32,
}

impl LiveStatus {
    fn started(origin: Origin) -> Self {
        let answered = match &origin {
            Origin::Network => true,
            Origin::Snapshot { reason, .. } => matches!(
                reason,
                snapshot::SnapshotReason::Unchanged | snapshot::SnapshotReason::SnapshotOnly
            ),
        };
        LiveStatus {
            origin,
            last_success: answered.then(SystemTime::now),
            last_error: None,
            consecutive_failures: 0,
        }
    }

    fn succeeded(&mut self, origin: Origin) {
        self.origin = origin;
        self.last_success = Some(SystemTime::now());
        self.last_error = None;
        self.consecutive_failures = 0;
    }

    fn failed(&mut self, error: Arc<Error>) {
        self.last_error = Some(error);
        self.consecutive_failures = self.consecutive_failures.saturating_add(1);
    }
}

impl Serialize for LiveStatus {
    /// `origin` (`{"source": "locker"}`, or `{"source": "snapshot", "reason", "age_secs",
    /// "fetched_at"}`), `last_success` (RFC 3339 or `null`), `last_error` (the error's message
    /// or `null`) and `consecutive_failures`.
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("LiveStatus", 4)?;
        s.serialize_field("origin", &OriginJson(&self.origin))?;
        s.serialize_field("last_success", &self.last_success.map(rfc3339))?;
        s.serialize_field(
            "last_error",
            &self.last_error.as_ref().map(|e| e.to_string()),
        )?;
        s.serialize_field("consecutive_failures", &self.consecutive_failures)?;
        s.end()
    }
}

fn rfc3339(t: SystemTime) -> String {
    humantime::format_rfc3339_seconds(t).to_string()
}

struct OriginJson<'a>(&'a Origin);

impl Serialize for OriginJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        match self.0 {
            Origin::Network => {
                let mut s = serializer.serialize_struct("Origin", 1)?;
                s.serialize_field("source", "locker")?;
                s.end()
            }
            Origin::Snapshot {
                age,
                fetched_at,
                reason,
            } => {
                let mut s = serializer.serialize_struct("Origin", 4)?;
                s.serialize_field("source", "snapshot")?;
                s.serialize_field(
                    "reason",
                    match reason {
                        snapshot::SnapshotReason::Unreachable => "unreachable",
                        snapshot::SnapshotReason::Fresh => "fresh",
                        snapshot::SnapshotReason::Unchanged => "unchanged",
                        snapshot::SnapshotReason::SnapshotOnly => "snapshot_only",
                    },
                )?;
                s.serialize_field("age_secs", &age.as_secs())?;
                s.serialize_field("fetched_at", &rfc3339(*fetched_at))?;
                s.end()
            }
        }
    }
}

/// What the status keeps of an error a caller also gets back: everything but its cause and
/// detail, which only the caller's copy carries.
fn copy_of(e: &Error) -> Error {
    let mut copy = Error::new(e.kind(), e.message());
    if let Some(status) = e.status() {
        copy = copy.with_status(status);
    }
    if let Some(code) = e.code() {
        copy = copy.with_code(code);
    }
    if let Some(body) = e.body() {
        copy = copy.with_body(body);
    }
    if let Some(after) = e.retry_after() {
        copy = copy.with_retry_after(after);
    }
    copy
}

impl<T: Send + Sync + 'static> Live<T> {
    /// The current value: cheap, lock-free, never a half-updated value.
    pub fn current(&self) -> Arc<T> {
        self.shared.current.load_full()
    }

    /// A stream of changes from now on.
    pub fn subscribe(&self) -> Changes {
        Changes {
            stream: BroadcastStream::new(self.shared.changes.subscribe()),
        }
    }

    /// The health of this live value: where it came from, when Locker last answered, the last
    /// error and how many refreshes in a row failed. Cheap, and sends no request.
    ///
    /// ```no_run
    /// # use locker_config::LockerConfig;
    /// # #[derive(LockerConfig)] struct AppConfig { database_url: String }
    /// # fn run(live: locker_config::Live<AppConfig>) {
    /// let status = live.status();
    /// if status.consecutive_failures > 0 {
    ///     eprintln!(
    ///         "running on {} since {:?}; Locker says: {}",
    ///         status.origin,
    ///         status.last_success,
    ///         status.last_error.map(|e| e.to_string()).unwrap_or_default()
    ///     );
    /// }
    /// # }
    /// ```
    pub fn status(&self) -> LiveStatus {
        let mut status = self
            .shared
            .health
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        if let Origin::Snapshot {
            age, fetched_at, ..
        } = &mut status.origin
        {
            *age = SystemTime::now()
                .duration_since(*fetched_at)
                .unwrap_or(*age);
        }
        status
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
    /// One refresh, recorded in the status (which keeps a copy of the error the caller gets):
    /// `true` when the value changed.
    async fn refresh(&self) -> Result<bool> {
        let mut engine = self.engine.lock().await;
        let result = self.refresh_locked(&mut engine).await;
        match &result {
            Ok(_) => self.succeeded(&engine),
            Err(e) => self.failed(Arc::new(copy_of(e))),
        }
        result
    }

    /// One tick of the refresh task, recorded in the status (which keeps the error itself):
    /// whether it succeeded.
    async fn tick(&self) -> std::result::Result<(), Arc<Error>> {
        let mut engine = self.engine.lock().await;
        match self.refresh_locked(&mut engine).await {
            Ok(_) => {
                self.succeeded(&engine);
                Ok(())
            }
            Err(e) => {
                let e = Arc::new(e);
                self.failed(e.clone());
                Err(e)
            }
        }
    }

    fn health(&self) -> std::sync::MutexGuard<'_, LiveStatus> {
        self.health
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn succeeded(&self, engine: &Engine<T>) {
        let origin = if engine.snapshot_only {
            Origin::Snapshot {
                age: engine.records.age(),
                fetched_at: SystemTime::now() - engine.records.age(),
                reason: snapshot::SnapshotReason::SnapshotOnly,
            }
        } else {
            Origin::Network
        };
        self.health().succeeded(origin);
    }

    fn failed(&self, error: Arc<Error>) {
        self.health().failed(error);
    }

    /// One refresh: `true` when the value changed.
    async fn refresh_locked(&self, engine: &mut Engine<T>) -> Result<bool> {
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
                    fetched_at: next.fetched_at_time(),
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
    let health = LiveStatus::started(origin);
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
        health: std::sync::Mutex::new(health),
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
            match shared.tick().await {
                Ok(()) => failures = 0,
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
    fn handles_changes_and_status_cross_threads() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<Live<u8>>();
        send_sync::<Changes>();
        send_sync::<LiveStatus>();
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
