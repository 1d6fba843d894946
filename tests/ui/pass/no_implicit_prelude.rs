#![no_implicit_prelude]

use ::locker_config::{LockerConfig, Secret};
use ::std::option::Option;
use ::std::string::String;
use ::std::time::Duration;
use ::std::vec::Vec;

fn parse_level(raw: &str) -> ::std::result::Result<u8, ::std::num::ParseIntError> {
    raw.parse()
}

fn nonzero(n: &u32) -> ::std::result::Result<(), &'static str> {
    if *n == 0 { ::std::result::Result::Err("zero") } else { ::std::result::Result::Ok(()) }
}

fn check_app(_: &AppConfig) -> ::std::result::Result<(), String> {
    ::std::result::Result::Ok(())
}

#[derive(LockerConfig)]
#[allow(dead_code)]
struct Db {
    url: Secret<String>,
    #[locker(default = 10, default_in(dev = 1, test = "2"))]
    pool_size: u32,
}

#[derive(LockerConfig)]
#[allow(dead_code)]
#[locker(validate = check_app, env_prefix = "APP_")]
struct AppConfig {
    #[locker(nested)]
    db: Db,
    #[locker(nested, prefix = "REPLICA_")]
    replica: Option<Db>,
    #[locker(required_in("prod"), alias = "SENTRY")]
    sentry_dsn: Option<Secret<String>>,
    #[locker(delimiter = ";", default = "a;b")]
    hosts: Vec<String>,
    #[locker(validate = nonzero, default = 1)]
    workers: u32,
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
    let _ = AppConfig::template(::locker_config::TemplateFormat::Markdown);
    let _ = AppConfig::check;
    let _ = AppConfig::from_values([("DATABASE_URL", "x")]);
    let _ = AppConfig::loader()
        .environment("prod")
        .override_value("HTTP_PORT", "0");
}
