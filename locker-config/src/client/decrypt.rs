//! Turning what the server sends (encrypted wire items) into [`SecretRecord`]s and
//! [`Environment`]s.

use std::collections::HashMap;

use super::Session;
use crate::{Environment, Error, ErrorKind, Result, SecretRecord};
use locker_protocol::crypto::{CipherString, SymmetricKey};
use locker_protocol::wire::{WireEnvironment, WireSecret};

/// Decrypts one secret. Its environment name comes from `names` (id → name), else from the
/// secret's own encrypted `environment_name`.
pub(super) fn decrypt_secret(
    session: &Session,
    w: WireSecret,
    names: &HashMap<String, String>,
) -> Result<SecretRecord> {
    let environment_id = w.environment_id.filter(|id| !id.is_empty());
    let environment_name = match &environment_id {
        None => None,
        Some(id) => match names.get(id) {
            Some(n) => Some(n.clone()),
            None => decrypt_optional(
                &session.key,
                w.environment_name,
                "environment name of a secret",
            )?
            .filter(|n| !n.is_empty()),
        },
    };
    let data = w.data.unwrap_or_default();
    let key = w.key.or(data.key).ok_or_else(|| {
        Error::new(
            ErrorKind::InvalidResponse,
            "a secret in the response has no key",
        )
    })?;
    let value = w.value.or(data.value).unwrap_or_default();
    let description = w.description.or(data.description);
    let id = w.id.ok_or_else(|| {
        Error::new(
            ErrorKind::InvalidResponse,
            "a secret in the response has no id",
        )
    })?;
    Ok(SecretRecord {
        id,
        key: decrypt_field(&session.key, &key, "key of a secret")?,
        value: decrypt_field(&session.key, &value, "value of a secret")?,
        description: decrypt_optional(&session.key, description, "description of a secret")?,
        environment_id,
        environment_name,
        project_id: w.project_id.unwrap_or(session.project_id),
        creation_date: w.creation_date,
        revision_date: w.revision_date,
    })
}

/// Decrypts one environment.
pub(super) fn decrypt_environment(session: &Session, w: WireEnvironment) -> Result<Environment> {
    let data = w.data.unwrap_or_default();
    let id = w.id.ok_or_else(|| {
        Error::new(
            ErrorKind::InvalidResponse,
            "an environment in the response has no id",
        )
    })?;
    let name = w.name.or(data.name).ok_or_else(|| {
        Error::new(
            ErrorKind::InvalidResponse,
            "an environment in the response has no name",
        )
    })?;
    Ok(Environment {
        id,
        name: decrypt_field(&session.key, &name, "name of an environment")?,
        external_url: decrypt_optional(
            &session.key,
            w.external_url.or(data.external_url),
            "external URL of an environment",
        )?,
        description: decrypt_optional(
            &session.key,
            w.description.or(data.description),
            "description of an environment",
        )?,
        project_id: w.project_id.unwrap_or(session.project_id),
    })
}

/// Decrypts a field that looks like a cipher string; passes other strings through as plaintext
/// (what official clients do).
fn decrypt_field(key: &SymmetricKey, text: &str, what: &str) -> Result<String> {
    if !CipherString::looks_like(text) {
        return Ok(text.to_string());
    }
    key.decrypt(text).map_err(|e| {
        Error::new(
            ErrorKind::Decryption,
            format!("could not decrypt the {what}: {e}"),
        )
        .with_source(e)
    })
}

/// [`decrypt_field`] for a field the server may leave out.
fn decrypt_optional(
    key: &SymmetricKey,
    text: Option<String>,
    what: &str,
) -> Result<Option<String>> {
    text.map(|t| decrypt_field(key, &t, what)).transpose()
}
