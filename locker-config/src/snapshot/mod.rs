//! Encrypted local snapshots, cache policies and the load pipeline behind every loader.
//!
//! Every successful load writes a snapshot of what it loaded: the records of the environment
//! and of "All" that the loader can use, by record id, sealed with a key derived from the
//! secret access key (see [`CachePolicy`] for when it is read). The same records are what a
//! live refresh updates in place from the changes since the snapshot's revision date.

mod file;
mod policy;
mod records;

use std::fmt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::{Error, ErrorKind, Locker, Result};
pub use file::CACHE_DIR_VAR;
pub(crate) use file::SnapshotFile;
use policy::round;
pub use policy::{CachePolicy, DEFAULT_FALLBACK_AFTER, DEFAULT_MAX_STALE, Origin, SnapshotReason};
use records::now_secs;
pub(crate) use records::{Kept, Listing, Records, Want, changed_keys};

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
    use std::time::UNIX_EPOCH;

    use zeroize::Zeroizing;

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
