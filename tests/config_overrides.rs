//! Test overrides: `global()` returns a test's own values, per thread, without network or
//! environment variables, in parallel with other tests using other values.

use std::sync::Barrier;
use std::thread;

use locker_config::{LockerConfig, Secret};

#[derive(Debug, LockerConfig)]
struct AppConfig {
    database_url: Secret<String>,
    #[locker(key = "HTTP_PORT", default = 8080)]
    port: u16,
}

#[derive(Debug, LockerConfig)]
struct Other {
    #[locker(default = "other")]
    name: String,
}

fn port_of_global() -> u16 {
    AppConfig::global().port
}

fn config(port: u16) -> AppConfig {
    AppConfig::from_values([
        ("DATABASE_URL", "postgres://test"),
        ("HTTP_PORT", &port.to_string()),
    ])
    .unwrap()
}

#[test]
fn override_applies_until_the_guard_drops_and_nests() {
    let guard = AppConfig::override_global(config(1));
    assert_eq!(port_of_global(), 1);
    {
        let _inner = AppConfig::override_global(config(2));
        assert_eq!(port_of_global(), 2);
    }
    assert_eq!(port_of_global(), 1);
    assert_eq!(AppConfig::with_override_sync(config(3), port_of_global), 3);
    assert_eq!(port_of_global(), 1);
    assert_eq!(
        AppConfig::global().database_url.expose_secret(),
        "postgres://test"
    );
    drop(guard);
}

#[test]
fn overrides_are_per_type() {
    let _app = AppConfig::override_global(config(7));
    let _other = Other::override_global(Other::from_values([("NAME", "mine")]).unwrap());
    assert_eq!(AppConfig::global().port, 7);
    assert_eq!(Other::global().name, "mine");
}

#[test]
fn parallel_threads_see_their_own_values() {
    let barrier = Barrier::new(16);
    thread::scope(|s| {
        for port in 1000..1016u16 {
            let barrier = &barrier;
            s.spawn(move || {
                let _guard = AppConfig::override_global(config(port));
                barrier.wait();
                for _ in 0..100 {
                    assert_eq!(port_of_global(), port);
                    thread::yield_now();
                }
                barrier.wait();
            });
        }
    });
}

#[test]
fn an_override_does_not_leak_into_other_threads() {
    let _guard = AppConfig::override_global(config(5));
    let seen = thread::spawn(|| {
        let _guard = AppConfig::override_global(config(6));
        port_of_global()
    })
    .join()
    .unwrap();
    assert_eq!(seen, 6);
    assert_eq!(port_of_global(), 5);
}

#[test]
fn overrides_work_inside_a_current_thread_runtime() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let _guard = AppConfig::override_global(config(42));
    rt.block_on(async {
        tokio::task::yield_now().await;
        assert_eq!(port_of_global(), 42);
    });
}
