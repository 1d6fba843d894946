//! The JSON shapes of the Locker Secrets API (PROTOCOL.md §4, §5).
//!
//! The server writes them with every field present (`null` where empty), and copies the
//! encrypted fields into the nested `data` object as official servers do. The client reads
//! them leniently: fields at the top level with a fallback to `data`, unknown fields ignored,
//! ids as strings or numbers, dates as numbers, numeric strings or missing.
//!
//! ```
//! use locker_protocol::wire::{ListResponse, WireSecret};
//!
//! let page: ListResponse<WireSecret> =
//!     serde_json::from_str(r#"{"count":1,"next":null,"results":[{"id":"a","key":"2.x|y|z"}]}"#)?;
//! let (secrets, next) = page.into_parts();
//! assert_eq!(secrets[0].id.as_deref(), Some("a"));
//! assert!(next.is_none());
//! # Ok::<(), serde_json::Error>(())
//! ```

use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// An id that may be sent as a string or a number.
fn lenient_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::String(s)) => Some(s),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    })
}

/// A number (`i64` or `f64`) that may be missing, `null`, a number, or a numeric string; one
/// that does not fit `T` (a fraction for an integer) is treated as absent. A JSON number is
/// parsed from its text, which serde_json writes so that it reads back exactly.
fn lenient_number<'de, D: Deserializer<'de>, T: FromStr>(d: D) -> Result<Option<T>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Number(n)) => n.to_string().parse().ok(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    })
}

/// A string field that may be `null` or of another type (then treated as absent).
fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::String(s)) => Some(s),
        _ => None,
    })
}

/// `GET /v1/profile`: `{"profile": {...}}`, or the profile itself at the top level.
#[derive(Debug, Deserialize)]
pub struct ProfileResponse {
    /// The nested profile, when the server nests it (it does).
    pub profile: Option<Profile>,
    /// The same fields read at the top level, for servers that do not nest.
    #[serde(flatten)]
    pub top: Profile,
}

/// The parts of an access key's profile a client needs.
#[derive(Debug, Default, Deserialize)]
pub struct Profile {
    /// The project key, wrapped (encrypted) under the key derived from the secret access key.
    #[serde(default, deserialize_with = "lenient_string")]
    pub key: Option<String>,
    /// The project the access key belongs to; salts every name hash.
    #[serde(default, deserialize_with = "lenient_number")]
    pub project_id: Option<i64>,
    /// `false` for a read-only access key.
    #[serde(default)]
    pub editable: Option<bool>,
}

/// The list envelope of E6/E9, or a bare array.
#[derive(Debug, Deserialize)]
#[serde(untagged, bound(deserialize = "T: Deserialize<'de>"))]
pub enum ListResponse<T> {
    /// `{"count":…,"next":…,"results":[…]}`.
    Envelope {
        /// The records of this page.
        #[serde(default)]
        results: Vec<T>,
        /// The next page's path relative to the API base, if any.
        #[serde(default, deserialize_with = "lenient_string")]
        next: Option<String>,
    },
    /// A bare array (no paging).
    Bare(Vec<T>),
}

impl<T> ListResponse<T> {
    /// The records and the next page's path (an empty `next` means none).
    pub fn into_parts(self) -> (Vec<T>, Option<String>) {
        match self {
            ListResponse::Envelope { results, next } => {
                (results, next.filter(|n| !n.trim().is_empty()))
            }
            ListResponse::Bare(results) => (results, None),
        }
    }
}

/// The encrypted fields of a secret, repeated in its `data` object.
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct SecretData {
    /// Encrypted key.
    #[serde(default, deserialize_with = "lenient_string")]
    pub key: Option<String>,
    /// Encrypted value.
    #[serde(default, deserialize_with = "lenient_string")]
    pub value: Option<String>,
    /// Encrypted description.
    #[serde(default, deserialize_with = "lenient_string")]
    pub description: Option<String>,
}

/// A secret as the server sends it (encrypted fields still encrypted).
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct WireSecret {
    /// The record id (a UUID).
    #[serde(default, deserialize_with = "lenient_id")]
    pub id: Option<String>,
    /// The project's id.
    #[serde(default, deserialize_with = "lenient_number")]
    pub project_id: Option<i64>,
    /// Creation time, float seconds since the epoch.
    #[serde(default, deserialize_with = "lenient_number")]
    pub creation_date: Option<f64>,
    /// Last change, float seconds since the epoch.
    #[serde(default, deserialize_with = "lenient_number")]
    pub revision_date: Option<f64>,
    /// The environment's id; `None` is "All".
    #[serde(default, deserialize_with = "lenient_id")]
    pub environment_id: Option<String>,
    /// The environment's encrypted name.
    #[serde(default, deserialize_with = "lenient_string")]
    pub environment_name: Option<String>,
    /// The name hash of the environment's name.
    #[serde(default, deserialize_with = "lenient_string")]
    pub environment_hash: Option<String>,
    /// Encrypted key.
    #[serde(default, deserialize_with = "lenient_string")]
    pub key: Option<String>,
    /// Encrypted value.
    #[serde(default, deserialize_with = "lenient_string")]
    pub value: Option<String>,
    /// Encrypted description.
    #[serde(default, deserialize_with = "lenient_string")]
    pub description: Option<String>,
    /// The name hash of the plaintext key.
    #[serde(default, deserialize_with = "lenient_string")]
    pub secret_hash: Option<String>,
    /// The encrypted fields again.
    #[serde(default)]
    pub data: Option<SecretData>,
}

/// The encrypted fields of an environment, repeated in its `data` object.
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct EnvironmentData {
    /// Encrypted name.
    #[serde(default, deserialize_with = "lenient_string")]
    pub name: Option<String>,
    /// Encrypted external URL.
    #[serde(default, deserialize_with = "lenient_string")]
    pub external_url: Option<String>,
    /// Encrypted description.
    #[serde(default, deserialize_with = "lenient_string")]
    pub description: Option<String>,
}

/// An environment as the server sends it.
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct WireEnvironment {
    /// The record id (a UUID).
    #[serde(default, deserialize_with = "lenient_id")]
    pub id: Option<String>,
    /// The project's id.
    #[serde(default, deserialize_with = "lenient_number")]
    pub project_id: Option<i64>,
    /// The name hash of the plaintext name; empty or missing for environments that older
    /// clients created.
    #[serde(default, deserialize_with = "lenient_string")]
    pub hash: Option<String>,
    /// Encrypted name.
    #[serde(default, deserialize_with = "lenient_string")]
    pub name: Option<String>,
    /// Encrypted external URL.
    #[serde(default, deserialize_with = "lenient_string")]
    pub external_url: Option<String>,
    /// Encrypted description.
    #[serde(default, deserialize_with = "lenient_string")]
    pub description: Option<String>,
    /// Creation time, float seconds since the epoch.
    #[serde(default, deserialize_with = "lenient_number")]
    pub creation_date: Option<f64>,
    /// Last change, float seconds since the epoch.
    #[serde(default, deserialize_with = "lenient_number")]
    pub revision_date: Option<f64>,
    /// The encrypted fields again.
    #[serde(default)]
    pub data: Option<EnvironmentData>,
}

/// Body of `POST /v1/secrets` and `PUT /v1/secrets/{id}`; absent fields are omitted.
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct SecretBody {
    /// Encrypted key (the new key on update).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The name hash of the (new or current) plaintext key.
    #[serde(default)]
    pub hash: String,
    /// Encrypted value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Encrypted description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The environment's id; `""` moves the secret to "All".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment_id: Option<String>,
    /// The environment's encrypted name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment_name: Option<String>,
}

/// Body of `POST /v1/environments` and `PUT /v1/environments/{id}`.
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct EnvironmentBody {
    /// Encrypted name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The name hash of the (new or current) plaintext name.
    #[serde(default)]
    pub hash: String,
    /// Encrypted external URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_url: Option<String>,
    /// Encrypted description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_secrets_leniently() {
        let s: WireSecret = serde_json::from_str(
            r#"{"id":7,"project_id":"42","creation_date":"1.5","environment_id":null,
                "key":null,"data":{"key":"K","value":"V"},"extra":[1]}"#,
        )
        .unwrap();
        assert_eq!(s.id.as_deref(), Some("7"));
        assert_eq!(s.project_id, Some(42));
        assert_eq!(s.creation_date, Some(1.5));
        assert_eq!(s.data.unwrap().key.as_deref(), Some("K"));
    }

    #[test]
    fn reads_numbers_like_serde_json_does() {
        #[derive(Deserialize)]
        struct N {
            #[serde(default, deserialize_with = "lenient_number")]
            i: Option<i64>,
            #[serde(default, deserialize_with = "lenient_number")]
            f: Option<f64>,
        }
        for text in [
            "42",
            "-7",
            "1.0",
            "1.5",
            "1e3",
            "-0.1",
            "1712345678.123456",
            "9223372036854775807",
            "9223372036854775808",
            "18446744073709551615",
        ] {
            let n: N = serde_json::from_str(&format!(r#"{{"i":{text},"f":{text}}}"#)).unwrap();
            let v: Value = serde_json::from_str(text).unwrap();
            assert_eq!(n.i, v.as_i64(), "{text}");
            assert_eq!(n.f, v.as_f64(), "{text}");
        }
        let n: N = serde_json::from_str(r#"{"i":" 3 ","f":null}"#).unwrap();
        assert_eq!((n.i, n.f), (Some(3), None));
    }

    #[test]
    fn reads_envelopes_and_bare_lists() {
        let l: ListResponse<WireEnvironment> =
            serde_json::from_str(r#"{"count":1,"next":"","results":[{"id":"a"}]}"#).unwrap();
        let (items, next) = l.into_parts();
        assert_eq!(items.len(), 1);
        assert!(next.is_none());
        let l: ListResponse<WireEnvironment> = serde_json::from_str(r#"[{"id":"a"}]"#).unwrap();
        assert_eq!(l.into_parts().0.len(), 1);
        let p: ProfileResponse =
            serde_json::from_str(r#"{"profile":{"key":"2.a|b|c","project_id":3}}"#).unwrap();
        assert_eq!(p.profile.unwrap().project_id, Some(3));
    }

    #[test]
    fn bodies_omit_absent_fields() {
        let b = SecretBody {
            hash: "h".into(),
            value: Some("v".into()),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_string(&b).unwrap(),
            r#"{"hash":"h","value":"v"}"#
        );
    }
}
