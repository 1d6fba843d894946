//! The items the derive generates, each signature written once: `expand` gives them their
//! real bodies, `fallback` unreachable ones, so the two cannot drift apart.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Ident, Visibility};

/// One generated item: its doc, its signature (everything before the body) and the body.
pub(crate) struct Item {
    pub(crate) doc: String,
    pub(crate) head: TokenStream,
    /// The real body: `{ … }` for functions, `= …;` for constants.
    pub(crate) body: TokenStream,
    /// The body of the stub emitted beside compile errors.
    pub(crate) stub: TokenStream,
}

/// The bodies only `expand` can write; every other body is the same for every struct.
pub(crate) struct Bodies {
    /// The `KEYS` expression.
    pub(crate) keys: TokenStream,
    /// The block of `describe`.
    pub(crate) describe: TokenStream,
    /// The block of `__build`.
    pub(crate) build: TokenStream,
}

fn item(doc: impl Into<String>, head: TokenStream, body: TokenStream, stub: TokenStream) -> Item {
    Item {
        doc: doc.into(),
        head,
        body,
        stub,
    }
}

fn unreachable() -> TokenStream {
    quote!({ ::core::unreachable!() })
}

/// The items of `impl LockerConfig for #ident`; `bodies` is `None` for the stub.
pub(crate) fn trait_items(ident: &Ident, bodies: Option<Bodies>) -> Vec<Item> {
    let p = quote!(::locker_config::__private);
    let name = ident.to_string();
    let (keys, describe, build) = match bodies {
        Some(Bodies {
            keys,
            describe,
            build,
        }) => (quote!(= #keys;), describe, build),
        None => (quote!(= &[];), quote!({ &[] }), unreachable()),
    };
    vec![
        item(
            "",
            quote!(const NAME: &'static str),
            quote!(= #name;),
            quote!(= #name;),
        ),
        item(
            "",
            quote!(const KEYS: &'static [&'static str]),
            keys,
            quote!(= &[];),
        ),
        item(
            "",
            quote!(fn describe() -> &'static [#p::FieldInfo]),
            describe,
            quote!({ &[] }),
        ),
        item(
            "",
            quote!(fn __build(__ctx: &mut #p::Ctx<'_>) -> ::core::option::Option<Self>),
            build,
            unreachable(),
        ),
        item(
            "",
            quote!(fn __global() -> &'static #p::GlobalCell<Self>),
            quote!({
                static __GLOBAL: #p::GlobalCell<#ident> = #p::GlobalCell::new();
                &__GLOBAL
            }),
            unreachable(),
        ),
    ]
}

/// The inherent items on the struct, so callers need no trait import.
pub(crate) fn inherent_items(ident: &Ident, vis: &Visibility) -> Vec<Item> {
    let p = quote!(::locker_config::__private);
    let name = ident.to_string();
    let future = |output: TokenStream| quote!(impl ::core::future::Future<Output = #output> + ::core::marker::Send + 'static);
    let async_stub = quote!({ async { ::core::unreachable!() } });
    let load_future = future(quote!(#p::Result<Self>));
    let check_future = future(quote!(#p::Result<#p::CheckReport>));
    vec![
        item(
            "Every Locker key this config reads, in field order; nested structs' keys in place, \
             with their prefix.",
            quote!(#vis const KEYS: &'static [&'static str]),
            quote!(= <Self as #p::LockerConfig>::KEYS;),
            quote!(= &[];),
        ),
        item(
            "Every field (nested structs' fields in place, by full path): key, path, type, \
             defaults, rules, secret, doc comment.",
            quote!(#vis fn describe() -> &'static [#p::FieldInfo]),
            quote!({ <Self as #p::LockerConfig>::describe() }),
            quote!({ &[] }),
        ),
        item(
            format!(
                "Loads `{name}` for `environment` from Locker, blocking. Credentials come from \
                 `Locker::from_env()`. One list request for all fields; a failure lists every \
                 problem."
            ),
            quote!(#vis fn load(environment: &str) -> #p::Result<Self>),
            quote!({ #p::load::<Self>(environment) }),
            unreachable(),
        ),
        item(
            "Like `load`, asynchronously.",
            quote!(#vis fn load_async(environment: &str) -> #load_future),
            quote!({ #p::load_async::<Self>(environment) }),
            async_stub.clone(),
        ),
        item(
            "Loads for `environment` into the process-global instance and returns it. Fails if \
             the global instance is already initialised.",
            quote!(#vis fn init(environment: &str) -> #p::Result<&'static Self>),
            quote!({ #p::init::<Self>(environment) }),
            unreachable(),
        ),
        item(
            format!(
                "The process-global `{name}`: this thread's (or this future's) test override if \
                 any, else the process override, else the instance set by `init`, else loaded \
                 on first use (exactly once, however many threads race) with the loader given \
                 to `install_global`, or for the `LOCKER_ENVIRONMENT` environment. Panics if that load fails; the next call \
                 tries again."
            ),
            quote!(#vis fn global() -> &'static Self),
            quote!({ #p::global::<Self>() }),
            unreachable(),
        ),
        item(
            format!(
                "Checks `{name}` against `environment` without loading it: every problem a load \
                 would hit, plus keys no field reads, fields set only in \"All\", empty values \
                 and deprecated aliases in use. One list request; never a value. `Err` only \
                 when it cannot look (credentials, network, unknown environment)."
            ),
            quote!(#vis fn check(environment: &str) -> #p::Result<#p::CheckReport>),
            quote!({ #p::check::<Self>(environment) }),
            unreachable(),
        ),
        item(
            "Like `check`, asynchronously.",
            quote!(#vis fn check_async(environment: &str) -> #check_future),
            quote!({ #p::check_async::<Self>(environment) }),
            async_stub,
        ),
        item(
            "A template of every key: an `.env.example` or a Markdown table, with types, \
             defaults per environment, rules and doc comments (never a value).",
            quote!(#vis fn template(format: #p::TemplateFormat) -> ::std::string::String),
            quote!({ #p::template::<Self>(format) }),
            unreachable(),
        ),
        item(
            "Builds the config from key/value pairs, without network (for tests and tools).",
            quote! {
                #vis fn from_values<__I, __K, __V>(values: __I) -> #p::Result<Self>
                where
                    __I: ::core::iter::IntoIterator<Item = (__K, __V)>,
                    __K: ::core::convert::AsRef<str>,
                    __V: ::core::convert::AsRef<str>,
            },
            quote!({ #p::from_values::<Self, __I, __K, __V>(values) }),
            unreachable(),
        ),
        item(
            "A loader: choose the environment and client, override values, see sources, check.",
            quote!(#vis fn loader() -> #p::Loader<Self>),
            quote!({ #p::Loader::<Self>::new() }),
            unreachable(),
        ),
        item(
            "Makes `global()` on this thread return `config` until the guard drops.",
            quote!(#vis fn override_global(config: Self) -> #p::OverrideGuard<Self>),
            quote!({ #p::override_global::<Self>(config) }),
            unreachable(),
        ),
        item(
            "Makes `global()` on every thread and task of the process return `config` until the \
             guard drops; a thread's own override still wins there. One at a time per type: a \
             second call waits until the first guard drops, so parallel tests never see each \
             other's values.",
            quote!(#vis fn override_global_process(config: Self) -> #p::ProcessOverrideGuard<Self>),
            quote!({ #p::override_global_process::<Self>(config) }),
            unreachable(),
        ),
        item(
            "Wraps `future` so that `global()` returns `config` inside it, on whichever thread \
             polls it (`AppConfig::with_override(cfg, async { … }).await`).",
            quote! {
                #vis fn with_override<__F>(config: Self, future: __F) -> #p::WithOverride<Self, __F>
                where
                    __F: ::core::future::Future,
            },
            quote!({ #p::with_override::<Self, __F>(config, future) }),
            unreachable(),
        ),
        item(
            "Runs `f` with `global()` on this thread returning `config`: the closure form of \
             `with_override`.",
            quote!(#vis fn with_override_sync<__R>(config: Self, f: impl ::core::ops::FnOnce() -> __R) -> __R),
            quote!({ #p::with_override_sync::<Self, __R>(config, f) }),
            unreachable(),
        ),
    ]
}

/// `#[doc = …] head body` for each item; the stubs when `stub`.
pub(crate) fn render(items: Vec<Item>, stub: bool) -> TokenStream {
    items
        .into_iter()
        .map(|item| {
            let Item {
                doc,
                head,
                body,
                stub: stub_body,
            } = item;
            let body = if stub { stub_body } else { body };
            let doc = (!doc.is_empty()).then(|| quote!(#[doc = #doc]));
            quote!(#doc #head #body)
        })
        .collect()
}
