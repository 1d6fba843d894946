use locker_config::LockerConfig;

#[derive(LockerConfig)]
struct Config {
    #[locker(defualt = 8080)]
    port: u16,
    #[locker(rename = "X")]
    x: String,
}

fn main() {}
