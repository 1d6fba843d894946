//! A config's keys and rules without its types: the JSON schema (`format` 1) that
//! `TemplateFormat::Json` writes and `locker check` reads, and the check of an environment
//! against it.

use std::collections::HashSet;
use std::fmt;
use std::future::Future;
use std::sync::{Mutex, PoisonError};

use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::LockerConfig;
use super::build::collect_unparsed;
use super::check::{CheckReport, environment_values, report_from};
use super::field::FieldInfo;
use crate::client::Locker;
use crate::error::{Error, ErrorKind, Result};

/// The keys and rules of a config type, without its types: what `AppConfig::template
/// (TemplateFormat::Json)` writes, read back by [`Schema::from_json`], so that a pipeline can
/// check an environment without building the app (`locker check --schema FILE --env E`).
///
/// The JSON (`format` 1) holds one object per key, in field order, nested structs' fields in
/// place with their full path and key:
///
/// ```json
/// {"format": 1, "name": "AppConfig", "keys": [
///  {"key": "DATABASE_URL", "field": "database_url", "type": "Secret<String>", "required": true,
///   "required_in": [], "default": null, "default_in": {}, "secret": true, "aliases": [],
///   "doc": "Postgres"}
/// ]}
/// ```
///
/// `default` and the values of `default_in` are the default as written in the code (what
/// `.env.example` shows), `null` for none. `required` is true when a load fails without the
/// key in an environment that has no `default_in` entry; an optional key (`required: false`,
/// `default: null`) is still required in the environments of `required_in`.
///
/// [`check`](Self::check) applies the rules of [`Loader::check`](crate::Loader::check):
/// missing keys, `required_in`, defaults and `default_in`, aliases, keys two fields read, and
/// the drift lists (keys no field reads with a did-you-mean, fields set only in "All", empty
/// values, deprecated aliases in use). What it cannot do without the types: **parse** values
/// (a `u16` key holding `eighty` passes), run `validate` functions, or tell that an optional
/// nested struct is half set (its keys are each optional in the schema). A load can still fail
/// on those; the check says when it certainly would.
///
/// ```
/// use locker_config::config::Schema;
/// use locker_config::{LockerConfig, Secret, TemplateFormat};
///
/// #[derive(LockerConfig)]
/// struct AppConfig {
///     /// Postgres
///     database_url: Secret<String>,
///     #[locker(default = 443, default_in(dev = 8080))]
///     port: u16,
/// }
///
/// let json = AppConfig::template(TemplateFormat::Json);
/// let schema = Schema::from_json(&json)?;
/// assert_eq!(schema, Schema::of::<AppConfig>());
/// assert_eq!(schema.name(), "AppConfig");
/// assert_eq!(schema.fields()[1].default_in("dev"), Some("8080"));
///
/// let err = Schema::from_json(r#"{"format": 2, "name": "AppConfig", "keys": []}"#).unwrap_err();
/// assert!(err.to_string().contains("format 2"));
/// # Ok::<(), locker_config::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schema {
    name: &'static str,
    fields: Box<[FieldInfo]>,
}

impl Schema {
    /// The schema format this version writes and reads.
    pub const FORMAT: u64 = 1;

    /// The largest schema text [`from_json`](Self::from_json) reads, in bytes (1 MiB).
    pub const MAX_LEN: usize = 1 << 20;

    /// The schema of a config type: its name and [`describe()`](LockerConfig::describe).
    pub fn of<T: LockerConfig>() -> Self {
        Schema {
            name: T::NAME,
            fields: T::describe().into(),
        }
    }

    /// Reads a schema as written by `TemplateFormat::Json`.
    ///
    /// Every string of the schema is kept once for the life of the process (reports name keys
    /// and fields as `&'static str`); reading the same schema again adds nothing.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidInput`] naming what is wrong: text longer than
    /// [`MAX_LEN`](Self::MAX_LEN), not JSON, a `format` other than 1 (a newer schema), a
    /// missing, unknown or mistyped member (by its path, e.g. `keys[2].required`), an empty
    /// name, key or field, or rules that contradict each other (a required key with a
    /// default, `required_in` on a key that is never missing, an alias equal to its key).
    pub fn from_json(text: &str) -> Result<Self> {
        if text.len() > Self::MAX_LEN {
            return Err(invalid(format!(
                "it is {} bytes, more than the {} a schema may have",
                text.len(),
                Self::MAX_LEN
            )));
        }
        // The format first, so that a newer schema is named as such rather than as a list of
        // members this version does not know; and objects where objects belong (serde would
        // also take a struct written as an array).
        let probe: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(text).map_err(|e| invalid(e.to_string()))?;
        match probe.get("format") {
            None => return Err(invalid("missing field `format`")),
            Some(serde_json::Value::Number(n)) if n.as_u64() == Some(Self::FORMAT) => {}
            Some(serde_json::Value::Number(n)) if n.as_u64().is_some_and(|n| n > Self::FORMAT) => {
                return Err(invalid(format!(
                    "format {n} is newer than this version reads (format {}); upgrade to the \
                     version that wrote it",
                    Self::FORMAT
                )));
            }
            Some(other) => {
                return Err(invalid(format!(
                    "format {other} is not a schema format (expected {})",
                    Self::FORMAT
                )));
            }
        }
        if let Some(serde_json::Value::Array(keys)) = probe.get("keys")
            && let Some(index) = keys.iter().position(|k| !k.is_object())
        {
            return Err(invalid(format!("keys[{index}] is not an object")));
        }
        let de = &mut serde_json::Deserializer::from_str(text);
        let file: SchemaFile =
            serde_path_to_error::deserialize(de).map_err(|e| invalid(e.to_string()))?;
        file.into_schema()
    }

    /// The schema as JSON (`format` 1), pretty-printed, ending with a newline.
    pub fn to_json(&self) -> String {
        let file = SchemaFile {
            format: Self::FORMAT,
            name: self.name.to_owned(),
            keys: self.fields.iter().map(KeyEntry::from_info).collect(),
        };
        let mut text = serde_json::to_string_pretty(&file)
            .expect("a schema of strings, booleans and lists serializes");
        text.push('\n');
        text
    }

    /// The config's name, e.g. `AppConfig`.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Every key, in field order. A schema read from JSON has no list delimiters (they do not
    /// change whether a key is set).
    pub fn fields(&self) -> &[FieldInfo] {
        &self.fields
    }

    /// Checks `environment` against the schema with `locker`: one list request (plus the
    /// client's profile, and an environment lookup when the environment holds no record of
    /// its own). See the type's docs for what a check without types can tell.
    ///
    /// Blocking; works from a plain `main` and from inside a tokio runtime.
    ///
    /// # Errors
    ///
    /// Only when it cannot look: credentials, network, an environment that does not exist
    /// ([`ErrorKind::NotFound`]), an empty environment name ([`ErrorKind::InvalidInput`]).
    pub fn check(&self, locker: &Locker, environment: &str) -> Result<CheckReport> {
        crate::runtime::block_on(self.check_async(locker, environment))
    }

    /// Like [`check`](Self::check), asynchronously.
    ///
    /// ```no_run
    /// # use locker_config::config::Schema;
    /// # async fn run(locker: locker_config::Locker) -> locker_config::Result<()> {
    /// let text = std::fs::read_to_string("schema.json").expect("the schema");
    /// let report = Schema::from_json(&text)?.check_async(&locker, "prod").await?;
    /// if !report.is_ok() {
    ///     eprintln!("{report}");
    /// }
    /// # Ok(()) }
    /// ```
    pub fn check_async(
        &self,
        locker: &Locker,
        environment: &str,
    ) -> impl Future<Output = Result<CheckReport>> + Send + 'static {
        let schema = self.clone();
        let client = locker.clone();
        let environment = environment.to_owned();
        async move {
            if environment.trim().is_empty() {
                return Err(Error::new(
                    ErrorKind::InvalidInput,
                    "the environment name must not be empty",
                ));
            }
            let (values, environment_keys) = environment_values(&client, &environment).await?;
            let outcome = collect_unparsed(schema.name, &schema.fields, &values);
            Ok(report_from(
                schema.name,
                &schema.fields,
                environment,
                &values,
                environment_keys,
                // A schema check reads no process environment: nothing is shadowed.
                &HashSet::new(),
                outcome,
            ))
        }
    }
}

fn invalid(reason: impl fmt::Display) -> Error {
    Error::new(
        ErrorKind::InvalidInput,
        format!("not a locker-config schema: {reason}"),
    )
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SchemaFile {
    format: u64,
    name: String,
    keys: Vec<KeyEntry>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyEntry {
    key: String,
    field: String,
    #[serde(rename = "type")]
    ty: String,
    required: bool,
    required_in: Vec<String>,
    // Present, even when null: a schema states every rule.
    #[serde(deserialize_with = "Option::deserialize")]
    default: Option<String>,
    default_in: DefaultsIn,
    secret: bool,
    aliases: Vec<String>,
    doc: String,
}

impl KeyEntry {
    fn from_info(info: &FieldInfo) -> Self {
        KeyEntry {
            key: info.key().to_owned(),
            field: info.field().to_owned(),
            ty: info.ty().to_owned(),
            required: info.is_required(),
            required_in: info.required_in().iter().map(|e| (*e).to_owned()).collect(),
            default: info.default().map(str::to_owned),
            default_in: DefaultsIn(
                info.defaults_in()
                    .iter()
                    .map(|(env, value)| ((*env).to_owned(), (*value).to_owned()))
                    .collect(),
            ),
            secret: info.is_secret(),
            aliases: info.aliases().iter().map(|a| (*a).to_owned()).collect(),
            doc: info.doc().to_owned(),
        }
    }
}

impl SchemaFile {
    fn into_schema(self) -> Result<Schema> {
        if self.name.trim().is_empty() {
            return Err(invalid("`name` is empty"));
        }
        let mut interner = INTERNER.lock().unwrap_or_else(PoisonError::into_inner);
        let fields = self
            .keys
            .into_iter()
            .enumerate()
            .map(|(index, entry)| entry.into_info(index, &mut interner))
            .collect::<Result<Box<[FieldInfo]>>>()?;
        Ok(Schema {
            name: interner.str(&self.name),
            fields,
        })
    }
}

impl KeyEntry {
    fn into_info(self, index: usize, interner: &mut Interner) -> Result<FieldInfo> {
        let at = |what: &str| invalid(format!("keys[{index}] ({:?}): {what}", self.key));
        if self.key.trim().is_empty() {
            return Err(invalid(format!("keys[{index}].key is empty")));
        }
        if self.field.trim().is_empty() {
            return Err(at("`field` is empty"));
        }
        if self.required && self.default.is_some() {
            return Err(at("`required` is true but `default` is set"));
        }
        let optional = !self.required && self.default.is_none();
        if !self.required_in.is_empty() && !optional {
            return Err(at(
                "`required_in` lists environments, but only an optional key (not required, no \
                 default) can be required in some environments",
            ));
        }
        if let Some(alias) = self
            .aliases
            .iter()
            .find(|a| a.trim().is_empty() || **a == self.key)
        {
            return Err(at(&format!("alias {alias:?} is empty or the key itself")));
        }
        if self.required_in.iter().any(|e| e.trim().is_empty())
            || self.default_in.0.iter().any(|(e, _)| e.trim().is_empty())
        {
            return Err(at(
                "an environment name in `required_in` or `default_in` is empty",
            ));
        }
        let required_in = interner.list(&self.required_in);
        let aliases = interner.list(&self.aliases);
        let defaults_in = interner.pairs(&self.default_in.0);
        let default = self.default.as_deref().map(|d| interner.str(d));
        Ok(FieldInfo::__new(
            interner.str(&self.key),
            interner.str(&self.field),
            interner.str(&self.ty),
            interner.str(&self.doc),
        )
        .__default(default, defaults_in)
        .__flags(optional, self.secret)
        .__rules(required_in, aliases, None))
    }
}

/// `default_in`: a JSON object of environment → default, in field order, each environment
/// once.
struct DefaultsIn(Vec<(String, String)>);

impl Serialize for DefaultsIn {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (environment, value) in &self.0 {
            map.serialize_entry(environment, value)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for DefaultsIn {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct Entries;
        impl<'de> Visitor<'de> for Entries {
            type Value = DefaultsIn;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of environment names to default strings")
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<DefaultsIn, A::Error> {
                let mut entries: Vec<(String, String)> = Vec::new();
                while let Some((environment, value)) = map.next_entry::<String, String>()? {
                    if entries.iter().any(|(e, _)| *e == environment) {
                        return Err(de::Error::custom(format_args!(
                            "environment {environment:?} appears twice"
                        )));
                    }
                    entries.push((environment, value));
                }
                Ok(DefaultsIn(entries))
            }
        }
        deserializer.deserialize_map(Entries)
    }
}

/// The strings (and lists of them) of every schema read by this process, each kept once:
/// [`FieldInfo`] and the reports hold `&'static str`.
static INTERNER: Mutex<Interner> = Mutex::new(Interner {
    strs: None,
    lists: None,
    pairs: None,
});

type Pairs = [(&'static str, &'static str)];

struct Interner {
    strs: Option<HashSet<&'static str>>,
    lists: Option<HashSet<&'static [&'static str]>>,
    pairs: Option<HashSet<&'static Pairs>>,
}

impl Interner {
    fn str(&mut self, text: &str) -> &'static str {
        let strs = self.strs.get_or_insert_with(HashSet::new);
        if let Some(kept) = strs.get(text) {
            return kept;
        }
        let kept: &'static str = Box::leak(text.into());
        strs.insert(kept);
        kept
    }

    fn list(&mut self, items: &[String]) -> &'static [&'static str] {
        if items.is_empty() {
            return &[];
        }
        let list: Vec<&'static str> = items.iter().map(|i| self.str(i)).collect();
        let lists = self.lists.get_or_insert_with(HashSet::new);
        if let Some(kept) = lists.get(list.as_slice()) {
            return kept;
        }
        let kept: &'static [&'static str] = Box::leak(list.into_boxed_slice());
        lists.insert(kept);
        kept
    }

    fn pairs(&mut self, items: &[(String, String)]) -> &'static Pairs {
        if items.is_empty() {
            return &[];
        }
        let list: Vec<(&'static str, &'static str)> = items
            .iter()
            .map(|(a, b)| (self.str(a), self.str(b)))
            .collect();
        let pairs = self.pairs.get_or_insert_with(HashSet::new);
        if let Some(kept) = pairs.get(list.as_slice()) {
            return kept;
        }
        let kept: &'static Pairs = Box::leak(list.into_boxed_slice());
        pairs.insert(kept);
        kept
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(extra: &str) -> String {
        let mut fields = serde_json::json!({
            "key": "PORT", "field": "port", "type": "u16", "required": false,
            "required_in": [], "default": "443", "default_in": {"dev": "8080"},
            "secret": false, "aliases": [], "doc": "",
        });
        let extra: serde_json::Value = serde_json::from_str(extra).unwrap();
        for (k, v) in extra.as_object().unwrap() {
            if v.is_null() && k.starts_with('-') {
                fields.as_object_mut().unwrap().remove(&k[1..]);
            } else {
                fields[k] = v.clone();
            }
        }
        serde_json::json!({"format": 1, "name": "App", "keys": [fields]}).to_string()
    }

    fn error(text: &str) -> String {
        let err = Schema::from_json(text).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        err.to_string()
    }

    #[test]
    fn a_schema_reads_back() {
        let schema = Schema::from_json(&entry("{}")).unwrap();
        let port = schema.fields()[0];
        assert_eq!(port.default_in("dev"), Some("8080"));
        assert_eq!(port.default_in("prod"), Some("443"));
        assert!(!port.is_optional());
        assert_eq!(Schema::from_json(&schema.to_json()).unwrap(), schema);
    }

    #[test]
    fn every_mistake_is_named() {
        let cases = [
            (
                String::from("[1, 2]"),
                "invalid type: sequence, expected a map",
            ),
            (
                String::from("{\"format\": 1, \"name\": \"App\", \"keys\": [[]]}"),
                "keys[0] is not an object",
            ),
            (String::from("{\"format\": 1"), "EOF while parsing"),
            (
                String::from("{\"name\": \"App\", \"keys\": []}"),
                "missing field `format`",
            ),
            (
                String::from("{\"format\": 3, \"keys\": 7}"),
                "format 3 is newer than this version reads (format 1)",
            ),
            (
                String::from("{\"format\": \"1\"}"),
                "format \"1\" is not a schema format",
            ),
            (
                String::from("{\"format\": 0}"),
                "format 0 is not a schema format",
            ),
            (
                String::from("{\"format\": 1, \"keys\": []}"),
                "missing field `name`",
            ),
            (
                String::from("{\"format\": 1, \"name\": \" \", \"keys\": []}"),
                "`name` is empty",
            ),
            (
                entry(r#"{"required": "yes"}"#),
                "keys[0].required: invalid type: string \"yes\", expected a boolean",
            ),
            (
                entry(r#"{"-default": null}"#),
                "keys[0]: missing field `default`",
            ),
            (
                entry(r#"{"requierd": true}"#),
                "keys[0].requierd: unknown field `requierd`",
            ),
            (
                entry(r#"{"default_in": {"dev": 8080}}"#),
                "keys[0].default_in.dev: invalid type: integer `8080`, expected a string",
            ),
            (entry(r#"{"key": ""}"#), "keys[0].key is empty"),
            (
                entry(r#"{"required": true}"#),
                "keys[0] (\"PORT\"): `required` is true but `default` is set",
            ),
            (
                entry(r#"{"required_in": ["prod"]}"#),
                "`required_in` lists environments",
            ),
            (
                entry(r#"{"aliases": ["PORT"]}"#),
                "alias \"PORT\" is empty or the key itself",
            ),
        ];
        for (text, expected) in cases {
            let message = error(&text);
            assert!(
                message.contains(expected),
                "{text}\n  gave: {message}\n  expected: {expected}"
            );
            assert!(
                message.starts_with("invalid input: not a locker-config schema: "),
                "{message}"
            );
        }
        let duplicate = r#"{"format": 1, "name": "App", "keys": [{"key": "PORT", "field": "port",
            "type": "u16", "required": false, "required_in": [], "default": "1",
            "default_in": {"dev": "2", "dev": "3"}, "secret": false, "aliases": [], "doc": ""}]}"#;
        assert!(error(duplicate).contains("environment \"dev\" appears twice"));
        let big = format!(
            "{{\"format\": 1, \"name\": \"{}\", \"keys\": []}}",
            "a".repeat(Schema::MAX_LEN)
        );
        assert!(error(&big).contains("more than the 1048576 a schema may have"));
    }

    #[test]
    fn strings_are_kept_once() {
        let a =
            Schema::from_json(&entry(r#"{"aliases": ["OLD_PORT"], "doc": "kept once"}"#)).unwrap();
        let b =
            Schema::from_json(&entry(r#"{"aliases": ["OLD_PORT"], "doc": "kept once"}"#)).unwrap();
        assert!(std::ptr::eq(a.fields()[0].doc(), b.fields()[0].doc()));
        assert!(std::ptr::eq(
            a.fields()[0].aliases(),
            b.fields()[0].aliases()
        ));
        assert!(std::ptr::eq(
            a.fields()[0].defaults_in(),
            b.fields()[0].defaults_in()
        ));
    }
}
