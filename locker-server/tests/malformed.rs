//! Requests rejected before routing, sent over raw TCP: the answer still has the JSON error
//! body wherever the HTTP layer lets us give it one.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use locker_server::LocalServer;
use serde_json::Value;

/// Sends `request` as is and reads until the server closes: the status, head and body of the
/// last answer.
fn raw(server: &LocalServer, request: &[u8]) -> (u16, String, String) {
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(request).unwrap();
    let mut bytes = Vec::new();
    let _ = stream.read_to_end(&mut bytes);
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let last = text
        .rfind("HTTP/1.1 ")
        .unwrap_or_else(|| panic!("no answer: {text:?}"));
    let (head, body) = text[last..]
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no head: {text:?}"));
    let status = head[9..12].parse().unwrap();
    (status, head.to_ascii_lowercase(), body.to_owned())
}

/// Asserts a JSON error answer with this status.
fn assert_json_error(answer: &(u16, String, String), status: u16) {
    let (got, head, body) = answer;
    assert_eq!(*got, status, "{head}\n{body}");
    assert!(head.contains("content-type: application/json"), "{head}");
    assert!(
        head.contains(&format!("content-length: {}", body.len())),
        "{head}"
    );
    let v: Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body:?}"));
    assert!(v["code"].is_string() && v["message"].is_string(), "{v}");
    assert!(v["details"].is_object(), "{v}");
}

fn request_with_headers(extra: &str) -> Vec<u8> {
    format!("GET /v1/profile HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{extra}\r\n")
        .into_bytes()
}

#[test]
fn invalid_bytes_in_the_head_get_a_json_400() {
    let server = LocalServer::start().unwrap();
    for request in [
        request_with_headers("X-Bad: a\x01b\r\n"),
        request_with_headers("X Bad Name: v\r\n"),
        request_with_headers("NoColon\r\n"),
        b"G\x01T /v1/profile HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
        b"GET /v1/pro file HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
    ] {
        assert_json_error(&raw(&server, &request), 400);
    }
    // None of them reached the API.
    assert!(server.request_log().is_empty());
}

#[test]
fn too_many_or_too_large_headers_get_a_json_431() {
    let server = LocalServer::start().unwrap();
    let many = |n: usize| (0..n).map(|i| format!("X-H{i}: v\r\n")).collect::<String>();
    // Past our limit of 100 fields: answered by the server, and logged.
    assert_json_error(&raw(&server, &request_with_headers(&many(150))), 431);
    assert_eq!(server.request_log().len(), 1);
    assert_eq!(server.request_log()[0].status, 431);
    // Past what the HTTP layer parses at all.
    assert_json_error(&raw(&server, &request_with_headers(&many(1500))), 431);
    let huge = format!("X-Big: {}\r\n", "a".repeat(600 * 1024));
    assert_json_error(&raw(&server, &request_with_headers(&huge)), 431);
}

#[test]
fn a_malformed_request_after_a_good_one_on_the_same_connection() {
    let server = LocalServer::start().unwrap();
    let mut request = b"GET /v1/profile HTTP/1.1\r\nHost: x\r\n\r\n".to_vec();
    request.extend_from_slice(&request_with_headers("X-Bad: \x7f\r\n"));
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(&request).unwrap();
    let mut bytes = Vec::new();
    let _ = stream.read_to_end(&mut bytes);
    let text = String::from_utf8_lossy(&bytes);
    // First the 401 of the API (no token), then the 400 for the bad head, both JSON.
    assert!(text.starts_with("HTTP/1.1 401"), "{text}");
    assert_eq!(text.matches("HTTP/1.1 ").count(), 2, "{text}");
    assert_json_error(&raw(&server, &request), 400);
}

#[test]
fn an_unsupported_version_gets_a_json_answer() {
    let server = LocalServer::start().unwrap();
    let (status, head, body) = raw(&server, b"GET /v1/profile HTTP/9.9\r\nHost: x\r\n\r\n");
    assert!(status == 505 || status == 400, "{status} {head}");
    assert_json_error(&(status, head, body), status);
}

#[test]
fn a_broken_chunked_body_gets_a_json_400() {
    let server = LocalServer::start().unwrap();
    let key = server.create_project().unwrap();
    let request = format!(
        "POST /v1/secrets HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{{}}\r\n0\r\n\r\n",
        key.access_key_id
    );
    assert_json_error(&raw(&server, request.as_bytes()), 400);
}
