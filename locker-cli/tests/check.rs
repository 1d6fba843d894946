//! `locker check --schema FILE --env E` against a real server, with the schema a derived config
//! writes (`TemplateFormat::Json`): each exit code, text and JSON output, `--strict`, the
//! requests it makes, and bad schema files. Never a value.

mod common;

use std::path::PathBuf;

use common::Project;
use locker_config::{LockerConfig, Secret, TemplateFormat};

#[derive(Debug, LockerConfig)]
#[allow(dead_code)]
struct AppConfig {
    #[locker(nested)]
    db: Db,
    /// The port to listen on.
    #[locker(default = 443, default_in(dev = 8080))]
    port: u16,
    #[locker(required_in("prod"))]
    sentry_dsn: Option<Secret<String>>,
    #[locker(alias = "REDIS_URI")]
    redis_url: Option<String>,
    name: String,
}

#[derive(Debug, LockerConfig)]
#[allow(dead_code)]
struct Db {
    /// Postgres connection string.
    url: Secret<String>,
    #[locker(default = 4)]
    pool_size: u32,
}

/// Values that must never show in the command's output.
const VALUES: [&str; 5] = [
    "postgres://typo-3141",
    "redis://alias-2718",
    "legacy-1618",
    "postgres://prod-1414",
    "sentry-1732",
];

/// Writes the schema of `AppConfig` (changed by `edit`) into the command's working directory.
fn write_schema(p: &Project, edit: impl FnOnce(&mut serde_json::Value)) -> &'static str {
    let mut schema: serde_json::Value =
        serde_json::from_str(&AppConfig::template(TemplateFormat::Json)).unwrap();
    edit(&mut schema);
    std::fs::write(
        p.home.path().join("app.schema.json"),
        serde_json::to_string_pretty(&schema).unwrap(),
    )
    .unwrap();
    "app.schema.json"
}

fn schema(p: &Project) -> &'static str {
    write_schema(p, |_| {})
}

/// Runs `locker ARGS`: exit code, stdout, stderr; asserts no value shows in either.
fn run(p: &Project, args: &[&str]) -> (i32, String, String) {
    let out = p.locker(args).output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    for value in VALUES {
        assert!(
            !stdout.contains(value) && !stderr.contains(value),
            "{value} leaked:\n{stdout}\n{stderr}"
        );
    }
    (out.status.code().unwrap(), stdout, stderr)
}

/// The requests the server served, as `METHOD /path`.
fn requests(p: &Project) -> Vec<String> {
    p.server
        .request_log()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

fn complete(p: &Project) {
    p.seed(
        &["prod"],
        &[
            (Some("prod"), "DB_URL", VALUES[3]),
            (Some("prod"), "SENTRY_DSN", VALUES[4]),
            (Some("prod"), "NAME", "app"),
            (Some("prod"), "PORT", "8443"),
        ],
    );
}

#[test]
fn a_complete_environment_passes_with_one_list_request() {
    let p = Project::new();
    complete(&p);
    let file = schema(&p);
    p.server.clear_request_log();
    let (code, stdout, stderr) = run(&p, &["check", "--schema", file, "--env", "prod"]);
    assert_eq!(
        (code, stdout.as_str(), stderr.as_str()),
        (0, "AppConfig in environment \"prod\": ok\n", "")
    );
    // The profile (the project key) and one list of the project's records: the environment
    // holds records of its own, so no lookup of it is needed.
    assert_eq!(requests(&p), ["GET /v1/profile", "GET /v1/secrets"]);

    p.server.clear_request_log();
    let (code, stdout, _) = run(&p, &["check", "--schema", file, "--env", "prod", "--json"]);
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "config": "AppConfig", "environment": "prod", "ok": true, "strict": false,
            "errors": [], "warnings": [],
        })
    );
    // Never more than the first run (a profile kept from an earlier run may spare one).
    let log = requests(&p);
    assert!(
        log.len() <= 2 && p.count("GET", "/v1/secrets") == 1,
        "{log:?}"
    );
}

#[test]
fn every_problem_fails_with_exit_1_and_never_a_value() {
    let p = Project::new();
    p.seed(
        &["prod"],
        &[
            (Some("prod"), "DB_ULR", VALUES[0]),
            (Some("prod"), "REDIS_URI", VALUES[1]),
            (Some("prod"), "NAME", ""),
            (Some("prod"), "LEGACY_FLAG", VALUES[2]),
            (None, "PORT", "9000"),
        ],
    );
    let file = schema(&p);
    let (code, stdout, stderr) = run(&p, &["check", "--schema", file, "--env", "prod"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert_eq!(stderr, "");
    assert_eq!(
        stdout,
        "AppConfig in environment \"prod\": failed: 3 errors, 4 warnings\n\
         error: db.url (DB_URL): missing: not set in environment \"prod\" nor in \"All\", and no default\n\
         error: sentry_dsn (SENTRY_DSN): missing: not set in environment \"prod\" nor in \"All\", and no default\n\
         error: name (NAME): empty value in environment \"prod\"\n\
         warning: DB_ULR: set in environment \"prod\" but no field reads it (did you mean DB_URL?)\n\
         warning: LEGACY_FLAG: set in environment \"prod\" but no field reads it\n\
         warning: port (PORT): set only in \"All\", not in environment \"prod\"\n\
         warning: redis_url (REDIS_URL): read from the deprecated key REDIS_URI; rename it to REDIS_URL\n"
    );

    let (code, stdout, _) = run(&p, &["check", "--schema", file, "--env", "prod", "--json"]);
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["ok"], false);
    let list = |name: &str| -> Vec<(String, String)> {
        json[name]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["kind"].as_str().unwrap().to_owned(),
                    f["key"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let pairs = |items: &[(&str, &str)]| -> Vec<(String, String)> {
        items
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    };
    assert_eq!(
        list("errors"),
        pairs(&[
            ("missing", "DB_URL"),
            ("required_in", "SENTRY_DSN"),
            ("empty_value", "NAME")
        ])
    );
    assert_eq!(
        list("warnings"),
        pairs(&[
            ("unused_key", "DB_ULR"),
            ("unused_key", "LEGACY_FLAG"),
            ("from_all_only", "PORT"),
            ("deprecated_alias", "REDIS_URL"),
        ])
    );
    assert_eq!(json["errors"][0]["field"], "db.url");
    assert_eq!(json["warnings"][0]["did_you_mean"], "DB_URL");
    assert_eq!(json["warnings"][0]["field"], serde_json::Value::Null);
    assert_eq!(json["warnings"][3]["alias"], "REDIS_URI");
}

#[test]
fn warnings_pass_unless_strict() {
    let p = Project::new();
    complete(&p);
    p.seed(&[], &[(Some("prod"), "DB_ULR", VALUES[0])]);
    let file = schema(&p);
    let (code, stdout, _) = run(&p, &["check", "--schema", file, "--env", "prod"]);
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(
        stdout,
        "AppConfig in environment \"prod\": ok, 1 warning\n\
         warning: DB_ULR: set in environment \"prod\" but no field reads it (did you mean DB_URL?)\n"
    );
    let (code, stdout, _) = run(
        &p,
        &["check", "--schema", file, "--env", "prod", "--strict"],
    );
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.starts_with("AppConfig in environment \"prod\": failed (--strict): 1 warning\n"),
        "{stdout}"
    );
    let (code, stdout, _) = run(
        &p,
        &[
            "check", "--schema", file, "-e", "prod", "--strict", "--json",
        ],
    );
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        (&json["ok"], &json["strict"]),
        (&false.into(), &true.into())
    );
    assert_eq!(json["errors"], serde_json::json!([]));
}

#[test]
fn the_environment_is_looked_up_only_when_it_holds_no_record() {
    let p = Project::new();
    p.seed(&["empty"], &[(None, "NAME", "app")]);
    let file = schema(&p);
    p.server.clear_request_log();
    let (code, stdout, _) = run(&p, &["check", "--schema", file, "--env", "empty"]);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("error: db.url (DB_URL): missing"),
        "{stdout}"
    );
    assert!(
        stdout.contains("warning: name (NAME): set only in \"All\""),
        "{stdout}"
    );
    // The profile, the list, and the lookup of the environment by its name hash.
    assert_eq!(
        requests(&p),
        ["GET /v1/profile", "GET /v1/secrets", "GET /v1/environments"]
    );

    p.server.clear_request_log();
    let (code, stdout, stderr) = run(&p, &["check", "--schema", file, "--env", "nowhere"]);
    assert_eq!((code, stdout.as_str()), (4, ""));
    assert_eq!(
        stderr,
        "locker: not found: environment \"nowhere\" does not exist in this Locker project\n"
    );
    // An unknown environment: after the lookup by name hash finds none, the environments
    // created without a hash (by older clients) are listed once before it is called unknown.
    let log = requests(&p);
    assert!(log.len() <= 4, "{log:?}");
    assert_eq!(p.count("GET", "/v1/secrets"), 1, "{log:?}");
    assert_eq!(p.count("GET", "/v1/environments"), 2, "{log:?}");
}

#[test]
fn refused_credentials_exit_3() {
    let p = Project::new();
    complete(&p);
    let file = schema(&p);
    let out = p
        .locker(&["check", "--schema", file, "--env", "prod"])
        .env("LOCKER_ACCESS_KEY_ID", "no-such-key")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    assert!(out.stdout.is_empty());
}

#[test]
fn a_bad_schema_is_a_usage_error_before_any_request() {
    let p = Project::new();
    complete(&p);
    let home = p.home.path();
    std::fs::create_dir(home.join("a-directory")).unwrap();
    std::fs::write(home.join("not.json"), "KEY=value\n").unwrap();
    std::fs::write(home.join("big.json"), " ".repeat((1 << 20) + 1)).unwrap();
    let fifo = home.join("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());

    let mut cases: Vec<(PathBuf, String)> = vec![
        (
            "a-directory".into(),
            "a-directory: is not a regular file".into(),
        ),
        ("fifo".into(), "fifo: is not a regular file".into()),
        ("/dev/null".into(), "/dev/null: is not a regular file".into()),
        ("absent.json".into(), "absent.json: cannot be read: ".into()),
        (
            "big.json".into(),
            "big.json: is 1048577 bytes, more than the 1048576 a schema may have".into(),
        ),
        (
            "not.json".into(),
            "not.json: invalid input: not a locker-config schema: expected value at line 1 column 1"
                .into(),
        ),
    ];
    type Edit = Box<dyn FnOnce(&mut serde_json::Value)>;
    let edits: Vec<(&str, Edit, &str)> = vec![
        (
            "future",
            Box::new(|s| s["format"] = 2.into()),
            "format 2 is newer than this version reads (format 1)",
        ),
        (
            "no-format",
            Box::new(|s| {
                s.as_object_mut().unwrap().remove("format");
            }),
            "missing field `format`",
        ),
        (
            "no-doc",
            Box::new(|s| {
                s["keys"][3].as_object_mut().unwrap().remove("doc");
            }),
            "keys[3]: missing field `doc`",
        ),
        (
            "wrong-type",
            Box::new(|s| s["keys"][0]["required"] = "yes".into()),
            "keys[0].required: invalid type: string \"yes\", expected a boolean",
        ),
        (
            "contradiction",
            Box::new(|s| s["keys"][0]["default"] = "postgres://default".into()),
            "keys[0] (\"DB_URL\"): `required` is true but `default` is set",
        ),
    ];
    for (name, edit, expected) in edits {
        write_schema(&p, edit);
        let path = format!("{name}.json");
        std::fs::rename(home.join("app.schema.json"), home.join(&path)).unwrap();
        cases.push((path.into(), expected.to_owned()));
    }

    p.server.clear_request_log();
    for (path, expected) in cases {
        let path = path.to_str().unwrap();
        let (code, stdout, stderr) = run(&p, &["check", "--schema", path, "--env", "prod"]);
        assert_eq!((code, stdout.as_str()), (2, ""), "{path}: {stderr}");
        assert!(
            stderr.starts_with(&format!("locker: --schema {path}: ")) && stderr.contains(&expected),
            "{path}: {stderr}\nexpected: {expected}"
        );
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
    assert_eq!(requests(&p), Vec::<String>::new());
}
