//! The `locker-server` command line.
fn main() {}
