use locker_config::LockerConfig;

#[derive(LockerConfig)]
struct Config {
    #[locker(required_in("prod"))]
    dsn: String,
    #[locker(required_in())]
    token: Option<String>,
}

fn main() {}
