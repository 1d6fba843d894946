//! `/v1/environments`: the list, creation and updates.

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use rusqlite::Connection;
use serde::Serialize;

use super::auth::{Auth, Writer};
use super::body::{Id, JsonObject};
use super::error::ApiError;
use super::list::ListQuery;
use super::respond::json_response;
use crate::model::wire::{EnvironmentJson, ListEnvelope};
use crate::store::revision::project_revision;
use crate::store::rows::{self, Filter, Page, PageRequest};
use crate::store::{Store, StoreError};

/// A list answer at `path`: `fetch` reads one page of rows of the project; the page goes out
/// in the envelope with the revision date and the paging links, serialized off the database.
async fn list<R, J, F>(
    store: &Store,
    auth: &Auth,
    raw_query: Option<&str>,
    path: &'static str,
    fetch: F,
) -> Result<Response, ApiError>
where
    R: Send + 'static,
    J: Serialize + From<R>,
    F: FnOnce(&Connection, i64, &Filter, PageRequest) -> Result<Page<R>, StoreError>
        + Send
        + 'static,
{
    let q = ListQuery::parse(raw_query)?;
    auth.db_then(
        store,
        move |c, p| {
            let tx = c.transaction()?;
            let page = fetch(&tx, p, &q.filter(), q.page_request())?;
            let current = project_revision(&tx, p)?;
            tx.commit()?;
            Ok((q, page, current))
        },
        move |(q, page, current)| {
            let revision = q.revision(current);
            let (next, previous) = q.links(path, &page, revision);
            let envelope = ListEnvelope {
                count: page.count,
                next,
                previous,
                revision_date: revision,
                results: page.rows.into_iter().map(J::from).collect::<Vec<J>>(),
            };
            json_response(StatusCode::OK, &envelope)
        },
    )
    .await
}

pub(crate) async fn list_environments(
    State(store): State<Store>,
    auth: Auth,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    list::<_, EnvironmentJson, _>(
        &store,
        &auth,
        raw.as_deref(),
        "/v1/environments",
        rows::list_environments,
    )
    .await
}

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
