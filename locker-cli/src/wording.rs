//! Wording more than one command uses: where a secret lives, and where loaded values came
//! from. Keys, names and ages only, never a value.

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places() {
        assert_eq!(in_env(Some("dev")), " in dev");
        assert_eq!(in_env(None), " in \"All\"");
    }
}
