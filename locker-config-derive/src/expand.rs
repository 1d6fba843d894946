//! Generating the impls. Generated code names the runtime only as
//! `::locker_config::__private::…` and std only as `::core::…`/`::std::…`, so it compiles under
//! `#![no_implicit_prelude]` and whatever the user has in scope.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{DeriveInput, Type};

use crate::ast::{Container, FieldKind, Leaf, Nested, default_written};
use crate::attr::DefaultAttr;
use crate::ctxt::Ctxt;
use crate::items::{Bodies, inherent_items, render, trait_items};
use crate::ty::{self, Shape};
use crate::{fallback, valid};

pub(crate) fn derive(input: &DeriveInput) -> TokenStream {
    let mut cx = Ctxt::new();
    let container = Container::from_ast(&mut cx, input);
    if let Some(container) = &container {
        valid::check(&mut cx, container);
    }
    match (cx.check(), container) {
        (Ok(()), Some(container)) => expand(&container),
        (Err(err), _) => {
            let mut tokens = err.to_compile_error();
            tokens.extend(fallback::expand(input));
            tokens
        }
        (Ok(()), None) => fallback::expand(input),
    }
}

fn p() -> TokenStream {
    quote!(::locker_config::__private)
}

fn expand(c: &Container<'_>) -> TokenStream {
    let ident = c.ident;
    let p = p();
    let bodies = Bodies {
        keys: keys(c),
        describe: describe(c),
        build: build(c),
    };
    let trait_items = render(trait_items(ident, Some(bodies)), false);
    let inherent_items = render(inherent_items(ident, c.vis), false);
    // Only with the attribute: the trait's own default (`None`) says "no prefix" otherwise.
    let env_prefix = c.env_prefix.as_ref().map(|(prefix, _)| {
        quote! {
            const ENV_PREFIX: ::core::option::Option<&'static str> =
                ::core::option::Option::Some(#prefix);
        }
    });
    quote! {
        #[automatically_derived]
        #[allow(unused_qualifications, clippy::all)]
        impl #p::LockerConfig for #ident {
            #trait_items
            #env_prefix
        }

        #[automatically_derived]
        #[allow(unused_qualifications)]
        impl #ident {
            #inherent_items
        }
    }
}

/// The nested struct's `LockerConfig` impl, spanned at the field's type so a type without the
/// derive is reported there.
fn nested_trait(nested: &Nested<'_>) -> TokenStream {
    let p = p();
    let ty = nested.ty;
    quote_spanned!(ty.span()=> <#ty as #p::LockerConfig>)
}

/// `KEYS`: a literal list, or one computed at compile time when structs are nested.
fn keys(c: &Container<'_>) -> TokenStream {
    let p = p();
    if c.leaves().count() == c.fields.len() {
        let keys = c.leaves().map(|(_, leaf)| &leaf.key);
        return quote!(&[#(#keys),*]);
    }
    let parts = c.fields.iter().map(|f| match &f.kind {
        FieldKind::Nested(nested) => {
            let prefix = &nested.prefix;
            let inner = nested_trait(nested);
            quote!(#p::KeyPart::Nested(#prefix, #inner::KEYS))
        }
        FieldKind::Leaf(leaf) => {
            let key = &leaf.key;
            quote!(#p::KeyPart::Key(#key))
        }
    });
    quote!({
        const __PARTS: &[#p::KeyPart] = &[#(#parts),*];
        const __BYTES: usize = #p::key_bytes(__PARTS);
        const __COUNT: usize = #p::key_count(__PARTS);
        const __BUFFER: [u8; __BYTES] = #p::key_buffer::<__BYTES>(__PARTS);
        const __KEYS: [&str; __COUNT] = #p::key_list::<__COUNT>(__PARTS, &__BUFFER);
        &__KEYS
    })
}

fn describe(c: &Container<'_>) -> TokenStream {
    let p = p();
    let entries = c.fields.iter().map(|f| {
        let field = &f.name;
        let leaf = match &f.kind {
            FieldKind::Leaf(leaf) => leaf,
            FieldKind::Nested(nested) => {
                let inner = nested_trait(nested);
                let prefix = &nested.prefix;
                let optional = nested.optional;
                return quote!(__fields.nested(#inner::describe(), #prefix, #field, #optional););
            }
        };
        let key = &leaf.key;
        let written = ty::written(leaf.ty);
        let doc = &leaf.doc;
        let default = match &leaf.presence.default {
            Some((default, _)) => {
                let written = default_written(default);
                quote!(::core::option::Option::Some(#written))
            }
            None => quote!(::core::option::Option::None),
        };
        let defaults_in = leaf.default_in().iter().map(|d| {
            let env = &d.environment;
            let written = default_written(&d.value);
            quote!((#env, #written))
        });
        let optional = leaf.optional();
        let secret = leaf.shape.is_secret();
        let required_in = leaf.required_in();
        let aliases = leaf.aliases.iter().map(|(alias, _)| alias);
        let delimiter = match leaf.delimiter() {
            Some(d) => quote!(::core::option::Option::Some(#d)),
            None => quote!(::core::option::Option::None),
        };
        quote! {
            __fields.field(
                #p::FieldInfo::__new(#key, #field, #written, #doc)
                    .__default(#default, &[#(#defaults_in),*])
                    .__flags(#optional, #secret)
                    .__rules(&[#(#required_in),*], &[#(#aliases),*], #delimiter),
            );
        }
    });
    quote!({
        static __FIELDS: #p::FieldList = #p::FieldList::new();
        __FIELDS.get_or_init(|__fields: &mut #p::FieldsBuilder| {
            #(#entries)*
        })
    })
}

fn build(c: &Container<'_>) -> TokenStream {
    let locals: Vec<_> = (0..c.fields.len())
        .map(|i| format_ident!("__field{}", i))
        .collect();
    // Where each field's entries start in the flattened list: the fields before it, nested
    // structs counting their own fields.
    let mut index = quote!(0usize);
    let mut lets = Vec::new();
    for (f, local) in c.fields.iter().zip(&locals) {
        lets.push(match &f.kind {
            FieldKind::Leaf(leaf) => leaf_let(leaf, local, &index),
            FieldKind::Nested(nested) => nested_let(nested, local, &index),
        });
        index = match &f.kind {
            FieldKind::Nested(nested) => {
                let inner = nested_trait(nested);
                quote!(#index + #inner::KEYS.len())
            }
            FieldKind::Leaf(_) => quote!(#index + 1usize),
        };
    }
    let ident = c.ident;
    let members = c.fields.iter().map(|f| f.member);
    let validate = c
        .validate
        .as_ref()
        .map(|path| quote_spanned!(path.span()=> __ctx.validate_config(&__config, |__config| #path(__config))?;));
    quote!({
        #(#lets)*
        let __config = #ident { #(#members: #locals?),* };
        #validate
        ::core::option::Option::Some(__config)
    })
}

/// `let __fieldN = …;`: the nested struct built from its keys, which start at `index`.
fn nested_let(nested: &Nested<'_>, local: &syn::Ident, index: &TokenStream) -> TokenStream {
    let inner = nested_trait(nested);
    let method = if nested.optional {
        quote!(optional_nested)
    } else {
        quote!(nested)
    };
    quote! {
        let #local = __ctx.#method(
            #index,
            (#inner::NAME, #inner::describe(), #inner::__build),
        );
    }
}

/// `let __fieldN = …;`: the leaf resolved (and validated) at `index`.
fn leaf_let(leaf: &Leaf<'_>, local: &syn::Ident, index: &TokenStream) -> TokenStream {
    let ty = leaf.ty;
    let (resolve, validate_fn) = match &leaf.shape {
        Shape::Option(inner) => {
            let inner_ty = ty::single_arg(ty, "Option").expect("Option shape");
            let parser = parser_for(leaf, inner, inner_ty);
            (
                quote!(__ctx.optional::<#inner_ty>(#index, #parser)),
                quote!(validate_optional),
            )
        }
        shape => {
            let parser = parser_for(leaf, shape, ty);
            let defaults = defaults_for(leaf, ty);
            (
                quote!(__ctx.required::<#ty>(#index, #parser, #defaults)),
                quote!(validate),
            )
        }
    };
    // Through a closure, so `fn(&str)` validates a `String` field by deref coercion.
    let validate = leaf.validate.as_ref().map(|path| {
        quote_spanned!(path.span()=> let #local = __ctx.#validate_fn(#index, #local, |__value| #path(__value));)
    });
    quote! {
        let #local = #resolve;
        #validate
    }
}

/// The parser expression for a (non-`Option`) shape; `json` and `with` apply to `ty` whole.
fn parser_for(leaf: &Leaf<'_>, shape: &Shape, ty: &Type) -> TokenStream {
    let p = p();
    if leaf.parse.json.is_some() {
        let written = ty::written(ty);
        return quote_spanned!(ty.span()=> #p::json::<#ty>(#written));
    }
    if let Some(path) = &leaf.parse.with {
        let written = ty::written(path);
        return quote_spanned!(path.span()=> #p::with::<#ty, _, _>(#path, #written));
    }
    shape_parser(shape, leaf.delimiter().unwrap_or(","))
}

fn shape_parser(shape: &Shape, delimiter: &str) -> TokenStream {
    let p = p();
    match shape {
        Shape::Option(inner) => shape_parser(inner, delimiter),
        Shape::Secret(inner) => {
            let inner = shape_parser(inner, delimiter);
            quote!(#p::secret(#inner))
        }
        Shape::Vec(inner) => {
            // Items of a list of lists use the default delimiter.
            let inner = shape_parser(inner, ",");
            quote!(#p::list(#inner, #delimiter))
        }
        Shape::Bool => quote!(#p::boolean()),
        Shape::Duration => quote!(#p::duration()),
        Shape::FromStr(ty) => {
            let (one, many) = ty::expected_form(ty);
            quote_spanned!(ty.span()=> #p::from_str::<#ty>(#one, #many))
        }
    }
}

/// `Defaults::new(…).environment("dev", …)…` for `default` and `default_in`.
fn defaults_for(leaf: &Leaf<'_>, ty: &Type) -> TokenStream {
    let p = p();
    let base = match &leaf.presence.default {
        None => quote!(#p::DefaultValue::None),
        Some((default, span)) => default_value(default, *span, ty),
    };
    let per_environment = leaf.default_in().iter().map(|d| {
        let env = &d.environment;
        let value = default_value(&d.value, d.span, ty);
        quote!(.environment(#env, #value))
    });
    quote!(#p::Defaults::new(#base) #(#per_environment)*)
}

fn default_value(default: &DefaultAttr, span: proc_macro2::Span, ty: &Type) -> TokenStream {
    let p = p();
    match default {
        DefaultAttr::Str(lit) => quote!(#p::DefaultValue::Str(#lit)),
        DefaultAttr::Typed(expr) => {
            // The literal keeps its own span, so a type mismatch points at it.
            let value = quote_spanned!(expr.span()=> #expr);
            quote!(#p::DefaultValue::Value(|| -> #ty { #value }))
        }
        DefaultAttr::Trait => {
            quote_spanned!(span=> #p::DefaultValue::Value(<#ty as ::core::default::Default>::default))
        }
    }
}
