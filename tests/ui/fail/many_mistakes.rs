use locker_config::LockerConfig;

#[derive(LockerConfig)]
struct Config<T> {
    #[locker(kee = "A")]
    a: String,
    #[locker(key = "A")]
    b: String,
    #[locker(default)]
    c: Option<u8>,
    #[locker(json, with = parse)]
    d: T,
}

fn main() {
    let _ = Config::<u8>::load("prod");
}
