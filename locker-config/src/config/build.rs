//! Resolving each field from a key→value map; what generated code calls per field.

use std::collections::HashMap;

use zeroize::Zeroizing;

use super::parse::Parser;
use super::report::{ConfigReport, FieldProblem, FieldSource, ProblemKind, ValueSource};
use super::{FieldInfo, LockerConfig};
use crate::{Error, ErrorKind, Result};

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

    #[cfg(test)]
    pub(crate) fn get(&self, key: &str) -> Option<(&str, &ValueSource)> {
        self.map.get(key).map(|(v, s)| (v.as_str(), s))
    }

    /// Sets `key` unless it is already set.
    pub(crate) fn set_if_absent(&mut self, key: String, value: String, source: ValueSource) {
        self.map
            .entry(key)
            .or_insert_with(|| (Zeroizing::new(value), source));
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

/// Collects field values and problems while generated code builds a config.
pub struct Ctx<'a> {
    fields: &'static [FieldInfo],
    values: &'a Values,
    problems: Vec<FieldProblem>,
    sources: Vec<FieldSource>,
}

impl Ctx<'_> {
    /// A field that must end up with a value.
    pub fn required<T>(
        &mut self,
        index: usize,
        parser: Parser<T>,
        default: DefaultValue<T>,
    ) -> Option<T> {
        let info = self.fields[index];
        if let Some((raw, source)) = self.values.map.get(info.key()) {
            return self.parse(info, &parser, raw, source.clone());
        }
        match default {
            DefaultValue::Str(raw) => self.parse(info, &parser, raw, ValueSource::Default),
            DefaultValue::Value(make) => {
                self.record(info, ValueSource::Default);
                Some(make())
            }
            DefaultValue::None => {
                self.problem(info, ValueSource::Absent, ProblemKind::Missing);
                None
            }
        }
    }

    /// An `Option<T>` field: absent is `None`, present must parse.
    pub fn optional<T>(&mut self, index: usize, parser: Parser<T>) -> Option<Option<T>> {
        let info = self.fields[index];
        match self.values.map.get(info.key()) {
            Some((raw, source)) => self.parse(info, &parser, raw, source.clone()).map(Some),
            None => {
                self.record(info, ValueSource::Absent);
                Some(None)
            }
        }
    }

    fn parse<T>(
        &mut self,
        info: FieldInfo,
        parser: &Parser<T>,
        raw: &str,
        source: ValueSource,
    ) -> Option<T> {
        match parser.parse(raw) {
            Some(value) => {
                self.record(info, source);
                Some(value)
            }
            None => {
                let expected = parser.expected().to_owned();
                self.problem(info, source, ProblemKind::Invalid { expected });
                None
            }
        }
    }

    fn record(&mut self, info: FieldInfo, source: ValueSource) {
        self.sources.push(FieldSource {
            field: info.field(),
            key: info.key(),
            source,
        });
    }

    fn problem(&mut self, info: FieldInfo, source: ValueSource, kind: ProblemKind) {
        self.problems.push(FieldProblem {
            field: info.field(),
            key: info.key(),
            environment: self.values.environment.clone(),
            source,
            kind,
        });
    }
}

/// Builds `T` from `values`: the config and where each field came from, or one error listing
/// every problem.
pub(crate) fn build<T: LockerConfig>(values: &Values) -> Result<(T, Vec<FieldSource>)> {
    let mut ctx = Ctx {
        fields: T::describe(),
        values,
        problems: Vec::new(),
        sources: Vec::new(),
    };
    let built = T::__build(&mut ctx);
    match built {
        Some(config) if ctx.problems.is_empty() => Ok((config, ctx.sources)),
        _ => Err(ConfigReport::new(T::NAME, values.environment.clone(), ctx.problems).into_error()),
    }
}

/// Fails with a clear message when `key` is not one of `T`'s keys.
pub(crate) fn check_key<T: LockerConfig>(key: &str, what: &str) -> Result<()> {
    let fields = T::describe();
    if fields.iter().any(|f| f.key() == key) {
        return Ok(());
    }
    let mut message = format!(
        "{what} for unknown key {key:?}: {} has no such key",
        T::NAME
    );
    if let Some(close) = fields
        .iter()
        .map(|f| f.key())
        .filter(|k| strsim::jaro_winkler(k, key) > 0.8)
        .max_by(|a, b| strsim::jaro_winkler(a, key).total_cmp(&strsim::jaro_winkler(b, key)))
    {
        message.push_str(&format!(" (did you mean {close:?}?)"));
    }
    Err(Error::new(ErrorKind::InvalidInput, message))
}
