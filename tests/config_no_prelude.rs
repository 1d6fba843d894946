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

/// Every field shape under `#![no_implicit_prelude]`.
#[derive(LockerConfig)]
#[allow(dead_code)]
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
}

#[test]
fn compiles_and_loads_without_the_prelude() {
    let cfg = NoPrelude::from_values([("DATABASE_URL", "x")]);
    std::assert!(cfg.is_ok());
    std::assert_eq!(NoPrelude::KEYS.len(), 7);
}
