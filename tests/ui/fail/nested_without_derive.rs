use locker_config::LockerConfig;

struct Db {
    url: String,
}

#[derive(LockerConfig)]
struct Config {
    #[locker(nested)]
    db: Db,
}

fn main() {}
