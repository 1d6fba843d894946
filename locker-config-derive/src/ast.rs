//! The resolved model of a `#[derive(LockerConfig)]` struct: no raw attributes left in it.

use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{
    Attribute, Data, DeriveInput, Expr, ExprLit, Fields, FieldsNamed, Ident, Lit, LitStr, Meta,
    Path, Type, Visibility,
};

use crate::attr::{self, DefaultAttr, DefaultIn, FieldAttrs};
use crate::ctxt::Ctxt;
use crate::symbol::{NESTED_KEYS, PREFIX, VALIDATE};
use crate::ty::Shape;

/// The struct.
pub(crate) struct Container<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) vis: &'a Visibility,
    pub(crate) fields: Vec<Field<'a>>,
    /// `#[locker(validate = path)]` on the struct.
    pub(crate) validate: Option<Path>,
    /// `#[locker(env_prefix = "…")]` on the struct, at its literal.
    pub(crate) env_prefix: Option<(String, Span)>,
}

/// One field: a key of its own, or a nested struct's keys under a prefix.
pub(crate) struct Field<'a> {
    pub(crate) member: &'a Ident,
    /// The name without `r#`.
    pub(crate) name: String,
    pub(crate) kind: FieldKind<'a>,
}

pub(crate) enum FieldKind<'a> {
    /// Boxed: a leaf carries every leaf attribute, a nested group only its prefix.
    Leaf(Box<Leaf<'a>>),
    Nested(Nested<'a>),
}

/// A field read from one key.
pub(crate) struct Leaf<'a> {
    pub(crate) ty: &'a Type,
    pub(crate) shape: Shape,
    /// The Locker key, and where it came from (the `key = "…"` literal or the field name).
    pub(crate) key: String,
    pub(crate) key_span: Span,
    /// Older keys read when the key is absent, in order.
    pub(crate) aliases: Vec<(String, Span)>,
    pub(crate) presence: Presence,
    pub(crate) parse: Parse,
    /// `validate = path`, run on the parsed value.
    pub(crate) validate: Option<Path>,
    pub(crate) doc: String,
}

/// What happens when a leaf's key is absent: each rule with the span of its attribute.
pub(crate) struct Presence {
    pub(crate) default: Option<(DefaultAttr, Span)>,
    pub(crate) default_in: Option<(Vec<DefaultIn>, Span)>,
    pub(crate) required_in: Option<(Vec<(String, Span)>, Span)>,
}

/// How a leaf's value is parsed: by its type's shape unless `json` or `with` parse it whole.
pub(crate) struct Parse {
    pub(crate) json: Option<Span>,
    pub(crate) with: Option<Path>,
    pub(crate) delimiter: Option<(String, Span)>,
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
        let fields = named_fields(cx, input)?;
        // Every field's attributes are read before any is sorted into a leaf or a nested
        // group, so syntax errors come first, in field order.
        let attrs: Vec<FieldAttrs> = fields
            .named
            .iter()
            .map(|field| attr::field(cx, &field.attrs))
            .collect();
        let fields = fields
            .named
            .iter()
            .zip(attrs)
            .map(|(field, attrs)| Field::new(cx, field, attrs))
            .collect();
        Some(Container {
            ident: &input.ident,
            vis: &input.vis,
            fields,
            validate: container.validate,
            env_prefix: container.env_prefix.map(|lit| (lit.value(), lit.span())),
        })
    }

    /// The leaf fields, in order.
    pub(crate) fn leaves(&self) -> impl Iterator<Item = (&Field<'a>, &Leaf<'a>)> {
        self.fields.iter().filter_map(|f| match &f.kind {
            FieldKind::Leaf(leaf) => Some((f, &**leaf)),
            FieldKind::Nested(_) => None,
        })
    }
}

fn named_fields<'a>(cx: &mut Ctxt, input: &'a DeriveInput) -> Option<&'a FieldsNamed> {
    let message = match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(named) => return Some(named),
            Fields::Unnamed(_) => {
                cx.error_spanned_by(
                    &data.fields,
                    "`LockerConfig` needs named fields, one per key; tuple structs have none",
                );
                return None;
            }
            Fields::Unit => (
                input.ident.span(),
                "`LockerConfig` needs named fields, one per key; a unit struct has none",
            ),
        },
        Data::Enum(data) => (
            data.enum_token.span(),
            "`LockerConfig` can only be derived for structs with named fields, not enums",
        ),
        Data::Union(data) => (
            data.union_token.span(),
            "`LockerConfig` can only be derived for structs with named fields, not unions",
        ),
    };
    cx.error_at(message.0, message.1);
    None
}

impl<'a> Field<'a> {
    /// Sorts the field into a leaf or a nested group; an attribute that does not apply to its
    /// kind is an error at the attribute.
    fn new(cx: &mut Ctxt, field: &'a syn::Field, attrs: FieldAttrs) -> Self {
        let member = field.ident.as_ref().expect("named field");
        let name = member.unraw().to_string();
        let kind = match attrs.nested {
            Some(span) => {
                misplaced_on_nested(cx, &attrs.given);
                FieldKind::Nested(Nested::new(&field.ty, &name, attrs.prefix, span))
            }
            None => {
                if let Some((_, span)) = attrs.given.iter().find(|(n, _)| *n == PREFIX) {
                    cx.error_at(
                        *span,
                        "`prefix` applies to `nested` fields only: \
                         `#[locker(nested, prefix = \"DB_\")]`",
                    );
                }
                let doc = doc_comment(&field.attrs);
                FieldKind::Leaf(Box::new(Leaf::new(member, &field.ty, attrs, doc)))
            }
        };
        Field { member, name, kind }
    }
}

/// Reports every leaf attribute given to a `nested` field.
fn misplaced_on_nested(cx: &mut Ctxt, given: &[(&'static str, Span)]) {
    for (name, span) in given.iter().filter(|(n, _)| !NESTED_KEYS.contains(n)) {
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

impl<'a> Nested<'a> {
    fn new(ty: &'a Type, name: &str, prefix: Option<LitStr>, nested_span: Span) -> Self {
        let (ty, optional) = match crate::ty::single_arg(ty, "Option") {
            Some(inner) => (inner, true),
            None => (ty, false),
        };
        let (prefix, prefix_span) = match &prefix {
            Some(lit) => (lit.value(), lit.span()),
            None => (format!("{}_", name.to_uppercase()), nested_span),
        };
        Nested {
            ty,
            optional,
            prefix,
            prefix_span,
        }
    }
}

impl<'a> Leaf<'a> {
    fn new(member: &Ident, ty: &'a Type, attrs: FieldAttrs, doc: String) -> Self {
        let (key, key_span) = match &attrs.key {
            Some(lit) => (lit.value(), lit.span()),
            None => (member.unraw().to_string().to_uppercase(), member.span()),
        };
        Leaf {
            ty,
            shape: Shape::of(ty),
            key,
            key_span,
            aliases: attrs
                .aliases
                .iter()
                .map(|a| (a.value(), a.span()))
                .collect(),
            presence: Presence {
                default: attrs.default,
                default_in: attrs.default_in,
                required_in: attrs.required_in,
            },
            parse: Parse {
                json: attrs.json,
                with: attrs.with,
                delimiter: attrs.delimiter.map(|lit| (lit.value(), lit.span())),
            },
            validate: attrs.validate,
            doc,
        }
    }

    /// `Option<T>`: an absent value is `None`.
    pub(crate) fn optional(&self) -> bool {
        matches!(self.shape, Shape::Option(_))
    }

    /// The `Vec` this field parses as a list, unless `json` or `with` parse it whole.
    pub(crate) fn list_shape(&self) -> Option<&Shape> {
        if self.parse.json.is_some() || self.parse.with.is_some() {
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
        Some(
            self.parse
                .delimiter
                .as_ref()
                .map_or(",", |(d, _)| d.as_str()),
        )
    }

    /// The `default_in(…)` entries, in order.
    pub(crate) fn default_in(&self) -> &[DefaultIn] {
        self.presence
            .default_in
            .as_ref()
            .map_or(&[], |(entries, _)| entries)
    }

    /// The environments of `required_in(…)`, in order.
    pub(crate) fn required_in(&self) -> impl Iterator<Item = &str> {
        let environments = self.presence.required_in.as_ref();
        environments
            .into_iter()
            .flat_map(|(environments, _)| environments.iter().map(|(e, _)| e.as_str()))
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
