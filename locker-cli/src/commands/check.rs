//! `locker check --schema FILE --env E`: whether an environment holds what an app's schema
//! needs, by the library's own check rules (`Schema::check`). Keys, fields and sources only;
//! never a value.

use std::fs::File;
use std::io::Read as _;
use std::path::Path;

use locker_config::CheckReport;
use locker_config::config::{ProblemKind, Schema};
use serde::Serialize;

use crate::cli::CheckArgs;
use crate::context::Context;
use crate::error::{CliResult, ERROR, Failure, OK};
use crate::output;

pub(crate) async fn run(ctx: &mut Context, args: CheckArgs) -> CliResult<u8> {
    // The schema first: a bad file fails before credentials are looked at or Locker is asked.
    let schema = read_schema(&args.schema)?;
    let locker = ctx.client()?;
    let report = schema.check_async(&locker, &args.env).await?;
    let verdict = Verdict::of(&schema, &report, args.strict);
    if args.json {
        let value = serde_json::to_value(&verdict)
            .map_err(|e| Failure::error(format!("could not render JSON: {e}")))?;
        output::write_json(&value)?;
    } else {
        output::write_stdout(&verdict.text())?;
    }
    Ok(if verdict.ok { OK } else { ERROR })
}

/// The schema in `path`: a regular file of at most [`Schema::MAX_LEN`] bytes, in format 1.
/// Anything else is a usage failure naming the file and what is wrong with it.
fn read_schema(path: &Path) -> CliResult<Schema> {
    let shown = path.display();
    let usage = |what: String| Failure::usage(format!("--schema {shown}: {what}"));
    let cannot_read = |e: std::io::Error| usage(format!("cannot be read: {e}"));
    // Looked at before it is opened: opening a FIFO would wait for a writer.
    if !std::fs::metadata(path).map_err(cannot_read)?.is_file() {
        return Err(usage("is not a regular file".to_owned()));
    }
    let file = File::open(path).map_err(cannot_read)?;
    let meta = file.metadata().map_err(cannot_read)?;
    if !meta.is_file() {
        return Err(usage("is not a regular file".to_owned()));
    }
    let limit = Schema::MAX_LEN as u64;
    if meta.len() > limit {
        return Err(usage(format!(
            "is {} bytes, more than the {limit} a schema may have",
            meta.len()
        )));
    }
    // Bounded even if the file grows while it is read.
    let mut text = String::new();
    file.take(limit + 1)
        .read_to_string(&mut text)
        .map_err(|e| usage(format!("cannot be read as UTF-8 text: {e}")))?;
    Schema::from_json(&text).map_err(|e| usage(e.to_string()))
}

/// What the command says: the report sorted into what fails a load and what is drift.
#[derive(Debug, Serialize)]
struct Verdict {
    config: &'static str,
    environment: String,
    ok: bool,
    strict: bool,
    errors: Vec<Finding>,
    warnings: Vec<Finding>,
}

/// One error or warning: keys and fields, never a value.
#[derive(Debug, Serialize)]
struct Finding {
    /// `missing`, `required_in`, `incomplete`, `key_collision`, `empty_value`, `unused_key`,
    /// `from_all_only`, `deprecated_alias`.
    kind: &'static str,
    field: Option<&'static str>,
    key: String,
    alias: Option<&'static str>,
    did_you_mean: Option<&'static str>,
    message: String,
}

impl Finding {
    fn new(kind: &'static str, field: Option<&'static str>, key: &str, message: String) -> Self {
        Finding {
            kind,
            field,
            key: key.to_owned(),
            alias: None,
            did_you_mean: None,
            message,
        }
    }
}

impl Verdict {
    fn of(schema: &Schema, report: &CheckReport, strict: bool) -> Self {
        let environment = report.environment();
        let mut errors: Vec<Finding> = report
            .problems()
            .iter()
            .map(|problem| {
                let optional = schema
                    .fields()
                    .iter()
                    .any(|f| f.key() == problem.key && f.is_optional());
                let kind = match &problem.kind {
                    ProblemKind::Missing if optional => "required_in",
                    ProblemKind::Missing => "missing",
                    ProblemKind::Incomplete { .. } => "incomplete",
                    ProblemKind::KeyCollision { .. } => "key_collision",
                    ProblemKind::Invalid { .. } => "invalid",
                    ProblemKind::Rejected { .. } => "rejected",
                    _ => "problem",
                };
                let mut finding =
                    Finding::new(kind, Some(problem.field), problem.key, problem.to_string());
                finding.alias = problem.alias;
                finding
            })
            .collect();
        // Without types, an empty value is the one thing about a value a schema can tell; an
        // app reading it would most likely fail or run misconfigured.
        errors.extend(report.empty_values().iter().map(|empty| {
            Finding::new(
                "empty_value",
                Some(empty.field),
                empty.key,
                format!(
                    "{} ({}): empty value in {}",
                    empty.field, empty.key, empty.source
                ),
            )
        }));

        let mut warnings: Vec<Finding> = report
            .unused_keys()
            .iter()
            .map(|unused| {
                let mut message = format!(
                    "{}: set in environment {environment:?} but no field reads it",
                    unused.key
                );
                if let Some(close) = unused.did_you_mean {
                    message.push_str(&format!(" (did you mean {close}?)"));
                }
                let mut finding = Finding::new("unused_key", None, &unused.key, message);
                finding.did_you_mean = unused.did_you_mean;
                finding
            })
            .collect();
        warnings.extend(report.from_all_only().iter().map(|source| {
            Finding::new(
                "from_all_only",
                Some(source.field),
                source.key,
                format!(
                    "{} ({}): set only in \"All\", not in environment {environment:?}",
                    source.field, source.key
                ),
            )
        }));
        warnings.extend(report.aliases_used().iter().map(|source| {
            let alias = source.alias.unwrap_or_default();
            let mut finding = Finding::new(
                "deprecated_alias",
                Some(source.field),
                source.key,
                format!(
                    "{} ({}): read from the deprecated key {alias}; rename it to {}",
                    source.field, source.key, source.key
                ),
            );
            finding.alias = source.alias;
            finding
        }));

        let ok = errors.is_empty() && (warnings.is_empty() || !strict);
        Verdict {
            config: report.config(),
            environment: environment.to_owned(),
            ok,
            strict,
            errors,
            warnings,
        }
    }

    /// A summary line, then one line per error and warning.
    fn text(&self) -> String {
        let count = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
        let (e, w) = (self.errors.len(), self.warnings.len());
        let summary = match (self.ok, e, w) {
            (true, _, 0) => "ok".to_owned(),
            (true, _, w) => format!("ok, {}", count(w, "warning")),
            (false, 0, w) => format!("failed (--strict): {}", count(w, "warning")),
            (false, e, 0) => format!("failed: {}", count(e, "error")),
            (false, e, w) => format!("failed: {}, {}", count(e, "error"), count(w, "warning")),
        };
        let mut text = format!(
            "{} in environment {:?}: {summary}\n",
            self.config, self.environment
        );
        for error in &self.errors {
            text.push_str(&format!("error: {}\n", error.message));
        }
        for warning in &self.warnings {
            text.push_str(&format!("warning: {}\n", warning.message));
        }
        text
    }
}
