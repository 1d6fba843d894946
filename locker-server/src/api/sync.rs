//! The sync probes (`/v1/sync/revision_date`, `deleted_item_date`, the counts) and the legacy
//! `GET /v1/sync` read of 2023 clients.

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use rusqlite::Connection;

use super::auth::Auth;
use super::db::db_then;
use super::error::ApiError;
use super::list::ListQuery;
use super::respond::{bare_number, format_float, json_response};
use crate::model::wire::{EnvironmentJson, LegacyCount, LegacySync, ProfileJson, SecretJson};
use crate::store::revision::project_revision;
use crate::store::rows::{self, Filter};
use crate::store::{Store, StoreError};

/// `GET /v1/sync/revision_date`: the project's revision date, a bare float.
pub(crate) async fn revision_date(
    State(store): State<Store>,
    auth: Auth,
) -> Result<Response, ApiError> {
    let rd = auth.db(&store, |c, p| project_revision(c, p)).await?;
    Ok(bare_number(format_float(rd)))
}

/// Nothing is ever deleted (the protocol has no DELETE), so this is always `0`: a client
/// holding records from an unfiltered list never has to drop one it did not see change.
pub(crate) async fn deleted_item_date(_auth: Auth) -> Response {
    bare_number("0".to_owned())
}

/// A count probe: the number of rows as a bare number.
async fn count(
    store: &Store,
    auth: &Auth,
    counter: fn(&Connection, i64) -> Result<i64, StoreError>,
) -> Result<Response, ApiError> {
    let n = auth.db(store, move |c, p| counter(c, p)).await?;
    Ok(bare_number(n.to_string()))
}

/// `GET /v1/sync/secrets/count`.
pub(crate) async fn secrets_count(
    State(store): State<Store>,
    auth: Auth,
) -> Result<Response, ApiError> {
    count(&store, &auth, rows::count_secrets).await
}

/// `GET /v1/sync/environments/count`.
pub(crate) async fn environments_count(
    State(store): State<Store>,
    auth: Auth,
) -> Result<Response, ApiError> {
    count(&store, &auth, rows::count_environments).await
}

/// The legacy read of 2023 clients: profile, secrets and environments in one answer, the
/// same page of each. It ignores `revision_date`, as those clients never send one.
pub(crate) async fn legacy_sync(
    State(store): State<Store>,
    auth: Auth,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let q = ListQuery::parse(raw.as_deref(), false)?;
    let page = q.page_request();
    let key = auth.0;
    db_then(
        &store,
        move |c| {
            let tx = c.transaction()?;
            let p = key.project_id;
            let all = Filter::default();
            let secrets = rows::list_secrets(&tx, p, &all, page)?;
            let environments = rows::list_environments(&tx, p, &all, page)?;
            let revision = project_revision(&tx, p)?;
            tx.commit()?;
            Ok(LegacySync {
                object: "sync",
                profile: ProfileJson::new(key, revision),
                count: LegacyCount {
                    projects: 1,
                    secrets: secrets.count,
                    environments: environments.count,
                },
                secrets: secrets.rows.into_iter().map(SecretJson::from).collect(),
                environments: environments
                    .rows
                    .into_iter()
                    .map(EnvironmentJson::from)
                    .collect(),
            })
        },
        |body| json_response(StatusCode::OK, &body),
    )
    .await
}
