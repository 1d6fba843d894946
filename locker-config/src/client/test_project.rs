//! For unit tests that need a real locker-server: a project seeded with an environment "prod",
//! a secret `A` in it and a secret `B` in "All", and a cache directory of its own.

use locker_server::{AccessKey, LocalServer};

use super::{Locker, LockerBuilder, NewEnvironment, NewSecret};

/// A seeded project on a server of its own.
pub(crate) struct Project {
    pub(crate) server: LocalServer,
    pub(crate) key: AccessKey,
    pub(crate) cache: tempfile::TempDir,
}

impl Project {
    /// Starts a server, creates the project and seeds it; the request log starts empty.
    pub(crate) async fn seeded() -> Project {
        let server = LocalServer::start().unwrap();
        let key = server.create_project().unwrap();
        let cache = tempfile::tempdir().unwrap();
        let project = Project { server, key, cache };
        let locker = project.builder().build().unwrap();
        locker
            .create_environment(NewEnvironment::new("prod"))
            .await
            .unwrap();
        locker
            .create(NewSecret::new("A", "a-prod").environment("prod"))
            .await
            .unwrap();
        locker.create(NewSecret::new("B", "b-all")).await.unwrap();
        project.server.clear_request_log();
        project
    }

    /// A builder of a new client of the project, as a new process makes one.
    pub(crate) fn builder(&self) -> LockerBuilder {
        Locker::builder()
            .access_key_id(self.key.access_key_id.clone())
            .secret_access_key(self.key.secret_access_key.clone())
            .api_base(self.server.base_url())
    }
}
