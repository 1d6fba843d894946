//! The profile kept in the cache, against a real locker-server: a key that no longer opens the
//! records is dropped and fetched again, a corrupt file is ignored, 401 fails closed.

use locker_protocol::crypto::SymmetricKey;
use locker_server::Fault;

use super::{Source, load};
use crate::client::ProfileFile;
use crate::client::SecretUpdate;
use crate::client::{Locker, Session, Want};
use crate::error::ErrorKind;
use crate::snapshot::{CachePolicy, DEFAULT_FALLBACK_AFTER, SnapshotFile};

/// The seeded project, with what these tests ask of it.
use crate::client::test_project::Project as Setup;

impl Setup {
    /// A new client, as a new process has.
    fn client(&self) -> Locker {
        self.builder().build().unwrap()
    }

    fn source(&self, client: Locker) -> Source {
        Source {
            client,
            cache_dir: Some(self.cache.path().to_owned()),
            policy: CachePolicy::default(),
            fallback_after: DEFAULT_FALLBACK_AFTER,
        }
    }

    fn profile(&self, client: &Locker) -> ProfileFile {
        ProfileFile::new(client, self.cache.path())
    }

    /// Loads `prod` with a new client; the values of A and B and the requests it took.
    async fn cold_load(&self) -> (Vec<String>, Vec<String>) {
        self.server.clear_request_log();
        let want = Want {
            environment: "prod".to_owned(),
            keys: None,
        };
        let (records, _) = load(&self.source(self.client()), &want).await.unwrap();
        let resolved = records.resolved();
        let values = ["A", "B"]
            .iter()
            .map(|k| resolved.get(k).map(|v| v.0.to_owned()).unwrap_or_default())
            .collect();
        (values, self.requests())
    }

    fn requests(&self) -> Vec<String> {
        self.server
            .request_log()
            .iter()
            .map(|r| format!("{} {}", r.method, r.path))
            .collect()
    }
}

#[tokio::test]
async fn a_cached_key_that_does_not_open_the_records_is_dropped_and_fetched_again() {
    let s = Setup::seeded().await;
    let client = s.client();
    // A profile sealed as this client seals it, but with a key that is not the project's (as
    // after the project key changed): it must never be trusted.
    let stale = Session {
        project_id: s.key.project_id,
        key: SymmetricKey::generate(),
        editable: Some(true),
    };
    s.profile(&client).write(&client, &stale).unwrap();

    let (values, requests) = s.cold_load().await;
    assert_eq!(values, ["a-prod", "b-all"]);
    assert_eq!(
        requests,
        ["GET /v1/secrets", "GET /v1/profile", "GET /v1/secrets"]
    );
    // The profile fetched again is kept: the next cold load is the list only.
    let (values, requests) = s.cold_load().await;
    assert_eq!(values, ["a-prod", "b-all"]);
    assert_eq!(requests, ["GET /v1/secrets"]);
}

#[tokio::test]
async fn a_corrupt_or_foreign_profile_file_is_ignored_and_replaced() {
    let s = Setup::seeded().await;
    let client = s.client();
    let path = s.profile(&client).path().to_owned();
    for content in [
        &b"{\"format\":1,\"sealed\":\"2.x|y|z\"}"[..],
        b"\0garbage",
        b"",
    ] {
        std::fs::write(&path, content).unwrap();
        let (values, requests) = s.cold_load().await;
        assert_eq!(values, ["a-prod", "b-all"]);
        assert_eq!(requests, ["GET /v1/profile", "GET /v1/secrets"]);
        let (_, requests) = s.cold_load().await;
        assert_eq!(requests, ["GET /v1/secrets"]);
    }

    // The file of another access key of the same project, put in this key's place: sealed
    // under other credentials, so ignored.
    let other_key = s.server.create_access_key(&s.key, false).unwrap();
    let other = Locker::builder()
        .access_key_id(other_key.access_key_id.clone())
        .secret_access_key(other_key.secret_access_key.clone())
        .api_base(s.server.base_url())
        .build()
        .unwrap();
    other.project_id().await.unwrap();
    let theirs = s.profile(&other);
    let session = Session {
        project_id: s.key.project_id,
        key: SymmetricKey::generate(),
        editable: None,
    };
    theirs.write(&other, &session).unwrap();
    std::fs::copy(theirs.path(), &path).unwrap();
    let (values, requests) = s.cold_load().await;
    assert_eq!(values, ["a-prod", "b-all"]);
    assert_eq!(requests, ["GET /v1/profile", "GET /v1/secrets"]);
}

#[tokio::test]
async fn an_unauthorized_list_fails_closed_with_a_cached_profile() {
    let s = Setup::seeded().await;
    let (_, requests) = s.cold_load().await;
    assert_eq!(requests, ["GET /v1/profile", "GET /v1/secrets"]);
    for status in [401, 403] {
        s.server.inject(Fault::Status {
            status,
            retry_after: None,
            times: 1,
        });
        let want = Want {
            environment: "prod".to_owned(),
            keys: None,
        };
        let err = load(&s.source(s.client()), &want).await.unwrap_err();
        let kind = if status == 401 {
            ErrorKind::Authentication
        } else {
            ErrorKind::PermissionDenied
        };
        assert_eq!(err.kind(), kind, "{err}");
    }
    // The profile stays: nothing about it was wrong.
    let (_, requests) = s.cold_load().await;
    assert_eq!(requests, ["GET /v1/secrets"]);
}

#[tokio::test]
async fn a_first_or_changed_snapshot_is_on_disk_when_the_load_returns() {
    let s = Setup::seeded().await;
    let want = Want {
        environment: "prod".to_owned(),
        keys: None,
    };
    let client = s.client();
    let file = SnapshotFile::new(&client, s.cache.path(), &want);
    let value =
        |records: &crate::snapshot::Records| records.resolved().get("A").map(|v| v.0.to_owned());

    // A process that exits right after its first load leaves its snapshot.
    let (records, _) = load(&s.source(s.client()), &want).await.unwrap();
    let first = file
        .read(&want)
        .unwrap()
        .expect("written before the load returned");
    assert!(first.same_content(&records));

    // Changed records are written before the load returns, too.
    client
        .modify("A", Some("prod"), SecretUpdate::new().value("a-rotated"))
        .await
        .unwrap();
    let (records, _) = load(&s.source(s.client()), &want).await.unwrap();
    assert_eq!(value(&records).as_deref(), Some("a-rotated"));
    let changed = file.read(&want).unwrap().unwrap();
    assert_eq!(value(&changed).as_deref(), Some("a-rotated"));
    assert!(changed.same_content(&records));

    // Unchanged records: the same file, its age brought up to date off the load's path.
    let (records, _) = load(&s.source(s.client()), &want).await.unwrap();
    assert!(records.fetched_at > changed.fetched_at);
    let mut waited = 0;
    loop {
        let now = file.read(&want).unwrap().unwrap();
        assert!(now.same_content(&records));
        if now.fetched_at == records.fetched_at {
            break;
        }
        assert_eq!(now.fetched_at, changed.fetched_at);
        waited += 1;
        assert!(
            waited < 500,
            "the snapshot's age was never brought up to date"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

/// The snapshot is read while the list is in flight; the bound on a silent Locker applies
/// only when what was read can stand in, whatever the file held.
#[tokio::test]
async fn a_slow_locker_is_waited_for_unless_a_usable_snapshot_stands_in() {
    use crate::snapshot::{Origin, SnapshotReason};
    use locker_server::Fault;
    use std::time::{Duration, Instant};

    let s = Setup::seeded().await;
    let want = Want {
        environment: "prod".to_owned(),
        keys: None,
    };
    let slow = |s: &Setup| {
        s.server.inject(Fault::Delay {
            delay: Duration::from_millis(700),
            times: 1,
        });
        let mut source = s.source(s.client());
        source.fallback_after = Duration::from_millis(150);
        source
    };
    let value =
        |records: &crate::snapshot::Records| records.resolved().get("A").map(|v| v.0.to_owned());
    let (_, origin) = load(&s.source(s.client()), &want).await.unwrap();
    assert_eq!(origin, Origin::Network);

    // A usable snapshot stands in once the bound has passed.
    let started = Instant::now();
    let (records, origin) = load(&slow(&s), &want).await.unwrap();
    assert!(started.elapsed() < Duration::from_millis(700));
    assert!(
        matches!(
            origin,
            Origin::Snapshot {
                reason: SnapshotReason::Unreachable,
                ..
            }
        ),
        "{origin:?}"
    );
    assert_eq!(value(&records).as_deref(), Some("a-prod"));
    s.server.clear_faults();

    // A snapshot that cannot be used is no fallback: the slow answer is waited for.
    let file = SnapshotFile::new(&s.client(), s.cache.path(), &want);
    std::fs::write(file.path(), b"{\"format\":1,\"sealed\":\"2.x|y|z\"}").unwrap();
    let started = Instant::now();
    let (records, origin) = load(&slow(&s), &want).await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(700));
    assert_eq!(origin, Origin::Network);
    assert_eq!(value(&records).as_deref(), Some("a-prod"));
    // And the snapshot is written again from what Locker answered.
    assert!(file.read(&want).unwrap().unwrap().same_content(&records));
}

/// Snapshots dated ahead of this clock: refused beyond the allowed clock skew, never served as
/// fresh by `CacheFirst`.
mod future_snapshots {
    use std::time::Duration;

    use std::path::Path;

    use super::{Source, load};
    use crate::client::{Locker, Want};
    use crate::error::{ErrorKind, Result};
    use crate::snapshot::{CachePolicy, Origin, Records, SnapshotFile, SnapshotReason, now_secs};

    const DAY: f64 = 24.0 * 3600.0;

    /// A client of a Locker that refuses every connection: nothing listens on the port of a
    /// listener that was just closed.
    fn unreachable_client() -> Locker {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        Locker::builder()
            .access_key_id("key-id")
            .secret_access_key("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
            .api_base(format!("http://127.0.0.1:{port}"))
            .max_network_retries(0)
            .build()
            .unwrap()
    }

    fn want() -> Want {
        Want {
            environment: "prod".to_owned(),
            keys: None,
        }
    }

    /// A sealed snapshot of `prod` fetched at `fetched_at` (seconds since the epoch),
    /// written by the crate's own code.
    fn snapshot(client: &Locker, dir: &Path, fetched_at: f64) -> SnapshotFile {
        let file = SnapshotFile::new(client, dir, &want());
        let mut records = Records::for_tests("prod", &[("1", "DATABASE_URL", "pg://x", true)]);
        records.fetched_at = fetched_at;
        file.write(&records).unwrap();
        file
    }

    fn cache_first(client: &Locker, dir: &Path) -> Result<Origin> {
        let source = Source {
            client: client.clone(),
            cache_dir: Some(dir.to_owned()),
            policy: CachePolicy::CacheFirst {
                rest_time: Duration::from_secs(3600),
                max_stale: Duration::from_secs(24 * 3600),
            },
            fallback_after: Duration::from_secs(3),
        };
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(load(&source, &want()))
            .map(|(_, origin)| origin)
    }

    #[test]
    fn a_snapshot_dated_in_the_future_is_refused_and_never_served_by_cache_first() {
        let client = unreachable_client();
        let now = now_secs();
        for fetched_at in [now + 30.0 * DAY, now + 301.0, 1e300, -1e300] {
            let tmp = tempfile::tempdir().unwrap();
            let dir = tmp.path().join("cache");
            let file = snapshot(&client, &dir, fetched_at);
            let why = file.read(&want()).unwrap_err();
            assert!(why.contains("ahead of this clock"), "{fetched_at}: {why}");
            // CacheFirst does not take it for a fresh snapshot: it asks Locker (unreachable
            // here), and has nothing to fall back to.
            let err = cache_first(&client, &dir).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Connection, "{fetched_at}: {err}");
        }
    }

    #[test]
    fn a_snapshot_ahead_within_the_clock_skew_is_fresh_and_an_old_one_is_probed() {
        let client = unreachable_client();
        let now = now_secs();
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("cache");
        snapshot(&client, &dir, now + 120.0);
        match cache_first(&client, &dir).unwrap() {
            Origin::Snapshot { age, reason, .. } => {
                assert_eq!(reason, SnapshotReason::Fresh);
                assert_eq!(age, Duration::ZERO);
            }
            other => panic!("{other:?}"),
        }
        // Two hours old: older than the rest time, so Locker is asked; unreachable, the
        // snapshot (within max_stale) stands in.
        snapshot(&client, &dir, now - 2.0 * 3600.0);
        match cache_first(&client, &dir).unwrap() {
            Origin::Snapshot { age, reason, .. } => {
                assert_eq!(reason, SnapshotReason::Unreachable);
                assert!(age >= Duration::from_secs(7200), "{age:?}");
            }
            other => panic!("{other:?}"),
        }
    }

    /// An unchanged snapshot's age is brought up to date by a sealed confirmation written in
    /// place; a confirmation that was tampered with, torn, or copied from another snapshot is
    /// ignored, so the snapshot only ever looks older, never younger than its newest genuine
    /// write.
    #[cfg(unix)]
    #[test]
    fn a_confirmation_brings_the_age_up_to_date_and_a_tampered_one_only_makes_it_older() {
        let client = unreachable_client();
        let tmp = tempfile::tempdir().unwrap();
        let old = now_secs() - 10.0 * DAY;
        let file = snapshot(&client, tmp.path(), old);
        let path = file.path().to_owned();
        assert_eq!(file.read(&want()).unwrap().unwrap().fetched_at, old);

        // Confirmed in place: the same file (same inode), the new time read back.
        let inode = |p: &Path| std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(p).unwrap());
        let before = inode(&path);
        let now = now_secs();
        assert!(file.confirm(now));
        assert_eq!(inode(&path), before, "confirmed in place, not rewritten");
        assert_eq!(file.read(&want()).unwrap().unwrap().fetched_at, now);
        let confirmed = std::fs::read_to_string(&path).unwrap();

        // One character of the confirmation changed: the sealed (older) time stands.
        let at = confirmed.rfind("\"confirmed\":\"").unwrap() + 20;
        let mut tampered = confirmed.clone().into_bytes();
        tampered[at] = if tampered[at] == b'A' { b'B' } else { b'A' };
        std::fs::write(&path, &tampered).unwrap();
        assert_eq!(file.read(&want()).unwrap().unwrap().fetched_at, old);

        // A genuine confirmation of another snapshot's content does not vouch for this one.
        let other_dir = tempfile::tempdir().unwrap();
        let other = snapshot(&client, other_dir.path(), old);
        other.read(&want()).unwrap().unwrap();
        assert!(other.confirm(now));
        let other_text = std::fs::read_to_string(other.path()).unwrap();
        let confirmation = |text: &str| text[text.rfind("\"confirmed\":").unwrap()..].to_owned();
        let forged = confirmed.replace(&confirmation(&confirmed), &confirmation(&other_text));
        assert_ne!(forged, confirmed);
        std::fs::write(&path, &forged).unwrap();
        assert_eq!(file.read(&want()).unwrap().unwrap().fetched_at, old);

        // Without the confirmation at all: the sealed time, and a file replaced since it was
        // read is not confirmed in place (the caller writes it whole).
        let stripped = confirmed.replace(&format!(",{}", confirmation(&confirmed)), "}");
        std::fs::write(&path, &stripped).unwrap();
        assert_eq!(file.read(&want()).unwrap().unwrap().fetched_at, old);
        assert!(
            !file.confirm(now),
            "no place for a confirmation in this file"
        );
        snapshot(&client, tmp.path(), old);
        assert!(!file.confirm(now), "nothing read from the new file yet");
        file.read(&want()).unwrap().unwrap();
        std::fs::rename(other.path(), &path).unwrap();
        assert!(
            !file.confirm(now),
            "the file was replaced since it was read"
        );
    }
}
