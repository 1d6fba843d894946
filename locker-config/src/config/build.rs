//! Resolving each field from a key→value map; what generated code calls per field.

use std::collections::HashMap;
use std::fmt;

use zeroize::Zeroizing;

use super::LockerConfig;
use super::field::FieldInfo;
use super::parse::Parser;
use super::report::{ConfigReport, FieldProblem, FieldSource, ProblemKind, ValueSource};
use crate::error::{Error, ErrorKind, Result};

/// The values one load sees: key → (value, where it came from). Values are wiped on drop.
#[derive(Default)]
pub(crate) struct Values {
    environment: Option<String>,
    map: HashMap<String, (Zeroizing<String>, ValueSource)>,
}

impl Values {
    pub(crate) fn new(environment: Option<String>) -> Self {
        Values {
            environment,
            map: HashMap::new(),
        }
    }

    /// Sets `key`, replacing what was there.
    pub(crate) fn set(&mut self, key: String, value: String, source: ValueSource) {
        self.map.insert(key, (Zeroizing::new(value), source));
    }

    /// The value of `key` and where it came from.
    pub(crate) fn get(&self, key: &str) -> Option<(&str, &ValueSource)> {
        self.map.get(key).map(|(v, s)| (v.as_str(), s))
    }

    /// Sets `key` unless it is already set.
    pub(crate) fn set_if_absent(&mut self, key: String, value: String, source: ValueSource) {
        self.map
            .entry(key)
            .or_insert_with(|| (Zeroizing::new(value), source));
    }

    /// The environment being loaded; `None` for `from_values`.
    pub(crate) fn environment(&self) -> Option<&str> {
        self.environment.as_deref()
    }

    /// The value for `info` from the highest layer that sets its key or an alias; within a
    /// layer, its key, else its first alias that is set.
    fn lookup(&self, info: &FieldInfo) -> Option<(&str, &ValueSource, Option<&'static str>)> {
        let mut best = self
            .get(info.key())
            .map(|(raw, source)| (raw, source, None));
        for alias in info.aliases() {
            if let Some((raw, source)) = self.get(alias)
                && best.is_none_or(|(_, held, _)| source.layer() > held.layer())
            {
                best = Some((raw, source, Some(*alias)));
            }
        }
        best
    }
}

/// A field's default, as generated from `#[locker(default …)]`.
pub enum DefaultValue<T> {
    /// No default.
    None,
    /// `default = "…"`: parsed like a stored value.
    Str(&'static str),
    /// `default = 8080` or bare `default`: already typed.
    Value(fn() -> T),
}

/// A field's defaults: `default`, and the per-environment ones of `default_in(…)`.
pub struct Defaults<T> {
    base: DefaultValue<T>,
    per_environment: Vec<(&'static str, DefaultValue<T>)>,
}

impl<T> Defaults<T> {
    /// `default`, or [`DefaultValue::None`].
    pub fn new(base: DefaultValue<T>) -> Self {
        Defaults {
            base,
            per_environment: Vec::new(),
        }
    }

    /// A `default_in(environment = …)` entry.
    #[must_use]
    pub fn environment(mut self, environment: &'static str, value: DefaultValue<T>) -> Self {
        self.per_environment.push((environment, value));
        self
    }

    /// The default that applies when loading `environment`.
    fn select(self, environment: Option<&str>) -> DefaultValue<T> {
        let Defaults {
            base,
            per_environment,
        } = self;
        environment
            .and_then(|env| {
                per_environment
                    .into_iter()
                    .find(|(name, _)| *name == env)
                    .map(|(_, value)| value)
            })
            .unwrap_or(base)
    }
}

/// A nested struct type as generated code hands it over: its `NAME`, `describe()` and
/// `__build`. Named through `<T as LockerConfig>::…` paths, so a type without the derive is
/// reported once, at the field's type.
pub type Nested<N> = (
    &'static str,
    &'static [FieldInfo],
    for<'a, 'b> fn(&'a mut Ctx<'b>) -> Option<N>,
);

/// Where generated code is in the flattened field list: the struct being built starts at
/// `base` and is reached through `path` (empty at the top).
#[derive(Clone, Copy)]
struct Scope {
    base: usize,
    /// `db` for the fields of `db.url`; the config's name at the top.
    path: &'static str,
    /// Set while building a present `Option<Nested>`: its path, for "incomplete" problems.
    optional_group: Option<&'static str>,
}

/// Collects field values and problems while generated code builds a config.
pub struct Ctx<'a> {
    fields: &'a [FieldInfo],
    values: &'a Values,
    scope: Scope,
    warn_aliases: bool,
    config: &'static str,
    problems: Vec<FieldProblem>,
    sources: Vec<FieldSource>,
}

impl Ctx<'_> {
    fn info(&self, index: usize) -> FieldInfo {
        self.fields[self.scope.base + index]
    }

    /// A field that must end up with a value.
    pub fn required<T>(
        &mut self,
        index: usize,
        parser: Parser<T>,
        defaults: Defaults<T>,
    ) -> Option<T> {
        let info = self.info(index);
        if let Some((raw, source, alias)) = self.values.lookup(&info) {
            return self.parse(info, &parser, raw, source.clone(), alias);
        }
        match defaults.select(self.values.environment()) {
            DefaultValue::Str(raw) => self.parse(info, &parser, raw, ValueSource::Default, None),
            DefaultValue::Value(make) => {
                self.record(info, ValueSource::Default, None);
                Some(make())
            }
            DefaultValue::None => {
                self.missing(info);
                None
            }
        }
    }

    /// An `Option<T>` field: absent is `None` (unless `required_in` names the environment),
    /// present must parse.
    pub fn optional<T>(&mut self, index: usize, parser: Parser<T>) -> Option<Option<T>> {
        let info = self.info(index);
        match self.values.lookup(&info) {
            Some((raw, source, alias)) => self
                .parse(info, &parser, raw, source.clone(), alias)
                .map(Some),
            None => {
                let required = self
                    .values
                    .environment()
                    .is_some_and(|env| info.required_in().contains(&env));
                if required {
                    self.missing(info);
                    return None;
                }
                self.record(info, ValueSource::Absent, None);
                Some(None)
            }
        }
    }

    /// Runs a field's `validate` function on its value, if it has one.
    pub fn validate<T, E: fmt::Display>(
        &mut self,
        index: usize,
        value: Option<T>,
        check: impl FnOnce(&T) -> ::core::result::Result<(), E>,
    ) -> Option<T> {
        let value = value?;
        match check(&value) {
            Ok(()) => Some(value),
            Err(err) => {
                self.rejected(index, err.to_string());
                None
            }
        }
    }

    /// Like [`validate`](Self::validate) for an `Option<T>` field: `None` is not validated.
    pub fn validate_optional<T, E: fmt::Display>(
        &mut self,
        index: usize,
        value: Option<Option<T>>,
        check: impl FnOnce(&T) -> ::core::result::Result<(), E>,
    ) -> Option<Option<T>> {
        match value? {
            Some(inner) => self.validate(index, Some(inner), check).map(Some),
            None => Some(None),
        }
    }

    /// A `#[locker(nested)]` field whose fields start at `index`: `nested` is the nested
    /// type's `NAME`, `describe()` and `__build`.
    pub fn nested<N>(&mut self, index: usize, nested: Nested<N>) -> Option<N> {
        let outer = self.scope;
        self.scope = Scope {
            base: outer.base + index,
            path: self.nested_path(index, &nested),
            optional_group: outer.optional_group,
        };
        let built = (nested.2)(self);
        self.scope = outer;
        built
    }

    /// An `Option<N>` nested field: `None` when none of its keys is set, else built like
    /// [`nested`](Self::nested), a missing field reported as incomplete.
    pub fn optional_nested<N>(&mut self, index: usize, nested: Nested<N>) -> Option<Option<N>> {
        let start = self.scope.base + index;
        let fields = &self.fields[start..start + nested.1.len()];
        let any_set = fields.iter().any(|info| self.values.lookup(info).is_some());
        if !any_set {
            for info in fields {
                self.record(*info, ValueSource::Absent, None);
            }
            return Some(None);
        }
        let outer = self.scope;
        let path = self.nested_path(index, &nested);
        self.scope = Scope {
            base: start,
            path,
            optional_group: Some(outer.optional_group.unwrap_or(path)),
        };
        let built = (nested.2)(self);
        self.scope = outer;
        built.map(Some)
    }

    /// Runs the container `validate` function on a struct whose fields all loaded.
    pub fn validate_config<T, E: fmt::Display>(
        &mut self,
        config: &T,
        check: impl FnOnce(&T) -> ::core::result::Result<(), E>,
    ) -> Option<()> {
        match check(config) {
            Ok(()) => Some(()),
            Err(err) => {
                self.problems.push(FieldProblem {
                    field: self.scope.path,
                    key: "",
                    alias: None,
                    environment: self.values.environment.clone(),
                    source: ValueSource::Absent,
                    kind: ProblemKind::Rejected {
                        message: err.to_string(),
                    },
                });
                None
            }
        }
    }

    /// The full path of the nested struct at `index`: `db` for `db.url`. Taken from the
    /// flattened list (whose strings live as long as the program) so problems can hold it.
    fn nested_path<N>(&self, index: usize, nested: &Nested<N>) -> &'static str {
        let Some(first) = nested.1.first() else {
            return nested.0;
        };
        let full = self.info(index).field();
        let cut = full.len().saturating_sub(first.field().len() + 1);
        &full[..cut]
    }

    fn parse<T>(
        &mut self,
        info: FieldInfo,
        parser: &Parser<T>,
        raw: &str,
        source: ValueSource,
        alias: Option<&'static str>,
    ) -> Option<T> {
        match parser.parse(raw) {
            Some(value) => {
                self.record(info, source, alias);
                Some(value)
            }
            None => {
                let expected = parser.expected().to_owned();
                self.problem(info, source, alias, ProblemKind::Invalid { expected });
                None
            }
        }
    }

    fn record(&mut self, info: FieldInfo, source: ValueSource, alias: Option<&'static str>) {
        if let (Some(alias), true) = (alias, self.warn_aliases) {
            // One line, never the value.
            tracing::warn!(
                config = self.config,
                field = info.field(),
                "{} is read from the deprecated key {alias}; rename that secret to {}",
                info.field(),
                info.key()
            );
        }
        self.sources.push(FieldSource {
            field: info.field(),
            key: info.key(),
            source,
            alias,
        });
    }

    fn missing(&mut self, info: FieldInfo) {
        let kind = match self.scope.optional_group {
            Some(group) => ProblemKind::Incomplete {
                group: group.to_owned(),
            },
            None => ProblemKind::Missing,
        };
        self.problem(info, ValueSource::Absent, None, kind);
    }

    fn rejected(&mut self, index: usize, message: String) {
        let info = self.info(index);
        let (source, alias) = match self.sources.iter().rev().find(|s| s.key == info.key()) {
            Some(seen) => (seen.source.clone(), seen.alias),
            None => (ValueSource::Default, None),
        };
        self.problem(info, source, alias, ProblemKind::Rejected { message });
    }

    fn problem(
        &mut self,
        info: FieldInfo,
        source: ValueSource,
        alias: Option<&'static str>,
        kind: ProblemKind,
    ) {
        self.problems.push(FieldProblem {
            field: info.field(),
            key: info.key(),
            alias,
            environment: self.values.environment.clone(),
            source,
            kind,
        });
    }
}

/// What building a config found: the config if every field loaded, where each value came
/// from, and every problem.
pub(crate) struct Outcome<T> {
    pub(crate) config: Option<T>,
    pub(crate) sources: Vec<FieldSource>,
    pub(crate) problems: Vec<FieldProblem>,
}

/// Builds `T` from `values`, collecting every problem (key collisions across nested structs
/// included). `warn_aliases` logs a warning for each value read from a deprecated alias.
pub(crate) fn collect<T: LockerConfig>(values: &Values, warn_aliases: bool) -> Outcome<T> {
    collect_with(T::NAME, T::describe(), values, warn_aliases, T::__build)
}

/// Resolves every field of a schema (a config without its types) from `values`: a value that
/// is set is taken as it is, since only the config's own types can parse it; defaults,
/// `default_in`, `required_in`, aliases and key collisions apply as in [`collect`].
pub(crate) fn collect_unparsed(
    config: &'static str,
    fields: &[FieldInfo],
    values: &Values,
) -> Outcome<()> {
    collect_with(config, fields, values, false, |ctx| {
        let mut complete = true;
        for (index, info) in fields.iter().enumerate() {
            let any = || super::parse::from_str::<String>("any value", "any values");
            complete &= if info.is_optional() {
                ctx.optional(index, any()).is_some()
            } else {
                let mut defaults =
                    Defaults::new(info.default().map_or(DefaultValue::None, DefaultValue::Str));
                for &(environment, value) in info.defaults_in() {
                    defaults = defaults.environment(environment, DefaultValue::Str(value));
                }
                ctx.required(index, any(), defaults).is_some()
            };
        }
        complete.then_some(())
    })
}

fn collect_with<T>(
    config: &'static str,
    fields: &[FieldInfo],
    values: &Values,
    warn_aliases: bool,
    build: impl FnOnce(&mut Ctx<'_>) -> Option<T>,
) -> Outcome<T> {
    let mut ctx = Ctx {
        fields,
        values,
        scope: Scope {
            base: 0,
            path: config,
            optional_group: None,
        },
        warn_aliases,
        config,
        problems: collisions(fields, values.environment()),
        sources: Vec::new(),
    };
    let built = build(&mut ctx);
    let config = built.filter(|_| ctx.problems.is_empty());
    Outcome {
        config,
        sources: ctx.sources,
        problems: ctx.problems,
    }
}

/// Builds `T` from `values`: the config and where each field came from, or one error listing
/// every problem.
pub(crate) fn build<T: LockerConfig>(values: &Values) -> Result<(T, Vec<FieldSource>)> {
    let outcome = collect::<T>(values, true);
    match outcome.config {
        Some(config) => Ok((config, outcome.sources)),
        None => Err(
            ConfigReport::new(T::NAME, values.environment.clone(), outcome.problems).into_error(),
        ),
    }
}

/// A problem for each field that reads a key (or alias) another field already reads.
fn collisions(fields: &[FieldInfo], environment: Option<&str>) -> Vec<FieldProblem> {
    let mut readers: HashMap<&'static str, &'static str> = HashMap::new();
    let mut problems = Vec::new();
    for info in fields {
        for key in info.read_keys() {
            match readers.get(key) {
                Some(other) if *other != info.field() => problems.push(FieldProblem {
                    field: info.field(),
                    key,
                    alias: None,
                    environment: environment.map(str::to_owned),
                    source: ValueSource::Absent,
                    kind: ProblemKind::KeyCollision { other },
                }),
                Some(_) => {}
                None => {
                    readers.insert(key, info.field());
                }
            }
        }
    }
    problems
}

/// Fails with a clear message when `key` is not one of `T`'s keys (or aliases).
pub(crate) fn check_key<T: LockerConfig>(key: &str, what: &str) -> Result<()> {
    let fields = T::describe();
    if fields.iter().any(|f| f.read_keys().any(|k| k == key)) {
        return Ok(());
    }
    let mut message = format!(
        "{what} for unknown key {key:?}: {} has no such key",
        T::NAME
    );
    if let Some(close) = closest_key(fields, key) {
        message.push_str(&format!(" (did you mean {close:?}?)"));
    }
    Err(Error::new(ErrorKind::InvalidInput, message))
}

/// The field key closest to `key`, if one is close enough to be a likely typo.
pub(crate) fn closest_key(fields: &[FieldInfo], key: &str) -> Option<&'static str> {
    fields
        .iter()
        .map(|f| (strsim::jaro_winkler(f.key(), key), f.key()))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, key)| key)
}
