use locker_config::LockerConfig;

#[derive(LockerConfig)]
struct Nothing;

fn main() {
    let _ = Nothing::global();
}
