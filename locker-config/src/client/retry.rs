//! The retry policy for reads: a pure function, so it can be tested without a network.
//!
//! Only reads are retried (there is no idempotency key in the v1 API, so a retried write could
//! apply twice). A read is retried after a connection failure or timeout, HTTP 429, 502, 503 or
//! 504, at most `max_retries` times, waiting `min(2 s, 0.1 s·2^(n−1))·(0.5 + 0.5·jitter)` before
//! retry `n`, raised to the server's `Retry-After` (capped at [`MAX_RETRY_AFTER`]) when that is
//! longer — the Python SDK's schedule.

use std::time::Duration;

/// The longest `Retry-After` the client honours; longer requests wait this long.
pub(crate) const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

const BASE_DELAY: Duration = Duration::from_millis(100);
const MAX_DELAY: Duration = Duration::from_secs(2);

/// How one attempt of a request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The server answered with this status (and maybe a `Retry-After`).
    Status {
        status: u16,
        retry_after: Option<Duration>,
    },
    /// The request failed before a response: connection refused or dropped, or a timeout.
    Connection,
}

impl Outcome {
    /// Whether a read that ended like this may be retried at all.
    pub(crate) fn is_retryable(&self) -> bool {
        match self {
            Outcome::Status { status, .. } => matches!(status, 429 | 502 | 503 | 504),
            Outcome::Connection => true,
        }
    }
}

/// How long to wait before retrying a read whose attempt number `attempt` (1 for the first
/// request) ended with `outcome`, or `None` to give up. `jitter` is a random number in `[0, 1]`.
pub(crate) fn retry_delay(
    attempt: u32,
    max_retries: u32,
    outcome: &Outcome,
    jitter: f64,
) -> Option<Duration> {
    if attempt == 0 || attempt > max_retries || !outcome.is_retryable() {
        return None;
    }
    let exp = (attempt - 1).min(16);
    let backoff = BASE_DELAY.saturating_mul(1u32 << exp).min(MAX_DELAY);
    let jitter = if jitter.is_finite() {
        jitter.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let mut delay = backoff.mul_f64(0.5 + 0.5 * jitter);
    if let Outcome::Status {
        retry_after: Some(after),
        ..
    } = outcome
    {
        delay = delay.max((*after).min(MAX_RETRY_AFTER));
    }
    Some(delay)
}

/// Parses a `Retry-After` header given in seconds (integer or decimal). HTTP dates are ignored.
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    let secs: f64 = value.trim().parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(86_400.0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const S503: Outcome = Outcome::Status {
        status: 503,
        retry_after: None,
    };

    #[test]
    fn backoff_grows_and_is_capped() {
        let ms = |a, j| retry_delay(a, 10, &S503, j).unwrap().as_millis();
        assert_eq!(ms(1, 1.0), 100);
        assert_eq!(ms(2, 1.0), 200);
        assert_eq!(ms(3, 1.0), 400);
        assert_eq!(ms(1, 0.0), 50);
        assert_eq!(ms(6, 1.0), 2000);
        assert_eq!(ms(10, 1.0), 2000);
        assert_eq!(ms(10, 0.0), 1000);
        assert_eq!(ms(1, f64::NAN), 50);
    }

    #[test]
    fn gives_up_after_max_retries() {
        assert!(retry_delay(2, 2, &S503, 0.5).is_some());
        assert!(retry_delay(3, 2, &S503, 0.5).is_none());
        assert!(retry_delay(1, 0, &S503, 0.5).is_none());
    }

    #[test]
    fn only_transient_failures_are_retried() {
        for status in [429, 502, 503, 504] {
            let o = Outcome::Status {
                status,
                retry_after: None,
            };
            assert!(retry_delay(1, 2, &o, 0.5).is_some(), "{status}");
        }
        for status in [200, 400, 401, 403, 404, 409, 422, 500] {
            let o = Outcome::Status {
                status,
                retry_after: None,
            };
            assert!(retry_delay(1, 2, &o, 0.5).is_none(), "{status}");
        }
        assert!(retry_delay(1, 2, &Outcome::Connection, 0.5).is_some());
    }

    #[test]
    fn retry_after_raises_the_delay_and_is_capped() {
        let o = Outcome::Status {
            status: 429,
            retry_after: Some(Duration::from_secs(3)),
        };
        assert_eq!(retry_delay(1, 2, &o, 1.0), Some(Duration::from_secs(3)));
        let small = Outcome::Status {
            status: 429,
            retry_after: Some(Duration::ZERO),
        };
        assert_eq!(
            retry_delay(1, 2, &small, 1.0),
            Some(Duration::from_millis(100))
        );
        let huge = Outcome::Status {
            status: 503,
            retry_after: Some(Duration::from_secs(3600)),
        };
        assert_eq!(retry_delay(1, 2, &huge, 0.0), Some(MAX_RETRY_AFTER));
    }

    #[test]
    fn parses_retry_after_seconds() {
        assert_eq!(parse_retry_after("2"), Some(Duration::from_secs(2)));
        assert_eq!(parse_retry_after(" 0.5 "), Some(Duration::from_millis(500)));
        assert_eq!(parse_retry_after("-1"), None);
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    }
}
