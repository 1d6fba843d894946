//! [`LocalServer`]: the server in-process, on its own thread and tokio runtime.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpSocket;
use tokio::sync::oneshot;

use super::connection::serve_with;
use super::control::{Control, Fault, RequestRecord};
use crate::error::ServerError;
use crate::store::{AccessKey, Store};

/// The listen backlog: room for a thousand clients connecting at once without the kernel
/// dropping SYNs (which costs each of them a one-second retransmission).
pub(crate) const BACKLOG: u32 = 4096;

/// Threads for database work and for serializing answers.
const BLOCKING_THREADS: usize = 4;

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
/// or drop. It listens with a backlog of 4,096 connections (the kernel may cap it at
/// `net.core.somaxconn`).
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
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            // Database work queues for one connection: a few threads serve it (and serialize
            // large answers) as well as hundreds would, without creating them under a burst.
            .max_blocking_threads(BLOCKING_THREADS)
            .thread_name("locker-server-db")
            .build()?;
        // The listener registers with this runtime's reactor, which then serves it.
        let listener = {
            let _entered = runtime.enter();
            let socket = if opts.listen.is_ipv4() {
                TcpSocket::new_v4()?
            } else {
                TcpSocket::new_v6()?
            };
            // As tokio's `TcpListener::bind` does: a restart on the same address binds at once
            // although connections of the last run are still in TIME_WAIT. (On Windows the
            // option lets another socket take a port in use, so it is left off there, as
            // tokio does.)
            #[cfg(not(windows))]
            socket.set_reuseaddr(true)?;
            socket.bind(opts.listen)?;
            socket.listen(BACKLOG)?
        };
        let addr = listener.local_addr()?;
        let control = Arc::new(Control::default());
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let (thread_store, thread_control) = (store.clone(), control.clone());
        let thread = std::thread::Builder::new()
            .name(format!("locker-server-{}", addr.port()))
            .spawn(move || {
                runtime.block_on(async move {
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
        self.control.push_fault(fault);
    }

    /// Removes every queued fault.
    pub fn clear_faults(&self) {
        self.control.clear_faults();
    }

    /// Every request served so far, in order of completion.
    pub fn request_log(&self) -> Vec<RequestRecord> {
        self.control.log()
    }

    /// Empties the request log.
    pub fn clear_request_log(&self) {
        self.control.clear_log();
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
