use locker_config::LockerConfig;

#[derive(LockerConfig)]
struct Config {
    #[locker(key = HTTP_PORT)]
    port: u16,
    #[locker(key = 8080)]
    other: u16,
}

fn main() {}
