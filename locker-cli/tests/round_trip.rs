//! `locker export | locker import` keeps every value byte for byte, in both formats, through
//! the real binary and a real server; and `locker import` stores what a .env file says,
//! never a value from its own environment.

mod common;

use std::collections::BTreeMap;

use common::Project;
use locker_config::NewSecret;
use predicates::prelude::*;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

/// The values the issue lists, and their neighbours.
fn special_values() -> Vec<String> {
    let mut values: Vec<String> = [
        "carriage\rreturn",
        "crlf\r\nline",
        "\r",
        "\r\n",
        "ends with cr\r",
        "\ttabs\tand\t",
        "\"double\" and 'single' quotes",
        "'",
        "\"",
        "$HOME ${PATH} ${LOCKER_SECRET_ACCESS_KEY} $$ pa$$word $",
        "back\\slash \\n \\r \\t \\\\ \\$ \\\" \\",
        "\\",
        "# not a comment",
        "#",
        "value # and more",
        "a=b=c==",
        "=",
        "  leading and trailing  ",
        " ",
        "\t",
        "ünïcødé ✓ 日本語 🔐 \u{200b}\u{feff}",
        "",
        "multi\nline\n\nvalue\n",
        "\n",
        "`backticks` and {braces} and ${",
    ]
    .iter()
    .map(|v| v.to_string())
    .collect();
    values.push("x".repeat(100 * 1024));
    values.push("\r\n\"$\\#= é".repeat(100 * 1024 / 12));
    values
}

/// Puts `values` (as K0, K1, …) into a fresh environment, exports it in each format, imports
/// each export into another fresh environment and returns what those hold, by format.
fn round_trip(
    p: &Project,
    tag: &str,
    values: &[String],
) -> Vec<(&'static str, BTreeMap<String, String>)> {
    let from = format!("from-{tag}");
    p.seed(&[from.as_str()], &[]);
    let client = p.client();
    for (i, value) in values.iter().enumerate() {
        client
            .create(NewSecret::new(format!("K{i}"), value.as_str()).environment(&from))
            .expect("secret created");
    }
    let mut results = Vec::new();
    for format in ["dotenv", "json"] {
        let to = format!("to-{format}-{tag}");
        p.seed(&[to.as_str()], &[]);
        let exported = p
            .locker(&["export", "--env", &from, "--format", format])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        p.locker(&["import", "-", "--env", &to])
            .write_stdin(exported)
            .assert()
            .success()
            .stdout(predicate::str::contains(format!(
                "{} created, 0 updated",
                values.len()
            )));
        let got = p
            .secrets()
            .into_iter()
            .filter(|s| s.environment_name.as_deref() == Some(to.as_str()))
            .map(|s| (s.key, s.value))
            .collect();
        results.push((format, got));
    }
    results
}

fn expected(values: &[String]) -> BTreeMap<String, String> {
    values
        .iter()
        .enumerate()
        .map(|(i, v)| (format!("K{i}"), v.clone()))
        .collect()
}

#[test]
fn every_listed_value_survives_export_and_import_in_both_formats() {
    let p = Project::new();
    let values = special_values();
    let want = expected(&values);
    for (format, got) in round_trip(&p, "special", &values) {
        for (key, value) in &want {
            assert_eq!(got.get(key), Some(value), "{format}: {key}");
        }
        assert_eq!(got.len(), want.len(), "{format}");
    }
}

/// How many generated cases (`PROPTEST_CASES` to change it).
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(32)
}

/// Values built from arbitrary characters and the pieces dotenv files are made of.
fn value() -> impl Strategy<Value = String> {
    const PIECES: &[&str] = &[
        "\r", "\n", "\r\n", "\t", " ", "\"", "'", "`", "$", "${", "}", "{", "\\", "\\$", "\\n",
        "#", " #", "=", "export ", "é", "🔐", "\u{feff}", "\0", "A", "_",
    ];
    let piece = prop_oneof![
        any::<char>().prop_map(String::from),
        prop::sample::select(PIECES).prop_map(str::to_string),
    ];
    prop::collection::vec(piece, 0..24).prop_map(|pieces| pieces.concat())
}

#[test]
fn arbitrary_values_survive_export_and_import() {
    let p = Project::new();
    let mut runner = TestRunner::new(Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    });
    let case = std::sync::atomic::AtomicUsize::new(0);
    runner
        .run(&prop::collection::vec(value(), 1..6), |values| {
            let case = case.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            for (format, got) in round_trip(&p, &case.to_string(), &values) {
                prop_assert_eq!(&got, &expected(&values), "{}", format);
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn import_never_expands_from_its_own_environment() {
    let p = Project::new();
    p.seed(&["dev"], &[]);
    let secret_key = p.key.secret_access_key.clone();
    let text = "\
LEAK=${LOCKER_SECRET_ACCESS_KEY}
ALSO=\"$LOCKER_SECRET_ACCESS_KEY\"
PASSWORD=pa$$word
HOME_DIR=$HOME/x
";
    std::fs::write(p.home.path().join("hostile.env"), text).unwrap();
    p.locker(&["import", "hostile.env", "--env", "dev"])
        .assert()
        .success()
        .stdout("imported hostile.env in dev: 4 created, 0 updated, 0 unchanged, 0 skipped\n")
        .stderr(predicate::str::contains("stored as written"))
        .stderr(predicate::str::contains(secret_key.as_str()).not());
    assert_eq!(
        p.value(Some("dev"), "LEAK").as_deref(),
        Some("${LOCKER_SECRET_ACCESS_KEY}")
    );
    assert_eq!(
        p.value(Some("dev"), "ALSO").as_deref(),
        Some("$LOCKER_SECRET_ACCESS_KEY")
    );
    assert_eq!(
        p.value(Some("dev"), "PASSWORD").as_deref(),
        Some("pa$$word")
    );
    assert_eq!(p.value(Some("dev"), "HOME_DIR").as_deref(), Some("$HOME/x"));
    for s in p.secrets() {
        assert!(!s.value.contains(&secret_key), "{}", s.key);
    }

    // --expand takes earlier keys of the file only: the environment's variable is an error,
    // and nothing is written.
    p.seed(&["other"], &[]);
    p.server.clear_request_log();
    p.locker(&["import", "hostile.env", "--env", "other", "--expand"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "LEAK refers to $LOCKER_SECRET_ACCESS_KEY, which no earlier line",
        ))
        .stderr(predicate::str::contains(secret_key.as_str()).not());
    assert_eq!(p.writes(), 0);
    std::fs::write(
        p.home.path().join("expand.env"),
        "LOCKER_SECRET_ACCESS_KEY=from-the-file\nCOPY=${LOCKER_SECRET_ACCESS_KEY}-x\nLIT='$COPY'\n",
    )
    .unwrap();
    p.locker(&["import", "expand.env", "--env", "other", "--expand"])
        .assert()
        .success();
    assert_eq!(
        p.value(Some("other"), "COPY").as_deref(),
        Some("from-the-file-x")
    );
    assert_eq!(p.value(Some("other"), "LIT").as_deref(), Some("$COPY"));
}
