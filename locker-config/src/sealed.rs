//! What the snapshot and the profile files share: a sealed envelope, read from a file opened
//! without blocking (a regular file only, at most a size limit), in a directory no one else can
//! write to, and written atomically with mode 0600.
//!
//! A file is a small JSON envelope, `{"format":1,"sealed":"2.…"}`, whose `sealed` field is a
//! cipher string (AES-256-CBC + HMAC-SHA256, the protocol's own construction) under a key
//! derived from the secret access key. The envelope's format is readable without the key, so a
//! file from a newer version is told apart from a tampered one.

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use locker_protocol::crypto::SymmetricKey;

/// The environment variable naming the snapshot directory.
pub const CACHE_DIR_VAR: &str = "LOCKER_CACHE_DIR";

/// `$LOCKER_CACHE_DIR`, else `~/.locker/cache`; `None` when neither can be told. Only called
/// when the loader was not given a directory, so tests that always pass one never read the
/// process environment here.
pub(crate) fn default_cache_dir() -> Option<PathBuf> {
    match std::env::var_os(CACHE_DIR_VAR) {
        Some(dir) if !dir.is_empty() => Some(PathBuf::from(dir)),
        _ => home::home_dir().map(|h| h.join(".locker").join("cache")),
    }
}

/// The envelope format this version writes and reads.
pub(crate) const FORMAT: u32 = 1;

/// The name of a cache file: a hash of the API base and access key id it belongs to and of what
/// it holds, so the name says nothing about any of them. Each part is fed with a terminator.
pub(crate) struct FileName(Sha256);

impl FileName {
    /// The name of a file of the client with this API base and access key id.
    pub(crate) fn of(api_base: &str, access_key_id: &str) -> Self {
        let mut name = FileName(Sha256::new());
        name.part(api_base);
        name.part(access_key_id);
        name
    }

    /// One more part of what the file holds.
    pub(crate) fn part(&mut self, part: &str) -> &mut Self {
        self.0.update(part.as_bytes());
        self.0.update([0]);
        self
    }

    /// Bytes fed as they are, without a terminator.
    pub(crate) fn bytes(&mut self, bytes: &[u8]) -> &mut Self {
        self.0.update(bytes);
        self
    }

    /// `<hex of the first 16 bytes of the hash>.<extension>`.
    pub(crate) fn finish(self, extension: &str) -> String {
        let digest = self.0.finalize();
        let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        format!("{hex}.{extension}")
    }
}

/// Checks what a sealed payload says of itself against this version and the client reading
/// it: its `format`, and the API base and access key id it belongs to (`owner`, against
/// `reader`'s).
pub(crate) fn check_owner(
    format: u32,
    owner: (&str, &str),
    reader: (&str, &str),
) -> Result<(), String> {
    if format != FORMAT {
        return Err("it was tampered with (format mismatch)".to_owned());
    }
    if owner != reader {
        return Err("it belongs to another Locker server or access key".to_owned());
    }
    Ok(())
}

#[derive(Serialize, Deserialize)]
struct Envelope {
    format: u32,
    sealed: String,
    /// A confirmation of the sealed content's time (see [`Confirm`]), last in the file so it
    /// can be rewritten in place. Files without one (profiles, older snapshots) still read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    confirmed: Option<String>,
}

/// Plaintext of a confirmation: the time (seconds since the epoch, `f64` little-endian), then
/// the sealed content's MAC as it is written in the file (base64), so a confirmation only ever
/// vouches for the very content it was sealed beside.
fn confirmation_plain(at: f64, sealed: &str) -> Option<Vec<u8>> {
    let tag = sealed.rsplit('|').next()?;
    let mut plain = Vec::with_capacity(8 + tag.len());
    plain.extend_from_slice(&at.to_le_bytes());
    plain.extend_from_slice(tag.as_bytes());
    Some(plain)
}

/// The time a genuine confirmation vouches for, `None` when it does not open under `key` or
/// was sealed beside other content (tampered, torn by a concurrent rewrite, or replayed from
/// another file): then the sealed content's own time stands, which is never younger.
fn open_confirmation(key: &SymmetricKey, confirmed: &str, sealed: &str) -> Option<f64> {
    let plain = key.decrypt_bytes(confirmed).ok()?;
    let tag = sealed.rsplit('|').next()?;
    let (at, rest) = plain.split_first_chunk::<8>()?;
    (rest == tag.as_bytes()).then(|| f64::from_le_bytes(*at))
}

/// What a sealed file read with [`read_confirmable`] holds beside its plaintext: the time its
/// confirmation vouches for, and where that confirmation can be rewritten in place.
pub(crate) struct Opened {
    pub(crate) plain: Zeroizing<Vec<u8>>,
    /// The confirmed time, if the file holds a genuine confirmation of this content.
    pub(crate) confirmed_at: Option<f64>,
    /// Where the confirmation lies, if the file has the layout [`write_confirmable`] writes.
    pub(crate) slot: Option<Confirm>,
}

/// The confirmation of one sealed file as it was read: the file's identity and size, and the
/// offset of its confirmation string. [`Confirm::write`] brings the confirmed time up to date
/// in place, without sealing the content again or writing a new file.
///
/// Why this keeps the age honest: the confirmation is sealed under the same key as the content
/// and binds the content's MAC, so no one without the key can forge one; a confirmation that
/// does not open, or vouches for other content, is ignored and the content's own (older) time
/// stands. Tampering can thus only make a snapshot look older, or replay an earlier genuine
/// confirmation of the same content, never make it younger than its newest genuine write.
#[derive(Clone)]
pub(crate) struct Confirm {
    #[cfg(unix)]
    dev: u64,
    #[cfg(unix)]
    ino: u64,
    len: u64,
    offset: u64,
    sealed_tag: String,
    confirmed_len: usize,
}

impl Confirm {
    /// Writes a confirmation of `at` in place: `Ok(false)` when the file is no longer the one
    /// read (replaced, grown, a symlink now), so the caller writes a whole new file instead.
    /// A reader racing this write may see a torn confirmation, which does not open and only
    /// makes the snapshot look older for that read.
    #[cfg(unix)]
    pub(crate) fn write(&self, path: &Path, key: &SymmetricKey, at: f64) -> std::io::Result<bool> {
        use nix::fcntl::OFlag;
        use std::os::unix::fs::{FileExt as _, MetadataExt as _, OpenOptionsExt as _};
        let mut plain = Vec::with_capacity(8 + self.sealed_tag.len());
        plain.extend_from_slice(&at.to_le_bytes());
        plain.extend_from_slice(self.sealed_tag.as_bytes());
        let confirmed = key.encrypt_bytes(&plain);
        if confirmed.len() != self.confirmed_len {
            return Ok(false);
        }
        let file = match std::fs::OpenOptions::new()
            .write(true)
            .custom_flags((OFlag::O_NONBLOCK | OFlag::O_NOCTTY | OFlag::O_NOFOLLOW).bits())
            .open(path)
        {
            Ok(file) => file,
            Err(_) => return Ok(false),
        };
        let meta = file.metadata()?;
        if !meta.is_file()
            || meta.dev() != self.dev
            || meta.ino() != self.ino
            || meta.len() != self.len
        {
            return Ok(false);
        }
        file.write_all_at(confirmed.as_bytes(), self.offset)?;
        Ok(true)
    }

    /// Not supported here: the caller writes a whole new file.
    #[cfg(not(unix))]
    pub(crate) fn write(&self, _: &Path, _: &SymmetricKey, _: f64) -> std::io::Result<bool> {
        Ok(false)
    }
}

/// Reads and opens the sealed file at `path` in `dir`: `Ok(None)` when there is none (or no
/// directory yet), `Err(why)` when there is one that cannot be used (the reason never quotes
/// the content), or when the directory is one other users can write to. At most `max` bytes
/// are read. What comes back is the plaintext the file was sealed from.
pub(crate) fn read(
    dir: &Path,
    path: &Path,
    key: &SymmetricKey,
    max: u64,
) -> Result<Option<Zeroizing<Vec<u8>>>, String> {
    Ok(read_confirmable(dir, path, key, max)?.map(|o| o.plain))
}

/// [`read`], with the file's confirmation (see [`Confirm`]).
pub(crate) fn read_confirmable(
    dir: &Path,
    path: &Path,
    key: &SymmetricKey,
    max: u64,
) -> Result<Option<Opened>, String> {
    if !check_dir(dir)? {
        return Ok(None);
    }
    let Some((bytes, id)) = read_file(path, max)? else {
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
    let plain = key
        .decrypt_bytes(&envelope.sealed)
        .map_err(|_| "it was written with other credentials, or it was tampered with".to_owned())?;
    let (confirmed_at, slot) = match &envelope.confirmed {
        None => (None, None),
        Some(c) => {
            let at = open_confirmation(key, c, &envelope.sealed);
            // The confirmation can be rewritten in place only where it is the file's last
            // string, as written: `…,"confirmed":"<c>"}`.
            let tail = [b"\"".as_slice(), c.as_bytes(), b"\"}"].concat();
            let slot = match (bytes.ends_with(&tail), envelope.sealed.rsplit('|').next()) {
                (true, Some(tag)) => Some(Confirm {
                    #[cfg(unix)]
                    dev: id.dev,
                    #[cfg(unix)]
                    ino: id.ino,
                    len: bytes.len() as u64,
                    offset: (bytes.len() - 2 - c.len()) as u64,
                    sealed_tag: tag.to_owned(),
                    confirmed_len: c.len(),
                }),
                _ => None,
            };
            (at, slot)
        }
    };
    Ok(Some(Opened {
        plain,
        confirmed_at,
        slot,
    }))
}

/// Seals `plain` under `key` and writes it to `path` atomically (a temporary file named
/// `.{prefix}-….tmp` in the same directory, then a rename): mode 0600, in `dir`, created with
/// mode 0700 and refused when other users can write to it.
pub(crate) fn write(
    dir: &Path,
    path: &Path,
    key: &SymmetricKey,
    plain: &[u8],
    prefix: &str,
) -> std::io::Result<()> {
    write_confirmable(dir, path, key, plain, prefix, None)
}

/// [`write`], with a confirmation of `confirmed_at` (see [`Confirm`]) when given.
pub(crate) fn write_confirmable(
    dir: &Path,
    path: &Path,
    key: &SymmetricKey,
    plain: &[u8],
    prefix: &str,
    confirmed_at: Option<f64>,
) -> std::io::Result<()> {
    create_dir(dir)?;
    check_dir(dir).map_err(std::io::Error::other)?;
    let sealed = key.encrypt_bytes(plain);
    let confirmed = confirmed_at
        .and_then(|at| confirmation_plain(at, &sealed))
        .map(|p| key.encrypt_bytes(&p));
    let envelope = Envelope {
        format: FORMAT,
        sealed,
        confirmed,
    };
    let bytes = serde_json::to_vec(&envelope).map_err(std::io::Error::other)?;
    // NamedTempFile creates the file with mode 0600 on Unix.
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{prefix}-"))
        .suffix(".tmp")
        .tempfile_in(dir)?;
    tmp.write_all(&bytes)?;
    // No fsync: the rename makes the file appear whole or not at all to other readers, and a
    // file cut short by a crash is read back as corrupt and ignored, never trusted. Loads stay
    // cheap.
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Which file was read: its device and inode, where the platform tells.
#[derive(Clone, Copy)]
struct FileId {
    #[cfg(unix)]
    dev: u64,
    #[cfg(unix)]
    ino: u64,
}

/// Opens and reads the file at `path`, at most `max` bytes of it: `Ok(None)` when there is
/// none, else its bytes and which file they were read from. What was opened must be a regular
/// file: a FIFO or a device (or a symlink to one) would block the load forever or never end,
/// so it is opened without blocking and refused after an `fstat` of the open file (not of the
/// path, which could change in between).
fn read_file(path: &Path, max: u64) -> Result<Option<(Vec<u8>, FileId)>, String> {
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
    if meta.len() > max {
        return Err(format!("it is larger than {max} bytes"));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("it cannot be read: {e}"))?;
    if bytes.len() as u64 > max {
        return Err(format!("it is larger than {max} bytes"));
    }
    #[cfg(unix)]
    let id = {
        use std::os::unix::fs::MetadataExt as _;
        FileId {
            dev: meta.dev(),
            ino: meta.ino(),
        }
    };
    #[cfg(not(unix))]
    let id = FileId {};
    Ok(Some((bytes, id)))
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

/// Whether the cache directory exists (`Ok(false)`: not yet), and `Err(why)` when it is one
/// snapshots and profiles must not be kept in: writable by group or others, or owned by
/// another user than this one or root. Anyone who can write there could swap a file for their
/// own (as ssh refuses keys in such a directory).
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

#[cfg(test)]
mod tests {
    use super::{FileName, check_owner};

    #[test]
    fn file_names_stay_what_earlier_versions_wrote() {
        // Hex of the first 16 bytes of SHA-256 over each part and a NUL (and `*` as it is),
        // computed apart from this code: a cache an earlier run left is still found.
        let base = "http://127.0.0.1:1";
        let mut profile = FileName::of(base, "key-id");
        profile.part("profile");
        assert_eq!(
            profile.finish("profile"),
            "645c2dbcc967e6994832990578ece367.profile"
        );
        let mut keys = FileName::of(base, "key-id");
        keys.part("prod").part("A").part("B");
        assert_eq!(
            keys.finish("snapshot"),
            "f94ae4cc27ac3372da6545d72e2a49d2.snapshot"
        );
        let mut every = FileName::of(base, "key-id");
        every.part("prod").bytes(b"*");
        assert_eq!(
            every.finish("snapshot"),
            "0e3e2735f2de247cb08b5cbdb72308ac.snapshot"
        );
    }

    #[test]
    fn a_payload_of_another_format_or_owner_is_refused() {
        let me = ("http://a", "id");
        assert_eq!(check_owner(super::FORMAT, me, me), Ok(()));
        assert!(
            check_owner(super::FORMAT + 1, me, me)
                .unwrap_err()
                .contains("format")
        );
        for other in [("http://b", "id"), ("http://a", "other")] {
            assert!(
                check_owner(super::FORMAT, other, me)
                    .unwrap_err()
                    .contains("another Locker server or access key")
            );
        }
    }
}
