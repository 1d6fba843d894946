//! Asking Locker: one full list kept to what a load wants, a refresh by the changes since a
//! revision, the bound on a Locker that does not answer, and the fallback to a snapshot.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::client::ProfileFile;
use crate::client::{Listing, Locker, Want};
use crate::error::{Error, ErrorKind, Result};
use crate::snapshot::{Origin, Records, SnapshotReason, now_secs, round};

/// Whether an error means Locker is unavailable (a snapshot may stand in), as opposed to an
/// answer that must fail the load (401, 403, integrity, unknown environment, bad input…).
pub(crate) fn is_unavailable(e: &Error) -> bool {
    match e.kind() {
        ErrorKind::Connection | ErrorKind::RateLimited => true,
        ErrorKind::Server => e.status().is_none_or(|s| s >= 500),
        _ => false,
    }
}

/// Uses `snap` in place of an unreachable Locker if it is young enough.
pub(super) fn fall_back(e: Error, snap: Records, max_stale: Duration) -> Result<(Records, Origin)> {
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
pub(super) async fn bounded<T>(
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
    fetch_full_with(client, None, want, progress).await
}

/// [`fetch_full`], with the client's profile from `profile` when the client has none yet
/// (see [`list_with`]).
pub(super) async fn fetch_full_with(
    client: &Locker,
    profile: Option<&ProfileFile>,
    want: &Want,
    progress: Option<&AtomicBool>,
) -> Result<Records> {
    let listing = match profile {
        Some(profile) if client.known_session().is_none() => {
            list_with(client, profile, want, progress).await?
        }
        _ => client.sync_list(want, None, progress).await?,
    };
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

/// One full list by a client without its profile yet, the profile taken from `profile` when
/// it holds one: then the list is the only request. The cached key is adopted only once it has
/// opened the listed records; a key that does not ([`ErrorKind::Decryption`]) is dropped, and
/// the profile fetched again and kept. Any other failure (401, 403, unreachable) is the load's.
async fn list_with(
    client: &Locker,
    profile: &ProfileFile,
    want: &Want,
    progress: Option<&AtomicBool>,
) -> Result<Listing> {
    if let Some(session) = profile.read_or_ignore(client) {
        match client.sync_list_as(&session, want, None, progress).await {
            Ok(listing) => {
                client.adopt_session(session);
                return Ok(listing);
            }
            Err(e) if e.kind() == ErrorKind::Decryption => profile.drop_stale(),
            Err(e) => return Err(e),
        }
    }
    let listing = client.sync_list(want, None, progress).await?;
    if let Some(session) = client.known_session() {
        profile.keep(client, session);
    }
    Ok(listing)
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
}
