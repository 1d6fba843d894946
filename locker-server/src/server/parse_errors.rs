//! JSON bodies for the answers hyper writes by itself.
//!
//! When a request head cannot be parsed (an invalid byte in the request line or a header,
//! more header fields or a larger head than hyper accepts, a URI too long, an unknown HTTP
//! version), hyper answers `400`, `431`, `414` or `505` with an empty body and closes the
//! connection, before any of our code sees the request. [`JsonErrorIo`] sits between hyper
//! and the socket and gives that last answer the server's JSON error body.
//!
//! Our own answers never match: every one has a JSON body and a `content-type`, while hyper's
//! are a bare head with `content-length: 0` at the very end of what it writes.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use axum::http::StatusCode;
use hyper::rt::{Read, ReadBufCursor, Write};

use crate::api::error::ApiError;

/// An I/O stream whose automatic parse-error answers get a JSON body.
#[derive(Debug)]
pub(crate) struct JsonErrorIo<T> {
    inner: T,
    /// Bytes to write before anything else (a rewritten answer), and how many already went.
    pending: Vec<u8>,
    sent: usize,
}

impl<T> JsonErrorIo<T> {
    pub(crate) fn new(inner: T) -> Self {
        JsonErrorIo {
            inner,
            pending: Vec::new(),
            sent: 0,
        }
    }
}

impl<T: Write + Unpin> JsonErrorIo<T> {
    fn poll_pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.sent < self.pending.len() {
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &self.pending[self.sent..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.sent += n;
        }
        self.pending.clear();
        self.sent = 0;
        Poll::Ready(Ok(()))
    }
}

impl<T: Read + Unpin> Read for JsonErrorIo<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: Write + Unpin> Write for JsonErrorIo<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        ready!(self.poll_pending(cx))?;
        if let Some((start, answer)) = automatic_answer(buf) {
            let mut pending = buf[..start].to_vec();
            pending.extend_from_slice(&answer);
            self.pending = pending;
            // Start now; flush and shutdown finish it.
            if let Poll::Ready(Err(e)) = self.poll_pending(cx) {
                return Poll::Ready(Err(e));
            }
            return Poll::Ready(Ok(buf.len()));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_pending(cx))?;
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_pending(cx))?;
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    // Not vectored: hyper then hands over each answer in one buffer, head and body together,
    // and its own answers are a head at the end of one.
}

/// If `buf` ends with one of hyper's automatic answers, where it starts and its JSON version.
fn automatic_answer(buf: &[u8]) -> Option<(usize, Vec<u8>)> {
    if !buf.ends_with(b"\r\n\r\n") {
        return None;
    }
    let tail_start = buf.len().saturating_sub(1024);
    let tail = &buf[tail_start..];
    let start = tail.windows(9).rposition(|w| w == b"HTTP/1.1 ")?;
    let head = std::str::from_utf8(&tail[start..]).ok()?;
    let mut lines = head.trim_end().split("\r\n");
    let status_line = lines.next()?;
    let code: u16 = status_line.get(9..12)?.parse().ok()?;
    let (code_text, message) = match code {
        400 => (
            "0004",
            "Malformed request: an invalid method, target, header or byte",
        ),
        414 => ("0004", "The request target is too long"),
        431 => (
            "0004",
            "The request header is too large or has too many fields",
        ),
        505 => ("0004", "HTTP version not supported"),
        _ => return None,
    };
    let mut others = Vec::new();
    let mut empty = false;
    for line in lines {
        let lower = line.to_ascii_lowercase();
        if lower == "content-length: 0" {
            empty = true;
        } else if lower.starts_with("content-type:") || lower.starts_with("content-length:") {
            return None;
        } else {
            others.push(line);
        }
    }
    if !empty {
        return None;
    }
    let status = StatusCode::from_u16(code).ok()?;
    let body = ApiError::new(status, code_text, message).body();
    let mut answer = format!(
        "{status_line}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
        body.len()
    );
    for line in others {
        answer.push_str(line);
        answer.push_str("\r\n");
    }
    answer.push_str("\r\n");
    answer.push_str(&body);
    tracing::info!(status = code, "malformed request");
    Some((tail_start + start, answer.into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_bare_parse_error_heads_are_rewritten() {
        let auto = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\ndate: x\r\n\r\n";
        let (start, answer) = automatic_answer(auto).unwrap();
        assert_eq!(start, 0);
        let text = String::from_utf8(answer).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{head}");
        assert!(head.contains("content-type: application/json"), "{head}");
        assert!(head.contains("\r\ndate: x"), "{head}");
        assert!(
            head.contains(&format!("content-length: {}", body.len())),
            "{head}"
        );
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(v["code"], "0004");

        // After an earlier answer in the same buffer.
        let mut both = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}".to_vec();
        both.extend_from_slice(auto);
        assert_eq!(automatic_answer(&both).unwrap().0, both.len() - auto.len());

        for ours in [
            &b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 9\r\n\r\n"[..],
            b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n",
            b"HTTP/1.1 400 Bad Request\r\ncontent-length: 2\r\n\r\n{}",
            b"{\"code\":\"HTTP/1.1 400 \"}",
        ] {
            assert!(automatic_answer(ours).is_none(), "{:?}", String::from_utf8_lossy(ours));
        }
    }
}
