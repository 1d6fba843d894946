//! `locker export`: the library's dotenv or JSON export, to stdout, to a file readable by its
//! owner only, or into a device or FIFO.

use std::io::Write as _;
use std::path::Path;

use locker_config::ExportFormat;
use zeroize::Zeroizing;

use crate::cli::{ExportArgs, Format};
use crate::context::Context;
use crate::error::{CliResult, Failure, OK};
use crate::output;

pub(crate) async fn run(ctx: &mut Context, args: ExportArgs) -> CliResult<u8> {
    let format = match args.format {
        Format::Dotenv => ExportFormat::Dotenv,
        Format::Json => ExportFormat::Json,
    };
    let mut text = Zeroizing::new(ctx.client()?.export(args.env.as_deref(), format).await?);
    if format == ExportFormat::Json && !text.ends_with('\n') {
        text.push('\n');
    }
    match args.output.as_deref() {
        None => output::write_stdout(&text)?,
        Some(path) if path.as_os_str() == "-" => output::write_stdout(&text)?,
        Some(path) => {
            write_to(path, text.as_bytes())?;
            eprintln!("wrote {}", path.display());
        }
    }
    Ok(OK)
}

/// Writes `bytes` to what `path` names: a regular file (or none yet) is replaced atomically
/// with mode 0600; a device or FIFO (`/dev/stdout`, `/dev/null`, a named pipe) is written into
/// in place, as any Unix tool does, and never replaced by a file.
fn write_to(path: &Path, bytes: &[u8]) -> CliResult<()> {
    let fail =
        |e: std::io::Error| Failure::error(format!("could not write {}: {e}", path.display()));
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => Err(Failure::usage(format!(
            "{} is a directory; give a file name",
            path.display()
        ))),
        Ok(meta) if meta.is_file() => {
            // Through a symbolic link: the file it points to is replaced, the link stays.
            let target = std::fs::canonicalize(path).map_err(fail)?;
            write_private(&target, bytes)
        }
        Ok(_) => write_in_place(path, bytes).map_err(fail),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => write_private(path, bytes),
        Err(e) => Err(fail(e)),
    }
}

/// Opens `path` for writing without creating or truncating it, and writes `bytes`.
fn write_in_place(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut target = std::fs::OpenOptions::new().write(true).open(path)?;
    target.write_all(bytes)?;
    target.flush()
}

/// Writes `bytes` to `path` atomically (a temporary file in the same directory, renamed over
/// the target), with mode 0600 whatever the target's mode was.
fn write_private(path: &Path, bytes: &[u8]) -> CliResult<()> {
    let fail =
        |e: std::io::Error| Failure::error(format!("could not write {}: {e}", path.display()));
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    // tempfile creates the file with mode 0600 on Unix.
    let mut file = tempfile::Builder::new()
        .prefix(".locker-export-")
        .tempfile_in(dir)
        .map_err(fail)?;
    file.write_all(bytes).map_err(fail)?;
    file.as_file().sync_all().map_err(fail)?;
    file.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt as _;

    #[test]
    fn writes_0600_over_an_existing_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.env");
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_private(&path, b"A=\"1\"\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "A=\"1\"\n");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temp file left"
        );
    }

    #[test]
    fn a_missing_directory_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let e = write_private(&dir.path().join("no/such/dir/out.env"), b"x").unwrap_err();
        assert!(e.to_string().contains("could not write"), "{e}");
    }
}
