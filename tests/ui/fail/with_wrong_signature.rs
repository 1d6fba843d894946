use locker_config::LockerConfig;

// A parser must be `fn(&str) -> Result<T, E>`; this one takes a number.
fn parse_port(value: u16) -> u16 {
    value
}

#[derive(LockerConfig)]
struct Config {
    #[locker(with = parse_port)]
    port: u16,
}

fn main() {}
