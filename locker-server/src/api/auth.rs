//! Who is calling: the access key behind `Authorization: Bearer <id>`, and whether it may write.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use rusqlite::Connection;

use super::db::{db, db_then};
use super::error::ApiError;
use crate::model::rows::AccessKeyRow;
use crate::store::admin;
use crate::store::{Store, StoreError};

/// The caller, identified by `Authorization: Bearer <access key id>`.
#[derive(Debug, Clone)]
pub(crate) struct Auth(pub(crate) AccessKeyRow);

impl Auth {
    /// The caller's project.
    pub(crate) fn project_id(&self) -> i64 {
        self.0.project_id
    }

    /// Runs database work for the caller's project (`f` gets the project id).
    pub(crate) async fn db<T, F>(&self, store: &Store, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection, i64) -> Result<T, StoreError> + Send + 'static,
    {
        let project_id = self.project_id();
        db(store, move |c| f(c, project_id)).await
    }

    /// Like [`Auth::db`], then `then` on the result off the database (see [`db_then`]).
    pub(crate) async fn db_then<T, U, F, G>(
        &self,
        store: &Store,
        f: F,
        then: G,
    ) -> Result<U, ApiError>
    where
        U: Send + 'static,
        F: FnOnce(&mut Connection, i64) -> Result<T, StoreError> + Send + 'static,
        G: FnOnce(T) -> U + Send + 'static,
    {
        let project_id = self.project_id();
        db_then(store, move |c| f(c, project_id), then).await
    }
}

impl FromRequestParts<Store> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, store: &Store) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                let (scheme, rest) = v.trim().split_once(' ')?;
                scheme
                    .eq_ignore_ascii_case("bearer")
                    .then(|| rest.trim().to_owned())
            })
            .filter(|t| !t.is_empty() && t.len() <= 200)
            .ok_or_else(ApiError::unauthenticated)?;
        let key = db(store, move |c| admin::find_key(c, &token)).await?;
        key.map(Auth).ok_or_else(ApiError::unauthenticated)
    }
}

/// A caller allowed to write. As an extractor of the request head it runs before the body is
/// read: a read-only key is a 403 whatever the body holds.
#[derive(Debug, Clone)]
pub(crate) struct Writer(pub(crate) Auth);

impl FromRequestParts<Store> for Writer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, store: &Store) -> Result<Self, ApiError> {
        let auth = Auth::from_request_parts(parts, store).await?;
        if auth.0.read_only {
            return Err(ApiError::forbidden());
        }
        Ok(Writer(auth))
    }
}
