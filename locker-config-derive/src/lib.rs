//! Implementation detail of `locker-config`: the `#[derive(LockerConfig)]` macro.
//!
//! Use it through `locker_config::LockerConfig`; the documentation lives there. The pipeline is
//! `ast` (read the struct, its attributes through `attr`) → `valid` (check) → `expand`
//! (generate), with `fallback` emitting a stub beside the errors so callers see one mistake,
//! not a cascade. `items` writes each generated signature once for both; `symbol` names every
//! attribute.

mod ast;
mod attr;
mod ctxt;
mod expand;
mod fallback;
mod items;
mod symbol;
mod ty;
mod valid;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

/// Derives `locker_config::LockerConfig`; see the `locker-config` crate for the attributes.
#[proc_macro_derive(LockerConfig, attributes(locker))]
pub fn derive_locker_config(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive(&input).into()
}
