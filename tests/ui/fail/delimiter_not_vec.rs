use locker_config::LockerConfig;

#[derive(LockerConfig)]
struct Config {
    #[locker(delimiter = ";")]
    host: String,
    #[locker(delimiter = "")]
    empty: Vec<String>,
    #[locker(delimiter = "\\")]
    backslash: Vec<String>,
    #[locker(json, delimiter = ";")]
    json: Vec<u8>,
}

fn main() {}
