//! `locker env list | create | update`.

use locker_config::{EnvironmentUpdate, ErrorKind, NewEnvironment};
use serde_json::json;

use crate::cli::{EnvCommand, EnvCreateArgs, EnvListArgs, EnvUpdateArgs};
use crate::context::Context;
use crate::error::{CliResult, Failure, OK};
use crate::output;

pub(crate) async fn run(ctx: &mut Context, command: EnvCommand) -> CliResult<u8> {
    match command {
        EnvCommand::List(args) => list(ctx, args).await,
        EnvCommand::Create(args) => create(ctx, args).await,
        EnvCommand::Update(args) => update(ctx, args).await,
    }
}

async fn list(ctx: &mut Context, args: EnvListArgs) -> CliResult<u8> {
    let mut envs = ctx.client()?.list_environments().await?;
    envs.sort_by(|a, b| a.name.cmp(&b.name));
    if args.json {
        let items = envs
            .iter()
            .map(|e| {
                json!({
                    "name": e.name,
                    "url": e.external_url,
                    "description": e.description,
                    "id": e.id,
                })
            })
            .collect();
        output::write_json(&serde_json::Value::Array(items))?;
        return Ok(OK);
    }
    if envs.is_empty() && output::stdout_is_terminal() {
        eprintln!("no environments yet; create one with `locker env create NAME`");
        return Ok(OK);
    }
    let rows: Vec<Vec<String>> = envs
        .into_iter()
        .map(|e| {
            vec![
                e.name,
                e.external_url.unwrap_or_default(),
                e.description.unwrap_or_default(),
            ]
        })
        .collect();
    output::write_rows(&["NAME", "URL", "DESCRIPTION"], &rows)?;
    Ok(OK)
}

async fn create(ctx: &mut Context, args: EnvCreateArgs) -> CliResult<u8> {
    let mut new = NewEnvironment::new(&args.name);
    if let Some(url) = &args.url {
        new = new.external_url(url);
    }
    if let Some(d) = &args.description {
        new = new.description(d);
    }
    ctx.client()?
        .create_environment(new)
        .await
        .map_err(|e| match e.kind() {
            ErrorKind::Conflict => {
                Failure::error(format!("environment {:?} already exists", args.name))
            }
            _ => e.into(),
        })?;
    eprintln!("created environment {}", args.name);
    Ok(OK)
}

async fn update(ctx: &mut Context, args: EnvUpdateArgs) -> CliResult<u8> {
    let mut update = EnvironmentUpdate::new();
    if let Some(url) = &args.url {
        update = update.external_url(url);
    }
    if let Some(d) = &args.description {
        update = update.description(d);
    }
    if let Some(name) = &args.name {
        update = update.name(name);
    }
    let env = ctx
        .client()?
        .modify_environment(&args.environment, update)
        .await?;
    eprintln!("updated environment {}", env.name);
    Ok(OK)
}
