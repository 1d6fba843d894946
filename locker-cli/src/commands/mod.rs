//! One module per command; each takes its parsed arguments and returns the exit code.

pub(crate) mod check;
pub(crate) mod diff;
pub(crate) mod env;
pub(crate) mod export;
pub(crate) mod import;
pub(crate) mod run;
pub(crate) mod secret;
