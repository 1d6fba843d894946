//! Helpers shared by the client end-to-end tests: a real `locker-server` on 127.0.0.1:0 and a
//! client configured for it (explicit settings only, so no test reads the process environment).
#![allow(dead_code, unreachable_pub)]

use locker_config::{Locker, LockerBuilder};
use locker_server::{AccessKey, LocalServer};

/// A running server with one project and its read-write access key.
pub struct Project {
    /// The server, shut down on drop.
    pub server: LocalServer,
    /// The project's read-write key.
    pub key: AccessKey,
}

/// Starts a server and creates a project.
pub fn project() -> Project {
    let server = LocalServer::start().expect("the local server starts");
    let key = server.create_project().expect("a project can be created");
    Project { server, key }
}

impl Project {
    /// A builder for a client of this project, with fast retries and no environment lookups.
    pub fn builder(&self) -> LockerBuilder {
        builder_for(&self.server, &self.key)
    }

    /// A client of this project.
    pub fn client(&self) -> Locker {
        self.builder().build().expect("the client builds")
    }

    /// A client using another access key of this server.
    pub fn client_with(&self, key: &AccessKey) -> Locker {
        builder_for(&self.server, key)
            .build()
            .expect("the client builds")
    }

    /// How many requests the server served for `method path` (path without query).
    pub fn count(&self, method: &str, path: &str) -> usize {
        self.server
            .request_log()
            .iter()
            .filter(|r| r.method == method && r.path == path)
            .count()
    }
}

/// A builder for a client of `key` on `server`.
pub fn builder_for(server: &LocalServer, key: &AccessKey) -> LockerBuilder {
    Locker::builder()
        .access_key_id(key.access_key_id.clone())
        .secret_access_key(key.secret_access_key.clone())
        .api_base(server.base_url())
}
