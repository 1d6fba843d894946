use locker_config::LockerConfig;

#[derive(LockerConfig)]
struct Config {
    #[locker(alias = "REDIS_URL")]
    redis_url: String,
    #[locker(key = "HTTP_PORT")]
    port: u16,
    #[locker(alias = "HTTP_PORT", alias = "OLD", alias = "OLD")]
    legacy_port: u16,
}

fn main() {}
