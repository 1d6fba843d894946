//! Requests per `locker secret` command, from the server's request log: each command takes the
//! fewest the protocol allows. The profile is counted apart: a process fetches it once when no
//! cache holds it (the first command, `--no-cache`), and none when the cache directory an
//! earlier command left holds it (`LOCKER_CACHE_DIR`, a temporary directory here).

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

/// Runs `locker ARGS` (which must succeed) and returns every request it sent, profile
/// included, as `METHOD path` in order.
fn all_requests(p: &Project, args: &[&str]) -> Vec<String> {
    p.server.clear_request_log();
    p.locker(args).assert().success();
    p.server
        .request_log()
        .iter()
        .map(|r| {
            let path = if r.path.starts_with("/v1/secrets/") {
                "/v1/secrets/{id}"
            } else {
                r.path.as_str()
            };
            format!("{} {path}", r.method)
        })
        .collect()
}

/// Removes the cached profile (and anything else in the cache directory): the next command is
/// a cold one.
fn cold(p: &Project) {
    let _ = std::fs::remove_dir_all(p.cache_dir());
}

#[test]
fn with_the_profile_in_the_cache_a_command_sends_no_profile_request() {
    let p = seeded();
    let set_existing = [
        "secret",
        "set",
        "DATABASE_URL",
        "postgres://db/new",
        "--env",
        "prod",
    ];
    let set_new = ["secret", "set", "API_TOKEN", "t", "--env", "prod"];
    let get = ["secret", "get", "DATABASE_URL", "--env", "prod"];

    // Cold (no cache yet): the profile, then the command's own requests; the profile is kept.
    cold(&p);
    let sent = all_requests(&p, &set_existing);
    println!("secret set (existing key), cold: {} {sent:?}", sent.len());
    assert_eq!(
        sent,
        ["GET /v1/profile", "GET /v1/secrets", "PUT /v1/secrets/{id}"]
    );
    // Warm: the lookup and the PUT only.
    let sent = all_requests(&p, &set_existing);
    println!("secret set (existing key), warm: {} {sent:?}", sent.len());
    assert_eq!(sent, ["GET /v1/secrets", "PUT /v1/secrets/{id}"]);

    cold(&p);
    assert_eq!(
        all_requests(&p, &set_new),
        [
            "GET /v1/profile",
            "GET /v1/secrets",
            "GET /v1/environments",
            "POST /v1/secrets"
        ]
    );
    assert_eq!(
        all_requests(&p, &["secret", "set", "API_TOKEN", "s", "--env", "staging"]),
        [
            "GET /v1/secrets",
            "GET /v1/environments",
            "POST /v1/secrets"
        ]
    );

    cold(&p);
    assert_eq!(
        all_requests(&p, &get),
        ["GET /v1/profile", "GET /v1/secrets"]
    );
    assert_eq!(all_requests(&p, &get), ["GET /v1/secrets"]);
    // A key found nowhere needs no profile either: the lookup is by hash.
    assert_eq!(
        all_requests(&p, &["secret", "get", "NOPE", "--default", "x"]),
        ["GET /v1/secrets"]
    );

    // A key new in "All": no record or environment checks the cached key before the write, so
    // the profile is fetched first (the lookup by hash stands).
    assert_eq!(
        all_requests(&p, &["secret", "set", "REGION", "eu"]),
        ["GET /v1/secrets", "GET /v1/profile", "POST /v1/secrets"]
    );

    // Lists too: what they decrypt checks the cached key.
    for args in [
        &["secret", "list", "--env", "prod"][..],
        &["secret", "list"],
        &["export", "--env", "prod"],
    ] {
        let sent = all_requests(&p, args);
        assert!(
            !sent.iter().any(|r| r == "GET /v1/profile"),
            "{args:?}: {sent:?}"
        );
    }

    // --no-cache: the profile every time, and no cache read or written.
    cold(&p);
    for _ in 0..2 {
        assert_eq!(
            all_requests(
                &p,
                &[
                    "--no-cache",
                    "secret",
                    "get",
                    "DATABASE_URL",
                    "--env",
                    "prod"
                ]
            ),
            ["GET /v1/profile", "GET /v1/secrets"]
        );
    }
    assert!(!p.cache_dir().exists());

    assert_eq!(
        p.value(Some("prod"), "DATABASE_URL").as_deref(),
        Some("postgres://db/new")
    );
    assert_eq!(p.value(Some("prod"), "API_TOKEN").as_deref(), Some("t"));
    assert_eq!(p.value(Some("staging"), "API_TOKEN").as_deref(), Some("s"));
    assert_eq!(p.value(None, "REGION").as_deref(), Some("eu"));
}

#[test]
fn a_corrupt_cached_profile_a_fifo_in_its_place_or_a_loose_cache_directory_is_not_used() {
    use std::os::unix::fs::PermissionsExt as _;
    let p = seeded();
    let get = ["secret", "get", "DATABASE_URL", "--env", "prod"];
    all_requests(&p, &get);
    let profile = std::fs::read_dir(p.cache_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|f| f.extension().is_some_and(|x| x == "profile"))
        .expect("the profile kept");

    // Garbage in its place: ignored, fetched again, replaced.
    std::fs::write(&profile, b"{\"format\":1,\"sealed\":\"2.x|y|z\"}").unwrap();
    assert_eq!(
        all_requests(&p, &get),
        ["GET /v1/profile", "GET /v1/secrets"]
    );
    assert_eq!(all_requests(&p, &get), ["GET /v1/secrets"]);
    let out = p.locker(&get).assert().success();
    assert_eq!(
        String::from_utf8_lossy(&out.get_output().stdout),
        "postgres://db/prod"
    );

    // A FIFO in its place: no hang (the command has a liveness bound), fetched again.
    std::fs::remove_file(&profile).unwrap();
    nix::unistd::mkfifo(&profile, nix::sys::stat::Mode::S_IRWXU).unwrap();
    assert_eq!(
        all_requests(&p, &get),
        ["GET /v1/profile", "GET /v1/secrets"]
    );

    // A cache directory others can write to: not used.
    std::fs::set_permissions(p.cache_dir(), std::fs::Permissions::from_mode(0o777)).unwrap();
    for _ in 0..2 {
        assert_eq!(
            all_requests(&p, &get),
            ["GET /v1/profile", "GET /v1/secrets"]
        );
    }
}
