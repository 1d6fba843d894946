//! The stub emitted beside `compile_error!`: the same items with unreachable bodies, so code
//! calling `AppConfig::load` reports the one real mistake instead of a cascade.

use proc_macro2::TokenStream;
use quote::quote;
use syn::DeriveInput;

use crate::items::{inherent_items, render, trait_items};

pub(crate) fn expand(input: &DeriveInput) -> TokenStream {
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let p = quote!(::locker_config::__private);
    let trait_impl = input.generics.params.is_empty().then(|| {
        let items = render(trait_items(ident, None), true);
        quote! {
            #[automatically_derived]
            #[allow(unused_qualifications, unreachable_code, clippy::all)]
            impl #p::LockerConfig for #ident {
                #items
            }
        }
    });
    let items = render(inherent_items(ident, &input.vis), true);
    quote! {
        #trait_impl

        #[automatically_derived]
        #[allow(dead_code, unused_variables, unreachable_code, unused_qualifications, clippy::all)]
        impl #impl_generics #ident #ty_generics #where_clause {
            #items
        }
    }
}
