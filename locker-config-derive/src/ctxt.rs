//! Collects every error of one derive so they are all reported at once.

use std::fmt::Display;

use proc_macro2::Span;
use quote::ToTokens;

/// The error collector threaded through the pipeline.
#[derive(Default)]
pub(crate) struct Ctxt {
    errors: Option<syn::Error>,
}

impl Ctxt {
    /// An error spanning `tokens`.
    pub(crate) fn error_spanned_by<T: ToTokens, M: Display>(&mut self, tokens: T, message: M) {
        self.syn_error(syn::Error::new_spanned(tokens, message));
    }

    /// An error at `span`.
    pub(crate) fn error_at<M: Display>(&mut self, span: Span, message: M) {
        self.syn_error(syn::Error::new(span, message));
    }

    /// Adds a ready-made error.
    pub(crate) fn syn_error(&mut self, err: syn::Error) {
        match &mut self.errors {
            Some(errors) => errors.combine(err),
            None => self.errors = Some(err),
        }
    }

    /// All errors combined, or `Ok` if there were none.
    pub(crate) fn check(self) -> Result<(), syn::Error> {
        match self.errors {
            Some(err) => Err(err),
            None => Ok(()),
        }
    }
}
