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
