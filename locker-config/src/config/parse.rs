//! Turning stored strings into typed values.
//!
//! A [`Parser`] pairs a parse function with the *expected form* shown when a value does not
//! parse ("a duration such as 30s"), and the same form for several values, used when it parses
//! list items ("durations such as 30s"). Whoever names a form names both: the derive for
//! `FromStr` types, this module for its own parsers. Parsers never keep the input or the
//! underlying error message: `FromStr` and serde errors may echo the value, and values can be
//! secrets.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::de::DeserializeOwned;
use zeroize::{Zeroize, Zeroizing};

use crate::secret::Secret;

type ParseFn<T> = Box<dyn Fn(&str) -> Option<T> + Send + Sync>;

/// Parses one stored value into a field's type.
pub struct Parser<T> {
    parse: ParseFn<T>,
    expected: String,
    expected_items: String,
}

impl<T> Parser<T> {
    /// `expected`: the form of one value; `expected_items`: of several, as list items.
    fn new(
        expected: impl Into<String>,
        expected_items: impl Into<String>,
        parse: impl Fn(&str) -> Option<T> + Send + Sync + 'static,
    ) -> Self {
        Parser {
            parse: Box::new(parse),
            expected: expected.into(),
            expected_items: expected_items.into(),
        }
    }

    /// Parses `raw`; `None` when it is not of the expected form.
    pub(crate) fn parse(&self, raw: &str) -> Option<T> {
        (self.parse)(raw)
    }

    /// What a valid value looks like, e.g. "a duration such as 30s".
    pub(crate) fn expected(&self) -> &str {
        &self.expected
    }
}

impl<T> fmt::Debug for Parser<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Parser")
            .field("expected", &self.expected)
            .field("expected_items", &self.expected_items)
            .finish_non_exhaustive()
    }
}

/// Any `FromStr` type; `expected` is the form named in errors ("an integer from 0 to 255"),
/// `items` the same for list items ("integers from 0 to 255").
pub fn from_str<T: FromStr + 'static>(expected: &'static str, items: &'static str) -> Parser<T> {
    Parser::new(expected, items, |raw| raw.parse().ok())
}

/// `bool`, leniently: true/false, 1/0, yes/no, on/off, in any case, surrounding spaces ignored.
pub fn boolean() -> Parser<bool> {
    const FORM: &str = "true/false, 1/0, yes/no or on/off";
    Parser::new(FORM, format!("booleans ({FORM})"), |raw| {
        let raw = raw.trim();
        const TRUE: [&str; 4] = ["true", "1", "yes", "on"];
        const FALSE: [&str; 4] = ["false", "0", "no", "off"];
        if TRUE.iter().any(|t| raw.eq_ignore_ascii_case(t)) {
            Some(true)
        } else if FALSE.iter().any(|f| raw.eq_ignore_ascii_case(f)) {
            Some(false)
        } else {
            None
        }
    })
}

/// `Duration` in human form: `30s`, `5m`, `1h30m`, `250ms`.
pub fn duration() -> Parser<Duration> {
    Parser::new("a duration such as 30s", "durations such as 30s", |raw| {
        humantime::parse_duration(raw.trim()).ok()
    })
}

/// `Vec<T>` from a list whose items are separated by `delimiter` (`,` by default); items are
/// trimmed, an empty value is an empty list. A backslash escapes the delimiter inside an item
/// (`a\,b` is one item `a,b`), and `\\` is one backslash; any other backslash is kept.
pub fn list<T: 'static>(item: Parser<T>, delimiter: &'static str) -> Parser<Vec<T>> {
    let items = &item.expected_items;
    let (expected, expected_items) = if delimiter == "," {
        (
            format!("a comma-separated list of {items}"),
            format!("comma-separated lists of {items}"),
        )
    } else {
        (
            format!("a list of {items} separated by `{delimiter}`"),
            format!("lists of {items} separated by `{delimiter}`"),
        )
    };
    Parser::new(expected, expected_items, move |raw| {
        if raw.trim().is_empty() {
            return Some(Vec::new());
        }
        split_list(raw, delimiter)
            .iter()
            .map(|part| item.parse(part.trim()))
            .collect()
    })
}

/// Splits `raw` on `delimiter`, honouring `\\` escapes. The pieces are wiped on drop: they
/// are parts of a value that may be secret.
pub(crate) fn split_list(raw: &str, delimiter: &str) -> Vec<Zeroizing<String>> {
    let mut items = vec![Zeroizing::new(String::new())];
    let mut rest = raw;
    while let Some(c) = rest.chars().next() {
        let current = items.last_mut().expect("never empty");
        if !delimiter.is_empty() && rest.starts_with(delimiter) {
            items.push(Zeroizing::new(String::new()));
            rest = &rest[delimiter.len()..];
        } else if c == '\\' && !delimiter.is_empty() && rest[1..].starts_with(delimiter) {
            current.push_str(delimiter);
            rest = &rest[1 + delimiter.len()..];
        } else if rest.starts_with("\\\\") {
            current.push('\\');
            rest = &rest[2..];
        } else {
            current.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    items
}

/// `Secret<T>`: parsed like `T`, then wrapped.
pub fn secret<T: Zeroize + 'static>(inner: Parser<T>) -> Parser<Secret<T>> {
    let expected = inner.expected.clone();
    let expected_items = inner.expected_items.clone();
    Parser::new(expected, expected_items, move |raw| {
        inner.parse(raw).map(Secret::new)
    })
}

/// A field marked `json`: deserialized with serde. `ty` is the type as written.
pub fn json<T: DeserializeOwned + 'static>(ty: &'static str) -> Parser<T> {
    Parser::new(
        format!("JSON for {ty}"),
        format!("JSON values for {ty}"),
        |raw| serde_json::from_str(raw).ok(),
    )
}

/// A field with `with = path`: the user's function decides. `name` is the path as written.
pub fn with<T, E, F>(parse: F, name: &'static str) -> Parser<T>
where
    F: Fn(&str) -> Result<T, E> + Send + Sync + 'static,
    E: fmt::Display,
{
    Parser::new(
        format!("a value accepted by `{name}`"),
        format!("values accepted by `{name}`"),
        move |raw| parse(raw).ok(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booleans_are_lenient() {
        let p = boolean();
        for t in ["true", "TRUE", " yes ", "On", "1"] {
            assert_eq!(p.parse(t), Some(true), "{t}");
        }
        for f in ["false", "No", "off", "0"] {
            assert_eq!(p.parse(f), Some(false), "{f}");
        }
        assert_eq!(p.parse("maybe"), None);
    }

    #[test]
    fn durations_in_human_form() {
        let p = duration();
        assert_eq!(p.parse("30s"), Some(Duration::from_secs(30)));
        assert_eq!(p.parse("1h30m"), Some(Duration::from_secs(5400)));
        assert_eq!(p.parse("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(p.parse("soon"), None);
    }

    #[test]
    fn lists_split_on_commas() {
        let p = list(
            from_str::<u16>("an integer from 0 to 65535", "integers from 0 to 65535"),
            ",",
        );
        assert_eq!(p.parse("1, 2,3"), Some(vec![1, 2, 3]));
        assert_eq!(p.parse(""), Some(vec![]));
        assert_eq!(p.parse("1,x"), None);
        assert_eq!(
            p.expected(),
            "a comma-separated list of integers from 0 to 65535"
        );
        let d = list(duration(), ",");
        assert_eq!(d.parse("1s,2m").map(|v| v.len()), Some(2));
        assert_eq!(
            d.expected(),
            "a comma-separated list of durations such as 30s"
        );
        assert_eq!(
            list(boolean(), ",").expected(),
            "a comma-separated list of booleans (true/false, 1/0, yes/no or on/off)"
        );
        let nested = list(list(duration(), ","), ";");
        assert_eq!(
            nested.expected(),
            "a list of comma-separated lists of durations such as 30s separated by `;`"
        );
        let secrets = list(secret(from_str::<String>("text", "text items")), ",");
        assert_eq!(secrets.expected(), "a comma-separated list of text items");
    }

    #[test]
    fn lists_split_on_other_delimiters_with_escapes() {
        let split = |raw: &str, d: &str| -> Vec<String> {
            split_list(raw, d).iter().map(|s| s.to_string()).collect()
        };
        assert_eq!(split("a;b;c", ";"), ["a", "b", "c"]);
        assert_eq!(split(r"a\;b;c", ";"), ["a;b", "c"]);
        assert_eq!(split(r"a\\;b", ";"), ["a\\", "b"]);
        assert_eq!(split(r"C:\dir,x", ","), [r"C:\dir", "x"]);
        assert_eq!(split("a::b::", "::"), ["a", "b", ""]);
        assert_eq!(split(r"a\::b", "::"), ["a::b"]);
        assert_eq!(split("é;ü", ";"), ["é", "ü"]);
        assert_eq!(split("trailing\\", ";"), ["trailing\\"]);
        let p = list(from_str::<String>("text", "text items"), ";");
        assert_eq!(
            p.parse(r"a,b; c\;d"),
            Some(vec!["a,b".to_owned(), "c;d".to_owned()])
        );
        assert_eq!(p.expected(), "a list of text items separated by `;`");
    }

    #[test]
    fn secrets_and_json() {
        let p = secret(from_str::<u16>("an integer", "integers"));
        assert_eq!(p.parse("5").map(|s| *s.expose_secret()), Some(5));
        let j = json::<Vec<u8>>("Vec<u8>");
        assert_eq!(j.parse("[1,2]"), Some(vec![1, 2]));
        assert_eq!(j.expected(), "JSON for Vec<u8>");
    }
}
