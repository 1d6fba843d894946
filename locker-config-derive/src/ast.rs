//! The resolved model of a `#[derive(LockerConfig)]` struct: no raw attributes left in it.

use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{
    Attribute, Data, DeriveInput, Expr, ExprLit, Fields, Ident, Lit, Meta, Path, Type, Visibility,
};

use crate::attr::{self, DefaultAttr};
use crate::ctxt::Ctxt;
use crate::ty::Shape;

/// The struct.
pub(crate) struct Container<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) vis: &'a Visibility,
    pub(crate) fields: Vec<Field<'a>>,
}

/// One field, resolved.
pub(crate) struct Field<'a> {
    pub(crate) member: &'a Ident,
    /// The name without `r#`.
    pub(crate) name: String,
    pub(crate) ty: &'a Type,
    pub(crate) shape: Shape,
    /// The Locker key, and where it came from (the `key = "…"` literal or the field name).
    pub(crate) key: String,
    pub(crate) key_span: Span,
    pub(crate) default: Option<(DefaultAttr, Span)>,
    pub(crate) with: Option<Path>,
    pub(crate) json: Option<Span>,
    pub(crate) doc: String,
}

impl<'a> Container<'a> {
    /// Reads the struct; `None` when it is not a struct with named fields.
    pub(crate) fn from_ast(cx: &mut Ctxt, input: &'a DeriveInput) -> Option<Self> {
        attr::container(cx, &input.attrs);
        if !input.generics.params.is_empty() {
            cx.error_spanned_by(
                &input.generics,
                "`LockerConfig` cannot be derived for generic structs: \
                 a config type has one concrete set of fields",
            );
        }
        let fields = match &input.data {
            Data::Struct(data) => match &data.fields {
                Fields::Named(named) => named,
                Fields::Unnamed(_) => {
                    cx.error_spanned_by(
                        &data.fields,
                        "`LockerConfig` needs named fields, one per key; tuple structs have none",
                    );
                    return None;
                }
                Fields::Unit => {
                    cx.error_at(
                        input.ident.span(),
                        "`LockerConfig` needs named fields, one per key; a unit struct has none",
                    );
                    return None;
                }
            },
            Data::Enum(data) => {
                cx.error_at(
                    data.enum_token.span(),
                    "`LockerConfig` can only be derived for structs with named fields, not enums",
                );
                return None;
            }
            Data::Union(data) => {
                cx.error_at(
                    data.union_token.span(),
                    "`LockerConfig` can only be derived for structs with named fields, not unions",
                );
                return None;
            }
        };
        let fields = fields
            .named
            .iter()
            .map(|field| {
                let member = field.ident.as_ref().expect("named field");
                let attrs = attr::field(cx, &field.attrs);
                let name = member.unraw().to_string();
                let (key, key_span) = match &attrs.key {
                    Some(lit) => (lit.value(), lit.span()),
                    None => (name.to_uppercase(), member.span()),
                };
                Field {
                    member,
                    name,
                    ty: &field.ty,
                    shape: Shape::of(&field.ty),
                    key,
                    key_span,
                    default: attrs.default,
                    with: attrs.with,
                    json: attrs.json,
                    doc: doc_comment(&field.attrs),
                }
            })
            .collect();
        Some(Container {
            ident: &input.ident,
            vis: &input.vis,
            fields,
        })
    }
}

impl Field<'_> {
    /// The default as written, for `describe()`.
    pub(crate) fn default_written(&self) -> Option<String> {
        self.default.as_ref().map(|(default, _)| match default {
            DefaultAttr::Str(lit) => lit.value(),
            DefaultAttr::Typed(expr) => crate::ty::written(expr),
            DefaultAttr::Trait => "Default::default()".to_owned(),
        })
    }
}

fn doc_comment(attrs: &[Attribute]) -> String {
    let lines: Vec<String> = attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            Meta::NameValue(nv) => match &nv.value {
                Expr::Lit(ExprLit {
                    lit: Lit::Str(s), ..
                }) => Some(s.value().trim().to_owned()),
                _ => None,
            },
            _ => None,
        })
        .collect();
    lines.join("\n").trim().to_owned()
}
