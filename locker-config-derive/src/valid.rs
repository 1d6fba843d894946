//! Checks across attributes and fields, after reading.

use std::collections::HashMap;

use proc_macro2::Span;

use crate::ast::{Container, Field, FieldKind, Leaf, Nested};
use crate::ctxt::Ctxt;

pub(crate) fn check(cx: &mut Ctxt, container: &Container<'_>) {
    if let Some((prefix, span)) = &container.env_prefix {
        check_env_prefix(cx, prefix, *span);
    }
    // Every key and alias the macro can see, with the field that reads it.
    let mut keys: HashMap<String, &str> = HashMap::new();
    let mut prefixes: HashMap<&str, &str> = HashMap::new();
    for field in &container.fields {
        match &field.kind {
            FieldKind::Nested(nested) => check_nested(cx, field, nested, &mut prefixes),
            FieldKind::Leaf(leaf) => check_leaf(cx, field, leaf, &mut keys),
        }
    }
}

/// An environment-variable prefix: upper-case ASCII, digits and `_`, not starting with a digit,
/// ending with `_` so the key stays readable (`MYAPP_PORT`); `""` reads the bare keys.
fn check_env_prefix(cx: &mut Ctxt, prefix: &str, span: Span) {
    let bad = prefix
        .chars()
        .any(|c| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
        || prefix.starts_with(|c: char| c.is_ascii_digit());
    if bad {
        cx.error_at(
            span,
            format!(
                "invalid env_prefix `{prefix}`: use upper-case ASCII letters, digits and `_`, \
                 not starting with a digit, such as `MYAPP_` (or `\"\"` for the bare keys)"
            ),
        );
    } else if !prefix.is_empty() && !prefix.ends_with('_') {
        cx.error_at(
            span,
            format!(
                "env_prefix `{prefix}` must end with `_`: write `\"{prefix}_\"`, so variables \
                 read `{prefix}_PORT`, not `{prefix}PORT`"
            ),
        );
    }
}

fn check_leaf<'a>(
    cx: &mut Ctxt,
    field: &'a Field<'_>,
    leaf: &Leaf<'_>,
    keys: &mut HashMap<String, &'a str>,
) {
    if leaf.key.is_empty() {
        cx.error_at(leaf.key_span, "the key must not be empty");
    }
    claim(cx, keys, &leaf.key, leaf.key_span, field, "key");
    for (alias, span) in &leaf.aliases {
        if alias.is_empty() {
            cx.error_at(*span, "an alias must not be empty");
        } else if *alias == leaf.key {
            cx.error_at(
                *span,
                format!("alias `{alias}` is the field's own key; an alias names an older key"),
            );
        } else {
            claim(cx, keys, alias, *span, field, "alias");
        }
    }
    check_presence(cx, leaf);
    check_parse(cx, leaf);
}

/// `default` and `default_in` need a field that can be absent; `required_in` one that may be.
fn check_presence(cx: &mut Ctxt, leaf: &Leaf<'_>) {
    let presence = &leaf.presence;
    let optional = leaf.optional();
    if let (true, Some((_, span))) = (optional, &presence.default) {
        cx.error_at(
            *span,
            "`default` on an `Option` field: an absent value is already `None`; \
             drop the `Option` or the `default`",
        );
    }
    if let (true, Some((_, span))) = (optional, &presence.default_in) {
        cx.error_at(
            *span,
            "`default_in` on an `Option` field: an absent value is already `None`; \
             drop the `Option` or the `default_in`",
        );
    }
    if let (false, Some((_, span))) = (optional, &presence.required_in) {
        cx.error_at(
            *span,
            "`required_in` needs an `Option` field: a field that is not an `Option` is \
             required everywhere already (use `default_in` for per-environment defaults)",
        );
    }
}

/// `json`, `with` and `delimiter` each decide how the value is parsed: at most one applies.
fn check_parse(cx: &mut Ctxt, leaf: &Leaf<'_>) {
    let parse = &leaf.parse;
    if let (Some(_), Some(json)) = (&parse.with, parse.json) {
        cx.error_at(json, "`json` and `with` cannot be combined on one field");
    }
    if let Some((delimiter, span)) = &parse.delimiter {
        if parse.json.is_some() || parse.with.is_some() {
            cx.error_at(
                *span,
                "`delimiter` does not apply with `json` or `with`: they parse the value whole",
            );
        } else if leaf.list_shape().is_none() {
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

    use crate::ast::{Container, FieldKind, Leaf};
    use crate::ctxt::Ctxt;

    fn leaf<'c>(container: &'c Container<'_>, index: usize) -> &'c Leaf<'c> {
        match &container.fields[index].kind {
            FieldKind::Leaf(leaf) => leaf,
            FieldKind::Nested(_) => panic!("field {index} is nested"),
        }
    }

    /// Every error message the pipeline reports for `input`, in order.
    fn errors(input: DeriveInput) -> Vec<String> {
        let mut cx = Ctxt::new();
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
        let mut cx = Ctxt::new();
        let container = Container::from_ast(&mut cx, &input).unwrap();
        let prefixes: Vec<(&str, bool)> = container
            .fields
            .iter()
            .map(|f| match &f.kind {
                FieldKind::Nested(nested) => (nested.prefix.as_str(), nested.optional),
                FieldKind::Leaf(_) => panic!("{} is nested", f.name),
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
        let mut cx = Ctxt::new();
        let container = Container::from_ast(&mut cx, &input).unwrap();
        assert!(container.validate.is_some());
        let port = leaf(&container, 0);
        let envs: Vec<&str> = port
            .default_in()
            .iter()
            .map(|d| d.environment.as_str())
            .collect();
        assert_eq!(envs, ["dev", "prod-eu", "test"]);
        let dsn = leaf(&container, 1);
        let required: Vec<&str> = dsn.required_in().collect();
        assert_eq!(required, ["prod", "staging"]);
        let aliases: Vec<&str> = dsn.aliases.iter().map(|(a, _)| a.as_str()).collect();
        assert_eq!(aliases, ["SENTRY", "DSN"]);
        let hosts = leaf(&container, 2);
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
                "unknown attribute `rename_all`, expected one of `validate`, `env_prefix`",
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
            [
                "`default` goes on fields; on the struct, only `validate` and `env_prefix` are allowed"
            ]
        );
    }

    #[test]
    fn env_prefix_is_read_from_the_struct() {
        let input: DeriveInput = parse_quote! {
            #[locker(env_prefix = "MYAPP_2_")]
            struct App { port: u16 }
        };
        let mut cx = Ctxt::new();
        let container = Container::from_ast(&mut cx, &input).unwrap();
        let prefix = container.env_prefix.as_ref().map(|(p, _)| p.as_str());
        assert_eq!(prefix, Some("MYAPP_2_"));
        super::check(&mut cx, &container);
        assert!(cx.check().is_ok());
        for ok in ["", "_", "A_", "_X_"] {
            let found = errors(parse_quote! {
                #[locker(env_prefix = #ok)]
                struct App { port: u16 }
            });
            assert!(found.is_empty(), "{ok:?}: {found:?}");
        }
    }

    #[test]
    fn env_prefix_mistakes() {
        let invalid = |p: &str| {
            format!(
                "invalid env_prefix `{p}`: use upper-case ASCII letters, digits and `_`, not \
                 starting with a digit, such as `MYAPP_` (or `\"\"` for the bare keys)"
            )
        };
        for bad in ["myapp_", "MY-APP_", "MY=APP_", "1APP_", "MY APP_", "É_"] {
            let found = errors(parse_quote! {
                #[locker(env_prefix = #bad)]
                struct App { port: u16 }
            });
            assert_eq!(found, [invalid(bad)]);
        }
        let found = errors(parse_quote! {
            #[locker(env_prefix = "MYAPP", env_prefix = "OTHER_")]
            #[locker(env_prefix = 1)]
            struct App {
                #[locker(env_prefix = "X_")]
                port: u16,
            }
        });
        assert_eq!(
            found,
            [
                "duplicate `env_prefix` attribute",
                "expected a string literal: `env_prefix = \"MYAPP_\"`",
                "duplicate `env_prefix` attribute",
                "`env_prefix` goes on the struct: `#[locker(env_prefix = \"MYAPP_\")]` above \
                 `struct …`; a nested field's keys take `prefix`",
                "env_prefix `MYAPP` must end with `_`: write `\"MYAPP_\"`, so variables read \
                 `MYAPP_PORT`, not `MYAPPPORT`",
            ]
        );
    }
}
