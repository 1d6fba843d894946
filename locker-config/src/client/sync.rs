//! What the config loader and live config ask of the client: the sync probes, one list of the
//! project's secrets (all, or only those changed after a revision date) that keeps and decrypts
//! only the records one environment and one set of keys can use, and the key that seals local
//! snapshots.
//!
//! Records are chosen by the hashes the server sends beside them (`secret_hash`,
//! `environment_hash`), so a prod load never decrypts staging's values; every record that is
//! kept goes through [`decrypt_secret`] and is then checked against those hashes. Records that
//! carry no hash (older clients write some) are decrypted and matched by key and environment
//! name instead, never skipped.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};

use std::borrow::Cow;

use hkdf::Hkdf;
use reqwest::Method;
use serde::Deserialize;
use serde_json::value::RawValue;
use sha2::Sha256;
use zeroize::Zeroizing;

use super::decrypt::decrypt_secret;
use super::pagination::Pages;
use super::transport::{MAX_PROBE_BODY, parse_json};
use super::{Locker, Session};
use crate::snapshot::{Kept, Listing, Want};
use crate::{Error, ErrorKind, Result};
use locker_protocol::crypto::{SymmetricKey, name_hash};
use locker_protocol::wire::WireSecret;

/// The HKDF info string of the snapshot key; a new format gets a new string.
const SNAPSHOT_KEY_INFO: &[u8] = b"locker-config snapshot key v1";

/// One page of `GET /v1/secrets`. `results` is required: a response without it is invalid,
/// never an empty list. The records stay unparsed text until [`Selector`] says they may be
/// used, so a load pays for parsing only what it keeps.
#[derive(Deserialize)]
struct Page<'a> {
    #[serde(borrow)]
    results: Vec<&'a RawValue>,
    #[serde(default)]
    next: Option<serde_json::Value>,
    #[serde(default)]
    count: Option<serde_json::Value>,
    #[serde(default)]
    revision_date: Option<serde_json::Value>,
}

/// What a record is chosen by, read from the page without copying the rest of it (the cipher
/// strings are skipped, not allocated). Lenient as [`WireSecret`] is: a field of another type
/// counts as absent.
#[derive(Deserialize)]
struct Selector<'a> {
    #[serde(default, borrow)]
    id: Option<&'a RawValue>,
    #[serde(default, borrow)]
    environment_id: Option<&'a RawValue>,
    #[serde(default, borrow)]
    environment_hash: Option<&'a RawValue>,
    #[serde(default, borrow)]
    secret_hash: Option<&'a RawValue>,
}

/// A JSON string's text; `None` for `null`, another type or an empty string.
fn raw_string(v: Option<&RawValue>) -> Option<Cow<'_, str>> {
    let v = v?;
    if !v.get().starts_with('"') {
        return None;
    }
    serde_json::from_str::<Cow<'_, str>>(v.get())
        .ok()
        .filter(|s| !s.is_empty())
}

/// An id sent as a string or a number, as [`WireSecret`] reads it.
fn raw_id(v: Option<&RawValue>) -> Option<String> {
    let text = v?.get();
    match text.as_bytes().first() {
        Some(b'"') => raw_string(v).map(Cow::into_owned),
        Some(b'-' | b'0'..=b'9') => Some(text.to_owned()),
        _ => None,
    }
}

/// Whether a record can be used, as far as the hashes beside it tell: `Some(false)` is
/// certainly not, `Some(true)` certainly, `None` only the decrypted record can tell. Returns
/// (environment matches, key matches).
fn hash_match(
    in_environment: bool,
    environment_hash: Option<&str>,
    secret_hash: Option<&str>,
    env_hash: &str,
    key_hashes: Option<&HashSet<String>>,
) -> (Option<bool>, Option<bool>) {
    let env_match = match (in_environment, environment_hash) {
        (false, _) => Some(true),
        (true, Some(h)) => Some(h == env_hash),
        (true, None) => None,
    };
    let key_match = match (key_hashes, secret_hash) {
        (None, _) => Some(true),
        (Some(set), Some(h)) => Some(set.contains(h)),
        (Some(_), None) => None,
    };
    (env_match, key_match)
}

fn number(v: Option<&serde_json::Value>) -> Option<f64> {
    match v? {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|f: &f64| f.is_finite())
}

impl Locker {
    /// `GET /v1/sync/revision_date`: when anything in the project last changed.
    pub(crate) async fn sync_revision_date(&self) -> Result<f64> {
        self.probe("/v1/sync/revision_date").await
    }

    /// `GET /v1/sync/deleted_item_date`: when anything in the project was last deleted.
    pub(crate) async fn sync_deleted_item_date(&self) -> Result<f64> {
        self.probe("/v1/sync/deleted_item_date").await
    }

    async fn probe(&self, path: &str) -> Result<f64> {
        let v: serde_json::Value = self.read_limited(path.to_owned(), MAX_PROBE_BODY).await?;
        number(Some(&v)).ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidResponse,
                format!("the response to GET {path} is not a number"),
            )
        })
    }

    /// Lists the project's secrets (only those changed after `since`, when given) and keeps
    /// what `want` can use. `progress` is set once the server has answered the first page.
    pub(crate) async fn sync_list(
        &self,
        want: &Want,
        since: Option<f64>,
        progress: Option<&AtomicBool>,
    ) -> Result<Listing> {
        let session = self.session().await?;
        let first = format!(
            "/v1/secrets?count_secrets=1&page=1&paging=1&revision_date={:.6}&size={}&hash=",
            since.unwrap_or(0.0),
            self.inner.page_size
        );
        let env_hash = name_hash(session.project_id, &want.environment);
        let key_hashes: Option<HashSet<String>> = want.keys.as_ref().map(|keys| {
            keys.iter()
                .map(|k| name_hash(session.project_id, k))
                .collect()
        });
        let mut wire = Vec::new();
        let mut dropped = Vec::new();
        let mut seen_environment = false;
        let mut received = 0;
        let mut revision = None;
        let mut count = None;
        let mut pages = Pages::new("/v1/secrets", first);
        while let Some(url) = pages.next_url()? {
            let ok = self.send(Method::GET, url, None).await?;
            let page: Page<'_> = parse_json(&ok.body, &ok.label)?;
            if pages.is_first() {
                revision = number(page.revision_date.as_ref());
                count = number(page.count.as_ref())
                    .filter(|c| *c >= 0.0)
                    .map(|c| c as u64);
                if let Some(p) = progress {
                    p.store(true, Ordering::SeqCst);
                }
            }
            let next = match &page.next {
                Some(serde_json::Value::String(s)) if !s.trim().is_empty() => Some(s.as_str()),
                _ => None,
            };
            pages.follow(self, next, page.results.is_empty())?;
            received += page.results.len();
            for raw in page.results {
                let sel: Selector<'_> = parse_json(raw.get().as_bytes(), &ok.label)?;
                let in_environment = raw_id(sel.environment_id).is_some_and(|id| !id.is_empty());
                let (env_match, key_match) = hash_match(
                    in_environment,
                    raw_string(sel.environment_hash).as_deref(),
                    raw_string(sel.secret_hash).as_deref(),
                    &env_hash,
                    key_hashes.as_ref(),
                );
                if in_environment && env_match == Some(true) {
                    seen_environment = true;
                }
                if env_match == Some(false) || key_match == Some(false) {
                    dropped.extend(raw_id(sel.id));
                    continue;
                }
                wire.push(parse_json::<WireSecret>(raw.get().as_bytes(), &ok.label)?);
            }
        }
        let mut listing = self.keep(session, want, wire).await?;
        listing.dropped.extend(dropped);
        listing.seen_environment |= seen_environment;
        listing.revision = revision;
        listing.count = count;
        listing.received = received;
        Ok(listing)
    }

    /// Picks, decrypts and verifies the records `want` can use.
    async fn keep(&self, session: &Session, want: &Want, wire: Vec<WireSecret>) -> Result<Listing> {
        let pid = session.project_id;
        let env_hash = name_hash(pid, &want.environment);
        let key_hashes: Option<HashSet<String>> = want
            .keys
            .as_ref()
            .map(|keys| keys.iter().map(|k| name_hash(pid, k)).collect());
        let nonempty = |s: &Option<String>| s.clone().filter(|s| !s.is_empty());

        let mut listing = Listing {
            project_id: pid,
            revision: None,
            count: None,
            received: 0,
            kept: Vec::new(),
            dropped: Vec::new(),
            seen_environment: false,
        };
        let mut candidates = Vec::new();
        for w in wire {
            let in_environment = nonempty(&w.environment_id).is_some();
            let (env_match, key_match) = hash_match(
                in_environment,
                nonempty(&w.environment_hash).as_deref(),
                nonempty(&w.secret_hash).as_deref(),
                &env_hash,
                key_hashes.as_ref(),
            );
            if in_environment && env_match == Some(true) {
                listing.seen_environment = true;
            }
            if env_match == Some(false) || key_match == Some(false) {
                if let Some(id) = w.id.clone() {
                    listing.dropped.push(id);
                }
                continue;
            }
            candidates.push(w);
        }

        // Environment names come from each record's own encrypted name; only records without
        // one cost a list of the environments.
        let mut names = HashMap::new();
        if candidates.iter().any(|w| {
            nonempty(&w.environment_id).is_some() && nonempty(&w.environment_name).is_none()
        }) {
            for e in self.list_environments().await? {
                names.insert(e.id, e.name);
            }
        }

        for w in candidates {
            let id = w.id.clone();
            let secret_hash = nonempty(&w.secret_hash);
            let environment_hash = nonempty(&w.environment_hash);
            let record = decrypt_secret(session, w, &names)?;
            let label = id.as_deref().unwrap_or("(no id)");
            if let Some(h) = &secret_hash
                && *h != name_hash(pid, &record.key)
            {
                return Err(integrity(label, "key"));
            }
            let in_environment = record.environment_id.is_some();
            if in_environment {
                let Some(name) = record.environment_name.as_deref() else {
                    return Err(Error::new(
                        ErrorKind::InvalidResponse,
                        format!("the secret {label} names no environment the project has"),
                    ));
                };
                if let Some(h) = &environment_hash
                    && *h != name_hash(pid, name)
                {
                    return Err(integrity(label, "environment name"));
                }
                if name != want.environment {
                    listing.dropped.push(record.id);
                    continue;
                }
                listing.seen_environment = true;
            }
            if let Some(keys) = &want.keys
                && !keys.contains(&record.key)
            {
                listing.dropped.push(record.id);
                continue;
            }
            let mut record = record;
            let value = Zeroizing::new(std::mem::take(&mut record.value));
            listing.kept.push(Kept {
                id: record.id,
                key: std::mem::take(&mut record.key),
                value,
                in_environment,
            });
        }
        Ok(listing)
    }

    /// The key that seals this client's local snapshots: derived with HKDF from the key the
    /// secret access key gives, under an info string of its own, so only the same credentials
    /// can read (or forge) a snapshot, and it never equals a key used on the wire.
    pub(crate) fn snapshot_key(&self) -> SymmetricKey {
        let ikm = self.inner.master_key.to_bytes();
        let hk = Hkdf::<Sha256>::new(None, &ikm);
        let mut okm = Zeroizing::new([0u8; 64]);
        hk.expand(SNAPSHOT_KEY_INFO, okm.as_mut())
            .expect("64 bytes is a valid HKDF-SHA256 length");
        SymmetricKey::from_bytes(okm.as_ref()).expect("64 bytes")
    }
}

fn integrity(id: &str, field: &str) -> Error {
    Error::new(
        ErrorKind::Decryption,
        format!("integrity error: the {field} of the secret {id} does not match its hash"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_selector_reads_ids_and_hashes_as_leniently_as_the_wire_types() {
        let sel: Selector<'_> = serde_json::from_str(
            r#"{"id":7,"environment_id":"","environment_hash":{"a":1},
                "secret_hash":"h\u0041","key":"2.a|b|c","data":{"value":"x"}}"#,
        )
        .unwrap();
        assert_eq!(raw_id(sel.id).as_deref(), Some("7"));
        assert_eq!(raw_id(sel.environment_id), None);
        assert_eq!(raw_string(sel.environment_hash), None);
        assert_eq!(raw_string(sel.secret_hash).as_deref(), Some("hA"));
        let sel: Selector<'_> = serde_json::from_str(r#"{"environment_id":null}"#).unwrap();
        assert_eq!((raw_id(sel.id), raw_id(sel.environment_id)), (None, None));
        // The decision is the one `keep` makes on parsed records.
        let keys: HashSet<String> = ["k".to_owned()].into();
        assert_eq!(
            hash_match(true, Some("other"), Some("k"), "env", Some(&keys)),
            (Some(false), Some(true))
        );
        assert_eq!(
            hash_match(false, None, None, "env", Some(&keys)),
            (Some(true), None)
        );
    }

    const PID: i64 = 42;

    fn locker() -> Locker {
        Locker::builder()
            .access_key_id("key-id")
            .secret_access_key("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
            .api_base("http://127.0.0.1:9")
            .build()
            .unwrap()
    }

    fn session() -> Session {
        Session {
            project_id: PID,
            key: SymmetricKey::generate(),
            editable: None,
        }
    }

    /// A record; `env` = (id, name) or "All"; hashes only when asked.
    fn wire(
        s: &Session,
        id: &str,
        env: Option<(&str, &str)>,
        key: &str,
        value: &str,
        hashes: bool,
    ) -> WireSecret {
        WireSecret {
            id: Some(id.to_owned()),
            project_id: Some(PID),
            environment_id: env.map(|(id, _)| id.to_owned()),
            environment_name: env.map(|(_, name)| s.key.encrypt(name)),
            environment_hash: env.filter(|_| hashes).map(|(_, n)| name_hash(PID, n)),
            key: Some(s.key.encrypt(key)),
            value: Some(s.key.encrypt(value)),
            secret_hash: hashes.then(|| name_hash(PID, key)),
            ..Default::default()
        }
    }

    fn want(keys: Option<&[&str]>) -> Want {
        Want {
            environment: "prod".to_owned(),
            keys: keys.map(|k| k.iter().map(|s| (*s).to_owned()).collect()),
        }
    }

    fn kept(listing: &Listing) -> Vec<(&str, &str, &str, bool)> {
        let mut v: Vec<_> = listing
            .kept
            .iter()
            .map(|k| {
                (
                    k.id.as_str(),
                    k.key.as_str(),
                    k.value.as_str(),
                    k.in_environment,
                )
            })
            .collect();
        v.sort();
        v
    }

    #[tokio::test]
    async fn keeps_the_environment_and_all_for_the_config_keys_only() {
        let (l, s) = (locker(), session());
        let prod = Some(("e1", "prod"));
        let staging = Some(("e2", "staging"));
        let mut poisoned = wire(&s, "5", staging, "DB", "x", true);
        // Never decrypted: a staging value that is not even a cipher string.
        poisoned.value = Some("2.not|a|cipher".to_owned());
        let records = vec![
            wire(&s, "1", prod, "DB", "prod-db", true),
            wire(&s, "2", None, "DB", "all-db", true),
            wire(&s, "3", None, "PORT", "80", true),
            wire(&s, "4", prod, "OTHER", "o", true),
            poisoned,
            // No hashes (older clients): decrypted, then matched by key and environment name.
            wire(&s, "6", prod, "PORT", "81", false),
            wire(&s, "7", staging, "PORT", "82", false),
            wire(&s, "8", prod, "UNUSED", "u", false),
        ];
        let listing = l
            .keep(&s, &want(Some(&["DB", "PORT"])), records)
            .await
            .unwrap();
        assert_eq!(
            kept(&listing),
            [
                ("1", "DB", "prod-db", true),
                ("2", "DB", "all-db", false),
                ("3", "PORT", "80", false),
                ("6", "PORT", "81", true),
            ]
        );
        let mut dropped = listing.dropped.clone();
        dropped.sort();
        assert_eq!(dropped, ["4", "5", "7", "8"]);
        assert!(listing.seen_environment);
    }

    #[tokio::test]
    async fn every_key_when_no_keys_are_given() {
        let (l, s) = (locker(), session());
        let records = vec![
            wire(&s, "1", Some(("e1", "prod")), "A", "a", true),
            wire(&s, "2", Some(("e2", "staging")), "B", "b", true),
            wire(&s, "3", None, "C", "c", false),
        ];
        let listing = l.keep(&s, &want(None), records).await.unwrap();
        assert_eq!(
            kept(&listing),
            [("1", "A", "a", true), ("3", "C", "c", false)]
        );
    }

    #[tokio::test]
    async fn a_hash_that_does_not_match_the_decrypted_record_is_an_integrity_error() {
        let (l, s) = (locker(), session());
        let mut forged = wire(&s, "1", None, "OTHER", "x", true);
        forged.secret_hash = Some(name_hash(PID, "DB"));
        let err = l
            .keep(&s, &want(Some(&["DB"])), vec![forged])
            .await
            .err()
            .expect("an integrity error");
        assert_eq!(err.kind(), ErrorKind::Decryption);
        assert!(!err.to_string().contains("OTHER"), "{err}");

        let mut moved = wire(&s, "2", Some(("e2", "staging")), "DB", "x", true);
        moved.environment_hash = Some(name_hash(PID, "prod"));
        let err = l
            .keep(&s, &want(Some(&["DB"])), vec![moved])
            .await
            .err()
            .expect("an integrity error");
        assert_eq!(err.kind(), ErrorKind::Decryption);
    }

    #[test]
    fn the_snapshot_key_depends_on_the_secret_access_key_only() {
        let a = locker().snapshot_key().to_bytes();
        assert_eq!(*a, *locker().snapshot_key().to_bytes());
        let other = Locker::builder()
            .access_key_id("key-id")
            .secret_access_key("AQECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
            .api_base("http://127.0.0.1:9")
            .build()
            .unwrap();
        assert_ne!(*a, *other.snapshot_key().to_bytes());
        assert_ne!(*a, *locker().inner.master_key.to_bytes());
    }
}
