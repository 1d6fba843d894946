//! Fail closed against a real server: fields written with only the bearer token (no
//! encryption, malformed cipher strings, mismatched hashes) are decryption errors naming the
//! secret and field, and the injected value never comes back — from the client or a load.

mod support;

use locker_config::{ErrorKind, Locker, NewSecret};
use locker_protocol::crypto::{SymmetricKey, name_hash};
use serde_json::json;
use support::{AppConfig, Project};

const ATTACKER: &str = "postgres://attacker/steal";

/// A project with DATABASE_URL in prod; returns the secret's id.
async fn project_with_secret() -> (Project, Locker, String) {
    let p = Project::new();
    let locker = p.client();
    locker
        .create_environment(locker_config::NewEnvironment::new("prod"))
        .await
        .unwrap();
    let rec = locker
        .create(NewSecret::new("DATABASE_URL", "postgres://db/prod").environment("prod"))
        .await
        .unwrap();
    (p, locker, rec.id)
}

/// Every way the client and the loader read DATABASE_URL fails with a decryption error that
/// names `id` and says `says`, and never shows `leak`.
async fn assert_fails_closed(p: &Project, id: &str, says: &str, leak: &str) {
    let fresh = p.client();
    let mut errors = vec![
        fresh.list_secrets(None).await.unwrap_err(),
        fresh.list_secrets(Some("prod")).await.unwrap_err(),
        fresh
            .export(None, locker_config::ExportFormat::Dotenv)
            .await
            .unwrap_err(),
    ];
    if says != "integrity" {
        // With a mismatched hash the hash lookup no longer finds the key at all.
        errors.push(fresh.get("DATABASE_URL", Some("prod")).await.unwrap_err());
    }
    let loader = p.loader::<AppConfig>("prod");
    errors.push(loader.load_async().await.unwrap_err());
    for err in errors {
        assert_eq!(err.kind(), ErrorKind::Decryption, "{err:?}");
        assert!(err.message().contains(id), "{err}");
        assert!(err.message().contains(says), "{err}");
        let shown = format!("{err} {err:?} {err:#?}");
        assert!(!shown.contains(leak), "{shown}");
    }
}

#[tokio::test]
async fn a_plaintext_value_written_with_the_bearer_token_is_never_returned() {
    let (p, _, id) = project_with_secret().await;
    let (status, _) = p
        .raw(
            "PUT",
            &format!("/v1/secrets/{id}"),
            Some(json!({"value": ATTACKER})),
        )
        .await;
    assert_eq!(status, 200);
    assert_fails_closed(&p, &id, "value", ATTACKER).await;
}

#[tokio::test]
async fn malformed_cipher_strings_are_decryption_errors() {
    // A well-formed cipher string under another key, one with a fourth part, and shapes
    // official clients would pass through as plaintext.
    let foreign = SymmetricKey::generate().encrypt(ATTACKER);
    for (field, bad) in [
        ("value", foreign.clone()),
        ("value", format!("{foreign}|x")),
        ("value", "2.abc|def|ghi".to_string()),
        ("value", "2.abc|def".to_string()),
        ("value", String::new()),
        ("key", format!("{foreign}|x")),
        ("description", ATTACKER.to_string()),
    ] {
        let (p, _, id) = project_with_secret().await;
        let (status, _) = p
            .raw(
                "PUT",
                &format!("/v1/secrets/{id}"),
                Some(json!({ field: bad })),
            )
            .await;
        assert_eq!(status, 200, "{field}");
        let err = p.client().list_secrets(None).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decryption, "{field} {bad}: {err:?}");
        assert_eq!(
            err.message(),
            format!("could not decrypt the {field} of secret {id}")
        );
        assert!(!format!("{err:?}").contains(ATTACKER));
        if field == "value" {
            assert_fails_closed(&p, &id, "value", ATTACKER).await;
        }
    }
}

#[tokio::test]
async fn a_hash_that_does_not_match_the_decrypted_key_is_an_integrity_error() {
    let (p, locker, id) = project_with_secret().await;
    let project_id = locker.project_id().await.unwrap();
    let (status, _) = p
        .raw(
            "PUT",
            &format!("/v1/secrets/{id}"),
            Some(json!({"hash": name_hash(project_id, "REDIS_URL")})),
        )
        .await;
    assert_eq!(status, 200);
    // Looked up by the hash it now carries, the record's key still decides.
    let err = p.client().get("REDIS_URL", Some("prod")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decryption, "{err:?}");
    assert!(err.message().contains("integrity"), "{err}");
    assert!(err.message().contains(&id), "{err}");
    assert_fails_closed(&p, &id, "integrity", "postgres://db/prod").await;
}

#[tokio::test]
async fn an_environment_hash_that_does_not_match_its_name_is_an_integrity_error() {
    let (p, locker, _) = project_with_secret().await;
    let project_id = locker.project_id().await.unwrap();
    let env = locker.get_environment("prod").await.unwrap().unwrap();
    let (status, _) = p
        .raw(
            "PUT",
            &format!("/v1/environments/{}", env.id),
            Some(json!({"hash": name_hash(project_id, "staging")})),
        )
        .await;
    assert_eq!(status, 200);
    let err = p.client().list_environments().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decryption, "{err:?}");
    assert!(err.message().contains("integrity"), "{err}");
    assert!(err.message().contains(&env.id), "{err}");
    // The secrets of that environment carry the same (joined) hash.
    let err = p.client().list_secrets(None).await.unwrap_err();
    assert!(err.message().contains("integrity"), "{err}");
}
