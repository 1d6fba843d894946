//! The load pipeline behind every loader: the cache policy decides between the local snapshot
//! and Locker, one function per policy; a network load lists once and keeps only what the
//! loader can use, reads the snapshot it may fall back to while the list is in flight, and
//! writes the snapshot the next load may fall back to.

mod fetch;
mod source;
#[cfg(test)]
mod tests;

use std::sync::atomic::AtomicBool;
use std::time::Duration;

use crate::client::Want;
use crate::error::{Error, ErrorKind, Result};
use crate::sealed::CACHE_DIR_VAR;
use crate::snapshot::{CachePolicy, Origin, Records, SnapshotFile, SnapshotReason, now_secs};
use fetch::{bounded, fall_back, fetch_full_with};
pub(crate) use fetch::{fetch_full, is_unavailable, refresh};
pub(crate) use source::{Source, SourceSettings};

/// Loads what `want` can use from `source`, as its cache policy says.
pub(crate) async fn load(source: &Source, want: &Want) -> Result<(Records, Origin)> {
    let file = source.snapshot_file(want);
    match source.policy {
        CachePolicy::NetworkFirst { max_stale } => {
            network_first(source, want, file, max_stale).await
        }
        CachePolicy::CacheFirst {
            rest_time,
            max_stale,
        } => cache_first(source, want, file, rest_time, max_stale).await,
        CachePolicy::NetworkOnly => network_only(source, want, file).await,
        CachePolicy::SnapshotOnly => snapshot_only(want, file),
        CachePolicy::Off => off(source, want).await,
    }
}

/// Locker first; the snapshot when Locker is unreachable (or silent for `fallback_after`) and
/// the snapshot is at most `max_stale` old. The snapshot is read while the list is in flight.
async fn network_first(
    source: &Source,
    want: &Want,
    file: Option<SnapshotFile>,
    max_stale: Duration,
) -> Result<(Records, Origin)> {
    from_locker(source, want, file, Some(max_stale)).await
}

/// The snapshot while it is younger than `rest_time`; then a revision probe (and the changes
/// since the snapshot, if any); Locker unreachable: the snapshot up to `max_stale`. Without a
/// snapshot, a load from Locker.
async fn cache_first(
    source: &Source,
    want: &Want,
    file: Option<SnapshotFile>,
    rest_time: Duration,
    max_stale: Duration,
) -> Result<(Records, Origin)> {
    let Some(snap) = file.as_ref().and_then(|f| read_snapshot(f, want)) else {
        return from_locker(source, want, file, None).await;
    };
    if snap.age() < rest_time {
        let origin = snap.origin(SnapshotReason::Fresh);
        return Ok((snap, origin));
    }
    let client = &source.client;
    let refreshed = match bounded(source.fallback_after, None, client.sync_revision_date()).await {
        Ok(revision) => refresh(client, want, &snap, Some(revision)).await,
        Err(e) => Err(e),
    };
    match refreshed {
        Ok(None) => {
            let mut snap = snap;
            snap.fetched_at = now_secs();
            // Unchanged: its age is confirmed in place where the file allows it.
            if !file.as_ref().is_some_and(|f| f.confirm(snap.fetched_at)) {
                write_snapshot(file.as_ref(), &snap);
            }
            let origin = snap.origin(SnapshotReason::Unchanged);
            Ok((snap, origin))
        }
        Ok(Some(next)) => {
            write_snapshot(file.as_ref(), &next);
            Ok((next, Origin::Network))
        }
        Err(e) if is_unavailable(&e) => fall_back(e, snap, max_stale),
        Err(e) => Err(e),
    }
}

/// Locker only; the snapshot is written for other policies to read.
async fn network_only(
    source: &Source,
    want: &Want,
    file: Option<SnapshotFile>,
) -> Result<(Records, Origin)> {
    from_locker(source, want, file, None).await
}

/// The snapshot only: no request at all; no usable snapshot is an error.
fn snapshot_only(want: &Want, file: Option<SnapshotFile>) -> Result<(Records, Origin)> {
    let Some(f) = &file else {
        return Err(Error::new(
            ErrorKind::Config,
            format!(
                "no snapshot directory for the snapshot-only policy: set cache_dir or \
                 ${CACHE_DIR_VAR}"
            ),
        ));
    };
    match f.read(want) {
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
    }
}

/// Locker only; no snapshot is read or written.
async fn off(source: &Source, want: &Want) -> Result<(Records, Origin)> {
    from_locker(source, want, None, None).await
}

/// One full list from Locker, written to `file` (see [`keep_snapshot`]). With `max_stale`, the
/// snapshot in `file` is the fallback: it is read while the list is in flight (the request goes
/// out first, so reading and unsealing it costs the load nothing while Locker answers); when
/// it can be used, a Locker that does not answer at all within `fallback_after` counts as
/// unreachable, and an unreachable Locker gives the snapshot if it is at most `max_stale` old.
async fn from_locker(
    source: &Source,
    want: &Want,
    file: Option<SnapshotFile>,
    max_stale: Option<Duration>,
) -> Result<(Records, Origin)> {
    let client = &source.client;
    let known = client.known_session().is_some();
    // A client without its profile takes it from the cache directory, if one holds it.
    let profile = if known { None } else { source.profile_file() };
    let progress = AtomicBool::new(false);
    let mut fetch = std::pin::pin!(fetch_full_with(
        client,
        profile.as_ref(),
        want,
        Some(&progress)
    ));
    // The request goes out (or the connection is started) before the snapshot is read.
    let early = match max_stale {
        Some(_) => poll_once(fetch.as_mut()).await,
        None => None,
    };
    let fallback = match (max_stale, &file) {
        (Some(max_stale), Some(f)) => read_snapshot(f, want).map(|snap| (snap, max_stale)),
        _ => None,
    };
    // A client with its profile already, without a snapshot to fall back to (a first load in
    // this cache), leaves its profile for the next process.
    if known
        && fallback.is_none()
        && let Some(session) = client.known_session()
        && let Some(profile) = source.profile_file()
        && !profile.path().exists()
    {
        profile.keep(client, session);
    }
    let result = match (early, &fallback) {
        (Some(result), _) => result,
        (None, Some(_)) => bounded(source.fallback_after, Some(&progress), fetch).await,
        (None, None) => fetch.await,
    };
    match (result, fallback) {
        (Ok(records), fallback) => {
            keep_snapshot(file, fallback.map(|(snap, _)| snap), &records);
            Ok((records, Origin::Network))
        }
        (Err(e), Some((snap, max_stale))) if is_unavailable(&e) => fall_back(e, snap, max_stale),
        (Err(e), _) => Err(e),
    }
}

/// Polls `fut` once: its result if it is ready at once, else `None` (it is polled again later).
async fn poll_once<F: Future>(mut fut: std::pin::Pin<&mut F>) -> Option<F::Output> {
    std::future::poll_fn(move |cx| match fut.as_mut().poll(cx) {
        std::task::Poll::Ready(v) => std::task::Poll::Ready(Some(v)),
        std::task::Poll::Pending => std::task::Poll::Ready(None),
    })
    .await
}

/// Writes `records` to `file` after a load from Locker. When the snapshot read during the load
/// (`previous`) holds the very same records at the same revision, only its age is out of date:
/// a sealed confirmation of the new fetch time is written in place in the existing file (a few
/// dozen bytes, see `SnapshotFile::confirm`), before the load returns. Where that cannot be
/// done (an older file's layout, the file replaced since it was read), the file is rewritten
/// with the new fetch time off the load's path, on a blocking thread of the runtime, and a
/// process that exits first keeps the previous file, the same records with an older age (so
/// at worst a fallback refuses it sooner, never later). Records that changed, or a first
/// snapshot, are written before the load returns, atomically as always.
fn keep_snapshot(file: Option<SnapshotFile>, previous: Option<Records>, records: &Records) {
    let Some(file) = file else { return };
    match previous {
        Some(mut previous) if previous.same_content(records) => {
            if file.confirm(records.fetched_at) {
                return;
            }
            previous.fetched_at = records.fetched_at;
            match tokio::runtime::Handle::try_current() {
                Ok(runtime) => {
                    runtime.spawn_blocking(move || write_snapshot(Some(&file), &previous));
                }
                Err(_) => write_snapshot(Some(&file), &previous),
            }
        }
        _ => write_snapshot(Some(&file), records),
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
