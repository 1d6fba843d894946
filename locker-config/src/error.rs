//! The one error type of the crate, with a kind a caller can match on.
//!
//! Mirrors the official SDKs' error classes (`AuthenticationError`, `PermissionDeniedError`,
//! `ResourceNotFoundError`, `RateLimitError`, `APIServerError`, `APIConnectionError`, …) as
//! [`ErrorKind`] values, and carries what they carry: a message, the HTTP status, the response
//! body and the error code. Nothing in an error ever holds a secret value or key material.

use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

/// The largest response body kept in an error; longer bodies are cut at a character boundary.
const MAX_BODY: usize = 4096;

/// A `Result` whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, in a form a caller can match on.
///
/// ```
/// use locker_config::{ErrorKind, Locker};
/// let err = Locker::builder().api_base("ftp://example.com").build().unwrap_err();
/// match err.kind() {
///     ErrorKind::InvalidInput | ErrorKind::Credentials => {}
///     other => panic!("unexpected {other}"),
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// HTTP 401: the access key id is unknown, revoked or missing.
    Authentication,
    /// HTTP 403: the access key may not do this (for example a write with a read-only key).
    PermissionDenied,
    /// HTTP 404, or a secret or environment that does not exist.
    NotFound,
    /// HTTP 409, or one of the server's duplicate messages: the item already exists.
    Conflict,
    /// HTTP 400 or 422: the request was rejected as invalid.
    Validation,
    /// HTTP 429: too many requests; see [`Error::retry_after`].
    RateLimited,
    /// HTTP 5xx: something went wrong on the server.
    Server,
    /// The server could not be reached, the connection dropped or the request timed out.
    Connection,
    /// The server answered 2xx with a body that is not what the protocol says (not JSON,
    /// truncated, too large, missing fields).
    InvalidResponse,
    /// A cipher string could not be decrypted: a wrong secret access key, tampered or
    /// malformed data.
    Decryption,
    /// Credentials are missing or malformed.
    Credentials,
    /// The client was built with invalid settings, or an argument was invalid.
    InvalidInput,
    /// A configuration could not be loaded: fields missing or unparsable.
    Config,
}

impl ErrorKind {
    /// A short, human name of the kind, such as `"authentication error"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Authentication => "authentication error",
            ErrorKind::PermissionDenied => "permission denied",
            ErrorKind::NotFound => "not found",
            ErrorKind::Conflict => "conflict",
            ErrorKind::Validation => "validation error",
            ErrorKind::RateLimited => "rate limited",
            ErrorKind::Server => "server error",
            ErrorKind::Connection => "connection error",
            ErrorKind::InvalidResponse => "invalid response",
            ErrorKind::Decryption => "decryption error",
            ErrorKind::Credentials => "credentials error",
            ErrorKind::InvalidInput => "invalid input",
            ErrorKind::Config => "configuration error",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of every fallible operation in this crate.
///
/// Small (one pointer), `Send + Sync`, and safe to print: its message, body and source never
/// contain a secret value or key material. The message never repeats the text of its
/// [`source`](std::error::Error::source), so printers that walk the chain (`anyhow`'s `{:#}`,
/// `eyre`) show each cause once.
///
/// Errors are made by this crate only; match on [`Error::kind`] (or an `is_*` predicate).
///
/// ```
/// use locker_config::{ErrorKind, Locker};
/// let err = Locker::builder()
///     .access_key_id("id")
///     .secret_access_key("not base64!")
///     .api_base("http://127.0.0.1:9")
///     .build()
///     .unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Credentials);
/// assert!(err.is_credentials());
/// assert_eq!(err.to_string(), "credentials error: the secret access key is unusable");
/// ```
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    kind: ErrorKind,
    message: String,
    status: Option<u16>,
    code: Option<String>,
    body: Option<String>,
    retry_after: Option<Duration>,
    source: Option<Box<dyn StdError + Send + Sync + 'static>>,
    /// Structured detail that is not a cause (a config load's report): the message already
    /// says everything it holds, so error-chain printers must not show it a second time.
    detail: Option<Box<dyn std::any::Any + Send + Sync>>,
}

impl Error {
    /// A new error of `kind` with a human-readable message.
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            inner: Box::new(Inner {
                kind,
                message: message.into(),
                status: None,
                code: None,
                body: None,
                retry_after: None,
                source: None,
                detail: None,
            }),
        }
    }

    /// Attaches structured detail that [`Error::detail_as`] returns; unlike a source, it is
    /// not part of the error chain.
    #[must_use]
    pub(crate) fn with_detail(mut self, detail: impl std::any::Any + Send + Sync) -> Self {
        self.inner.detail = Some(Box::new(detail));
        self
    }

    /// The structured detail attached with [`Error::with_detail`], if it is a `T`.
    pub(crate) fn detail_as<T: 'static>(&self) -> Option<&T> {
        self.inner.detail.as_deref()?.downcast_ref::<T>()
    }

    /// Sets the HTTP status.
    #[must_use]
    pub(crate) fn with_status(mut self, status: u16) -> Self {
        self.inner.status = Some(status);
        self
    }

    /// Sets the server's error code (e.g. `"0000"` for an invalid token).
    #[must_use]
    pub(crate) fn with_code(mut self, code: impl Into<String>) -> Self {
        self.inner.code = Some(code.into());
        self
    }

    /// Sets the raw response body, cut to 4 KiB.
    #[must_use]
    pub(crate) fn with_body(mut self, body: impl Into<String>) -> Self {
        let mut body = body.into();
        if body.len() > MAX_BODY {
            let mut cut = MAX_BODY;
            while !body.is_char_boundary(cut) {
                cut -= 1;
            }
            body.truncate(cut);
            body.push('…');
        }
        self.inner.body = Some(body);
        self
    }

    /// Sets how long the server asked the caller to wait before retrying.
    #[must_use]
    pub(crate) fn with_retry_after(mut self, after: Duration) -> Self {
        self.inner.retry_after = Some(after);
        self
    }

    /// Sets the underlying cause, returned by [`std::error::Error::source`].
    #[must_use]
    pub(crate) fn with_source(mut self, source: impl StdError + Send + Sync + 'static) -> Self {
        self.inner.source = Some(Box::new(source));
        self
    }

    /// Appends `; {suffix}` to the message (how to repair, for instance); the rest stays.
    #[must_use]
    pub(crate) fn with_message_suffix(mut self, suffix: &str) -> Self {
        self.inner.message = format!("{}; {suffix}", self.inner.message);
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The human-readable message (the server's `message` for API errors).
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// The HTTP status, for errors that came from a response.
    pub fn status(&self) -> Option<u16> {
        self.inner.status
    }

    /// The server's error code, when the body had one.
    pub fn code(&self) -> Option<&str> {
        self.inner.code.as_deref()
    }

    /// The response body (at most 4 KiB of it), for errors that came from a response.
    pub fn body(&self) -> Option<&str> {
        self.inner.body.as_deref()
    }

    /// How long the server asked to wait (`Retry-After`), for rate-limit and unavailable errors.
    pub fn retry_after(&self) -> Option<Duration> {
        self.inner.retry_after
    }

    /// The underlying cause downcast to `T`, if it is one.
    pub fn source_as<T: StdError + 'static>(&self) -> Option<&T> {
        self.inner.source.as_deref()?.downcast_ref::<T>()
    }

    /// True for authentication errors (HTTP 401): `kind() == ErrorKind::Authentication`.
    pub fn is_authentication(&self) -> bool {
        self.kind() == ErrorKind::Authentication
    }

    /// True for permission errors (HTTP 403): `kind() == ErrorKind::PermissionDenied`.
    pub fn is_permission_denied(&self) -> bool {
        self.kind() == ErrorKind::PermissionDenied
    }

    /// True for not-found errors: `kind() == ErrorKind::NotFound`.
    pub fn is_not_found(&self) -> bool {
        self.kind() == ErrorKind::NotFound
    }

    /// True for conflicts (the item already exists): `kind() == ErrorKind::Conflict`.
    pub fn is_conflict(&self) -> bool {
        self.kind() == ErrorKind::Conflict
    }

    /// True for validation errors (HTTP 400, 422): `kind() == ErrorKind::Validation`.
    pub fn is_validation(&self) -> bool {
        self.kind() == ErrorKind::Validation
    }

    /// True for rate limiting (HTTP 429): `kind() == ErrorKind::RateLimited`.
    pub fn is_rate_limited(&self) -> bool {
        self.kind() == ErrorKind::RateLimited
    }

    /// True for server errors (HTTP 5xx): `kind() == ErrorKind::Server`.
    pub fn is_server(&self) -> bool {
        self.kind() == ErrorKind::Server
    }

    /// True for connection failures and timeouts: `kind() == ErrorKind::Connection`.
    pub fn is_connection(&self) -> bool {
        self.kind() == ErrorKind::Connection
    }

    /// True for responses that do not follow the protocol: `kind() == ErrorKind::InvalidResponse`.
    pub fn is_invalid_response(&self) -> bool {
        self.kind() == ErrorKind::InvalidResponse
    }

    /// True for decryption and integrity failures: `kind() == ErrorKind::Decryption`.
    pub fn is_decryption(&self) -> bool {
        self.kind() == ErrorKind::Decryption
    }

    /// True for missing or malformed credentials: `kind() == ErrorKind::Credentials`.
    pub fn is_credentials(&self) -> bool {
        self.kind() == ErrorKind::Credentials
    }

    /// True for invalid settings or arguments: `kind() == ErrorKind::InvalidInput`.
    pub fn is_invalid_input(&self) -> bool {
        self.kind() == ErrorKind::InvalidInput
    }

    /// True for configurations that could not be loaded: `kind() == ErrorKind::Config`.
    pub fn is_config(&self) -> bool {
        self.kind() == ErrorKind::Config
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.inner.kind.as_str())?;
        if let Some(status) = self.inner.status {
            write!(f, " (HTTP {status})")?;
        }
        if !self.inner.message.is_empty() {
            write!(f, ": {}", self.inner.message)?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.inner.kind)
            .field("message", &self.inner.message);
        if let Some(status) = self.inner.status {
            d.field("status", &status);
        }
        if let Some(code) = &self.inner.code {
            d.field("code", code);
        }
        if let Some(body) = &self.inner.body {
            d.field("body", body);
        }
        if let Some(after) = &self.inner.retry_after {
            d.field("retry_after", after);
        }
        if let Some(source) = &self.inner.source {
            d.field("source", source);
        }
        d.finish()
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.inner
            .source
            .as_deref()
            .map(|s| s as &(dyn StdError + 'static))
    }
}

impl From<locker_protocol::crypto::CryptoError> for Error {
    fn from(e: locker_protocol::crypto::CryptoError) -> Self {
        use locker_protocol::crypto::CryptoError as C;
        let (kind, message) = match e {
            C::SecretAccessKeyEncoding | C::SecretAccessKeyEmpty => {
                (ErrorKind::Credentials, "the secret access key is unusable")
            }
            _ => (ErrorKind::Decryption, "could not decrypt"),
        };
        Error::new(kind, message).with_source(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_predicate() {
        let kinds = [
            ErrorKind::Authentication,
            ErrorKind::PermissionDenied,
            ErrorKind::NotFound,
            ErrorKind::Conflict,
            ErrorKind::Validation,
            ErrorKind::RateLimited,
            ErrorKind::Server,
            ErrorKind::Connection,
            ErrorKind::InvalidResponse,
            ErrorKind::Decryption,
            ErrorKind::Credentials,
            ErrorKind::InvalidInput,
            ErrorKind::Config,
        ];
        for kind in kinds {
            let e = Error::new(kind, "x");
            let hits = [
                e.is_authentication(),
                e.is_permission_denied(),
                e.is_not_found(),
                e.is_conflict(),
                e.is_validation(),
                e.is_rate_limited(),
                e.is_server(),
                e.is_connection(),
                e.is_invalid_response(),
                e.is_decryption(),
                e.is_credentials(),
                e.is_invalid_input(),
                e.is_config(),
            ];
            assert_eq!(hits.iter().filter(|h| **h).count(), 1, "{kind}");
        }
    }

    #[test]
    fn is_small_send_and_sync() {
        fn assert_send_sync<T: Send + Sync + 'static>() {}
        assert_send_sync::<Error>();
        assert_eq!(std::mem::size_of::<Error>(), std::mem::size_of::<usize>());
    }

    #[test]
    fn display_is_kind_status_message() {
        let e = Error::new(ErrorKind::Conflict, "This secret hash already exists")
            .with_status(400)
            .with_code("0004");
        assert_eq!(
            e.to_string(),
            "conflict (HTTP 400): This secret hash already exists"
        );
        assert_eq!(e.code(), Some("0004"));
        assert!(e.is_conflict());
    }

    #[test]
    fn body_is_capped_at_a_char_boundary() {
        let body = "é".repeat(5000);
        let e = Error::new(ErrorKind::Server, "x").with_body(body);
        let kept = e.body().unwrap();
        assert!(kept.len() <= MAX_BODY + '…'.len_utf8());
        assert!(kept.ends_with('…'));
    }

    #[test]
    fn crypto_errors_map_to_kinds_and_keep_their_source() {
        let e: Error = locker_protocol::crypto::CryptoError::MacMismatch.into();
        assert_eq!(e.kind(), ErrorKind::Decryption);
        let source = e.source().unwrap().to_string();
        assert!(!e.to_string().contains(&source), "{e}");
        let e: Error = locker_protocol::crypto::CryptoError::SecretAccessKeyEncoding.into();
        assert_eq!(e.kind(), ErrorKind::Credentials);
    }
}
