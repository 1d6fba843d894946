//! Encrypted local snapshots, cache policies and the load pipeline behind every loader.
//!
//! Every successful load writes a snapshot of what it loaded: the records of the environment
//! and of "All" that the loader can use, by record id, sealed with a key derived from the
//! secret access key (see [`CachePolicy`] for when it is read). The same records are what a
//! live refresh updates in place from the changes since the snapshot's revision date.

mod file;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

use crate::{Error, ErrorKind, Locker, Result};
pub use file::CACHE_DIR_VAR;
pub(crate) use file::SnapshotFile;

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

fn round(d: Duration) -> Duration {
    Duration::from_secs(d.as_secs())
}

/// Which records a load keeps.
#[derive(Debug, Clone)]
pub(crate) struct Want {
    /// The environment ("All" always comes along).
    pub(crate) environment: String,
    /// The keys the caller can use; `None`: every key.
    pub(crate) keys: Option<BTreeSet<String>>,
}

/// One record kept by a list: decrypted and verified.
pub(crate) struct Kept {
    pub(crate) id: String,
    pub(crate) key: String,
    pub(crate) value: Zeroizing<String>,
    /// `true`: in the requested environment; `false`: in "All".
    pub(crate) in_environment: bool,
}

/// What one list (full or delta) brought.
pub(crate) struct Listing {
    pub(crate) project_id: i64,
    /// The server's revision date when the first page was answered.
    pub(crate) revision: Option<f64>,
    /// The number of matches the server announced on the first page.
    pub(crate) count: Option<u64>,
    /// The number of records received over all pages.
    pub(crate) received: usize,
    /// The records the caller can use.
    pub(crate) kept: Vec<Kept>,
    /// Ids of received records that are not (or no longer) the caller's: another environment,
    /// or a key it does not read.
    pub(crate) dropped: Vec<String>,
    /// Whether any received record belongs to the requested environment.
    pub(crate) seen_environment: bool,
}

/// One kept record at rest. The value is wiped on drop.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct Record {
    key: String,
    value: String,
    in_environment: bool,
}

impl Drop for Record {
    fn drop(&mut self) {
        self.value.zeroize();
    }
}

/// What one environment resolves for one set of keys: the records by id, and when and at which
/// Locker revision they were fetched. What a snapshot holds, and what a refresh updates.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct Records {
    pub(crate) project_id: i64,
    pub(crate) environment: String,
    /// The keys the records were chosen for; `None`: every key.
    pub(crate) keys: Option<BTreeSet<String>>,
    /// Locker's revision date the records are current at, if the server said.
    pub(crate) revision: Option<f64>,
    /// Seconds since the epoch when the records were fetched or last confirmed.
    pub(crate) fetched_at: f64,
    records: BTreeMap<String, Record>,
}

impl fmt::Debug for Records {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Records")
            .field("environment", &self.environment)
            .field("revision", &self.revision)
            .field("records", &self.records.len())
            .finish_non_exhaustive()
    }
}

fn now_secs() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

impl Records {
    fn from_listing(listing: Listing, want: &Want) -> Self {
        let mut records = Records {
            project_id: listing.project_id,
            environment: want.environment.clone(),
            keys: want.keys.clone(),
            revision: listing.revision,
            fetched_at: now_secs(),
            records: BTreeMap::new(),
        };
        records.apply(listing);
        records
    }

    /// Records from `(id, key, value, in_environment)`, for unit tests.
    #[cfg(test)]
    pub(crate) fn for_tests(environment: &str, entries: &[(&str, &str, &str, bool)]) -> Self {
        Records {
            project_id: 1,
            environment: environment.to_owned(),
            keys: None,
            revision: Some(1.0),
            fetched_at: now_secs(),
            records: entries
                .iter()
                .map(|(id, key, value, in_environment)| {
                    let record = Record {
                        key: (*key).to_owned(),
                        value: (*value).to_owned(),
                        in_environment: *in_environment,
                    };
                    ((*id).to_owned(), record)
                })
                .collect(),
        }
    }

    /// Applies a list by record id: kept records are inserted or replaced, dropped ones leave.
    fn apply(&mut self, listing: Listing) {
        for id in listing.dropped {
            self.records.remove(&id);
        }
        for kept in listing.kept {
            self.records.insert(
                kept.id,
                Record {
                    key: kept.key,
                    value: kept.value.to_string(),
                    in_environment: kept.in_environment,
                },
            );
        }
    }

    /// Whether these records can serve `want`: same environment, and every key it reads.
    pub(crate) fn covers(&self, want: &Want) -> bool {
        self.environment == want.environment
            && match (&self.keys, &want.keys) {
                (None, _) => true,
                (Some(_), None) => false,
                (Some(have), Some(need)) => need.is_subset(have),
            }
    }

    /// key → (value, whether it is the environment's own), the environment's record winning
    /// over the one in "All".
    pub(crate) fn resolved(&self) -> BTreeMap<&str, (&str, bool)> {
        let mut out: BTreeMap<&str, (&str, bool)> = BTreeMap::new();
        for r in self.records.values() {
            match out.get(r.key.as_str()) {
                Some((_, true)) => {}
                Some((_, false)) if !r.in_environment => {}
                _ => {
                    out.insert(&r.key, (&r.value, r.in_environment));
                }
            }
        }
        out
    }

    /// How old the records are.
    pub(crate) fn age(&self) -> Duration {
        Duration::try_from_secs_f64(now_secs() - self.fetched_at).unwrap_or_default()
    }

    fn fetched_at_time(&self) -> SystemTime {
        Duration::try_from_secs_f64(self.fetched_at)
            .ok()
            .and_then(|d| UNIX_EPOCH.checked_add(d))
            .unwrap_or(UNIX_EPOCH)
    }

    fn origin(&self, reason: SnapshotReason) -> Origin {
        Origin::Snapshot {
            age: self.age(),
            fetched_at: self.fetched_at_time(),
            reason,
        }
    }
}

/// The keys whose resolved value differs between `old` and `new` (added, removed or changed).
pub(crate) fn changed_keys(old: &Records, new: &Records) -> Vec<String> {
    let (a, b) = (old.resolved(), new.resolved());
    let mut keys: BTreeSet<&str> = BTreeSet::new();
    for (k, v) in &a {
        if b.get(k).map(|x| x.0) != Some(v.0) {
            keys.insert(k);
        }
    }
    for k in b.keys() {
        if !a.contains_key(k) {
            keys.insert(k);
        }
    }
    keys.into_iter().map(str::to_owned).collect()
}

/// What a loader's setters leave for [`Source`]: the client (if one was given) and the
/// snapshot settings. Typed and untyped loaders hold one each, so both resolve it the same way.
#[derive(Clone)]
pub(crate) struct SourceSettings {
    pub(crate) client: Option<Locker>,
    pub(crate) cache_dir: Option<PathBuf>,
    pub(crate) policy: CachePolicy,
    pub(crate) fallback_after: Duration,
}

impl Default for SourceSettings {
    fn default() -> Self {
        SourceSettings {
            client: None,
            cache_dir: None,
            policy: CachePolicy::default(),
            fallback_after: DEFAULT_FALLBACK_AFTER,
        }
    }
}

impl fmt::Debug for SourceSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SourceSettings")
            .field("client", &self.client.as_ref().map(|_| "Locker"))
            .field("cache_dir", &self.cache_dir)
            .field("cache_policy", &self.policy)
            .field("fallback_after", &self.fallback_after)
            .finish()
    }
}

impl SourceSettings {
    /// The source to load from; without a client, [`Locker::from_env`].
    pub(crate) fn resolve(self) -> Result<Source> {
        let client = match self.client {
            Some(client) => client,
            None => Locker::from_env()?,
        };
        Ok(Source {
            client,
            cache_dir: self.cache_dir,
            policy: self.policy,
            fallback_after: self.fallback_after,
        })
    }
}

/// Everything a load needs besides what to keep: resolved client and environment, and the
/// snapshot settings.
pub(crate) struct Source {
    pub(crate) client: Locker,
    pub(crate) cache_dir: Option<PathBuf>,
    pub(crate) policy: CachePolicy,
    pub(crate) fallback_after: Duration,
}

impl Source {
    /// The snapshot file for `want`, unless snapshots are off or no directory can be told.
    pub(crate) fn snapshot_file(&self, want: &Want) -> Option<SnapshotFile> {
        if self.policy == CachePolicy::Off {
            return None;
        }
        let dir = match &self.cache_dir {
            Some(dir) => dir.clone(),
            None => match file::default_cache_dir() {
                Some(dir) => dir,
                None => {
                    tracing::debug!(
                        "no snapshot directory: no cache_dir, $LOCKER_CACHE_DIR or home"
                    );
                    return None;
                }
            },
        };
        Some(SnapshotFile::new(&self.client, &dir, want))
    }
}

/// Whether an error means Locker is unavailable (a snapshot may stand in), as opposed to an
/// answer that must fail the load (401, 403, integrity, unknown environment, bad input…).
pub(crate) fn is_unavailable(e: &Error) -> bool {
    match e.kind() {
        ErrorKind::Connection | ErrorKind::RateLimited => true,
        ErrorKind::Server => e.status().is_none_or(|s| s >= 500),
        _ => false,
    }
}

/// Reads the snapshot, warning once (without content) when there is one that cannot be used.
fn read_snapshot(file: &SnapshotFile, want: &Want) -> Option<Records> {
    match file.read(want) {
        Ok(r) => r,
        Err(why) => {
            tracing::warn!(path = %file.path().display(), "ignoring the local snapshot: {why}");
            None
        }
    }
}

/// Writes the snapshot; a failure is logged, never fatal (the load itself succeeded).
pub(crate) fn write_snapshot(file: Option<&SnapshotFile>, records: &Records) {
    if let Some(file) = file
        && let Err(e) = file.write(records)
    {
        tracing::warn!(path = %file.path().display(), error = %e, "could not write the local snapshot");
    }
}

/// The load pipeline shared by every loader: the policy decides between the snapshot and
/// Locker; a network load lists once and keeps only what `want` can use.
pub(crate) async fn load(source: &Source, want: &Want) -> Result<(Records, Origin)> {
    let file = source.snapshot_file(want);
    let snapshot = match source.policy {
        CachePolicy::NetworkFirst { .. } | CachePolicy::CacheFirst { .. } => {
            file.as_ref().and_then(|f| read_snapshot(f, want))
        }
        CachePolicy::SnapshotOnly => {
            let Some(f) = &file else {
                return Err(Error::new(
                    ErrorKind::Config,
                    format!(
                        "no snapshot directory for the snapshot-only policy: set cache_dir or \
                         ${CACHE_DIR_VAR}"
                    ),
                ));
            };
            return match f.read(want) {
                Ok(Some(records)) => {
                    let origin = records.origin(SnapshotReason::SnapshotOnly);
                    Ok((records, origin))
                }
                Ok(None) => Err(Error::new(
                    ErrorKind::Config,
                    format!(
                        "no snapshot of environment {:?} in {} (snapshot-only policy)",
                        want.environment,
                        f.path()
                            .parent()
                            .map(|p| p.display().to_string())
                            .unwrap_or_default()
                    ),
                )),
                Err(why) => Err(Error::new(
                    ErrorKind::Config,
                    format!(
                        "the snapshot of environment {:?} cannot be used: {why}",
                        want.environment
                    ),
                )),
            };
        }
        CachePolicy::NetworkOnly | CachePolicy::Off => None,
    };
    let client = &source.client;

    let (max_stale, snapshot) = match (source.policy, snapshot) {
        (
            CachePolicy::CacheFirst {
                rest_time,
                max_stale,
            },
            Some(snap),
        ) => {
            if snap.age() < rest_time {
                let origin = snap.origin(SnapshotReason::Fresh);
                return Ok((snap, origin));
            }
            let probe = bounded(source.fallback_after, None, client.sync_revision_date()).await;
            match probe {
                Ok(revision) => {
                    return match refresh(client, want, &snap, Some(revision)).await {
                        Ok(None) => {
                            let mut snap = snap;
                            snap.fetched_at = now_secs();
                            write_snapshot(file.as_ref(), &snap);
                            let origin = snap.origin(SnapshotReason::Unchanged);
                            Ok((snap, origin))
                        }
                        Ok(Some(next)) => {
                            write_snapshot(file.as_ref(), &next);
                            Ok((next, Origin::Network))
                        }
                        Err(e) if is_unavailable(&e) => fall_back(e, snap, max_stale),
                        Err(e) => Err(e),
                    };
                }
                Err(e) if is_unavailable(&e) => return fall_back(e, snap, max_stale),
                Err(e) => return Err(e),
            }
        }
        (CachePolicy::NetworkFirst { max_stale }, snap) => (max_stale, snap),
        (_, snap) => (Duration::ZERO, snap),
    };

    let result = match &snapshot {
        // With something to fall back to, a Locker that does not answer at all within the
        // bound is treated as unreachable.
        Some(_) => {
            let progress = AtomicBool::new(false);
            bounded(
                source.fallback_after,
                Some(&progress),
                fetch_full(client, want, Some(&progress)),
            )
            .await
        }
        None => fetch_full(client, want, None).await,
    };
    match (result, snapshot) {
        (Ok(records), _) => {
            write_snapshot(file.as_ref(), &records);
            Ok((records, Origin::Network))
        }
        (Err(e), Some(snap)) if is_unavailable(&e) => fall_back(e, snap, max_stale),
        (Err(e), _) => Err(e),
    }
}

/// Uses `snap` in place of an unreachable Locker if it is young enough.
fn fall_back(e: Error, snap: Records, max_stale: Duration) -> Result<(Records, Origin)> {
    let age = snap.age();
    if age > max_stale {
        return Err(Error::new(
            e.kind(),
            format!(
                "{e}; the local snapshot of environment {:?} is {} old, older than the limit \
                 of {} (max_stale)",
                snap.environment,
                humantime::format_duration(round(age)),
                humantime::format_duration(max_stale),
            ),
        ));
    }
    tracing::warn!(
        environment = %snap.environment,
        age_secs = age.as_secs(),
        error = %e,
        "Locker is unreachable: using the local snapshot"
    );
    let origin = snap.origin(SnapshotReason::Unreachable);
    Ok((snap, origin))
}

/// Runs `fut`, giving up after `bound` unless `progress` was set by then (Locker answered, so
/// the rest is waited for).
async fn bounded<T>(
    bound: Duration,
    progress: Option<&AtomicBool>,
    fut: impl Future<Output = Result<T>>,
) -> Result<T> {
    let mut fut = std::pin::pin!(fut);
    tokio::select! {
        r = &mut fut => return r,
        () = tokio::time::sleep(bound) => {}
    }
    if progress.is_some_and(|p| p.load(Ordering::SeqCst)) {
        return fut.await;
    }
    Err(Error::new(
        ErrorKind::Connection,
        format!(
            "Locker did not answer within {} (fallback_after)",
            humantime::format_duration(bound)
        ),
    ))
}

/// One full list, kept to `want`. An environment no record belongs to is checked once, to
/// tell an unknown environment (an error) from an empty one.
pub(crate) async fn fetch_full(
    client: &Locker,
    want: &Want,
    progress: Option<&AtomicBool>,
) -> Result<Records> {
    let listing = client.sync_list(want, None, progress).await?;
    if !listing.seen_environment && client.get_environment(&want.environment).await?.is_none() {
        return Err(Error::new(
            ErrorKind::NotFound,
            format!(
                "environment {:?} does not exist in this Locker project",
                want.environment
            ),
        ));
    }
    Ok(Records::from_listing(listing, want))
}

fn same_revision(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 5e-7)
}

/// Brings `current` up to date: `None` when Locker's revision date (`probed`, else asked now)
/// is the one `current` was fetched at; else the changes since then applied by record id, or a
/// full list when items were deleted since, or the changes do not add up.
pub(crate) async fn refresh(
    client: &Locker,
    want: &Want,
    current: &Records,
    probed: Option<f64>,
) -> Result<Option<Records>> {
    let revision = match probed {
        Some(r) => r,
        None => client.sync_revision_date().await?,
    };
    if same_revision(current.revision, revision) {
        return Ok(None);
    }
    let full = |why: &'static str| {
        tracing::debug!(environment = %want.environment, why, "full list");
        async {
            let mut records = fetch_full(client, want, None).await?;
            records.revision = records.revision.or(Some(revision));
            Ok::<_, Error>(Some(records))
        }
    };
    let Some(since) = current.revision.filter(|_| current.covers(want)) else {
        return full("the records have no revision date").await;
    };
    if client.sync_deleted_item_date().await? > since {
        return full("items were deleted since the last fetch").await;
    }
    let listing = client.sync_list(want, Some(since), None).await?;
    let adds_up = listing.project_id == current.project_id
        && listing.count.is_none_or(|c| c == listing.received as u64)
        && listing.revision.is_none_or(|r| r >= since);
    if !adds_up {
        return full("the list of changes does not add up").await;
    }
    let mut next = current.clone();
    next.apply(listing);
    next.revision = Some(revision);
    next.fetched_at = now_secs();
    Ok(Some(next))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept(id: &str, key: &str, value: &str, in_environment: bool) -> Kept {
        Kept {
            id: id.to_owned(),
            key: key.to_owned(),
            value: Zeroizing::new(value.to_owned()),
            in_environment,
        }
    }

    fn listing(kept: Vec<Kept>, dropped: &[&str]) -> Listing {
        Listing {
            project_id: 1,
            revision: Some(2.0),
            count: None,
            received: 0,
            kept,
            dropped: dropped.iter().map(|s| (*s).to_owned()).collect(),
            seen_environment: true,
        }
    }

    #[test]
    fn changes_apply_by_record_id_and_report_changed_keys() {
        let old = Records::for_tests(
            "prod",
            &[
                ("1", "A", "a1", true),
                ("2", "B", "b1", false),
                ("3", "C", "c1", true),
            ],
        );
        let mut new = old.clone();
        // A rotated, C moved to another environment, D added in "All".
        new.apply(listing(
            vec![kept("1", "A", "a2", true), kept("4", "D", "d1", false)],
            &["3"],
        ));
        let resolved = new.resolved();
        assert_eq!(resolved.get("A"), Some(&("a2", true)));
        assert_eq!(resolved.get("C"), None);
        assert_eq!(changed_keys(&old, &new), ["A", "C", "D"]);
        assert!(changed_keys(&old, &old.clone()).is_empty());
    }

    #[test]
    fn coverage_of_keys_and_environment() {
        let mut r = Records::for_tests("prod", &[]);
        let want = |env: &str, keys: Option<&[&str]>| Want {
            environment: env.to_owned(),
            keys: keys.map(|k| k.iter().map(|s| (*s).to_owned()).collect()),
        };
        assert!(r.covers(&want("prod", None)));
        assert!(!r.covers(&want("staging", None)));
        r.keys = Some(["A", "B"].iter().map(|s| (*s).to_owned()).collect());
        assert!(r.covers(&want("prod", Some(&["A"]))));
        assert!(!r.covers(&want("prod", Some(&["A", "C"]))));
        assert!(!r.covers(&want("prod", None)));
    }

    #[test]
    fn only_availability_failures_may_fall_back() {
        let e = |k| Error::new(k, "x");
        assert!(is_unavailable(&e(ErrorKind::Connection)));
        assert!(is_unavailable(&e(ErrorKind::RateLimited)));
        assert!(is_unavailable(&e(ErrorKind::Server).with_status(503)));
        for kind in [
            ErrorKind::Authentication,
            ErrorKind::PermissionDenied,
            ErrorKind::Decryption,
            ErrorKind::NotFound,
            ErrorKind::InvalidResponse,
            ErrorKind::Config,
        ] {
            assert!(!is_unavailable(&e(kind)), "{kind}");
        }
    }

    #[test]
    fn origin_displays_age_and_reason() {
        let o = Origin::Snapshot {
            age: Duration::from_millis(3_700),
            fetched_at: UNIX_EPOCH,
            reason: SnapshotReason::Unreachable,
        };
        assert_eq!(
            o.to_string(),
            "a local snapshot 3s old (Locker unreachable)"
        );
        assert_eq!(Origin::Network.to_string(), "Locker");
    }
}
