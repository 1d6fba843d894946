//! A hand-written HTTP/1.1 responder on 127.0.0.1:0 for the client's unit tests: canned
//! bodies, truncated and stalled streams, silence and redirects, none of which a real server
//! sends on purpose.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// What the responder does with one request.
pub(super) enum Reply {
    /// A complete response: this status and body, with its `content-length`.
    Body(u16, Vec<u8>),
    /// A `200` announcing `content_length` bytes, then `chunk` written `times` times, then the
    /// connection is closed, or held open without another byte when `hang`.
    Stream {
        content_length: usize,
        chunk: Vec<u8>,
        times: usize,
        hang: bool,
    },
    /// A `200` without a length (chunked transfer encoding): `first`, `chunk` written `times`
    /// times, then `last`, each sent as it is written, so a client learns the size only by
    /// reading.
    Chunked {
        first: Vec<u8>,
        chunk: Vec<u8>,
        times: usize,
        last: Vec<u8>,
    },
    /// Nothing at all: the request is read and the connection held open.
    Silent,
    /// A `302 Found` to this location.
    Redirect(String),
}

type Handler = Arc<dyn Fn(&str) -> Reply + Send + Sync>;

/// A running responder: the API base to give the client, and every request target it received.
pub(super) struct Server {
    pub(super) base: String,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Server {
    pub(super) fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

/// Answers each request with `handler(target)`, recording the targets.
pub(super) async fn serve_replies(
    handler: impl Fn(&str) -> Reply + Send + Sync + 'static,
) -> Server {
    let handler: Handler = Arc::new(handler);
    let requests = Arc::new(Mutex::new(Vec::new()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let recorded = requests.clone();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            tokio::spawn(answer(sock, handler.clone(), recorded.clone()));
        }
    });
    Server {
        base: format!("http://{addr}/locker_secrets/"),
        requests,
    }
}

async fn answer(
    mut sock: tokio::net::TcpStream,
    handler: Handler,
    requests: Arc<Mutex<Vec<String>>>,
) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        match sock.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let head = String::from_utf8_lossy(&buf).to_string();
    let target = head.split(' ').nth(1).unwrap_or("/").to_string();
    requests.lock().unwrap().push(target.clone());
    match handler(&target) {
        Reply::Body(status, body) => {
            let mut resp = format!(
                "HTTP/1.1 {status} X\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            )
            .into_bytes();
            resp.extend_from_slice(&body);
            let _ = sock.write_all(&resp).await;
        }
        Reply::Stream {
            content_length,
            chunk,
            times,
            hang,
        } => {
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-length: {content_length}\r\nconnection: close\r\n\r\n"
            );
            if sock.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            for _ in 0..times {
                if sock.write_all(&chunk).await.is_err() {
                    return;
                }
            }
            if hang {
                hold(sock).await;
            }
        }
        Reply::Chunked {
            first,
            chunk,
            times,
            last,
        } => {
            let head = "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n";
            if sock.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            let parts = std::iter::once(&first)
                .chain(std::iter::repeat_n(&chunk, times))
                .chain(std::iter::once(&last));
            for part in parts.filter(|p| !p.is_empty()) {
                let mut framed = format!("{:x}\r\n", part.len()).into_bytes();
                framed.extend_from_slice(part);
                framed.extend_from_slice(b"\r\n");
                if sock.write_all(&framed).await.is_err() {
                    return;
                }
            }
            let _ = sock.write_all(b"0\r\n\r\n").await;
        }
        Reply::Silent => hold(sock).await,
        Reply::Redirect(location) => {
            let resp = format!(
                "HTTP/1.1 302 Found\r\nlocation: {location}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
            );
            let _ = sock.write_all(resp.as_bytes()).await;
        }
    }
}

/// Keeps the connection open, sending nothing, until the client goes away.
async fn hold(mut sock: tokio::net::TcpStream) {
    let mut sink = [0u8; 1024];
    while let Ok(n) = sock.read(&mut sink).await {
        if n == 0 {
            return;
        }
    }
}
