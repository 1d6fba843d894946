//! Checks across attributes and fields, after reading.

use std::collections::HashMap;

use proc_macro2::Span;

use crate::ast::{Container, Field, Nested};
use crate::ctxt::Ctxt;
use crate::symbol::{NESTED, PREFIX, VALIDATE};
use crate::ty::Shape;

pub(crate) fn check(cx: &mut Ctxt, container: &Container<'_>) {
    // Every key and alias the macro can see, with the field that reads it.
    let mut keys: HashMap<String, &str> = HashMap::new();
    let mut prefixes: HashMap<&str, &str> = HashMap::new();
    for field in &container.fields {
        match &field.nested {
            Some(nested) => check_nested(cx, field, nested, &mut prefixes),
            None => check_leaf(cx, field, &mut keys),
        }
    }
}

fn check_leaf<'a>(cx: &mut Ctxt, field: &'a Field<'_>, keys: &mut HashMap<String, &'a str>) {
    if field.key.is_empty() {
        cx.error_at(field.key_span, "the key must not be empty");
    }
    claim(cx, keys, &field.key, field.key_span, field, "key");
    for (alias, span) in &field.aliases {
        if alias.is_empty() {
            cx.error_at(*span, "an alias must not be empty");
        } else if *alias == field.key {
            cx.error_at(
                *span,
                format!("alias `{alias}` is the field's own key; an alias names an older key"),
            );
        } else {
            claim(cx, keys, alias, *span, field, "alias");
        }
    }
    let optional = matches!(field.shape, Shape::Option(_));
    if let (true, Some((_, span))) = (optional, &field.default) {
        cx.error_at(
            *span,
            "`default` on an `Option` field: an absent value is already `None`; \
             drop the `Option` or the `default`",
        );
    }
    if let (true, Some(span)) = (optional, field.default_in_span) {
        cx.error_at(
            span,
            "`default_in` on an `Option` field: an absent value is already `None`; \
             drop the `Option` or the `default_in`",
        );
    }
    if let (false, Some(span)) = (optional, field.required_in_span) {
        cx.error_at(
            span,
            "`required_in` needs an `Option` field: a field that is not an `Option` is \
             required everywhere already (use `default_in` for per-environment defaults)",
        );
    }
    if let (Some(_), Some(json)) = (&field.with, field.json) {
        cx.error_at(json, "`json` and `with` cannot be combined on one field");
    }
    if let Some((delimiter, span)) = &field.delimiter {
        if field.json.is_some() || field.with.is_some() {
            cx.error_at(
                *span,
                "`delimiter` does not apply with `json` or `with`: they parse the value whole",
            );
        } else if field.list_shape().is_none() {
            cx.error_at(
                *span,
                "`delimiter` applies to `Vec` fields only (also inside `Option` or `Secret`)",
            );
        } else if delimiter.is_empty() {
            cx.error_at(*span, "the delimiter must not be empty");
        } else if delimiter.contains('\\') {
            cx.error_at(
                *span,
                "the delimiter must not contain `\\`: a backslash escapes the delimiter",
            );
        }
    }
    if let Some((_, span)) = field.given.iter().find(|(name, _)| *name == PREFIX) {
        cx.error_at(
            *span,
            "`prefix` applies to `nested` fields only: `#[locker(nested, prefix = \"DB_\")]`",
        );
    }
}

/// Records that `field` reads `key`, or reports the field that already does.
fn claim<'a>(
    cx: &mut Ctxt,
    keys: &mut HashMap<String, &'a str>,
    key: &str,
    span: Span,
    field: &'a Field<'_>,
    what: &str,
) {
    match keys.get(key) {
        Some(first) => cx.error_at(
            span,
            format!(
                "{what} `{key}` is already used by field `{first}`; each field needs its own key"
            ),
        ),
        None => {
            keys.insert(key.to_owned(), &field.name);
        }
    }
}

fn check_nested<'a>(
    cx: &mut Ctxt,
    field: &'a Field<'_>,
    nested: &'a Nested<'_>,
    prefixes: &mut HashMap<&'a str, &'a str>,
) {
    for (name, span) in &field.given {
        if ![NESTED, PREFIX].contains(name) {
            let hint = if *name == VALIDATE {
                "; put `#[locker(validate = …)]` on the nested struct instead"
            } else {
                "; the nested struct's own fields carry their attributes"
            };
            cx.error_at(
                *span,
                format!("`{name}` does not apply to a `nested` field{hint}"),
            );
        }
    }
    let prefix = nested.prefix.as_str();
    let bad = prefix
        .chars()
        .any(|c| !(c.is_ascii_alphanumeric() || c == '_'))
        || prefix.starts_with(|c: char| c.is_ascii_digit());
    if bad {
        cx.error_at(
            nested.prefix_span,
            format!(
                "invalid prefix `{prefix}`: use ASCII letters, digits and `_`, not starting \
                 with a digit, such as `DB_` (or `\"\"` to flatten)"
            ),
        );
    } else if !prefix.is_empty() {
        match prefixes.get(prefix) {
            Some(first) => cx.error_at(
                nested.prefix_span,
                format!(
                    "prefix `{prefix}` is already used by field `{first}`; give each nested \
                     field its own prefix"
                ),
            ),
            None => {
                prefixes.insert(prefix, &field.name);
            }
        }
    }
}
