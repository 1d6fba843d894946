//! When snapshots are read and written, and where a load's values came from.

use std::fmt;
use std::time::{Duration, SystemTime};

/// The default `max_stale` of [`CachePolicy::NetworkFirst`]: 24 hours.
pub const DEFAULT_MAX_STALE: Duration = Duration::from_secs(24 * 3600);

/// The default bound on how long a load waits for Locker's first answer before it uses a
/// snapshot: 3 seconds. See `fallback_after` on the loaders.
pub const DEFAULT_FALLBACK_AFTER: Duration = Duration::from_secs(3);

/// When a load reads and writes its local snapshot.
///
/// Snapshots live in the loader's `cache_dir`, else `$LOCKER_CACHE_DIR`, else
/// `~/.locker/cache`. A snapshot is only ever a fallback for availability: 401, 403, a
/// decryption or integrity failure and an unknown environment fail the load whatever the
/// policy.
///
/// ```
/// use locker_config::CachePolicy;
/// use std::time::Duration;
///
/// assert_eq!(
///     CachePolicy::default(),
///     CachePolicy::NetworkFirst { max_stale: Duration::from_secs(24 * 3600) }
/// );
/// let cache_first = CachePolicy::CacheFirst {
///     rest_time: Duration::from_secs(120),
///     max_stale: Duration::from_secs(24 * 3600),
/// };
/// # let _ = cache_first;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CachePolicy {
    /// Load from Locker; when Locker cannot be reached (connection failure, timeout, 5xx, 429
    /// after retries, or no answer within `fallback_after`), use the snapshot if it is younger
    /// than `max_stale`. The default, with `max_stale` = [`DEFAULT_MAX_STALE`] (24 h).
    NetworkFirst {
        /// The oldest snapshot a fallback accepts.
        max_stale: Duration,
    },
    /// Use a snapshot younger than `rest_time` with no request at all (the official SDKs'
    /// "resttime"); an older one is checked with one revision probe and used when nothing
    /// changed, else brought up to date with the changes since it was taken. Falls back like
    /// `NetworkFirst` when Locker cannot be reached.
    CacheFirst {
        /// How long a snapshot is used without asking Locker.
        rest_time: Duration,
        /// The oldest snapshot a fallback accepts.
        max_stale: Duration,
    },
    /// Always load from Locker (the official "fetch"); never read a snapshot, still write one.
    NetworkOnly,
    /// Never contact Locker: load from the snapshot (air-gapped starts, tests). A missing or
    /// unusable snapshot is an error saying why.
    SnapshotOnly,
    /// Neither read nor write snapshots.
    Off,
}

impl Default for CachePolicy {
    fn default() -> Self {
        CachePolicy::NetworkFirst {
            max_stale: DEFAULT_MAX_STALE,
        }
    }
}

/// Where a loaded configuration came from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Origin {
    /// Fetched from Locker just now.
    Network,
    /// Read from the local snapshot.
    Snapshot {
        /// How long ago the snapshot's content was fetched from (or confirmed by) Locker.
        age: Duration,
        /// When that was.
        fetched_at: SystemTime,
        /// Why the snapshot was used.
        reason: SnapshotReason,
    },
}

impl Origin {
    /// Whether the values came from a snapshot.
    pub fn is_snapshot(&self) -> bool {
        matches!(self, Origin::Snapshot { .. })
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Network => f.write_str("Locker"),
            Origin::Snapshot { age, reason, .. } => write!(
                f,
                "a local snapshot {} old ({reason})",
                humantime::format_duration(round(*age))
            ),
        }
    }
}

/// Why a load used its snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SnapshotReason {
    /// Locker could not be reached.
    Unreachable,
    /// [`CachePolicy::CacheFirst`]: younger than `rest_time`, so Locker was not asked.
    Fresh,
    /// [`CachePolicy::CacheFirst`]: Locker's revision probe said nothing changed.
    Unchanged,
    /// [`CachePolicy::SnapshotOnly`].
    SnapshotOnly,
}

impl fmt::Display for SnapshotReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SnapshotReason::Unreachable => "Locker unreachable",
            SnapshotReason::Fresh => "younger than the rest time",
            SnapshotReason::Unchanged => "Locker reports no change",
            SnapshotReason::SnapshotOnly => "snapshot-only policy",
        })
    }
}

/// `d` in whole seconds, for messages.
pub(crate) fn round(d: Duration) -> Duration {
    Duration::from_secs(d.as_secs())
}
