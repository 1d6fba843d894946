use locker_config::LockerConfig;

#[derive(LockerConfig)]
struct Config<T> {
    value: T,
}

fn main() {}
