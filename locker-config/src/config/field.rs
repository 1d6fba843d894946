//! What a config type says about its fields.

/// One field of a `#[derive(LockerConfig)]` struct, as returned by `describe()`.
///
/// ```
/// use locker_config::{LockerConfig, Secret};
///
/// #[derive(LockerConfig)]
/// struct Db {
///     /// Postgres connection string.
///     database_url: Secret<String>,
///     #[locker(key = "DB_POOL", default = 8)]
///     pool: u32,
/// }
///
/// let url = &Db::describe()[0];
/// assert_eq!(url.key(), "DATABASE_URL");
/// assert!(url.is_secret());
/// assert_eq!(url.doc(), "Postgres connection string.");
/// assert_eq!(Db::describe()[1].default(), Some("8"));
/// assert_eq!(Db::KEYS, ["DATABASE_URL", "DB_POOL"]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FieldInfo {
    key: &'static str,
    field: &'static str,
    ty: &'static str,
    default: Option<&'static str>,
    optional: bool,
    secret: bool,
    doc: &'static str,
}

impl FieldInfo {
    #[doc(hidden)]
    #[allow(clippy::too_many_arguments)]
    pub const fn __new(
        key: &'static str,
        field: &'static str,
        ty: &'static str,
        default: Option<&'static str>,
        optional: bool,
        secret: bool,
        doc: &'static str,
    ) -> Self {
        FieldInfo {
            key,
            field,
            ty,
            default,
            optional,
            secret,
            doc,
        }
    }

    /// The Locker key, e.g. `DATABASE_URL`.
    pub fn key(&self) -> &'static str {
        self.key
    }

    /// The field's name in the struct (without `r#`).
    pub fn field(&self) -> &'static str {
        self.field
    }

    /// The field's type as written, e.g. `Secret<String>`.
    pub fn ty(&self) -> &'static str {
        self.ty
    }

    /// The default as written in `#[locker(default = …)]`; `Some("Default::default()")` for a
    /// bare `#[locker(default)]`; `None` without a default.
    pub fn default(&self) -> Option<&'static str> {
        self.default
    }

    /// True for `Option<T>` fields: absent means `None`.
    pub fn is_optional(&self) -> bool {
        self.optional
    }

    /// True for `Secret<T>` (and `Option<Secret<T>>`) fields.
    pub fn is_secret(&self) -> bool {
        self.secret
    }

    /// The field's doc comment, trimmed; empty without one.
    pub fn doc(&self) -> &'static str {
        self.doc
    }

    /// True when loading fails without a value for this key.
    pub fn is_required(&self) -> bool {
        !self.optional && self.default.is_none()
    }
}
