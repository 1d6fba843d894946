#![no_implicit_prelude]

use ::locker_config::{LockerConfig, Secret};
use ::std::option::Option;
use ::std::string::String;
use ::std::time::Duration;
use ::std::vec::Vec;

fn parse_level(raw: &str) -> ::std::result::Result<u8, ::std::num::ParseIntError> {
    raw.parse()
}

#[derive(LockerConfig)]
#[allow(dead_code)]
struct AppConfig {
    /// Postgres connection string.
    database_url: Secret<String>,
    #[locker(key = "HTTP_PORT", default = 8080)]
    port: u16,
    #[locker(default = "30s")]
    request_timeout: Duration,
    redis_url: Option<String>,
    #[locker(default = "https://a.example,https://b.example")]
    allowed_origins: Vec<String>,
    #[locker(default)]
    verbose: bool,
    token: Option<Secret<String>>,
    ports: Option<Vec<u16>>,
    #[locker(with = parse_level, default = "3")]
    level: u8,
    #[locker(json)]
    extra: Option<Vec<u8>>,
}

fn main() {
    let _ = AppConfig::KEYS;
    let _ = AppConfig::from_values([("DATABASE_URL", "x")]);
    let _ = AppConfig::loader()
        .environment("prod")
        .override_value("HTTP_PORT", "0");
}
