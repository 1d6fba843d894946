//! `locker import` and `locker export` against a real server: a tricky .env file, JSON,
//! validate-then-write, counts, and files written 0600.

mod common;

use std::os::unix::fs::PermissionsExt as _;

use common::Project;
use predicates::prelude::*;

/// Quotes, `#`, `=`, `export`, comments, multi-line values and unicode.
const TRICKY: &str = r#"# Settings for the dev environment
export APP_NAME=demo

DATABASE_URL="postgres://app:p@ss#word=1@localhost:5432/app?sslmode=disable"
SINGLE='literal $HOME and "double" quotes'
ESCAPES="new\nline, \"quoted\", dollar \$NOT_EXPANDED, back\\slash"
EQUALS=a=b=c==
HASH_IN_VALUE=abc#def
TRAILING=value   # a comment after the value
EMPTY=
PEM="-----BEGIN KEY-----
line two
-----END KEY-----"
GREETING="héllo wörld ✓ 日本語 🔐"
REUSED=${APP_NAME}-suffix
"#;

fn tricky_expected() -> Vec<(&'static str, &'static str)> {
    vec![
        ("APP_NAME", "demo"),
        (
            "DATABASE_URL",
            "postgres://app:p@ss#word=1@localhost:5432/app?sslmode=disable",
        ),
        ("SINGLE", "literal $HOME and \"double\" quotes"),
        (
            "ESCAPES",
            "new\nline, \"quoted\", dollar $NOT_EXPANDED, back\\slash",
        ),
        ("EQUALS", "a=b=c=="),
        ("HASH_IN_VALUE", "abc#def"),
        ("TRAILING", "value"),
        ("EMPTY", ""),
        ("PEM", "-----BEGIN KEY-----\nline two\n-----END KEY-----"),
        ("GREETING", "héllo wörld ✓ 日本語 🔐"),
        ("REUSED", "demo-suffix"),
    ]
}

#[test]
fn a_tricky_dotenv_file_is_imported_exactly() {
    let p = Project::new();
    p.seed(&["dev"], &[]);
    std::fs::write(p.home.path().join(".env"), TRICKY).unwrap();
    p.locker(&["import", ".env", "--env", "dev", "--expand"])
        .assert()
        .success()
        .stdout("imported .env in dev: 11 created, 0 updated, 0 unchanged, 0 skipped\n")
        .stderr("note: REUSED: $NAME and ${NAME} were replaced by the values of earlier keys of the file\n");
    for (key, value) in tricky_expected() {
        assert_eq!(p.value(Some("dev"), key).as_deref(), Some(value), "{key}");
    }
    assert_eq!(p.secrets().len(), 11);

    // A second import changes nothing.
    p.server.clear_request_log();
    p.locker(&["import", ".env", "--env", "dev", "--expand"])
        .assert()
        .success()
        .stdout("imported .env in dev: 0 created, 0 updated, 11 unchanged, 0 skipped\n");
    assert_eq!(p.writes(), 0);

    // Export and import again elsewhere: the same values.
    p.seed(&["copy"], &[]);
    p.locker(&["export", "--env", "dev", "-o", "dev.env"])
        .assert()
        .success()
        .stdout("");
    p.locker(&["import", "dev.env", "--env", "copy"])
        .assert()
        .success()
        .stdout(predicate::str::contains("11 created"));
    for (key, value) in tricky_expected() {
        assert_eq!(p.value(Some("copy"), key).as_deref(), Some(value), "{key}");
    }
}

#[test]
fn existing_keys_are_skipped_unless_overwrite() {
    let p = Project::new();
    p.seed(
        &["dev"],
        &[(Some("dev"), "A", "old"), (Some("dev"), "B", "same")],
    );
    std::fs::write(
        p.home.path().join("in.json"),
        r#"{"A": "new", "B": "same", "C": 3, "D": true}"#,
    )
    .unwrap();
    p.server.clear_request_log();
    p.locker(&["import", "in.json", "--env", "dev"])
        .assert()
        .success()
        .stdout("imported in.json in dev: 2 created, 0 updated, 1 unchanged, 1 skipped\n")
        .stderr(predicate::str::contains("A"))
        .stderr(predicate::str::contains("new").not());
    assert_eq!(p.count("POST", "/v1/secrets"), 2);
    assert_eq!(p.value(Some("dev"), "A").as_deref(), Some("old"));
    assert_eq!(p.value(Some("dev"), "C").as_deref(), Some("3"));
    assert_eq!(p.value(Some("dev"), "D").as_deref(), Some("true"));

    p.locker(&["import", "in.json", "--env", "dev", "--overwrite"])
        .assert()
        .success()
        .stdout("imported in.json in dev: 0 created, 1 updated, 3 unchanged, 0 skipped\n");
    assert_eq!(p.value(Some("dev"), "A").as_deref(), Some("new"));

    // Without --env: "All", from standard input.
    p.locker(&["import", "-"])
        .write_stdin("SHARED=1\n")
        .assert()
        .success()
        .stdout(
            "imported standard input in \"All\": 1 created, 0 updated, 0 unchanged, 0 skipped\n",
        );
    assert_eq!(p.value(None, "SHARED").as_deref(), Some("1"));
}

#[test]
fn a_bad_line_is_reported_by_number_and_nothing_is_written() {
    let p = Project::new();
    p.seed(&["dev"], &[]);
    let text = "A=1\nB=\"two\nlines\"\n# fine\nC=has a space-hunter2\nD=4\n";
    std::fs::write(p.home.path().join("bad.env"), text).unwrap();
    p.server.clear_request_log();
    p.locker(&["import", "bad.env", "--env", "dev"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bad.env: line 5:"))
        .stderr(predicate::str::contains("hunter2").not());
    assert!(
        p.server.request_log().is_empty(),
        "checked before any request"
    );
    assert!(p.secrets().is_empty());

    std::fs::write(
        p.home.path().join("bad.json"),
        "{\"A\": \"1\",\n\"B\": [\"hunter2\"]}",
    )
    .unwrap();
    p.locker(&["import", "bad.json", "--env", "dev"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("\"B\""))
        .stderr(predicate::str::contains("hunter2").not());
    assert!(p.secrets().is_empty());

    // An unknown environment: nothing written either.
    std::fs::write(p.home.path().join("ok.env"), "A=1\n").unwrap();
    p.locker(&["import", "ok.env", "--env", "nope"])
        .assert()
        .code(4);
    p.locker(&["import", "missing.env", "--env", "dev"])
        .assert()
        .code(4);
    assert_eq!(p.writes(), 0);
}

#[test]
fn export_prints_dotenv_or_json_and_writes_files_0600() {
    let p = Project::new();
    p.seed(
        &["dev"],
        &[
            (Some("dev"), "B", "two \"quoted\" $x"),
            (Some("dev"), "A", "1"),
            (None, "S", "shared"),
        ],
    );
    p.locker(&["export", "--env", "dev"])
        .assert()
        .success()
        .stdout("A=\"1\"\nB=\"two \\\"quoted\\\" \\$x\"\n");
    let json = p
        .locker(&["export", "--env", "dev", "--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let json: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(json[0]["key"], "A");
    assert_eq!(json[1]["value"], "two \"quoted\" $x");

    let target = p.home.path().join("out.env");
    std::fs::write(&target, "old").unwrap();
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).unwrap();
    p.locker(&["export", "--env", "dev", "-o", "out.env"])
        .assert()
        .success()
        .stdout("")
        .stderr(predicate::str::contains("quoted").not());
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        "A=\"1\"\nB=\"two \\\"quoted\\\" \\$x\"\n"
    );
    let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);

    p.locker(&["export", "--env", "nope"]).assert().code(4);
    p.locker(&["export", "--format", "yaml"]).assert().code(2);
}

#[test]
fn a_large_import_shows_progress_on_a_terminal_only() {
    let p = Project::new();
    p.seed(&["dev"], &[]);
    let text: String = (0..60).map(|i| format!("KEY_{i}=value-{i}\n")).collect();
    std::fs::write(p.home.path().join("big.env"), text).unwrap();
    let Some(screen) = p.on_terminal(&["import", "big.env", "--env", "dev"]) else {
        eprintln!("util-linux `script` is not installed; skipped");
        return;
    };
    assert!(screen.contains("/60"), "a progress bar: {screen:?}");
    assert!(screen.contains("60 created"), "{screen}");
    assert_eq!(p.secrets().len(), 60);

    // Not on a terminal: the summary only.
    p.locker(&["import", "big.env", "--env", "dev", "--overwrite"])
        .assert()
        .success()
        .stdout("imported big.env in dev: 0 created, 0 updated, 60 unchanged, 0 skipped\n")
        .stderr("");
}

/// Reads a FIFO from its read end (opened without waiting for a writer) until the writer has
/// come and gone, or 20 s passed; returns what arrived.
fn read_fifo(path: &std::path::Path) -> std::thread::JoinHandle<Vec<u8>> {
    use std::io::Read as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut fifo = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(nix::fcntl::OFlag::O_NONBLOCK.bits())
        .open(path)
        .expect("the FIFO opens");
    std::thread::spawn(move || {
        let start = std::time::Instant::now();
        let mut got = Vec::new();
        let mut buf = [0u8; 8192];
        while start.elapsed() < std::time::Duration::from_secs(20) {
            match fifo.read(&mut buf) {
                // No writer (yet, or any more).
                Ok(0) if !got.is_empty() => break,
                Ok(0) => std::thread::sleep(std::time::Duration::from_millis(10)),
                Ok(n) => got.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                Err(e) => panic!("reading the FIFO: {e}"),
            }
        }
        got
    })
}

#[test]
fn export_writes_into_fifos_and_devices_in_place() {
    use std::os::unix::fs::FileTypeExt as _;
    let p = Project::new();
    p.seed(
        &["dev"],
        &[(Some("dev"), "A", "1"), (Some("dev"), "B", "x\ry")],
    );
    let expected = "A=\"1\"\nB=\"x\ry\"\n";

    // A named pipe gets the bytes and stays a named pipe.
    let fifo = p.home.path().join("export.fifo");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    let reader = read_fifo(&fifo);
    p.locker(&["export", "--env", "dev", "-o", "export.fifo"])
        .assert()
        .success()
        .stdout("");
    assert_eq!(String::from_utf8(reader.join().unwrap()).unwrap(), expected);
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo()
    );
    assert_eq!(
        std::fs::read_dir(p.home.path()).unwrap().count(),
        1,
        "no temp file left"
    );

    // /dev/stdout is standard output; `-` too.
    let stdout_link = std::fs::symlink_metadata("/dev/stdout").map(|m| m.file_type());
    for target in ["/dev/stdout", "-"] {
        p.locker(&["export", "--env", "dev", "-o", target])
            .assert()
            .success()
            .stdout(expected);
    }
    assert_eq!(
        std::fs::symlink_metadata("/dev/stdout")
            .map(|m| m.file_type())
            .ok(),
        stdout_link.ok(),
        "/dev/stdout is left as it was"
    );

    // /dev/null swallows it and stays a character device.
    assert!(
        std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device()
    );
    p.locker(&["export", "--env", "dev", "-o", "/dev/null"])
        .assert()
        .success()
        .stdout("");
    assert!(
        std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device()
    );

    // A symbolic link to a regular file: the file is replaced (0600), the link stays.
    let real = p.home.path().join("real.env");
    std::fs::write(&real, "old").unwrap();
    std::os::unix::fs::symlink(&real, p.home.path().join("link.env")).unwrap();
    p.locker(&["export", "--env", "dev", "-o", "link.env"])
        .assert()
        .success();
    assert!(
        std::fs::symlink_metadata(p.home.path().join("link.env"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read_to_string(&real).unwrap(), expected);
    let mode = std::fs::metadata(&real).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);

    // A directory is a usage error.
    p.locker(&["export", "--env", "dev", "-o", "."])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is a directory"));
}
