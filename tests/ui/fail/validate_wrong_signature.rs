use locker_config::LockerConfig;

fn positive(n: u32) -> bool {
    n > 0
}

fn whole(config: &Config) -> Option<String> {
    let _ = config;
    None
}

#[derive(LockerConfig)]
#[locker(validate = whole)]
struct Config {
    #[locker(validate = positive)]
    workers: u32,
}

fn main() {}
