//! Where a load reads from: the client and the snapshot settings a loader's setters leave.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::client::{Locker, ProfileFile, Want};
use crate::error::Result;
use crate::sealed::default_cache_dir;
use crate::snapshot::{CachePolicy, DEFAULT_FALLBACK_AFTER, SnapshotFile};

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
        let dir = self.dir()?;
        Some(SnapshotFile::new(&self.client, &dir, want))
    }

    /// The file that keeps the client's profile, unless snapshots are off or no directory can
    /// be told.
    pub(crate) fn profile_file(&self) -> Option<ProfileFile> {
        let dir = self.dir()?;
        Some(ProfileFile::new(&self.client, &dir))
    }

    /// The cache directory, unless snapshots are off or none can be told.
    fn dir(&self) -> Option<PathBuf> {
        if self.policy == CachePolicy::Off {
            return None;
        }
        match &self.cache_dir {
            Some(dir) => Some(dir.clone()),
            None => {
                let dir = default_cache_dir();
                if dir.is_none() {
                    tracing::debug!(
                        "no snapshot directory: no cache_dir, $LOCKER_CACHE_DIR or home"
                    );
                }
                dir
            }
        }
    }
}
