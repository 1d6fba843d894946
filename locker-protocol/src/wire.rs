//! The JSON shapes of the Locker Secrets API (PROTOCOL.md §4, §5).
//!
//! The server writes them with every field present (`null` where empty), and copies the
//! encrypted fields into the nested `data` object as official servers do. The client reads
//! them leniently: fields at the top level with a fallback to `data`, unknown fields ignored,
//! ids as strings or numbers, dates as numbers, numeric strings or missing.
//!
//! Each page is read in one pass straight into these structs: each lenient field is read as a
//! [`Scalar`], never an intermediate `serde_json::Value` tree, and the list envelope is told
//! apart from a bare array by its first token, not by parsing twice.
//!
//! ```
//! use locker_protocol::wire::{ListResponse, WireSecret};
//!
//! let page: ListResponse<WireSecret> =
//!     serde_json::from_str(r#"{"count":1,"next":null,"results":[{"id":"a","key":"2.x|y|z"}]}"#)?;
//! let (secrets, next) = page.into_parts();
//! assert_eq!(secrets[0].id.as_deref(), Some("a"));
//! assert!(next.is_none());
//! // A list envelope without `results` is not an empty list.
//! assert!(serde_json::from_str::<ListResponse<WireSecret>>("{}").is_err());
//! # Ok::<(), serde_json::Error>(())
//! ```

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use crate::lenient::Scalar;

/// An id that may be sent as a string or a number; anything else is absent.
fn lenient_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Scalar::deserialize(d).map(Scalar::into_id)
}

/// A number type a lenient number field can hold.
trait LenientNumber: Sized {
    fn from_scalar(s: Scalar<'_>) -> Option<Self>;
}

impl LenientNumber for i64 {
    fn from_scalar(s: Scalar<'_>) -> Option<Self> {
        s.into_i64()
    }
}

impl LenientNumber for f64 {
    fn from_scalar(s: Scalar<'_>) -> Option<Self> {
        s.into_f64()
    }
}

/// A number (`i64` or `f64`) that may be missing, `null`, a number, or a numeric string; one
/// that does not fit `T` (a fraction for an integer) is treated as absent, as are other types.
fn lenient_number<'de, D: Deserializer<'de>, T: LenientNumber>(
    d: D,
) -> Result<Option<T>, D::Error> {
    Scalar::deserialize(d).map(T::from_scalar)
}

/// A string field that may be `null` or of another type (then treated as absent).
fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Scalar::deserialize(d).map(Scalar::into_string)
}

/// Newtypes so a hand-written visitor can read a lenient field with `next_value`.
struct LenientString(Option<String>);

impl<'de> Deserialize<'de> for LenientString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        lenient_string(d).map(LenientString)
    }
}

struct LenientInt(Option<i64>);

impl<'de> Deserialize<'de> for LenientInt {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        lenient_number(d).map(LenientInt)
    }
}

/// `GET /v1/profile`: `{"profile": {...}}`, or the profile itself at the top level.
///
/// Read in one pass: the nested `profile` object and the top-level fields are both collected.
#[derive(Debug, Default)]
pub struct ProfileResponse {
    /// The nested profile, when the server nests it (it does).
    pub profile: Option<Profile>,
    /// The same fields read at the top level, for servers that do not nest.
    pub top: Profile,
}

impl<'de> Deserialize<'de> for ProfileResponse {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(field_identifier, rename_all = "snake_case")]
        enum Field {
            Profile,
            Key,
            ProjectId,
            Editable,
            #[serde(other)]
            Other,
        }
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ProfileResponse;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an access key profile object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = ProfileResponse::default();
                while let Some(field) = map.next_key::<Field>()? {
                    match field {
                        Field::Profile => out.profile = map.next_value()?,
                        Field::Key => out.top.key = map.next_value::<LenientString>()?.0,
                        Field::ProjectId => {
                            out.top.project_id = map.next_value::<LenientInt>()?.0;
                        }
                        Field::Editable => out.top.editable = map.next_value()?,
                        Field::Other => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(out)
            }
        }
        d.deserialize_map(V)
    }
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

/// One page of a list (E6/E9): the envelope `{"count":…,"next":…,"results":[…]}`, or a bare
/// array (no paging).
///
/// An envelope must have `results` as an array: `{}` or a misspelt `results` is an error, never
/// an empty list. Read in one pass; unknown envelope fields are skipped.
#[derive(Debug)]
pub struct ListResponse<T> {
    results: Vec<T>,
    next: Option<String>,
}

impl<T> ListResponse<T> {
    /// A page holding `results`, with the next page's path.
    pub fn new(results: Vec<T>, next: Option<String>) -> Self {
        ListResponse { results, next }
    }

    /// The records and the next page's path (an empty `next` means none).
    pub fn into_parts(self) -> (Vec<T>, Option<String>) {
        (self.results, self.next.filter(|n| !n.trim().is_empty()))
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for ListResponse<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(field_identifier, rename_all = "snake_case")]
        enum Field {
            Results,
            Next,
            #[serde(other)]
            Other,
        }
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = ListResponse<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list envelope with `results`, or an array")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut results = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
                while let Some(item) = seq.next_element()? {
                    results.push(item);
                }
                Ok(ListResponse {
                    results,
                    next: None,
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut results = None;
                let mut next = None;
                while let Some(field) = map.next_key::<Field>()? {
                    match field {
                        Field::Results => {
                            if results.is_some() {
                                return Err(de::Error::duplicate_field("results"));
                            }
                            results = Some(map.next_value::<Vec<T>>()?);
                        }
                        Field::Next => next = map.next_value::<LenientString>()?.0,
                        Field::Other => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                let results = results.ok_or_else(|| de::Error::missing_field("results"))?;
                Ok(ListResponse { results, next })
            }
        }
        d.deserialize_any(V(PhantomData))
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
    /// The name hash of the plaintext key under the name request bodies use, for servers that
    /// echo it; [`WireSecret::secret_hash`] wins when both are present.
    #[serde(default, deserialize_with = "lenient_string", skip_serializing)]
    pub hash: Option<String>,
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
    use serde_json::Value;

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
    fn a_list_needs_results() {
        for bad in [
            "{}",
            r#"{"count":1,"result":[]}"#,
            r#"{"results":{"id":"a"}}"#,
            r#"{"results":"x"}"#,
            r#"{"results":[],"results":[]}"#,
            "null",
            "3",
        ] {
            assert!(
                serde_json::from_str::<ListResponse<WireSecret>>(bad).is_err(),
                "{bad}"
            );
        }
        let l: ListResponse<WireSecret> = serde_json::from_str(
            r#"{"count":2,"extra":{"deep":[1,{"a":2}]},"next":"/v1/secrets?page=2","results":[{"id":"a"},{"id":"b"}]}"#,
        )
        .unwrap();
        let (items, next) = l.into_parts();
        assert_eq!(items.len(), 2);
        assert_eq!(next.as_deref(), Some("/v1/secrets?page=2"));
    }

    #[test]
    fn lenient_fields_treat_other_types_as_absent() {
        let s: WireSecret = serde_json::from_str(
            r#"{"id":{"x":1},"value":5,"key":[1,2],"description":true,"project_id":1.5,
                "revision_date":"soon","environment_id":7.0,"secret_hash":{"a":[]}}"#,
        )
        .unwrap();
        assert_eq!(s.id, None);
        assert_eq!(s.value, None);
        assert_eq!(s.key, None);
        assert_eq!(s.description, None);
        assert_eq!(s.project_id, None);
        assert_eq!(s.revision_date, None);
        assert_eq!(s.environment_id.as_deref(), Some("7.0"));
        assert_eq!(s.secret_hash, None);
    }

    #[test]
    fn reads_the_profile_nested_or_at_the_top() {
        let p: ProfileResponse = serde_json::from_str(
            r#"{"object":"access_key","profile":{"key":"k","project_id":"7","editable":false,"restrict_ip":[]}}"#,
        )
        .unwrap();
        let nested = p.profile.unwrap();
        assert_eq!(
            (nested.key.as_deref(), nested.project_id),
            (Some("k"), Some(7))
        );
        assert_eq!(nested.editable, Some(false));
        let p: ProfileResponse =
            serde_json::from_str(r#"{"key":"k","project_id":8,"profile":null}"#).unwrap();
        assert!(p.profile.is_none());
        assert_eq!(
            (p.top.key.as_deref(), p.top.project_id),
            (Some("k"), Some(8))
        );
        assert!(serde_json::from_str::<ProfileResponse>(r#"["k"]"#).is_err());
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
