//! Generated code uses absolute paths only: it compiles without the prelude.
#![no_implicit_prelude]

#[allow(unused_extern_crates)]
extern crate locker_config;
extern crate std;

use std::option::Option;
use std::string::String;
use std::time::Duration;
use std::vec::Vec;

use locker_config::{LockerConfig, Secret};

fn short(name: &str) -> std::result::Result<(), &'static str> {
    if name.len() < 10 {
        std::result::Result::Ok(())
    } else {
        std::result::Result::Err("too long")
    }
}

fn check_inner(_: &Inner) -> std::result::Result<(), String> {
    std::result::Result::Ok(())
}

/// A nested struct with every new rule.
#[derive(LockerConfig)]
#[allow(dead_code)]
#[locker(validate = check_inner)]
struct Inner {
    #[locker(default = "app", default_in(dev = "dev-app"), validate = short)]
    name: String,
    #[locker(default = 1, default_in(dev = 2, test = "3"))]
    level: u32,
    #[locker(required_in("prod"), alias = "OLD_TOKEN")]
    token: Option<String>,
    #[locker(delimiter = ";", default = "a;b")]
    hosts: Vec<String>,
}

/// Every field shape under `#![no_implicit_prelude]`.
#[derive(LockerConfig)]
#[allow(dead_code)]
#[locker(env_prefix = "NO_PRELUDE_")]
struct NoPrelude {
    database_url: Secret<String>,
    #[locker(key = "HTTP_PORT", default = 8080)]
    port: u16,
    #[locker(default = "30s")]
    timeout: Duration,
    redis_url: Option<String>,
    #[locker(default = "a,b")]
    origins: Vec<String>,
    #[locker(default)]
    verbose: bool,
    #[locker(json)]
    extra: Option<Vec<u8>>,
    #[locker(nested)]
    inner: Inner,
    #[locker(nested, prefix = "MORE_")]
    more: Option<Inner>,
}

#[test]
fn compiles_and_loads_without_the_prelude() {
    let cfg = NoPrelude::from_values([("DATABASE_URL", "x")]);
    std::assert!(cfg.is_ok());
    std::assert_eq!(NoPrelude::KEYS.len(), 15);
    std::assert_eq!(NoPrelude::KEYS[7], "INNER_NAME");
    std::assert_eq!(NoPrelude::ENV_PREFIX, Option::Some("NO_PRELUDE_"));
}
