//! Every attribute name the derive understands, in one place.

/// The attribute: `#[locker(...)]`.
pub(crate) const LOCKER: &str = "locker";
/// `key = "HTTP_PORT"`.
pub(crate) const KEY: &str = "key";
/// `default`, `default = <literal>`.
pub(crate) const DEFAULT: &str = "default";
/// `with = path::to::parser`.
pub(crate) const WITH: &str = "with";
/// `json`.
pub(crate) const JSON: &str = "json";

/// The field attribute keys, for did-you-mean suggestions.
pub(crate) const FIELD_KEYS: &[&str] = &[KEY, DEFAULT, WITH, JSON];
