use locker_config::LockerConfig;

#[derive(LockerConfig)]
struct Config {
    #[locker(default = "redis://localhost")]
    redis_url: Option<String>,
}

fn main() {}
