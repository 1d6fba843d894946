//! The optional stderr logger behind `LOCKER_LOG` and [`crate::LockerBuilder::log`].
//!
//! The client logs through `tracing` (one span per API call). Programs that install their own
//! subscriber see those spans and events as usual. For programs that have none, the `LOCKER_LOG`
//! environment variable or the builder's `log` level installs a plain stderr logger showing this
//! crate's events at that level; if a global subscriber is already set, nothing changes.

use std::io::IsTerminal as _;

use tracing::level_filters::LevelFilter;

use crate::error::{Error, ErrorKind, Result};

/// The environment variable naming the log level of the stderr logger.
pub(crate) const LOG_VAR: &str = "LOCKER_LOG";

/// Parses a level name: `debug`, `info`, `warning` (or `warn`), `error`; also `trace` and
/// `off`. Case-insensitive.
pub(crate) fn parse_level(level: &str) -> Result<LevelFilter> {
    match level.trim().to_ascii_lowercase().as_str() {
        "trace" => Ok(LevelFilter::TRACE),
        "debug" => Ok(LevelFilter::DEBUG),
        "info" => Ok(LevelFilter::INFO),
        "warning" | "warn" => Ok(LevelFilter::WARN),
        "error" => Ok(LevelFilter::ERROR),
        "off" | "none" => Ok(LevelFilter::OFF),
        _ => Err(Error::new(
            ErrorKind::InvalidInput,
            format!("unknown log level {level:?}; expected debug, info, warning or error"),
        )),
    }
}

/// Installs a stderr logger for this crate's events at `level`, unless a global subscriber is
/// already set.
pub(crate) fn install(level: LevelFilter) {
    if level == LevelFilter::OFF {
        return;
    }
    let filter = tracing_subscriber::filter::Targets::new()
        .with_target("locker_config", level)
        .with_default(LevelFilter::WARN);
    use tracing_subscriber::layer::{Layer, SubscriberExt};
    use tracing_subscriber::util::SubscriberInitExt;
    let _ = tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_ansi(std::io::stderr().is_terminal())
                .with_filter(filter),
        )
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_levels() {
        assert_eq!(parse_level("DEBUG").unwrap(), LevelFilter::DEBUG);
        assert_eq!(parse_level("warning").unwrap(), LevelFilter::WARN);
        assert_eq!(parse_level("warn").unwrap(), LevelFilter::WARN);
        assert_eq!(
            parse_level("loud").unwrap_err().kind(),
            ErrorKind::InvalidInput
        );
    }
}
