#![no_implicit_prelude]

use ::core::future::Future;
use ::core::pin::Pin;
use ::core::task::{Context, Poll, Waker};
use ::locker_config::LockerConfig;

#[derive(LockerConfig)]
pub struct AppConfig {
    #[locker(key = "HTTP_PORT", default = 8080)]
    pub port: u16,
}

fn port() -> u16 {
    AppConfig::global().port
}

fn config(port: &str) -> AppConfig {
    AppConfig::from_values([("HTTP_PORT", port)]).unwrap()
}

fn main() {
    let process: ::locker_config::ProcessOverrideGuard<AppConfig> =
        AppConfig::override_global_process(config("1"));
    ::std::assert_eq!(port(), 1);
    {
        let _thread: ::locker_config::OverrideGuard<AppConfig> =
            AppConfig::override_global(config("2"));
        ::std::assert_eq!(port(), 2);
    }
    ::std::assert_eq!(AppConfig::with_override_sync(config("3"), port), 3);

    let mut future: ::locker_config::WithOverride<AppConfig, _> =
        AppConfig::with_override(config("4"), async { port() });
    let polled = Pin::new(&mut future).poll(&mut Context::from_waker(Waker::noop()));
    ::std::assert_eq!(polled, Poll::Ready(4));
    ::std::assert_eq!(port(), 1);
    ::core::mem::drop(process);
}
