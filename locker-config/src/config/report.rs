//! What a load reports: where each value came from, and every problem at once.

use std::error::Error as StdError;
use std::fmt;
use std::path::PathBuf;

use crate::error::{Error, ErrorKind};

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
    /// A process environment variable (see [`Loader::process_env`](crate::Loader::process_env)).
    ProcessEnv {
        /// The variable's name, e.g. `MYAPP_HTTP_PORT`; never its value.
        var: String,
    },
    /// A dotenv file (see [`Loader::dotenv_file`](crate::Loader::dotenv_file)).
    DotenvFile {
        /// The file, as given to the loader.
        path: PathBuf,
        /// The line the `KEY=value` statement starts on, from 1.
        line: usize,
    },
}

impl ValueSource {
    /// The layer a value comes from, higher winning: a field whose key and alias are set in
    /// different layers takes the higher layer's value (within one layer the key comes first).
    /// Locker's environment and "All" are one layer, so there the key wins as it always did.
    pub(crate) fn layer(&self) -> u8 {
        match self {
            ValueSource::Override | ValueSource::Given => 4,
            ValueSource::ProcessEnv { .. } => 3,
            ValueSource::Environment(_) | ValueSource::All => 2,
            ValueSource::DotenvFile { .. } => 1,
            ValueSource::Default | ValueSource::Absent => 0,
        }
    }
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
            ValueSource::ProcessEnv { var } => write!(f, "process environment {var}"),
            ValueSource::DotenvFile { path, line } => {
                write!(f, "dotenv file {}, line {line}", path.display())
            }
        }
    }
}

/// Where one field's value came from, as returned by
/// [`Loader::load_with_sources`](crate::Loader::load_with_sources).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FieldSource {
    /// The field's path, e.g. `port` or `db.url`.
    pub field: &'static str,
    /// The Locker key, with its nested prefix.
    pub key: &'static str,
    /// Where the value came from.
    pub source: ValueSource,
    /// The deprecated key (`#[locker(alias = …)]`) the value was read from, if not the key.
    pub alias: Option<&'static str>,
}

impl fmt::Display for FieldSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}) <- {}", self.field, self.key, self.source)?;
        if let Some(alias) = self.alias {
            write!(f, " via alias {alias}")?;
        }
        Ok(())
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
    /// A value that parses but that the field's `validate` function rejects, or (with an
    /// empty key) a struct that its container `validate` function rejects.
    Rejected {
        /// The validation function's message.
        message: String,
    },
    /// A required field of an optional nested struct (`Option<Nested>`) is missing while other
    /// keys of that struct are set.
    Incomplete {
        /// The path of the optional struct, e.g. `db`.
        group: String,
    },
    /// Two fields read the same key (as key or alias); only possible across nested structs,
    /// since the derive rejects it within one struct.
    KeyCollision {
        /// The path of the other field, e.g. `replica.url`.
        other: &'static str,
    },
}

/// One field that could not be loaded. Holds no value.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FieldProblem {
    /// The field's path, e.g. `port` or `db.url`; for a struct rejected by its container
    /// `validate`, the struct's path (or the config's name at the top).
    pub field: &'static str,
    /// The Locker key, with its nested prefix; empty for a whole struct.
    pub key: &'static str,
    /// The deprecated key (`#[locker(alias = …)]`) the bad value was read from, if any.
    pub alias: Option<&'static str>,
    /// The environment being loaded; `None` for `from_values`.
    pub environment: Option<String>,
    /// Where the bad value came from (`Absent` for missing fields).
    pub source: ValueSource,
    /// What is wrong.
    pub kind: ProblemKind,
}

impl fmt::Display for FieldProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.key.is_empty() {
            write!(f, "{}: ", self.field)?;
        } else {
            write!(f, "{} ({}): ", self.field, self.key)?;
        }
        let from = |f: &mut fmt::Formatter<'_>| -> fmt::Result {
            write!(f, "{}", self.source)?;
            match self.alias {
                Some(alias) => write!(f, " via alias {alias}"),
                None => Ok(()),
            }
        };
        match (&self.kind, &self.environment) {
            (ProblemKind::Missing, Some(env)) => write!(
                f,
                "missing: not set in environment {env:?} nor in \"All\", and no default"
            ),
            (ProblemKind::Missing, None) => f.write_str("missing: not given, and no default"),
            (ProblemKind::Invalid { expected }, _) => {
                f.write_str("invalid value from ")?;
                from(f)?;
                write!(f, ": expected {expected}")
            }
            (ProblemKind::Rejected { message }, _) if self.key.is_empty() => {
                write!(f, "rejected by validation: {message}")
            }
            (ProblemKind::Rejected { message }, _) => {
                f.write_str("value from ")?;
                from(f)?;
                write!(f, " rejected by validation: {message}")
            }
            (ProblemKind::Incomplete { group }, _) => write!(
                f,
                "missing: `{group}` is optional, but some of its keys are set and this one is not"
            ),
            (ProblemKind::KeyCollision { other }, _) => write!(
                f,
                "field `{other}` reads the same key; give one of them another key or prefix"
            ),
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
        // The message is the whole report; the report rides along as detail, not as a cause,
        // so `{:#}` and error-chain printers show the problems once.
        Error::new(ErrorKind::Config, self.to_string()).with_detail(self)
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
        self.detail_as::<ConfigReport>()
    }
}
