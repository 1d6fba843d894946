use locker_config::LockerConfig;

#[derive(LockerConfig)]
struct Config {
    #[locker(default = 443, default_in(dev = "8080", test = true))]
    port: u16,
}

fn main() {}
