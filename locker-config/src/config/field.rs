//! What a config type says about its fields, nested structs flattened into one list.

use std::any::TypeId;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use super::LockerConfig;

/// One field of a `#[derive(LockerConfig)]` struct, as returned by `describe()`.
///
/// Fields of nested structs (`#[locker(nested)]`) appear in place of the nested field, with
/// their full path (`db.url`) and full key (`DB_URL`).
///
/// ```
/// use locker_config::{LockerConfig, Secret};
///
/// #[derive(LockerConfig)]
/// struct Db {
///     /// Postgres connection string.
///     url: Secret<String>,
///     #[locker(default = 8, default_in(test = 1))]
///     pool_size: u32,
/// }
///
/// #[derive(LockerConfig)]
/// struct App {
///     #[locker(nested)]
///     db: Db,
///     #[locker(alias = "PORT")]
///     http_port: Option<u16>,
/// }
///
/// let url = &App::describe()[0];
/// assert_eq!(url.field(), "db.url");
/// assert_eq!(url.key(), "DB_URL");
/// assert!(url.is_secret());
/// assert_eq!(url.doc(), "Postgres connection string.");
/// let pool = &App::describe()[1];
/// assert_eq!(pool.default(), Some("8"));
/// assert_eq!(pool.default_in("test"), Some("1"));
/// assert_eq!(pool.default_in("prod"), Some("8"));
/// assert_eq!(App::describe()[2].aliases(), ["PORT"]);
/// assert_eq!(App::KEYS, ["DB_URL", "DB_POOL_SIZE", "HTTP_PORT"]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FieldInfo {
    key: &'static str,
    field: &'static str,
    ty: &'static str,
    default: Option<&'static str>,
    defaults_in: &'static [(&'static str, &'static str)],
    required_in: &'static [&'static str],
    aliases: &'static [&'static str],
    delimiter: Option<&'static str>,
    optional: bool,
    secret: bool,
    doc: &'static str,
}

impl FieldInfo {
    #[doc(hidden)]
    pub const fn __new(
        key: &'static str,
        field: &'static str,
        ty: &'static str,
        doc: &'static str,
    ) -> Self {
        FieldInfo {
            key,
            field,
            ty,
            default: None,
            defaults_in: &[],
            required_in: &[],
            aliases: &[],
            delimiter: None,
            optional: false,
            secret: false,
            doc,
        }
    }

    #[doc(hidden)]
    #[must_use]
    pub const fn __default(
        mut self,
        default: Option<&'static str>,
        defaults_in: &'static [(&'static str, &'static str)],
    ) -> Self {
        self.default = default;
        self.defaults_in = defaults_in;
        self
    }

    #[doc(hidden)]
    #[must_use]
    pub const fn __flags(mut self, optional: bool, secret: bool) -> Self {
        self.optional = optional;
        self.secret = secret;
        self
    }

    #[doc(hidden)]
    #[must_use]
    pub const fn __rules(
        mut self,
        required_in: &'static [&'static str],
        aliases: &'static [&'static str],
        delimiter: Option<&'static str>,
    ) -> Self {
        self.required_in = required_in;
        self.aliases = aliases;
        self.delimiter = delimiter;
        self
    }

    /// This field seen from a struct that nests its type under `path` with key `prefix`.
    /// The strings are built once per config type (the list is cached) and live as long as
    /// the program.
    fn nested_in(self, prefix: &str, path: &str, optional: bool) -> Self {
        let key = |key: &'static str| -> &'static str {
            if prefix.is_empty() {
                key
            } else {
                format!("{prefix}{key}").leak()
            }
        };
        let aliases: Vec<&'static str> = self.aliases.iter().map(|a| key(a)).collect();
        FieldInfo {
            key: key(self.key),
            field: format!("{path}.{}", self.field).leak(),
            aliases: aliases.leak(),
            optional: self.optional || optional,
            ..self
        }
    }

    /// The Locker key, e.g. `DATABASE_URL`; a nested struct's fields carry its prefix
    /// (`DB_URL`).
    pub fn key(&self) -> &'static str {
        self.key
    }

    /// The field's path from the top struct, e.g. `port` or `db.url` (without `r#`).
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

    /// The per-environment defaults of `#[locker(default_in(dev = …))]`, as written.
    pub fn defaults_in(&self) -> &'static [(&'static str, &'static str)] {
        self.defaults_in
    }

    /// The default that applies in `environment`: its `default_in` entry, else `default`.
    pub fn default_in(&self, environment: &str) -> Option<&'static str> {
        self.defaults_in
            .iter()
            .find(|(env, _)| *env == environment)
            .map(|(_, value)| *value)
            .or(self.default)
    }

    /// The environments of `#[locker(required_in(…))]`, where this `Option` field must be set.
    pub fn required_in(&self) -> &'static [&'static str] {
        self.required_in
    }

    /// The older keys of `#[locker(alias = …)]`, read when the key itself is absent.
    pub fn aliases(&self) -> &'static [&'static str] {
        self.aliases
    }

    /// For lists (`Vec<T>`), what separates the items: `,` unless `delimiter` says otherwise.
    pub fn delimiter(&self) -> Option<&'static str> {
        self.delimiter
    }

    /// True for `Option<T>` fields (absent means `None`) and the fields of an optional nested
    /// struct.
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

    /// True when loading fails without a value for this key in an environment without a
    /// `default_in` entry.
    pub fn is_required(&self) -> bool {
        !self.optional && self.default.is_none()
    }

    /// True when loading `environment` fails without a value for this key.
    pub fn is_required_in(&self, environment: &str) -> bool {
        if self.optional {
            self.required_in.contains(&environment)
        } else {
            self.default_in(environment).is_none()
        }
    }

    /// The key and every alias: what a load may read for this field.
    pub(crate) fn read_keys(&self) -> impl Iterator<Item = &'static str> {
        std::iter::once(self.key).chain(self.aliases.iter().copied())
    }
}

/// Every key a load of one config type may read: full nested keys, then aliases, each once.
#[derive(Debug)]
pub(crate) struct ReadKeys {
    /// In field order.
    pub(crate) ordered: Vec<String>,
    /// The same keys as a set, shared by every load of the type.
    pub(crate) set: Arc<BTreeSet<String>>,
}

/// The keys a load of `T` may read, computed once per type for the process (a few bytes per
/// config type, never freed).
pub(crate) fn read_keys<T: LockerConfig>() -> &'static ReadKeys {
    static BY_TYPE: OnceLock<Mutex<HashMap<TypeId, &'static ReadKeys>>> = OnceLock::new();
    let mut by_type = BY_TYPE
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    by_type.entry(TypeId::of::<T>()).or_insert_with(|| {
        let fields = T::describe();
        let mut seen = HashSet::with_capacity(fields.len());
        let ordered: Vec<String> = fields
            .iter()
            .flat_map(FieldInfo::read_keys)
            .filter(|key| seen.insert(*key))
            .map(str::to_owned)
            .collect();
        let set = Arc::new(ordered.iter().cloned().collect());
        Box::leak(Box::new(ReadKeys { ordered, set }))
    })
}

/// The cached, flattened field list of one config type; generated code keeps one in a
/// `static`.
#[derive(Debug)]
pub struct FieldList {
    fields: OnceLock<Box<[FieldInfo]>>,
}

impl FieldList {
    /// An empty list, filled on first use.
    pub const fn new() -> Self {
        FieldList {
            fields: OnceLock::new(),
        }
    }

    /// The list, built by `fill` the first time.
    pub fn get_or_init(
        &'static self,
        fill: impl FnOnce(&mut FieldsBuilder),
    ) -> &'static [FieldInfo] {
        self.fields.get_or_init(|| {
            let mut builder = FieldsBuilder { fields: Vec::new() };
            fill(&mut builder);
            builder.fields.into_boxed_slice()
        })
    }
}

impl Default for FieldList {
    fn default() -> Self {
        Self::new()
    }
}

/// Collects a config type's fields in order, nested structs flattened in place.
#[derive(Debug)]
pub struct FieldsBuilder {
    fields: Vec<FieldInfo>,
}

impl FieldsBuilder {
    /// A field of the struct itself.
    pub fn field(&mut self, info: FieldInfo) {
        self.fields.push(info);
    }

    /// Every field of a nested struct (its `describe()`), under the key `prefix` and the field
    /// `name`; `optional` for an `Option<N>` field.
    pub fn nested(
        &mut self,
        fields: &'static [FieldInfo],
        prefix: &str,
        name: &str,
        optional: bool,
    ) {
        self.fields.extend(
            fields
                .iter()
                .map(|info| info.nested_in(prefix, name, optional)),
        );
    }
}

/// One part of a config's key list: a key of its own, or a nested struct's keys under a
/// prefix. Generated code builds `KEYS` from these at compile time.
#[derive(Debug)]
pub enum KeyPart {
    /// A field's key.
    Key(&'static str),
    /// A nested struct's keys, each after the prefix.
    Nested(&'static str, &'static [&'static str]),
}

/// How many keys `parts` make.
pub const fn key_count(parts: &[KeyPart]) -> usize {
    let mut count = 0;
    let mut i = 0;
    while i < parts.len() {
        count += match &parts[i] {
            KeyPart::Key(_) => 1,
            KeyPart::Nested(_, keys) => keys.len(),
        };
        i += 1;
    }
    count
}

/// How many bytes the keys of `parts` take, prefixes included.
pub const fn key_bytes(parts: &[KeyPart]) -> usize {
    let mut bytes = 0;
    let mut i = 0;
    while i < parts.len() {
        match &parts[i] {
            KeyPart::Key(key) => bytes += key.len(),
            KeyPart::Nested(prefix, keys) => {
                let mut j = 0;
                while j < keys.len() {
                    bytes += prefix.len() + keys[j].len();
                    j += 1;
                }
            }
        }
        i += 1;
    }
    bytes
}

const fn copy_into(out: &mut [u8], at: usize, text: &str) -> usize {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        out[at + i] = bytes[i];
        i += 1;
    }
    at + bytes.len()
}

/// Every key of `parts`, concatenated; `BYTES` is [`key_bytes`].
pub const fn key_buffer<const BYTES: usize>(parts: &[KeyPart]) -> [u8; BYTES] {
    let mut out = [0u8; BYTES];
    let mut at = 0;
    let mut i = 0;
    while i < parts.len() {
        match &parts[i] {
            KeyPart::Key(key) => at = copy_into(&mut out, at, key),
            KeyPart::Nested(prefix, keys) => {
                let mut j = 0;
                while j < keys.len() {
                    at = copy_into(&mut out, at, prefix);
                    at = copy_into(&mut out, at, keys[j]);
                    j += 1;
                }
            }
        }
        i += 1;
    }
    out
}

const fn key_at(buffer: &'static [u8], at: usize, len: usize) -> &'static str {
    let (_, rest) = buffer.split_at(at);
    let (key, _) = rest.split_at(len);
    match std::str::from_utf8(key) {
        Ok(key) => key,
        // Whole keys are cut at their own boundaries, so this cannot happen.
        Err(_) => panic!("a key is cut inside a character"),
    }
}

/// The keys of `parts` as slices of `buffer` (from [`key_buffer`]); `COUNT` is [`key_count`].
pub const fn key_list<const COUNT: usize>(
    parts: &[KeyPart],
    buffer: &'static [u8],
) -> [&'static str; COUNT] {
    let mut out = [""; COUNT];
    let mut n = 0;
    let mut at = 0;
    let mut i = 0;
    while i < parts.len() {
        match &parts[i] {
            KeyPart::Key(key) => {
                out[n] = key_at(buffer, at, key.len());
                at += key.len();
                n += 1;
            }
            KeyPart::Nested(prefix, keys) => {
                let mut j = 0;
                while j < keys.len() {
                    let len = prefix.len() + keys[j].len();
                    out[n] = key_at(buffer, at, len);
                    at += len;
                    n += 1;
                    j += 1;
                }
            }
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const PARTS: &[KeyPart] = &[
        KeyPart::Key("PORT"),
        KeyPart::Nested("DB_", &["URL", "POOL"]),
        KeyPart::Nested("", &["FLAT"]),
    ];
    const BYTES: usize = key_bytes(PARTS);
    const BUFFER: [u8; BYTES] = key_buffer::<BYTES>(PARTS);
    const KEYS: [&str; key_count(PARTS)] = key_list(PARTS, &BUFFER);

    #[test]
    fn keys_are_concatenated_at_compile_time() {
        assert_eq!(KEYS, ["PORT", "DB_URL", "DB_POOL", "FLAT"]);
    }

    #[test]
    fn nesting_prefixes_keys_and_paths() {
        let info = FieldInfo::__new("URL", "url", "String", "")
            .__rules(&[], &["URI"], None)
            .__flags(false, true);
        let nested = info.nested_in("DB_", "db", true);
        assert_eq!(nested.key(), "DB_URL");
        assert_eq!(nested.field(), "db.url");
        assert_eq!(nested.aliases(), ["DB_URI"]);
        assert!(nested.is_optional() && nested.is_secret());
        let flat = info.nested_in("", "db", false);
        assert_eq!(flat.key(), "URL");
        assert_eq!(flat.field(), "db.url");
    }

    #[test]
    fn required_per_environment() {
        let port = FieldInfo::__new("PORT", "port", "u16", "").__default(None, &[("dev", "1")]);
        assert!(port.is_required() && port.is_required_in("prod"));
        assert!(!port.is_required_in("dev"));
        let dsn = FieldInfo::__new("DSN", "dsn", "Option<String>", "")
            .__flags(true, false)
            .__rules(&["prod"], &[], None);
        assert!(dsn.is_required_in("prod") && !dsn.is_required_in("dev"));
    }
}
