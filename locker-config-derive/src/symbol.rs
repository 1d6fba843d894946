//! Every attribute name the derive understands, in one place.

/// The attribute: `#[locker(...)]`.
pub(crate) const LOCKER: &str = "locker";
/// `key = "HTTP_PORT"`.
pub(crate) const KEY: &str = "key";
/// `default`, `default = <literal>`.
pub(crate) const DEFAULT: &str = "default";
/// `default_in(dev = <literal>, …)`.
pub(crate) const DEFAULT_IN: &str = "default_in";
/// `required_in("prod", …)`.
pub(crate) const REQUIRED_IN: &str = "required_in";
/// `alias = "OLD_KEY"`, repeatable.
pub(crate) const ALIAS: &str = "alias";
/// `with = path::to::parser`.
pub(crate) const WITH: &str = "with";
/// `json`.
pub(crate) const JSON: &str = "json";
/// `validate = path::to::check`, on a field or on the struct.
pub(crate) const VALIDATE: &str = "validate";
/// `delimiter = ";"`.
pub(crate) const DELIMITER: &str = "delimiter";
/// `nested`.
pub(crate) const NESTED: &str = "nested";
/// `prefix = "DB_"`, with `nested`.
pub(crate) const PREFIX: &str = "prefix";
/// `env_prefix = "MYAPP_"`, on the struct.
pub(crate) const ENV_PREFIX: &str = "env_prefix";

/// The field attribute keys, for did-you-mean suggestions and the list in messages.
pub(crate) const FIELD_KEYS: &[&str] = &[
    KEY,
    DEFAULT,
    DEFAULT_IN,
    REQUIRED_IN,
    ALIAS,
    WITH,
    JSON,
    VALIDATE,
    DELIMITER,
    NESTED,
    PREFIX,
];

/// The field attributes that apply to a `nested` field; every other one is for leaf fields.
pub(crate) const NESTED_KEYS: &[&str] = &[NESTED, PREFIX];

/// The struct attribute keys.
pub(crate) const CONTAINER_KEYS: &[&str] = &[VALIDATE, ENV_PREFIX];
