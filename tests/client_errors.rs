//! Error kinds from a real local server: authentication, permissions, decryption, bad input.

mod support;

use locker_config::{ErrorKind, Locker, NewEnvironment, NewSecret, SecretUpdate};
use support::Project;

/// A well-formed secret access key that belongs to no project.
const OTHER_SECRET: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

#[tokio::test]
async fn an_unknown_access_key_is_an_authentication_error() {
    let p = Project::new();
    let locker = p
        .builder()
        .access_key_id("00000000-0000-4000-8000-000000000000")
        .build()
        .unwrap();
    let err = locker.list_secrets(None).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Authentication, "{err:?}");
    assert_eq!(err.status(), Some(401));
    assert!(err.is_authentication());
}

#[tokio::test]
async fn a_wrong_secret_access_key_is_a_decryption_error() {
    let p = Project::new();
    let locker = p.builder().secret_access_key(OTHER_SECRET).build().unwrap();
    let err = locker.get("ANY", None).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decryption, "{err:?}");
    assert!(err.message().contains("does not match"), "{err}");
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("AAECAwQF"));
    assert!(!shown.contains(&p.key.secret_access_key));
}

#[tokio::test]
async fn a_read_only_key_reads_but_gets_permission_denied_on_writes() {
    let p = Project::new();
    let rw = p.client();
    rw.create_environment(NewEnvironment::new("staging"))
        .await
        .unwrap();
    rw.create(NewSecret::new("K", "v")).await.unwrap();

    let ro_key = p.server.create_access_key(&p.key, true).unwrap();
    let ro = p.client_with(&ro_key);
    assert_eq!(ro.get("K", None).await.unwrap().as_deref(), Some("v"));
    for err in [
        ro.create(NewSecret::new("NEW", "x")).await.unwrap_err(),
        ro.modify("K", None, SecretUpdate::new().value("w"))
            .await
            .unwrap_err(),
        ro.create_environment(NewEnvironment::new("prod"))
            .await
            .unwrap_err(),
    ] {
        assert_eq!(err.kind(), ErrorKind::PermissionDenied, "{err:?}");
        assert_eq!(err.status(), Some(403));
    }
    assert_eq!(rw.get("K", None).await.unwrap().as_deref(), Some("v"));
}

#[tokio::test]
async fn nothing_listening_is_a_connection_error() {
    // Bind a port, then free it, so nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let locker = Locker::builder()
        .access_key_id("id")
        .secret_access_key(OTHER_SECRET)
        .api_base(format!("http://127.0.0.1:{port}"))
        .max_network_retries(0)
        .build()
        .unwrap();
    let err = locker.list_environments().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection, "{err:?}");
}

#[tokio::test]
async fn invalid_arguments_are_rejected_before_any_request() {
    let p = Project::new();
    let locker = p.client();
    p.server.clear_request_log();
    assert_eq!(
        locker.get("", None).await.unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    assert_eq!(
        locker.get_environment("").await.unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    assert!(p.server.request_log().is_empty());
}

#[test]
fn bad_settings_fail_at_build() {
    let base = || {
        Locker::builder()
            .access_key_id("id")
            .secret_access_key(OTHER_SECRET)
    };
    let kind = |b: locker_config::LockerBuilder| b.build().unwrap_err().kind();
    assert_eq!(kind(base().api_base("nope")), ErrorKind::InvalidInput);
    assert_eq!(
        kind(base().api_base("http://x").secret_access_key("%%%")),
        ErrorKind::Credentials
    );
    assert_eq!(
        kind(base().api_base("http://x").header("a b", "c")),
        ErrorKind::InvalidInput
    );
}
