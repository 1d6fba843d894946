//! Reading requests: the JSON object body, the `{id}` path segment, and typed body fields.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::header;
use axum::http::request::Parts;
use serde_json::{Map, Value};

use super::error::ApiError;

/// Largest accepted request body.
pub(crate) const BODY_LIMIT: usize = 1024 * 1024;

/// A JSON object body. Malformed JSON, non-objects and oversized bodies become JSON errors.
#[derive(Debug)]
pub(crate) struct JsonObject(pub(crate) Map<String, Value>);

impl<S: Send + Sync> FromRequest<S> for JsonObject {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, ApiError> {
        let too_large =
            || ApiError::too_large(format!("Request body is larger than {BODY_LIMIT} bytes"));
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > BODY_LIMIT as u64) {
            return Err(too_large());
        }
        // The connection drains what is left of an oversized body before the 413 goes out.
        let bytes: Bytes = axum::body::to_bytes(req.into_body(), BODY_LIMIT)
            .await
            .map_err(|e| {
                if std::error::Error::source(&e)
                    .is_some_and(|s| s.is::<http_body_util::LengthLimitError>())
                {
                    too_large()
                } else {
                    ApiError::bad_request("Failed to read the request body")
                }
            })?;
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(map)) => Ok(JsonObject(map)),
            Ok(_) => Err(ApiError::bad_request(
                "The request body must be a JSON object",
            )),
            Err(e) => Err(ApiError::bad_request(format!("Malformed JSON body: {e}"))),
        }
    }
}

/// The `{id}` path segment; a malformed one is a JSON 400.
#[derive(Debug)]
pub(crate) struct Id(pub(crate) String);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Path::<String>::from_request_parts(parts, state)
            .await
            .map(|Path(id)| Id(id))
            .map_err(|r| ApiError::bad_request(r.body_text()))
    }
}

/// A body field: absent, null, or a string. Other types are a 400.
enum Field {
    Absent,
    Null,
    Str(String),
}

impl JsonObject {
    fn field(&self, name: &str) -> Result<Field, ApiError> {
        match self.0.get(name) {
            None => Ok(Field::Absent),
            Some(Value::Null) => Ok(Field::Null),
            Some(Value::String(s)) => Ok(Field::Str(s.clone())),
            Some(_) => Err(ApiError::bad_request(format!("{name}: must be a string"))),
        }
    }

    /// A string that must be there.
    pub(crate) fn required(&self, name: &str) -> Result<String, ApiError> {
        match self.field(name)? {
            Field::Str(s) => Ok(s),
            _ => Err(ApiError::bad_request(format!(
                "{name}: this field is required"
            ))),
        }
    }

    /// A string, or nothing when absent or null.
    pub(crate) fn optional(&self, name: &str) -> Result<Option<String>, ApiError> {
        match self.field(name)? {
            Field::Str(s) => Ok(Some(s)),
            _ => Ok(None),
        }
    }

    /// `None` = unchanged, `Some(None)` = set to null, `Some(Some(s))` = set.
    pub(crate) fn nullable_change(&self, name: &str) -> Result<Option<Option<String>>, ApiError> {
        Ok(match self.field(name)? {
            Field::Absent => None,
            Field::Null => Some(None),
            Field::Str(s) => Some(Some(s)),
        })
    }

    /// `None` = unchanged, `Some(s)` = set; null is a 400.
    pub(crate) fn non_null_change(&self, name: &str) -> Result<Option<String>, ApiError> {
        match self.field(name)? {
            Field::Absent => Ok(None),
            Field::Null => Err(ApiError::bad_request(format!("{name}: may not be null"))),
            Field::Str(s) => Ok(Some(s)),
        }
    }
}
