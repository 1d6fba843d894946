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
        let repair = if field == "key" {
            format!(
                "to repair it, overwrite the record by id, e.g. `locker secret set --id {id} KEY \
                 VALUE` (or Locker::replace)"
            )
        } else {
            "to repair it, write a new value, e.g. `locker secret set DATABASE_URL VALUE --env \
             prod` (or Locker::set)"
                .to_owned()
        };
        assert_eq!(
            err.message(),
            format!("could not decrypt the {field} of secret {id}; {repair}")
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

/// Overwrites the record `id` with `fields` using the bearer token alone (no project key).
async fn bearer_only_write(p: &Project, id: &str, fields: serde_json::Value) {
    let (status, _) = p
        .raw("PUT", &format!("/v1/secrets/{id}"), Some(fields))
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn writes_repair_a_record_whose_value_or_description_cannot_be_decrypted() {
    for field in ["value", "description"] {
        // modify, set (existing key) and set without a description each repair it.
        for how in ["modify", "set"] {
            let (p, _, id) = project_with_secret().await;
            bearer_only_write(&p, &id, json!({ field: ATTACKER })).await;
            let locker = p.client();
            p.server.clear_request_log();
            let written = match how {
                "modify" => locker
                    .modify(
                        "DATABASE_URL",
                        Some("prod"),
                        locker_config::SecretUpdate::new().value("postgres://db/repaired"),
                    )
                    .await
                    .unwrap(),
                _ => {
                    let saved = locker
                        .set(
                            NewSecret::new("DATABASE_URL", "postgres://db/repaired")
                                .environment("prod"),
                        )
                        .await
                        .unwrap();
                    assert!(
                        matches!(saved, locker_config::Saved::Updated(_)),
                        "{saved:?}"
                    );
                    saved.record().clone()
                }
            };
            assert_eq!(
                written.id, id,
                "{field} {how}: the same record, overwritten"
            );
            assert_eq!(written.value, "postgres://db/repaired");
            assert_eq!(
                written.description, None,
                "an unreadable description is cleared"
            );
            // Profile, one lookup by hash, one PUT; no environment request, no refused POST.
            assert_eq!(p.server.request_log().len(), 3, "{field} {how}");
            assert_eq!(p.count("PUT", &format!("/v1/secrets/{id}")), 1);
            // Every reader works again.
            let fresh = p.client();
            assert_eq!(fresh.list_secrets(None).await.unwrap().len(), 1);
            assert_eq!(
                fresh
                    .get("DATABASE_URL", Some("prod"))
                    .await
                    .unwrap()
                    .as_deref(),
                Some("postgres://db/repaired")
            );
            p.loader::<AppConfig>("prod").load_async().await.unwrap();
        }
    }
}

#[tokio::test]
async fn modify_without_a_new_value_names_the_record_and_the_repair() {
    let (p, locker, id) = project_with_secret().await;
    bearer_only_write(&p, &id, json!({"value": ATTACKER})).await;
    let writes = p.count("PUT", &format!("/v1/secrets/{id}"));
    let err = locker
        .modify(
            "DATABASE_URL",
            Some("prod"),
            locker_config::SecretUpdate::new().description("the database"),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decryption, "{err}");
    assert!(
        err.message().contains(&id)
            && err
                .message()
                .contains("`locker secret set DATABASE_URL VALUE --env prod`"),
        "{err}"
    );
    assert!(!format!("{err:?}").contains(ATTACKER));
    assert_eq!(
        p.count("PUT", &format!("/v1/secrets/{id}")),
        writes,
        "nothing written"
    );
}

#[tokio::test]
async fn a_record_whose_key_cannot_be_decrypted_is_named_by_id_and_replaced_by_id() {
    let (p, locker, id) = project_with_secret().await;
    bearer_only_write(&p, &id, json!({"key": "DATABASE_URL", "value": ATTACKER})).await;
    // Every write under the key's hash names the record and the repair.
    let by_id = format!("`locker secret set --id {id} KEY VALUE`");
    let errors = [
        locker
            .set(NewSecret::new("DATABASE_URL", "v").environment("prod"))
            .await
            .unwrap_err(),
        locker
            .modify(
                "DATABASE_URL",
                Some("prod"),
                locker_config::SecretUpdate::new().value("v"),
            )
            .await
            .unwrap_err(),
        p.client().list_secrets(None).await.unwrap_err(),
        p.client()
            .get("DATABASE_URL", Some("prod"))
            .await
            .unwrap_err(),
    ];
    for err in errors {
        assert_eq!(err.kind(), ErrorKind::Decryption, "{err}");
        assert!(err.message().contains(&by_id), "{err}");
        assert!(!format!("{err:?}").contains(ATTACKER));
    }
    // The partial list shows what it can and names the broken record.
    locker
        .create(NewSecret::new("HTTP_PORT", "9000"))
        .await
        .unwrap();
    let (good, broken) = p.client().list_secrets_partial(None).await.unwrap();
    assert_eq!(good.len(), 1);
    assert_eq!(good[0].key, "HTTP_PORT");
    assert_eq!(broken.len(), 1);
    assert_eq!(broken[0].id, id);
    assert_eq!(broken[0].key, None);
    assert!(broken[0].error.message().contains(&by_id));
    // Replaced by id: one PUT (after the profile), and the record is whole again.
    let fresh = p.client();
    p.server.clear_request_log();
    let replaced = fresh
        .replace(&id, "DATABASE_URL", "postgres://db/repaired", None)
        .await
        .unwrap();
    assert_eq!(p.server.request_log().len(), 2);
    assert_eq!(replaced.id, id);
    assert_eq!(replaced.environment_name.as_deref(), Some("prod"));
    assert_eq!(
        fresh
            .get("DATABASE_URL", Some("prod"))
            .await
            .unwrap()
            .as_deref(),
        Some("postgres://db/repaired")
    );
    assert_eq!(
        p.client().list_secrets_partial(None).await.unwrap().1.len(),
        0
    );
}
