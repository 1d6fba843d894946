use locker_config::LockerConfig;

#[derive(LockerConfig)]
struct Config {
    #[locker(key = "HTTP_PORT", key = "PORT")]
    port: u16,
    #[locker(default = 1)]
    #[locker(default = 2)]
    workers: u16,
}

fn main() {}
