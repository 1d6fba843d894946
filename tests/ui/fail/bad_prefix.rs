use locker_config::LockerConfig;

#[derive(LockerConfig)]
struct Db {
    url: String,
}

#[derive(LockerConfig)]
struct Config {
    #[locker(nested, prefix = "db-")]
    db: Db,
    #[locker(nested, prefix = "9_")]
    other: Db,
    #[locker(nested, prefix = "PRIMARY_")]
    primary: Db,
    #[locker(nested, prefix = "PRIMARY_")]
    secondary: Db,
    #[locker(prefix = "X_")]
    plain: String,
}

fn main() {}
