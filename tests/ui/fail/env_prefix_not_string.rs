use locker_config::LockerConfig;

#[derive(LockerConfig)]
#[locker(env_prefix = MYAPP_)]
struct Config {
    port: u16,
}

fn main() {}
