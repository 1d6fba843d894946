//! Reading `#[locker(...)]` attributes, every mistake recorded in the [`Ctxt`].

use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::meta::ParseNestedMeta;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, ExprLit, ExprUnary, Ident, Lit, LitStr, Path, Token, UnOp};

use crate::ctxt::Ctxt;
use crate::symbol::{
    ALIAS, CONTAINER_KEYS, DEFAULT, DEFAULT_IN, DELIMITER, ENV_PREFIX, FIELD_KEYS, JSON, KEY,
    LOCKER, NESTED, PREFIX, REQUIRED_IN, VALIDATE, WITH,
};

/// A field's `default`, or one entry of its `default_in(…)`.
pub(crate) enum DefaultAttr {
    /// `default = "…"`: parsed like a stored value, at load time.
    Str(LitStr),
    /// `default = 8080`: a typed literal.
    Typed(Expr),
    /// Bare `default`: `Default::default()`.
    Trait,
}

/// One `env = value` entry of `default_in(…)`.
pub(crate) struct DefaultIn {
    pub(crate) environment: String,
    pub(crate) span: Span,
    pub(crate) value: DefaultAttr,
}

/// Everything `#[locker(...)]` said about one field.
#[derive(Default)]
pub(crate) struct FieldAttrs {
    pub(crate) key: Option<LitStr>,
    pub(crate) default: Option<(DefaultAttr, Span)>,
    pub(crate) default_in: Option<(Vec<DefaultIn>, Span)>,
    pub(crate) required_in: Option<(Vec<(String, Span)>, Span)>,
    pub(crate) aliases: Vec<LitStr>,
    pub(crate) with: Option<Path>,
    pub(crate) json: Option<Span>,
    pub(crate) validate: Option<Path>,
    pub(crate) delimiter: Option<LitStr>,
    pub(crate) nested: Option<Span>,
    pub(crate) prefix: Option<LitStr>,
    /// Every attribute given, by name, at its name: for rules across attributes.
    pub(crate) given: Vec<(&'static str, Span)>,
}

/// What `#[locker(...)]` said about the struct.
#[derive(Default)]
pub(crate) struct ContainerAttrs {
    pub(crate) validate: Option<Path>,
    pub(crate) env_prefix: Option<LitStr>,
}

pub(crate) fn container(cx: &mut Ctxt, attrs: &[Attribute]) -> ContainerAttrs {
    let mut out = ContainerAttrs::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident(LOCKER)) {
        let result = attr.parse_nested_meta(|meta| {
            let span = meta.path.span();
            if meta.path.is_ident(VALIDATE) {
                let path = path_value(cx, &meta, "`validate = check_config`")?;
                set_once(cx, &mut out.validate, path, span, VALIDATE);
            } else if meta.path.is_ident(ENV_PREFIX) {
                let lit = str_value(cx, &meta, "`env_prefix = \"MYAPP_\"`")?;
                set_once(cx, &mut out.env_prefix, lit, span, ENV_PREFIX);
            } else {
                let name = name_of(&meta.path);
                skip_value(&meta)?;
                let message = match FIELD_KEYS.iter().find(|k| **k == name) {
                    Some(_) => format!(
                        "`{name}` goes on fields; on the struct, only `validate` and \
                         `env_prefix` are allowed"
                    ),
                    None => unknown_key(&name, CONTAINER_KEYS),
                };
                cx.error_at(span, message);
            }
            Ok(())
        });
        if let Err(err) = result {
            cx.syn_error(err);
        }
    }
    out
}

pub(crate) fn field(cx: &mut Ctxt, attrs: &[Attribute]) -> FieldAttrs {
    let mut out = FieldAttrs::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident(LOCKER)) {
        let result = attr.parse_nested_meta(|meta| field_meta(cx, &mut out, &meta));
        if let Err(err) = result {
            cx.syn_error(err);
        }
    }
    out
}

fn field_meta(cx: &mut Ctxt, out: &mut FieldAttrs, meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    let path = &meta.path;
    let span = path.span();
    let Some(known) = FIELD_KEYS.iter().copied().find(|k| path.is_ident(k)) else {
        skip_value(meta)?;
        let message = if path.is_ident(ENV_PREFIX) {
            "`env_prefix` goes on the struct: `#[locker(env_prefix = \"MYAPP_\")]` above \
             `struct …`; a nested field's keys take `prefix`"
                .to_owned()
        } else {
            unknown_key(&name_of(path), FIELD_KEYS)
        };
        cx.error_at(span, message);
        return Ok(());
    };
    out.given.push((known, span));
    match known {
        KEY => {
            let lit = str_value(cx, meta, "`key = \"HTTP_PORT\"`")?;
            set_once(cx, &mut out.key, lit, span, KEY);
        }
        DEFAULT => {
            let value = default(cx, meta)?.map(|v| (v, span));
            set_once(cx, &mut out.default, value, span, DEFAULT);
        }
        DEFAULT_IN => {
            let entries = default_in(cx, meta)?.map(|e| (e, span));
            set_once(cx, &mut out.default_in, entries, span, DEFAULT_IN);
        }
        REQUIRED_IN => {
            let environments = required_in(cx, meta)?.map(|e| (e, span));
            set_once(cx, &mut out.required_in, environments, span, REQUIRED_IN);
        }
        ALIAS => {
            if let Some(lit) = str_value(cx, meta, "`alias = \"OLD_KEY\"`")? {
                if out.aliases.iter().any(|a| a.value() == lit.value()) {
                    cx.error_at(lit.span(), format!("duplicate alias `{}`", lit.value()));
                } else {
                    out.aliases.push(lit);
                }
            }
        }
        WITH => {
            let parsed = path_value(cx, meta, "`with = parse_level`")?;
            set_once(cx, &mut out.with, parsed, span, WITH);
        }
        VALIDATE => {
            let parsed = path_value(cx, meta, "`validate = check_port`")?;
            set_once(cx, &mut out.validate, parsed, span, VALIDATE);
        }
        DELIMITER => {
            let lit = str_value(cx, meta, "`delimiter = \";\"`")?;
            set_once(cx, &mut out.delimiter, lit, span, DELIMITER);
        }
        PREFIX => {
            let lit = str_value(cx, meta, "`prefix = \"DB_\"`")?;
            set_once(cx, &mut out.prefix, lit, span, PREFIX);
        }
        JSON => flag(cx, &mut out.json, meta, JSON)?,
        NESTED => flag(cx, &mut out.nested, meta, NESTED)?,
        _ => unreachable!("every name of FIELD_KEYS is handled"),
    }
    Ok(())
}

/// A flag such as `json`: no value, at most once.
fn flag(
    cx: &mut Ctxt,
    slot: &mut Option<Span>,
    meta: &ParseNestedMeta<'_>,
    name: &str,
) -> syn::Result<()> {
    let span = meta.path.span();
    if meta.input.peek(Token![=]) || meta.input.peek(syn::token::Paren) {
        skip_value(meta)?;
        cx.error_at(
            span,
            format!("`{name}` takes no value: write `#[locker({name})]`"),
        );
    } else {
        set_once(cx, slot, Some(span), span, name);
    }
    Ok(())
}

/// `default = <literal>` or bare `default`.
fn default(cx: &mut Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<Option<DefaultAttr>> {
    if !meta.input.peek(Token![=]) {
        return Ok(Some(DefaultAttr::Trait));
    }
    let expr: Expr = meta.value()?.parse()?;
    Ok(default_literal(
        cx,
        expr,
        "expected a literal: `default = 8080` or `default = \"30s\"`; \
         use bare `default` for `Default::default()`",
    ))
}

/// Records `value` in `slot`, or a duplicate error when the attribute was already given.
fn set_once<T>(cx: &mut Ctxt, slot: &mut Option<T>, value: Option<T>, span: Span, name: &str) {
    if slot.is_some() {
        cx.error_at(span, format!("duplicate `{name}` attribute"));
    } else if value.is_some() {
        *slot = value;
    }
}

/// `= "…"`: a string literal, else an error naming the expected `example`.
fn str_value(
    cx: &mut Ctxt,
    meta: &ParseNestedMeta<'_>,
    example: &str,
) -> syn::Result<Option<LitStr>> {
    let expr: Expr = meta.value()?.parse()?;
    Ok(match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) => Some(lit),
        other => {
            cx.error_spanned_by(other, format!("expected a string literal: {example}"));
            None
        }
    })
}

/// `= path`: a path to a function, else an error naming the expected `example`.
fn path_value(
    cx: &mut Ctxt,
    meta: &ParseNestedMeta<'_>,
    example: &str,
) -> syn::Result<Option<Path>> {
    let expr: Expr = meta.value()?.parse()?;
    Ok(match expr {
        Expr::Path(p) if p.qself.is_none() => Some(p.path),
        other => {
            cx.error_spanned_by(other, format!("expected a path to a function: {example}"));
            None
        }
    })
}

/// A literal default: a string (parsed at load time) or a typed literal such as `8080`, `-1`,
/// `0.5` or `true`.
fn default_literal(cx: &mut Ctxt, expr: Expr, message: &str) -> Option<DefaultAttr> {
    let literal = match &expr {
        Expr::Lit(_) => true,
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_),
            expr: inner,
            ..
        }) => matches!(**inner, Expr::Lit(_)),
        _ => false,
    };
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) => Some(DefaultAttr::Str(lit)),
        expr if literal => Some(DefaultAttr::Typed(expr)),
        other => {
            cx.error_spanned_by(other, message);
            None
        }
    }
}

/// An environment name in `default_in(…)` or `required_in(…)`: `dev` or `"prod-eu"`.
fn environment_name(input: syn::parse::ParseStream<'_>) -> syn::Result<(String, Span)> {
    if input.peek(LitStr) {
        let lit: LitStr = input.parse()?;
        Ok((lit.value(), lit.span()))
    } else {
        let ident = Ident::parse_any(input)?;
        Ok((ident.unraw().to_string(), ident.span()))
    }
}

/// `default_in(dev = 8080, "prod-eu" = "1")`.
fn default_in(cx: &mut Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<Option<Vec<DefaultIn>>> {
    let content;
    syn::parenthesized!(content in meta.input);
    let raw =
        Punctuated::<(String, Span, Expr), Token![,]>::parse_terminated_with(&content, |input| {
            let (environment, span) = environment_name(input)?;
            input.parse::<Token![=]>()?;
            Ok((environment, span, input.parse()?))
        })?;
    let given = raw.len();
    let mut entries: Vec<DefaultIn> = Vec::new();
    for (environment, span, expr) in raw {
        let value = default_literal(
            cx,
            expr,
            "expected a literal: `default_in(dev = 8080)` or `default_in(dev = \"30s\")`",
        );
        if entries.iter().any(|e| e.environment == environment) {
            cx.error_at(
                span,
                format!("environment `{environment}` appears twice in `default_in`"),
            );
        } else if let Some(value) = value {
            entries.push(DefaultIn {
                environment,
                span,
                value,
            });
        }
    }
    if given == 0 {
        cx.error_at(
            meta.path.span(),
            "`default_in` needs at least one entry: `default_in(dev = 8080)`",
        );
    }
    if entries.is_empty() {
        return Ok(None);
    }
    Ok(Some(entries))
}

/// `required_in("prod", staging)`.
fn required_in(
    cx: &mut Ctxt,
    meta: &ParseNestedMeta<'_>,
) -> syn::Result<Option<Vec<(String, Span)>>> {
    let content;
    syn::parenthesized!(content in meta.input);
    let raw =
        Punctuated::<(String, Span), Token![,]>::parse_terminated_with(&content, environment_name)?;
    let mut environments: Vec<(String, Span)> = Vec::new();
    for (environment, span) in raw {
        if environments.iter().any(|(e, _)| *e == environment) {
            cx.error_at(
                span,
                format!("environment `{environment}` appears twice in `required_in`"),
            );
        } else {
            environments.push((environment, span));
        }
    }
    if environments.is_empty() {
        cx.error_at(
            meta.path.span(),
            "`required_in` needs at least one environment: `required_in(\"prod\")`",
        );
        return Ok(None);
    }
    Ok(Some(environments))
}

/// Skips an unknown attribute's value so the remaining ones are still checked.
fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        let _: Expr = meta.value()?.parse()?;
    } else if meta.input.peek(syn::token::Paren) {
        let content;
        syn::parenthesized!(content in meta.input);
        let _: proc_macro2::TokenStream = content.parse()?;
    }
    Ok(())
}

fn name_of(path: &Path) -> String {
    path.get_ident()
        .map(ToString::to_string)
        .unwrap_or_else(|| crate::ty::written(path))
}

fn unknown_key(name: &str, known: &[&str]) -> String {
    let best = known
        .iter()
        .map(|k| (strsim::jaro_winkler(k, name), *k))
        .filter(|(score, _)| *score > 0.7)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    match best {
        Some((_, k)) => format!("unknown attribute `{name}`, did you mean `{k}`?"),
        None => {
            let list: Vec<String> = known.iter().map(|k| format!("`{k}`")).collect();
            format!(
                "unknown attribute `{name}`, expected one of {}",
                list.join(", ")
            )
        }
    }
}
