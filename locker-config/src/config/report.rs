//! What a load reports: where each value came from, and every problem at once.

use std::error::Error as StdError;
use std::fmt;

use crate::{Error, ErrorKind};

/// Where a field's value came from. Never the value itself.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ValueSource {
    /// The secret with the field's key in the requested environment.
    Environment(String),
    /// The secret with the field's key in "All" (no environment).
    All,
    /// The field's `#[locker(default …)]`.
    Default,
    /// A loader's [`override_value`](crate::Loader::override_value).
    Override,
    /// The values given to `from_values`.
    Given,
    /// Nowhere: an `Option` field left `None`, or a missing required field.
    Absent,
}

impl fmt::Display for ValueSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValueSource::Environment(env) => write!(f, "environment {env:?}"),
            ValueSource::All => f.write_str("\"All\""),
            ValueSource::Default => f.write_str("default"),
            ValueSource::Override => f.write_str("override"),
            ValueSource::Given => f.write_str("given values"),
            ValueSource::Absent => f.write_str("absent"),
        }
    }
}

/// Where one field's value came from, as returned by
/// [`Loader::load_with_sources`](crate::Loader::load_with_sources).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FieldSource {
    /// The field's name.
    pub field: &'static str,
    /// The Locker key.
    pub key: &'static str,
    /// Where the value came from.
    pub source: ValueSource,
}

impl fmt::Display for FieldSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}) <- {}", self.field, self.key, self.source)
    }
}

/// What is wrong with one field.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProblemKind {
    /// No value anywhere and no default.
    Missing,
    /// A value (or string default) that does not parse.
    Invalid {
        /// What a valid value looks like, e.g. "a duration such as 30s".
        expected: String,
    },
}

/// One field that could not be loaded. Holds no value.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FieldProblem {
    /// The field's name.
    pub field: &'static str,
    /// The Locker key.
    pub key: &'static str,
    /// The environment being loaded; `None` for `from_values`.
    pub environment: Option<String>,
    /// Where the bad value came from (`Absent` for missing fields).
    pub source: ValueSource,
    /// What is wrong.
    pub kind: ProblemKind,
}

impl fmt::Display for FieldProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): ", self.field, self.key)?;
        match (&self.kind, &self.environment) {
            (ProblemKind::Missing, Some(env)) => write!(
                f,
                "missing: not set in environment {env:?} nor in \"All\", and no default"
            ),
            (ProblemKind::Missing, None) => f.write_str("missing: not given, and no default"),
            (ProblemKind::Invalid { expected }, _) => {
                write!(f, "invalid value from {}: expected {expected}", self.source)
            }
        }
    }
}

/// Every problem of a failed load, reachable from the returned [`Error`] through
/// [`Error::config_report`].
///
/// ```
/// use locker_config::{LockerConfig, ErrorKind};
///
/// #[derive(Debug, LockerConfig)]
/// struct App {
///     database_url: String,
///     #[locker(key = "HTTP_PORT")]
///     port: u16,
/// }
///
/// let err = App::from_values([("HTTP_PORT", "eighty")]).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Config);
/// let report = err.config_report().unwrap();
/// assert_eq!(report.problems().len(), 2);
/// assert_eq!(
///     report.to_string(),
///     "failed to load App from the given values: 2 problems\n  \
///      - database_url (DATABASE_URL): missing: not given, and no default\n  \
///      - port (HTTP_PORT): invalid value from given values: expected an integer from 0 to 65535"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigReport {
    config: &'static str,
    environment: Option<String>,
    problems: Vec<FieldProblem>,
}

impl ConfigReport {
    pub(crate) fn new(
        config: &'static str,
        environment: Option<String>,
        problems: Vec<FieldProblem>,
    ) -> Self {
        ConfigReport {
            config,
            environment,
            problems,
        }
    }

    /// The config type's name, e.g. `AppConfig`.
    pub fn config(&self) -> &'static str {
        self.config
    }

    /// The environment that was loaded; `None` for `from_values`.
    pub fn environment(&self) -> Option<&str> {
        self.environment.as_deref()
    }

    /// Every problem, in field order.
    pub fn problems(&self) -> &[FieldProblem] {
        &self.problems
    }

    pub(crate) fn into_error(self) -> Error {
        Error::new(ErrorKind::Config, self.to_string()).with_source(self)
    }
}

impl fmt::Display for ConfigReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "failed to load {} ", self.config)?;
        match &self.environment {
            Some(env) => write!(f, "for environment {env:?}")?,
            None => f.write_str("from the given values")?,
        }
        let n = self.problems.len();
        write!(f, ": {n} problem{}", if n == 1 { "" } else { "s" })?;
        for problem in &self.problems {
            write!(f, "\n  - {problem}")?;
        }
        Ok(())
    }
}

impl StdError for ConfigReport {}

impl Error {
    /// The per-field report of a failed config load, if this is one.
    pub fn config_report(&self) -> Option<&ConfigReport> {
        self.source_as::<ConfigReport>()
    }
}
