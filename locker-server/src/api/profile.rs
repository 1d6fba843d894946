//! `GET /v1/profile`: the caller's access key and its wrapped project key.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::auth::Auth;
use super::db::db_then;
use super::error::ApiError;
use super::respond::json_response;
use crate::model::wire::{ProfileJson, ProfileResponse};
use crate::store::Store;
use crate::store::revision::project_revision;

/// The caller's profile (PROTOCOL.md §4.3) at the project's revision date.
pub(crate) async fn profile(State(store): State<Store>, auth: Auth) -> Result<Response, ApiError> {
    let key = auth.0;
    let body = db_then(
        &store,
        move |c| {
            let revision = project_revision(c, key.project_id)?;
            Ok(ProfileResponse::from(ProfileJson::new(key, revision)))
        },
        |body| json_response(StatusCode::OK, &body),
    )
    .await?;
    Ok(body)
}
