//! The snapshot file: where it lives, how it is sealed, written and read back.
//!
//! A file is a small JSON envelope, `{"format":1,"sealed":"2.…"}`, whose `sealed` field is a
//! cipher string (AES-256-CBC + HMAC-SHA256, the protocol's own construction) under a key
//! derived from the secret access key. Inside: the format again, the API base, the access key
//! id, and the [`Records`]. The envelope's format is readable without the key, so a file from a
//! newer version is told apart from a tampered one.

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::Records;
use super::records::CLOCK_SKEW;
use crate::client::{Locker, Want};
use locker_protocol::crypto::SymmetricKey;

/// The snapshot format this version writes and reads.
pub(crate) const FORMAT: u32 = 1;

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
struct Envelope {
    format: u32,
    sealed: String,
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
        if !check_dir(&self.dir)? {
            return Ok(None);
        }
        let Some(bytes) = read_file(&self.path)? else {
            return Ok(None);
        };
        let envelope: Envelope =
            serde_json::from_slice(&bytes).map_err(|_| "it is corrupt or truncated".to_owned())?;
        if envelope.format > FORMAT {
            return Err(format!(
                "it was written by a newer version of locker-config (format {}, this version \
                 reads {FORMAT})",
                envelope.format
            ));
        }
        if envelope.format != FORMAT {
            return Err(format!("its format {} is not supported", envelope.format));
        }
        let plain = self.key.decrypt_bytes(&envelope.sealed).map_err(|_| {
            "it was written with other credentials, or it was tampered with".to_owned()
        })?;
        let payload: Payload =
            serde_json::from_slice(&plain).map_err(|_| "its content is corrupt".to_owned())?;
        if payload.format != envelope.format {
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
        create_dir(&self.dir)?;
        check_dir(&self.dir).map_err(std::io::Error::other)?;
        let payload = Payload {
            format: FORMAT,
            api_base: self.api_base.clone(),
            access_key_id: self.access_key_id.clone(),
            records: records.clone(),
        };
        let plain = Zeroizing::new(serde_json::to_vec(&payload).map_err(std::io::Error::other)?);
        let envelope = Envelope {
            format: FORMAT,
            sealed: self.key.encrypt_bytes(&plain),
        };
        let bytes = serde_json::to_vec(&envelope).map_err(std::io::Error::other)?;
        // NamedTempFile creates the file with mode 0600 on Unix.
        let mut tmp = tempfile::Builder::new()
            .prefix(".snapshot-")
            .suffix(".tmp")
            .tempfile_in(&self.dir)?;
        tmp.write_all(&bytes)?;
        // No fsync: the rename makes the file appear whole or not at all to other readers, and
        // a file cut short by a crash is read back as corrupt and ignored, never trusted. Loads
        // stay cheap.
        tmp.persist(&self.path).map_err(|e| e.error)?;
        Ok(())
    }
}

/// Opens and reads the file at `path`, at most [`MAX_FILE`] bytes of it: `Ok(None)` when there
/// is none. What was opened must be a regular file: a FIFO or a device (or a symlink to one)
/// would block the load forever or never end, so it is opened without blocking and refused
/// after an `fstat` of the open file (not of the path, which could change in between).
fn read_file(path: &Path) -> Result<Option<Vec<u8>>, String> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use nix::fcntl::OFlag;
        use std::os::unix::fs::OpenOptionsExt as _;
        // O_NOCTTY: a terminal device at the path never becomes this process's terminal.
        options.custom_flags((OFlag::O_NONBLOCK | OFlag::O_NOCTTY).bits());
    }
    let file = match options.open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("it cannot be opened: {e}")),
    };
    let meta = file
        .metadata()
        .map_err(|e| format!("it cannot be read: {e}"))?;
    if !meta.is_file() {
        return Err(format!(
            "it is not a regular file but {}",
            file_kind(&meta.file_type())
        ));
    }
    if meta.len() > MAX_FILE {
        return Err(format!("it is larger than {MAX_FILE} bytes"));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(MAX_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("it cannot be read: {e}"))?;
    if bytes.len() as u64 > MAX_FILE {
        return Err(format!("it is larger than {MAX_FILE} bytes"));
    }
    Ok(Some(bytes))
}

/// What a file that is not a regular one is, for messages.
fn file_kind(t: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

/// Whether the snapshot directory exists (`Ok(false)`: not yet), and `Err(why)` when it is one
/// snapshots must not be kept in: writable by group or others, or owned by another user than
/// this one or root. Anyone who can write there could swap a snapshot for their own file (as
/// ssh refuses keys in such a directory).
#[cfg(unix)]
fn check_dir(dir: &Path) -> Result<bool, String> {
    use std::os::unix::fs::MetadataExt as _;
    let meta = match std::fs::metadata(dir) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => {
            return Err(format!(
                "its directory {} cannot be read: {e}",
                dir.display()
            ));
        }
    };
    if !meta.is_dir() {
        return Err(format!("{} is not a directory", dir.display()));
    }
    let mode = meta.mode() & 0o7777;
    if mode & 0o022 != 0 {
        return Err(format!(
            "its directory {} is writable by group or others (mode {mode:04o}), so snapshots \
             are not kept there; make it private with `chmod go-w {}`, or choose another \
             cache_dir",
            dir.display(),
            dir.display()
        ));
    }
    let owner = meta.uid();
    let me = nix::unistd::geteuid().as_raw();
    if owner != me && owner != 0 {
        return Err(format!(
            "its directory {} belongs to another user (uid {owner}), so snapshots are not kept \
             there; choose another cache_dir",
            dir.display()
        ));
    }
    Ok(true)
}

#[cfg(not(unix))]
fn check_dir(dir: &Path) -> Result<bool, String> {
    Ok(dir.is_dir())
}

#[cfg(unix)]
fn create_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt as _;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}
