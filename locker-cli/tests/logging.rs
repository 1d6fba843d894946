//! `LOCKER_LOG=debug`: every command logs its requests to stderr, and no value (nor the secret
//! access key) appears anywhere unless the command was asked to print it.

mod common;

use common::Project;

const VALUES: [&str; 4] = [
    "postgres://u:dev-hunter2@db/app",
    "sk_live_shared_hunter3",
    "imported-hunter4",
    "prod-hunter5",
];

#[test]
fn debug_logs_never_show_a_value_unless_asked() {
    let p = Project::new();
    p.seed(
        &["dev", "prod"],
        &[
            (None, "API_KEY", VALUES[1]),
            (Some("prod"), "DATABASE_URL", VALUES[3]),
        ],
    );
    std::fs::write(
        p.home.path().join(".env"),
        format!("IMPORTED=\"{}\"\n", VALUES[2]),
    )
    .unwrap();

    let commands: Vec<(Vec<&str>, Option<String>)> = vec![
        (
            vec!["secret", "set", "DATABASE_URL", "--stdin", "--env", "dev"],
            Some(VALUES[0].to_string()),
        ),
        (vec!["import", ".env", "--env", "dev"], None),
        (vec!["import", ".env", "--env", "dev", "--overwrite"], None),
        (vec!["secret", "list"], None),
        (vec!["secret", "list", "--json", "--env", "dev"], None),
        (vec!["env", "list"], None),
        (vec!["export", "--env", "dev", "-o", "dev.env"], None),
        (vec!["diff", "dev", "prod"], None),
        (vec!["run", "--env", "dev", "--", "true"], None),
    ];
    for (args, stdin) in commands {
        let mut cmd = p.locker(&args);
        cmd.env("LOCKER_LOG", "debug");
        if let Some(s) = stdin {
            cmd.write_stdin(s);
        }
        let out = cmd.assert().success().get_output().clone();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("locker api"),
            "{args:?} logs its requests: {stderr}"
        );
        for text in [&stdout, &stderr] {
            for value in VALUES {
                assert!(!text.contains(value), "{args:?} printed a value:\n{text}");
            }
            assert!(
                !text.contains(&p.key.secret_access_key),
                "{args:?} printed the key"
            );
        }
    }

    // Asked for: the value, and only on stdout.
    let out = p
        .locker(&["secret", "get", "DATABASE_URL", "--env", "prod"])
        .env("LOCKER_LOG", "debug")
        .assert()
        .success()
        .get_output()
        .clone();
    assert_eq!(out.stdout, VALUES[3].as_bytes());
    assert!(!String::from_utf8_lossy(&out.stderr).contains(VALUES[3]));
}
