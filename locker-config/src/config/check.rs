//! `check`: what a load would hit in one environment, plus drift between the config and the
//! project. One list request; never a value.

use std::collections::HashSet;
use std::fmt;
use std::future::Future;

use super::LockerConfig;
use super::build::{Outcome, Values, closest_key, collect};
use super::field::FieldInfo;
use super::loader::{Layers, Loader, Resolved, values_from};
use super::report::{FieldProblem, FieldSource, ValueSource};
use crate::client::{Locker, Want};
use crate::error::Result;
use crate::pipeline;
use crate::snapshot::Records;

/// A key set in the checked environment that no field reads (as key or alias).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UnusedKey {
    /// The key as stored.
    pub key: String,
    /// The field key closest to it, when it looks like a typo of one.
    pub did_you_mean: Option<&'static str>,
}

impl fmt::Display for UnusedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key)?;
        if let Some(close) = self.did_you_mean {
            write!(f, " (did you mean {close}?)")?;
        }
        Ok(())
    }
}

/// A key a field reads that is set to an empty (or all-whitespace) value.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EmptyValue {
    /// The field's path.
    pub field: &'static str,
    /// The key holding the empty value (the field's key or one of its aliases).
    pub key: &'static str,
    /// Where the empty value is set.
    pub source: ValueSource,
}

impl fmt::Display for EmptyValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({}) is empty in {}",
            self.field, self.key, self.source
        )
    }
}

/// What [`check`](Loader::check) found for one config type in one environment. Holds keys,
/// fields and sources, never a value.
///
/// [`is_ok`](Self::is_ok) says whether a load would succeed; the drift lists (unused keys,
/// fields only set in "All", empty values, deprecated aliases in use) are there to clean up.
/// `Display` prints a readable report; the accessors are for tools.
///
/// ```
/// # use locker_config::LockerConfig;
/// # #[derive(LockerConfig)] struct AppConfig { #[locker(key = "HTTP_PORT")] port: u16 }
/// # fn run() -> locker_config::Result<()> {
/// let report = AppConfig::check("prod")?;
/// println!("{report}");
/// for unused in report.unused_keys() {
///     eprintln!("no field reads {}", unused.key);
/// }
/// if !report.is_ok() {
///     std::process::exit(1);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckReport {
    config: &'static str,
    environment: String,
    problems: Vec<FieldProblem>,
    unused_keys: Vec<UnusedKey>,
    from_all_only: Vec<FieldSource>,
    empty_values: Vec<EmptyValue>,
    aliases_used: Vec<FieldSource>,
    shadowed: Vec<FieldSource>,
}

impl CheckReport {
    /// The config type's name.
    pub fn config(&self) -> &'static str {
        self.config
    }

    /// The environment that was checked.
    pub fn environment(&self) -> &str {
        &self.environment
    }

    /// True when a load would succeed: no [`problems`](Self::problems).
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }

    /// True when there is nothing to report at all, drift included.
    pub fn is_clean(&self) -> bool {
        self.is_ok()
            && self.unused_keys.is_empty()
            && self.from_all_only.is_empty()
            && self.empty_values.is_empty()
            && self.aliases_used.is_empty()
            && self.shadowed.is_empty()
    }

    /// Everything a load would fail on: missing, unparsable and rejected values, key
    /// collisions. The same list a load's [`ConfigReport`](crate::ConfigReport) would hold.
    pub fn problems(&self) -> &[FieldProblem] {
        &self.problems
    }

    /// Keys set in the environment itself that no field reads: typos and dead keys.
    pub fn unused_keys(&self) -> &[UnusedKey] {
        &self.unused_keys
    }

    /// Fields whose value comes from "All" only, not from the environment.
    pub fn from_all_only(&self) -> &[FieldSource] {
        &self.from_all_only
    }

    /// Keys the config reads that are set to an empty value.
    pub fn empty_values(&self) -> &[EmptyValue] {
        &self.empty_values
    }

    /// Fields read from a deprecated alias because their key is not set.
    pub fn aliases_used(&self) -> &[FieldSource] {
        &self.aliases_used
    }

    /// Fields whose value Locker holds (in the environment or "All") but a process environment
    /// variable overrides ([`Loader::process_env`]); each source names the variable.
    pub fn shadowed_by_process_env(&self) -> &[FieldSource] {
        &self.shadowed
    }
}

impl fmt::Display for CheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "check of {} in environment {:?}: ",
            self.config, self.environment
        )?;
        let problems = self.problems.len();
        let warnings = self.unused_keys.len()
            + self.from_all_only.len()
            + self.empty_values.len()
            + self.aliases_used.len()
            + self.shadowed.len();
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        match (problems, warnings) {
            (0, 0) => return f.write_str("all good"),
            (0, w) => write!(f, "loads, with {w} warning{}", plural(w))?,
            (p, 0) => write!(f, "{p} problem{}", plural(p))?,
            (p, w) => write!(f, "{p} problem{}, {w} warning{}", plural(p), plural(w))?,
        }
        section(f, "a load would fail on", &self.problems)?;
        section(f, "keys that no field reads", &self.unused_keys)?;
        section(f, "fields set only in \"All\"", &self.from_all_only)?;
        section(f, "empty values", &self.empty_values)?;
        section(f, "deprecated keys in use", &self.aliases_used)?;
        section(f, "keys the process environment shadows", &self.shadowed)
    }
}

fn section<D: fmt::Display>(f: &mut fmt::Formatter<'_>, title: &str, items: &[D]) -> fmt::Result {
    if items.is_empty() {
        return Ok(());
    }
    write!(f, "\n  {title}:")?;
    for item in items {
        write!(f, "\n    - {item}")?;
    }
    Ok(())
}

impl<T: LockerConfig> Loader<T> {
    /// Checks the config against its environment without loading it: every problem a load
    /// would hit (with this loader's layers: overrides, process environment, dotenv file),
    /// plus drift (keys no field reads, with a did-you-mean; fields set only in "All"; empty
    /// values; deprecated aliases in use; keys the process environment shadows). One list
    /// request.
    ///
    /// Returns `Ok` whatever it finds; `Err` only when it cannot look (credentials, network,
    /// an environment that does not exist, an override for an unknown key). Blocking; works
    /// from a plain `main` and from inside a tokio runtime.
    pub fn check(self) -> Result<CheckReport> {
        crate::runtime::block_on(self.check_async())
    }

    /// Like [`check`](Self::check), asynchronously.
    pub fn check_async(self) -> impl Future<Output = Result<CheckReport>> + Send + 'static {
        let resolved = self.resolved();
        async move {
            let Resolved {
                environment,
                client,
                layers,
            } = resolved?;
            let (records, environment_keys, in_locker) =
                environment_records(&client, &environment).await?;
            let values = values_from(&records, &layers);
            Ok(report::<T>(
                environment,
                &values,
                environment_keys,
                &in_locker,
            ))
        }
    }
}

/// One list of `environment`, with the keys set in the environment itself and those set in the
/// environment or "All". Only the environment's and "All"'s records are decrypted (and
/// verified), as a load would, but for every key: drift is about the keys no field reads.
async fn environment_records(
    client: &Locker,
    environment: &str,
) -> Result<(Records, Vec<String>, HashSet<String>)> {
    let want = Want {
        environment: environment.to_owned(),
        keys: None,
    };
    let records = pipeline::fetch_full(client, &want, None).await?;
    let resolved = records.resolved();
    let environment_keys = resolved
        .iter()
        .filter(|(_, (_, in_environment))| *in_environment)
        .map(|(key, _)| (*key).to_owned())
        .collect();
    let in_locker = resolved.keys().map(|k| (*k).to_owned()).collect();
    Ok((records, environment_keys, in_locker))
}

/// What `environment` resolves to (its own records, else "All"'s), without any layer, and the
/// keys set in the environment itself: what a schema is checked against.
pub(super) async fn environment_values(
    client: &Locker,
    environment: &str,
) -> Result<(Values, Vec<String>)> {
    let (records, environment_keys, _) = environment_records(client, environment).await?;
    Ok((values_from(&records, &Layers::default()), environment_keys))
}

/// The report for `values`; `environment_keys` are the keys set in the environment itself,
/// `in_locker` those set in the environment or "All".
fn report<T: LockerConfig>(
    environment: String,
    values: &Values,
    environment_keys: Vec<String>,
    in_locker: &HashSet<String>,
) -> CheckReport {
    let outcome = collect::<T>(values, false);
    report_from(
        T::NAME,
        T::describe(),
        environment,
        values,
        environment_keys,
        in_locker,
        outcome,
    )
}

/// The report of a config (typed, or a [`Schema`](super::Schema)) named `config` whose
/// fields are `fields`, once `outcome` resolved them from `values`; `environment_keys` are the
/// keys set in the environment itself, `in_locker` those set in the environment or "All".
pub(super) fn report_from<C>(
    config: &'static str,
    fields: &[FieldInfo],
    environment: String,
    values: &Values,
    mut environment_keys: Vec<String>,
    in_locker: &HashSet<String>,
    outcome: Outcome<C>,
) -> CheckReport {
    let read: HashSet<&str> = fields.iter().flat_map(FieldInfo::read_keys).collect();
    environment_keys.sort();
    environment_keys.dedup();
    let unused_keys = environment_keys
        .into_iter()
        .filter(|key| !read.contains(key.as_str()))
        .map(|key| UnusedKey {
            did_you_mean: closest_key(fields, &key),
            key,
        })
        .collect();

    let empty_values = fields
        .iter()
        .flat_map(|info| {
            info.read_keys().filter_map(move |key| {
                let (raw, source) = values.get(key)?;
                raw.trim().is_empty().then(|| EmptyValue {
                    field: info.field(),
                    key,
                    source: source.clone(),
                })
            })
        })
        .collect();

    let from_all_only = outcome
        .sources
        .iter()
        .filter(|s| s.source == ValueSource::All)
        .cloned()
        .collect();
    let aliases_used = outcome
        .sources
        .iter()
        .filter(|s| s.alias.is_some())
        .cloned()
        .collect();

    let shadowed = outcome
        .sources
        .iter()
        .filter(|s| matches!(s.source, ValueSource::ProcessEnv { .. }))
        .filter(|s| {
            fields
                .iter()
                .find(|info| info.field() == s.field)
                .is_some_and(|info| info.read_keys().any(|key| in_locker.contains(key)))
        })
        .cloned()
        .collect();

    CheckReport {
        config,
        environment,
        problems: outcome.problems,
        unused_keys,
        from_all_only,
        empty_values,
        aliases_used,
        shadowed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::report::ProblemKind;

    #[test]
    fn display_lists_each_section() {
        let report = CheckReport {
            config: "App",
            environment: "prod".into(),
            problems: vec![FieldProblem {
                field: "db.url",
                key: "DB_URL",
                alias: None,
                environment: Some("prod".into()),
                source: ValueSource::Absent,
                kind: ProblemKind::Missing,
            }],
            unused_keys: vec![UnusedKey {
                key: "DB_ULR".into(),
                did_you_mean: Some("DB_URL"),
            }],
            from_all_only: vec![],
            empty_values: vec![EmptyValue {
                field: "name",
                key: "NAME",
                source: ValueSource::All,
            }],
            aliases_used: vec![],
            shadowed: vec![],
        };
        assert_eq!(
            report.to_string(),
            "check of App in environment \"prod\": 1 problem, 2 warnings\n  \
             a load would fail on:\n    \
             - db.url (DB_URL): missing: not set in environment \"prod\" nor in \"All\", and no default\n  \
             keys that no field reads:\n    \
             - DB_ULR (did you mean DB_URL?)\n  \
             empty values:\n    \
             - name (NAME) is empty in \"All\""
        );
        assert!(!report.is_ok() && !report.is_clean());
    }
}
