use locker_config::LockerConfig;

#[derive(LockerConfig)]
#[locker(env_prefix = "MYAPP_")]
#[locker(env_prefix = "OTHER_")]
struct Config {
    port: u16,
}

fn main() {}
