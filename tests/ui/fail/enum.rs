use locker_config::LockerConfig;

#[derive(LockerConfig)]
enum Mode {
    Fast,
    Slow,
}

fn main() {
    let _ = Mode::load("prod");
}
