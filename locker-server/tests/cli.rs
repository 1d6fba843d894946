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
