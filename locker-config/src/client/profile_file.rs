//! The access key's profile kept in the cache directory, so that a cold load from a cache an
//! earlier run left is one request (the list) instead of two (the profile, then the list).
//!
//! Sealed like a snapshot (`{"format":1,"sealed":"2.…"}` under the key derived from the secret
//! access key, written atomically with mode 0600). Inside: the API base and access key id it
//! belongs to, the project id, whether the key may write, and the project key still wrapped
//! under the access key, as the profile sends it. A cached key is only ever tried: the load
//! that uses it adopts it once it has opened the listed records; one that does not is dropped
//! and the profile fetched again.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::{Locker, Session};
use locker_protocol::crypto::SymmetricKey;

use crate::sealed::{self, FORMAT};

/// The largest profile file read; a larger one is ignored as corrupt.
const MAX_FILE: u64 = 64 * 1024;

#[derive(Serialize, Deserialize)]
struct Payload {
    format: u32,
    api_base: String,
    access_key_id: String,
    project_id: i64,
    /// The project key, wrapped under the access key.
    wrapped_key: String,
    editable: Option<bool>,
}

/// The profile file of one client (API base and access key) in one cache directory.
pub(crate) struct ProfileFile {
    path: PathBuf,
    dir: PathBuf,
    key: SymmetricKey,
}

impl std::fmt::Debug for ProfileFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProfileFile")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl ProfileFile {
    /// The profile file of `client` in `dir`. Its name is a hash, so it says nothing about the
    /// access key.
    pub(crate) fn new(client: &Locker, dir: &Path) -> Self {
        let mut name = sealed::FileName::of(client.api_base(), client.access_key_id());
        name.part("profile");
        ProfileFile {
            path: dir.join(name.finish("profile")),
            dir: dir.to_owned(),
            key: client.snapshot_key(),
        }
    }

    /// The file's path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the profile: `Ok(None)` when there is none, `Err(why)` when there is one that
    /// cannot be used (the reason never quotes the content), or when the directory is one
    /// other users can write to. Opened and read as a snapshot is (see [`sealed::read`]): a
    /// FIFO, a device or a symlink to one is refused without blocking, and at most
    /// [`MAX_FILE`] bytes are read.
    pub(crate) fn read(&self, client: &Locker) -> Result<Option<Session>, String> {
        let Some(plain) = sealed::read(&self.dir, &self.path, &self.key, MAX_FILE)? else {
            return Ok(None);
        };
        let payload: Payload =
            serde_json::from_slice(&plain).map_err(|_| "its content is corrupt".to_owned())?;
        sealed::check_owner(
            payload.format,
            (&payload.api_base, &payload.access_key_id),
            (client.api_base(), client.access_key_id()),
        )?;
        let key = client
            .unwrap_project_key(&payload.wrapped_key)
            .map_err(|_| "its project key does not open under this access key".to_owned())?;
        Ok(Some(Session {
            project_id: payload.project_id,
            key,
            editable: payload.editable,
        }))
    }

    /// Writes `session` atomically (a temporary file in the same directory, then a rename):
    /// mode 0600, in a directory created with mode 0700 (one other users can write to is
    /// refused).
    pub(crate) fn write(&self, client: &Locker, session: &Session) -> std::io::Result<()> {
        let payload = Payload {
            format: FORMAT,
            api_base: client.api_base().to_owned(),
            access_key_id: client.access_key_id().to_owned(),
            project_id: session.project_id,
            wrapped_key: client.wrap_project_key(session),
            editable: session.editable,
        };
        let plain = Zeroizing::new(serde_json::to_vec(&payload).map_err(std::io::Error::other)?);
        sealed::write(&self.dir, &self.path, &self.key, &plain, "profile")
    }

    /// [`read`](Self::read) for a load or a call: a file that cannot be used is ignored with a
    /// warning (its reason, never its content).
    pub(crate) fn read_or_ignore(&self, client: &Locker) -> Option<Session> {
        self.read(client).unwrap_or_else(|why| {
            tracing::warn!(path = %self.path.display(), "ignoring the cached profile: {why}");
            None
        })
    }

    /// [`write`](Self::write) for a load or a call: the cache only spares the next process a
    /// request, so a failure is logged, never the caller's.
    pub(crate) fn keep(&self, client: &Locker, session: &Session) {
        if let Err(e) = self.write(client, session) {
            tracing::warn!(path = %self.path.display(), error = %e, "could not write the cached profile");
        }
    }

    /// Drops the cached profile whose project key failed to open the project's records (a MAC
    /// failure), saying so; the caller fetches the profile again.
    pub(crate) fn drop_stale(&self) {
        tracing::warn!(
            path = %self.path.display(),
            "the cached project key does not open the project's records: fetching the profile \
             again"
        );
        if let Err(e) = self.remove() {
            tracing::warn!(path = %self.path.display(), error = %e, "could not remove the cached profile");
        }
    }

    /// Removes the file; one that is already gone is fine.
    pub(crate) fn remove(&self) -> std::io::Result<()> {
        match std::fs::remove_file(&self.path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}
