use locker_config::LockerConfig;

#[derive(LockerConfig)]
struct Config {
    http_port: u16,
    #[locker(key = "HTTP_PORT")]
    port: u16,
}

fn main() {}
