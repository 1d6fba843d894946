//! A request body shared between the router and the connection, so that whatever an early
//! answer (401, 403, 404, 405, an injected fault...) left unread can be drained afterwards:
//! the client then gets its answer instead of a connection reset in the middle of its upload.

use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Bytes;
use http_body_util::BodyExt as _;
use hyper::body::{Body as HttpBody, Frame, Incoming, SizeHint};

/// Bodies up to this size are read in full (and discarded if unused) before any answer.
pub(crate) const DRAIN_LIMIT: usize = 16 * 1024 * 1024;

#[derive(Clone)]
pub(crate) struct SharedBody(Arc<Mutex<BodyState>>);

struct BodyState {
    /// `None` once drained.
    body: Option<Incoming>,
    /// Data bytes read so far, by the router or by the drain.
    read: usize,
}

impl SharedBody {
    pub(crate) fn new(body: Incoming) -> Self {
        SharedBody(Arc::new(Mutex::new(BodyState {
            body: Some(body),
            read: 0,
        })))
    }

    fn state(&self) -> MutexGuard<'_, BodyState> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Reads and discards the rest of the body, as long as the whole body stays within
    /// [`DRAIN_LIMIT`] bytes and arrives within 30 s; a larger or slower one is left for the
    /// connection to close on.
    pub(crate) async fn drain(self, declared_length: Option<u64>) {
        if declared_length.is_some_and(|n| n > DRAIN_LIMIT as u64) {
            return;
        }
        let (body, read) = {
            let mut state = self.state();
            (state.body.take(), state.read)
        };
        let Some(body) = body else { return };
        let mut rest = http_body_util::Limited::new(body, DRAIN_LIMIT.saturating_sub(read));
        let discard = async { while let Some(Ok(_)) = rest.frame().await {} };
        let _ = tokio::time::timeout(Duration::from_secs(30), discard).await;
    }
}

impl HttpBody for SharedBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let mut state = self.state();
        let Some(body) = state.body.as_mut() else {
            return Poll::Ready(None);
        };
        let polled = Pin::new(body).poll_frame(cx);
        if let Poll::Ready(Some(Ok(frame))) = &polled
            && let Some(data) = frame.data_ref()
        {
            state.read = state.read.saturating_add(data.len());
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.state().body.as_ref().is_none_or(|b| b.is_end_stream())
    }

    fn size_hint(&self) -> SizeHint {
        self.state()
            .body
            .as_ref()
            .map_or_else(|| SizeHint::with_exact(0), |b| b.size_hint())
    }
}
