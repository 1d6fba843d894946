//! The command line: help, create-project, create-key and serve, run as a subprocess.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_locker-server");

/// Runs the command, asserts that it succeeded and returns its standard output.
fn run_ok(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn field(out: &str, name: &str) -> String {
    out.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}:")))
        .unwrap_or_else(|| panic!("no {name} in {out}"))
        .trim()
        .to_owned()
}

#[test]
fn help_explains_the_commands() {
    let text = run_ok(Command::new(BIN).arg("--help"));
    for word in [
        "serve",
        "create-project",
        "create-key",
        "LOCKER_API_BASE",
        "development",
    ] {
        assert!(text.contains(word), "{word} missing from {text}");
    }
    for cmd in ["serve", "create-project", "create-key"] {
        assert!(run_ok(Command::new(BIN).args([cmd, "--help"])).contains("--db"));
    }
}

#[test]
fn create_project_then_key_then_serve() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cli.db");
    let text = run_ok(Command::new(BIN).args(["create-project", "--db"]).arg(&db));
    assert_eq!(field(&text, "project_id"), "1");
    let key_id = field(&text, "access_key_id");
    let secret = field(&text, "secret_access_key");
    assert!(text.contains(&format!("export LOCKER_ACCESS_KEY_ID={key_id}")));
    assert!(text.contains("export LOCKER_SECRET_ACCESS_KEY="));
    assert!(text.contains("export LOCKER_API_BASE=http://127.0.0.1:"));

    // The existing secret comes from the environment of the subprocess.
    let text = run_ok(
        Command::new(BIN)
            .args([
                "create-key",
                "--read-only",
                "--project",
                "1",
                "--from-key-id",
                &key_id,
                "--db",
            ])
            .arg(&db)
            .env("LOCKER_SECRET_ACCESS_KEY", &secret),
    );
    assert!(text.contains("read-only"));
    let ro_id = field(&text, "access_key_id");

    // A wrong secret is a clean error that does not echo the secret.
    let wrong = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    let out = Command::new(BIN)
        .args([
            "create-key",
            "--project",
            "1",
            "--from-key-id",
            &key_id,
            "--from-secret",
            wrong,
        ])
        .arg("--db")
        .arg(&db)
        .env_remove("LOCKER_SECRET_ACCESS_KEY")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("error:"), "{err}");
    assert!(!err.contains(wrong), "{err}");
    // The message, then its cause, each said once.
    assert!(
        err.contains("the secret access key does not match the access key: "),
        "{err}"
    );
    assert_eq!(err.matches("does not match").count(), 1, "{err}");

    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(&db)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let base = loop {
        let line = lines.next().expect("server printed its address").unwrap();
        if let Some(rest) = line.split("listening on ").nth(1) {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let result = rt.block_on(async {
        let client = reqwest::Client::new();
        let profile = client
            .get(format!("{base}/locker_secrets/v1/profile"))
            .bearer_auth(&ro_id)
            .send()
            .await?;
        let status = profile.status().as_u16();
        let text = profile.text().await?;
        Ok::<_, reqwest::Error>((status, text))
    });
    child.kill().unwrap();
    child.wait().unwrap();
    let (status, text) = result.unwrap();
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("\"editable\":false"), "{text}");
}

#[test]
fn the_request_log_has_no_colour_codes_when_stderr_is_not_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("log.db");
    let log_path = dir.path().join("server.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(&db)
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    // Wait for the address line, then make one request and wait for its log line.
    let read = || std::fs::read_to_string(&log_path).unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let base = loop {
        if let Some(rest) = read().split("listening on ").nth(1) {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no address: {}",
            read()
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let addr = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    std::io::Write::write_all(
        &mut stream,
        b"GET /v1/profile HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .unwrap();
    let mut answer = String::new();
    std::io::Read::read_to_string(&mut stream, &mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    while !read().contains("status=401") {
        assert!(
            std::time::Instant::now() < deadline,
            "no request line: {}",
            read()
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let text = read();
    assert!(text.contains("INFO"), "{text}");
    assert!(!text.contains('\u{1b}'), "colour codes in {text:?}");
}
