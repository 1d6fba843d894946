use locker_config::LockerConfig;

#[derive(LockerConfig)]
struct Port(u16);

fn main() {
    let _ = Port::load("prod");
}
