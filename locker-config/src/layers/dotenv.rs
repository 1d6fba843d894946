//! The dotenv file layer: `KEY=value` lines parsed with `dotenvy`, each value with its line.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::error::{Error, ErrorKind, Result};

/// The largest dotenv file read: a config file, not a data file.
pub(crate) const MAX_DOTENV_BYTES: u64 = 1024 * 1024;

/// One `KEY=value` of a dotenv file.
#[derive(Clone)]
pub(crate) struct DotenvEntry {
    pub(crate) key: String,
    pub(crate) value: Zeroizing<String>,
    /// The line the statement starts on, from 1.
    pub(crate) line: usize,
}

/// A parsed dotenv file: each key once (the last occurrence wins, as in a shell), in file
/// order.
#[derive(Clone)]
pub(crate) struct DotenvFile {
    pub(crate) path: PathBuf,
    pub(crate) entries: Vec<DotenvEntry>,
}

impl std::fmt::Debug for DotenvFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let keys: Vec<&str> = self.entries.iter().map(|e| e.key.as_str()).collect();
        f.debug_struct("DotenvFile")
            .field("path", &self.path)
            .field("keys", &keys)
            .finish()
    }
}

fn file_error(path: &Path, what: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorKind::Config,
        format!("the dotenv file {} {what}", path.display()),
    )
}

impl DotenvFile {
    /// Reads and parses `path`; `None` when there is no file there. A FIFO, device or
    /// directory is refused before it is opened (opening a FIFO would wait for a writer), the
    /// read stops after [`MAX_DOTENV_BYTES`], and no error shows the file's content.
    pub(crate) fn read(path: &Path) -> Result<Option<DotenvFile>> {
        let not_regular = || file_error(path, "is not a regular file");
        match std::fs::metadata(path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(file_error(path, "cannot be read").with_source(e)),
            Ok(meta) if !meta.is_file() => return Err(not_regular()),
            Ok(_) => {}
        }
        let file = match File::open(path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(file_error(path, "cannot be read").with_source(e)),
            Ok(file) => file,
        };
        // What was opened is what is read: a file swapped for something else after the first
        // look is refused here.
        let meta = file
            .metadata()
            .map_err(|e| file_error(path, "cannot be read").with_source(e))?;
        if !meta.is_file() {
            return Err(not_regular());
        }
        let mut bytes = Zeroizing::new(Vec::new());
        file.take(MAX_DOTENV_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| file_error(path, "cannot be read").with_source(e))?;
        if bytes.len() as u64 > MAX_DOTENV_BYTES {
            return Err(file_error(
                path,
                format_args!("is larger than {MAX_DOTENV_BYTES} bytes"),
            ));
        }
        let text =
            std::str::from_utf8(&bytes).map_err(|_| file_error(path, "is not valid UTF-8"))?;
        DotenvFile::parse(path, text).map(Some)
    }

    /// Parses the text of a dotenv file read from `path` (named in errors, with the line).
    pub(crate) fn parse(path: &Path, text: &str) -> Result<DotenvFile> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let malformed = |line: usize| {
            file_error(
                path,
                format_args!("is malformed at line {line}: expected KEY=value"),
            )
        };
        // Where each statement starts. dotenvy does not say, so each statement is parsed on
        // its own first (a quoted value may span lines); the values are then taken from one
        // pass over the whole file, so that `${VAR}` substitution sees earlier keys.
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        let mut starts: Vec<usize> = Vec::new();
        let mut i = 0;
        while i < lines.len() {
            let start = i + 1;
            let mut statement = Zeroizing::new(String::new());
            loop {
                statement.push_str(lines[i]);
                if !statement.ends_with('\n') {
                    statement.push('\n');
                }
                i += 1;
                match parse_statement(&statement) {
                    Statement::Keys(keys) => {
                        starts.extend(std::iter::repeat_n(start, keys));
                        break;
                    }
                    Statement::Unterminated if i < lines.len() => {}
                    Statement::Unterminated | Statement::Malformed => {
                        return Err(malformed(start));
                    }
                }
            }
        }
        let mut entries: Vec<DotenvEntry> = Vec::with_capacity(starts.len());
        for (n, item) in dotenvy::from_read_iter(text.as_bytes()).enumerate() {
            let line = starts.get(n).copied();
            match (item, line) {
                (Ok((key, value)), Some(line)) => entries.push(DotenvEntry {
                    key,
                    value: Zeroizing::new(value),
                    line,
                }),
                // Not expected after the statement pass; still an error, never a guess.
                (_, line) => {
                    return Err(malformed(line.unwrap_or(lines.len().max(1))));
                }
            }
        }
        if entries.len() != starts.len() {
            return Err(malformed(starts.get(entries.len()).copied().unwrap_or(1)));
        }
        // The last occurrence of a key wins; the order of first appearance is kept.
        let mut last: HashMap<String, usize> = HashMap::new();
        for (n, entry) in entries.iter().enumerate() {
            last.insert(entry.key.clone(), n);
        }
        let mut n = 0;
        entries.retain(|entry| {
            let keep = last.get(&entry.key) == Some(&n);
            n += 1;
            keep
        });
        Ok(DotenvFile {
            path: path.to_owned(),
            entries,
        })
    }

    /// The entry for `key`.
    #[cfg(test)]
    pub(crate) fn get(&self, key: &str) -> Option<&DotenvEntry> {
        self.entries.iter().find(|e| e.key == key)
    }
}

/// What one statement (one or more whole lines) is.
enum Statement {
    /// Blank or comment (0), or `KEY=value` (1).
    Keys(usize),
    /// A quote is still open at its end: it goes on on the next line.
    Unterminated,
    /// Not a `KEY=value` line.
    Malformed,
}

fn parse_statement(statement: &str) -> Statement {
    let mut keys = 0;
    for item in dotenvy::from_read_iter(statement.as_bytes()) {
        match item {
            Ok(_) => keys += 1,
            // dotenvy reports an open quote at the end of its input with the whole input, its
            // newlines kept; any other error has the statement with its newline removed.
            Err(dotenvy::Error::LineParse(text, _)) if text == statement => {
                return Statement::Unterminated;
            }
            Err(_) => return Statement::Malformed,
        }
    }
    Statement::Keys(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<DotenvFile> {
        DotenvFile::parse(Path::new(".env.test"), text)
    }

    fn lines(file: &DotenvFile) -> Vec<(&str, &str, usize)> {
        file.entries
            .iter()
            .map(|e| (e.key.as_str(), e.value.as_str(), e.line))
            .collect()
    }

    #[test]
    fn each_value_knows_its_line() {
        let file = parse(
            "# local settings\n\nA=1\nexport B='two'\nC=\"multi\nline\"\n  D = ${A}x # note\nA=3\n",
        )
        .unwrap();
        assert_eq!(
            lines(&file),
            [
                ("B", "two", 4),
                ("C", "multi\nline", 5),
                ("D", "1x", 7),
                ("A", "3", 8)
            ]
        );
        assert_eq!(file.get("C").unwrap().line, 5);
    }

    #[test]
    fn a_malformed_line_is_named_never_shown() {
        for (text, line) in [
            ("A=1\nB\n", 2),
            ("A=1\n\n2BAD=x\n", 3),
            ("A=1\nB=\"s3cr3t never closed\n", 2),
            ("A=1\nB=s3cr3t x'\n", 2),
        ] {
            let err = parse(text).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Config);
            assert_eq!(
                err.message(),
                format!(
                    "the dotenv file .env.test is malformed at line {line}: expected KEY=value"
                ),
                "{text:?}"
            );
            assert!(!format!("{err:?}").contains("s3cr3t"));
        }
    }

    #[test]
    fn a_missing_file_is_no_layer_and_a_directory_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        assert!(
            DotenvFile::read(&dir.path().join("none.env"))
                .unwrap()
                .is_none()
        );
        let err = DotenvFile::read(dir.path()).unwrap_err();
        assert!(err.message().ends_with("is not a regular file"), "{err}");
    }

    #[test]
    fn a_file_too_large_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".env");
        let line = "A=0123456789abcdef\n";
        std::fs::write(
            &path,
            line.repeat((MAX_DOTENV_BYTES as usize / line.len()) + 1),
        )
        .unwrap();
        let err = DotenvFile::read(&path).unwrap_err();
        assert!(err.message().contains("is larger than"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_without_waiting_for_a_writer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fifo.env");
        let made = std::process::Command::new("mkfifo")
            .arg(&path)
            .status()
            .unwrap();
        assert!(made.success());
        let err = DotenvFile::read(&path).unwrap_err();
        assert!(err.message().ends_with("is not a regular file"), "{err}");
        let err = DotenvFile::read(Path::new("/dev/zero")).unwrap_err();
        assert!(err.message().ends_with("is not a regular file"), "{err}");
    }
}
