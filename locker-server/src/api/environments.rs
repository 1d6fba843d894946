//! `/v1/environments`: the list, creation and updates.

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::auth::{Auth, Writer};
use super::body::{Id, JsonObject};
use super::error::ApiError;
use super::list::{Delta, ListQuery};
use super::respond::json_response;
use crate::model::wire::{EnvironmentJson, ListEnvelope};
use crate::store::Store;
use crate::store::revision::project_revision;
use crate::store::rows;

/// The environments list: one page of rows in the envelope with the revision date and the
/// paging links, serialized off the database.
pub(crate) async fn list_environments(
    State(store): State<Store>,
    auth: Auth,
    Delta(delta): Delta,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let q = ListQuery::parse(raw.as_deref(), delta)?;
    auth.db_then(
        &store,
        move |c, p| {
            let tx = c.transaction()?;
            let page = rows::list_environments(&tx, p, &q.filter(), q.page_request())?;
            let current = project_revision(&tx, p)?;
            tx.commit()?;
            Ok((q, page, current))
        },
        move |(q, page, current)| {
            let revision = q.revision(current);
            let (next, previous) = q.links("/v1/environments", &page, revision);
            let envelope = ListEnvelope {
                count: page.count,
                next,
                previous,
                revision_date: revision,
                results: page.rows.into_iter().map(EnvironmentJson::from).collect(),
            };
            json_response(StatusCode::OK, &envelope)
        },
    )
    .await
}

/// `POST /v1/environments` (PROTOCOL.md §5.5): `201` with the created environment.
pub(crate) async fn create_environment(
    State(store): State<Store>,
    Writer(auth): Writer,
    body: JsonObject,
) -> Result<Response, ApiError> {
    let new = rows::NewEnvironment {
        name: body.required("name")?,
        hash: body.optional("hash")?.unwrap_or_default(),
        external_url: body.optional("external_url")?,
        description: body.optional("description")?,
    };
    let env = auth
        .db(&store, move |c, p| rows::create_environment(c, p, new))
        .await?;
    Ok(json_response(
        StatusCode::CREATED,
        &EnvironmentJson::from(env),
    ))
}

/// `PUT /v1/environments/{id}` (§5.6): a new name or hash also changes its secrets.
pub(crate) async fn update_environment(
    State(store): State<Store>,
    Writer(auth): Writer,
    Id(id): Id,
    body: JsonObject,
) -> Result<Response, ApiError> {
    let changes = rows::EnvironmentChanges {
        name: body.non_null_change("name")?,
        hash: body.nullable_change("hash")?.map(Option::unwrap_or_default),
        external_url: body.nullable_change("external_url")?,
        description: body.nullable_change("description")?,
    };
    let env = auth
        .db(&store, move |c, p| {
            rows::update_environment(c, p, &id, changes)
        })
        .await?;
    Ok(json_response(StatusCode::OK, &EnvironmentJson::from(env)))
}
