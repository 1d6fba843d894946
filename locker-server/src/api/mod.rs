//! The HTTP API: routes and handlers. Requests are read in [`auth`] (who calls), [`body`]
//! (bodies and path ids) and [`list`] (list queries); rows become wire JSON in [`wire`];
//! errors are [`error::ApiError`] answers.

mod auth;
pub(crate) mod body;
mod db;
pub(crate) mod error;
mod list;
pub(crate) mod wire;

use axum::Router;
use axum::extract::{DefaultBodyLimit, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use rusqlite::Connection;
use serde::Serialize;

use self::auth::{Auth, Writer};
use self::body::{BODY_LIMIT, Id, JsonObject};
use self::db::db_then;
use self::error::ApiError;
use self::list::ListQuery;
use self::wire::{
    EnvironmentJson, LegacyCount, LegacySync, ListEnvelope, ProfileJson, ProfileResponse,
    SecretJson,
};
use crate::store::rows::{self, Filter, Page, PageRequest};
use crate::store::{Store, StoreError, admin};

/// A JSON answer, serialized in one pass.
fn json_response(status: StatusCode, body: &impl Serialize) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => (status, [(header::CONTENT_TYPE, "application/json")], bytes).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "cannot serialize an answer");
            ApiError::internal().into_response()
        }
    }
}

/// A bare JSON number body (no newline), as the sync probes answer.
fn bare_number(text: String) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], text).into_response()
}

/// A float as JSON writes it, always with a fraction (`2.0`, not `2`).
fn format_float(f: f64) -> String {
    let s = format!("{f}");
    if s.contains('.') { s } else { format!("{s}.0") }
}

async fn profile(State(store): State<Store>, auth: Auth) -> Result<Response, ApiError> {
    let key = auth.0;
    let body = db_then(
        &store,
        move |c| {
            let revision = admin::project_revision(c, key.project_id)?;
            Ok(ProfileResponse::from(ProfileJson::new(key, revision)))
        },
        |body| json_response(StatusCode::OK, &body),
    )
    .await?;
    Ok(body)
}

async fn revision_date(State(store): State<Store>, auth: Auth) -> Result<Response, ApiError> {
    let rd = auth
        .db(&store, |c, p| admin::project_revision(c, p))
        .await?;
    Ok(bare_number(format_float(rd)))
}

/// Nothing is ever deleted (the protocol has no DELETE), so this is always `0`: a client
/// holding records from an unfiltered list never has to drop one it did not see change.
async fn deleted_item_date(_auth: Auth) -> Response {
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

async fn secrets_count(State(store): State<Store>, auth: Auth) -> Result<Response, ApiError> {
    count(&store, &auth, rows::count_secrets).await
}

async fn environments_count(State(store): State<Store>, auth: Auth) -> Result<Response, ApiError> {
    count(&store, &auth, rows::count_environments).await
}

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
            let current = admin::project_revision(&tx, p)?;
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

/// The secrets list: each secret's stored JSON copied into the envelope, so a page costs a
/// copy of its bytes, not a decode and a serialization per row.
async fn list_secrets(
    State(store): State<Store>,
    auth: Auth,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let q = ListQuery::parse(raw.as_deref())?;
    auth.db_then(
        &store,
        move |c, p| {
            let tx = c.transaction()?;
            let mut results = Vec::new();
            let page = rows::list_secret_json(&tx, p, &q.filter(), q.page_request(), &mut results)?;
            let current = admin::project_revision(&tx, p)?;
            tx.commit()?;
            Ok((q, page, current, results))
        },
        move |(q, page, current, results)| match secrets_body(&q, &page, current, &results) {
            Ok(body) => (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                body,
            )
                .into_response(),
            Err(e) => {
                tracing::error!(error = %e, "cannot serialize an answer");
                ApiError::internal().into_response()
            }
        },
    )
    .await
}

/// The body of a secrets list answer: the envelope of `page` for query `q` around `results`.
fn secrets_body(
    q: &ListQuery,
    page: &Page<()>,
    current: f64,
    results: &[u8],
) -> serde_json::Result<Vec<u8>> {
    let revision = q.revision(current);
    let (next, previous) = q.links("/v1/secrets", page, revision);
    let envelope = ListEnvelope::<SecretJson> {
        count: page.count,
        next,
        previous,
        revision_date: revision,
        results: Vec::new(),
    };
    splice_results(&envelope, results)
}

/// `envelope` (with no results) serialized, its `results` filled with `results`: JSON values
/// already joined with `,`.
fn splice_results<T: Serialize>(
    envelope: &ListEnvelope<T>,
    results: &[u8],
) -> serde_json::Result<Vec<u8>> {
    let mut body = serde_json::to_vec(envelope)?;
    // `results` is the last field: the text ends with `[]}`.
    if !body.ends_with(b"[]}") {
        return Err(serde::ser::Error::custom(
            "the results are not the envelope's end",
        ));
    }
    body.truncate(body.len() - 2);
    body.reserve(results.len() + 2);
    body.extend_from_slice(results);
    body.extend_from_slice(b"]}");
    Ok(body)
}

async fn create_secret(
    State(store): State<Store>,
    Writer(auth): Writer,
    body: JsonObject,
) -> Result<Response, ApiError> {
    let new = rows::NewSecret {
        key: body.required("key")?,
        value: body.required("value")?,
        description: body.optional("description")?,
        hash: body
            .optional("hash")?
            .or(body.optional("secret_hash")?)
            .unwrap_or_default(),
        environment_id: body.optional("environment_id")?.unwrap_or_default(),
    };
    let secret = auth
        .db(&store, move |c, p| rows::create_secret(c, p, new))
        .await?;
    Ok(json_response(
        StatusCode::CREATED,
        &SecretJson::from(secret),
    ))
}

async fn update_secret(
    State(store): State<Store>,
    Writer(auth): Writer,
    Id(id): Id,
    body: JsonObject,
) -> Result<Response, ApiError> {
    let changes = rows::SecretChanges {
        key: body.non_null_change("key")?,
        value: body.non_null_change("value")?,
        description: body.nullable_change("description")?,
        hash: body.non_null_change("hash")?,
        environment_id: body
            .nullable_change("environment_id")?
            .map(Option::unwrap_or_default),
    };
    let secret = auth
        .db(&store, move |c, p| rows::update_secret(c, p, &id, changes))
        .await?;
    Ok(json_response(StatusCode::OK, &SecretJson::from(secret)))
}

async fn list_environments(
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

async fn create_environment(
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

async fn update_environment(
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

/// The legacy read of 2023 clients: profile, secrets and environments in one answer, the
/// same page of each. It ignores `revision_date`, as those clients never send one.
async fn legacy_sync(
    State(store): State<Store>,
    auth: Auth,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let q = ListQuery::parse(raw.as_deref())?;
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
            let revision = admin::project_revision(&tx, p)?;
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

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    use super::*;
    use crate::store::rows::{EnvironmentChanges, NewEnvironment, NewSecret, SecretChanges};

    /// The secrets list body for `raw`, from the stored JSON, and as `wire` renders the rows.
    fn both_bodies(conn: &mut Connection, project_id: i64, raw: &str) -> (String, String) {
        let q = ListQuery::parse(Some(raw)).unwrap();
        let tx = conn.transaction().unwrap();
        let current = admin::project_revision(&tx, project_id).unwrap();
        let mut results = Vec::new();
        let page =
            rows::list_secret_json(&tx, project_id, &q.filter(), q.page_request(), &mut results)
                .unwrap();
        let stored = secrets_body(&q, &page, current, &results).unwrap();
        let rows = rows::list_secrets(&tx, project_id, &q.filter(), q.page_request()).unwrap();
        let revision = q.revision(current);
        let (next, previous) = q.links("/v1/secrets", &rows, revision);
        let rendered = serde_json::to_vec(&ListEnvelope {
            count: rows.count,
            next,
            previous,
            revision_date: revision,
            results: rows.rows.into_iter().map(SecretJson::from).collect(),
        })
        .unwrap();
        (
            String::from_utf8(stored).unwrap(),
            String::from_utf8(rendered).unwrap(),
        )
    }

    fn assert_lists_match(conn: &mut Connection, project_id: i64, expect: usize) {
        for raw in ["", "size=2", "size=2&page=2", "hash=h1", "environment_id="] {
            let (stored, rendered) = both_bodies(conn, project_id, raw);
            assert_eq!(stored, rendered, "{raw}");
        }
        let (all, _) = both_bodies(conn, project_id, "");
        let v: serde_json::Value = serde_json::from_str(&all).unwrap();
        assert_eq!(v["results"].as_array().unwrap().len(), expect);
    }

    #[test]
    fn listed_secrets_are_what_wire_renders_after_every_kind_of_write() {
        let store = Store::temporary().unwrap();
        let p = store.create_project().unwrap().project_id;
        let mut conn = store.lock();
        let env = |name: &str, hash: &str| NewEnvironment {
            name: name.into(),
            hash: hash.into(),
            external_url: None,
            description: Some("d".into()),
        };
        let prod = rows::create_environment(&mut conn, p, env("2.prod", "hp")).unwrap();
        let legacy = rows::create_environment(&mut conn, p, env("2.legacy", "")).unwrap();
        let secret = |i: usize, environment_id: &str| NewSecret {
            key: format!("2.k\"{i}\u{e9}"),
            value: format!("2.v{i}"),
            description: i.is_multiple_of(2).then(|| "2.d".to_owned()),
            hash: format!("h{i}"),
            environment_id: environment_id.into(),
        };
        let mut ids = Vec::new();
        for (i, e) in [&prod.id, &legacy.id, "", &prod.id].into_iter().enumerate() {
            ids.push(rows::create_secret(&mut conn, p, secret(i, e)).unwrap().id);
        }
        // The bulk import writes each row's JSON itself.
        drop(conn);
        let import = |i: usize, environment_id: Option<&str>| crate::store::SecretImport {
            key: format!("2.ik{i}"),
            value: format!("2.iv{i}"),
            description: None,
            hash: format!("ih{i}"),
            environment_id: environment_id.map(str::to_owned),
        };
        let imports = [
            import(0, Some(&prod.id)),
            import(1, None),
            import(2, Some(&legacy.id)),
        ];
        store.import_secrets(p, imports).unwrap();
        let mut conn = store.lock();
        assert_lists_match(&mut conn, p, 7);

        // An update of the value and description.
        let changes = SecretChanges {
            value: Some("2.new".into()),
            description: Some(None),
            ..SecretChanges::default()
        };
        rows::update_secret(&mut conn, p, &ids[0], changes).unwrap();
        assert_lists_match(&mut conn, p, 7);

        // A move between environments, to "All" and back.
        for to in [legacy.id.as_str(), "", prod.id.as_str()] {
            let changes = SecretChanges {
                environment_id: Some(to.into()),
                ..SecretChanges::default()
            };
            rows::update_secret(&mut conn, p, &ids[2], changes).unwrap();
            assert_lists_match(&mut conn, p, 7);
        }

        // Environment renames: a new name, a new hash, a hash dropped, a hash given.
        for (name, hash) in [
            (Some("2.production"), None),
            (None, Some("hp2")),
            (None, Some("")),
            (Some("2.p"), Some("hp3")),
        ] {
            let changes = EnvironmentChanges {
                name: name.map(str::to_owned),
                hash: hash.map(str::to_owned),
                ..EnvironmentChanges::default()
            };
            rows::update_environment(&mut conn, p, &prod.id, changes).unwrap();
            assert_lists_match(&mut conn, p, 7);
        }
        let (body, _) = both_bodies(&mut conn, p, "hash=h0");
        assert!(body.contains(r#""environment_name":"2.p","environment_hash":"hp3""#));

        // A row without its JSON (written by an older server) is rendered when listed.
        conn.execute("UPDATE secrets SET json = NULL WHERE id = ?1", [&ids[1]])
            .unwrap();
        assert_lists_match(&mut conn, p, 7);
    }
}
