//! Helpers shared by the config end-to-end tests: a real `locker-server` on 127.0.0.1:0, a
//! client built from explicit settings (no test reads or sets process environment variables),
//! and seeding through the client API.
#![allow(dead_code, unreachable_pub)]

pub mod fifty;

use locker_config::{Locker, NewEnvironment, NewSecret};
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
    /// A client of this project.
    pub fn client(&self) -> Locker {
        Locker::builder()
            .access_key_id(self.key.access_key_id.clone())
            .secret_access_key(self.key.secret_access_key.clone())
            .api_base(self.server.base_url())
            .max_network_retries(0)
            .build()
            .expect("the client builds")
    }

    /// How many `GET path` requests the server served.
    pub fn gets(&self, path: &str) -> usize {
        self.server
            .request_log()
            .iter()
            .filter(|r| r.method == "GET" && r.path == path)
            .count()
    }

    /// Creates the environments, then `(environment, key, value)` secrets (`None` = "All"),
    /// through the blocking client (safe inside and outside a runtime).
    pub fn seed(&self, environments: &[&str], secrets: &[(Option<&str>, &str, &str)]) {
        let client = locker_config::blocking::Locker::new(self.client());
        for env in environments {
            client
                .create_environment(NewEnvironment::new(*env))
                .expect("environment created");
        }
        for (env, key, value) in secrets {
            let mut secret = NewSecret::new(*key, *value);
            if let Some(env) = env {
                secret = secret.environment(*env);
            }
            client.create(secret).expect("secret created");
        }
    }
}
