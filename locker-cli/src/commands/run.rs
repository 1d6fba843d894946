//! `locker run [--watch] -- CMD`: the environment's values as the command's environment
//! variables; with `--watch`, a restart whenever they change. `--dotenv` and
//! `--preserve-env` add the library's layers below and above Locker.

use crate::cli::RunArgs;
use crate::context::Context;
use crate::error::{CliResult, Failure};
use crate::process::{self, Signals};
use locker_config::config::ValueSource;

use crate::source::{self, Layers, Values};
use crate::wording::{say_sources, say_when_dotenv_missing, say_where_from};

pub(crate) async fn run(ctx: &mut Context, args: RunArgs) -> CliResult<u8> {
    let locker = ctx.client()?;
    // Caught before anything starts, so a signal never ends locker and orphans the command;
    // while the values load, a signal ends locker at once.
    let mut signals = Signals::install()?;
    let layers = Layers {
        dotenv: args.dotenv.clone(),
        preserve_env: args.preserve_env.clone(),
    };
    if let Some(path) = &layers.dotenv {
        say_when_dotenv_missing(path);
    }
    if !args.watch {
        let (client, env) = (locker.clone(), args.env.clone());
        let loading = async move { source::load(&client, &env, &layers).await };
        let values = until_signal(&mut signals, loading).await??;
        say_where_from(&args.env, &values);
        if args.sources {
            say_sources(&args.env, &values);
        }
        let vars = variables(&values);
        let mut child = process::spawn(&args.command, &vars, !args.no_inherit)?;
        drop(vars);
        let status = loop {
            tokio::select! {
                status = child.wait() => break status?,
                signal = signals.recv() => child.signal(signal),
            }
        };
        child.end_group(args.grace).await;
        return Ok(process::exit_code(status));
    }

    let (env, interval) = (args.env.clone(), args.interval);
    let watching = async move { source::watch(locker, env, &layers, interval).await };
    let mut watch = until_signal(&mut signals, watching).await??;
    loop {
        let values = watch.current();
        say_where_from(&args.env, &values);
        if args.sources {
            say_sources(&args.env, &values);
        }
        let vars = variables(&values);
        let mut child = process::spawn(&args.command, &vars, !args.no_inherit)?;
        drop(vars);
        let mut stopping = false;
        loop {
            tokio::select! {
                status = child.wait() => {
                    let status = status?;
                    child.end_group(args.grace).await;
                    return Ok(process::exit_code(status));
                }
                signal = signals.recv() => {
                    // Locker is being stopped: pass it on, no more restarts.
                    child.signal(signal);
                    stopping = true;
                }
                keys = watch.changed(), if !stopping => {
                    let Some(keys) = keys else {
                        stopping = true;
                        continue;
                    };
                    // A key locker's own environment sets, before and after, did not change
                    // for the command.
                    let next = watch.current();
                    let keys: Vec<String> = keys
                        .into_iter()
                        .filter(|k| !(preserved(&values, k) && preserved(&next, k)))
                        .collect();
                    if keys.is_empty() {
                        continue;
                    }
                    eprintln!(
                        "locker: {} changed in {}; restarting the command",
                        keys.join(", "),
                        args.env
                    );
                    let (status, signal) = child.stop(args.grace, &mut signals).await?;
                    if signal.is_some() {
                        return Ok(process::exit_code(status));
                    }
                    break;
                }
            }
        }
    }
}

/// Runs `work` (the load) unless a signal comes first: then locker ends as that signal's
/// default action would, with 128 + its number, and says so on stderr.
///
/// The work is driven from a thread of its own (in this runtime, so what it spawns stays
/// here), so that even a load stuck in a blocking call (a read that never returns) leaves
/// this thread free to see the signal; `main` does not wait for that thread.
async fn until_signal<T: Send + 'static>(
    signals: &mut Signals,
    work: impl Future<Output = T> + Send + 'static,
) -> CliResult<T> {
    let runtime = tokio::runtime::Handle::current();
    let work = tokio::task::spawn_blocking(move || runtime.block_on(work));
    tokio::select! {
        done = work => done.map_err(|e| Failure::error(format!("loading the values failed: {e}"))),
        signal = signals.recv() => Err(Failure::with_code(
            128 + signal as u8,
            format!("stopped by {signal} while loading the values"),
        )),
    }
}

/// Whether the value of `key` comes from locker's own environment (`--preserve-env`).
fn preserved(values: &Values, key: &str) -> bool {
    matches!(values.source(key), Some(ValueSource::ProcessEnv { .. }))
}

/// The variables to give the command. Keys that cannot be variable names are left out and
/// named on stderr (the keys only).
fn variables(values: &Values) -> Vec<(&str, &str)> {
    let mut vars = Vec::with_capacity(values.len());
    let mut invalid = Vec::new();
    for (key, value) in values.iter() {
        if is_variable_name(key) && !value.contains('\0') {
            vars.push((key, value));
        } else {
            invalid.push(key);
        }
    }
    if !invalid.is_empty() {
        eprintln!(
            "locker: not passed to the command (not a valid environment variable name, or a \
             value with a NUL byte): {}",
            invalid.join(", ")
        );
    }
    vars
}

/// `^[A-Za-z_][A-Za-z0-9_]*$`, what shells and dotenv files accept.
fn is_variable_name(key: &str) -> bool {
    let mut bytes = key.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variable_names() {
        for ok in ["A", "_", "db_URL_2", "_1"] {
            assert!(is_variable_name(ok), "{ok}");
        }
        for bad in ["", "1A", "A-B", "A B", "A=B", "É", "a.b"] {
            assert!(!is_variable_name(bad), "{bad}");
        }
    }
}
