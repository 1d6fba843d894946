//! Collects every error of one derive so they are all reported at once.

use std::fmt::Display;
use std::thread;

use proc_macro2::Span;
use quote::ToTokens;

/// The error collector threaded through the pipeline. Like serde's, it must be consumed by
/// [`Ctxt::check`]: dropping it unchecked is a bug in the derive (errors would be lost), so it
/// panics.
pub(crate) struct Ctxt {
    /// `None` once checked; the errors so far, combined, otherwise.
    errors: Option<Option<syn::Error>>,
}

impl Ctxt {
    pub(crate) fn new() -> Self {
        Ctxt { errors: Some(None) }
    }

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
        match self.errors.as_mut().expect("Ctxt used after check") {
            Some(errors) => errors.combine(err),
            slot @ None => *slot = Some(err),
        }
    }

    /// All errors combined, or `Ok` if there were none.
    pub(crate) fn check(mut self) -> Result<(), syn::Error> {
        match self.errors.take().expect("Ctxt checked twice") {
            Some(err) => Err(err),
            None => Ok(()),
        }
    }
}

impl Drop for Ctxt {
    fn drop(&mut self) {
        if !thread::panicking() && self.errors.is_some() {
            panic!("forgot to check for errors");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Ctxt;
    use proc_macro2::Span;

    #[test]
    fn errors_are_combined_in_order() {
        let mut cx = Ctxt::new();
        cx.error_at(Span::call_site(), "first");
        cx.error_at(Span::call_site(), "second");
        let messages: Vec<String> = cx
            .check()
            .unwrap_err()
            .into_iter()
            .map(|e| e.to_string())
            .collect();
        assert_eq!(messages, ["first", "second"]);
        assert!(Ctxt::new().check().is_ok());
    }

    #[test]
    #[should_panic(expected = "forgot to check for errors")]
    fn dropping_unchecked_panics() {
        let mut cx = Ctxt::new();
        cx.error_at(Span::call_site(), "lost");
    }

    #[test]
    #[should_panic(expected = "forgot to check for errors")]
    fn dropping_unchecked_panics_without_errors_too() {
        drop(Ctxt::new());
    }
}
