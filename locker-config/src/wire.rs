//! The JSON shapes of the Locker Secrets API (PROTOCOL.md §4, §5), read leniently.
//!
//! Fields are read at the top level with a fallback to the nested `data` object; unknown fields
//! are ignored; ids may be strings or numbers; dates may be numbers or missing.

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
pub(crate) struct ProfileResponse {
    pub(crate) profile: Option<Profile>,
    #[serde(flatten)]
    pub(crate) top: Profile,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Profile {
    #[serde(default, deserialize_with = "lenient_string")]
    pub(crate) key: Option<String>,
    #[serde(default, deserialize_with = "lenient_number")]
    pub(crate) project_id: Option<i64>,
    #[serde(default)]
    pub(crate) editable: Option<bool>,
}

/// The list envelope of E6/E9, or a bare array.
#[derive(Debug, Deserialize)]
#[serde(untagged, bound(deserialize = "T: Deserialize<'de>"))]
pub(crate) enum ListResponse<T> {
    Envelope {
        #[serde(default)]
        results: Vec<T>,
        #[serde(default, deserialize_with = "lenient_string")]
        next: Option<String>,
    },
    Bare(Vec<T>),
}

impl<T> ListResponse<T> {
    pub(crate) fn into_parts(self) -> (Vec<T>, Option<String>) {
        match self {
            ListResponse::Envelope { results, next } => {
                (results, next.filter(|n| !n.trim().is_empty()))
            }
            ListResponse::Bare(results) => (results, None),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct SecretData {
    #[serde(default, deserialize_with = "lenient_string")]
    pub(crate) key: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub(crate) value: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub(crate) description: Option<String>,
}

/// A secret as the server sends it (encrypted fields still encrypted).
#[derive(Debug, Deserialize)]
pub(crate) struct WireSecret {
    #[serde(default, deserialize_with = "lenient_id")]
    pub(crate) id: Option<String>,
    #[serde(default, deserialize_with = "lenient_number")]
    pub(crate) project_id: Option<i64>,
    #[serde(default, deserialize_with = "lenient_number")]
    pub(crate) creation_date: Option<f64>,
    #[serde(default, deserialize_with = "lenient_number")]
    pub(crate) revision_date: Option<f64>,
    #[serde(default, deserialize_with = "lenient_id")]
    pub(crate) environment_id: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub(crate) environment_name: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub(crate) key: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub(crate) value: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub(crate) description: Option<String>,
    #[serde(default)]
    pub(crate) data: Option<SecretData>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct EnvironmentData {
    #[serde(default, deserialize_with = "lenient_string")]
    pub(crate) name: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub(crate) external_url: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub(crate) description: Option<String>,
}

/// An environment as the server sends it.
#[derive(Debug, Deserialize)]
pub(crate) struct WireEnvironment {
    #[serde(default, deserialize_with = "lenient_id")]
    pub(crate) id: Option<String>,
    #[serde(default, deserialize_with = "lenient_number")]
    pub(crate) project_id: Option<i64>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub(crate) name: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub(crate) external_url: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub(crate) description: Option<String>,
    #[serde(default)]
    pub(crate) data: Option<EnvironmentData>,
}

/// Body of `POST /v1/secrets` and `PUT /v1/secrets/{id}`; absent fields are omitted.
#[derive(Debug, Default, Serialize)]
pub(crate) struct SecretBody {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) key: Option<String>,
    pub(crate) hash: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) environment_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) environment_name: Option<String>,
}

/// Body of `POST /v1/environments` and `PUT /v1/environments/{id}`.
#[derive(Debug, Default, Serialize)]
pub(crate) struct EnvironmentBody {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) name: Option<String>,
    pub(crate) hash: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) external_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) description: Option<String>,
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
