//! The support module of the end-to-end tests (and of the load benchmark): a real
//! `locker-server` on 127.0.0.1:0 with one project, clients built from explicit settings, seeding
//! through the client API, request counts, the design's example config, and child processes for
//! the tests that need process environment variables (no test sets them in its own process).
//!
//! Every test binary compiles this module but uses only part of it, so unused items are allowed.
#![allow(dead_code)]

pub(crate) mod fifty;

use std::process::Command;
use std::time::Duration;

use locker_config::{
    Loader, Locker, LockerBuilder, LockerConfig, NewEnvironment, NewSecret, Secret, blocking,
};
use locker_server::{AccessKey, LocalServer};

/// A running server with one project and its read-write access key.
pub(crate) struct Project {
    /// The server, shut down on drop.
    pub(crate) server: LocalServer,
    /// The project's read-write key.
    pub(crate) key: AccessKey,
    /// This project's own snapshot directory, so that no load writes under the home directory
    /// and no two tests share snapshots.
    cache: tempfile::TempDir,
}

impl Project {
    /// Starts a server and creates a project.
    pub(crate) fn new() -> Self {
        let server = LocalServer::start().expect("the local server starts");
        let key = server.create_project().expect("a project can be created");
        let cache = tempfile::tempdir().expect("a temporary snapshot directory");
        Project { server, key, cache }
    }

    /// The snapshot directory loads of this project use.
    pub(crate) fn cache_dir(&self) -> std::path::PathBuf {
        self.cache.path().join("cache")
    }

    /// A builder for a client of this project: its key and the server, every other setting the
    /// library's default (no lookups in the process environment or the credential file).
    pub(crate) fn builder(&self) -> LockerBuilder {
        Locker::builder()
            .access_key_id(self.key.access_key_id.clone())
            .secret_access_key(self.key.secret_access_key.clone())
            .api_base(self.server.base_url())
    }

    /// A client of this project.
    pub(crate) fn client(&self) -> Locker {
        self.builder().build().expect("the client builds")
    }

    /// A client of this server using another access key.
    pub(crate) fn client_with(&self, key: &AccessKey) -> Locker {
        self.builder()
            .access_key_id(key.access_key_id.clone())
            .secret_access_key(key.secret_access_key.clone())
            .build()
            .expect("the client builds")
    }

    /// A blocking client of this project.
    pub(crate) fn blocking(&self) -> blocking::Locker {
        blocking::Locker::new(self.client())
    }

    /// A loader of `T` for `environment`, with a client of this project.
    pub(crate) fn loader<T: LockerConfig>(&self, environment: &str) -> Loader<T> {
        Loader::new()
            .client(self.client())
            .environment(environment)
            .cache_dir(self.cache_dir())
    }

    /// Creates the environments, then `(environment, key, value)` secrets (`None` = "All"),
    /// through the blocking client (safe inside and outside a runtime).
    pub(crate) fn seed(&self, environments: &[&str], secrets: &[(Option<&str>, &str, &str)]) {
        let client = self.blocking();
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

    /// The environment variables that give a child process this project's key and server.
    pub(crate) fn credential_vars(&self) -> Vec<(&'static str, String)> {
        vec![
            ("LOCKER_ACCESS_KEY_ID", self.key.access_key_id.clone()),
            (
                "LOCKER_SECRET_ACCESS_KEY",
                self.key.secret_access_key.clone(),
            ),
            ("LOCKER_API_BASE", self.server.base_url()),
        ]
    }

    /// How many requests the server served for `method path` (path without query).
    pub(crate) fn count(&self, method: &str, path: &str) -> usize {
        self.server
            .request_log()
            .iter()
            .filter(|r| r.method == method && r.path == path)
            .count()
    }

    /// How many `GET path` requests the server served.
    pub(crate) fn gets(&self, path: &str) -> usize {
        self.count("GET", path)
    }
}

/// The example config of the design: every common field shape.
#[derive(Debug, LockerConfig)]
pub(crate) struct AppConfig {
    /// Postgres connection string.
    pub(crate) database_url: Secret<String>,
    #[locker(key = "HTTP_PORT", default = 8080)]
    pub(crate) port: u16,
    #[locker(default = "30s")]
    pub(crate) request_timeout: Duration,
    pub(crate) redis_url: Option<String>,
    #[locker(default = "https://a.example,https://b.example")]
    pub(crate) allowed_origins: Vec<String>,
    #[locker(default)]
    pub(crate) verbose: bool,
}

/// The project key of `key`'s project as any client of the protocol derives it: the wrapped key
/// of its profile, fetched with a plain GET, unwrapped under the secret access key. For the
/// floors the benchmarks measure without the client.
pub(crate) async fn project_key(
    base: &str,
    key: &AccessKey,
) -> locker_protocol::crypto::SymmetricKey {
    let profile = reqwest::Client::new()
        .get(format!("{base}/v1/profile"))
        .bearer_auth(&key.access_key_id)
        .send()
        .await
        .expect("profile")
        .bytes()
        .await
        .expect("profile body");
    let profile: serde_json::Value = serde_json::from_slice(&profile).expect("profile JSON");
    locker_protocol::crypto::SymmetricKey::from_secret_access_key(&key.secret_access_key)
        .expect("secret access key")
        .unwrap_key(profile["profile"]["key"].as_str().expect("wrapped key"))
        .expect("project key")
}

/// Waits (up to a liveness bound of 20 s) until `done` holds.
pub(crate) fn eventually(mut done: impl FnMut() -> bool) {
    let started = std::time::Instant::now();
    while !done() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "timed out waiting"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// What a test's process logs at warning level and above, kept to be read back: for the tests
/// that check what a load logs (and that it logs no secret). The subscriber is the process's
/// only one, so such tests run in a child process of their own ([`run_ignored_test`]).
#[derive(Clone, Default)]
pub(crate) struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    /// Installs the process-wide subscriber of warnings and above, writing plain text here.
    pub(crate) fn warnings() -> Captured {
        let captured = Captured::default();
        let writer = captured.clone();
        tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .with_max_level(tracing::Level::WARN)
            .init();
        captured
    }

    /// Everything logged so far.
    pub(crate) fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

/// Set in the environment of a child process started by [`run_ignored_test`].
const CHILD_MARKER: &str = "LOCKER_CONFIG_TEST_CHILD";

/// Whether this process is a child started by [`run_ignored_test`]; the ignored tests meant for
/// a child return at once otherwise.
pub(crate) fn is_child() -> bool {
    std::env::var_os(CHILD_MARKER).is_some()
}

/// Runs the ignored test `name` of this test binary in a child process whose environment holds
/// only `vars`, `HOME` (an empty temporary directory) and the child marker, and asserts that it
/// ran and passed. Returns its standard output and standard error.
pub(crate) fn run_ignored_test(name: &str, vars: &[(&str, String)]) -> (String, String) {
    let home = tempfile::tempdir().expect("a temporary home");
    let output = Command::new(std::env::current_exe().expect("the test binary"))
        .args([
            "--exact",
            name,
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env_clear()
        .env("HOME", home.path())
        .env(CHILD_MARKER, "1")
        .envs(vars.iter().cloned())
        .output()
        .expect("the child process runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "child failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("1 passed"), "{stdout}");
    (stdout, stderr)
}

impl Project {
    /// Sends `method path` with a JSON `body` straight to the server with this project's bearer
    /// token, as anyone holding only the access key id could; returns the status and the body.
    pub(crate) async fn raw(
        &self,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
        let mut req = reqwest::Client::new()
            .request(method, format!("{}{path}", self.server.base_url()))
            .bearer_auth(&self.key.access_key_id);
        if let Some(body) = body {
            req = req
                .header("content-type", "application/json")
                .body(serde_json::to_vec(&body).expect("JSON"));
        }
        let resp = req.send().await.expect("the server answers");
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("a body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
        )
    }
}

/// A loopback TCP relay in front of a server that can be switched to accept connections and
/// never answer (a Locker that hangs), for the snapshot fallback tests. Connections accepted
/// while relaying keep relaying; new ones after [`Relay::hang`] are held open, unanswered.
pub(crate) struct Relay {
    addr: std::net::SocketAddr,
    hanging: std::sync::Arc<std::sync::atomic::AtomicBool>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Relay {
    /// Starts relaying to `upstream`.
    pub(crate) fn start(upstream: std::net::SocketAddr) -> Relay {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicBool, Ordering};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let hanging = Arc::new(AtomicBool::new(false));
        let stop = Arc::new(AtomicBool::new(false));
        let (h, s) = (hanging.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut held = Vec::new();
            for conn in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(client) = conn else { continue };
                if h.load(Ordering::SeqCst) {
                    held.push(client);
                    continue;
                }
                let Ok(server) = std::net::TcpStream::connect(upstream) else {
                    continue;
                };
                let pipe = |mut from: std::net::TcpStream, mut to: std::net::TcpStream| {
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = to.shutdown(std::net::Shutdown::Both);
                    });
                };
                pipe(
                    client.try_clone().expect("clone"),
                    server.try_clone().expect("clone"),
                );
                pipe(server, client);
            }
        });
        Relay {
            addr,
            hanging,
            stop,
        }
    }

    /// The relay's base URL.
    pub(crate) fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// From now on, new connections are accepted and never answered.
    pub(crate) fn hang(&self) {
        self.hanging
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        // Wake the accept loop so it sees the stop flag.
        let _ = std::net::TcpStream::connect(self.addr);
    }
}

/// A fresh snapshot directory (its `cache` child, not yet created) under a temporary directory
/// that lives as long as the returned guard.
pub(crate) fn cache_dir() -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let dir = tmp.path().join("cache");
    (tmp, dir)
}

/// The snapshot files in `dir`.
pub(crate) fn snapshot_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "snapshot"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}
