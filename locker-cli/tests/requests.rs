//! Requests per `locker secret` command, from the server's request log: each command takes the
//! fewest the protocol allows. The profile is counted apart: a cold process fetches it once,
//! and none when a cache holds it.

mod common;

use common::Project;

fn seeded() -> Project {
    let p = Project::new();
    p.seed(
        &["prod", "staging"],
        &[
            (Some("prod"), "DATABASE_URL", "postgres://db/prod"),
            (Some("staging"), "DATABASE_URL", "postgres://db/staging"),
            (None, "LOG_LEVEL", "info"),
        ],
    );
    p
}

/// Runs `locker ARGS` (which must succeed) and returns the requests it sent besides the
/// profile, as `METHOD path` in order; asserts the profile was fetched at most once.
fn requests(p: &Project, args: &[&str]) -> Vec<String> {
    p.server.clear_request_log();
    p.locker(args).assert().success();
    let log = p.server.request_log();
    let profiles = log.iter().filter(|r| r.path == "/v1/profile").count();
    assert!(profiles <= 1, "{args:?}: {log:?}");
    let sent: Vec<String> = log
        .iter()
        .filter(|r| r.path != "/v1/profile")
        .map(|r| {
            let path = if r.path.starts_with("/v1/secrets/") {
                "/v1/secrets/{id}"
            } else {
                r.path.as_str()
            };
            format!("{} {path}", r.method)
        })
        .collect();
    println!("{args:?}: {} + {profiles} profile", sent.len());
    sent
}

#[test]
fn secret_set_of_an_existing_key_is_a_lookup_and_a_put() {
    let p = seeded();
    for args in [
        &[
            "secret",
            "set",
            "DATABASE_URL",
            "postgres://db/new",
            "--env",
            "prod",
        ][..],
        &["secret", "set", "LOG_LEVEL", "debug"],
    ] {
        assert_eq!(
            requests(&p, args),
            ["GET /v1/secrets", "PUT /v1/secrets/{id}"],
            "{args:?}"
        );
    }
    assert_eq!(
        p.value(Some("prod"), "DATABASE_URL").as_deref(),
        Some("postgres://db/new")
    );
    assert_eq!(p.value(None, "LOG_LEVEL").as_deref(), Some("debug"));
    assert_eq!(
        p.value(Some("staging"), "DATABASE_URL").as_deref(),
        Some("postgres://db/staging")
    );
}

#[test]
fn secret_set_of_a_new_key_is_a_lookup_the_environment_and_a_post() {
    let p = seeded();
    assert_eq!(
        requests(&p, &["secret", "set", "API_TOKEN", "t", "--env", "prod"]),
        [
            "GET /v1/secrets",
            "GET /v1/environments",
            "POST /v1/secrets"
        ]
    );
    // In "All" there is no environment to look up.
    assert_eq!(
        requests(&p, &["secret", "set", "REGION", "eu"]),
        ["GET /v1/secrets", "POST /v1/secrets"]
    );
    // A key that exists only in another environment is new in this one.
    assert_eq!(
        requests(&p, &["secret", "set", "API_TOKEN", "s", "--env", "staging"]),
        [
            "GET /v1/secrets",
            "GET /v1/environments",
            "POST /v1/secrets"
        ]
    );
    assert_eq!(p.value(Some("prod"), "API_TOKEN").as_deref(), Some("t"));
    assert_eq!(p.value(Some("staging"), "API_TOKEN").as_deref(), Some("s"));
    assert_eq!(p.value(None, "REGION").as_deref(), Some("eu"));
}

#[test]
fn secret_get_is_one_lookup() {
    let p = seeded();
    for args in [
        &["secret", "get", "DATABASE_URL", "--env", "prod"][..],
        // The "All" fallback comes from the same lookup.
        &["secret", "get", "LOG_LEVEL", "--env", "prod"],
        &["secret", "get", "LOG_LEVEL"],
        &[
            "secret",
            "get",
            "MISSING",
            "--env",
            "prod",
            "--default",
            "x",
        ],
    ] {
        assert_eq!(requests(&p, args), ["GET /v1/secrets"], "{args:?}");
    }
}
