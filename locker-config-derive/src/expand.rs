//! Generating the impls. Generated code names the runtime only as
//! `::locker_config::__private::…` and std only as `::core::…`/`::std::…`, so it compiles under
//! `#![no_implicit_prelude]` and whatever the user has in scope.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{DeriveInput, Type};

use crate::ast::{Container, Field};
use crate::attr::DefaultAttr;
use crate::ctxt::Ctxt;
use crate::ty::{self, Shape};
use crate::{fallback, valid};

pub(crate) fn derive(input: &DeriveInput) -> TokenStream {
    let mut cx = Ctxt::default();
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

fn expand(c: &Container<'_>) -> TokenStream {
    let ident = c.ident;
    let vis = c.vis;
    let name = ident.to_string();
    let p = quote!(::locker_config::__private);
    let count = c.fields.len();

    let infos = c.fields.iter().map(|f| {
        let key = &f.key;
        let field = &f.name;
        let written = ty::written(f.ty);
        let default = match f.default_written() {
            Some(d) => quote!(::core::option::Option::Some(#d)),
            None => quote!(::core::option::Option::None),
        };
        let optional = matches!(f.shape, Shape::Option(_));
        let secret = f.shape.is_secret();
        let doc = &f.doc;
        quote!(#p::FieldInfo::__new(#key, #field, #written, #default, #optional, #secret, #doc))
    });

    let locals: Vec<_> = (0..count).map(|i| format_ident!("__field{}", i)).collect();
    let lets = c
        .fields
        .iter()
        .zip(&locals)
        .enumerate()
        .map(|(i, (f, local))| {
            let ty = f.ty;
            match &f.shape {
                Shape::Option(inner) => {
                    let inner_ty = ty::single_arg(ty, "Option").expect("Option shape");
                    let parser = parser_for(f, inner, inner_ty);
                    quote!(let #local = __ctx.optional::<#inner_ty>(#i, #parser);)
                }
                shape => {
                    let parser = parser_for(f, shape, ty);
                    let default = default_for(f, ty);
                    quote!(let #local = __ctx.required::<#ty>(#i, #parser, #default);)
                }
            }
        });
    let members = c.fields.iter().map(|f| f.member);
    let keys = c.fields.iter().map(|f| &f.key);

    let doc_load = format!(
        "Loads `{name}` for `environment` from Locker, blocking. Credentials come from \
         `Locker::from_env()`. One list request for all fields; a failure lists every problem."
    );
    let doc_global = format!(
        "The process-global `{name}`: this thread's test override if any, else the instance \
         set by `init`, else loaded on first use for the `LOCKER_ENVIRONMENT` environment \
         (exactly once, however many threads race). Panics if that first load fails."
    );

    quote! {
        #[automatically_derived]
        impl #p::LockerConfig for #ident {
            const NAME: &'static str = #name;

            fn describe() -> &'static [#p::FieldInfo] {
                static __FIELDS: [#p::FieldInfo; #count] = [#(#infos),*];
                &__FIELDS
            }

            fn __build(__ctx: &mut #p::Ctx<'_>) -> ::core::option::Option<Self> {
                #(#lets)*
                ::core::option::Option::Some(#ident { #(#members: #locals?),* })
            }

            fn __global() -> &'static #p::GlobalCell<Self> {
                static __GLOBAL: #p::GlobalCell<#ident> = #p::GlobalCell::new();
                &__GLOBAL
            }
        }

        #[automatically_derived]
        impl #ident {
            /// Every Locker key this config reads, in field order.
            #vis const KEYS: &'static [&'static str] = &[#(#keys),*];

            /// Every field: key, field name, type, default, optional, secret, doc comment.
            #vis fn describe() -> &'static [#p::FieldInfo] {
                <Self as #p::LockerConfig>::describe()
            }

            #[doc = #doc_load]
            #vis fn load(environment: &str) -> #p::Result<Self> {
                #p::load::<Self>(environment)
            }

            /// Like `load`, asynchronously.
            #vis fn load_async(
                environment: &str,
            ) -> impl ::core::future::Future<Output = #p::Result<Self>> + ::core::marker::Send + 'static {
                #p::load_async::<Self>(environment)
            }

            /// Loads for `environment` into the process-global instance and returns it. Fails if
            /// the global instance is already initialised.
            #vis fn init(environment: &str) -> #p::Result<&'static Self> {
                #p::init::<Self>(environment)
            }

            #[doc = #doc_global]
            #vis fn global() -> &'static Self {
                #p::global::<Self>()
            }

            /// Builds the config from key/value pairs, without network (for tests and tools).
            #vis fn from_values<__I, __K, __V>(values: __I) -> #p::Result<Self>
            where
                __I: ::core::iter::IntoIterator<Item = (__K, __V)>,
                __K: ::core::convert::AsRef<str>,
                __V: ::core::convert::AsRef<str>,
            {
                #p::from_values::<Self, __I, __K, __V>(values)
            }

            /// A loader: choose the environment and client, override values, see sources.
            #vis fn loader() -> #p::Loader<Self> {
                #p::Loader::<Self>::new()
            }

            /// Makes `global()` on this thread return `config` until the guard drops.
            #vis fn override_global(config: Self) -> #p::OverrideGuard<Self> {
                #p::override_global::<Self>(config)
            }

            /// Runs `f` with `global()` on this thread returning `config`.
            #vis fn with_override<__R>(config: Self, f: impl ::core::ops::FnOnce() -> __R) -> __R {
                #p::with_override::<Self, __R>(config, f)
            }
        }
    }
}

/// The parser expression for a (non-`Option`) shape; `json` and `with` apply to `ty` whole.
fn parser_for(f: &Field<'_>, shape: &Shape, ty: &Type) -> TokenStream {
    let p = quote!(::locker_config::__private);
    if f.json.is_some() {
        let written = ty::written(ty);
        return quote_spanned!(ty.span()=> #p::json::<#ty>(#written));
    }
    if let Some(path) = &f.with {
        let written = ty::written(path);
        return quote_spanned!(path.span()=> #p::with::<#ty, _, _>(#path, #written));
    }
    shape_parser(shape)
}

fn shape_parser(shape: &Shape) -> TokenStream {
    let p = quote!(::locker_config::__private);
    match shape {
        Shape::Option(inner) => shape_parser(inner),
        Shape::Secret(inner) => {
            let inner = shape_parser(inner);
            quote!(#p::secret(#inner))
        }
        Shape::Vec(inner) => {
            let inner = shape_parser(inner);
            quote!(#p::list(#inner))
        }
        Shape::Bool => quote!(#p::boolean()),
        Shape::Duration => quote!(#p::duration()),
        Shape::FromStr(ty) => {
            let expected = ty::expected_form(ty);
            quote_spanned!(ty.span()=> #p::from_str::<#ty>(#expected))
        }
    }
}

fn default_for(f: &Field<'_>, ty: &Type) -> TokenStream {
    let p = quote!(::locker_config::__private);
    match &f.default {
        None => quote!(#p::DefaultValue::None),
        Some((DefaultAttr::Str(lit), _)) => quote!(#p::DefaultValue::Str(#lit)),
        Some((DefaultAttr::Typed(expr), _)) => {
            // The literal keeps its own span, so a type mismatch points at it.
            let value = quote_spanned!(expr.span()=> #expr);
            quote!(#p::DefaultValue::Value(|| -> #ty { #value }))
        }
        Some((DefaultAttr::Trait, span)) => {
            quote_spanned!(*span=> #p::DefaultValue::Value(<#ty as ::core::default::Default>::default))
        }
    }
}
