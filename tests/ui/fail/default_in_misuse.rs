use locker_config::LockerConfig;

#[derive(LockerConfig)]
struct Config {
    #[locker(default_in(dev = 1))]
    a: Option<u8>,
    #[locker(default_in(dev = 1, dev = 2))]
    b: u8,
    #[locker(default_in(dev = some_fn()))]
    c: u8,
    #[locker(default_in())]
    d: u8,
}

fn main() {}
