//! `locker import FILE`: check the whole file, compare with what the environment holds, then
//! write.

use std::collections::HashMap;
use std::io::Read as _;
use std::path::Path;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use locker_config::{Locker, NewSecret, SecretUpdate};
use zeroize::Zeroizing;

use crate::cli::ImportArgs;
use crate::context::Context;
use crate::error::{CliResult, Failure, OK};
use crate::import_file::{self, Entries, Kind};
use crate::output;
use crate::wording::in_env;

/// From this many writes on, a terminal gets a progress bar.
const PROGRESS_FROM: usize = 20;

/// What import does with one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Create,
    Update,
    Unchanged,
    Skip,
}

pub(crate) async fn run(ctx: &mut Context, args: ImportArgs) -> CliResult<u8> {
    let (name, entries) = read_entries(ctx, &args)?;
    let locker = ctx.client()?;
    let env = args.env.as_deref();
    let existing = existing_values(&locker, env).await?;
    let plan = plan(&entries, &existing, args.overwrite);
    write(&locker, env, &plan).await?;
    summarize(&name, env, &plan)?;
    Ok(OK)
}

/// One key of the file, its value and what import does with it.
type Step<'a> = (&'a String, &'a Zeroizing<String>, Action);

/// Reads and checks the whole file (nothing is written for a bad one) and notes on stderr
/// what the user may not expect.
fn read_entries(ctx: &mut Context, args: &ImportArgs) -> CliResult<(String, Entries)> {
    let (name, text) = read_input(ctx, &args.file)?;
    let kind = Kind::guess(&name, &text);
    let entries = import_file::parse(&name, &text, kind, args.expand)?;
    drop(text);
    for key in &entries.repeated {
        eprintln!("note: {key} is given more than once in {name}; the last value is used");
    }
    if !entries.references.is_empty() {
        let what = if args.expand {
            "$NAME and ${NAME} were replaced by the values of earlier keys of the file"
        } else {
            "$NAME and ${NAME} are stored as written; --expand replaces them with the values \
             of earlier keys of the file"
        };
        eprintln!("note: {}: {what}", entries.references.join(", "));
    }
    Ok((name, entries))
}

/// What to do with each key, given what the target holds now.
fn plan<'a>(
    entries: &'a Entries,
    existing: &HashMap<String, Option<Zeroizing<String>>>,
    overwrite: bool,
) -> Vec<Step<'a>> {
    entries
        .values
        .iter()
        .map(|(key, value)| {
            let action = match existing.get(key) {
                None => Action::Create,
                Some(Some(old)) if old.as_str() == value.as_str() => Action::Unchanged,
                Some(_) if overwrite => Action::Update,
                Some(_) => Action::Skip,
            };
            (key, value, action)
        })
        .collect()
}

/// Creates and updates what the plan says, one request each, with a progress bar on a
/// terminal; stops at the first failure and says how far it got.
async fn write(locker: &Locker, env: Option<&str>, plan: &[Step<'_>]) -> CliResult<()> {
    let writes = plan
        .iter()
        .filter(|(_, _, a)| matches!(a, Action::Create | Action::Update))
        .count();
    let progress = if writes >= PROGRESS_FROM && output::stderr_is_terminal() {
        let bar = ProgressBar::with_draw_target(Some(writes as u64), ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}") {
            bar.set_style(style);
        }
        bar
    } else {
        ProgressBar::hidden()
    };
    let mut done = 0usize;
    for (key, value, action) in plan {
        let result = match action {
            Action::Create => {
                progress.set_message(key.to_string());
                let mut new = NewSecret::new(key.as_str(), value.as_str());
                if let Some(e) = env {
                    new = new.environment(e);
                }
                locker.create(new).await.map(|_| ())
            }
            Action::Update => {
                progress.set_message(key.to_string());
                locker
                    .modify(key, env, SecretUpdate::new().value(value.as_str()))
                    .await
                    .map(|_| ())
            }
            Action::Unchanged | Action::Skip => continue,
        };
        if let Err(e) = result {
            progress.finish_and_clear();
            let code = crate::error::exit_code(e.kind());
            return Err(Failure::with_code(
                code,
                format!("import stopped at {key} after {done} of {writes} writes: {e}"),
            ));
        }
        done += 1;
        progress.inc(1);
    }
    progress.finish_and_clear();
    Ok(())
}

/// The one-line summary on stdout, and the skipped keys on stderr.
fn summarize(name: &str, env: Option<&str>, plan: &[Step<'_>]) -> CliResult<()> {
    let count = |wanted: Action| plan.iter().filter(|(_, _, a)| *a == wanted).count();
    let skipped: Vec<&str> = plan
        .iter()
        .filter(|(_, _, a)| *a == Action::Skip)
        .map(|(k, _, _)| k.as_str())
        .collect();
    output::write_stdout(&format!(
        "imported {name}{}: {} created, {} updated, {} unchanged, {} skipped\n",
        in_env(env),
        count(Action::Create),
        count(Action::Update),
        count(Action::Unchanged),
        skipped.len(),
    ))?;
    if !skipped.is_empty() {
        eprintln!(
            "skipped (already set to another value; --overwrite replaces them): {}",
            skipped.join(", ")
        );
    }
    Ok(())
}

/// The file's display name and its text.
fn read_input(ctx: &mut Context, file: &Path) -> CliResult<(String, Zeroizing<String>)> {
    if file.as_os_str() == "-" {
        ctx.take_stdin("the file to import")?;
        let mut text = Zeroizing::new(String::new());
        std::io::stdin().read_to_string(&mut text).map_err(|e| {
            Failure::usage(format!(
                "could not read standard input (it must be UTF-8 text): {e}"
            ))
        })?;
        return Ok(("standard input".to_string(), text));
    }
    let name = file.display().to_string();
    let bytes = std::fs::read(file).map_err(|e| {
        let code = if e.kind() == std::io::ErrorKind::NotFound {
            crate::error::NOT_FOUND
        } else {
            crate::error::ERROR
        };
        Failure::with_code(code, format!("could not read {name}: {e}"))
    })?;
    let text = String::from_utf8(bytes)
        .map(Zeroizing::new)
        .map_err(|_| Failure::usage(format!("{name} is not UTF-8 text")))?;
    Ok((name, text))
}

/// The values the target holds now: exactly the environment's, or "All"'s; `None` for a key
/// whose value cannot be decrypted.
async fn existing_values(
    locker: &Locker,
    env: Option<&str>,
) -> CliResult<HashMap<String, Option<Zeroizing<String>>>> {
    // A record that cannot be decrypted does not stop the import: its key exists with a value
    // nobody can read, so --overwrite replaces it (a write never needs the old value).
    let (secrets, broken) = locker.list_secrets_partial(env).await?;
    let mut existing: HashMap<String, Option<Zeroizing<String>>> = secrets
        .into_iter()
        .filter(|s| env.is_some() || s.environment_id.is_none())
        .map(|s| (s.key, Some(Zeroizing::new(s.value))))
        .collect();
    for b in broken
        .iter()
        .filter(|b| env.is_some() || b.environment_id.is_none())
    {
        eprintln!("note: record {}: {}", b.id, b.error);
        if let Some(key) = &b.key {
            existing.insert(key.clone(), None);
        }
    }
    Ok(existing)
}
