//! The HTTP API: the routes, and a handler module per resource: [`profile`], [`sync`] (the
//! probes and the legacy read), [`secrets`] and [`environments`]. Requests are read in
//! [`auth`] (who calls), [`body`] (bodies and path ids) and [`list`] (list queries); answers
//! are written by [`respond`] from the wire JSON of `crate::model::wire`; errors are
//! [`error::ApiError`] answers.

mod auth;
pub(crate) mod body;
mod db;
mod environments;
pub(crate) mod error;
mod list;
mod profile;
mod respond;
mod secrets;
mod sync;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::{get, put};

use self::body::BODY_LIMIT;
use self::environments::{create_environment, list_environments, update_environment};
use self::error::ApiError;
use self::profile::profile;
use self::secrets::{create_secret, list_secrets, update_secret};
use self::sync::{
    deleted_item_date, environments_count, legacy_sync, revision_date, secrets_count,
};
use crate::store::Store;

async fn not_found() -> ApiError {
    ApiError::not_found("Not found")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "0006", "Method not allowed")
}

/// The API routes, served both at `/v1/...` and at `/locker_secrets/v1/...`.
pub(crate) fn router(store: Store) -> Router {
    let v1: Router<Store> = Router::new()
        .route("/v1/profile", get(profile))
        .route("/v1/sync", get(legacy_sync))
        .route("/v1/sync/revision_date", get(revision_date))
        .route("/v1/sync/deleted_item_date", get(deleted_item_date))
        .route("/v1/sync/secrets/count", get(secrets_count))
        .route("/v1/sync/environments/count", get(environments_count))
        .route("/v1/secrets", get(list_secrets).post(create_secret))
        .route("/v1/secrets/{id}", put(update_secret))
        .route(
            "/v1/environments",
            get(list_environments).post(create_environment),
        )
        .route("/v1/environments/{id}", put(update_environment));
    Router::new()
        .nest("/locker_secrets", v1.clone())
        .merge(v1)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(store)
}
