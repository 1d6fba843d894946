//! Loading `#[derive(LockerConfig)]` types: value parsing, the load report, the global
//! instance and test overrides.
//!
//! Data flows one way: one list request → a key→value map (environment first, then "All") →
//! generated code parses each field → the struct, or one [`ConfigReport`] naming every
//! problem.

mod build;
mod field;
pub(crate) mod global;
mod loader;
pub(crate) mod parse;
mod report;

pub use build::{Ctx, DefaultValue};
pub use field::FieldInfo;
pub use global::{GlobalCell, OverrideGuard};
pub(crate) use loader::from_values;
pub use loader::{ENVIRONMENT_VAR, Loaded, Loader};
pub use parse::Parser;
pub use report::{ConfigReport, FieldProblem, FieldSource, ProblemKind, ValueSource};

/// A configuration type loaded from Locker; implemented by `#[derive(LockerConfig)]`.
///
/// Users rarely name this trait: the derive also generates inherent functions (`load`,
/// `global`, `from_values`, …) on the struct. It is what [`Loader`] is generic over.
pub trait LockerConfig: Sized + Send + Sync + 'static {
    /// The struct's name, used in messages.
    const NAME: &'static str;

    /// Every field: key, field name, type, default, optional, secret, doc comment.
    fn describe() -> &'static [FieldInfo];

    #[doc(hidden)]
    fn __build(ctx: &mut Ctx<'_>) -> Option<Self>;

    #[doc(hidden)]
    fn __global() -> &'static GlobalCell<Self>;
}
