//! Why a data operation failed.

use rusqlite::ErrorCode;

use crate::error::ServerError;

/// Why a data operation failed, mapped to an HTTP answer by the API layer.
#[derive(Debug)]
pub(crate) enum StoreError {
    NotFound(&'static str),
    Duplicate(&'static str),
    Db(rusqlite::Error),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Db(e)
    }
}

impl From<StoreError> for ServerError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(m) => ServerError::NotFound(m),
            StoreError::Duplicate(m) => ServerError::Duplicate(m),
            StoreError::Db(e) => ServerError::Database(e),
        }
    }
}

pub(crate) fn is_unique_violation(e: &rusqlite::Error) -> bool {
    e.sqlite_error_code() == Some(ErrorCode::ConstraintViolation)
}
