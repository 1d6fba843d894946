//! Lenient readings of single JSON values, as the [`wire`](crate::wire) types read their
//! fields: a value of another type counts as absent, never as an error.
//!
//! For clients that look at a few fields of a record without parsing all of it (a
//! [`RawValue`] borrowed from the page), and at loose numbers such as a revision date.
//!
//! ```
//! use locker_protocol::lenient::{json_number, raw_id, raw_string};
//! use serde_json::value::RawValue;
//!
//! let id: &RawValue = serde_json::from_str("7").unwrap();
//! assert_eq!(raw_id(Some(id)).as_deref(), Some("7"));
//! let hash: &RawValue = serde_json::from_str(r#""h\u0041""#).unwrap();
//! assert_eq!(raw_string(Some(hash)).as_deref(), Some("hA"));
//! assert_eq!(json_number(&serde_json::json!("1.5")), Some(1.5));
//! ```

use std::borrow::Cow;

use serde_json::Value;
use serde_json::value::RawValue;

/// A JSON string's text, unescaped (borrowed when it has no escapes); `None` for a missing
/// value, `null`, another type or an empty string.
pub fn raw_string(v: Option<&RawValue>) -> Option<Cow<'_, str>> {
    let text = v?.get();
    if !text.starts_with('"') {
        return None;
    }
    // A raw value is valid JSON: a string without escapes is the text between its quotes.
    let s = match text.get(1..text.len() - 1) {
        Some(inner) if !inner.contains('\\') => Cow::Borrowed(inner),
        _ => Cow::Owned(serde_json::from_str::<String>(text).ok()?),
    };
    Some(s).filter(|s| !s.is_empty())
}

/// An id sent as a string or a number, as [`WireSecret::id`](crate::wire::WireSecret::id)
/// reads it; `None` for a missing value or another type. An empty string is `None` too.
pub fn raw_id(v: Option<&RawValue>) -> Option<String> {
    let text = v?.get();
    match text.as_bytes().first() {
        Some(b'"') => raw_string(v).map(Cow::into_owned),
        Some(b'-' | b'0'..=b'9') => Some(text.to_owned()),
        _ => None,
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

    fn raw(text: &str) -> &RawValue {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn strings_are_unescaped_and_other_types_are_absent() {
        assert_eq!(raw_string(Some(raw(r#""abc""#))).as_deref(), Some("abc"));
        assert!(matches!(
            raw_string(Some(raw(r#""abc""#))),
            Some(Cow::Borrowed(_))
        ));
        assert_eq!(raw_string(Some(raw(r#""a\"b""#))).as_deref(), Some("a\"b"));
        for other in [r#""""#, "null", "7", "true", r#"{"a":1}"#, "[1]"] {
            assert_eq!(raw_string(Some(raw(other))), None, "{other}");
        }
        assert_eq!(raw_string(None), None);
    }

    #[test]
    fn ids_are_strings_or_numbers() {
        assert_eq!(raw_id(Some(raw("7"))).as_deref(), Some("7"));
        assert_eq!(raw_id(Some(raw("-3"))).as_deref(), Some("-3"));
        assert_eq!(raw_id(Some(raw(r#""e-1""#))).as_deref(), Some("e-1"));
        for other in [r#""""#, "null", "false", r#"{"id":1}"#, "[]"] {
            assert_eq!(raw_id(Some(raw(other))), None, "{other}");
        }
        assert_eq!(raw_id(None), None);
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
