//! The HTTP API: routes, authentication, request parsing and JSON error answers.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{
    DefaultBodyLimit, FromRequest, FromRequestParts, Path, RawQuery, Request, State,
};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rusqlite::Connection;
use serde_json::{Map, Value, json};

use crate::store::{self, KeyInfo, Page, Store, StoreError};

/// Largest accepted request body.
pub(crate) const BODY_LIMIT: usize = 1024 * 1024;
/// Largest page size; larger `size` values are clamped.
pub(crate) const MAX_PAGE_SIZE: i64 = 2000;

/// A JSON error answer: `{"code": "...", "message": "...", "details": {}}`.
#[derive(Debug)]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) code: &'static str,
    pub(crate) message: String,
    pub(crate) retry_after: Option<u64>,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }
    fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "0004", message)
    }
    fn unauthenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "0000",
            "The authentication token is invalid",
        )
    }
    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "0003", message)
    }
    fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "0008",
            "Internal server error",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({"code": self.code, "message": self.message, "details": {}});
        let mut resp = (self.status, axum::Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        resp
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(m) => ApiError::not_found(m),
            StoreError::Duplicate(m) => ApiError::bad_request(m),
            StoreError::Db(e) => {
                tracing::error!(error = %e, "database error");
                ApiError::internal()
            }
        }
    }
}

/// Runs database work on the blocking pool.
async fn db<T, F>(store: &Store, f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
{
    let store = store.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = store.lock();
        f(&mut conn)
    })
    .await
    .map_err(|_| ApiError::internal())?
    .map_err(ApiError::from)
}

/// The caller, identified by `Authorization: Bearer <access key id>`.
#[derive(Debug, Clone)]
pub(crate) struct Auth(KeyInfo);

impl Auth {
    /// Runs database work for the caller's project (`f` gets the project id).
    async fn db<T, F>(&self, store: &Store, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection, i64) -> Result<T, StoreError> + Send + 'static,
    {
        let project_id = self.0.project_id;
        db(store, move |c| f(c, project_id)).await
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
        let key = db(store, move |c| store::find_key(c, &token)).await?;
        key.map(Auth).ok_or_else(ApiError::unauthenticated)
    }
}

/// A caller allowed to write. As an extractor of the request head it runs before the body is
/// read: a read-only key is a 403 whatever the body holds.
#[derive(Debug, Clone)]
pub(crate) struct Writer(Auth);

impl FromRequestParts<Store> for Writer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, store: &Store) -> Result<Self, ApiError> {
        let auth = Auth::from_request_parts(parts, store).await?;
        if auth.0.read_only {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "0002",
                "You do not have permission to perform this action",
            ));
        }
        Ok(Writer(auth))
    }
}

/// A JSON object body. Malformed JSON, non-objects and oversized bodies become JSON errors.
#[derive(Debug)]
pub(crate) struct JsonObject(Map<String, Value>);

impl<S: Send + Sync> FromRequest<S> for JsonObject {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let _ = state;
        let too_large = || {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "0005",
                format!("Request body is larger than {BODY_LIMIT} bytes"),
            )
        };
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
pub(crate) struct Id(String);

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

fn field(body: &Map<String, Value>, name: &str) -> Result<Field, ApiError> {
    match body.get(name) {
        None => Ok(Field::Absent),
        Some(Value::Null) => Ok(Field::Null),
        Some(Value::String(s)) => Ok(Field::Str(s.clone())),
        Some(_) => Err(ApiError::bad_request(format!("{name}: must be a string"))),
    }
}

fn required(body: &Map<String, Value>, name: &str) -> Result<String, ApiError> {
    match field(body, name)? {
        Field::Str(s) => Ok(s),
        _ => Err(ApiError::bad_request(format!(
            "{name}: this field is required"
        ))),
    }
}

fn optional(body: &Map<String, Value>, name: &str) -> Result<Option<String>, ApiError> {
    match field(body, name)? {
        Field::Str(s) => Ok(Some(s)),
        _ => Ok(None),
    }
}

/// `None` = unchanged, `Some(None)` = set to null, `Some(Some(s))` = set.
fn nullable_change(
    body: &Map<String, Value>,
    name: &str,
) -> Result<Option<Option<String>>, ApiError> {
    Ok(match field(body, name)? {
        Field::Absent => None,
        Field::Null => Some(None),
        Field::Str(s) => Some(Some(s)),
    })
}

fn non_null_change(body: &Map<String, Value>, name: &str) -> Result<Option<String>, ApiError> {
    match field(body, name)? {
        Field::Absent => Ok(None),
        Field::Null => Err(ApiError::bad_request(format!("{name}: may not be null"))),
        Field::Str(s) => Ok(Some(s)),
    }
}

/// Parsed list query: paging plus the original pairs (to build `next`/`previous`).
#[derive(Debug)]
struct ListQuery {
    pairs: Vec<(String, String)>,
    page: i64,
    size: i64,
    paging: bool,
}

impl ListQuery {
    fn parse(raw: Option<&str>) -> Result<Self, ApiError> {
        let pairs: Vec<(String, String)> =
            url::form_urlencoded::parse(raw.unwrap_or("").as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let int = |name: &str, default: i64| -> Result<i64, ApiError> {
            match get(name) {
                None | Some("") => Ok(default),
                Some(v) => v.trim().parse::<i64>().map_err(|_| {
                    ApiError::bad_request(format!("{name}: a valid integer is required"))
                }),
            }
        };
        let page = int("page", 1)?;
        if page < 1 {
            return Err(ApiError::bad_request("page: must be 1 or more"));
        }
        let size = int("size", MAX_PAGE_SIZE)?;
        if size < 1 {
            return Err(ApiError::bad_request("size: must be 1 or more"));
        }
        if let Some(rd) = get("revision_date").filter(|v| !v.is_empty()) {
            // Accepted and ignored (everything is returned), but it must be a number.
            if rd
                .trim()
                .parse::<f64>()
                .map(|f| !f.is_finite())
                .unwrap_or(true)
            {
                return Err(ApiError::bad_request(
                    "revision_date: a valid number is required",
                ));
            }
        }
        let paging = get("paging") != Some("0");
        Ok(ListQuery {
            page,
            size: size.min(MAX_PAGE_SIZE),
            paging,
            pairs,
        })
    }

    fn filter(&self, name: &str) -> Option<String> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
    }

    fn page(&self) -> Page {
        if self.paging {
            Page {
                limit: self.size,
                offset: (self.page - 1).saturating_mul(self.size),
            }
        } else {
            Page {
                limit: -1,
                offset: 0,
            }
        }
    }

    /// The path of page `page`, relative to the api base, keeping the other parameters.
    fn link(&self, path: &str, page: i64) -> String {
        let mut ser = url::form_urlencoded::Serializer::new(String::new());
        let mut saw_page = false;
        for (k, v) in &self.pairs {
            if k == "page" {
                if !saw_page {
                    ser.append_pair("page", &page.to_string());
                    saw_page = true;
                }
            } else {
                ser.append_pair(k, v);
            }
        }
        if !saw_page {
            ser.append_pair("page", &page.to_string());
        }
        format!("{path}?{}", ser.finish())
    }

    fn envelope(&self, path: &str, total: i64, results: Vec<Value>, revision: f64) -> Value {
        let (next, previous) = if self.paging {
            let next = (self.page.saturating_mul(self.size) < total)
                .then(|| self.link(path, self.page + 1));
            let previous = (self.page > 1).then(|| self.link(path, self.page - 1));
            (next, previous)
        } else {
            (None, None)
        };
        json!({
            "count": total,
            "next": next,
            "previous": previous,
            "revision_date": revision,
            "results": results,
        })
    }
}

/// A bare JSON number body (no newline), as the sync probes answer.
fn bare_number(text: String) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], text).into_response()
}

async fn profile(State(store): State<Store>, auth: Auth) -> Result<Response, ApiError> {
    let key = auth.0;
    let profile = db(&store, move |c| store::profile_json(c, &key)).await?;
    Ok(axum::Json(json!({"object": "access_key", "profile": profile})).into_response())
}

async fn revision_date(State(store): State<Store>, auth: Auth) -> Result<Response, ApiError> {
    let rd = auth
        .db(&store, |c, p| store::project_revision(c, p))
        .await?;
    Ok(bare_number(format_float(rd)))
}

async fn deleted_item_date(_auth: Auth) -> Response {
    // Nothing is ever deleted.
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
    count(&store, &auth, store::count_secrets).await
}

async fn environments_count(State(store): State<Store>, auth: Auth) -> Result<Response, ApiError> {
    count(&store, &auth, store::count_environments).await
}

fn format_float(f: f64) -> String {
    let s = format!("{f}");
    if s.contains('.') { s } else { format!("{s}.0") }
}

/// A list answer at `path`: `fetch` gets the project id and the page and returns the total
/// and the rows, wrapped here with the project's revision date and the paging links.
async fn list<F>(
    store: &Store,
    auth: &Auth,
    q: &ListQuery,
    path: &str,
    fetch: F,
) -> Result<Response, ApiError>
where
    F: FnOnce(&Connection, i64, Page) -> Result<(i64, Vec<Value>), StoreError> + Send + 'static,
{
    let page = q.page();
    let (total, rows, rd) = auth
        .db(store, move |c, p| {
            let (total, rows) = fetch(c, p, page)?;
            Ok((total, rows, store::project_revision(c, p)?))
        })
        .await?;
    Ok(axum::Json(q.envelope(path, total, rows, rd)).into_response())
}

async fn list_secrets(
    State(store): State<Store>,
    auth: Auth,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let q = ListQuery::parse(raw.as_deref())?;
    let (hash, env) = (q.filter("hash"), q.filter("environment_id"));
    list(&store, &auth, &q, "/v1/secrets", move |c, p, page| {
        store::list_secrets(c, p, hash.as_deref(), env.as_deref(), page)
    })
    .await
}

async fn create_secret(
    State(store): State<Store>,
    Writer(auth): Writer,
    JsonObject(body): JsonObject,
) -> Result<Response, ApiError> {
    let new = store::NewSecret {
        key: required(&body, "key")?,
        value: required(&body, "value")?,
        description: optional(&body, "description")?,
        hash: optional(&body, "hash")?
            .or(optional(&body, "secret_hash")?)
            .unwrap_or_default(),
        environment_id: optional(&body, "environment_id")?.unwrap_or_default(),
    };
    let secret = auth
        .db(&store, move |c, p| store::create_secret(c, p, new))
        .await?;
    Ok((StatusCode::CREATED, axum::Json(secret)).into_response())
}

async fn update_secret(
    State(store): State<Store>,
    Writer(auth): Writer,
    Id(id): Id,
    JsonObject(body): JsonObject,
) -> Result<Response, ApiError> {
    let changes = store::SecretChanges {
        key: non_null_change(&body, "key")?,
        value: non_null_change(&body, "value")?,
        description: nullable_change(&body, "description")?,
        hash: non_null_change(&body, "hash")?,
        environment_id: nullable_change(&body, "environment_id")?.map(Option::unwrap_or_default),
    };
    let secret = auth
        .db(&store, move |c, p| store::update_secret(c, p, &id, changes))
        .await?;
    Ok(axum::Json(secret).into_response())
}

async fn list_environments(
    State(store): State<Store>,
    auth: Auth,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let q = ListQuery::parse(raw.as_deref())?;
    let hash = q.filter("hash");
    list(&store, &auth, &q, "/v1/environments", move |c, p, page| {
        store::list_environments(c, p, hash.as_deref(), page)
    })
    .await
}

async fn create_environment(
    State(store): State<Store>,
    Writer(auth): Writer,
    JsonObject(body): JsonObject,
) -> Result<Response, ApiError> {
    let new = store::NewEnvironment {
        name: required(&body, "name")?,
        hash: optional(&body, "hash")?.unwrap_or_default(),
        external_url: optional(&body, "external_url")?,
        description: optional(&body, "description")?,
    };
    let env = auth
        .db(&store, move |c, p| store::create_environment(c, p, new))
        .await?;
    Ok((StatusCode::CREATED, axum::Json(env)).into_response())
}

async fn update_environment(
    State(store): State<Store>,
    Writer(auth): Writer,
    Id(id): Id,
    JsonObject(body): JsonObject,
) -> Result<Response, ApiError> {
    let changes = store::EnvironmentChanges {
        name: non_null_change(&body, "name")?,
        hash: nullable_change(&body, "hash")?.map(Option::unwrap_or_default),
        external_url: nullable_change(&body, "external_url")?,
        description: nullable_change(&body, "description")?,
    };
    let env = auth
        .db(&store, move |c, p| {
            store::update_environment(c, p, &id, changes)
        })
        .await?;
    Ok(axum::Json(env).into_response())
}

/// The legacy read of 2023 clients: profile, secrets and environments in one answer.
async fn legacy_sync(
    State(store): State<Store>,
    auth: Auth,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let q = ListQuery::parse(raw.as_deref())?;
    let key = auth.0;
    let page = q.page();
    let body = db(&store, move |c| {
        let p = key.project_id;
        let profile = store::profile_json(c, &key)?;
        let (n_secrets, secrets) = store::list_secrets(c, p, None, None, page)?;
        let (n_envs, envs) = store::list_environments(c, p, None, page)?;
        Ok(json!({
            "object": "sync",
            "profile": profile,
            "secrets": secrets,
            "environments": envs,
            "count": {"projects": 1, "secrets": n_secrets, "environments": n_envs},
        }))
    })
    .await?;
    Ok(axum::Json(body).into_response())
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
        .route("/v1/secrets/{id}", axum::routing::put(update_secret))
        .route(
            "/v1/environments",
            get(list_environments).post(create_environment),
        )
        .route(
            "/v1/environments/{id}",
            axum::routing::put(update_environment),
        );
    Router::new()
        .nest("/locker_secrets", v1.clone())
        .merge(v1)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(store)
}
