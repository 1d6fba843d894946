//! The resolved model of a `#[derive(LockerConfig)]` struct: no raw attributes left in it.

use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{
    Attribute, Data, DeriveInput, Expr, ExprLit, Fields, Ident, Lit, Meta, Path, Type, Visibility,
};

use crate::attr::{self, DefaultAttr, DefaultIn, FieldAttrs};
use crate::ctxt::Ctxt;
use crate::ty::Shape;

/// The struct.
pub(crate) struct Container<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) vis: &'a Visibility,
    pub(crate) fields: Vec<Field<'a>>,
    /// `#[locker(validate = path)]` on the struct.
    pub(crate) validate: Option<Path>,
}

/// A `#[locker(nested)]` field: its struct type and key prefix.
pub(crate) struct Nested<'a> {
    /// The nested struct (`T` of `Option<T>` for an optional one).
    pub(crate) ty: &'a Type,
    pub(crate) optional: bool,
    /// `DB_` for a field `db`, unless `prefix = "…"` says otherwise (`""` flattens).
    pub(crate) prefix: String,
    pub(crate) prefix_span: Span,
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
    pub(crate) default_in: Vec<DefaultIn>,
    pub(crate) default_in_span: Option<Span>,
    pub(crate) required_in: Vec<(String, Span)>,
    pub(crate) required_in_span: Option<Span>,
    pub(crate) aliases: Vec<(String, Span)>,
    pub(crate) with: Option<Path>,
    pub(crate) json: Option<Span>,
    pub(crate) validate: Option<Path>,
    pub(crate) delimiter: Option<(String, Span)>,
    /// Set for `#[locker(nested)]` fields, which have no key of their own.
    pub(crate) nested: Option<Nested<'a>>,
    /// Every attribute given, by name, at its name.
    pub(crate) given: Vec<(&'static str, Span)>,
    pub(crate) doc: String,
}

impl<'a> Container<'a> {
    /// Reads the struct; `None` when it is not a struct with named fields.
    pub(crate) fn from_ast(cx: &mut Ctxt, input: &'a DeriveInput) -> Option<Self> {
        let container = attr::container(cx, &input.attrs);
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
                Field::new(member, &field.ty, attrs, doc_comment(&field.attrs))
            })
            .collect();
        Some(Container {
            ident: &input.ident,
            vis: &input.vis,
            fields,
            validate: container.validate,
        })
    }
}

impl<'a> Field<'a> {
    fn new(member: &'a Ident, ty: &'a Type, attrs: FieldAttrs, doc: String) -> Self {
        let name = member.unraw().to_string();
        let (key, key_span) = match &attrs.key {
            Some(lit) => (lit.value(), lit.span()),
            None => (name.to_uppercase(), member.span()),
        };
        let nested = attrs.nested.map(|span| {
            let (inner, optional) = match crate::ty::single_arg(ty, "Option") {
                Some(inner) => (inner, true),
                None => (ty, false),
            };
            let (prefix, prefix_span) = match &attrs.prefix {
                Some(lit) => (lit.value(), lit.span()),
                None => (format!("{}_", name.to_uppercase()), span),
            };
            Nested {
                ty: inner,
                optional,
                prefix,
                prefix_span,
            }
        });
        let (default_in, default_in_span) = match attrs.default_in {
            Some((entries, span)) => (entries, Some(span)),
            None => (Vec::new(), None),
        };
        let (required_in, required_in_span) = match attrs.required_in {
            Some((environments, span)) => (environments, Some(span)),
            None => (Vec::new(), None),
        };
        Field {
            member,
            name,
            ty,
            shape: Shape::of(ty),
            key,
            key_span,
            default: attrs.default,
            default_in,
            default_in_span,
            required_in,
            required_in_span,
            aliases: attrs
                .aliases
                .iter()
                .map(|a| (a.value(), a.span()))
                .collect(),
            with: attrs.with,
            json: attrs.json,
            validate: attrs.validate,
            delimiter: attrs.delimiter.map(|lit| (lit.value(), lit.span())),
            nested,
            given: attrs.given,
            doc,
        }
    }

    /// The `Vec` this field parses as a list, unless `json` or `with` parse it whole.
    pub(crate) fn list_shape(&self) -> Option<&Shape> {
        if self.json.is_some() || self.with.is_some() {
            return None;
        }
        let mut shape = &self.shape;
        loop {
            match shape {
                Shape::Option(inner) | Shape::Secret(inner) => shape = inner,
                Shape::Vec(_) => return Some(shape),
                _ => return None,
            }
        }
    }

    /// The list delimiter, for fields parsed as lists.
    pub(crate) fn delimiter(&self) -> Option<&str> {
        self.list_shape()?;
        Some(self.delimiter.as_ref().map_or(",", |(d, _)| d.as_str()))
    }
}

/// A default as written, for `describe()`.
pub(crate) fn default_written(default: &DefaultAttr) -> String {
    match default {
        DefaultAttr::Str(lit) => lit.value(),
        DefaultAttr::Typed(expr) => crate::ty::written(expr),
        DefaultAttr::Trait => "Default::default()".to_owned(),
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
