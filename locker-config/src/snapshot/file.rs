//! The snapshot file: where it lives, how it is sealed, written and read back.
//!
//! A file is a small JSON envelope, `{"format":1,"sealed":"2.…"}`, whose `sealed` field is a
//! cipher string (AES-256-CBC + HMAC-SHA256, the protocol's own construction) under a key
//! derived from the secret access key. Inside: the format again, the API base, the access key
//! id, and the [`Records`]. The envelope's format is readable without the key, so a file from a
//! newer version is told apart from a tampered one.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::Records;
use super::records::CLOCK_SKEW;
use super::sealed;
use crate::client::{Locker, Want};
use locker_protocol::crypto::SymmetricKey;

/// The snapshot format this version writes and reads (the envelope's, see [`sealed`]).
pub(crate) use super::sealed::FORMAT;

/// The environment variable naming the snapshot directory.
pub const CACHE_DIR_VAR: &str = "LOCKER_CACHE_DIR";

/// The largest snapshot file read; a larger one is ignored as corrupt.
const MAX_FILE: u64 = 256 * 1024 * 1024;

/// `$LOCKER_CACHE_DIR`, else `~/.locker/cache`; `None` when neither can be told. Only called
/// when the loader was not given a directory, so tests that always pass one never read the
/// process environment here.
pub(crate) fn default_cache_dir() -> Option<PathBuf> {
    match std::env::var_os(CACHE_DIR_VAR) {
        Some(dir) if !dir.is_empty() => Some(PathBuf::from(dir)),
        _ => home::home_dir().map(|h| h.join(".locker").join("cache")),
    }
}

#[derive(Serialize, Deserialize)]
struct Payload {
    format: u32,
    api_base: String,
    access_key_id: String,
    records: Records,
}

/// One snapshot file: its path and the credentials that seal it.
pub(crate) struct SnapshotFile {
    path: PathBuf,
    dir: PathBuf,
    key: SymmetricKey,
    api_base: String,
    access_key_id: String,
}

impl std::fmt::Debug for SnapshotFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SnapshotFile")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl SnapshotFile {
    /// The file for this client, environment and set of keys in `dir`. Its name is a hash, so
    /// it says nothing about the project.
    pub(crate) fn new(client: &Locker, dir: &Path, want: &Want) -> Self {
        let mut h = Sha256::new();
        for part in [client.api_base(), client.access_key_id(), &want.environment] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        match &want.keys {
            None => h.update(b"*"),
            Some(keys) => {
                for k in keys {
                    h.update(k.as_bytes());
                    h.update([0]);
                }
            }
        }
        let digest = h.finalize();
        let name: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        SnapshotFile {
            path: dir.join(format!("{name}.snapshot")),
            dir: dir.to_owned(),
            key: client.snapshot_key(),
            api_base: client.api_base().to_owned(),
            access_key_id: client.access_key_id().to_owned(),
        }
    }

    /// The file's path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the snapshot: `Ok(None)` when there is none, `Err(why)` when there is one that
    /// cannot be used (the reason never quotes the content), or when the directory is one
    /// other users can write to.
    pub(crate) fn read(&self, want: &Want) -> Result<Option<Records>, String> {
        let Some(plain) = sealed::read(&self.dir, &self.path, &self.key, MAX_FILE)? else {
            return Ok(None);
        };
        let payload: Payload =
            serde_json::from_slice(&plain).map_err(|_| "its content is corrupt".to_owned())?;
        if payload.format != FORMAT {
            return Err("it was tampered with (format mismatch)".to_owned());
        }
        if payload.api_base != self.api_base || payload.access_key_id != self.access_key_id {
            return Err("it belongs to another Locker server or access key".to_owned());
        }
        let records = payload.records;
        if records.environment != want.environment {
            return Err(format!(
                "it holds environment {:?}, not {:?}",
                records.environment, want.environment
            ));
        }
        if !records.covers(want) {
            return Err("it does not hold every key this configuration reads".to_owned());
        }
        if records.checked_age().is_none() {
            return Err(format!(
                "its fetch time is not a valid time or lies more than {} ahead of this clock",
                humantime::format_duration(CLOCK_SKEW)
            ));
        }
        Ok(Some(records))
    }

    /// Writes the snapshot atomically (a temporary file in the same directory, then a rename):
    /// mode 0600, in a directory created with mode 0700.
    pub(crate) fn write(&self, records: &Records) -> std::io::Result<()> {
        let payload = Payload {
            format: FORMAT,
            api_base: self.api_base.clone(),
            access_key_id: self.access_key_id.clone(),
            records: records.clone(),
        };
        let plain = Zeroizing::new(serde_json::to_vec(&payload).map_err(std::io::Error::other)?);
        sealed::write(&self.dir, &self.path, &self.key, &plain, "snapshot")
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::pipeline::{Source, load};
    use crate::{CachePolicy, ErrorKind, Origin, SnapshotReason};

    const DAY: f64 = 24.0 * 3600.0;

    /// A client of a Locker that refuses every connection: nothing listens on the port of a
    /// listener that was just closed.
    fn unreachable_client() -> Locker {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        Locker::builder()
            .access_key_id("key-id")
            .secret_access_key("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
            .api_base(format!("http://127.0.0.1:{port}"))
            .max_network_retries(0)
            .build()
            .unwrap()
    }

    fn want() -> Want {
        Want {
            environment: "prod".to_owned(),
            keys: None,
        }
    }

    /// A sealed snapshot of `prod` fetched at `fetched_at` (seconds since the epoch),
    /// written by the crate's own code.
    fn snapshot(client: &Locker, dir: &Path, fetched_at: f64) -> SnapshotFile {
        let file = SnapshotFile::new(client, dir, &want());
        let mut records = Records::for_tests("prod", &[("1", "DATABASE_URL", "pg://x", true)]);
        records.fetched_at = fetched_at;
        file.write(&records).unwrap();
        file
    }

    fn cache_first(client: &Locker, dir: &Path) -> crate::Result<Origin> {
        let source = Source {
            client: client.clone(),
            cache_dir: Some(dir.to_owned()),
            policy: CachePolicy::CacheFirst {
                rest_time: Duration::from_secs(3600),
                max_stale: Duration::from_secs(24 * 3600),
            },
            fallback_after: Duration::from_secs(3),
        };
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(load(&source, &want()))
            .map(|(_, origin)| origin)
    }

    #[test]
    fn a_snapshot_dated_in_the_future_is_refused_and_never_served_by_cache_first() {
        let client = unreachable_client();
        let now = super::super::now_secs();
        for fetched_at in [now + 30.0 * DAY, now + 301.0, 1e300, -1e300] {
            let tmp = tempfile::tempdir().unwrap();
            let dir = tmp.path().join("cache");
            let file = snapshot(&client, &dir, fetched_at);
            let why = file.read(&want()).unwrap_err();
            assert!(why.contains("ahead of this clock"), "{fetched_at}: {why}");
            // CacheFirst does not take it for a fresh snapshot: it asks Locker (unreachable
            // here), and has nothing to fall back to.
            let err = cache_first(&client, &dir).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Connection, "{fetched_at}: {err}");
        }
    }

    #[test]
    fn a_snapshot_ahead_within_the_clock_skew_is_fresh_and_an_old_one_is_probed() {
        let client = unreachable_client();
        let now = super::super::now_secs();
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("cache");
        snapshot(&client, &dir, now + 120.0);
        match cache_first(&client, &dir).unwrap() {
            Origin::Snapshot { age, reason, .. } => {
                assert_eq!(reason, SnapshotReason::Fresh);
                assert_eq!(age, Duration::ZERO);
            }
            other => panic!("{other:?}"),
        }
        // Two hours old: older than the rest time, so Locker is asked; unreachable, the
        // snapshot (within max_stale) stands in.
        snapshot(&client, &dir, now - 2.0 * 3600.0);
        match cache_first(&client, &dir).unwrap() {
            Origin::Snapshot { age, reason, .. } => {
                assert_eq!(reason, SnapshotReason::Unreachable);
                assert!(age >= Duration::from_secs(7200), "{age:?}");
            }
            other => panic!("{other:?}"),
        }
    }
}
