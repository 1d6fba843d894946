//! The snapshot file: where it lives, how it is sealed, written and read back.
//!
//! A file is a small JSON envelope, `{"format":1,"sealed":"2.…"}`, whose `sealed` field is a
//! cipher string (AES-256-CBC + HMAC-SHA256, the protocol's own construction) under a key
//! derived from the secret access key. Inside: the format again, the API base, the access key
//! id, and the [`Records`]. The envelope's format is readable without the key, so a file from a
//! newer version is told apart from a tampered one. Last in the envelope, `confirmed` is a
//! sealed confirmation of the content's fetch time (see `sealed::Confirm`): a load that finds
//! the same records again rewrites only it, in place.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::Records;
use super::records::CLOCK_SKEW;
use crate::client::{Locker, Want};
use crate::sealed;
use locker_protocol::crypto::SymmetricKey;

/// The snapshot format this version writes and reads (the envelope's, see [`sealed`]).
pub(crate) use crate::sealed::FORMAT;

/// The largest snapshot file read; a larger one is ignored as corrupt.
const MAX_FILE: u64 = 256 * 1024 * 1024;

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
    /// Where the confirmation of the file last read lies, to bring its age up to date in place.
    confirm: std::sync::Mutex<Option<sealed::Confirm>>,
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
        let mut name = sealed::FileName::of(client.api_base(), client.access_key_id());
        name.part(&want.environment);
        match &want.keys {
            None => {
                name.bytes(b"*");
            }
            Some(keys) => {
                for k in keys.iter() {
                    name.part(k);
                }
            }
        }
        SnapshotFile {
            path: dir.join(name.finish("snapshot")),
            dir: dir.to_owned(),
            key: client.snapshot_key(),
            api_base: client.api_base().to_owned(),
            access_key_id: client.access_key_id().to_owned(),
            confirm: std::sync::Mutex::new(None),
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
        let Some(opened) = sealed::read_confirmable(&self.dir, &self.path, &self.key, MAX_FILE)?
        else {
            return Ok(None);
        };
        let payload: Payload = serde_json::from_slice(&opened.plain)
            .map_err(|_| "its content is corrupt".to_owned())?;
        sealed::check_owner(
            payload.format,
            (&payload.api_base, &payload.access_key_id),
            (&self.api_base, &self.access_key_id),
        )?;
        let mut records = payload.records;
        // A genuine confirmation of this very content (see `sealed::Confirm`) brings its age
        // up to date; none, or one that does not open, leaves the sealed (older) fetch time.
        if let Some(at) = opened.confirmed_at
            && at > records.fetched_at
        {
            records.fetched_at = at;
        }
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
        if let Ok(mut slot) = self.confirm.lock() {
            *slot = opened.slot;
        }
        Ok(Some(records))
    }

    /// Brings the age of the snapshot last [read](Self::read) up to date without writing it
    /// again: a sealed confirmation of `at`, a few dozen bytes written in place. `false` when
    /// that cannot be done (no snapshot read, an older file's layout, the file replaced since,
    /// an I/O error): the caller then writes the whole snapshot.
    pub(crate) fn confirm(&self, at: f64) -> bool {
        let slot = self.confirm.lock().ok().and_then(|mut s| s.take());
        slot.is_some_and(|slot| {
            slot.write(&self.path, &self.key, at)
                .is_ok_and(|written| written)
        })
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
        sealed::write_confirmable(
            &self.dir,
            &self.path,
            &self.key,
            &plain,
            "snapshot",
            Some(records.fetched_at),
        )
    }
}
