use locker_config::LockerConfig;

#[derive(LockerConfig)]
struct Config {
    #[locker(default = 8080)]
    name: String,
    #[locker(default = true)]
    port: u16,
}

fn main() {}
