//! The client against a canned HTTP responder speaking the PROTOCOL.md test vector.

use super::*;
use std::time::{Duration, Instant};

use locker_protocol::crypto::SymmetricKey;
use responder::{Reply, serve_replies};

mod bounds;
mod integrity;
mod responder;

const SECRET: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
const PROFILE_KEY: &str = "2.oKGio6SlpqeoqaqrrK2urw==|or46p0JFEiM3d9uyk59m82cuBS4oi5kw1n4FX1g1pDTlRuIFH/THx4fUpKLVB/PlycsCXuG23gfjm1a8aGZxFvxIR1Ajd8HPULgCvF5E5YU=|qXTeivhgDPpbrpRmHYWvifBqxn5eBPd16gJvgUE3Qbc=";
const REDIS_URL: &str = "2.sLGys7S1tre4ubq7vL2+vw==|PjoB8mcDPk3F2X1F+mteSw==|cz0kyDLU3WgO6ym/Y3u5El7F3zJM1tlcLyMt7wD/wGM=";
const REDIS_VALUE: &str = "2.wMHCw8TFxsfIycrLzM3Ozw==|p9poqeAWHDkfWfxCqwyD+mQvCfF4fc4F6grvQaYYgow=|Vvs8KVeItAdboRGLLZhN2MSRxyxAS7KjZUMATSPLx20=";
const STAGING: &str = "2.4OHi4+Tl5ufo6err7O3u7w==|wwkOh70NwdgGzrh2eIsz+w==|Z2iGCuDa7hz5W0gyP/QZyIDHELFTHA+kybxKrUwz/x8=";

type Route = fn(&str) -> (u16, String);

/// A bound that only a hang exceeds: these tests prove the client gives up, not how fast.
const NO_HANG: Duration = Duration::from_secs(10);

/// Serves one canned response per request (connection closed after each).
async fn serve(route: Route) -> String {
    serve_replies(move |target| {
        let (status, body) = route(target);
        Reply::Body(status, body.into_bytes())
    })
    .await
    .base
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
        // The "All" secret, encrypted now under the vector's project key (random IVs).
        let key = project_key();
        return (
            200,
            format!(
                r#"{{"count":2,"next":null,"results":[{{"id":"s0","environment_id":null,"key":"{}","value":"{}","secret_hash":"pRSYmvA7F9OBodtBWMZUDLoTVe7NNJokTGsh8YBDIM4"}}]}}"#,
                key.encrypt("REDIS_URL"),
                key.encrypt("redis://all:6379/0"),
            ),
        );
    }
    if path.starts_with("/v1/environments?") {
        return (200, "<html><body>login</body></html>".into());
    }
    (404, r#"{"code":"0004","message":"Not found"}"#.into())
}

/// The project key of the PROTOCOL.md §3.5 vector (bytes 0x40..0x80).
fn project_key() -> SymmetricKey {
    SymmetricKey::from_bytes(&(0x40u8..0x80).collect::<Vec<_>>()).unwrap()
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
    // The second page holds the "All" secret.
    assert_eq!(
        locker.get("REDIS_URL", None).await.unwrap().as_deref(),
        Some("redis://all:6379/0")
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

// ---- Bad server responses: each one is a typed error, never a panic, a hang or a leak. ----

/// The plaintext of `REDIS_VALUE`.
const REDIS_PLAIN: &str = "redis://localhost:6379/0";

/// The API path of a request target (`/v1/...`).
fn api_path(target: &str) -> &str {
    target.strip_prefix("/locker_secrets").unwrap_or(target)
}

fn json(body: impl Into<String>) -> Reply {
    Reply::Body(200, body.into().into_bytes())
}

/// Answers the profile with the test vector and everything else with `rest(api path)`.
fn with_profile(rest: impl Fn(&str) -> Reply + Send + Sync + 'static) -> impl Fn(&str) -> Reply {
    move |target| match api_path(target) {
        "/v1/profile" => json(profile()),
        path => rest(path),
    }
}

/// One page of secrets holding `REDIS_URL` in "All" with this (wire) value.
fn secret_with_value(value: &str) -> String {
    format!(
        r#"{{"count":1,"next":null,"results":[{{"id":"s1","environment_id":null,"key":"{REDIS_URL}","value":"{value}"}}]}}"#
    )
}

/// A client that neither retries nor waits long.
fn quick_client(base: &str) -> Locker {
    Locker::builder()
        .access_key_id("key-id")
        .secret_access_key(SECRET)
        .api_base(base)
        .max_network_retries(0)
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap()
}

/// Asserts that neither the message nor the debug form of `err` contains any of `leaks`.
fn assert_no_leak(err: &Error, leaks: &[&str]) {
    let shown = format!("{err} {err:?}");
    for leak in leaks {
        assert!(!shown.contains(leak), "{leak:?} leaked into {shown}");
    }
}

#[tokio::test]
async fn truncated_body_with_a_short_content_length_is_a_connection_error() {
    // Announces 1000 bytes, sends the start of a list, then closes: the transfer failed, so
    // the read is a (retryable) connection error rather than a parse error on half a body.
    let server = serve_replies(|_| Reply::Stream {
        content_length: 1000,
        chunk: br#"{"count":1,"results":[{"id":"s1","#.to_vec(),
        times: 1,
        hang: false,
    })
    .await;
    let locker = Locker::builder()
        .access_key_id("key-id")
        .secret_access_key(SECRET)
        .api_base(&server.base)
        .max_network_retries(1)
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let err = locker.project_id().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection, "{err:?}");
    assert!(err.message().contains("GET /v1/profile"), "{err}");
    assert!(err.message().contains("closed before"), "{err:?}");
    assert_no_leak(&err, &["\"s1\""]);
    // A read is retried after a dropped connection.
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn truncated_json_in_a_complete_body_is_an_invalid_response() {
    let server = serve_replies(|_| json(r#"{"count":1,"results":[{"id":"s1","#)).await;
    let err = quick_client(&server.base).project_id().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidResponse, "{err:?}");
    assert!(
        err.message().contains("GET /v1/profile is truncated JSON"),
        "{err}"
    );
    assert_eq!(err.status(), None);
}

#[tokio::test]
async fn empty_success_body_is_an_invalid_response() {
    let server = serve_replies(|_| json("")).await;
    let err = quick_client(&server.base).project_id().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidResponse, "{err:?}");
    assert!(err.message().contains("(empty body)"), "{err}");
}

#[tokio::test]
async fn non_json_text_is_an_invalid_response_that_does_not_quote_it() {
    let server = serve_replies(|_| json("maintenance: password=hunter2")).await;
    let err = quick_client(&server.base).project_id().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidResponse, "{err:?}");
    assert!(
        err.message()
            .starts_with("the response to GET /v1/profile is not valid JSON"),
        "{err}"
    );
    assert_no_leak(&err, &["hunter2", "maintenance"]);
    assert!(err.body().is_none());
}

#[tokio::test]
async fn invalid_utf8_is_an_invalid_response() {
    let server = serve_replies(|target| match api_path(target) {
        "/v1/profile" => Reply::Body(200, b"{\"profile\":{\"key\":\"\xff\xfe\"}}".to_vec()),
        _ => Reply::Body(200, b"\xff\xfe\x00\x80garbage".to_vec()),
    })
    .await;
    let locker = quick_client(&server.base);
    let err = locker.project_id().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidResponse, "{err:?}");
    assert!(err.message().contains("is not valid JSON"), "{err}");
    let err = locker
        .read::<serde_json::Value>("/v1/secrets".into())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidResponse, "{err:?}");
    assert!(
        err.message().contains("GET /v1/secrets is not valid JSON"),
        "{err}"
    );
    assert_no_leak(&err, &["garbage"]);
}

#[tokio::test]
async fn results_of_the_wrong_type_are_an_invalid_response() {
    let server = serve_replies(with_profile(|_| {
        json(r#"{"count":1,"next":null,"results":"s3cr3t-looking"}"#)
    }))
    .await;
    let err = quick_client(&server.base)
        .list_environments()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidResponse, "{err:?}");
    assert_eq!(
        err.message(),
        "the response to GET /v1/environments does not have the expected shape (line 1, column 49)"
    );
    assert_no_leak(&err, &["s3cr3t-looking"]);
}

#[tokio::test]
async fn a_profile_of_the_wrong_shape_is_an_invalid_response() {
    let server = serve_replies(|_| json(r#"["s3cr3t-looking"]"#)).await;
    let err = quick_client(&server.base).project_id().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidResponse, "{err:?}");
    assert!(
        err.message().contains("does not have the expected shape"),
        "{err}"
    );
    assert_no_leak(&err, &["s3cr3t-looking"]);
}

#[tokio::test]
async fn a_secret_without_id_is_an_invalid_response() {
    let server = serve_replies(with_profile(|_| {
        json(format!(
            r#"{{"results":[{{"environment_id":null,"key":"{REDIS_URL}","value":"{REDIS_VALUE}"}}]}}"#
        ))
    }))
    .await;
    let err = quick_client(&server.base)
        .list_secrets(None)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidResponse, "{err:?}");
    assert_eq!(err.message(), "a secret in the response has no id");
}

#[tokio::test]
async fn a_secret_without_key_is_an_invalid_response() {
    let server = serve_replies(with_profile(|_| {
        json(format!(
            r#"{{"results":[{{"id":"s1","environment_id":null,"value":"{REDIS_VALUE}"}}]}}"#
        ))
    }))
    .await;
    let err = quick_client(&server.base)
        .list_secrets(None)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidResponse, "{err:?}");
    assert_eq!(err.message(), "a secret in the response has no key");
    assert_no_leak(&err, &[REDIS_VALUE, REDIS_PLAIN]);
}

#[tokio::test]
async fn a_body_over_the_cap_is_an_invalid_response_and_returns_promptly() {
    const CHUNK: usize = 64 * 1024;
    let times = transport::MAX_RESPONSE_BODY / CHUNK + 16;
    let server = serve_replies(move |_| Reply::Stream {
        content_length: times * CHUNK,
        chunk: vec![b' '; CHUNK],
        times,
        hang: false,
    })
    .await;
    let started = Instant::now();
    let err = Locker::builder()
        .access_key_id("key-id")
        .secret_access_key(SECRET)
        .api_base(&server.base)
        .max_network_retries(0)
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
        .project_id()
        .await
        .unwrap_err();
    assert!(started.elapsed() < NO_HANG, "{:?}", started.elapsed());
    assert_eq!(err.kind(), ErrorKind::InvalidResponse, "{err:?}");
    assert_eq!(err.status(), Some(200));
    assert_eq!(
        err.message(),
        format!(
            "the response to GET /v1/profile is larger than {} bytes",
            transport::MAX_RESPONSE_BODY
        )
    );
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn an_html_502_from_a_proxy_is_a_server_error_with_the_body_capped() {
    let page = format!(
        "<html><head><title>502 Bad Gateway</title></head><body>{}</body></html>",
        "<p>upstream unavailable</p>".repeat(400)
    );
    assert!(page.len() > 8 * 1024);
    let server = serve_replies(move |_| Reply::Body(502, page.clone().into_bytes())).await;
    let err = quick_client(&server.base).project_id().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Server, "{err:?}");
    assert_eq!(err.status(), Some(502));
    assert_eq!(err.message(), "Bad Gateway");
    assert_eq!(err.to_string(), "server error (HTTP 502): Bad Gateway");
    let body = err.body().unwrap();
    assert!(
        body.starts_with("<html><head><title>502 Bad Gateway"),
        "{body}"
    );
    assert!(body.len() <= 4096 + '…'.len_utf8() && body.ends_with('…'));
    // Retryable, but retries were turned off: exactly one request.
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_502_is_retried_by_default() {
    let server = serve_replies(|_| Reply::Body(502, b"<html>Bad gateway</html>".to_vec())).await;
    let err = Locker::builder()
        .access_key_id("key-id")
        .secret_access_key(SECRET)
        .api_base(&server.base)
        .max_network_retries(1)
        .build()
        .unwrap()
        .project_id()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Server, "{err:?}");
    assert_eq!(server.requests().len(), 2);
}

/// `get("REDIS_URL")` against a secret whose value is `value` on the wire.
async fn get_with_wire_value(value: &str) -> Result<Option<String>> {
    let page = secret_with_value(value);
    let server = serve_replies(with_profile(move |_| json(page.clone()))).await;
    quick_client(&server.base).get("REDIS_URL", None).await
}

#[tokio::test]
async fn a_malformed_cipher_string_is_a_decryption_error() {
    for value in [
        "2.abc|def|ghi",
        "2.oKGio6SlpqeoqaqrrK2urw==|!!notbase64!!|qXTeivhgDPpbrpRmHYWvifBqxn5eBPd16gJvgUE3Qbc=",
        "2.AAAA|AAAA|AAAA",
        "7.abc|def|ghi",
    ] {
        let err = get_with_wire_value(value).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decryption, "{value}: {err:?}");
        assert_eq!(
            err.message(),
            "could not decrypt the value of secret s1; to repair it, write a new value, e.g. \
         `locker secret set REDIS_URL VALUE` (or Locker::set)"
        );
        assert!(err.source_as::<CryptoError>().is_some(), "{err:?}");
        assert_no_leak(&err, &[value, "abc", "notbase64", "AAAA"]);
    }
}

#[tokio::test]
async fn a_string_not_shaped_like_a_cipher_string_is_never_passed_through() {
    // Official clients pass such strings through as plaintext; this client fails closed
    // (PROTOCOL.md §3.2), since the bearer token alone can write any field.
    for value in [
        "2.abc|def",
        "postgres://attacker/steal",
        "",
        "2.",
        &format!("{REDIS_VALUE}|x"),
        &format!("{REDIS_VALUE} "),
    ] {
        let err = get_with_wire_value(value).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decryption, "{value}: {err:?}");
        assert_eq!(
            err.message(),
            "could not decrypt the value of secret s1; to repair it, write a new value, e.g. \
         `locker secret set REDIS_URL VALUE` (or Locker::set)"
        );
        if !value.is_empty() {
            assert_no_leak(&err, &[value]);
        }
    }
}

#[tokio::test]
async fn a_tampered_mac_is_a_decryption_error() {
    let parts: Vec<&str> = REDIS_VALUE.split('|').collect();
    let other_mac = REDIS_URL.rsplit('|').next().unwrap();
    let tampered = format!("{}|{}|{other_mac}", parts[0], parts[1]);
    let err = get_with_wire_value(&tampered).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decryption, "{err:?}");
    assert_eq!(
        err.message(),
        "could not decrypt the value of secret s1; to repair it, write a new value, e.g. \
         `locker secret set REDIS_URL VALUE` (or Locker::set)"
    );
    assert_eq!(
        err.source_as::<CryptoError>(),
        Some(&CryptoError::MacMismatch)
    );
    assert_no_leak(&err, &[parts[0], parts[1], other_mac, REDIS_PLAIN]);
}

#[tokio::test]
async fn a_value_under_another_key_is_a_decryption_error() {
    let other = SymmetricKey::from_bytes(&[7u8; 64]).unwrap();
    let cipher = other.encrypt("hunter2");
    let err = get_with_wire_value(&cipher).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decryption, "{err:?}");
    assert_eq!(
        err.message(),
        "could not decrypt the value of secret s1; to repair it, write a new value, e.g. \
         `locker secret set REDIS_URL VALUE` (or Locker::set)"
    );
    assert_eq!(
        err.source_as::<CryptoError>(),
        Some(&CryptoError::MacMismatch)
    );
    let parts: Vec<&str> = cipher.split('|').collect();
    assert_no_leak(&err, &["hunter2", &cipher, parts[0], parts[1], parts[2]]);
}

/// The profile error for `profile_json`.
async fn profile_error(profile_json: String) -> Error {
    let server = serve_replies(move |_| json(profile_json.clone())).await;
    quick_client(&server.base).project_id().await.unwrap_err()
}

#[tokio::test]
async fn a_malformed_profile_key_is_a_decryption_error() {
    for key in ["2.abc|def|ghi", "not-a-cipher-string", "2.AAAA|AAAA|AAAA"] {
        let err = profile_error(format!(
            r#"{{"profile":{{"key":"{key}","project_id":42}}}}"#
        ))
        .await;
        assert_eq!(err.kind(), ErrorKind::Decryption, "{key}: {err:?}");
        assert_eq!(
            err.message(),
            "could not decrypt the project key in the access key's profile"
        );
        assert_no_leak(&err, &[key]);
    }
}

#[tokio::test]
async fn a_profile_key_of_the_wrong_length_is_a_decryption_error() {
    let master = SymmetricKey::from_secret_access_key(SECRET).unwrap();
    let short = master.encrypt_bytes(&[9u8; 32]);
    let err = profile_error(format!(
        r#"{{"profile":{{"key":"{short}","project_id":42}}}}"#
    ))
    .await;
    assert_eq!(err.kind(), ErrorKind::Decryption, "{err:?}");
    assert_no_leak(&err, &[&short]);
}

#[tokio::test]
async fn a_profile_without_key_or_project_id_is_an_invalid_response() {
    for body in [
        r#"{"profile":{"project_id":42}}"#.to_string(),
        r#"{"profile":{"key":null,"project_id":42}}"#.to_string(),
        format!(r#"{{"profile":{{"key":"{PROFILE_KEY}"}}}}"#),
        format!(r#"{{"profile":{{"key":"{PROFILE_KEY}","project_id":"forty-two"}}}}"#),
        r#"{}"#.to_string(),
    ] {
        let err = profile_error(body.clone()).await;
        assert_eq!(err.kind(), ErrorKind::InvalidResponse, "{body}: {err:?}");
        assert_eq!(
            err.message(),
            "the profile has no project key or project id"
        );
        assert_no_leak(&err, &[PROFILE_KEY]);
    }
}

/// A first page of secrets whose `next` is `next`; any other secrets page answers the same.
fn secrets_with_next(next: &'static str) -> impl Fn(&str) -> Reply {
    with_profile(move |_| {
        json(format!(
            r#"{{"count":2,"next":"{next}","results":[{{"id":"s1","key":"K","value":"V"}}]}}"#
        ))
    })
}

#[tokio::test]
async fn a_next_link_to_another_host_is_rejected_without_following_it() {
    for next in [
        "http://evil.example/v1/secrets?page=2",
        "https://evil.example/locker_secrets/v1/secrets?page=2",
        "//evil.example/v1/secrets?page=2",
        " //evil.example/v1/secrets?page=2",
    ] {
        let server = serve_replies(secrets_with_next(next)).await;
        let started = Instant::now();
        let err = quick_client(&server.base)
            .list_secrets(None)
            .await
            .unwrap_err();
        assert!(started.elapsed() < NO_HANG);
        assert_eq!(err.kind(), ErrorKind::InvalidResponse, "{next}: {err:?}");
        assert_eq!(
            err.message(),
            "the server's next page link points outside the API base"
        );
        let requests = server.requests();
        assert_eq!(requests.len(), 2, "{requests:?}");
        assert!(
            requests.iter().all(|r| !r.contains("evil.example")),
            "{requests:?}"
        );
    }
}

#[tokio::test]
async fn a_next_link_that_repeats_itself_stops_with_an_error() {
    let server = serve_replies(secrets_with_next("/v1/secrets?page=2&size=1")).await;
    let started = Instant::now();
    let err = quick_client(&server.base)
        .list_secrets(None)
        .await
        .unwrap_err();
    assert!(started.elapsed() < NO_HANG);
    assert_eq!(err.kind(), ErrorKind::InvalidResponse, "{err:?}");
    assert_eq!(
        err.message(),
        "the server's pagination of /v1/secrets does not end"
    );
    // The profile, the first page, and the looping page once.
    let requests = server.requests();
    assert_eq!(requests.len(), 3, "{requests:?}");
    assert_eq!(requests[2], "/locker_secrets/v1/secrets?page=2&size=1");
}

#[tokio::test]
async fn a_server_that_never_answers_times_out_promptly() {
    let server = serve_replies(|_| Reply::Silent).await;
    let locker = Locker::builder()
        .access_key_id("key-id")
        .secret_access_key(SECRET)
        .api_base(&server.base)
        .max_network_retries(0)
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = locker.project_id().await.unwrap_err();
    assert!(started.elapsed() < NO_HANG, "{:?}", started.elapsed());
    assert_eq!(err.kind(), ErrorKind::Connection, "{err:?}");
    assert_eq!(
        err.message(),
        format!(
            "GET /v1/profile to {} timed out after 200ms",
            server.base.trim_end_matches('/')
        )
    );
}

#[tokio::test]
async fn a_body_that_stalls_times_out_promptly() {
    let server = serve_replies(|_| Reply::Stream {
        content_length: 1000,
        chunk: br#"{"profile":{"key":"#.to_vec(),
        times: 1,
        hang: true,
    })
    .await;
    let started = Instant::now();
    let err = quick_client(&server.base).project_id().await.unwrap_err();
    assert!(started.elapsed() < NO_HANG, "{:?}", started.elapsed());
    assert_eq!(err.kind(), ErrorKind::Connection, "{err:?}");
    assert_eq!(
        err.message(),
        format!(
            "GET /v1/profile to {} timed out after 500ms",
            server.base.trim_end_matches('/')
        )
    );
}

#[tokio::test]
async fn redirects_are_not_followed() {
    // Following a redirect would carry custom headers wherever it points.
    let server = serve_replies(|target| {
        if target.ends_with("/v1/profile") {
            Reply::Redirect("/moved/v1/profile".into())
        } else {
            json(profile())
        }
    })
    .await;
    let err = quick_client(&server.base).project_id().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidResponse, "{err:?}");
    assert_eq!(err.status(), Some(302));
    assert_eq!(server.requests().len(), 1, "{:?}", server.requests());
}
