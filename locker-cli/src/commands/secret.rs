//! `locker secret list | get | set`.

use std::io::Read as _;

use locker_config::{BrokenSecret, NewSecret, Saved, SecretRecord};
use serde_json::json;
use zeroize::Zeroizing;

use crate::cli::{SecretCommand, SecretGetArgs, SecretListArgs, SecretSetArgs};
use crate::context::Context;
use crate::error::{CliResult, Failure, OK};
use crate::output;
use crate::wording::in_env;

pub(crate) async fn run(ctx: &mut Context, command: SecretCommand) -> CliResult<u8> {
    match command {
        SecretCommand::List(args) => list(ctx, args).await,
        SecretCommand::Get(args) => get(ctx, args).await,
        SecretCommand::Set(args) => set(ctx, args).await,
    }
}

/// "All" for shared secrets, else the environment's name.
fn environment_label(s: &SecretRecord) -> &str {
    match (&s.environment_id, &s.environment_name) {
        (None, _) => "All",
        (Some(_), Some(name)) => name,
        (Some(id), None) => id,
    }
}

async fn list(ctx: &mut Context, args: SecretListArgs) -> CliResult<u8> {
    // What decrypts is listed; a record that does not is shown by id and fails the command.
    let (mut secrets, broken) = ctx
        .client()?
        .list_secrets_partial(args.env.as_deref())
        .await?;
    secrets.sort_by(|a, b| {
        (
            a.key.as_str(),
            a.environment_id.is_some(),
            environment_label(a),
        )
            .cmp(&(
                b.key.as_str(),
                b.environment_id.is_some(),
                environment_label(b),
            ))
    });
    if args.json {
        let items: Vec<serde_json::Value> = secrets
            .iter()
            .map(|s| {
                let mut item = json!({
                    "key": s.key,
                    "environment": s.environment_name,
                    "description": s.description,
                    "last_change": s.revision_date.map(|d| output::timestamp(Some(d))),
                    "id": s.id,
                });
                if args.reveal {
                    item["value"] = json!(s.value);
                }
                item
            })
            .chain(broken.iter().map(|b| {
                json!({
                    "key": b.key,
                    "id": b.id,
                    "broken": true,
                    "error": b.error.to_string(),
                })
            }))
            .collect();
        output::write_json(&serde_json::Value::Array(items))?;
        return report_broken(&broken);
    }
    let mut headers = vec!["KEY", "ENVIRONMENT", "DESCRIPTION", "LAST CHANGE"];
    if args.reveal {
        headers.push("VALUE");
    }
    let rows: Vec<Vec<String>> = secrets
        .iter()
        .map(|s| {
            let mut row = vec![
                s.key.clone(),
                environment_label(s).to_string(),
                s.description.clone().unwrap_or_default(),
                output::timestamp(s.revision_date),
            ];
            if args.reveal {
                row.push(s.value.clone());
            }
            row
        })
        .chain(broken.iter().map(|b| {
            let mut row = vec![
                b.key.clone().unwrap_or_else(|| "?".to_string()),
                match (&b.environment_id, &b.environment_name) {
                    (None, _) => "All".to_string(),
                    (Some(_), Some(name)) => name.clone(),
                    (Some(id), None) => id.clone(),
                },
                format!("BROKEN: record {} cannot be decrypted", b.id),
                String::new(),
            ];
            if args.reveal {
                row.push(String::new());
            }
            row
        }))
        .collect();
    if rows.is_empty() && output::stdout_is_terminal() {
        eprintln!("no secrets{}", in_env(args.env.as_deref()));
        return Ok(OK);
    }
    output::write_rows(&headers, &rows)?;
    report_broken(&broken)
}

/// Each broken record on stderr (by id, with its repair), and exit 1 when there is one.
fn report_broken(broken: &[BrokenSecret]) -> CliResult<u8> {
    for b in broken {
        eprintln!("locker: record {}: {}", b.id, b.error);
    }
    if broken.is_empty() {
        return Ok(OK);
    }
    Err(Failure::error(format!(
        "{} record(s) cannot be decrypted (listed above by id); the others are listed",
        broken.len()
    )))
}

async fn get(ctx: &mut Context, args: SecretGetArgs) -> CliResult<u8> {
    let value = ctx.client()?.get(&args.key, args.env.as_deref()).await?;
    let Some(value) = value
        .map(Zeroizing::new)
        .or_else(|| args.default.map(Zeroizing::new))
    else {
        let place = match &args.env {
            Some(e) => format!("environment {e:?} or \"All\""),
            None => "\"All\"".to_string(),
        };
        return Err(Failure::not_found(format!(
            "no secret {:?} in {place}",
            args.key
        )));
    };
    // The raw value for scripts; a newline only for a person at a terminal.
    if output::stdout_is_terminal() {
        output::write_stdout(&format!("{}\n", value.as_str()))?;
    } else {
        output::write_stdout(&value)?;
    }
    Ok(OK)
}

async fn set(ctx: &mut Context, args: SecretSetArgs) -> CliResult<u8> {
    let value = match args.value {
        Some(v) => Zeroizing::new(v),
        None => {
            ctx.take_stdin("the value")?;
            read_value_from_stdin()?
        }
    };
    let locker = ctx.client()?;
    if let Some(id) = &args.id {
        // The record's key may not decrypt: overwrite it whole, by id, without reading it.
        let record = locker
            .replace(id, &args.key, value.as_str(), args.description.as_deref())
            .await?;
        let env = record.environment_name.as_deref();
        eprintln!("overwrote record {id} with {}{}", args.key, in_env(env));
        return Ok(OK);
    }
    let env = args.env.as_deref();
    let mut new = NewSecret::new(&args.key, value.as_str());
    if let Some(e) = env {
        new = new.environment(e);
    }
    if let Some(d) = &args.description {
        new = new.description(d);
    }
    // One lookup by the key's hash, then the write: a PUT to the record found (its old value is
    // never read, so a record that no longer decrypts is repaired), else a POST.
    match locker.set(new).await? {
        Saved::Created(_) => eprintln!("created {}{}", args.key, in_env(env)),
        _ => eprintln!("updated {}{}", args.key, in_env(env)),
    }
    Ok(OK)
}

/// All of standard input, without one trailing newline (`\n` or `\r\n`).
fn read_value_from_stdin() -> CliResult<Zeroizing<String>> {
    let mut value = Zeroizing::new(String::new());
    std::io::stdin().read_to_string(&mut value).map_err(|e| {
        Failure::usage(format!(
            "could not read the value from standard input (it must be UTF-8 text): {e}"
        ))
    })?;
    if value.ends_with('\n') {
        value.pop();
        if value.ends_with('\r') {
            value.pop();
        }
    }
    Ok(value)
}
