//! The client against a canned HTTP responder speaking the PROTOCOL.md test vector.

use super::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const SECRET: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
const PROFILE_KEY: &str = "2.oKGio6SlpqeoqaqrrK2urw==|or46p0JFEiM3d9uyk59m82cuBS4oi5kw1n4FX1g1pDTlRuIFH/THx4fUpKLVB/PlycsCXuG23gfjm1a8aGZxFvxIR1Ajd8HPULgCvF5E5YU=|qXTeivhgDPpbrpRmHYWvifBqxn5eBPd16gJvgUE3Qbc=";
const REDIS_URL: &str = "2.sLGys7S1tre4ubq7vL2+vw==|PjoB8mcDPk3F2X1F+mteSw==|cz0kyDLU3WgO6ym/Y3u5El7F3zJM1tlcLyMt7wD/wGM=";
const REDIS_VALUE: &str = "2.wMHCw8TFxsfIycrLzM3Ozw==|p9poqeAWHDkfWfxCqwyD+mQvCfF4fc4F6grvQaYYgow=|Vvs8KVeItAdboRGLLZhN2MSRxyxAS7KjZUMATSPLx20=";
const STAGING: &str = "2.4OHi4+Tl5ufo6err7O3u7w==|wwkOh70NwdgGzrh2eIsz+w==|Z2iGCuDa7hz5W0gyP/QZyIDHELFTHA+kybxKrUwz/x8=";

type Route = fn(&str) -> (u16, String);

/// Serves one canned response per request (connection closed after each).
async fn serve(route: Route) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            tokio::spawn(async move {
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
                let (status, body) = route(&target);
                let resp = format!(
                    "HTTP/1.1 {status} X\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = sock.write_all(resp.as_bytes()).await;
            });
        }
    });
    format!("http://{addr}/locker_secrets/")
}

fn profile() -> String {
    format!(r#"{{"object":"access_key","profile":{{"key":"{PROFILE_KEY}","project_id":42}}}}"#)
}

fn route(target: &str) -> (u16, String) {
    let path = target.strip_prefix("/locker_secrets").unwrap_or("");
    if path == "/v1/profile" {
        return (200, profile());
    }
    if path.starts_with("/v1/environments?")
        && path.contains("count_environment=1")
        && path.contains("hash=_fd1YL0kcWCvDldx-YGV3FZvCfoyX1nL5xBKEcsTZ98")
    {
        return (
            200,
            format!(
                r#"{{"count":1,"next":null,"results":[{{"id":"e1","project_id":42,"data":{{"name":"{STAGING}"}}}}]}}"#
            ),
        );
    }
    if path.starts_with("/v1/secrets?")
        && path.contains("count_secrets=1")
        && path.contains("hash=pRSYmvA7F9OBodtBWMZUDLoTVe7NNJokTGsh8YBDIM4")
    {
        return (
            200,
            format!(
                r#"{{"count":2,"next":"/v1/secrets?page=2&size=1","results":[
                {{"id":"s1","environment_id":"e1","key":"{REDIS_URL}","value":"{REDIS_VALUE}"}}]}}"#
            ),
        );
    }
    if path == "/v1/secrets?page=2&size=1" {
        return (
            200,
            r#"{"count":2,"next":null,"results":[{"id":"s0","environment_id":null,"key":"REDIS_URL","value":"plain"}]}"#.to_string(),
        );
    }
    if path.starts_with("/v1/environments?") {
        return (200, "<html><body>login</body></html>".into());
    }
    (404, r#"{"code":"0004","message":"Not found"}"#.into())
}

fn client(base: &str, secret: &str) -> Locker {
    Locker::builder()
        .access_key_id("key-id")
        .secret_access_key(secret)
        .api_base(base)
        .build()
        .unwrap()
}

#[tokio::test]
async fn decrypts_the_test_vector_and_follows_next() {
    let base = serve(route).await;
    let locker = client(&base, SECRET);
    assert_eq!(locker.project_id().await.unwrap(), 42);
    let rec = locker.retrieve("REDIS_URL", Some("staging")).await.unwrap();
    assert_eq!(rec.value, "redis://localhost:6379/0");
    assert_eq!(rec.environment_name.as_deref(), Some("staging"));
    // The second page holds the "All" secret, stored as plaintext (passed through).
    assert_eq!(
        locker.get("REDIS_URL", None).await.unwrap().as_deref(),
        Some("plain")
    );
    let env = locker.get_environment("staging").await.unwrap().unwrap();
    assert_eq!(env.id, "e1");
}

#[tokio::test]
async fn html_on_success_is_an_invalid_response() {
    let base = serve(route).await;
    let err = client(&base, SECRET).list_environments().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidResponse, "{err:?}");
}

#[tokio::test]
async fn a_wrong_secret_access_key_fails_on_the_project_key() {
    let base = serve(route).await;
    let other = "AQECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    let err = client(&base, other).project_id().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decryption);
    assert!(err.message().contains("does not match"));
}

#[tokio::test]
async fn error_statuses_keep_message_and_code() {
    let base = serve(route).await;
    let locker = client(&base, SECRET);
    let err = locker
        .read::<serde_json::Value>("/v1/nowhere".into())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(err.code(), Some("0004"));
    assert_eq!(err.message(), "Not found");
}
