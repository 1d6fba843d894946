//! The profile kept in a cache directory by a client built with
//! [`LockerBuilder::profile_cache`](super::LockerBuilder::profile_cache): what lets a new
//! process's first `get`, `retrieve`, `set`, `list_secrets`, `list_secrets_partial` or `export`
//! skip the profile request.
//!
//! A cached key is only ever tried, on a trial client that holds it as its profile, never on
//! this one: the trial's answer is taken once a record or environment of the project has been
//! decrypted under the key (a MAC check), and a write is sent only after that check. A key that
//! fails it ([`ErrorKind::Decryption`](crate::ErrorKind::Decryption)) is dropped from the cache
//! and the profile fetched again; any other failure (401, 403, unreachable) is the call's, as
//! without a cache. The file is the one the library's loads keep ([`ProfileFile`](super::ProfileFile)),
//! opened and read with the same protections.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;

use super::profile_file::ProfileFile;
use super::{Inner, Locker, Session};

impl Locker {
    /// The cache file of this client's profile, when it keeps one.
    fn profile_cache_file(&self) -> Option<ProfileFile> {
        let dir = self.inner.profile_cache.as_deref()?;
        Some(ProfileFile::new(self, dir))
    }

    /// A client like this one whose profile is the cached one, not yet trusted: `None` when
    /// this client knows its profile already, keeps no cache, or the cache holds no usable
    /// profile (a corrupt or foreign file, or one in a directory others can write to, is
    /// ignored with a warning).
    pub(super) fn profile_trial(&self) -> Option<Locker> {
        if self.known_session().is_some() {
            return None;
        }
        let session = self.profile_cache_file()?.read_or_ignore(self)?;
        let inner = &self.inner;
        Some(Locker {
            inner: Arc::new(Inner {
                http: inner.http.clone(),
                api_base: inner.api_base.clone(),
                access_key_id: inner.access_key_id.clone(),
                master_key: inner.master_key.clone(),
                timeout: inner.timeout,
                max_retries: inner.max_retries,
                page_size: inner.page_size,
                session: OnceCell::new_with(Some(session)),
                environments: Mutex::new(HashMap::new()),
                profile_cache: None,
                want_hashes: Mutex::default(),
            }),
        })
    }

    /// Takes the profile of `trial` as this client's own: only once it has opened a record or
    /// an environment of the project.
    pub(super) fn adopt_trial(&self, trial: &Locker) {
        if let Some(session) = trial.known_session() {
            self.adopt_session(Session {
                project_id: session.project_id,
                key: session.key.clone(),
                editable: session.editable,
            });
        }
    }

    /// Removes the cached profile: its key failed to open what it should have.
    pub(super) fn drop_cached_profile(&self) {
        if let Some(file) = self.profile_cache_file() {
            file.drop_stale();
        }
    }

    /// Keeps a profile just fetched from Locker in the cache, when this client keeps one.
    pub(super) fn keep_profile(&self, session: &Session) {
        if let Some(file) = self.profile_cache_file() {
            file.keep(self, session);
        }
    }
}

#[cfg(test)]
mod tests {
    //! Against a real locker-server: a warm cache spares the profile request, a cached key that
    //! is not the project's is never used to write, 401/403 fail closed.

    use locker_protocol::crypto::SymmetricKey;
    use locker_server::Fault;

    use crate::client::ProfileFile;
    use crate::client::{Locker, NewSecret, Session};
    use crate::error::ErrorKind;
    use crate::model::Saved;

    /// The seeded project, with what these tests ask of it.
    use crate::client::test_project::Project as Setup;

    impl Setup {
        /// A client without a profile cache.
        fn plain(&self) -> Locker {
            self.builder().build().unwrap()
        }

        /// A new client keeping its profile in the cache, as a new process has.
        fn cached(&self) -> Locker {
            self.builder()
                .profile_cache(self.cache.path())
                .build()
                .unwrap()
        }

        fn file(&self, client: &Locker) -> ProfileFile {
            ProfileFile::new(client, self.cache.path())
        }

        /// A cached profile whose key is not the project's (as after the project key changed).
        fn plant_stale(&self) {
            let client = self.cached();
            let stale = Session {
                project_id: self.key.project_id,
                key: SymmetricKey::generate(),
                editable: Some(true),
            };
            self.file(&client).write(&client, &stale).unwrap();
        }

        fn take_requests(&self) -> Vec<String> {
            let log = self.server.request_log();
            self.server.clear_request_log();
            log.iter()
                .map(|r| {
                    let path = if r.path.starts_with("/v1/secrets/") {
                        "/v1/secrets/{id}"
                    } else {
                        r.path.as_str()
                    };
                    format!("{} {path}", r.method)
                })
                .collect()
        }

        async fn value(&self, env: Option<&str>, key: &str) -> Option<String> {
            self.plain()
                .list_secrets(None)
                .await
                .unwrap()
                .into_iter()
                .find(|s| s.key == key && s.environment_name.as_deref() == env)
                .map(|s| s.value)
        }
    }

    #[tokio::test]
    async fn a_warm_cache_spares_the_profile_request() {
        let s = Setup::seeded().await;
        s.take_requests();
        // Cold: the profile is fetched, and kept.
        let got = s.cached().get("A", Some("prod")).await.unwrap();
        assert_eq!(got.as_deref(), Some("a-prod"));
        assert_eq!(s.take_requests(), ["GET /v1/profile", "GET /v1/secrets"]);
        assert!(s.file(&s.cached()).path().is_file());

        let got = s.cached().get("A", Some("prod")).await.unwrap();
        assert_eq!(got.as_deref(), Some("a-prod"));
        assert_eq!(s.take_requests(), ["GET /v1/secrets"]);

        let saved = s
            .cached()
            .set(NewSecret::new("A", "a2").environment("prod"))
            .await
            .unwrap();
        assert!(matches!(saved, Saved::Updated(_)));
        assert_eq!(
            s.take_requests(),
            ["GET /v1/secrets", "PUT /v1/secrets/{id}"]
        );

        let saved = s
            .cached()
            .set(NewSecret::new("C", "c").environment("prod"))
            .await
            .unwrap();
        assert!(matches!(saved, Saved::Created(_)));
        assert_eq!(
            s.take_requests(),
            [
                "GET /v1/secrets",
                "GET /v1/environments",
                "POST /v1/secrets"
            ]
        );

        // New in "All": nothing checks the cached key before the write, so the profile is
        // fetched (the lookup by hash stands).
        let saved = s.cached().set(NewSecret::new("D", "d")).await.unwrap();
        assert!(matches!(saved, Saved::Created(_)));
        assert_eq!(
            s.take_requests(),
            ["GET /v1/secrets", "GET /v1/profile", "POST /v1/secrets"]
        );
        assert_eq!(s.value(Some("prod"), "A").await.as_deref(), Some("a2"));
        assert_eq!(s.value(Some("prod"), "C").await.as_deref(), Some("c"));
        assert_eq!(s.value(None, "D").await.as_deref(), Some("d"));

        // A key found nowhere: the same answer under any key, no profile needed.
        s.take_requests();
        assert_eq!(s.cached().get("NOPE", Some("prod")).await.unwrap(), None);
        assert_eq!(s.take_requests(), ["GET /v1/secrets"]);
    }

    #[tokio::test]
    async fn a_stale_cached_key_is_dropped_and_never_used_to_write() {
        let s = Setup::seeded().await;

        // An existing key: the lookup's record does not open under the cached key, so nothing
        // is written with it; the profile is fetched and the write made with the right key.
        s.plant_stale();
        s.take_requests();
        let saved = s
            .cached()
            .set(NewSecret::new("A", "a2").environment("prod"))
            .await
            .unwrap();
        assert!(matches!(saved, Saved::Updated(_)));
        assert_eq!(
            s.take_requests(),
            [
                "GET /v1/secrets",
                "GET /v1/profile",
                "GET /v1/secrets",
                "PUT /v1/secrets/{id}"
            ]
        );
        assert_eq!(s.value(Some("prod"), "A").await.as_deref(), Some("a2"));
        // The profile fetched replaced the stale one.
        s.take_requests();
        s.cached().get("A", Some("prod")).await.unwrap();
        assert_eq!(s.take_requests(), ["GET /v1/secrets"]);

        // A key new in an environment: the environment's name does not open either.
        s.plant_stale();
        s.take_requests();
        s.cached()
            .set(NewSecret::new("C", "c").environment("prod"))
            .await
            .unwrap();
        let sent = s.take_requests();
        assert_eq!(
            sent,
            [
                "GET /v1/secrets",
                "GET /v1/environments",
                "GET /v1/profile",
                "GET /v1/secrets",
                "GET /v1/environments",
                "POST /v1/secrets"
            ]
        );
        assert_eq!(s.value(Some("prod"), "C").await.as_deref(), Some("c"));

        // A key new in "All": written only after the profile was fetched.
        s.plant_stale();
        s.take_requests();
        s.cached().set(NewSecret::new("D", "d")).await.unwrap();
        assert_eq!(
            s.take_requests(),
            ["GET /v1/secrets", "GET /v1/profile", "POST /v1/secrets"]
        );
        assert_eq!(s.value(None, "D").await.as_deref(), Some("d"));

        // Lists: dropped, fetched again, the right values.
        for partial in [false, true] {
            s.plant_stale();
            s.take_requests();
            let listed = if partial {
                let (listed, broken) = s.cached().list_secrets_partial(None).await.unwrap();
                assert!(broken.is_empty());
                listed
            } else {
                s.cached().list_secrets(None).await.unwrap()
            };
            let mut values: Vec<String> = listed.into_iter().map(|r| r.value).collect();
            values.sort();
            assert_eq!(values, ["a2", "b-all", "c", "d"], "partial: {partial}");
            assert!(
                s.take_requests().contains(&"GET /v1/profile".to_owned()),
                "partial: {partial}"
            );
            s.cached().list_secrets(None).await.unwrap();
            assert!(!s.take_requests().contains(&"GET /v1/profile".to_owned()));
        }

        // A read: dropped, fetched again, the right value.
        s.plant_stale();
        s.take_requests();
        let got = s.cached().get("B", Some("prod")).await.unwrap();
        assert_eq!(got.as_deref(), Some("b-all"));
        assert_eq!(
            s.take_requests(),
            ["GET /v1/secrets", "GET /v1/profile", "GET /v1/secrets"]
        );
    }

    #[tokio::test]
    async fn unauthorized_fails_closed_with_a_cached_profile() {
        let s = Setup::seeded().await;
        s.cached().get("A", Some("prod")).await.unwrap();
        for (status, kind) in [
            (401, ErrorKind::Authentication),
            (403, ErrorKind::PermissionDenied),
        ] {
            s.server.inject(Fault::Status {
                status,
                retry_after: None,
                times: 1,
            });
            let err = s
                .cached()
                .set(NewSecret::new("A", "x").environment("prod"))
                .await
                .unwrap_err();
            assert_eq!(err.kind(), kind, "{err}");
        }
        assert_eq!(s.value(Some("prod"), "A").await.as_deref(), Some("a-prod"));
        // The profile stays: nothing about it was wrong.
        s.take_requests();
        s.cached().get("A", Some("prod")).await.unwrap();
        assert_eq!(s.take_requests(), ["GET /v1/secrets"]);
    }
}
