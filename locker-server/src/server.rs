//! Serving connections, fault injection, the request log and the in-process [`LocalServer`].

use std::collections::VecDeque;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{Request, Response, StatusCode, header};
use axum::response::IntoResponse;
use http_body_util::BodyExt as _;
use hyper::body::{Body as HttpBody, Frame, Incoming, SizeHint};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{Notify, oneshot, watch};
use tokio::task::JoinSet;
use tower::ServiceExt as _;

use crate::api::{self, ApiError};
use crate::error::ServerError;
use crate::store::{AccessKey, Store};

/// A fault to inject into the next request(s), for testing retry and failure paths.
///
/// Faults queue up in the order injected; the one at the front applies to the next `times`
/// requests (on any route), then the next one takes over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this HTTP status and a JSON error body, with a `Retry-After: <secs>` header
    /// if given, without touching the data. A number that is not a valid HTTP status
    /// answers 503.
    Status {
        /// The HTTP status, e.g. 503 or 429.
        status: u16,
        /// Seconds for the `Retry-After` header.
        retry_after: Option<u64>,
        /// How many requests get this answer.
        times: u32,
    },
    /// Wait this long, then handle the request normally.
    Delay {
        /// How long to wait.
        delay: Duration,
        /// How many requests are delayed.
        times: u32,
    },
    /// Close the connection without answering (the client sees a connection error).
    Drop {
        /// How many requests are dropped.
        times: u32,
    },
}

impl Fault {
    fn times_mut(&mut self) -> &mut u32 {
        match self {
            Fault::Status { times, .. } | Fault::Delay { times, .. } | Fault::Drop { times } => {
                times
            }
        }
    }
}

/// One request the server received, as recorded in the request log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRecord {
    /// The HTTP method, e.g. `GET`.
    pub method: String,
    /// The path without the optional `/locker_secrets` prefix, e.g. `/v1/secrets`.
    pub path: String,
    /// The raw query string without `?` (empty if none).
    pub query: String,
    /// The status answered, or 0 for a request whose connection was dropped by a fault.
    pub status: u16,
}

/// Shared state for fault injection and the request log.
#[derive(Debug, Default)]
pub(crate) struct Control {
    faults: Mutex<VecDeque<Fault>>,
    log: Mutex<Vec<RequestRecord>>,
}

impl Control {
    fn next_fault(&self) -> Option<Fault> {
        let mut faults = self.faults.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            let front = faults.front_mut()?;
            let times = front.times_mut();
            if *times == 0 {
                faults.pop_front();
                continue;
            }
            *times -= 1;
            let fault = front.clone();
            if *front.times_mut() == 0 {
                faults.pop_front();
            }
            return Some(fault);
        }
    }

    fn record(&self, record: RequestRecord) {
        self.log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(record);
    }
}

fn strip_prefix(path: &str) -> &str {
    match path.strip_prefix("/locker_secrets") {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => rest,
        _ => path,
    }
}

/// Bodies up to this size are read in full (and discarded if unused) before any answer.
const DRAIN_LIMIT: usize = 16 * 1024 * 1024;

/// A request body shared between the router and the connection, so that whatever an early
/// answer (401, 403, 404, 405, an injected fault...) left unread can be drained afterwards:
/// the client then gets its answer instead of a connection reset in the middle of its upload.
#[derive(Clone)]
struct SharedBody(Arc<Mutex<BodyState>>);

struct BodyState {
    /// `None` once drained.
    body: Option<Incoming>,
    /// Data bytes read so far, by the router or by the drain.
    read: usize,
}

impl SharedBody {
    fn new(body: Incoming) -> Self {
        SharedBody(Arc::new(Mutex::new(BodyState {
            body: Some(body),
            read: 0,
        })))
    }

    fn state(&self) -> std::sync::MutexGuard<'_, BodyState> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Reads and discards the rest of the body, as long as the whole body stays within
    /// [`DRAIN_LIMIT`] bytes and arrives within 30 s; a larger or slower one is left for the
    /// connection to close on.
    async fn drain(self, declared_length: Option<u64>) {
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
    let (parts, body) = req.into_parts();
    let body = SharedBody::new(body);
    let req = Request::from_parts(parts, Body::new(body.clone()));
    let record = |status: u16| RequestRecord {
        method: method.clone(),
        path: path.clone(),
        query: query.clone(),
        status,
    };
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
/// This is what the `serve` command runs; [`LocalServer`] runs it on its own thread.
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
        .serve_connection(TokioIo::new(stream), svc);
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

/// Where and on what database a [`LocalServer`] runs.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// The SQLite database file; `None` = a temporary database deleted on shutdown.
    pub db_path: Option<PathBuf>,
    /// The address to listen on; port 0 picks a free port.
    pub listen: SocketAddr,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            db_path: None,
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        }
    }
}

/// A Locker-compatible server running in-process on its own thread and tokio runtime.
///
/// Usable from synchronous code, from inside `#[tokio::test]` and from many tests in
/// parallel. It shuts down (and deletes a temporary database) on [`shutdown`](Self::shutdown)
/// or drop.
///
/// ```
/// use locker_server::LocalServer;
///
/// let server = LocalServer::start().unwrap();
/// let key = server.create_project().unwrap();
/// println!("LOCKER_API_BASE={}", server.base_url());
/// println!("LOCKER_ACCESS_KEY_ID={}", key.access_key_id);
/// let read_only = server.create_access_key(&key, true).unwrap();
/// assert!(read_only.read_only);
/// server.shutdown();
/// ```
pub struct LocalServer {
    addr: SocketAddr,
    store: Store,
    control: Arc<Control>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for LocalServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalServer")
            .field("addr", &self.addr)
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

impl LocalServer {
    /// Starts a server on `127.0.0.1:0` with a temporary database.
    pub fn start() -> Result<LocalServer, ServerError> {
        Self::start_with(ServerOptions::default())
    }

    /// Starts a server with the given database and listen address.
    pub fn start_with(opts: ServerOptions) -> Result<LocalServer, ServerError> {
        let store = match &opts.db_path {
            Some(path) => Store::open(path)?,
            None => Store::temporary()?,
        };
        let std_listener = std::net::TcpListener::bind(opts.listen)?;
        std_listener.set_nonblocking(true)?;
        let addr = std_listener.local_addr()?;
        let control = Arc::new(Control::default());
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (thread_store, thread_control) = (store.clone(), control.clone());
        let thread = std::thread::Builder::new()
            .name(format!("locker-server-{}", addr.port()))
            .spawn(move || {
                runtime.block_on(async move {
                    let listener = match TcpListener::from_std(std_listener) {
                        Ok(l) => l,
                        Err(e) => {
                            tracing::error!(error = %e, "cannot register the listener");
                            return;
                        }
                    };
                    let stop = async {
                        let _ = stop_rx.await;
                    };
                    if let Err(e) = serve_with(listener, thread_store, thread_control, stop).await {
                        tracing::error!(error = %e, "server stopped with an error");
                    }
                });
                // Let blocking database tasks finish before the runtime goes away.
                runtime.shutdown_timeout(Duration::from_secs(5));
            })?;
        tracing::info!(%addr, "locker-server listening");
        Ok(LocalServer {
            addr,
            store,
            control,
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }

    /// The API base URL, `http://127.0.0.1:PORT` (no trailing slash).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The database behind the server.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Creates a new project and returns its read-write access key.
    pub fn create_project(&self) -> Result<AccessKey, ServerError> {
        self.store.create_project()
    }

    /// Issues another access key (read-only or read-write) for the project of `existing`.
    pub fn create_access_key(
        &self,
        existing: &AccessKey,
        read_only: bool,
    ) -> Result<AccessKey, ServerError> {
        self.store.create_access_key(existing, read_only)
    }

    /// Queues a fault for the next request(s).
    pub fn inject(&self, fault: Fault) {
        self.control
            .faults
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push_back(fault);
    }

    /// Removes every queued fault.
    pub fn clear_faults(&self) {
        self.control
            .faults
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// Every request served so far, in order of completion.
    pub fn request_log(&self) -> Vec<RequestRecord> {
        self.control
            .log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Empties the request log.
    pub fn clear_request_log(&self) {
        self.control
            .log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// Stops accepting, lets in-flight requests finish and joins the server thread.
    pub fn shutdown(mut self) {
        self.stop_and_join();
    }

    fn stop_and_join(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take()
            && thread.thread().id() != std::thread::current().id()
        {
            let _ = thread.join();
        }
    }
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}
