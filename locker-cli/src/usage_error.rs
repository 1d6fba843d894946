//! Usage errors (clap's) without the value of a credential argument: clap quotes what it
//! could not take (`unexpected value 'VALUE' for '--secret-access-key-stdin'`), and a secret
//! access key typed as an argument must not end up on a screen, in a CI log or a bug report.

use std::io::IsTerminal as _;
use std::process::ExitCode;

use clap::CommandFactory as _;
use clap::error::ErrorKind;

use crate::cli::Cli;

/// What replaces a credential in a message.
const REDACTED: &str = "[REDACTED]";

/// Prints `error` (help and version as clap does, anything else with credential values
/// replaced) and returns the exit code clap gives it (2 for a usage error).
pub(crate) fn report(error: &clap::Error, args: &[String]) -> ExitCode {
    let code = u8::try_from(error.exit_code()).unwrap_or(crate::error::USAGE);
    if matches!(
        error.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
    ) {
        let _ = error.print();
        return ExitCode::from(code);
    }
    let rendered = error.render();
    let text = if std::io::stderr().is_terminal() {
        rendered.ansi().to_string()
    } else {
        rendered.to_string()
    };
    eprint!("{}", redact(&text, args));
    ExitCode::from(code)
}

/// `text` without any value given to a credential-like option in `args`.
fn redact(text: &str, args: &[String]) -> String {
    let mut values = credential_values(args);
    // Longest first, so a value that holds another is replaced whole.
    values.sort_by_key(|v| std::cmp::Reverse(v.len()));
    let mut text = text.to_string();
    for value in values {
        text = text.replace(value, REDACTED);
    }
    text
}

/// Whether `--NAME` looks like it carries a credential (ours, or one a user may guess).
fn is_credential_option(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    ["secret", "key", "token", "password", "credential"]
        .iter()
        .any(|word| name.contains(word))
}

/// The values in `args` (the first is the program) given to a credential-like option:
/// `--NAME=VALUE`, or the argument after `--NAME` unless it is an option or a command name.
fn credential_values(args: &[String]) -> Vec<&str> {
    let commands: Vec<String> = Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .chain(["help".to_string()])
        .collect();
    let mut values = Vec::new();
    let mut rest = args.iter().skip(1).peekable();
    while let Some(arg) = rest.next() {
        if arg == "--" {
            break;
        }
        let Some(option) = arg.strip_prefix("--") else {
            continue;
        };
        let (name, value) = match option.split_once('=') {
            Some((name, value)) => (name, Some(value)),
            None => (option, None),
        };
        if !is_credential_option(name) {
            continue;
        }
        match value {
            Some(value) => values.push(value),
            None => {
                if let Some(next) = rest.peek()
                    && !next.starts_with('-')
                    && !commands.iter().any(|c| c == *next)
                {
                    values.push(next.as_str());
                }
            }
        }
    }
    values.retain(|v| !v.is_empty());
    values
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser as _;

    fn args(line: &[&str]) -> Vec<String> {
        std::iter::once("locker")
            .chain(line.iter().copied())
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn credential_values_are_found() {
        let a = args(&[
            "--secret-access-key-stdin=A1",
            "--api-base=http://x",
            "--access-key-id",
            "A2",
            "--secret-access-key-stdin",
            "secret",
            "--token=",
            "--",
            "--password=not-ours",
        ]);
        assert_eq!(credential_values(&a), ["A1", "A2"]);
    }

    #[test]
    fn clap_errors_lose_the_value() {
        let a = args(&["--secret-access-key-stdin=hunter2-secret", "secret", "list"]);
        let error = Cli::try_parse_from(&a).unwrap_err();
        assert!(error.render().to_string().contains("hunter2-secret"));
        let text = redact(&error.render().to_string(), &a);
        assert!(!text.contains("hunter2-secret"), "{text}");
        assert!(text.contains(REDACTED), "{text}");
    }
}
