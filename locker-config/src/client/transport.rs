//! Sending one API call: headers and timeouts, retries of reads, logging, the response size
//! cap, the error for a non-2xx status, and JSON parsing that never quotes the body.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use tracing::Instrument;

use super::Locker;
use super::builder::{DEFAULT_READ_TIMEOUT, DEFAULT_WRITE_TIMEOUT};
use super::error_response::error_from_response;
use super::retry::{self, Outcome};
use crate::error::{Error, ErrorKind, Result};

/// The largest response body the client reads; a longer one is an invalid response. Calls that
/// expect less give their own, smaller bound ([`Locker::read_limited`]).
pub(super) const MAX_RESPONSE_BODY: usize = 16 * 1024 * 1024;

/// The bound of a sync probe's body (`GET /v1/sync/revision_date` and the like): a bare number
/// such as `1717171717.123456` is a few bytes; room for whitespace and a quoted form.
pub(super) const MAX_PROBE_BODY: usize = 64;

/// The bound of an error body (a non-2xx answer): a JSON error or a proxy's HTML page. Only its
/// message and code are read, and at most 4 KiB of it is kept on the error.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// Sent with every read: asks locker-server to answer a list's `revision_date` as "changed
/// after" (PROTOCOL.md §2), which the delta refresh relies on; other servers ignore it.
const DELTA_HEADER: (&str, &str) = ("x-locker-delta", "1");

/// A 2xx response body, with the call's label (`GET /v1/secrets`) for error messages.
pub(super) struct Success {
    pub(super) body: Vec<u8>,
    pub(super) label: String,
}

/// What one attempt received: status, `Retry-After`, and the body (cut at the cap).
struct Received {
    status: StatusCode,
    retry_after: Option<Duration>,
    body: Vec<u8>,
    truncated: bool,
}

/// One API call as sent: where, how, and how long each attempt may take.
struct Call<'a> {
    method: Method,
    url: String,
    label: String,
    body: Option<&'a [u8]>,
    timeout: Duration,
    /// The largest body read; more is an invalid response, found out while reading.
    limit: usize,
}

impl Locker {
    pub(super) async fn read<T: DeserializeOwned>(&self, path_and_query: String) -> Result<T> {
        self.read_limited(path_and_query, MAX_RESPONSE_BODY).await
    }

    /// A `GET` whose answer may be at most `limit` bytes long: the body is read no further
    /// than that, so a hostile or broken server costs at most `limit` bytes of memory.
    pub(super) async fn read_limited<T: DeserializeOwned>(
        &self,
        path_and_query: String,
        limit: usize,
    ) -> Result<T> {
        let ok = self
            .send_limited(Method::GET, path_and_query, None, limit)
            .await?;
        parse_json(&ok.body, &ok.label)
    }

    pub(super) async fn write<T: DeserializeOwned, B: serde::Serialize>(
        &self,
        method: Method,
        path: String,
        body: &B,
    ) -> Result<T> {
        let bytes = serde_json::to_vec_pretty(body).map_err(|e| {
            Error::new(
                ErrorKind::InvalidInput,
                "could not serialize the request body",
            )
            .with_source(e)
        })?;
        let ok = self.send(method, path, Some(&bytes)).await?;
        parse_json(&ok.body, &ok.label)
    }

    /// Sends one API call: reads are retried by the policy of [`retry`], writes never. The
    /// body may be up to [`MAX_RESPONSE_BODY`] long.
    pub(super) async fn send(
        &self,
        method: Method,
        path_and_query: String,
        body: Option<&[u8]>,
    ) -> Result<Success> {
        self.send_limited(method, path_and_query, body, MAX_RESPONSE_BODY)
            .await
    }

    /// [`Locker::send`], reading at most `limit` bytes of the response body.
    pub(super) async fn send_limited(
        &self,
        method: Method,
        path_and_query: String,
        body: Option<&[u8]>,
        limit: usize,
    ) -> Result<Success> {
        let path = path_and_query.split('?').next().unwrap_or_default();
        // One span per API call at info, like the official SDKs' request log; the attempt
        // details are debug.
        let span = tracing::info_span!(
            "locker_api",
            method = %method,
            path = %path,
            status = tracing::field::Empty,
            attempts = tracing::field::Empty,
        );
        let is_read = method == Method::GET;
        let call = Call {
            label: format!("{method} {path}"),
            url: format!("{}{}", self.inner.api_base, path_and_query),
            timeout: self.inner.timeout.unwrap_or(if is_read {
                DEFAULT_READ_TIMEOUT
            } else {
                DEFAULT_WRITE_TIMEOUT
            }),
            method,
            body,
            limit: limit.min(MAX_RESPONSE_BODY),
        };
        let max_retries = if is_read { self.inner.max_retries } else { 0 };
        self.retry_loop(&call, max_retries).instrument(span).await
    }

    /// Attempts `call` until it succeeds, fails for good, or the retries are spent.
    async fn retry_loop(&self, call: &Call<'_>, max_retries: u32) -> Result<Success> {
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let started = Instant::now();
            tracing::debug!(
                attempt,
                timeout_ms = call.timeout.as_millis() as u64,
                "locker api request"
            );
            let result = self.attempt(call).await;
            let elapsed_ms = started.elapsed().as_millis() as u64;
            let span = tracing::Span::current();
            span.record("attempts", attempt);
            let (outcome, error) = match result {
                Ok(received) => {
                    let status = received.status.as_u16();
                    span.record("status", status);
                    tracing::info!(status, attempt, elapsed_ms, "locker api response");
                    if received.status.is_success() {
                        return self.success(call, received);
                    }
                    (
                        Outcome::Status {
                            status,
                            retry_after: received.retry_after,
                        },
                        error_from_response(status, received.retry_after, &received.body),
                    )
                }
                Err(e) => {
                    let error = self.connection_error(call, e);
                    tracing::debug!(attempt, elapsed_ms, error = %error, "locker api call failed");
                    (Outcome::Connection, error)
                }
            };
            match retry::retry_delay(attempt, max_retries, &outcome, rand::random::<f64>()) {
                Some(delay) => {
                    tracing::warn!(
                        attempt,
                        delay_ms = delay.as_millis() as u64,
                        error = %error,
                        "retrying a locker api read"
                    );
                    tokio::time::sleep(delay).await;
                }
                None => return Err(error),
            }
        }
    }

    /// One attempt: the request, then the body up to the cap.
    async fn attempt(&self, call: &Call<'_>) -> std::result::Result<Received, reqwest::Error> {
        let mut req = self
            .inner
            .http
            .request(call.method.clone(), &call.url)
            .timeout(call.timeout);
        if call.method == Method::GET {
            req = req.header(DELTA_HEADER.0, DELTA_HEADER.1);
        }
        if let Some(b) = call.body {
            req = req.body(b.to_vec());
        }
        let resp = req.send().await?;
        let status = resp.status();
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(retry::parse_retry_after);
        let limit = if status.is_success() {
            call.limit
        } else {
            MAX_ERROR_BODY
        };
        let (body, truncated) = read_capped(resp, limit).await?;
        Ok(Received {
            status,
            retry_after,
            body,
            truncated,
        })
    }

    /// A 2xx: the body, unless it was larger than the cap.
    fn success(&self, call: &Call<'_>, received: Received) -> Result<Success> {
        if received.truncated {
            return Err(Error::new(
                ErrorKind::InvalidResponse,
                format!(
                    "the response to {} is larger than {} bytes",
                    call.label, call.limit
                ),
            )
            .with_status(received.status.as_u16()));
        }
        Ok(Success {
            body: received.body,
            label: call.label.clone(),
        })
    }

    /// The error for an attempt that got no complete response; it names the API base tried.
    fn connection_error(&self, call: &Call<'_>, e: reqwest::Error) -> Error {
        let (label, base) = (&call.label, &self.inner.api_base);
        let what = if e.is_timeout() {
            format!("{label} to {base} timed out after {:?}", call.timeout)
        } else if e.is_connect() {
            format!("could not connect to the Locker server at {base} for {label}")
        } else if body_cut_short(&e) {
            format!("the connection to {base} closed before the whole response to {label} arrived")
        } else {
            format!("the connection to {base} failed during {label}")
        };
        Error::new(ErrorKind::Connection, what).with_source(e.without_url())
    }
}

/// Reads at most `limit` bytes, chunk by chunk; the flag says whether there was more. A body
/// announced longer than `limit` is not read at all.
async fn read_capped(
    mut resp: reqwest::Response,
    limit: usize,
) -> std::result::Result<(Vec<u8>, bool), reqwest::Error> {
    if resp.content_length().is_some_and(|n| n > limit as u64) {
        return Ok((Vec::new(), true));
    }
    let mut buf = Vec::new();
    while let Some(chunk) = resp.chunk().await? {
        let room = limit - buf.len();
        if chunk.len() > room {
            buf.extend_from_slice(&chunk[..room]);
            return Ok((buf, true));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok((buf, false))
}

/// Whether reading the body failed (the connection closed before `content-length` bytes came);
/// reqwest reports that as a decode error wrapping a body error.
fn body_cut_short(e: &reqwest::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if c.downcast_ref::<reqwest::Error>()
            .is_some_and(reqwest::Error::is_body)
        {
            return true;
        }
        cause = c.source();
    }
    false
}

pub(super) fn parse_json<'a, T: Deserialize<'a>>(bytes: &'a [u8], label: &str) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| {
        // serde_json's message can quote the input; report only the category and position.
        let what = match e.classify() {
            serde_json::error::Category::Io | serde_json::error::Category::Syntax => {
                "is not valid JSON"
            }
            serde_json::error::Category::Eof => "is truncated JSON",
            serde_json::error::Category::Data => "does not have the expected shape",
        };
        let snippet = if bytes.is_empty() {
            " (empty body)"
        } else {
            ""
        };
        // Some shape errors (an untagged list envelope) carry no position: line 0.
        let position = if e.line() == 0 {
            String::new()
        } else {
            format!(" (line {}, column {})", e.line(), e.column())
        };
        Error::new(
            ErrorKind::InvalidResponse,
            format!("the response to {label} {what}{snippet}{position}"),
        )
    })
}

pub(super) fn encode_segment(id: &str) -> String {
    url::form_urlencoded::byte_serialize(id.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_json_errors_do_not_quote_the_body() {
        let e =
            parse_json::<serde_json::Value>(b"<html>secret page</html>", "GET /v1/x").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidResponse);
        assert!(!e.to_string().contains("secret page"));
        let e = parse_json::<serde_json::Value>(b"{\"a\":", "GET /v1/x").unwrap_err();
        assert!(e.message().contains("truncated"));
    }
}
