//! How answers are written: JSON bodies, and the bare numbers of the sync probes.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::error::ApiError;

/// A JSON answer, serialized in one pass.
pub(crate) fn json_response(status: StatusCode, body: &impl Serialize) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => (status, [(header::CONTENT_TYPE, "application/json")], bytes).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "cannot serialize an answer");
            ApiError::internal().into_response()
        }
    }
}

/// A bare JSON number body (no newline), as the sync probes answer.
pub(crate) fn bare_number(text: String) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], text).into_response()
}

/// A float as JSON writes it, always with a fraction (`2.0`, not `2`).
pub(crate) fn format_float(f: f64) -> String {
    let s = format!("{f}");
    if s.contains('.') { s } else { format!("{s}.0") }
}
