//! The stub emitted beside `compile_error!`: the same items with unreachable bodies, so code
//! calling `AppConfig::load` reports the one real mistake instead of a cascade.

use proc_macro2::TokenStream;
use quote::quote;
use syn::DeriveInput;

pub(crate) fn expand(input: &DeriveInput) -> TokenStream {
    let ident = &input.ident;
    let vis = &input.vis;
    let name = ident.to_string();
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let p = quote!(::locker_config::__private);
    let trait_impl = input.generics.params.is_empty().then(|| {
        quote! {
            #[automatically_derived]
            impl #p::LockerConfig for #ident {
                const NAME: &'static str = #name;
                fn describe() -> &'static [#p::FieldInfo] { &[] }
                fn __build(_: &mut #p::Ctx<'_>) -> ::core::option::Option<Self> {
                    ::core::unreachable!()
                }
                fn __global() -> &'static #p::GlobalCell<Self> { ::core::unreachable!() }
            }
        }
    });
    quote! {
        #trait_impl

        #[automatically_derived]
        #[allow(dead_code, unused_variables, unreachable_code, clippy::all)]
        impl #impl_generics #ident #ty_generics #where_clause {
            #vis const KEYS: &'static [&'static str] = &[];
            #vis fn describe() -> &'static [#p::FieldInfo] { &[] }
            #vis fn load(environment: &str) -> #p::Result<Self> { ::core::unreachable!() }
            #vis fn load_async(
                environment: &str,
            ) -> impl ::core::future::Future<Output = #p::Result<Self>> + ::core::marker::Send + 'static {
                async { ::core::unreachable!() }
            }
            #vis fn init(environment: &str) -> #p::Result<&'static Self> { ::core::unreachable!() }
            #vis fn global() -> &'static Self { ::core::unreachable!() }
            #vis fn from_values<__I, __K, __V>(values: __I) -> #p::Result<Self>
            where
                __I: ::core::iter::IntoIterator<Item = (__K, __V)>,
                __K: ::core::convert::AsRef<str>,
                __V: ::core::convert::AsRef<str>,
            {
                ::core::unreachable!()
            }
            #vis fn loader() -> #p::Loader<Self> { ::core::unreachable!() }
            #vis fn override_global(config: Self) -> #p::OverrideGuard<Self> { ::core::unreachable!() }
            #vis fn with_override<__R>(config: Self, f: impl ::core::ops::FnOnce() -> __R) -> __R {
                ::core::unreachable!()
            }
        }
    }
}
