use locker_config::LockerConfig;

struct Pool {
    size: usize,
}

#[derive(LockerConfig)]
struct Config {
    database_url: String,
    pool: Pool,
}

fn main() {}
