use locker_config::LockerConfig;

// `json` needs a type that implements `serde::Deserialize`.
struct Limits {
    max: u32,
}

#[derive(LockerConfig)]
struct Config {
    #[locker(json)]
    limits: Limits,
}

fn main() {}
