//! `/v1/secrets`: the list (copied from each secret's stored JSON), creation and updates.

use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::auth::{Auth, Writer};
use super::body::{Id, JsonObject};
use super::error::ApiError;
use super::list::{Delta, ListQuery};
use super::respond::json_response;
use crate::model::wire::{ListEnvelope, SecretJson};
use crate::store::Store;
use crate::store::revision::project_revision;
use crate::store::rows::{self, Page};

/// The secrets list: each secret's stored JSON copied into the envelope, so a page costs a
/// copy of its bytes, not a decode and a serialization per row.
pub(crate) async fn list_secrets(
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
            let mut results = Vec::new();
            let page = rows::list_secret_json(&tx, p, &q.filter(), q.page_request(), &mut results)?;
            let current = project_revision(&tx, p)?;
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

/// `POST /v1/secrets` (PROTOCOL.md §5.3): `201` with the created secret.
pub(crate) async fn create_secret(
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

/// `PUT /v1/secrets/{id}` (§5.4): only the fields given change.
pub(crate) async fn update_secret(
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

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    use super::*;
    use crate::store::rows::{EnvironmentChanges, NewEnvironment, NewSecret, SecretChanges};

    /// The secrets list body for `raw`, from the stored JSON, and as `wire` renders the rows.
    fn both_bodies(conn: &mut Connection, project_id: i64, raw: &str) -> (String, String) {
        let q = ListQuery::parse(Some(raw), true).unwrap();
        let tx = conn.transaction().unwrap();
        let current = project_revision(&tx, project_id).unwrap();
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
