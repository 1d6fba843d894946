//! `locker secret list | get | set` and `locker env …` against a real server: output, exit
//! codes, request counts.

mod common;

use common::Project;
use predicates::prelude::*;

#[test]
fn set_creates_with_one_write_and_never_echoes_the_value() {
    let p = Project::new();
    p.seed(&["dev"], &[]);
    p.server.clear_request_log();
    p.locker(&[
        "secret",
        "set",
        "DATABASE_URL",
        "postgres://u:hunter2@db/app",
        "--env",
        "dev",
    ])
    .assert()
    .success()
    .stdout("")
    .stderr(predicate::str::contains("created DATABASE_URL in dev"))
    .stderr(predicate::str::contains("hunter2").not());
    assert_eq!(p.writes(), 1, "{:?}", p.server.request_log());
    assert_eq!(p.count("POST", "/v1/secrets"), 1);
    assert_eq!(
        p.value(Some("dev"), "DATABASE_URL").as_deref(),
        Some("postgres://u:hunter2@db/app")
    );
}

#[test]
fn set_updates_an_existing_secret_and_takes_the_value_from_stdin() {
    let p = Project::new();
    p.seed(
        &["dev"],
        &[(Some("dev"), "TOKEN", "old"), (None, "TOKEN", "shared")],
    );
    p.locker(&[
        "secret",
        "set",
        "TOKEN",
        "--stdin",
        "--env",
        "dev",
        "--description",
        "api",
    ])
    .write_stdin("new-token\n")
    .assert()
    .success()
    .stdout("")
    .stderr(predicate::str::contains("updated TOKEN in dev"))
    .stderr(predicate::str::contains("new-token").not());
    assert_eq!(p.value(Some("dev"), "TOKEN").as_deref(), Some("new-token"));
    assert_eq!(
        p.value(None, "TOKEN").as_deref(),
        Some("shared"),
        "All is untouched"
    );
    let rec = p
        .secrets()
        .into_iter()
        .find(|s| s.environment_name.as_deref() == Some("dev"))
        .unwrap();
    assert_eq!(rec.description.as_deref(), Some("api"));
    assert_eq!(p.count("PUT", "/v1/secrets/"), 1);

    // Without --env: "All".
    p.locker(&["secret", "set", "TOKEN", "shared-2"])
        .assert()
        .success()
        .stderr(predicate::str::contains("updated TOKEN in \"All\""));
    assert_eq!(p.value(None, "TOKEN").as_deref(), Some("shared-2"));
}

#[test]
fn set_needs_a_value_and_an_existing_environment() {
    let p = Project::new();
    p.locker(&["secret", "set", "K"]).assert().code(2);
    p.locker(&["secret", "set", "K", "v", "--env", "nope"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("nope"));
    p.locker(&["secret", "set", "", "v"]).assert().code(2);
    assert_eq!(p.writes(), 0);
}

#[test]
fn get_prints_the_raw_value_with_the_all_fallback() {
    let p = Project::new();
    p.seed(
        &["dev"],
        &[
            (Some("dev"), "URL", "dev-url"),
            (None, "URL", "all-url"),
            (None, "PORT", "8080"),
        ],
    );
    p.locker(&["secret", "get", "URL", "--env", "dev"])
        .assert()
        .success()
        .stdout("dev-url");
    p.locker(&["secret", "get", "PORT", "--env", "dev"])
        .assert()
        .success()
        .stdout("8080");
    p.locker(&["secret", "get", "URL"])
        .assert()
        .success()
        .stdout("all-url");
    p.locker(&["secret", "get", "MISSING", "--env", "dev"])
        .assert()
        .code(4)
        .stdout("")
        .stderr(predicate::str::contains("MISSING"));
    p.locker(&[
        "secret",
        "get",
        "MISSING",
        "--env",
        "dev",
        "--default",
        "fallback",
    ])
    .assert()
    .success()
    .stdout("fallback");
}

#[test]
fn list_hides_values_unless_revealed() {
    let p = Project::new();
    p.seed(
        &["dev", "prod"],
        &[(Some("dev"), "A", "dev-secret-a"), (None, "B", "shared-b")],
    );
    p.client()
        .create(
            locker_config::NewSecret::new("C", "prod-c")
                .environment("prod")
                .description("the c"),
        )
        .unwrap();

    let out = p
        .locker(&["secret", "list"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    let lines: Vec<Vec<&str>> = out.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert_eq!(lines[0][..2], ["A", "dev"]);
    assert_eq!(lines[1][..2], ["B", "All"]);
    assert_eq!(lines[2][..3], ["C", "prod", "the c"]);
    assert!(lines.iter().all(|l| l.len() == 4), "{out}");
    assert!(
        !out.contains("secret-a") && !out.contains("shared-b"),
        "{out}"
    );

    p.locker(&["secret", "list", "--env", "dev", "--reveal"])
        .assert()
        .success()
        .stdout(predicate::str::contains("A\tdev\t\t"))
        .stdout(predicate::str::ends_with("\tdev-secret-a\n"))
        .stdout(predicate::str::contains("shared-b").not());

    let json = p
        .locker(&["secret", "list", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let json: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 3);
    assert_eq!(json[1]["key"], "B");
    assert!(json[1]["environment"].is_null());
    assert!(json[0].get("value").is_none(), "{json}");
    let json = p
        .locker(&["secret", "list", "--json", "--reveal"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let json: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(json[0]["value"], "dev-secret-a");

    p.locker(&["secret", "list", "--env", "nope"])
        .assert()
        .code(4);
}

#[test]
fn environments_are_listed_created_and_updated() {
    let p = Project::new();
    p.locker(&[
        "env",
        "create",
        "staging",
        "--url",
        "https://staging.example.com",
    ])
    .assert()
    .success()
    .stderr(predicate::str::contains("created environment staging"));
    p.locker(&["env", "create", "staging"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("already exists"));
    p.locker(&["env", "create", "dev", "--description", "laptops"])
        .assert()
        .success();
    p.locker(&["env", "list"])
        .assert()
        .success()
        .stdout("dev\t\tlaptops\nstaging\thttps://staging.example.com\t\n");
    p.locker(&[
        "env",
        "update",
        "staging",
        "--url",
        "https://s2.example.com",
    ])
    .assert()
    .success();
    p.locker(&["env", "update", "dev", "--name", "development"])
        .assert()
        .success();
    let json = p
        .locker(&["env", "list", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let json: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(json[0]["name"], "development");
    assert_eq!(json[1]["url"], "https://s2.example.com");
    p.locker(&["env", "update", "nope", "--url", "x"])
        .assert()
        .code(4);
    p.locker(&["env", "update", "staging"]).assert().code(2);
}

#[test]
fn credentials_and_permissions_exit_with_3() {
    let p = Project::new();
    p.seed(&["dev"], &[]);
    // No credentials at all.
    p.locker(&["secret", "list"])
        .env_remove("LOCKER_ACCESS_KEY_ID")
        .env_remove("LOCKER_SECRET_ACCESS_KEY")
        .assert()
        .code(3)
        .stderr(predicate::str::contains("LOCKER_ACCESS_KEY_ID"));
    // An unknown access key id.
    p.locker(&["secret", "list"])
        .env(
            "LOCKER_ACCESS_KEY_ID",
            "00000000-0000-4000-8000-000000000000",
        )
        .assert()
        .code(3);
    // A read-only key cannot write.
    let ro = p.server.create_access_key(&p.key, true).unwrap();
    p.locker(&["secret", "set", "K", "v", "--env", "dev"])
        .env("LOCKER_ACCESS_KEY_ID", &ro.access_key_id)
        .env("LOCKER_SECRET_ACCESS_KEY", &ro.secret_access_key)
        .assert()
        .code(3);
    // Errors are one line on stderr.
    let out = p
        .locker(&["secret", "list"])
        .env(
            "LOCKER_ACCESS_KEY_ID",
            "00000000-0000-4000-8000-000000000000",
        )
        .assert()
        .get_output()
        .stderr
        .clone();
    assert_eq!(String::from_utf8(out).unwrap().lines().count(), 1);
}

#[test]
fn the_secret_access_key_can_come_from_stdin_or_the_credential_file() {
    let p = Project::new();
    p.seed(&[], &[(None, "K", "v")]);
    p.locker(&["secret", "get", "K", "--secret-access-key-stdin"])
        .env_remove("LOCKER_SECRET_ACCESS_KEY")
        .write_stdin(format!("{}\n", p.key.secret_access_key))
        .assert()
        .success()
        .stdout("v");
    // Standard input cannot carry both the key and a value.
    p.locker(&["secret", "set", "K", "--stdin", "--secret-access-key-stdin"])
        .write_stdin("x")
        .assert()
        .code(2);

    let dir = p.home.path().join(".locker");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("credential.json"),
        serde_json::json!({
            "access_key_id": p.key.access_key_id,
            "secret_access_key": p.key.secret_access_key,
        })
        .to_string(),
    )
    .unwrap();
    p.locker(&["secret", "get", "K"])
        .env_remove("LOCKER_ACCESS_KEY_ID")
        .env_remove("LOCKER_SECRET_ACCESS_KEY")
        .assert()
        .success()
        .stdout("v");
}

#[test]
fn every_help_has_examples_and_usage_errors_exit_with_2() {
    let p = Project::new();
    for args in [
        &["secret", "list"][..],
        &["secret", "get"],
        &["secret", "set"],
        &["env", "list"],
        &["env", "create"],
        &["env", "update"],
        &["import"],
        &["export"],
        &["run"],
        &["diff"],
    ] {
        let mut with_help = args.to_vec();
        with_help.push("--help");
        p.locker(&with_help)
            .assert()
            .success()
            .stdout(predicate::str::contains("Examples:\n  locker "));
    }
    p.locker(&["--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Exit codes"));
    p.locker(&["frobnicate"]).assert().code(2);
    p.locker(&["secret", "get"]).assert().code(2);
}

#[test]
fn a_terminal_gets_a_table() {
    let p = Project::new();
    p.seed(&["dev"], &[(Some("dev"), "A", "dev-secret-a")]);
    let Some(screen) = p.on_terminal(&["secret", "list"]) else {
        eprintln!("util-linux `script` is not installed; skipped");
        return;
    };
    assert!(
        screen.contains("KEY") && screen.contains("ENVIRONMENT"),
        "{screen}"
    );
    assert!(screen.contains('│') && screen.contains("A "), "{screen}");
    assert!(!screen.contains("dev-secret-a"), "{screen}");
    let screen = p
        .on_terminal(&["secret", "get", "A", "--env", "dev"])
        .unwrap();
    assert_eq!(screen.trim_end(), "dev-secret-a");
}
