//! Loading `#[derive(LockerConfig)]` types: value parsing, the load report, checks against a
//! live project, templates, the global instance and test overrides.
//!
//! Data flows one way: one list request → a key→value map (environment first, then "All") →
//! generated code parses each field (nested structs included) → the struct, or one
//! [`ConfigReport`] naming every problem.

pub(crate) mod build;
mod check;
pub(crate) mod field;
pub(crate) mod global;
mod loader;
pub(crate) mod parse;
mod report;
mod schema;
pub(crate) mod template;

pub use check::{CheckReport, EmptyValue, UnusedKey};
pub use field::FieldInfo;
pub(crate) use field::read_keys;
pub use global::{OverrideGuard, ProcessOverrideGuard, WithOverride};
pub(crate) use loader::from_values;
pub use loader::{ENVIRONMENT_VAR, Loaded, Loader};
pub use report::{ConfigReport, FieldProblem, FieldSource, ProblemKind, ValueSource};
pub use schema::Schema;
pub use template::TemplateFormat;

/// A configuration type loaded from Locker; implemented by `#[derive(LockerConfig)]`.
///
/// Users rarely name this trait: the derive also generates inherent functions (`load`,
/// `global`, `from_values`, `check`, `template`, …) on the struct. It is what [`Loader`] is
/// generic over, and what `#[locker(nested)]` requires of a field's type.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not implement `LockerConfig`",
    label = "this type has no `#[derive(LockerConfig)]`",
    note = "`#[locker(nested)]` needs a struct that derives `LockerConfig` itself"
)]
pub trait LockerConfig: Sized + Send + Sync + 'static {
    /// The struct's name, used in messages.
    const NAME: &'static str;

    /// Every Locker key this config reads, in field order, nested structs' keys in place
    /// (with their prefix). Aliases are not included.
    const KEYS: &'static [&'static str];

    /// The prefix of the process environment variables that override Locker, from
    /// `#[locker(env_prefix = "…")]`; `None`: the process environment is read only when the
    /// loader asks for it.
    const ENV_PREFIX: Option<&'static str> = None;

    /// Every field: key, path, type, defaults, rules, doc comment; nested structs' fields in
    /// place, with their full path and key.
    fn describe() -> &'static [FieldInfo];

    #[doc(hidden)]
    fn __build(ctx: &mut build::Ctx<'_>) -> Option<Self>;

    #[doc(hidden)]
    fn __global() -> &'static global::GlobalCell<Self>;
}
