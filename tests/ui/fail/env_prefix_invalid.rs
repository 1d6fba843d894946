use locker_config::LockerConfig;

#[derive(LockerConfig)]
#[locker(env_prefix = "myapp_")]
struct LowerCase {
    port: u16,
}

#[derive(LockerConfig)]
#[locker(env_prefix = "MYAPP=")]
struct NotAVariableName {
    port: u16,
}

#[derive(LockerConfig)]
#[locker(env_prefix = "1APP_")]
struct LeadingDigit {
    port: u16,
}

#[derive(LockerConfig)]
#[locker(env_prefix = "MYAPP")]
struct NoTrailingUnderscore {
    port: u16,
}

fn main() {}
