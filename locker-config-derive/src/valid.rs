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

#[cfg(test)]
mod tests {
    use syn::{DeriveInput, parse_quote};

    use crate::ast::Container;
    use crate::ctxt::Ctxt;

    /// Every error message the pipeline reports for `input`, in order.
    fn errors(input: DeriveInput) -> Vec<String> {
        let mut cx = Ctxt::default();
        if let Some(container) = Container::from_ast(&mut cx, &input) {
            super::check(&mut cx, &container);
        }
        match cx.check() {
            Ok(()) => Vec::new(),
            Err(err) => err.into_iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn nested_prefixes_default_to_the_field_name_and_may_flatten() {
        let input: DeriveInput = parse_quote! {
            struct App {
                #[locker(nested)]
                db: Db,
                #[locker(nested, prefix = "")]
                flat: Db,
                #[locker(nested, prefix = "REPLICA_DB_")]
                replica: Option<Db>,
                #[locker(nested)]
                r#type: Db,
            }
        };
        let mut cx = Ctxt::default();
        let container = Container::from_ast(&mut cx, &input).unwrap();
        let prefixes: Vec<(&str, bool)> = container
            .fields
            .iter()
            .map(|f| {
                let nested = f.nested.as_ref().unwrap();
                (nested.prefix.as_str(), nested.optional)
            })
            .collect();
        assert_eq!(
            prefixes,
            [
                ("DB_", false),
                ("", false),
                ("REPLICA_DB_", true),
                ("TYPE_", false)
            ]
        );
        assert!(cx.check().is_ok());
    }

    #[test]
    fn rules_are_read_in_any_order_and_combination() {
        let input: DeriveInput = parse_quote! {
            #[locker(validate = check_app)]
            struct App {
                #[locker(default = 443, default_in(dev = 8080, "prod-eu" = "1", r#test = -1))]
                port: i32,
                #[locker(required_in("prod", staging), alias = "SENTRY", alias = "DSN")]
                sentry_dsn: Option<String>,
                #[locker(delimiter = "::", validate = hosts::check)]
                hosts: Option<Secret<Vec<String>>>,
            }
        };
        let mut cx = Ctxt::default();
        let container = Container::from_ast(&mut cx, &input).unwrap();
        assert!(container.validate.is_some());
        let port = &container.fields[0];
        let envs: Vec<&str> = port
            .default_in
            .iter()
            .map(|d| d.environment.as_str())
            .collect();
        assert_eq!(envs, ["dev", "prod-eu", "test"]);
        let dsn = &container.fields[1];
        let required: Vec<&str> = dsn.required_in.iter().map(|(e, _)| e.as_str()).collect();
        assert_eq!(required, ["prod", "staging"]);
        let aliases: Vec<&str> = dsn.aliases.iter().map(|(a, _)| a.as_str()).collect();
        assert_eq!(aliases, ["SENTRY", "DSN"]);
        let hosts = &container.fields[2];
        assert_eq!(hosts.delimiter(), Some("::"));
        assert!(hosts.validate.is_some());
        assert_eq!(port.delimiter(), None);
        super::check(&mut cx, &container);
        assert!(cx.check().is_ok());
    }

    #[test]
    fn every_mistake_is_reported_at_once() {
        let found = errors(parse_quote! {
            #[locker(validate = a, validate = b, rename_all = "x")]
            struct App {
                #[locker(nested, default)]
                db: Db,
                #[locker(alias = "PORT")]
                port: u16,
                #[locker(required_in("prod"), delimiter = ",")]
                name: String,
                #[locker(nested, prefix = "DB_")]
                other: Db,
                #[locker(alais = "X")]
                x: u8,
            }
        });
        assert_eq!(
            found,
            [
                "duplicate `validate` attribute",
                "unknown attribute `rename_all`, expected one of `validate`",
                "unknown attribute `alais`, did you mean `alias`?",
                "`default` does not apply to a `nested` field; the nested struct's own fields \
                 carry their attributes",
                "alias `PORT` is the field's own key; an alias names an older key",
                "`required_in` needs an `Option` field: a field that is not an `Option` is \
                 required everywhere already (use `default_in` for per-environment defaults)",
                "`delimiter` applies to `Vec` fields only (also inside `Option` or `Secret`)",
                "prefix `DB_` is already used by field `db`; give each nested field its own prefix",
            ]
        );
    }

    #[test]
    fn field_keys_on_the_struct_are_pointed_to_fields() {
        let found = errors(parse_quote! {
            #[locker(default = 1)]
            struct App { port: u16 }
        });
        assert_eq!(
            found,
            ["`default` goes on fields; on the struct, only `validate` is allowed"]
        );
    }
}
