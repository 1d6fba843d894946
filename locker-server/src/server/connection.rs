//! The connection loop: accepting, serving HTTP/1.1 on each connection with the router,
//! applying injected faults, logging each request, and shutting down gracefully.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response, StatusCode, header};
use axum::response::IntoResponse;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;
use tower::ServiceExt as _;

use super::body::SharedBody;
use super::control::{Control, Fault, RequestRecord};
use super::parse_errors::JsonErrorIo;
use crate::api::{self, error::ApiError};
use crate::store::Store;

/// Requests with more header fields than this get a JSON 431.
pub(crate) const MAX_HEADERS: usize = 100;

/// How many header fields hyper parses before it answers 431 itself (with an empty body), so
/// that up to this many the answer is ours, in JSON.
const PARSED_HEADERS: usize = 1000;

fn strip_prefix(path: &str) -> &str {
    match path.strip_prefix("/locker_secrets") {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => rest,
        _ => path,
    }
}

/// Answers one request: a fault if one is queued, else the router; logs it either way.
async fn handle(
    req: Request<Incoming>,
    router: Router,
    control: Arc<Control>,
    kill: Arc<Notify>,
) -> Result<Response<Body>, Infallible> {
    let method = req.method().to_string();
    let path = strip_prefix(req.uri().path()).to_owned();
    let query = req.uri().query().unwrap_or("").to_owned();
    let declared_length = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let too_many_headers = req.headers().len() > MAX_HEADERS;
    let (parts, body) = req.into_parts();
    let body = SharedBody::new(body);
    let req = Request::from_parts(parts, Body::new(body.clone()));
    let record = |status: u16| RequestRecord {
        method: method.clone(),
        path: path.clone(),
        query: query.clone(),
        status,
    };
    let early = |err: ApiError| {
        tracing::info!(%method, %path, status = err.status.as_u16(), "request");
        control.record(record(err.status.as_u16()));
        err.into_response()
    };
    if too_many_headers {
        let err = ApiError::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "0004",
            format!("More than {MAX_HEADERS} header fields"),
        );
        body.drain(declared_length).await;
        return Ok(early(err));
    }
    match control.next_fault() {
        Some(Fault::Drop { .. }) => {
            tracing::info!(%method, %path, "fault: dropping the connection");
            control.record(record(0));
            kill.notify_one();
            // The connection task drops the connection; this future is dropped with it.
            std::future::pending::<()>().await;
        }
        Some(Fault::Status {
            status,
            retry_after,
            ..
        }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            tracing::info!(%method, %path, status = status.as_u16(), "fault: injected status");
            control.record(record(status.as_u16()));
            let mut err = ApiError::new(status, "0009", "Injected fault");
            err.retry_after = retry_after;
            body.drain(declared_length).await;
            return Ok(err.into_response());
        }
        Some(Fault::Delay { delay, .. }) => {
            tracing::info!(%method, %path, ?delay, "fault: delaying");
            tokio::time::sleep(delay).await;
        }
        None => {}
    }
    let resp = match router.oneshot(req).await {
        Ok(resp) => resp,
        Err(never) => match never {},
    };
    body.drain(declared_length).await;
    tracing::info!(%method, %path, status = resp.status().as_u16(), "request");
    control.record(record(resp.status().as_u16()));
    Ok(resp)
}

/// Serves the Locker API on `listener` from `store` until `shutdown` completes, then stops
/// accepting, lets in-flight requests finish (up to 5 s) and returns.
///
/// This is what the `serve` command runs; [`LocalServer`](super::LocalServer) runs it on its
/// own thread. Bind the listener with a backlog that fits the expected burst of connections
/// (`tokio::net::TcpListener::bind` uses 1,024).
pub async fn serve(
    listener: TcpListener,
    store: Store,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()> {
    serve_with(listener, store, Arc::new(Control::default()), shutdown).await
}

pub(crate) async fn serve_with(
    listener: TcpListener,
    store: Store,
    control: Arc<Control>,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()> {
    let router = api::router(store);
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut conns = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => {
                    let _ = stream.set_nodelay(true);
                    conns.spawn(connection(stream, router.clone(), control.clone(), stop_rx.clone()));
                }
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            },
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
    drop(listener);
    let _ = stop_tx.send(true);
    let drain = async { while conns.join_next().await.is_some() {} };
    if tokio::time::timeout(Duration::from_secs(5), drain)
        .await
        .is_err()
    {
        conns.abort_all();
    }
    Ok(())
}

/// Serves one connection until it closes, a fault drops it, or the server stops.
async fn connection(
    stream: tokio::net::TcpStream,
    router: Router,
    control: Arc<Control>,
    mut stop: watch::Receiver<bool>,
) {
    let kill = Arc::new(Notify::new());
    let svc = {
        let kill = kill.clone();
        hyper::service::service_fn(move |req| {
            handle(req, router.clone(), control.clone(), kill.clone())
        })
    };
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(30))
        .max_headers(PARSED_HEADERS)
        .serve_connection(JsonErrorIo::new(TokioIo::new(stream)), svc);
    tokio::pin!(conn);
    let mut stopping = false;
    loop {
        tokio::select! {
            res = conn.as_mut() => {
                if let Err(e) = res {
                    tracing::debug!(error = %e, "connection ended with an error");
                }
                return;
            }
            () = kill.notified() => return,
            changed = stop.changed(), if !stopping => {
                stopping = true;
                if changed.is_ok() {
                    conn.as_mut().graceful_shutdown();
                }
            }
        }
    }
}
