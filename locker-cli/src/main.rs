//! `locker`: secrets and environments of a Locker project from a terminal, a deploy script or
//! CI. A thin shell over the `locker-config` library: credentials, encryption, retries, logging
//! (`LOCKER_LOG`) and export are the library's.
//!
//! ```text
//! locker secret list [--env E] [--reveal] [--json]
//! locker secret get KEY [--env E] [--default V]
//! locker secret set KEY [VALUE | --stdin] [--env E] [--description D]
//! locker env list | locker env create NAME [--url U] | locker env update NAME --url U
//! locker import FILE [--env E] [--overwrite] [--expand]
//! locker export [--env E] [--format dotenv|json] [-o FILE]
//! locker run [--env E] [--no-inherit] [--watch] -- CMD ARGS...
//! locker diff ENV_A ENV_B
//! locker check --schema FILE --env E [--json] [--strict]
//! ```
//!
//! Exit codes: 0 ok, 1 error, 2 usage, 3 authentication or permission, 4 not found; `run`
//! exits with the command's code.
#![forbid(unsafe_code)]

mod cli;
mod commands;
mod context;
mod error;
mod import_file;
mod output;
mod process;
mod source;
mod usage_error;
mod wording;

use std::process::ExitCode;

use clap::Parser as _;

use crate::cli::{Cli, Command};
use crate::context::Context;
use crate::error::CliResult;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error::report(&e, &args),
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("locker: could not start: {e}");
            return ExitCode::from(error::ERROR);
        }
    };
    let result = runtime.block_on(dispatch(cli));
    // A load that a signal interrupted may still be stuck in a blocking call: not waited for.
    runtime.shutdown_background();
    match result {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            eprintln!("locker: {failure}");
            ExitCode::from(failure.code())
        }
    }
}

async fn dispatch(cli: Cli) -> CliResult<u8> {
    let mut ctx = Context::new(cli.global);
    match cli.command {
        Command::Secret(c) => commands::secret::run(&mut ctx, c).await,
        Command::Env(c) => commands::env::run(&mut ctx, c).await,
        Command::Import(a) => commands::import::run(&mut ctx, a).await,
        Command::Export(a) => commands::export::run(&mut ctx, a).await,
        Command::Run(a) => commands::run::run(&mut ctx, a).await,
        Command::Diff(a) => commands::diff::run(&mut ctx, a).await,
        Command::Check(a) => commands::check::run(&mut ctx, a).await,
    }
}
