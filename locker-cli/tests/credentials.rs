//! No error path of `locker` prints the value of a credential: not a usage error about a
//! credential option, not a refused or malformed key.

mod common;

use common::{LOCKER, Project};
use predicates::prelude::*;

const VALUE: &str = "Zx9-secret-HUNTER2-value";

#[test]
fn usage_errors_never_print_a_credential_argument() {
    let forms: Vec<Vec<String>> = [
        // The one credential option, given a value it does not take.
        vec![
            format!("--secret-access-key-stdin={VALUE}"),
            "secret".into(),
            "list".into(),
        ],
        vec![
            "secret".into(),
            "list".into(),
            format!("--secret-access-key-stdin={VALUE}"),
        ],
        vec![
            "--secret-access-key-stdin".into(),
            VALUE.into(),
            "secret".into(),
            "list".into(),
        ],
        // Options a user may guess.
        vec![
            format!("--secret-access-key={VALUE}"),
            "secret".into(),
            "list".into(),
        ],
        vec![
            "--secret-access-key".into(),
            VALUE.into(),
            "secret".into(),
            "list".into(),
        ],
        vec![
            format!("--access-key-id={VALUE}"),
            "env".into(),
            "list".into(),
        ],
        vec!["export".into(), format!("--access-key-secret={VALUE}")],
        vec![
            "run".into(),
            "-e".into(),
            "dev".into(),
            format!("--token={VALUE}"),
            "--".into(),
            "true".into(),
        ],
    ]
    .into_iter()
    .collect();
    for args in forms {
        let out = assert_cmd::Command::new(LOCKER)
            .env_clear()
            .args(&args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("error:"))
            .get_output()
            .clone();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains(VALUE), "{args:?}: {stderr}");
        assert!(
            !String::from_utf8_lossy(&out.stdout).contains(VALUE),
            "{args:?}"
        );
    }
}

#[test]
fn a_refused_or_malformed_key_is_never_printed() {
    let p = Project::new();
    // Through standard input: a wrong key, and text that is no key at all.
    let wrong = p.key.secret_access_key.chars().rev().collect::<String>();
    for key in [wrong.as_str(), VALUE] {
        let out = p
            .locker(&["secret", "list", "--secret-access-key-stdin"])
            .write_stdin(format!("{key}\n"))
            .assert()
            .failure()
            .get_output()
            .clone();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.is_empty());
        assert!(!stderr.contains(key), "{stderr}");
    }
    // Through the environment.
    let out = p
        .locker(&["secret", "list"])
        .env("LOCKER_SECRET_ACCESS_KEY", VALUE)
        .assert()
        .failure()
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.is_empty() && !stderr.contains(VALUE), "{stderr}");
}
