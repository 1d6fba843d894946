use locker_config::LockerConfig;

#[derive(LockerConfig)]
struct Db {
    url: String,
}

#[derive(LockerConfig)]
struct Config {
    #[locker(nested, key = "DB", default, alias = "DATABASE")]
    db: Db,
    #[locker(nested, validate = check)]
    replica: Db,
    #[locker(nested = true)]
    cache: Db,
}

fn main() {}
