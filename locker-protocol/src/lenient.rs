//! Lenient readings of single JSON values, as the [`wire`](crate::wire) types read their
//! fields: a value of another type counts as absent, never as an error.
//!
//! [`Scalar`] is the one reading every lenient field of the wire types goes through: a value
//! read once, its text borrowed from the input where it has no escapes, then taken as an id, a
//! string or a number. Clients that look at a few fields of a record before deciding to use it
//! read the record's fields as [`Scalar`]s and turn them into the wire type's fields with the
//! same conversions, without reading the text again. [`json_number`] reads loose numbers
//! such as a revision date.
//!
//! ```
//! use locker_protocol::lenient::{Scalar, json_number};
//!
//! let id: Scalar<'_> = serde_json::from_str("7").unwrap();
//! assert_eq!(id.into_id().as_deref(), Some("7"));
//! let hash: Scalar<'_> = serde_json::from_str(r#""abc""#).unwrap();
//! assert_eq!(hash.as_str(), Some("abc"));
//! let flag: Scalar<'_> = serde_json::from_str("true").unwrap();
//! assert_eq!(flag.into_string(), None);
//! let escaped: Scalar<'_> = serde_json::from_str(r#""h\u0041""#).unwrap();
//! assert_eq!(escaped.as_str(), Some("hA"));
//! assert_eq!(json_number(&serde_json::json!("1.5")), Some(1.5));
//! ```

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

/// One JSON value as a lenient field reads it: a string (borrowed from the input when it has
/// no escapes), a number, or absent: missing, `null`, a boolean, an object or an array (which
/// are skipped, not buffered). Reading a `Scalar` never fails on the value's type.
///
/// ```
/// use locker_protocol::lenient::Scalar;
///
/// let v: Vec<Scalar<'_>> = serde_json::from_str(r#"["a", -1, 2.5, null, {"x": [1]}]"#).unwrap();
/// assert_eq!(v[0].as_str(), Some("a"));
/// assert_eq!(v[1].clone().into_id().as_deref(), Some("-1"));
/// assert_eq!(v[2].clone().into_f64(), Some(2.5));
/// assert_eq!(v[2].clone().into_i64(), None, "a fraction is no integer");
/// assert!(v[3..].iter().all(|s| *s == Scalar::Absent));
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Scalar<'a> {
    /// Missing, `null`, a boolean, an object or an array.
    #[default]
    Absent,
    /// A string, unescaped.
    Str(Cow<'a, str>),
    /// A negative integer (as `serde_json` reads one).
    Int(i64),
    /// A non-negative integer.
    UInt(u64),
    /// A number with a fraction or an exponent.
    Float(f64),
}

impl<'a> Scalar<'a> {
    /// The string, if this is one (an empty string too).
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Scalar::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Whether [`into_id`](Self::into_id) gives a non-empty id, without allocating it.
    pub fn is_id(&self) -> bool {
        match self {
            Scalar::Str(s) => !s.is_empty(),
            Scalar::Int(_) | Scalar::UInt(_) => true,
            Scalar::Float(f) => f.is_finite(),
            Scalar::Absent => false,
        }
    }

    /// An id sent as a string or a number (a float written as `serde_json` writes it, `7.0`);
    /// anything else is absent. This is how [`WireSecret::id`](crate::wire::WireSecret::id)
    /// reads ids.
    pub fn into_id(self) -> Option<String> {
        match self {
            Scalar::Str(s) => Some(s.into_owned()),
            Scalar::Int(v) => Some(v.to_string()),
            Scalar::UInt(v) => Some(v.to_string()),
            Scalar::Float(v) => serde_json::Number::from_f64(v).map(|n| n.to_string()),
            Scalar::Absent => None,
        }
    }

    /// A string (an empty one too); numbers and anything else are absent.
    pub fn into_string(self) -> Option<String> {
        match self {
            Scalar::Str(s) => Some(s.into_owned()),
            _ => None,
        }
    }

    /// An integer sent as a number or a numeric string (surrounding spaces allowed); a
    /// fraction, a number out of range or anything else is absent.
    pub fn into_i64(self) -> Option<i64> {
        self.into_number()
    }

    /// A number sent as a number or a numeric string (surrounding spaces allowed); anything
    /// else is absent.
    pub fn into_f64(self) -> Option<f64> {
        self.into_number()
    }

    fn into_number<T: LenientNumber>(self) -> Option<T> {
        match self {
            Scalar::Str(s) => s.trim().parse().ok(),
            Scalar::Int(v) => T::from_i64(v),
            Scalar::UInt(v) => T::from_u64(v),
            Scalar::Float(v) => T::from_f64(v),
            Scalar::Absent => None,
        }
    }
}

/// A number type a lenient number field can hold.
trait LenientNumber: Sized + std::str::FromStr {
    fn from_i64(v: i64) -> Option<Self>;
    fn from_u64(v: u64) -> Option<Self>;
    fn from_f64(v: f64) -> Option<Self>;
}

impl LenientNumber for i64 {
    fn from_i64(v: i64) -> Option<Self> {
        Some(v)
    }
    fn from_u64(v: u64) -> Option<Self> {
        i64::try_from(v).ok()
    }
    /// A fraction (or any float, as `1.0` or `1e3` is written) is not an integer.
    fn from_f64(_: f64) -> Option<Self> {
        None
    }
}

impl LenientNumber for f64 {
    fn from_i64(v: i64) -> Option<Self> {
        Some(v as f64)
    }
    fn from_u64(v: u64) -> Option<Self> {
        Some(v as f64)
    }
    fn from_f64(v: f64) -> Option<Self> {
        Some(v)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Scalar<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Owned(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Scalar::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Scalar::UInt(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Scalar::Float(v))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Scalar::Absent)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Absent)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Absent)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Scalar::Absent)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Scalar::Absent)
    }
}

/// A finite number sent as a number or a numeric string (surrounding spaces allowed); `None`
/// for another type, a string that is no number, or an infinite one.
pub fn json_number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|f: &f64| f.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn scalar(text: &str) -> Scalar<'_> {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn strings_are_unescaped_and_other_types_are_absent() {
        assert_eq!(scalar(r#""abc""#).as_str(), Some("abc"));
        assert!(matches!(scalar(r#""abc""#), Scalar::Str(Cow::Borrowed(_))));
        assert_eq!(scalar(r#""a\"b""#).as_str(), Some("a\"b"));
        // An empty string is a string; a hash beside a record must be non-empty besides.
        assert_eq!(scalar(r#""""#).into_string().as_deref(), Some(""));
        for other in ["null", "7", "-1", "2.5", "true", r#"{"a":1}"#, "[1]"] {
            assert_eq!(scalar(other).into_string(), None, "{other}");
        }
        for absent in ["null", "false", r#"{"a":[1,{"b":2}]}"#, "[1,[2]]"] {
            assert_eq!(scalar(absent), Scalar::Absent, "{absent}");
        }
    }

    #[test]
    fn ids_are_strings_or_numbers() {
        assert_eq!(scalar("7").into_id().as_deref(), Some("7"));
        assert_eq!(scalar("-3").into_id().as_deref(), Some("-3"));
        assert_eq!(scalar("7.0").into_id().as_deref(), Some("7.0"));
        assert_eq!(scalar(r#""e-1""#).into_id().as_deref(), Some("e-1"));
        assert!(scalar("7").is_id() && scalar(r#""e-1""#).is_id());
        assert!(!scalar(r#""""#).is_id());
        for other in ["null", "false", r#"{"id":1}"#, "[]"] {
            assert_eq!(scalar(other).into_id(), None, "{other}");
            assert!(!scalar(other).is_id(), "{other}");
        }
    }

    #[test]
    fn numbers_are_numbers_or_numeric_strings_and_integers_have_no_fraction() {
        assert_eq!(scalar("3").into_i64(), Some(3));
        assert_eq!(scalar(" \" 4 \" ").into_i64(), Some(4));
        assert_eq!(scalar("2.5").into_i64(), None);
        assert_eq!(scalar("18446744073709551615").into_i64(), None);
        assert_eq!(scalar("2.5").into_f64(), Some(2.5));
        assert_eq!(scalar(r#""1.5""#).into_f64(), Some(1.5));
        for other in [r#""soon""#, "true", "null", "[1]"] {
            assert_eq!(scalar(other).into_f64(), None, "{other}");
        }
    }

    #[test]
    fn numbers_may_be_strings_but_must_be_finite() {
        assert_eq!(json_number(&json!(2)), Some(2.0));
        assert_eq!(json_number(&json!(1.25)), Some(1.25));
        assert_eq!(json_number(&json!(" 3.5 ")), Some(3.5));
        for other in [
            json!("soon"),
            json!("inf"),
            json!("NaN"),
            json!(null),
            json!(true),
            json!([1]),
            json!({"n": 1}),
        ] {
            assert_eq!(json_number(&other), None, "{other}");
        }
    }
}
