use locker_config::LockerConfig;

#[derive(LockerConfig)]
#[locker(rename_all = "SCREAMING_SNAKE_CASE")]
struct Config {
    port: u16,
}

fn main() {}
