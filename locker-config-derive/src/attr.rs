//! Reading `#[locker(...)]` attributes, every mistake recorded in the [`Ctxt`].

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, ExprLit, ExprUnary, Lit, LitStr, Path, Token, UnOp};

use crate::ctxt::Ctxt;
use crate::symbol::{DEFAULT, FIELD_KEYS, JSON, KEY, LOCKER, WITH};

/// A field's `default`.
pub(crate) enum DefaultAttr {
    /// `default = "…"`: parsed like a stored value, at load time.
    Str(LitStr),
    /// `default = 8080`: a typed literal.
    Typed(Expr),
    /// Bare `default`: `Default::default()`.
    Trait,
}

/// Everything `#[locker(...)]` said about one field.
#[derive(Default)]
pub(crate) struct FieldAttrs {
    pub(crate) key: Option<LitStr>,
    pub(crate) default: Option<(DefaultAttr, Span)>,
    pub(crate) with: Option<Path>,
    pub(crate) json: Option<Span>,
}

/// Rejects `#[locker]` on the struct itself: there are no container attributes.
pub(crate) fn container(cx: &mut Ctxt, attrs: &[Attribute]) {
    for attr in attrs.iter().filter(|a| a.path().is_ident(LOCKER)) {
        cx.error_spanned_by(
            attr,
            "`#[locker(...)]` goes on fields; there are no struct-level options",
        );
    }
}

pub(crate) fn field(cx: &mut Ctxt, attrs: &[Attribute]) -> FieldAttrs {
    let mut out = FieldAttrs::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident(LOCKER)) {
        let result = attr.parse_nested_meta(|meta| {
            let path = &meta.path;
            let name = path
                .get_ident()
                .map(ToString::to_string)
                .unwrap_or_else(|| crate::ty::written(path));
            let span = path.span();
            if path.is_ident(KEY) {
                let expr: Expr = meta.value()?.parse()?;
                let lit = match expr {
                    Expr::Lit(ExprLit {
                        lit: Lit::Str(lit), ..
                    }) => Some(lit),
                    other => {
                        cx.error_spanned_by(
                            other,
                            "expected a string literal: `key = \"HTTP_PORT\"`",
                        );
                        None
                    }
                };
                if out.key.is_some() {
                    cx.error_at(span, "duplicate `key` attribute");
                } else {
                    out.key = lit;
                }
            } else if path.is_ident(DEFAULT) {
                let value = if meta.input.peek(Token![=]) {
                    let expr: Expr = meta.value()?.parse()?;
                    let literal = match &expr {
                        Expr::Lit(_) => true,
                        Expr::Unary(ExprUnary {
                            op: UnOp::Neg(_),
                            expr: inner,
                            ..
                        }) => {
                            matches!(**inner, Expr::Lit(_))
                        }
                        _ => false,
                    };
                    match expr {
                        Expr::Lit(ExprLit {
                            lit: Lit::Str(lit), ..
                        }) => Some(DefaultAttr::Str(lit)),
                        expr if literal => Some(DefaultAttr::Typed(expr)),
                        other => {
                            cx.error_spanned_by(
                                other,
                                "expected a literal: `default = 8080` or `default = \"30s\"`; \
                                 use bare `default` for `Default::default()`",
                            );
                            None
                        }
                    }
                } else {
                    Some(DefaultAttr::Trait)
                };
                if out.default.is_some() {
                    cx.error_at(span, "duplicate `default` attribute");
                } else if let Some(value) = value {
                    out.default = Some((value, span));
                }
            } else if path.is_ident(WITH) {
                let expr: Expr = meta.value()?.parse()?;
                let parsed = match expr {
                    Expr::Path(p) if p.qself.is_none() => Some(p.path),
                    other => {
                        cx.error_spanned_by(
                            other,
                            "expected a path to a function: `with = parse_level`",
                        );
                        None
                    }
                };
                if out.with.is_some() {
                    cx.error_at(span, "duplicate `with` attribute");
                } else {
                    out.with = parsed;
                }
            } else if path.is_ident(JSON) {
                if meta.input.peek(Token![=]) {
                    let _: Expr = meta.value()?.parse()?;
                    cx.error_at(span, "`json` takes no value: write `#[locker(json)]`");
                } else if out.json.is_some() {
                    cx.error_at(span, "duplicate `json` attribute");
                } else {
                    out.json = Some(span);
                }
            } else {
                // Skip the value so the remaining keys are still checked.
                if meta.input.peek(Token![=]) {
                    let _: Expr = meta.value()?.parse()?;
                } else if meta.input.peek(syn::token::Paren) {
                    meta.parse_nested_meta(|_| Ok(()))?;
                }
                cx.error_at(span, unknown_key(&name));
            }
            Ok(())
        });
        if let Err(err) = result {
            cx.syn_error(err);
        }
    }
    out
}

fn unknown_key(name: &str) -> String {
    let best = FIELD_KEYS
        .iter()
        .map(|k| (strsim::jaro_winkler(k, name), *k))
        .filter(|(score, _)| *score > 0.7)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    match best {
        Some((_, k)) => format!("unknown attribute `{name}`, did you mean `{k}`?"),
        None => {
            format!("unknown attribute `{name}`, expected one of `key`, `default`, `with`, `json`")
        }
    }
}
