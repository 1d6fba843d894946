//! Wording more than one command uses: where a secret lives, and where loaded values came
//! from. Keys, names and ages only, never a value.

use std::path::Path;
use std::time::Duration;

use crate::source::{self, Values};

/// " in ENV" or " in \"All\"".
pub(crate) fn in_env(env: Option<&str>) -> String {
    match env {
        Some(e) => format!(" in {e}"),
        None => " in \"All\"".to_string(),
    }
}

/// Says on stderr when the values come from a snapshot because Locker could not be reached.
pub(crate) fn say_where_from(environment: &str, values: &Values) {
    if let Some(age) = source::snapshot_age(values) {
        let age = Duration::from_secs(age.as_secs());
        eprintln!(
            "locker: Locker could not be reached; using the local snapshot of {environment} from {} ago",
            humantime::format_duration(age)
        );
    }
}

/// Says on stderr where each value came from (`--sources`): one key a line with its layer
/// (the environment, "All", locker's own environment, the dotenv file and line), never a value.
pub(crate) fn say_sources(environment: &str, values: &Values) {
    let mut text = format!(
        "locker: where the {} values for {environment} come from:\n",
        values.len()
    );
    for (key, _) in values.iter() {
        if let Some(source) = values.source(key) {
            text.push_str(&format!("locker:   {key}: {source}\n"));
        }
    }
    eprint!("{text}");
}

/// Says on stderr that the dotenv file asked for is not there, so it adds nothing (a missing
/// file is no layer, not an error).
pub(crate) fn say_when_dotenv_missing(path: &Path) {
    if let Err(e) = std::fs::metadata(path)
        && e.kind() == std::io::ErrorKind::NotFound
    {
        eprintln!(
            "locker: no dotenv file {}; going on without it",
            path.display()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places() {
        assert_eq!(in_env(Some("dev")), " in dev");
        assert_eq!(in_env(None), " in \"All\"");
    }
}
