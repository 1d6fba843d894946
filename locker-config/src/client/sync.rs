//! What the config loader and live config ask of the client: the sync probes, one list of the
//! project's secrets (all, or only those changed after a revision date) that keeps and decrypts
//! only the records one environment and one set of keys can use, and the key that seals local
//! snapshots.
//!
//! Records are selected once, by the hashes the server sends beside them (`secret_hash`,
//! `environment_hash`), while the page is read, so a prod load never parses nor decrypts
//! staging's values; every record that is kept goes through [`decrypt_secret`], which checks it
//! against those hashes. Records that carry no hash (older clients write some) are decrypted and
//! matched by key and environment name instead, never skipped.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use hkdf::Hkdf;
use reqwest::Method;
use serde::Deserialize;
use serde_json::value::RawValue;
use sha2::Sha256;
use zeroize::Zeroizing;

use super::decrypt::decrypt_secret_hashed;
use super::pagination::Pages;
use super::transport::{MAX_PROBE_BODY, parse_json};
use super::{Locker, Session};
use crate::error::{Error, ErrorKind, Result};
use locker_protocol::crypto::{SymmetricKey, name_hash};
use locker_protocol::lenient::{Scalar, json_number};
use locker_protocol::wire::{SecretData, WireSecret};

/// The HKDF info string of the snapshot key; a new format gets a new string.
const SNAPSHOT_KEY_INFO: &[u8] = b"locker-config snapshot key v1";

/// Which records a load keeps.
#[derive(Debug, Clone)]
pub(crate) struct Want {
    /// The environment ("All" always comes along).
    pub(crate) environment: String,
    /// The keys the caller can use; `None`: every key. Shared: a config type computes its
    /// set once, and the selection and records that come of a load keep the same set.
    pub(crate) keys: Option<Arc<BTreeSet<String>>>,
}

/// One record kept by a list: decrypted and verified.
pub(crate) struct Kept {
    pub(crate) id: String,
    pub(crate) key: String,
    pub(crate) value: Zeroizing<String>,
    /// `true`: in the requested environment; `false`: in "All".
    pub(crate) in_environment: bool,
}

/// What one list (full or delta) brought.
pub(crate) struct Listing {
    pub(crate) project_id: i64,
    /// The server's revision date when the first page was answered.
    pub(crate) revision: Option<f64>,
    /// The number of matches the server announced on the first page.
    pub(crate) count: Option<u64>,
    /// The number of records received over all pages.
    pub(crate) received: usize,
    /// The records the caller can use.
    pub(crate) kept: Vec<Kept>,
    /// Ids of received records that are not (or no longer) the caller's: another environment,
    /// or a key it does not read.
    pub(crate) dropped: Vec<String>,
    /// Whether any received record belongs to the requested environment.
    pub(crate) seen_environment: bool,
}

/// One page of `GET /v1/secrets`. `results` is required: a response without it is invalid,
/// never an empty list. The records stay unparsed text until [`Selection`] says they may be
/// used, so a load pays for parsing only what it keeps.
#[derive(Deserialize)]
struct Page<'a> {
    #[serde(borrow)]
    results: Vec<RawSecret<'a>>,
    #[serde(default)]
    next: Option<serde_json::Value>,
    #[serde(default)]
    count: Option<serde_json::Value>,
    #[serde(default)]
    revision_date: Option<serde_json::Value>,
}

/// A record as the page holds it, read in the same pass as the page: each field of
/// [`WireSecret`] as a [`Scalar`] (its text borrowed from the page, numbers as numbers, other
/// types absent), `data` as its unparsed JSON text. The record is chosen by `id`,
/// `environment_id`, `environment_hash` and `secret_hash`; only a record that may be used
/// becomes a [`WireSecret`] ([`RawSecret::into_wire`]), each field converted as
/// [`WireSecret`]'s own reading converts it, so a field of another type counts as absent as it
/// always did.
#[derive(Deserialize)]
struct RawSecret<'a> {
    #[serde(default, borrow)]
    id: Scalar<'a>,
    #[serde(default, borrow)]
    project_id: Scalar<'a>,
    #[serde(default, borrow)]
    creation_date: Scalar<'a>,
    #[serde(default, borrow)]
    revision_date: Scalar<'a>,
    #[serde(default, borrow)]
    environment_id: Scalar<'a>,
    #[serde(default, borrow)]
    environment_name: Scalar<'a>,
    #[serde(default, borrow)]
    environment_hash: Scalar<'a>,
    #[serde(default, borrow)]
    key: Scalar<'a>,
    #[serde(default, borrow)]
    value: Scalar<'a>,
    #[serde(default, borrow)]
    description: Scalar<'a>,
    #[serde(default, borrow)]
    secret_hash: Scalar<'a>,
    #[serde(default, borrow)]
    hash: Scalar<'a>,
    #[serde(default, borrow)]
    data: Option<&'a RawValue>,
}

impl<'a> RawSecret<'a> {
    /// `data` as [`WireSecret`] reads it, when it must: only when it holds a string for one of
    /// the fields it repeats (key, value, description) that is not a string at the top level,
    /// so the record takes that field from `data`. Otherwise `data` is only checked to have the
    /// shape [`WireSecret`] accepts (a record with a malformed `data` is refused as it always
    /// was), without copying its cipher strings a second time.
    fn data_if_needed(&self) -> std::result::Result<Option<SecretData>, ()> {
        let Some(data) = self.data else {
            return Ok(None);
        };
        let Some(repeated) =
            serde_json::from_str::<Option<RawData<'_>>>(data.get()).map_err(|_| ())?
        else {
            return Ok(None);
        };
        let needed = |top: &Scalar<'_>, again: &Scalar<'_>| {
            top.as_str().is_none() && again.as_str().is_some()
        };
        let needed = needed(&self.key, &repeated.key)
            || needed(&self.value, &repeated.value)
            || needed(&self.description, &repeated.description);
        Ok(needed.then(|| SecretData {
            key: repeated.key.into_string(),
            value: repeated.value.into_string(),
            description: repeated.description.into_string(),
        }))
    }

    /// The record as a [`WireSecret`], each field converted as [`WireSecret`] converts it.
    fn into_wire(self, label: &str) -> Result<WireSecret> {
        let data = self.data_if_needed().map_err(|()| {
            Error::new(
                ErrorKind::InvalidResponse,
                format!("the response to {label} does not have the expected shape (a secret)"),
            )
        })?;
        Ok(WireSecret {
            id: self.id.into_id(),
            project_id: self.project_id.into_i64(),
            creation_date: self.creation_date.into_f64(),
            revision_date: self.revision_date.into_f64(),
            environment_id: self.environment_id.into_id(),
            environment_name: self.environment_name.into_string(),
            environment_hash: self.environment_hash.into_string(),
            key: self.key.into_string(),
            value: self.value.into_string(),
            description: self.description.into_string(),
            secret_hash: self.secret_hash.into_string(),
            hash: self.hash.into_string(),
            data,
        })
    }
}

/// A secret's `data` object as [`SecretData`] reads it: the same fields, each a [`Scalar`] as
/// its lenient reading takes it, borrowed from the page until a record needs them.
#[derive(Deserialize)]
struct RawData<'a> {
    #[serde(default, borrow)]
    key: Scalar<'a>,
    #[serde(default, borrow)]
    value: Scalar<'a>,
    #[serde(default, borrow)]
    description: Scalar<'a>,
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

/// A hash beside a record: a non-empty string, else none.
fn nonempty<'s>(hash: &'s Scalar<'_>) -> Option<&'s str> {
    hash.as_str().filter(|h| !h.is_empty())
}

/// The name hashes one selection compares with: those of one environment and one set of keys
/// under one project. A client keeps the last few ([`Locker::want_hashes`]), so a repeated load
/// of the same config hashes nothing.
pub(crate) struct WantHashes {
    project_id: i64,
    environment: String,
    keys: Option<Arc<BTreeSet<String>>>,
    env_hash: String,
    key_hashes: Option<HashSet<String>>,
    /// The hashes above, each beside its name, so a kept record's hashes are verified without
    /// hashing its decrypted names again.
    hashed: HashMap<String, String>,
}

impl WantHashes {
    /// How many a client keeps: one per config type and environment a process loads.
    const KEPT: usize = 8;

    fn new(project_id: i64, want: &Want) -> Self {
        let env_hash = name_hash(project_id, &want.environment);
        let mut hashed = HashMap::new();
        hashed.insert(env_hash.clone(), want.environment.clone());
        let key_hashes = want.keys.as_ref().map(|keys| {
            keys.iter()
                .map(|k| {
                    let h = name_hash(project_id, k);
                    hashed.insert(h.clone(), k.clone());
                    h
                })
                .collect()
        });
        WantHashes {
            project_id,
            environment: want.environment.clone(),
            keys: want.keys.clone(),
            env_hash,
            key_hashes,
            hashed,
        }
    }

    fn is_for(&self, project_id: i64, want: &Want) -> bool {
        self.project_id == project_id
            && self.environment == want.environment
            && self.keys == want.keys
    }
}

/// The one selection of a list's records by the hashes beside them, made while the pages are
/// read: a record the hashes rule out is never parsed further; the others are parsed once into
/// [`WireSecret`]s for [`Locker::keep`] to decrypt and verify.
struct Selection {
    hashes: Arc<WantHashes>,
    /// The records that may be used, still encrypted.
    candidates: Vec<WireSecret>,
    /// Ids of the records the hashes rule out.
    dropped: Vec<String>,
    /// Whether a record's hash says it belongs to the requested environment.
    seen_environment: bool,
    /// The number of records read over all pages.
    received: usize,
}

impl Selection {
    fn new(hashes: Arc<WantHashes>) -> Self {
        Selection {
            hashes,
            candidates: Vec::new(),
            dropped: Vec::new(),
            seen_environment: false,
            received: 0,
        }
    }

    /// Reads one page's records.
    fn read(&mut self, results: Vec<RawSecret<'_>>, label: &str) -> Result<()> {
        self.received += results.len();
        for sel in results {
            let in_environment = sel.environment_id.is_id();
            let (env_match, key_match) = hash_match(
                in_environment,
                nonempty(&sel.environment_hash),
                nonempty(&sel.secret_hash),
                &self.hashes.env_hash,
                self.hashes.key_hashes.as_ref(),
            );
            if in_environment && env_match == Some(true) {
                self.seen_environment = true;
            }
            if env_match == Some(false) || key_match == Some(false) {
                self.dropped
                    .extend(sel.id.into_id().filter(|id| !id.is_empty()));
                continue;
            }
            self.candidates.push(sel.into_wire(label)?);
        }
        Ok(())
    }
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
        json_number(&v).ok_or_else(|| {
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
        self.sync_list_as(session, want, since, progress).await
    }

    /// [`Locker::sync_list`] under `session`, which need not be this client's own (a profile
    /// from a cache, tried before it is adopted): a key that does not open the records fails
    /// with [`ErrorKind::Decryption`], as any record that does not verify.
    pub(crate) async fn sync_list_as(
        &self,
        session: &Session,
        want: &Want,
        since: Option<f64>,
        progress: Option<&AtomicBool>,
    ) -> Result<Listing> {
        let first = format!(
            "/v1/secrets?count_secrets=1&page=1&paging=1&revision_date={:.6}&size={}&hash=",
            since.unwrap_or(0.0),
            self.inner.page_size
        );
        let mut selection = Selection::new(self.want_hashes(session.project_id, want));
        let mut revision = None;
        let mut count = None;
        let mut pages = Pages::new("/v1/secrets", first);
        while let Some(url) = pages.next_url()? {
            let ok = self.send(Method::GET, url, None).await?;
            let page: Page<'_> = parse_json(&ok.body, &ok.label)?;
            if pages.is_first() {
                revision = page.revision_date.as_ref().and_then(json_number);
                count = page
                    .count
                    .as_ref()
                    .and_then(json_number)
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
            selection.read(page.results, &ok.label)?;
        }
        let mut listing = self.keep(session, want, selection).await?;
        listing.revision = revision;
        listing.count = count;
        Ok(listing)
    }

    /// Decrypts and verifies the selected records ([`decrypt_secret`] checks each against the
    /// hashes beside it), and keeps those of the requested environment and keys; records
    /// without hashes are told apart here, by their decrypted key and environment name.
    async fn keep(&self, session: &Session, want: &Want, selection: Selection) -> Result<Listing> {
        let Selection {
            hashes,
            candidates,
            dropped,
            seen_environment,
            received,
        } = selection;
        let mut listing = Listing {
            project_id: session.project_id,
            revision: None,
            count: None,
            received,
            kept: Vec::with_capacity(candidates.len()),
            dropped,
            seen_environment,
        };

        // Environment names come from each record's own encrypted name; only records without
        // one cost a list of the environments.
        let mut names = HashMap::new();
        let nonempty = |s: &Option<String>| s.as_deref().is_some_and(|s| !s.is_empty());
        if candidates
            .iter()
            .any(|w| nonempty(&w.environment_id) && !nonempty(&w.environment_name))
        {
            for e in self.list_environments().await? {
                names.insert(e.id, e.name);
            }
        }

        for w in candidates {
            let mut record = decrypt_secret_hashed(session, w, &names, &hashes.hashed)?;
            let in_environment = record.environment_id.is_some();
            if in_environment {
                let Some(name) = record.environment_name.as_deref() else {
                    return Err(Error::new(
                        ErrorKind::InvalidResponse,
                        format!(
                            "the secret {} names no environment the project has",
                            record.id
                        ),
                    ));
                };
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
            let value = Zeroizing::new(std::mem::take(&mut record.value));
            listing.kept.push(Kept {
                id: std::mem::take(&mut record.id),
                key: std::mem::take(&mut record.key),
                value,
                in_environment,
            });
        }
        Ok(listing)
    }
    /// The name hashes of `want` under `project_id`: kept from an earlier list of the same
    /// environment and keys, else computed and kept (the oldest of [`WantHashes::KEPT`] goes).
    fn want_hashes(&self, project_id: i64, want: &Want) -> Arc<WantHashes> {
        let mut kept = self
            .inner
            .want_hashes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(i) = kept.iter().position(|h| h.is_for(project_id, want)) {
            let hashes = kept.remove(i);
            kept.push(Arc::clone(&hashes));
            return hashes;
        }
        let hashes = Arc::new(WantHashes::new(project_id, want));
        if kept.len() >= WantHashes::KEPT {
            kept.remove(0);
        }
        kept.push(Arc::clone(&hashes));
        hashes
    }

    /// The project key of `session` wrapped under the key the secret access key gives, as the
    /// profile sends it.
    pub(crate) fn wrap_project_key(&self, session: &Session) -> String {
        self.inner.master_key.wrap_key(&session.key)
    }

    /// A project key wrapped under the key the secret access key gives, unwrapped.
    pub(crate) fn unwrap_project_key(
        &self,
        wrapped: &str,
    ) -> std::result::Result<SymmetricKey, locker_protocol::crypto::CryptoError> {
        self.inner.master_key.unwrap_key(wrapped)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_selector_reads_ids_and_hashes_as_leniently_as_the_wire_types() {
        let sel: RawSecret<'_> = serde_json::from_str(
            r#"{"id":7,"environment_id":"","environment_hash":{"a":1},
                "secret_hash":"h\u0041","key":"2.a|b|c","data":{"value":"x"}}"#,
        )
        .unwrap();
        assert!(!sel.environment_id.is_id());
        assert_eq!(nonempty(&sel.environment_hash), None);
        assert_eq!(nonempty(&sel.secret_hash), Some("hA"));
        assert_eq!(sel.id.into_id().as_deref(), Some("7"));
        let sel: RawSecret<'_> = serde_json::from_str(r#"{"environment_id":null}"#).unwrap();
        assert!(!sel.environment_id.is_id());
        assert_eq!(sel.id.into_id(), None);
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

    #[test]
    fn a_kept_record_reads_as_the_wire_type_reads_it() {
        for text in [
            r#"{"id":7,"project_id":"42","creation_date":1.5,"revision_date":"2.5",
                "environment_id":"e\u0031","environment_name":"2.n|m|c","environment_hash":5,
                "key":"","value":"2.v|w|x","description":null,"secret_hash":"h","hash":"g",
                "data":{"key":"2.k|l|m","value":7,"description":"2.d|e|f"},"other":[1,2]}"#,
            r#"{"id":7.0,"project_id":-3,"revision_date":{"a":1},"key":"2.a\"b","data":null}"#,
            r#"{"id":1e3,"project_id":18446744073709551615,"creation_date":" 4 ","revision_date":"x",
                "environment_id":-2,"environment_name":"2.\u0041|b|c","key":true,"value":[1],
                "description":"","secret_hash":"","data":{"key":"2.k|l|m"}}"#,
            r#"{"id":"","project_id":"7.5","creation_date":-1,"environment_id":2.5,"key":null}"#,
            r#"{}"#,
        ] {
            let raw: RawSecret<'_> = serde_json::from_str(text).unwrap();
            let wire: WireSecret = serde_json::from_str(text).unwrap();
            assert_eq!(
                format!("{:?}", raw.into_wire("GET /v1/secrets").unwrap()),
                format!("{wire:?}")
            );
        }
        // A `data` that is no object fails as the wire type fails.
        let text = r#"{"id":"a","data":"x"}"#;
        assert!(serde_json::from_str::<WireSecret>(text).is_err());
        let raw: RawSecret<'_> = serde_json::from_str(text).unwrap();
        let e = raw.into_wire("GET /v1/secrets").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidResponse);
        // So does one of a shape the wire type refuses, even when nothing is taken from it.
        for data in [r#""x""#, r#"{"key":"a","key":"b"}"#, r#"["a","b","c","d"]"#] {
            let text =
                format!(r#"{{"id":"a","key":"k","value":"v","description":"d","data":{data}}}"#);
            assert!(serde_json::from_str::<WireSecret>(&text).is_err(), "{data}");
            let raw: RawSecret<'_> = serde_json::from_str(&text).unwrap();
            assert!(raw.into_wire("GET /v1/secrets").is_err(), "{data}");
        }
    }

    #[test]
    fn data_is_read_only_when_a_field_comes_from_it() {
        // Every field it repeats is a string at the top level: `data` is never consulted, so it
        // is not copied; the fields are the wire type's.
        let text = r#"{"id":"a","key":"2.k|k|k","value":"2.v|v|v","description":"2.d|d|d",
            "data":{"key":"2.x|x|x","value":"2.y|y|y","description":"2.z|z|z"}}"#;
        let raw: RawSecret<'_> = serde_json::from_str(text).unwrap();
        let wire: WireSecret = serde_json::from_str(text).unwrap();
        let kept = raw.into_wire("GET /v1/secrets").unwrap();
        assert!(kept.data.is_none());
        assert_eq!(
            (&kept.key, &kept.value, &kept.description),
            (&wire.key, &wire.value, &wire.description)
        );
        // A field missing (or of another type) at the top level and a string in `data`: `data`
        // is read, as the wire type reads it.
        for top in [
            r#""key":"2.k|k|k","value":"2.v|v|v""#,
            r#""key":"2.k|k|k","value":7,"description":"2.d|d|d""#,
            r#""value":"2.v|v|v","description":"2.d|d|d""#,
        ] {
            let text = format!(
                r#"{{"id":"a",{top},"data":{{"key":"2.x|x|x","value":"2.y|y|y","description":"2.z|z|z"}}}}"#
            );
            let raw: RawSecret<'_> = serde_json::from_str(&text).unwrap();
            let wire: WireSecret = serde_json::from_str(&text).unwrap();
            assert_eq!(
                format!("{:?}", raw.into_wire("GET /v1/secrets").unwrap()),
                format!("{wire:?}"),
                "{top}"
            );
        }
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
            keys: keys.map(|k| Arc::new(k.iter().map(|s| (*s).to_owned()).collect())),
        }
    }

    /// The records as one page of a list, through the one selection, then [`Locker::keep`].
    async fn keep(
        l: &Locker,
        s: &Session,
        want: &Want,
        records: Vec<WireSecret>,
    ) -> Result<Listing> {
        let page = serde_json::to_string(&records).unwrap();
        let results: Vec<RawSecret<'_>> = serde_json::from_str(&page).unwrap();
        let mut selection = Selection::new(l.want_hashes(s.project_id, want));
        selection.read(results, "GET /v1/secrets")?;
        l.keep(s, want, selection).await
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
        let listing = keep(&l, &s, &want(Some(&["DB", "PORT"])), records)
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
        let listing = keep(&l, &s, &want(None), records).await.unwrap();
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
        let err = keep(&l, &s, &want(Some(&["DB"])), vec![forged])
            .await
            .err()
            .expect("an integrity error");
        assert_eq!(err.kind(), ErrorKind::Decryption);
        assert!(!err.to_string().contains("OTHER"), "{err}");

        let mut moved = wire(&s, "2", Some(("e2", "staging")), "DB", "x", true);
        moved.environment_hash = Some(name_hash(PID, "prod"));
        let err = keep(&l, &s, &want(Some(&["DB"])), vec![moved])
            .await
            .err()
            .expect("an integrity error");
        assert_eq!(err.kind(), ErrorKind::Decryption);
    }

    #[test]
    fn a_client_hashes_each_selection_once_and_keeps_only_the_last_few() {
        let l = locker();
        let prod = want(Some(&["A", "B"]));
        let first = l.want_hashes(42, &prod);
        assert_eq!(first.env_hash, name_hash(42, "prod"));
        let keys = first.key_hashes.as_ref().unwrap();
        assert!(keys.contains(&name_hash(42, "A")) && keys.contains(&name_hash(42, "B")));
        assert_eq!(first.hashed[&name_hash(42, "B")], "B");
        // The same selection again: the same hashes, nothing hashed anew.
        assert!(Arc::ptr_eq(&first, &l.want_hashes(42, &prod)));
        // Another project, environment or key set is another selection.
        for (project, other) in [
            (43, want(Some(&["A", "B"]))),
            (42, want(Some(&["A"]))),
            (42, want(None)),
            (
                42,
                Want {
                    environment: "staging".to_owned(),
                    keys: prod.keys.clone(),
                },
            ),
        ] {
            let hashes = l.want_hashes(project, &other);
            assert!(!Arc::ptr_eq(&first, &hashes));
            assert_eq!(hashes.env_hash, name_hash(project, &other.environment));
        }
        // Only the last few are kept: the first goes once enough others were asked for.
        for i in 0..WantHashes::KEPT {
            l.want_hashes(i as i64 + 100, &prod);
        }
        assert!(!Arc::ptr_eq(&first, &l.want_hashes(42, &prod)));
        assert!(l.inner.want_hashes.lock().unwrap().len() <= WantHashes::KEPT);
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
