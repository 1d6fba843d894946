//! The command line: every command, option and `--help` text, declared with clap derive.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

const AFTER_HELP: &str = "\
Credentials come from LOCKER_ACCESS_KEY_ID and LOCKER_SECRET_ACCESS_KEY (or the other names the
library reads), else ~/.locker/credential.json; the API base from --api-base, LOCKER_API_BASE or
that file. The secret access key is never taken as a visible argument: pipe it in with
--secret-access-key-stdin instead. LOCKER_LOG=debug|info|warning|error logs requests to stderr
(never a value).

Exit codes: 0 ok, 1 error, 2 usage, 3 authentication or permission, 4 not found.
`locker run` exits with the command's own code (126: not executable, 127: not found,
128+N: killed by signal N).

Examples:
  locker secret set DATABASE_URL postgres://localhost/app --env dev
  locker secret list --env dev
  locker import .env --env dev
  locker run --env dev -- cargo run";

/// Secrets and environments of a Locker project, from a terminal, a deploy script or CI.
#[derive(Debug, Parser)]
#[command(name = "locker", version, after_help = AFTER_HELP)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: Global,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub(crate) struct Global {
    /// The Locker API base URL [default: LOCKER_API_BASE, else the credential file's, else
    /// the Locker service].
    #[arg(long, global = true, value_name = "URL")]
    pub(crate) api_base: Option<String>,

    /// Read the secret access key from the first line of standard input (so it never shows in
    /// the process list or the shell history).
    #[arg(long, global = true)]
    pub(crate) secret_access_key_stdin: bool,

    /// Neither read nor write the access key's profile in the cache directory
    /// (LOCKER_CACHE_DIR, else ~/.locker/cache): it is fetched from Locker. `run` and `diff`
    /// load through the library's loader, which keeps its snapshots and the profile there
    /// whatever this says.
    #[arg(long, global = true)]
    pub(crate) no_cache: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// List, read and write secrets.
    #[command(subcommand)]
    Secret(SecretCommand),
    /// List, create and change environments.
    #[command(subcommand)]
    Env(EnvCommand),
    /// Import a .env file or a JSON object into an environment.
    #[command(after_help = IMPORT_HELP)]
    Import(ImportArgs),
    /// Print an environment's secrets as dotenv or JSON, or write them to a file.
    #[command(after_help = EXPORT_HELP)]
    Export(ExportArgs),
    /// Run a command with an environment's secrets as environment variables.
    #[command(after_help = RUN_HELP)]
    Run(RunArgs),
    /// Compare two environments: keys only in one, equal and different values (never a value).
    #[command(after_help = DIFF_HELP)]
    Diff(DiffArgs),
    /// Check that an environment holds every key an app's schema needs (never a value).
    #[command(after_help = CHECK_HELP)]
    Check(CheckArgs),
}

#[derive(Debug, Subcommand)]
pub(crate) enum SecretCommand {
    /// List secrets: key, environment ("All" for shared ones), description, last change.
    ///
    /// On a terminal this is a table; otherwise tab-separated lines without a header, for
    /// scripts. Values are shown only with --reveal.
    #[command(after_help = "Examples:
  locker secret list                      # every secret of the project
  locker secret list --env prod           # exactly those of prod
  locker secret list --env dev --reveal   # with values
  locker secret list --json | jq -r '.[].key'")]
    List(SecretListArgs),
    /// Print a secret's value (from the environment, else "All") and nothing else.
    ///
    /// Exits with 4 when the secret does not exist and no --default is given.
    #[command(after_help = "Examples:
  locker secret get DATABASE_URL --env prod
  PORT=$(locker secret get HTTP_PORT --env dev --default 8080)")]
    Get(SecretGetArgs),
    /// Create a secret, or change its value when it exists. The value is never printed.
    ///
    /// Without --env the secret goes to "All", shared by every environment.
    #[command(after_help = "Examples:
  locker secret set DATABASE_URL postgres://localhost/app --env dev
  printf %s \"$TOKEN\" | locker secret set API_TOKEN --stdin --env prod
  locker secret set LOG_LEVEL info --description \"default log level\"
  locker secret set --id ID DATABASE_URL --stdin   # overwrite a broken record by its id")]
    Set(SecretSetArgs),
}

#[derive(Debug, Args)]
pub(crate) struct SecretListArgs {
    /// Only the secrets of this environment (without "All"'s).
    #[arg(long, short, value_name = "ENV")]
    pub(crate) env: Option<String>,
    /// Show values too.
    #[arg(long)]
    pub(crate) reveal: bool,
    /// Print a JSON array (values only with --reveal).
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct SecretGetArgs {
    /// The secret's key, such as DATABASE_URL.
    pub(crate) key: String,
    /// The environment; falls back to "All". Without it: the value in "All".
    #[arg(long, short, value_name = "ENV")]
    pub(crate) env: Option<String>,
    /// Print this when the secret does not exist (and exit 0).
    #[arg(long, value_name = "VALUE")]
    pub(crate) default: Option<String>,
}

#[derive(Debug, Args)]
#[command(
    group = clap::ArgGroup::new("source").required(true).args(["value", "stdin"]),
    override_usage = "locker secret set [OPTIONS] <KEY> <VALUE | --stdin>"
)]
pub(crate) struct SecretSetArgs {
    /// The secret's key, such as DATABASE_URL.
    pub(crate) key: String,
    /// The value. Prefer --stdin for real secrets: arguments show in the process list.
    pub(crate) value: Option<String>,
    /// Read the value from standard input (one trailing newline is dropped).
    #[arg(long)]
    pub(crate) stdin: bool,
    /// The environment (default: "All").
    #[arg(long, short, value_name = "ENV")]
    pub(crate) env: Option<String>,
    /// A description of the secret.
    #[arg(long, value_name = "TEXT")]
    pub(crate) description: Option<String>,
    /// Overwrite the record with this id (key, value and description) in its own environment,
    /// without reading it: the repair of a record whose key cannot be decrypted, which errors
    /// name by id.
    #[arg(long, value_name = "ID", conflicts_with = "env")]
    pub(crate) id: Option<String>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum EnvCommand {
    /// List the project's environments.
    #[command(after_help = "Examples:
  locker env list
  locker env list --json")]
    List(EnvListArgs),
    /// Create an environment.
    #[command(after_help = "Examples:
  locker env create staging --url https://staging.example.com")]
    Create(EnvCreateArgs),
    /// Change an environment's URL, description or name.
    #[command(after_help = "Examples:
  locker env update staging --url https://staging2.example.com
  locker env update stage --name staging")]
    Update(EnvUpdateArgs),
}

#[derive(Debug, Args)]
pub(crate) struct EnvListArgs {
    /// Print a JSON array.
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct EnvCreateArgs {
    /// The environment's name, such as staging.
    pub(crate) name: String,
    /// The environment's external URL.
    #[arg(long, value_name = "URL")]
    pub(crate) url: Option<String>,
    /// A description.
    #[arg(long, value_name = "TEXT")]
    pub(crate) description: Option<String>,
}

#[derive(Debug, Args)]
#[command(
    group = clap::ArgGroup::new("change").required(true).multiple(true).args(["url", "description", "name"]),
    override_usage = "locker env update <ENV> [--url <URL>] [--description <TEXT>] [--name <NAME>]"
)]
pub(crate) struct EnvUpdateArgs {
    /// The environment to change.
    #[arg(value_name = "ENV")]
    pub(crate) environment: String,
    /// The new external URL.
    #[arg(long, value_name = "URL")]
    pub(crate) url: Option<String>,
    /// The new description.
    #[arg(long, value_name = "TEXT")]
    pub(crate) description: Option<String>,
    /// A new name.
    #[arg(long, value_name = "NAME")]
    pub(crate) name: Option<String>,
}

const IMPORT_HELP: &str = "\
A .env file is read like dotenv does: KEY=value lines, `export KEY=value`, # comments, single
quotes (literal), double quotes (escapes \\n \\\" \\\\ \\$; may span lines). Values are stored as
written: $VAR and ${VAR} are never taken from locker's own environment, and only --expand
replaces them, with the values of keys set earlier in the same file. A file ending in .json,
or starting with `{` or `[`, is a JSON object of strings (numbers and booleans are taken as
written) or the array of records that `locker export --format json` writes.

Every line is checked before anything is written: a bad line is reported with its number and
nothing is imported. Existing keys with another value are skipped unless --overwrite.

Examples:
  locker import .env --env dev
  locker import secrets.json --env prod --overwrite
  locker export --env dev --format json | locker import - --env staging
  cat .env | locker import - --env dev";

#[derive(Debug, Args)]
pub(crate) struct ImportArgs {
    /// The file to import (`-`: standard input, read as a .env file unless it starts with `{` or `[`).
    pub(crate) file: PathBuf,
    /// The environment to import into (default: "All").
    #[arg(long, short, value_name = "ENV")]
    pub(crate) env: Option<String>,
    /// Change the value of keys that already exist (default: skip them).
    #[arg(long)]
    pub(crate) overwrite: bool,
    /// Replace $NAME and ${NAME} in .env values with the values of keys set earlier in the
    /// same file (never from the environment).
    #[arg(long)]
    pub(crate) expand: bool,
}

const EXPORT_HELP: &str = "\
Exports exactly the environment's own secrets (not \"All\"'s), or with no --env every secret
of the project, like the official SDKs. A file given with -o is written atomically and readable
by its owner only (0600).

Examples:
  locker export --env dev > .env
  locker export --env prod --format json -o prod.json";

#[derive(Debug, Args)]
pub(crate) struct ExportArgs {
    /// The environment to export (default: every secret).
    #[arg(long, short, value_name = "ENV")]
    pub(crate) env: Option<String>,
    /// The output format.
    #[arg(long, short, value_enum, default_value_t = Format::Dotenv)]
    pub(crate) format: Format,
    /// Write to this file (mode 0600) instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
}

/// An export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// KEY="value" lines.
    Dotenv,
    /// A JSON array of secrets.
    Json,
}

const RUN_HELP: &str = "\
The command gets the environment's values (the environment's own, else \"All\"'s) as
environment variables, on top of locker's own environment (only them with --no-inherit).
Keys that are not valid variable names are reported on stderr and left out. The command runs
in a process group of its own (which gets the terminal when locker has it): SIGINT, SIGTERM
and SIGHUP are passed on to the whole group, and locker exits with the command's exit code.
What the command leaves running in its group when it ends gets SIGTERM, then SIGKILL after
--grace. A signal that comes while the values are still loading ends locker at once.
If Locker cannot be reached and a recent snapshot exists, the snapshot is used and stderr says so.

Layers, highest first: locker's own environment for the keys --preserve-env names (all keys
without a list), then Locker (the environment, then \"All\"), then the --dotenv file, which
fills only the keys Locker lacks. Without --preserve-env, Locker's value wins over a variable
locker inherited; with it, a variable set for a key Locker or the file has wins (a preserved
variable that is not valid UTF-8 is an error), and a change in Locker to such a key does not
restart a --watch command. A --dotenv file that does not exist adds nothing (stderr says so); a
malformed one is an error naming the file and line, never its content. The file is read once,
also with --watch. With --no-inherit, the preserved variables are the only ones of locker's
environment the command gets. --sources lists on stderr where each value came from (keys and
layers, never a value).

With --watch, locker checks the environment every --interval and, when a value changed, stops
the command and its process group (SIGTERM, then SIGKILL after --grace) and starts it again
with the new values.
When the command ends by itself, locker ends with its exit code.

Examples:
  locker run --env dev -- cargo run
  locker run --env prod --no-inherit -- /usr/local/bin/server --port 8080
  locker run --env dev --watch --interval 10s -- npm start
  locker run --env dev --dotenv .env.local --sources -- cargo run
  PORT=9000 locker run --env dev --preserve-env=PORT -- ./server
  locker run --env staging --preserve-env -- ./deploy.sh";

#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// The environment whose values to pass.
    #[arg(long, short, value_name = "ENV", env = "LOCKER_ENVIRONMENT")]
    pub(crate) env: String,
    /// Pass only the secrets, not locker's own environment (not even PATH: give the command's
    /// full path).
    #[arg(long)]
    pub(crate) no_inherit: bool,
    /// Restart the command when the environment changes.
    #[arg(long)]
    pub(crate) watch: bool,
    /// A dotenv file whose values fill the keys Locker lacks (Locker wins); a missing file is
    /// skipped, with a note on stderr.
    #[arg(long, value_name = "FILE")]
    pub(crate) dotenv: Option<PathBuf>,
    /// Let locker's own environment win over Locker: a variable already set keeps its value,
    /// for every key, or with `=KEY,KEY` for these keys only.
    #[arg(
        long,
        value_name = "KEYS",
        num_args = 0..=1,
        require_equals = true,
        value_delimiter = ',',
        value_parser = preserved_key
    )]
    pub(crate) preserve_env: Option<Vec<String>>,
    /// Say on stderr where each value came from (keys and layers, never a value).
    #[arg(long)]
    pub(crate) sources: bool,
    /// How often --watch checks for changes.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = positive_duration)]
    pub(crate) interval: Duration,
    /// How long locker waits after SIGTERM to the command's process group (on a --watch
    /// restart, and for what the command left running when it ends) before SIGKILL.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = humantime::parse_duration)]
    pub(crate) grace: Duration,
    /// The command and its arguments.
    #[arg(last = true, required = true, value_name = "CMD")]
    pub(crate) command: Vec<std::ffi::OsString>,
}

/// A key for --preserve-env: not empty, and a name a variable can have.
fn preserved_key(text: &str) -> Result<String, String> {
    if text.is_empty() || text.contains(['=', '\0']) {
        return Err("expected KEY or KEY,KEY (names of environment variables)".to_string());
    }
    Ok(text.to_string())
}

/// A duration such as `30s`, `5m` or `250ms`, more than zero.
fn positive_duration(text: &str) -> Result<Duration, String> {
    match humantime::parse_duration(text) {
        Ok(d) if d.is_zero() => Err("must be more than zero".to_string()),
        Ok(d) => Ok(d),
        Err(e) => Err(format!(
            "{e} (expected a duration such as 30s, 5m or 250ms)"
        )),
    }
}

const DIFF_HELP: &str = "\
Each side is what the environment resolves to (its own values, else \"All\"'s). Values are
compared in memory and never printed. On a terminal the result is grouped; otherwise each line
is `<status>\\t<KEY>` with status only-a, only-b, equal or different.

Examples:
  locker diff staging prod
  locker diff staging prod --json";

#[derive(Debug, Args)]
pub(crate) struct DiffArgs {
    /// The first environment.
    #[arg(value_name = "ENV_A")]
    pub(crate) a: String,
    /// The second environment.
    #[arg(value_name = "ENV_B")]
    pub(crate) b: String,
    /// Print a JSON object of key lists.
    #[arg(long)]
    pub(crate) json: bool,
}

const CHECK_HELP: &str = "\
The schema is the JSON an app writes with AppConfig::template(TemplateFormat::Json): its keys,
defaults, per-environment rules and aliases, so a pipeline can check an environment without
building the app. The rules are those of AppConfig::check: a load fails on a required key that
is missing (in the environment, in \"All\" and without a default), on an optional key missing in
an environment its required_in names; and here also on an empty value. Keys no field reads
(with a did-you-mean), fields set only in \"All\" and deprecated aliases in use are warnings;
--strict makes them fail too. Values are not parsed (the schema has no types) nor printed.

Exit codes: 0 a load would succeed, 1 it would not (or warnings with --strict), 2 a schema that
cannot be read or is not format 1, 3 credentials, 4 no such environment.

Examples:
  locker check --schema app.schema.json --env prod
  locker check --schema app.schema.json --env staging --strict
  locker check --schema app.schema.json --env prod --json | jq '.errors[].key'";

#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// The schema file (JSON, format 1).
    #[arg(long, value_name = "FILE")]
    pub(crate) schema: PathBuf,
    /// The environment to check.
    #[arg(long, short, value_name = "ENV", env = "LOCKER_ENVIRONMENT")]
    pub(crate) env: String,
    /// Print a JSON object: ok, errors and warnings.
    #[arg(long)]
    pub(crate) json: bool,
    /// Fail on warnings too.
    #[arg(long)]
    pub(crate) strict: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_command_has_examples() {
        fn walk(cmd: &clap::Command, path: &str) {
            let path = format!("{path} {}", cmd.get_name());
            if cmd.get_subcommands().next().is_none() {
                let help = cmd
                    .get_after_help()
                    .map(|h| h.to_string())
                    .unwrap_or_default();
                assert!(help.contains("Examples:"), "no examples in `{path} --help`");
            }
            for sub in cmd.get_subcommands() {
                walk(sub, &path);
            }
        }
        walk(&Cli::command(), "");
    }

    #[test]
    fn run_takes_the_command_after_the_separator() {
        let cli =
            Cli::try_parse_from(["locker", "run", "--env", "dev", "--", "sh", "-c", "exit 7"])
                .unwrap();
        let Command::Run(run) = cli.command else {
            panic!("not run")
        };
        assert_eq!(run.command, ["sh", "-c", "exit 7"]);
        assert!(!run.watch && !run.no_inherit);
    }

    #[test]
    fn the_watch_interval_is_a_positive_duration() {
        let parse = |i: &str| {
            Cli::try_parse_from(["locker", "run", "-e", "dev", "--interval", i, "--", "x"])
        };
        assert!(parse("0s").is_err());
        assert!(parse("soon").is_err());
        let Command::Run(run) = parse("250ms").unwrap().command else {
            panic!("not run")
        };
        assert_eq!(run.interval, Duration::from_millis(250));
    }

    #[test]
    fn preserve_env_takes_every_key_or_a_list() {
        let parse = |extra: &[&str]| {
            let mut args = vec!["locker", "run", "-e", "dev"];
            args.extend_from_slice(extra);
            args.extend_from_slice(&["--", "x"]);
            Cli::try_parse_from(args).map(|cli| match cli.command {
                Command::Run(run) => run.preserve_env,
                _ => panic!("not run"),
            })
        };
        assert_eq!(parse(&[]).unwrap(), None);
        assert_eq!(parse(&["--preserve-env"]).unwrap(), Some(vec![]));
        assert_eq!(
            parse(&["--preserve-env=PORT,HOST"]).unwrap(),
            Some(vec!["PORT".to_string(), "HOST".to_string()])
        );
        assert!(parse(&["--preserve-env="]).is_err());
        assert!(parse(&["--preserve-env=A,,B"]).is_err());
        assert!(parse(&["--preserve-env=A=1"]).is_err());
    }

    #[test]
    fn set_needs_a_value_or_stdin() {
        assert!(Cli::try_parse_from(["locker", "secret", "set", "K"]).is_err());
        assert!(Cli::try_parse_from(["locker", "secret", "set", "K", "v", "--stdin"]).is_err());
        assert!(Cli::try_parse_from(["locker", "secret", "set", "K", "--stdin"]).is_ok());
    }
}
