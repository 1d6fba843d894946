use locker_config::LockerConfig;

#[derive(LockerConfig)]
struct Config {
    #[locker(env_prefix = "MYAPP_")]
    port: u16,
}

fn main() {}
