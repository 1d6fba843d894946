//! A record written with the bearer token alone (no project key) against a real server: every
//! reader fails closed naming the record by id and the repair; every write repairs it, since a
//! write never needs the old value; `secret list` shows what it can and exits 1.

mod common;

use std::io::{Read as _, Write as _};

use common::Project;
use predicates::prelude::*;

const ATTACKER: &str = "postgres://attacker/steal";

/// `PUT /v1/secrets/{id}` with `body`, sent with only the bearer token (the access key id), as
/// anyone who holds nothing else could: a plain HTTP/1.1 request over TCP.
fn bearer_only_put(p: &Project, id: &str, body: &serde_json::Value) {
    let base = p.server.base_url();
    let host = base.trim_start_matches("http://").trim_end_matches('/');
    let body = body.to_string();
    let request = format!(
        "PUT /v1/secrets/{id} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        p.key.access_key_id,
        body.len()
    );
    let mut conn = std::net::TcpStream::connect(host).expect("the server accepts");
    conn.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    conn.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

/// prod and staging with DATABASE_URL each, HTTP_PORT in "All"; returns the id of prod's
/// DATABASE_URL.
fn seeded() -> (Project, String) {
    let p = Project::new();
    p.seed(
        &["prod", "staging"],
        &[
            (Some("prod"), "DATABASE_URL", "postgres://db/prod"),
            (Some("staging"), "DATABASE_URL", "postgres://db/staging"),
            (None, "HTTP_PORT", "9000"),
        ],
    );
    let id = p
        .secrets()
        .into_iter()
        .find(|s| s.key == "DATABASE_URL" && s.environment_name.as_deref() == Some("prod"))
        .unwrap()
        .id;
    (p, id)
}

const REPAIR: &str = "`locker secret set DATABASE_URL VALUE --env prod`";

#[test]
fn readers_fail_closed_naming_the_record_and_the_repair() {
    let (p, id) = seeded();
    bearer_only_put(&p, &id, &serde_json::json!({"value": ATTACKER}));
    for args in [
        &["export", "--env", "prod"][..],
        &["run", "--env", "prod", "--", "true"],
        &["diff", "staging", "prod"],
        &["secret", "get", "DATABASE_URL", "--env", "prod"],
    ] {
        p.locker(args)
            .assert()
            .code(1)
            .stdout(predicate::str::contains(ATTACKER).not())
            .stderr(predicate::str::contains(id.as_str()))
            .stderr(predicate::str::contains(REPAIR))
            .stderr(predicate::str::contains(ATTACKER).not());
    }
}

#[test]
fn secret_list_shows_what_it_can_and_marks_the_broken_record_by_id() {
    let (p, id) = seeded();
    bearer_only_put(&p, &id, &serde_json::json!({"value": ATTACKER}));
    p.locker(&["secret", "list", "--reveal"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("HTTP_PORT\tAll"))
        .stdout(predicate::str::contains("postgres://db/staging"))
        .stdout(predicate::str::contains(format!(
            "DATABASE_URL\tprod\tBROKEN: record {id} cannot be decrypted"
        )))
        .stdout(predicate::str::contains(ATTACKER).not())
        .stderr(predicate::str::contains(format!(
            "locker: record {id}: decryption error"
        )))
        .stderr(predicate::str::contains(REPAIR))
        .stderr(predicate::str::contains("1 record(s) cannot be decrypted"));
    let out = p
        .locker(&["secret", "list", "--json"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let items: Vec<serde_json::Value> = serde_json::from_slice(&out).unwrap();
    assert_eq!(items.len(), 3);
    let broken: Vec<_> = items.iter().filter(|i| i["broken"] == true).collect();
    assert_eq!(broken.len(), 1);
    assert_eq!(broken[0]["id"], id.as_str());
    assert_eq!(broken[0]["key"], "DATABASE_URL");
}

#[test]
fn secret_set_repairs_it_with_one_lookup_and_one_put() {
    let (p, id) = seeded();
    bearer_only_put(
        &p,
        &id,
        &serde_json::json!({"value": ATTACKER, "description": ATTACKER}),
    );
    p.server.clear_request_log();
    p.locker(&[
        "secret",
        "set",
        "DATABASE_URL",
        "postgres://db/new",
        "--env",
        "prod",
    ])
    .assert()
    .success()
    .stderr(predicate::str::contains("updated DATABASE_URL in prod"));
    assert_eq!(p.count("PUT", &format!("/v1/secrets/{id}")), 1);
    assert_eq!(p.count("POST", "/"), 0, "{:?}", p.server.request_log());
    assert_eq!(p.count("GET", "/v1/secrets"), 1);
    assert_eq!(p.count("GET", "/v1/environments"), 0);
    assert_eq!(
        p.value(Some("prod"), "DATABASE_URL").as_deref(),
        Some("postgres://db/new")
    );
    p.locker(&["secret", "list"]).assert().success();
    p.locker(&["export", "--env", "prod"]).assert().success();
}

#[test]
fn import_overwrite_repairs_it_and_without_overwrite_skips_it() {
    let (p, id) = seeded();
    bearer_only_put(&p, &id, &serde_json::json!({"value": ATTACKER}));
    std::fs::write(
        p.home.path().join(".env"),
        "DATABASE_URL=postgres://db/imported\n",
    )
    .unwrap();
    p.locker(&["import", ".env", "--env", "prod"])
        .assert()
        .success()
        .stdout(predicate::str::contains("1 skipped"))
        .stderr(predicate::str::contains(id.as_str()));
    p.locker(&["import", ".env", "--env", "prod", "--overwrite"])
        .assert()
        .success()
        .stdout(predicate::str::contains("1 updated"));
    assert_eq!(
        p.value(Some("prod"), "DATABASE_URL").as_deref(),
        Some("postgres://db/imported")
    );
    p.locker(&["diff", "staging", "prod"]).assert().success();
}

#[test]
fn a_record_whose_key_cannot_be_decrypted_is_overwritten_by_id() {
    let (p, id) = seeded();
    bearer_only_put(
        &p,
        &id,
        &serde_json::json!({"key": "DATABASE_URL", "value": ATTACKER}),
    );
    let by_id = format!("`locker secret set --id {id} KEY VALUE`");
    for args in [
        &["secret", "set", "DATABASE_URL", "v", "--env", "prod"][..],
        &["export", "--env", "prod"],
    ] {
        p.locker(args)
            .assert()
            .code(1)
            .stderr(predicate::str::contains(by_id.as_str()));
    }
    p.locker(&["secret", "list"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(format!(
            "?\tprod\tBROKEN: record {id} cannot be decrypted"
        )))
        .stderr(predicate::str::contains(by_id.as_str()));
    // --id and --env do not go together: the record stays in its environment.
    p.locker(&[
        "secret",
        "set",
        "--id",
        &id,
        "DATABASE_URL",
        "v",
        "--env",
        "prod",
    ])
    .assert()
    .code(2);
    p.server.clear_request_log();
    p.locker(&[
        "secret",
        "set",
        "--id",
        &id,
        "DATABASE_URL",
        "postgres://db/repaired",
    ])
    .assert()
    .success()
    .stderr(predicate::str::contains(format!(
        "overwrote record {id} with DATABASE_URL in prod"
    )));
    assert_eq!(p.count("PUT", &format!("/v1/secrets/{id}")), 1);
    assert_eq!(p.count("GET", "/v1/secrets"), 0);
    assert_eq!(
        p.value(Some("prod"), "DATABASE_URL").as_deref(),
        Some("postgres://db/repaired")
    );
    p.locker(&["secret", "list"]).assert().success();
}
