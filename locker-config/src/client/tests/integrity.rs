//! Fail closed: malformed, foreign, plaintext or mismatched fields never come back as values,
//! and a few thousand mutated list pages never panic or yield a value that was not encrypted
//! under the project key.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::super::decrypt::{decrypt_environment, decrypt_secret};
use super::super::transport::parse_json;
use super::*;
use crate::model::SecretRecord;
use locker_protocol::crypto::name_hash;
use locker_protocol::wire::{ListResponse, WireEnvironment, WireSecret};

fn session() -> Session {
    Session {
        project_id: 42,
        key: project_key(),
        editable: None,
    }
}

fn page(body: &str) -> Result<Vec<SecretRecord>> {
    let session = session();
    let page: ListResponse<WireSecret> = parse_json(body.as_bytes(), "GET /v1/secrets")?;
    let (items, _) = page.into_parts();
    items
        .into_iter()
        .map(|w| decrypt_secret(&session, w, &HashMap::new()))
        .collect()
}

fn secret_json(id: &str, key: &str, value: &str, extra: &str) -> String {
    let k = project_key();
    format!(
        r#"{{"id":"{id}","key":"{}","value":"{}"{extra}}}"#,
        k.encrypt(key),
        k.encrypt(value)
    )
}

#[test]
fn a_hash_that_does_not_match_the_key_is_an_integrity_error() {
    let other = name_hash(42, "OTHER");
    let body = format!(
        r#"{{"results":[{}]}}"#,
        secret_json("s9", "K", "v", &format!(r#","secret_hash":"{other}""#))
    );
    let err = page(&body).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decryption, "{err:?}");
    assert!(err.message().contains("integrity"), "{err}");
    assert!(err.message().contains("s9"), "{err}");
    // The matching hash, or none at all (older clients), is accepted.
    let good = name_hash(42, "K");
    for extra in [format!(r#","secret_hash":"{good}""#), String::new()] {
        let body = format!(r#"{{"results":[{}]}}"#, secret_json("s1", "K", "v", &extra));
        assert_eq!(page(&body).unwrap()[0].value, "v");
    }
}

#[test]
fn an_environment_hash_that_does_not_match_the_name_is_an_integrity_error() {
    let k = project_key();
    let extra = format!(
        r#","environment_id":"e1","environment_name":"{}","environment_hash":"{}""#,
        k.encrypt("prod"),
        name_hash(42, "staging")
    );
    let body = format!(r#"{{"results":[{}]}}"#, secret_json("s2", "K", "v", &extra));
    let err = page(&body).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decryption, "{err:?}");
    assert!(err.message().contains("integrity"), "{err}");
    assert!(err.message().contains("environment"), "{err}");

    let env: WireEnvironment = serde_json::from_str(&format!(
        r#"{{"id":"e1","name":"{}","hash":"{}"}}"#,
        k.encrypt("prod"),
        name_hash(42, "staging")
    ))
    .unwrap();
    let err = decrypt_environment(&session(), env).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decryption, "{err:?}");
    assert!(err.message().contains("integrity"), "{err}");
}

#[test]
fn missing_or_wrongly_typed_fields_are_invalid_responses() {
    let k = project_key();
    let key = k.encrypt("K");
    for body in [
        format!(r#"{{"results":[{{"id":"s1","key":"{key}"}}]}}"#),
        format!(r#"{{"results":[{{"id":"s1","key":"{key}","value":null}}]}}"#),
        format!(r#"{{"results":[{{"id":"s1","key":"{key}","value":42}}]}}"#),
        format!(r#"{{"results":[{{"id":"s1","key":"{key}","value":{{"x":"y"}}}}]}}"#),
        "{}".to_string(),
        r#"{"count":1,"next":null,"result":[]}"#.to_string(),
        r#"{"results":null}"#.to_string(),
    ] {
        let err = page(&body).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidResponse, "{body}: {err:?}");
    }
}

#[test]
fn a_secret_of_an_unnamed_environment_never_passes_for_all() {
    let body = format!(
        r#"{{"results":[{}]}}"#,
        secret_json("s5", "K", "v", r#","environment_id":"e-unknown""#)
    );
    let err = page(&body).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidResponse, "{err:?}");
    assert!(err.message().contains("s5"), "{err}");
}

#[test]
fn every_encrypted_field_must_decrypt() {
    let k = project_key();
    let foreign = SymmetricKey::generate().encrypt("x");
    for (field, extra) in [
        ("description", format!(r#","description":"{foreign}""#)),
        ("description", r#","description":"plain words""#.to_string()),
        (
            "environment name",
            r#","environment_id":"e1","environment_name":"prod""#.to_string(),
        ),
    ] {
        let body = format!(r#"{{"results":[{}]}}"#, secret_json("s3", "K", "v", &extra));
        let err = page(&body).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decryption, "{extra}: {err:?}");
        let repair = match field {
            "key" => {
                "; to repair it, overwrite the record by id, e.g. `locker secret set --id s3 \
                      KEY VALUE` (or Locker::replace)"
            }
            "environment name" => "",
            _ => {
                "; to repair it, write a new value, e.g. `locker secret set K VALUE` (or \
                  Locker::set)"
            }
        };
        assert_eq!(
            err.message(),
            format!("could not decrypt the {field} of secret s3{repair}")
        );
    }
    let env: WireEnvironment = serde_json::from_str(&format!(
        r#"{{"id":"e1","name":"{}","external_url":"https://evil.example"}}"#,
        k.encrypt("prod")
    ))
    .unwrap();
    let err = decrypt_environment(&session(), env).unwrap_err();
    assert_eq!(
        err.message(),
        "could not decrypt the external URL of environment e1"
    );
}

/// A small deterministic generator, so a failure can be replayed.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// The pieces of the mutation rounds: a page of four legitimate records (keys `KEY_i`, values
/// `good-value-i`) and things a hostile server might splice in.
struct Corpus {
    base: String,
    hostile: Vec<String>,
}

impl Corpus {
    fn new() -> Self {
        let k = project_key();
        let foreign = SymmetricKey::generate();
        let records: Vec<String> = (0..4)
            .map(|i| {
                format!(
                    r#"{{"id":"s{i}","project_id":42,"environment_id":null,"key":"{}","value":"{}","description":"{}","secret_hash":"{}","data":{{"key":"{}","value":"{}"}}}}"#,
                    k.encrypt(&format!("KEY_{i}")),
                    k.encrypt(&format!("good-value-{i}")),
                    k.encrypt("a description"),
                    name_hash(42, &format!("KEY_{i}")),
                    k.encrypt(&format!("KEY_{i}")),
                    k.encrypt(&format!("good-value-{i}")),
                )
            })
            .collect();
        Corpus {
            base: format!(
                r#"{{"count":4,"next":null,"results":[{}]}}"#,
                records.join(",")
            ),
            hostile: vec![
                "\"postgres://attacker/steal\"".to_string(),
                format!("\"{}\"", foreign.encrypt("FOREIGN-value")),
                format!("\"{}|x\"", k.encrypt("EXTRA-part")),
                "\"2.abc|def|ghi\"".to_string(),
                "\"\"".to_string(),
                "null".to_string(),
                "12".to_string(),
                "{}".to_string(),
                "[]".to_string(),
                "\"2.\"".to_string(),
            ],
        }
    }

    /// The base page with one to three random mutations.
    fn mutate(&self, rng: &mut XorShift) -> String {
        let mut body = self.base.clone().into_bytes();
        for _ in 0..1 + rng.below(3) {
            match rng.below(6) {
                // Flip a bit.
                0 => {
                    let i = rng.below(body.len());
                    body[i] ^= 1 << rng.below(8);
                }
                // Delete a span.
                1 => {
                    let i = rng.below(body.len());
                    let n = rng.below(40).min(body.len() - i);
                    body.drain(i..i + n);
                }
                // Replace a quoted string with something hostile.
                2 | 3 => {
                    let text = String::from_utf8_lossy(&body).into_owned();
                    let quotes: Vec<usize> = text.match_indices('"').map(|(i, _)| i).collect();
                    if quotes.len() >= 2 {
                        let q = rng.below(quotes.len() - 1);
                        let (a, b) = (quotes[q], quotes[q + 1]);
                        let with = &self.hostile[rng.below(self.hostile.len())];
                        let mut t = text[..a].to_string();
                        t.push_str(with);
                        t.push_str(&text[b + 1..]);
                        body = t.into_bytes();
                    }
                }
                // Duplicate a span.
                4 => {
                    let i = rng.below(body.len());
                    let n = rng.below(60).min(body.len() - i);
                    let span: Vec<u8> = body[i..i + n].to_vec();
                    let at = rng.below(body.len());
                    body.splice(at..at, span);
                }
                // Truncate.
                _ => {
                    let n = rng.below(body.len());
                    body.truncate(n);
                }
            }
        }
        String::from_utf8_lossy(&body).into_owned()
    }
}

/// What one round must satisfy: accepted records are exactly legitimate ones; errors show
/// no value, legitimate or injected.
fn check_round(round: usize, text: &str, result: Result<Vec<SecretRecord>>) -> bool {
    match result {
        Ok(found) => {
            for r in found {
                assert!(r.value.starts_with("good-value-"), "round {round}: {text}");
                assert!(r.key.starts_with("KEY_"), "round {round}: {text}");
            }
            true
        }
        Err(e) => {
            let shown = format!("{e} {e:?}");
            for leak in ["good-value", "attacker", "FOREIGN", "EXTRA"] {
                assert!(!shown.contains(leak), "round {round}: {shown}");
            }
            false
        }
    }
}

#[test]
fn mutated_list_pages_never_panic_or_leak_a_foreign_value() {
    let corpus = Corpus::new();
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let (mut accepted, mut rejected) = (0, 0);
    for round in 0..3000 {
        let text = corpus.mutate(&mut rng);
        if check_round(round, &text, page(&text)) {
            accepted += 1;
        } else {
            rejected += 1;
        }
    }
    // The mutations must exercise both paths.
    assert!(accepted > 100 && rejected > 100, "{accepted} / {rejected}");
}

#[tokio::test]
async fn a_hostile_responder_never_gets_a_foreign_value_through() {
    let corpus = Arc::new(Corpus::new());
    let pages = Arc::new(Mutex::new(Vec::<String>::new()));
    let (c, served) = (corpus.clone(), pages.clone());
    let rng = Arc::new(Mutex::new(XorShift(0x2545_F491_4F6C_DD1D)));
    let server = serve_replies(with_profile(move |_| {
        let text = c.mutate(&mut rng.lock().unwrap());
        served.lock().unwrap().push(text.clone());
        json(text)
    }))
    .await;
    let locker = quick_client(&server.base);
    for round in 0..300 {
        let result = locker.list_secrets(None).await;
        let text = pages.lock().unwrap().last().cloned().unwrap_or_default();
        check_round(round, &text, result);
    }
}
