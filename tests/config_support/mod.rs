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

    /// Creates the environments, then `(environment, key, value)` secrets (`None` = "All").
    pub fn seed(&self, environments: &[&str], secrets: &[(Option<&str>, &str, &str)]) {
        let client = self.client();
        let environments: Vec<String> = environments.iter().map(|e| e.to_string()).collect();
        let secrets: Vec<(Option<String>, String, String)> = secrets
            .iter()
            .map(|(e, k, v)| (e.map(str::to_owned), k.to_string(), v.to_string()))
            .collect();
        run(async move {
            for env in environments {
                client
                    .create_environment(NewEnvironment::new(env))
                    .await
                    .expect("environment created");
            }
            for (env, key, value) in secrets {
                let mut secret = NewSecret::new(key, value);
                if let Some(env) = env {
                    secret = secret.environment(env);
                }
                client.create(secret).await.expect("secret created");
            }
        });
    }
}

/// Runs a future to completion on a fresh current-thread runtime.
pub fn run<F: std::future::Future>(fut: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(fut)
}
