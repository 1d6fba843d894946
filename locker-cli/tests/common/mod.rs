//! What the `locker` end-to-end tests share: a real `locker-server` on 127.0.0.1:0 with one
//! project, the `locker` binary run with that project's credentials (passed to the child only,
//! with a temporary `HOME`; the test process's own environment is never touched), seeding and
//! reading through the library client, and request counts.
#![allow(dead_code, unreachable_pub)]

use std::path::Path;
use std::process::Child;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use locker_config::{NewEnvironment, NewSecret, SecretRecord, blocking};
use locker_server::{AccessKey, LocalServer};
use tempfile::TempDir;

/// The path of the `locker` binary under test.
pub const LOCKER: &str = env!("CARGO_BIN_EXE_locker");

/// A server with one project, and a temporary home and working directory for the command.
pub struct Project {
    pub server: LocalServer,
    pub key: AccessKey,
    pub home: TempDir,
    /// Holds the cache directory `locker` is given (apart from the home, so files in the home
    /// are only what a test put there).
    pub cache: TempDir,
}

impl Project {
    pub fn new() -> Self {
        let server = LocalServer::start().expect("the local server starts");
        let key = server.create_project().expect("a project");
        let home = tempfile::tempdir().expect("a temporary home");
        let cache = tempfile::tempdir().expect("a temporary cache");
        Project {
            server,
            key,
            home,
            cache,
        }
    }

    /// The environment variables `locker` gets: PATH, a temporary HOME, a cache directory in
    /// it (`LOCKER_CACHE_DIR`) and this project's credentials, nothing else.
    pub fn vars(&self) -> Vec<(&'static str, String)> {
        vec![
            ("PATH", std::env::var("PATH").unwrap_or_default()),
            ("HOME", self.home.path().display().to_string()),
            ("LOCKER_CACHE_DIR", self.cache_dir().display().to_string()),
            ("LOCKER_ACCESS_KEY_ID", self.key.access_key_id.clone()),
            (
                "LOCKER_SECRET_ACCESS_KEY",
                self.key.secret_access_key.clone(),
            ),
            ("LOCKER_API_BASE", self.server.base_url()),
        ]
    }

    /// The cache directory `locker` keeps the profile in (not created until it does).
    pub fn cache_dir(&self) -> std::path::PathBuf {
        self.cache.path().join("cache")
    }

    /// `locker ARGS` with this project's credentials, run in the temporary home, with a
    /// liveness bound.
    pub fn locker(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(LOCKER);
        cmd.env_clear()
            .envs(self.vars())
            .current_dir(self.home.path())
            .args(args)
            .timeout(Duration::from_secs(30));
        cmd
    }

    /// `locker ARGS` as a std command (for tests that spawn it and signal it).
    pub fn locker_std(&self, args: &[&str]) -> std::process::Command {
        let mut cmd = std::process::Command::new(LOCKER);
        cmd.env_clear()
            .envs(self.vars())
            .current_dir(self.home.path())
            .args(args);
        cmd
    }

    /// `locker ARGS` to start in the background, as a user's terminal would: `$LOG` set to
    /// `log` (where the test's script writes), no stdin, stdout discarded, stderr kept for
    /// [`Running::finish`].
    pub fn background(&self, args: &[&str], log: &std::path::Path) -> std::process::Command {
        let mut cmd = self.locker_std(args);
        cmd.env("LOG", log)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        cmd
    }

    /// A blocking library client of this project.
    pub fn client(&self) -> blocking::Locker {
        self.client_with(&self.key)
    }

    /// A blocking library client with another key.
    pub fn client_with(&self, key: &AccessKey) -> blocking::Locker {
        locker_config::Locker::builder()
            .access_key_id(key.access_key_id.clone())
            .secret_access_key(key.secret_access_key.clone())
            .api_base(self.server.base_url())
            .build_blocking()
            .expect("the client builds")
    }

    /// Creates environments, then `(environment, key, value)` secrets (`None` = "All").
    pub fn seed(&self, environments: &[&str], secrets: &[(Option<&str>, &str, &str)]) {
        let client = self.client();
        for env in environments {
            client
                .create_environment(NewEnvironment::new(*env))
                .expect("environment created");
        }
        for (env, key, value) in secrets {
            let mut s = NewSecret::new(*key, *value);
            if let Some(env) = env {
                s = s.environment(*env);
            }
            client.create(s).expect("secret created");
        }
    }

    /// Every secret of the project.
    pub fn secrets(&self) -> Vec<SecretRecord> {
        self.client().list_secrets(None).expect("secrets listed")
    }

    /// The value of `key` in exactly `env` (`None`: "All").
    pub fn value(&self, env: Option<&str>, key: &str) -> Option<String> {
        self.secrets()
            .into_iter()
            .find(|s| s.key == key && s.environment_name.as_deref() == env)
            .map(|s| s.value)
    }

    /// How many writes (POST or PUT) the server served.
    pub fn writes(&self) -> usize {
        self.server
            .request_log()
            .iter()
            .filter(|r| r.method == "POST" || r.method == "PUT")
            .count()
    }

    /// How many `method` requests to paths starting with `prefix` the server served.
    pub fn count(&self, method: &str, prefix: &str) -> usize {
        self.server
            .request_log()
            .iter()
            .filter(|r| r.method == method && r.path.starts_with(prefix))
            .count()
    }
}

impl Project {
    /// Runs `locker ARGS` on a pseudo-terminal (through util-linux `script`) and returns what
    /// the terminal showed, or `None` when `script` is not installed.
    pub fn on_terminal(&self, args: &[&str]) -> Option<String> {
        let quote = |s: &str| format!("'{}'", s.replace('\'', "'\\''"));
        let mut line = quote(LOCKER);
        for a in args {
            line.push(' ');
            line.push_str(&quote(a));
        }
        let out = std::process::Command::new("script")
            .args(["-qec", &line, "/dev/null"])
            .env_clear()
            .envs(self.vars())
            .env("TERM", "xterm")
            .env("COLUMNS", "200")
            .current_dir(self.home.path())
            .stdin(std::process::Stdio::null())
            .output()
            .ok()?;
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
        Some(String::from_utf8_lossy(&out.stdout).into_owned())
    }
}

/// Waits until `done()` holds; panics after 20 s (a liveness bound: only a hang exceeds it).
pub fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The text of `path`, or "" while it does not exist.
pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// A spawned `locker` that is killed if the test ends without waiting for it.
pub struct Running(pub Option<Child>);

impl Running {
    /// Starts `cmd` (see [`Project::background`]).
    pub fn start(mut cmd: impl std::borrow::BorrowMut<std::process::Command>) -> Running {
        Running(Some(cmd.borrow_mut().spawn().expect("locker starts")))
    }

    pub fn pid(&self) -> nix::unistd::Pid {
        let id = self.0.as_ref().expect("running").id();
        nix::unistd::Pid::from_raw(i32::try_from(id).expect("a pid"))
    }

    pub fn signal(&self, signal: nix::sys::signal::Signal) {
        nix::sys::signal::kill(self.pid(), signal).expect("signal sent");
    }

    /// Waits (at most 20 s) for the process to end and returns its exit code and stderr.
    pub fn finish(mut self) -> (Option<i32>, String) {
        use std::io::Read as _;
        let mut child = self.0.take().expect("running");
        let start = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait") {
                break status;
            }
            if start.elapsed() > Duration::from_secs(20) {
                let _ = child.kill();
                panic!("locker did not end");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut stderr = String::new();
        if let Some(mut e) = child.stderr.take() {
            e.read_to_string(&mut stderr).expect("stderr");
        }
        (status.code(), stderr)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(child) = self.0.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
