//! The error for a non-2xx response.

use std::time::Duration;

use reqwest::StatusCode;

use crate::error::{Error, ErrorKind};

/// The four duplicate messages the server answers with HTTP 400.
const DUPLICATE_MESSAGES: &[&str] = &[
    "This secret hash already exists",
    "This hash value already existed",
    "This environment hash already exists",
    "The environment hash already existed",
];

/// The error for a non-2xx response: kind by status, message and code parsed leniently from a
/// JSON body (`message`, `detail`, `error`, `code`), the raw body kept (capped).
pub(super) fn error_from_response(
    status: u16,
    retry_after: Option<Duration>,
    body: &[u8],
) -> Error {
    let text = String::from_utf8_lossy(body);
    let json: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let field = |name: &str| -> Option<String> {
        let v = json.as_ref()?.get(name)?;
        match v {
            serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
            serde_json::Value::Null | serde_json::Value::String(_) => None,
            other => Some(other.to_string()),
        }
    };
    let message = field("message")
        .or_else(|| field("detail"))
        .or_else(|| field("error"))
        .unwrap_or_else(|| {
            StatusCode::from_u16(status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("unexpected response")
                .to_string()
        });
    let code = field("code");
    let duplicate = DUPLICATE_MESSAGES.iter().any(|m| message.contains(m))
        || message.to_ascii_lowercase().contains("already exist");
    let kind = match status {
        401 => ErrorKind::Authentication,
        403 => ErrorKind::PermissionDenied,
        404 => ErrorKind::NotFound,
        409 => ErrorKind::Conflict,
        400 | 422 if duplicate => ErrorKind::Conflict,
        400 | 422 => ErrorKind::Validation,
        429 => ErrorKind::RateLimited,
        500..=599 => ErrorKind::Server,
        _ => ErrorKind::InvalidResponse,
    };
    let mut err = Error::new(kind, message).with_status(status);
    if let Some(code) = code {
        err = err.with_code(code);
    }
    if !text.is_empty() {
        err = err.with_body(text.into_owned());
    }
    if let Some(after) = retry_after {
        err = err.with_retry_after(after);
    }
    err
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_statuses_to_kinds() {
        let k = |s, b: &str| error_from_response(s, None, b.as_bytes()).kind();
        assert_eq!(
            k(
                401,
                r#"{"code":"0000","message":"The authentication token is invalid"}"#
            ),
            ErrorKind::Authentication
        );
        assert_eq!(k(403, ""), ErrorKind::PermissionDenied);
        assert_eq!(k(404, "<html>nope</html>"), ErrorKind::NotFound);
        assert_eq!(k(409, ""), ErrorKind::Conflict);
        assert_eq!(
            k(400, r#"{"message":"This secret hash already exists"}"#),
            ErrorKind::Conflict
        );
        assert_eq!(k(400, r#"{"message":"bad"}"#), ErrorKind::Validation);
        assert_eq!(k(422, r#"{"detail":[{"loc":"x"}]}"#), ErrorKind::Validation);
        assert_eq!(k(429, ""), ErrorKind::RateLimited);
        assert_eq!(k(500, ""), ErrorKind::Server);
        assert_eq!(k(503, "<html>Bad gateway</html>"), ErrorKind::Server);
    }

    #[test]
    fn parses_message_code_and_body() {
        let e = error_from_response(
            401,
            None,
            br#"{"code":"0000","message":"The authentication token is invalid"}"#,
        );
        assert_eq!(e.message(), "The authentication token is invalid");
        assert_eq!(e.code(), Some("0000"));
        assert_eq!(e.status(), Some(401));
        assert!(e.body().unwrap().contains("0000"));
        let e = error_from_response(502, Some(Duration::from_secs(1)), b"<html>\xff</html>");
        assert_eq!(e.message(), "Bad Gateway");
        assert_eq!(e.retry_after(), Some(Duration::from_secs(1)));
        let e = error_from_response(418, None, b"");
        assert!(e.body().is_none());
    }
}
