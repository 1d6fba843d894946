//! Turning what the server sends (encrypted wire items) into [`SecretRecord`]s and
//! [`Environment`]s, failing closed.
//!
//! Every encrypted field a record carries must be a well-formed cipher string whose MAC
//! verifies under the project key; nothing is passed through as plaintext, because the bearer
//! token alone can write any field. The decrypted key and environment name decide: a lookup
//! hash beside them that does not match is an integrity error. Records without a hash (older
//! clients write some) are accepted. Errors name the record's id and the field, never content.

use std::collections::HashMap;

use super::Session;
use crate::error::{Error, ErrorKind, Result};
use crate::model::{Environment, SecretRecord};
use locker_protocol::crypto::{SymmetricKey, name_hash};
use locker_protocol::wire::{WireEnvironment, WireSecret};

/// Decrypts one secret. Its environment name comes from `names` (id → name), else from the
/// secret's own encrypted `environment_name`; a secret with an environment id but no name from
/// either is an error, never a secret of "All".
///
/// # Errors
///
/// [`ErrorKind::InvalidResponse`] when the id, key or value is missing (or not a string), or
/// the environment cannot be named;
/// [`ErrorKind::Decryption`] when a field is not a cipher string under the project key, or a
/// hash does not match the decrypted key or environment name.
pub(super) fn decrypt_secret(
    session: &Session,
    w: WireSecret,
    names: &HashMap<String, String>,
) -> Result<SecretRecord> {
    decrypt_secret_hashed(session, w, names, &HashMap::new())
}

/// [`decrypt_secret`], with `hashed`: name hashes under the session's project already
/// computed (hash → name). A record's hash that `hashed` maps to its decrypted key (or
/// environment name) matches without hashing that name again; any other hash is checked by
/// hashing, as always.
pub(super) fn decrypt_secret_hashed(
    session: &Session,
    w: WireSecret,
    names: &HashMap<String, String>,
    hashed: &HashMap<String, String>,
) -> Result<SecretRecord> {
    let matches = |hash: &str, name: &str| {
        hashed.get(hash).is_some_and(|n| n == name) || hash == name_hash(session.project_id, name)
    };
    let id =
        w.id.ok_or_else(|| invalid_response("a secret in the response has no id"))?;
    let data = w.data.unwrap_or_default();
    let key = w
        .key
        .or(data.key)
        .ok_or_else(|| invalid_response("a secret in the response has no key"))?;
    let value = w
        .value
        .or(data.value)
        .ok_or_else(|| invalid_response(format!("secret {id} in the response has no value")))?;
    let description = w.description.or(data.description);
    let field = |text: &str, what: &str| decrypt_field(&session.key, text, "secret", &id, what);

    let key = decrypt_field(&session.key, &key, "secret", &id, "key")
        .map_err(|e| with_repair(e, &overwrite_by_id(&id)))?;
    let project_id = w.project_id.unwrap_or(session.project_id);
    let hash = w.secret_hash.or(w.hash).filter(|h| !h.is_empty());
    if let Some(hash) = hash
        && !matches(&hash, &key)
    {
        return Err(with_repair(
            integrity("secret", &id, "hash", "key"),
            &overwrite_by_id(&id),
        ));
    }

    let environment_id = w.environment_id.filter(|id| !id.is_empty());
    let environment_name = match &environment_id {
        None => None,
        Some(env_id) => match names.get(env_id) {
            Some(n) => Some(n.clone()),
            None => match w.environment_name.as_deref().filter(|n| !n.is_empty()) {
                Some(cipher) => Some(field(cipher, "environment name")?),
                // A record of an environment nobody can name must not pass for "All".
                None => {
                    return Err(invalid_response(format!(
                        "secret {id} belongs to environment {env_id}, whose name neither the \
                         secret nor the project's environments give"
                    )));
                }
            },
        },
    };
    if let (Some(hash), Some(name)) = (
        w.environment_hash.as_deref().filter(|h| !h.is_empty()),
        environment_name.as_deref(),
    ) && !matches(hash, name)
    {
        return Err(integrity(
            "secret",
            &id,
            "environment hash",
            "environment name",
        ));
    }

    let repair = |e| with_repair(e, &overwrite(&key, environment_name.as_deref()));
    Ok(SecretRecord {
        value: field(&value, "value").map_err(repair)?,
        description: description
            .filter(|d| !d.is_empty())
            .map(|d| field(&d, "description"))
            .transpose()
            .map_err(repair)?,
        key,
        environment_id,
        environment_name,
        project_id,
        creation_date: w.creation_date,
        revision_date: w.revision_date,
        id,
    })
}

/// Decrypts one environment.
///
/// # Errors
///
/// As [`decrypt_secret`]: the id and name are required, every encrypted field must decrypt and
/// a `hash` must match the decrypted name.
pub(super) fn decrypt_environment(session: &Session, w: WireEnvironment) -> Result<Environment> {
    let data = w.data.unwrap_or_default();
    let id =
        w.id.ok_or_else(|| invalid_response("an environment in the response has no id"))?;
    let name = w
        .name
        .or(data.name)
        .ok_or_else(|| invalid_response(format!("environment {id} in the response has no name")))?;
    let field =
        |text: &str, what: &str| decrypt_field(&session.key, text, "environment", &id, what);
    let optional = |text: Option<String>, what: &str| {
        text.filter(|t| !t.is_empty())
            .map(|t| field(&t, what))
            .transpose()
    };
    let name = field(&name, "name")?;
    if let Some(hash) = w.hash.as_deref().filter(|h| !h.is_empty())
        && hash != name_hash(session.project_id, &name)
    {
        return Err(integrity("environment", &id, "hash", "name"));
    }
    Ok(Environment {
        external_url: optional(w.external_url.or(data.external_url), "external URL")?,
        description: optional(w.description.or(data.description), "description")?,
        name,
        project_id: w.project_id.unwrap_or(session.project_id),
        id,
    })
}

/// Decrypts one field of record `id`; anything that is not a cipher string under `key` is an
/// error naming the record and the field (the crypto error is the source, not the message).
fn decrypt_field(
    key: &SymmetricKey,
    text: &str,
    record: &str,
    id: &str,
    what: &str,
) -> Result<String> {
    key.decrypt(text).map_err(|e| {
        Error::new(
            ErrorKind::Decryption,
            format!("could not decrypt the {what} of {record} {id}"),
        )
        .with_source(e)
    })
}

/// The repair of a secret whose value or description cannot be decrypted (written with the
/// bearer token alone, or under another key): a new value, which a write sets without reading
/// the old one.
pub(super) fn overwrite(key: &str, environment: Option<&str>) -> String {
    let env = environment
        .map(|e| format!(" --env {e}"))
        .unwrap_or_default();
    format!(
        "to repair it, write a new value, e.g. `locker secret set {key} VALUE{env}` (or \
         Locker::set)"
    )
}

/// The repair of a secret whose key cannot be decrypted or does not match its hash: only its
/// id names it.
pub(super) fn overwrite_by_id(id: &str) -> String {
    format!(
        "to repair it, overwrite the record by id, e.g. `locker secret set --id {id} KEY VALUE` \
         (or Locker::replace)"
    )
}

/// `e` (a decryption error of [`decrypt_field`] or [`integrity`]) with how to repair the
/// record appended to its message; the cause stays.
pub(super) fn with_repair(e: Error, repair: &str) -> Error {
    e.with_message_suffix(repair)
}

fn integrity(record: &str, id: &str, hash: &str, of: &str) -> Error {
    Error::new(
        ErrorKind::Decryption,
        format!("integrity check failed: the {hash} of {record} {id} does not match its {of}"),
    )
}

fn invalid_response(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidResponse, msg)
}
