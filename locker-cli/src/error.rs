//! The command's one error type: a one-line message and the exit code it ends with.

use std::fmt;

use locker_config::ErrorKind;

/// Success.
pub(crate) const OK: u8 = 0;
/// Any other failure.
pub(crate) const ERROR: u8 = 1;
/// A usage mistake: bad arguments or input.
pub(crate) const USAGE: u8 = 2;
/// Authentication or permission: credentials missing or refused, a read-only key.
pub(crate) const AUTH: u8 = 3;
/// A secret or environment that does not exist.
pub(crate) const NOT_FOUND: u8 = 4;

/// Why a command failed. The message never holds a secret value or key material: it is built
/// from the library's errors (which hold none) and from keys, names and paths.
#[derive(Debug)]
pub(crate) struct Failure {
    code: u8,
    message: String,
}

/// A `Result` whose error is [`Failure`].
pub(crate) type CliResult<T> = Result<T, Failure>;

impl Failure {
    /// A failure with exit code 1.
    pub(crate) fn error(message: impl Into<String>) -> Self {
        Failure::with_code(ERROR, message)
    }

    /// A usage failure (exit code 2).
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Failure::with_code(USAGE, message)
    }

    /// A not-found failure (exit code 4).
    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Failure::with_code(NOT_FOUND, message)
    }

    pub(crate) fn with_code(code: u8, message: impl Into<String>) -> Self {
        Failure {
            code,
            message: message.into(),
        }
    }

    /// The process exit code.
    pub(crate) fn code(&self) -> u8 {
        self.code
    }
}

impl fmt::Display for Failure {
    /// One line, whatever the message holds.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut lines = self
            .message
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty());
        if let Some(first) = lines.next() {
            f.write_str(first)?;
        }
        for line in lines {
            write!(f, "; {line}")?;
        }
        Ok(())
    }
}

/// The exit code for a library error kind.
pub(crate) fn exit_code(kind: ErrorKind) -> u8 {
    match kind {
        ErrorKind::Authentication | ErrorKind::PermissionDenied | ErrorKind::Credentials => AUTH,
        ErrorKind::NotFound => NOT_FOUND,
        ErrorKind::InvalidInput => USAGE,
        _ => ERROR,
    }
}

impl From<locker_config::Error> for Failure {
    fn from(e: locker_config::Error) -> Self {
        Failure::with_code(exit_code(e.kind()), e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_map_to_the_documented_codes() {
        let code = exit_code;
        assert_eq!(code(ErrorKind::Authentication), 3);
        assert_eq!(code(ErrorKind::PermissionDenied), 3);
        assert_eq!(code(ErrorKind::Credentials), 3);
        assert_eq!(code(ErrorKind::NotFound), 4);
        assert_eq!(code(ErrorKind::InvalidInput), 2);
        assert_eq!(code(ErrorKind::Connection), 1);
        assert_eq!(code(ErrorKind::Conflict), 1);
        assert_eq!(code(ErrorKind::Validation), 1);
        assert_eq!(code(ErrorKind::Decryption), 1);
    }

    #[test]
    fn display_is_one_line() {
        let f = Failure::error("configuration error: 2 problems\n  - a\n  - b\n");
        assert_eq!(f.to_string(), "configuration error: 2 problems; - a; - b");
    }
}
