//! Rows as the JSON the API sends: the shared wire types of `locker_protocol::wire`,
//! wrapped where the server sends more than a client reads (`object`, `updated_date`, …).
//! Every field is present, `null` where empty, and the encrypted fields are repeated in `data`.

use locker_protocol::wire::{EnvironmentData, SecretData, WireEnvironment, WireSecret};
use serde::Serialize;

use super::rows::{AccessKeyRow, EnvironmentRow, SecretRow};

/// A secret (PROTOCOL.md §4.1).
#[derive(Debug, Serialize)]
pub(crate) struct SecretJson {
    object: &'static str,
    #[serde(flatten)]
    secret: WireSecret,
    updated_date: Option<f64>,
    deleted_date: Option<f64>,
    last_use_date: Option<f64>,
}

impl From<SecretRow> for SecretJson {
    fn from(row: SecretRow) -> Self {
        let data = SecretData {
            key: Some(row.key.clone()),
            value: Some(row.value.clone()),
            description: row.description.clone(),
        };
        SecretJson {
            object: "secret",
            secret: WireSecret {
                id: Some(row.id),
                project_id: Some(row.project_id),
                creation_date: Some(row.creation_date),
                revision_date: Some(row.revision_date),
                environment_id: row.environment_id,
                environment_name: row.environment_name,
                environment_hash: row.environment_hash,
                key: Some(row.key),
                value: Some(row.value),
                description: row.description,
                secret_hash: Some(row.secret_hash),
                hash: None,
                data: Some(data),
            },
            updated_date: row.updated_date,
            deleted_date: None,
            last_use_date: None,
        }
    }
}

/// The JSON text of a secret, exactly as the API sends it. The store keeps it with each row
/// (rewritten whenever the secret or its environment's name or hash changes), so a list
/// copies it instead of building it again.
pub(crate) fn render_secret(row: SecretRow) -> serde_json::Result<String> {
    serde_json::to_string(&SecretJson::from(row))
}

/// An environment (PROTOCOL.md §4.2).
#[derive(Debug, Serialize)]
pub(crate) struct EnvironmentJson {
    object: &'static str,
    #[serde(flatten)]
    environment: WireEnvironment,
    updated_date: Option<f64>,
}

impl From<EnvironmentRow> for EnvironmentJson {
    fn from(row: EnvironmentRow) -> Self {
        let data = EnvironmentData {
            name: Some(row.name.clone()),
            external_url: row.external_url.clone(),
            description: row.description.clone(),
        };
        EnvironmentJson {
            object: "environment",
            environment: WireEnvironment {
                id: Some(row.id),
                project_id: Some(row.project_id),
                hash: Some(row.hash),
                name: Some(row.name),
                external_url: row.external_url,
                description: row.description,
                creation_date: Some(row.creation_date),
                revision_date: Some(row.revision_date),
                data: Some(data),
            },
            updated_date: row.updated_date,
        }
    }
}

/// An access key's profile (PROTOCOL.md §4.3).
#[derive(Debug, Serialize)]
pub(crate) struct ProfileJson {
    object: &'static str,
    id: String,
    client_id: String,
    key: String,
    activated: bool,
    editable: bool,
    restrict_ip: [String; 0],
    creation_date: f64,
    revision_date: f64,
    expiration_date: Option<f64>,
    project_id: i64,
}

impl ProfileJson {
    /// The profile of `key` in a project at revision `revision`.
    pub(crate) fn new(key: AccessKeyRow, revision: f64) -> Self {
        ProfileJson {
            object: "access_key",
            client_id: key.id.clone(),
            id: key.id,
            key: key.wrapped_key,
            activated: true,
            editable: !key.read_only,
            restrict_ip: [],
            creation_date: key.creation_date,
            revision_date: revision,
            expiration_date: None,
            project_id: key.project_id,
        }
    }
}

/// The answer of `GET /v1/profile`.
#[derive(Debug, Serialize)]
pub(crate) struct ProfileResponse {
    object: &'static str,
    profile: ProfileJson,
}

impl From<ProfileJson> for ProfileResponse {
    fn from(profile: ProfileJson) -> Self {
        ProfileResponse {
            object: "access_key",
            profile,
        }
    }
}

/// The list envelope (PROTOCOL.md §4.4).
#[derive(Debug, Serialize)]
pub(crate) struct ListEnvelope<T> {
    pub(crate) count: i64,
    pub(crate) next: Option<String>,
    pub(crate) previous: Option<String>,
    pub(crate) revision_date: f64,
    pub(crate) results: Vec<T>,
}

/// The answer of the legacy `GET /v1/sync` (PROTOCOL.md §2.1).
#[derive(Debug, Serialize)]
pub(crate) struct LegacySync {
    pub(crate) object: &'static str,
    pub(crate) profile: ProfileJson,
    pub(crate) secrets: Vec<SecretJson>,
    pub(crate) environments: Vec<EnvironmentJson>,
    pub(crate) count: LegacyCount,
}

/// The counts of the legacy sync answer.
#[derive(Debug, Serialize)]
pub(crate) struct LegacyCount {
    pub(crate) projects: i64,
    pub(crate) secrets: i64,
    pub(crate) environments: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_secret_has_every_field_null_where_empty_and_its_data() {
        let row = SecretRow {
            id: "s".into(),
            project_id: 3,
            environment_id: None,
            environment_name: None,
            environment_hash: None,
            key: "k".into(),
            value: "v".into(),
            description: None,
            secret_hash: "h".into(),
            creation_date: 1.5,
            revision_date: 2.5,
            updated_date: None,
        };
        let v = serde_json::to_value(SecretJson::from(row)).unwrap();
        assert_eq!(
            v,
            json!({"object":"secret","id":"s","project_id":3,
                   "creation_date":1.5,"revision_date":2.5,
                   "updated_date":null,"deleted_date":null,"last_use_date":null,
                   "environment_id":null,"environment_name":null,"environment_hash":null,
                   "key":"k","value":"v","description":null,"secret_hash":"h",
                   "data":{"key":"k","value":"v","description":null}})
        );
    }

    #[test]
    fn an_environment_has_every_field_and_its_data() {
        let row = EnvironmentRow {
            id: "e".into(),
            project_id: 3,
            hash: String::new(),
            name: "n".into(),
            external_url: Some("u".into()),
            description: None,
            creation_date: 1.0,
            revision_date: 2.0,
            updated_date: Some(2.0),
        };
        let v = serde_json::to_value(EnvironmentJson::from(row)).unwrap();
        assert_eq!(
            v,
            json!({"object":"environment","id":"e","project_id":3,"hash":"",
                   "name":"n","external_url":"u","description":null,
                   "creation_date":1.0,"revision_date":2.0,"updated_date":2.0,
                   "data":{"name":"n","external_url":"u","description":null}})
        );
    }
}
